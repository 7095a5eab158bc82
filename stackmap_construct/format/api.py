"""parse / parse_all / build: bytes <-> :class:`StackMap`, through the one
definition in :mod:`.v3`.  Knows nothing of files or containers."""

from __future__ import annotations

import io
from typing import Any, Union

from ..errors import StackMapError, TrailingDataError
from ..model import StackMap, from_dict
from .v3 import HEADER_SIZE, stackmap_format

Buffer = Union[bytes, bytearray, memoryview, Any]  # anything with the buffer protocol (mmap too)


def _stream(data: Buffer) -> io.BytesIO:
    # BytesIO over a memoryview shares nothing but copies once; positions in
    # it are offsets from the first byte of ``data``.
    return io.BytesIO(memoryview(data).cast("B"))


def _parse_one(stream: io.BytesIO, endian: str) -> StackMap:
    return stackmap_format(endian).parse_stream(stream)


def parse(data: Buffer, *, endian: str = "little") -> StackMap:
    """Parse one whole stackmap blob.

    The blob must be consumed exactly: bytes after the last record raise
    :class:`TrailingDataError` (use :func:`parse_all` for several blobs).
    Every error is a :class:`StackMapError` with ``.path`` and ``.offset``.
    """
    stream = _stream(data)
    stackmap = _parse_one(stream, endian)
    end = stream.tell()
    size = len(stream.getbuffer())
    if end != size:
        raise TrailingDataError(f"{size - end} bytes follow the end of the stackmap", offset=end)
    return stackmap


def parse_all(data: Buffer, *, endian: str = "little") -> list[StackMap]:
    """Parse every stackmap blob of a buffer in which several are
    concatenated (a linked binary holds one blob per object file; each blob
    is a multiple of 8 bytes long, so each starts 8-byte aligned).

    Error offsets are from the start of ``data``.  An empty buffer holds no
    stackmap and gives ``[]``.
    """
    stream = _stream(data)
    size = len(stream.getbuffer())
    blobs: list[StackMap] = []
    # Every blob is a multiple of 8 bytes long, so each one starts at a
    # multiple of 8 and alignment measured from the buffer's start is the
    # same as alignment measured from the blob's own start.
    while stream.tell() < size:
        start = stream.tell()
        try:
            blobs.append(_parse_one(stream, endian))
        except StackMapError as e:
            if blobs and e.offset is not None and e.offset < start + HEADER_SIZE:
                # Not even a header follows: call it what it is, junk after
                # the last stackmap, rather than a broken stackmap.
                err = TrailingDataError(
                    f"{size - start} bytes after the end of stackmap #{len(blobs) - 1} "
                    f"do not start another stackmap ({e.message})",
                    offset=start,
                )
                err.blob_index = len(blobs)
                raise err from None
            e.blob_index = len(blobs)
            raise
    return blobs


def build(stackmap: StackMap | dict, *, endian: str = "little") -> bytes:
    """Encode a :class:`StackMap` (or its plain-data dict form) as a blob.

    Counts come from the list lengths; reserved and padding bytes are zero.
    ``build(parse(blob)) == blob`` for every valid blob.
    """
    if isinstance(stackmap, dict):
        stackmap = from_dict(stackmap)
    out = io.BytesIO()
    stackmap_format(endian).build_stream(stackmap, out)
    return out.getvalue()

