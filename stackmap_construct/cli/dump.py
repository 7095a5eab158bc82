"""``stackmap-construct dump PATH``: print the stackmaps of a file."""

from __future__ import annotations

from ..render.parallel import Part, concat, fixed, render_in_two
from . import filters
from .arch import add_arch_option
from .common import add_input_options, load
from .output import write_output


def add_parser(sub) -> None:
    p = sub.add_parser("dump", help="print the stackmaps of an object file or raw blob")
    p.add_argument("path", metavar="PATH", help="an object file, executable or library (ELF, Mach-O, COFF or PE), or a raw stackmap blob ('-' for stdin)")
    p.add_argument("--format", choices=["text", "llvm-readobj", "json"], default="text",
                   help="text (default, with register names), llvm-readobj (byte-identical to llvm-readobj --stackmap), json")
    add_input_options(p)
    add_arch_option(p, "the register names of --format text")
    filters.add_filter_options(p)
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def run(args, read) -> int:
    container, blobs = load(read, args.path, args)
    parts: list[Part]
    numbered = list(enumerate(blobs))
    if filters.active(args):  # only the matching records, each blob keeping its number
        numbered = filters.apply(blobs, args, linked=container.linked)
        blobs = [b for _, b in numbered]
    # Only the renderer asked for is imported (start-up).
    if args.format == "llvm-readobj":
        from ..render.readobj import readobj_part

        parts = [readobj_part(b.stackmap) for b in blobs]
    elif args.format == "json":
        from ..render.json import json_parts

        parts = json_parts((b.stackmap, b.section.endian, b.targets) for b in blobs)
    else:
        from ..render.text import text_part

        head = f"{args.path}: {container.format}"
        if container.kind:
            head += f" {container.kind}"
        arch = args.arch or container.arch
        if arch:
            head += f", {arch}"
        endians = sorted({s.endian for s in container.sections})
        head += f", {'/'.join(endians)}-endian, {len(blobs)} stackmap{'s' if len(blobs) != 1 else ''}"
        head += f" with records matching {filters.describe(args)}\n" if filters.active(args) else "\n"
        parts = [fixed(head)] + [text_part(b.stackmap, arch=arch, title=f"stackmap #{i} ({b.section.name})",
                                           targets=b.targets, endian=b.section.endian) for i, b in numbered]
    # In pieces, as rendered (a 50 MB stackmap prints 160 MB of text), by
    # two processes when it is long.
    write_output(args.output, render_in_two(concat(parts), spliced=True))  # (closed at the end: a child rendering is reaped)
    return 0
