"""``stackmap-construct gen``: make test stackmaps.

    gen --seed N --functions F --records R [--locations A..B] [--kinds K,..] [--endian big] -o OUT
    gen ... --format json -o OUT.json            the JSON form (``build`` reads it back)
    gen ... --container elf --triple T -o OUT.o   a minimal relocatable ELF holding the blob
    gen ... --corrupt KIND [--at N] -o BAD        a broken variant, and what a reader must report
    gen --statepoints [--deopt A..B] [--gc-pairs A..B] ...  every record a statepoint
    gen --list                                    the corruption kinds
    gen --llvm --triple T ... [--keep-ir] -o OUT.o  LLVM IR compiled by llc: real LLVM output
"""

from __future__ import annotations

import os
import sys

from ..containers.elf_writer import elf_target, write_elf
from ..format import build, parse
from ..generate import corrupt, corruption_kinds, generate
from ..generate.recipe import ALL_KINDS
from ..generate.llc import REGALLOCS, compile_ir, find_llc
from ..generate.llvm_ir import INTRINSICS, MODERN_TRIPLES, TESTED_TRIPLES, plan_module, write_ir
from ..generate.statepoint_recipe import generate_statepoints
from ..render.json import render_json
from .output import write_output


def count_span(text: str) -> tuple[int, int]:
    """``A..B`` (inclusive) or a single number ``N``."""
    lo, sep, hi = text.partition("..")
    try:
        pair = (int(lo), int(hi)) if sep else (int(text), int(text))
    except ValueError:
        raise ValueError(f"expected N or A..B, got {text!r}") from None
    if not 0 <= pair[0] <= pair[1]:
        raise ValueError(f"expected 0 <= A <= B, got {text!r}")
    return pair


count_span.__name__ = "count (N or A..B)"  # argparse names the type in its error


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def add_parser(sub) -> None:
    p = sub.add_parser("gen", help="generate test stackmaps: seeded, corrupted, or compiled by llc from generated IR")
    p.add_argument("--seed", type=int, default=0, help="same seed and options, same bytes (default 0)")
    p.add_argument("--functions", type=int, default=1, metavar="F", help="functions (default 1)")
    p.add_argument("--records", type=int, default=4, metavar="R",
                   help="records (call sites with --llvm) in total, dealt to the functions in order (default 4)")
    p.add_argument("--locations", type=count_span, default=(0, 8), metavar="A..B",
                   help="locations per record (with --llvm: operands per call site) (default 0..8)")
    p.add_argument("--live-outs", type=count_span, metavar="A..B", help="live-outs per record (default 0..4)")
    p.add_argument("--constants", type=count_span, metavar="A..B", help="constant pool size (default 0..4)")
    p.add_argument("--statepoints", action="store_true",
                   help="make every record a statepoint: Constants calling convention, flags, N; N deopt values; "
                        "(base, derived) GC pointer pairs")
    p.add_argument("--deopt", type=count_span, metavar="A..B", help="--statepoints: deopt values per record (default 0..4)")
    p.add_argument("--gc-pairs", type=count_span, metavar="A..B",
                   help="--statepoints: GC pointer pairs per record (default 0..3)")
    p.add_argument("--kinds", type=_names, metavar="K,K", help="location kinds to use: Register,Direct,Indirect,Constant,ConstantIndex (default all)")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of the blob (default little; from --triple for objects)")
    p.add_argument("--format", choices=["blob", "json"], default="blob", help="blob (default) or the JSON form")
    p.add_argument("--container", choices=["elf"], help="wrap the blob in a minimal relocatable ELF object for --triple")
    p.add_argument("--triple", metavar="T",
                   help="target triple for --container elf and --llvm (default x86_64-linux-gnu); "
                        f"--llvm is tested with {', '.join(TESTED_TRIPLES)} (LLVM 14 and 22) "
                        f"and {', '.join(MODERN_TRIPLES)} (LLVM 22)")
    p.add_argument("--corrupt", metavar="KIND", help="write a broken variant (see --list) and print what a reader must report")
    p.add_argument("--at", type=int, metavar="N", help="truncation point for --corrupt truncate (default: seeded)")
    p.add_argument("--list", action="store_true", help="list the corruption kinds and exit")
    p.add_argument("--llvm", action="store_true", help="write IR from the seed and compile it with llc into an object")
    p.add_argument("--intrinsics", type=_names, metavar="I,I",
                   help=f"--llvm call sites to use: {','.join(INTRINSICS)} (default all the target supports)")
    p.add_argument("--keep-ir", nargs="?", const=True, metavar="PATH", help="--llvm: keep the IR (default OUT with .ll)")
    p.add_argument("--llc", metavar="PATH",
                   help="--llvm: the llc to run (default: the newest installed: llc, llc-N on PATH, "
                        "/usr/lib/llvm-N/bin/llc); its LLVM version decides the IR (typed pointers for 14, ptr from 15)")
    p.add_argument("--regalloc", choices=REGALLOCS,
                   help="--llvm: llc's register allocator; basic (default) makes every planned spill an Indirect location")
    p.add_argument("-o", "--output", metavar="OUT", help="file to write ('-' for stdout), atomically")
    p.set_defaults(run=run, gen_parser=p)


def run(args, read) -> int:
    usage = args.gen_parser.error  # exits 2 with one line
    if args.list:
        write_output("-", _kinds_table())
        return 0
    if args.output is None:
        usage("-o/--output is required")
    if args.llvm:
        if args.statepoints or args.deopt or args.gc_pairs:
            usage("--statepoints, --deopt and --gc-pairs make seeded stackmaps; they do not apply to --llvm")
        for option in ("corrupt", "container", "endian", "live_outs", "constants"):
            if getattr(args, option):
                usage(f"--{option.replace('_', '-')} does not apply to --llvm "
                      "(llc writes the object: the triple sets the byte order, LLVM the live-outs and constants)")
        if args.format != "blob":
            usage("--format json does not apply to --llvm")
        return _llvm(args)
    if args.keep_ir or args.intrinsics or args.llc or args.regalloc:
        usage("--keep-ir, --intrinsics, --llc and --regalloc apply to --llvm only")
    if args.statepoints:
        for option in ("locations", "live_outs"):
            if getattr(args, option) != p_default(args, option):
                usage(f"--{option.replace('_', '-')} does not apply to --statepoints "
                      "(use --deopt and --gc-pairs; a statepoint has no live-outs)")
    elif args.deopt or args.gc_pairs:
        usage("--deopt and --gc-pairs apply to --statepoints only")
    if args.at is not None and args.corrupt != "truncate":
        usage("--at applies to --corrupt truncate only")

    endian = args.endian or "little"
    if args.container:
        if args.format != "blob":
            usage("--format json cannot go into a container")
        triple = args.triple or "x86_64-linux-gnu"
        endian = elf_target(triple).endian
        if args.endian and args.endian != endian:
            usage(f"--endian {args.endian} contradicts --triple {triple}, which is {endian}-endian")
    elif args.triple:
        usage("--triple applies to --container elf and --llvm only")

    try:
        if args.statepoints:
            stackmap = generate_statepoints(
                args.seed, functions=args.functions, records=args.records, constants=args.constants or (0, 4),
                deopt=args.deopt or (0, 4), pairs=args.gc_pairs or (0, 3), kinds=args.kinds or ALL_KINDS,
            )
        else:
            stackmap = generate(
                args.seed, functions=args.functions, records=args.records, constants=args.constants or (0, 4),
                locations=args.locations, live_outs=args.live_outs or (0, 4), kinds=args.kinds or ALL_KINDS,
            )
    except ValueError as e:
        usage(str(e))
    blob = build(stackmap, endian=endian)

    if args.corrupt:
        broken = corrupt(blob, args.corrupt, args.seed, endian=endian, at=args.at)
        if args.format == "json" and broken.error is not None:
            usage(f"--corrupt {args.corrupt} breaks the bytes; the JSON form cannot hold that (use --format blob)")
        blob = broken.data
        note = f"gen: {broken.kind}: {broken.change}; {broken.expectation()}"
        if args.container:
            note += " (offsets from the start of the .llvm_stackmaps section)"
        print(note, file=sys.stderr if args.output == "-" else sys.stdout)

    if args.format == "json":
        write_output(args.output, render_json([(parse(blob, endian=endian), endian, None)]))
    elif args.container:
        write_output(args.output, write_elf(blob, triple))
    else:
        write_output(args.output, blob)
    return 0


def _llvm(args) -> int:
    triple = args.triple or "x86_64-linux-gnu"
    if args.keep_ir is True and args.output == "-":
        args.gen_parser.error("--keep-ir needs a PATH when the object goes to stdout")
    llc = find_llc(args.llc)  # its version decides the IR
    try:
        plan = plan_module(
            args.seed, triple, functions=args.functions, records=args.records, locations=args.locations,
            kinds=args.kinds or ALL_KINDS, intrinsics=args.intrinsics, llvm=llc.major,
        )
    except ValueError as e:
        args.gen_parser.error(str(e))
    regalloc = args.regalloc or "basic"
    header = (f"Generated by stackmap-construct gen --llvm --seed {args.seed} --triple {triple} for LLVM {llc.major}; "
              f"compile with: llc -O2 -regalloc={regalloc} -mtriple={triple} -filetype=obj")
    ir = write_ir(plan, header=header)
    if args.keep_ir:
        # Written before compiling, so it is there to inspect when llc fails.
        path = args.keep_ir if isinstance(args.keep_ir, str) else _ir_path(args.output)
        write_output(path, ir)
    write_output(args.output, compile_ir(ir, triple, llc=llc, regalloc=regalloc))
    print(f"gen: {args.output}: made by {llc.describe()} for {triple}",
          file=sys.stderr if args.output == "-" else sys.stdout)
    return 0


def p_default(args, option: str):
    """The default of ``option`` (to tell whether it was given)."""
    return args.gen_parser.get_default(option)


def _ir_path(output: str) -> str:
    root, _ = os.path.splitext(output)
    return root + ".ll"


def _kinds_table() -> str:
    kinds = corruption_kinds()
    width = max(len(k.name) for k in kinds)
    expects = max(len(k.expects) for k in kinds)
    return "".join(f"{k.name:<{width}}  {k.expects:<{expects}}  {k.summary}\n" for k in kinds)
