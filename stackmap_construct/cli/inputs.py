"""Opening an input for the commands that read stackmaps, and saying what
went wrong in terms of the file: an empty input, a raw blob's byte order
(detected when not given; the other order suggested when the given one
fails), which blob of a section is broken, an empty stackmap section."""

from __future__ import annotations

import sys

from ..containers import Container, Section, detect, read_container
from ..errors import StackMapError, TrailingDataError
from ..format import parse_all
from ..format.byteorder import detect_endian, other_endian


def open_container(data: bytes, args) -> Container:
    """The container of ``data`` (``args``: ``raw``, ``endian``); a raw blob's
    byte order is detected unless given."""
    raw = args.raw or detect(data) == "raw"
    if raw and not data:
        raise StackMapError("empty input: a stackmap blob holds at least a 16-byte header")
    endian = args.endian
    if raw and endian is None:
        endian = detect_endian(data)
    return read_container(data, raw=args.raw, endian=endian if raw else args.endian)


def warn_empty(section: Section, path: str) -> None:
    """llvm-readobj prints nothing for an empty stackmap section; we say so."""
    print(f"stackmap-construct: warning: {path}: section {section.name} is empty: no stackmaps",
          file=sys.stderr)


def explain_failure(e: StackMapError, container: Container, section: Section, args, *,
                    raw_note: bool = True) -> None:
    """Add to ``e`` what the file says about it: which blob of the section,
    and for a raw blob, that it was read as one (``raw_note``) and that the
    other byte order parses."""
    index = getattr(e, "blob_index", None)
    if index and not isinstance(e, TrailingDataError):  # (junk after the last blob is no blob)
        total = _count_blobs(section, e, index)
        e.message += f" (in blob {index + 1} of {total} in {section.name})"
    if container.format != "raw":
        return
    if raw_note and not args.raw:
        e.message += " (not an object file, so it was read as a raw stackmap blob)"
    other = other_endian(section.endian)
    try:
        parse_all(section.data, endian=other)
    except StackMapError:
        return
    given = "given" if args.endian else "detected"
    e.message += f" (read as {section.endian}-endian, as {given}; it parses as {other}-endian: use --endian {other})"


#: How many later positions are tried when counting the blobs after a broken one.
_RESYNC_TRIES = 8


def _count_blobs(section: Section, e: StackMapError, index: int) -> str:
    """How many blobs the section holds: the broken one is the last when no
    8-aligned header follows its error; else the count after the next header
    from which the rest parses; else "at least N"."""
    data = section.data
    start = e.offset if e.offset is not None else len(data)
    pos = (start + 8) & ~7
    candidates = 0
    for _ in range(8 * _RESYNC_TRIES):
        pos = data.find(b"\x03\x00\x00\x00", pos)
        if pos < 0 or candidates == _RESYNC_TRIES:
            break
        if pos % 8:
            pos += 8 - pos % 8
            continue
        candidates += 1
        try:
            return str(index + 1 + len(parse_all(data[pos:], endian=section.endian)))
        except StackMapError:
            pos += 8
    return str(index + 1) if not candidates else f"at least {index + 1}"
