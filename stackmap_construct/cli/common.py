"""Pieces several commands share: reading a file's stackmaps."""

from __future__ import annotations

from ..containers import Container, Section, read_container
from ..errors import StackMapError
from ..format import parse_all
from ..model import StackMap


def add_input_options(p) -> None:
    """--raw and --endian, for commands that read an object file or a blob."""
    p.add_argument("--raw", action="store_true", help="read PATH as a bare stackmap blob, not an object file")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of a raw blob (default little)")


def load(data: bytes, args) -> tuple[Container, list[tuple[StackMap, Section]]]:
    """The container of ``data`` and every stackmap blob in it, in order."""
    container = read_container(data, raw=args.raw, endian=args.endian)
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
    return container, blobs
