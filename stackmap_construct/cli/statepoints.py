"""``stackmap-construct statepoints FILE``: GC roots and deopt state of each
statepoint call site."""

from __future__ import annotations

import argparse
from typing import Iterator

from ..errors import StatepointError
from ..lookup import CallSiteIndex
from ..statepoints import StatepointColumns, decode_rows, missing_ids, selection
from ..statepoints.render import CHUNK, iter_render_json, iter_render_text
from .arch import add_arch_option
from .common import add_input_options, load
from .output import write_output


def _ids(text: str):
    try:
        return selection(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parser(sub) -> None:
    p = sub.add_parser("statepoints", help="decode statepoint records: calling convention, flags, deopt values, GC pointer pairs")
    p.add_argument("path", metavar="FILE", help="object file, linked image or raw blob ('-' for stdin)")
    p.add_argument("--ids", type=_ids, default=selection("auto"), metavar="auto|all|ID,...",
                   help="which records are statepoints: auto (default: those laid out as one), "
                        "all (every record; one that is not is an error), or ids such as 101,0xABCDEF00")
    p.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or json")
    p.add_argument("--pc", type=lambda t: int(t, 0), metavar="ADDR",
                   help="only the call site whose return address is ADDR (linked images)")
    p.add_argument("--function", metavar="NAME", help="only the call sites of function NAME")
    add_input_options(p)
    add_arch_option(p, "the register names")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def pointer_size(container) -> int:
    return 4 if container.format == "ELF32" else 8


def run(args, read) -> int:
    container, blobs = load(read, args.path, args)
    missing = missing_ids([b.stackmap for b in blobs], args.ids)
    if missing:
        raise StatepointError(f"no record has id {', '.join(str(i) for i in missing)}")
    # Which records are statepoints, decided on each blob's columns (a
    # record that must be one and is not: the error names the field and its
    # offset in the blob); then only the records the filters keep are decoded.
    sel = selection(args.ids)
    arch, psize = args.arch or container.arch, pointer_size(container)
    tables, chosen = [], []
    for i, b in enumerate(blobs):
        cols = StatepointColumns(b.stackmap, arch=arch, pointer_size=psize, targets=b.targets, blob=i,
                                 endian=b.section.endian)
        try:
            chosen.append(list(cols.selected(sel)))
        except StatepointError as e:
            if len(blobs) > 1:
                e.message = f"stackmap #{i}: {e.message}"
            raise
        tables.append(cols)
    wanted = []
    if args.pc is not None or args.function is not None:
        index = CallSiteIndex.from_blobs(blobs)
        keep: list[set[int] | None] = [None] * len(blobs)
        if args.pc is not None:
            if not any(t.address is not None for b in blobs for t in b.targets):
                raise StatepointError("--pc needs absolute addresses and this file has none "
                                      "(an object file: its function addresses are relocations); use --function NAME")
            keep = [set() for _ in blobs]
            for site in index.at(args.pc):
                keep[site.stackmap].add(site.record_index)  # type: ignore[union-attr]
            wanted.append(f"--pc 0x{args.pc:x}")
        if args.function is not None:
            named: list[set[int]] = [set() for _ in blobs]
            for si, fi in index.functions(args.function):
                named[si].update(index.records_of(si, fi))
            keep = [n if k is None else k & n for k, n in zip(keep, named)]
            wanted.append(f"--function {args.function}")
        chosen = [[ri for ri in c if ri in k] for c, k in zip(chosen, keep)]  # type: ignore[operator]
    if wanted and not any(chosen):
        raise StatepointError(f"no statepoint record matches {' '.join(wanted)}")
    # Decoded and rendered a batch at a time as the output is written.
    found = (sp for cols, c in zip(tables, chosen)
             for start in range(0, len(c), CHUNK) for sp in decode_rows(cols, c[start:start + CHUNK]))
    text: Iterator[str] | str
    if args.format == "json":
        text = iter_render_json(found)
    else:
        text = iter_render_text(found, multi=len(blobs) > 1) if any(chosen) else "no statepoint records\n"
    write_output(args.output, text)
    return 0
