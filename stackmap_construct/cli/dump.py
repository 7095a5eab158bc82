"""``stackmap-construct dump PATH``: print the stackmaps of a file."""

from __future__ import annotations

from ..containers import read_container
from ..errors import StackMapError
from ..format import parse_all
from ..render.json import render_json
from ..render.readobj import render_readobj
from ..render.text import render_text
from .output import write_output


def add_parser(sub) -> None:
    p = sub.add_parser("dump", help="print the stackmaps of an object file or raw blob")
    p.add_argument("path", metavar="PATH", help="ELF object/executable/shared object, or a raw blob ('-' for stdin)")
    p.add_argument("--format", choices=["text", "llvm-readobj", "json"], default="text",
                   help="text (default, with register names), llvm-readobj (byte-identical to llvm-readobj --stackmap), json")
    p.add_argument("--raw", action="store_true", help="read PATH as a bare stackmap blob, not an object file")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of a raw blob (default little)")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def run(args, read) -> int:
    container = read_container(read(args.path), raw=args.raw, endian=args.endian)
    try:
        blobs = [
            (stackmap, section)
            for section in container.sections
            for stackmap in parse_all(section.data, endian=section.endian)
        ]
    except StackMapError as e:
        if container.format == "raw" and not args.raw:
            e.message += " (not an object file, so it was read as a raw stackmap blob)"
        raise
    if args.format == "llvm-readobj":
        text = "".join(render_readobj(sm) for sm, _ in blobs)
    elif args.format == "json":
        text = render_json((sm, section.endian) for sm, section in blobs)
    else:
        head = f"{args.path}: {container.format}"
        if container.kind:
            head += f" {container.kind}"
        if container.arch:
            head += f", {container.arch}"
        endians = sorted({s.endian for s in container.sections})
        head += f", {'/'.join(endians)}-endian, {len(blobs)} stackmap{'s' if len(blobs) != 1 else ''}\n"
        text = head + "".join(
            render_text(sm, arch=container.arch, title=f"stackmap #{i} ({section.name})")
            for i, (sm, section) in enumerate(blobs)
        )
    write_output(args.output, text)
    return 0
