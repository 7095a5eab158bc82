"""``stackmap-construct diff A B``: structural difference; exit 1 when they differ."""

from __future__ import annotations

import argparse

from ..diff import diff_stackmaps
from ..statepoints import selection
from .common import add_input_options, load
from .output import Activity, write_output


def add_parser(sub) -> None:
    p = sub.add_parser("diff", help="structural difference of the stackmaps of two files (exit 1 when different)")
    p.add_argument("path", metavar="A", help="the first file: an object file (ELF, Mach-O, COFF or PE) or a raw stackmap blob")
    p.add_argument("other", metavar="B", help="the second file, read the same way")
    add_input_options(p, subject="A and B", several=True)
    p.add_argument("--statepoints", default="auto", type=_statepoints, metavar="auto|all|none|ID,...",
                   help="records compared by statepoint role (deopt values, GC pointer pairs): auto (default: "
                        "those laid out as a statepoint on both sides), all, none, or ids such as 101,0xABCDEF00")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def _statepoints(text: str):
    if text == "none":
        return None
    try:
        return selection(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run(args, read) -> int:
    with Activity(f"reading {args.path}") as activity:
        ca, blobs_a = load(read, args.path, args)
        args.path = args.other  # errors from here on are about B
        activity.set(f"reading {args.other}")
        cb, blobs_b = load(read, args.other, args)
        lines = []
        if len(blobs_a) != len(blobs_b):
            lines.append(f"stackmaps: A has {len(blobs_a)}, B has {len(blobs_b)}")
        pairs = list(zip(blobs_a, blobs_b))
        for i, (a, b) in enumerate(pairs):
            activity.set(f"comparing stackmap {i + 1} of {len(pairs)} "
                         f"({len(a.stackmap.records):,} and {len(b.stackmap.records):,} records)")
            prefix = f"stackmap #{i}: " if max(len(blobs_a), len(blobs_b)) > 1 else ""
            for line in diff_stackmaps(a.stackmap, b.stackmap, names_a=a.symbols, names_b=b.symbols,
                                       arch_a=ca.arch, arch_b=cb.arch, statepoints=args.statepoints):
                lines.append(prefix + line)
    write_output(args.output, "".join(line + "\n" for line in lines))
    return 1 if lines else 0
