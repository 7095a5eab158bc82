"""``stackmap-construct explain PATH``: an annotated hex dump of every field."""

from __future__ import annotations

from ..containers import read_container
from ..errors import StackMapError
from ..format.walk import walk
from ..render.explain import render_explain
from .arch import add_arch_option
from .common import add_input_options
from .output import write_output


def _offset(text: str) -> int:
    return int(text, 0)


def parse_range(text: str) -> tuple[int | None, int | None]:
    """``START:END``, ``START:`` or ``:END`` (decimal or 0x-hex), END exclusive;
    a single number means that one byte."""
    if ":" not in text:
        start = _offset(text)
        return start, start + 1
    lo, hi = text.split(":", 1)
    return (_offset(lo) if lo else None, _offset(hi) if hi else None)


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="annotated hex dump: every field with offset, bytes, path and value")
    p.add_argument("path", metavar="PATH", help="an object file (ELF, Mach-O, COFF or PE) or a raw stackmap blob ('-' for stdin)")
    p.add_argument("--range", metavar="A:B", type=parse_range,
                   help="only fields overlapping bytes A (inclusive) to B (exclusive) of the section; 0x-hex allowed")
    p.add_argument("--no-docs", dest="docs", action="store_false", help="leave out each field's doc line")
    add_input_options(p)
    add_arch_option(p, "register names")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def run(args, read) -> int:
    container = read_container(read(args.path), raw=args.raw, endian=args.endian)
    start, end = args.range or (None, None)
    lines: list[str] = []
    failure: StackMapError | None = None
    for section in container.sections:
        where = f" at file offset 0x{section.file_offset:x}" if section.file_offset else ""
        lines.append(f"section {section.name}{where}, {len(section.data)} bytes, {section.endian}-endian;"
                     " offsets below are from the section start")
        try:
            lines.extend(render_explain(walk(section.data, endian=section.endian), start=start, end=end,
                                        arch=args.arch or container.arch, docs=args.docs))
        except StackMapError as e:
            # Everything up to the broken field is shown, then the error.
            lines.append(f"error: {e.describe()}")
            failure = failure or e
    write_output(args.output, "\n".join(lines) + "\n")
    if failure is not None:
        raise failure
    return 0
