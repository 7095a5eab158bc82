"""parse / parse_all / build: bytes <-> :class:`StackMap`, through the one
definition in :mod:`.v3`.  Knows nothing of files or containers.

Two implementations stand behind these functions: the construct definition
itself, and a fast path derived from it (:mod:`.fast`), which is the
default.  The fast path gives the same results, the same errors and the
same bytes (the tests run every format test against both); it parses into
a StackMap whose records are made on first access.  :func:`backend`
selects one for a block of code, for tests and comparisons.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from collections import namedtuple
from contextvars import ContextVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, NamedTuple, Union

from ..errors import StackMapError, TrailingDataError
from ..model import StackMap
from ..model import from_dict as _objects_from_dict
from .v3 import HEADER_SIZE, check_endian, stackmap_format

if TYPE_CHECKING:
    Buffer = Union[bytes, bytearray, memoryview, Any]  # anything with the buffer protocol (mmap too)

BACKENDS = ("fast", "construct")
_backend: ContextVar[str] = ContextVar("stackmap_construct_backend", default="fast")


@contextmanager
def backend(name: str) -> Iterator[None]:
    """Use ``name`` ("fast", the default, or "construct") for parse,
    parse_all and build inside the ``with`` block."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {name!r}")
    token = _backend.set(name)
    try:
        yield
    finally:
        _backend.reset(token)


def current_backend() -> str:
    return _backend.get()


def _fast():
    """The fast path's module, or None when the construct path is selected
    (or the definition holds something the fast path cannot derive)."""
    if _backend.get() != "fast":
        return None
    from . import fast

    return fast


def _release() -> None:
    """Let the fast path drop what it kept between the blobs of one buffer
    (only the fast path keeps anything, and only under its own backend)."""
    fast = _fast()
    if fast is not None:
        fast.forget_words()


def _stream(data: Buffer) -> io.BytesIO:
    # BytesIO over a memoryview shares nothing but copies once; positions in
    # it are offsets from the first byte of ``data``.
    return io.BytesIO(memoryview(data).cast("B"))


def _bytes(data: Buffer) -> bytes:
    # The fast path keeps the buffer for the records it has not made yet:
    # an immutable copy, unless it is bytes already.
    return data if type(data) is bytes else memoryview(data).cast("B").tobytes()


def _parse_one(stream: io.BytesIO, endian: str) -> StackMap:
    return stackmap_format(endian).parse_stream(stream)


def _blob_parser(data: Buffer, endian: str):
    """``(size, parse_next)``: ``parse_next(start)`` parses the blob at
    ``start`` and returns it with the offset after it."""
    fast = _fast()
    if fast is not None:
        try:
            fast.layout(endian)
        except fast.Unsupported:
            fast = None
    if fast is not None:
        buf = _bytes(data)
        return len(buf), lambda start: fast.parse_at(buf, start, endian)
    stream = _stream(data)

    def parse_next(start: int):
        stream.seek(start)
        stackmap = _parse_one(stream, endian)
        return stackmap, stream.tell()

    return len(stream.getbuffer()), parse_next


def parse(data: Buffer, *, endian: str = "little") -> StackMap:
    """Parse one whole stackmap blob.

    The blob must be consumed exactly: bytes after the last record raise
    :class:`TrailingDataError` (use :func:`parse_all` for several blobs).
    Every error is a :class:`StackMapError` with ``.path`` and ``.offset``.
    """
    check_endian(endian)  # an unknown byte order is a ValueError, before reading anything
    size, parse_next = _blob_parser(data, endian)
    try:
        stackmap, end = parse_next(0)
    finally:
        _release()
    if end != size:
        raise TrailingDataError(f"{size - end} bytes follow the end of the stackmap", offset=end)
    return stackmap


def parse_all(data: Buffer, *, endian: str = "little") -> list[StackMap]:
    """Parse every stackmap blob of a buffer in which several are
    concatenated (a linked binary holds one blob per object file; each blob
    is a multiple of 8 bytes long, so each starts 8-byte aligned).

    Error offsets are from the start of ``data``.  An empty buffer holds no
    stackmap and gives ``[]``.  :func:`parse_spans` also says where each
    blob lies.
    """
    return [blob.stackmap for blob in parse_spans(data, endian=endian)]


if TYPE_CHECKING:
    class Span(NamedTuple):
        stackmap: StackMap
        start: int
        end: int
else:  # the same class, without typing (3 ms of start-up)
    Span = namedtuple("Span", ("stackmap", "start", "end"), module=__name__)
    Span.__annotations__ = {"stackmap": "StackMap", "start": "int", "end": "int"}
Span.__doc__ = """One blob of a buffer: its stackmap and the bytes ``start:end`` it
was parsed from."""


def parse_spans(data: Buffer, *, endian: str = "little") -> list[Span]:
    """:func:`parse_all`, with each blob's place in ``data``."""
    check_endian(endian)
    size, parse_next = _blob_parser(data, endian)
    blobs: list[Span] = []
    # Every blob is a multiple of 8 bytes long, so each one starts at a
    # multiple of 8 and alignment measured from the buffer's start is the
    # same as alignment measured from the blob's own start.
    end = 0
    while end < size:
        start = end
        try:
            stackmap, end = parse_next(start)
            blobs.append(Span(stackmap, start, end))
        except StackMapError as e:
            _release()
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
    _release()
    return blobs


def view(stackmap: StackMap, *, endian: str = "little"):
    """The columnar view of ``stackmap``: offsets of every record, location
    and live-out, and each field of them as an array
    (:class:`~.columns.StackMapView`)."""
    from .columns import view as _view

    return _view(stackmap, endian=endian)


def build(stackmap: StackMap | dict, *, endian: str = "little") -> bytes:
    """Encode a :class:`StackMap` (or its plain-data dict form) as a blob.

    Counts come from the list lengths; reserved and padding bytes are zero.
    ``build(parse(blob)) == blob`` for every valid blob.
    """
    if isinstance(stackmap, dict):
        fast = _fast()
        if fast is not None:
            blob = fast.build_plain_data(stackmap, endian)
            if blob is not None:
                return blob
        stackmap = _objects_from_dict(stackmap)
    fast = _fast()
    if fast is not None:
        blob = fast.build(stackmap, endian)
        if blob is not None:
            return blob
    out = io.BytesIO()
    stackmap_format(endian).build_stream(stackmap, out)
    return out.getvalue()


def from_dict(data: dict[str, Any]) -> StackMap:
    """The StackMap of a plain-data dict (:func:`~stackmap_construct.model.to_dict`'s
    form, or one entry of ``dump --format json``); raises :class:`BuildError`
    naming the bad key, exactly as :func:`stackmap_construct.model.from_dict`.

    On the fast path (the default) a well-formed dict is encoded in bulk
    and its records are made from those bytes on first access, as after
    :func:`parse` (changes to them are kept, and built); anything unusual
    (a value that does not fit its field, a kind given by number, a wrong
    key or type) is left to the model's ``from_dict``, which makes the
    objects or names the problem."""
    fast = _fast()
    if fast is not None:
        stackmap = fast.from_plain_data(data)
        if stackmap is not None:
            return stackmap
    return _objects_from_dict(data)
