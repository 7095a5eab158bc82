"""Build blobs from the JSON form read as a stream, with memory independent
of the document's size.

A 10 MB stackmap's JSON (dump's ``{"stackmaps": [...]}``) is about 125 MB
of text; ``json.loads`` of it makes millions of dicts.  :func:`build_stream`
reads the text in pieces, decodes one record at a time with the standard
decoder (``json.JSONDecoder.raw_decode``), and encodes records a batch at a
time (:func:`~.fast.builder.build_plain_data` on a batch).  It handles the
documents ``build`` accepts; on anything it does not expect (a repeated
key, a value of an unusual type, broken JSON) it gives up (:class:`Unstreamable`)
and the caller reads the document whole, which reports the exact error.
"""

from __future__ import annotations

import json
import re
from itertools import chain
TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up: only for type checkers)
    from typing import IO, Iterator

_WS = " \t\n\r"
_BLANKS = re.compile(f"[{_WS}]*").match  # JSON's whitespace, exactly
BATCH = 4096  # records encoded at a time
_READ = 1 << 20  # characters read at a time


class Unstreamable(Exception):
    """Read this document whole instead."""


class _Text:
    """A window on a text stream: ``buf[pos:]`` is what is not consumed."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        piece = self.stream.read(_READ)
        if not piece:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + piece
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end)."""
        while True:
            buf = self.buf
            pos = self.pos = _BLANKS(buf, self.pos).end()  # type: ignore[union-attr]  # "*" always matches
            if pos < len(buf):
                return buf[pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise Unstreamable
        self.pos += 1

    def value(self, decoder: json.JSONDecoder):
        """The next JSON value, decoded."""
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if self.more():
                    continue
                raise Unstreamable from None
            # A number may be cut by the window's end ("12" of "123").
            if end == len(self.buf) and not self.eof and self.more():
                continue
            self.pos = end
            return value


def _object(text: _Text, decoder) -> Iterator[str]:
    """The keys of the object that starts here; after each key, the caller
    consumes its value."""
    text.expect("{")
    if text.peek() == "}":
        text.pos += 1
        return
    seen = set()
    while True:
        key = text.value(decoder)
        if not isinstance(key, str) or key in seen:
            raise Unstreamable
        seen.add(key)
        text.expect(":")
        yield key
        c = text.peek()
        text.pos += 1
        if c == "}":
            return
        if c != ",":
            raise Unstreamable


def _array(text: _Text, decoder) -> Iterator[None]:
    """Once per element of the array that starts here; the caller consumes
    each element."""
    text.expect("[")
    if text.peek() == "]":
        text.pos += 1
        return
    while True:
        yield None
        c = text.peek()
        text.pos += 1
        if c == "]":
            return
        if c != ",":
            raise Unstreamable


def _entry(text: _Text, decoder, endian_of, keys: Iterator[str] | None = None) -> bytes:
    """One stackmap of the plain-data form, encoded.  Records come before
    the byte order in dump's JSON ("endian" is an entry's last key): they
    are encoded little-endian as they come, and a big-endian entry is
    converted at the end (parsed and built again)."""
    from .fast.builder import build_plain_data

    rest: dict = {}
    pieces: list[bytes] = []
    batch: list = []
    count = 0
    records_seen = False
    for key in (_object(text, decoder) if keys is None else keys):
        if key == "records" and text.peek() == "[":
            records_seen = True
            for _ in _array(text, decoder):
                batch.append(text.value(decoder))
                if len(batch) >= BATCH:
                    pieces.append(_records_bytes(batch, "little"))
                    count += len(batch)
                    batch.clear()
            if batch:
                pieces.append(_records_bytes(batch, "little"))
                count += len(batch)
                batch.clear()
            continue
        rest[key] = text.value(decoder)
    if not records_seen:
        raise Unstreamable
    endian = endian_of(rest)
    if endian not in ("little", "big"):
        raise Unstreamable
    head = build_plain_data({**rest, "records": []}, "little")
    if head is None:
        raise Unstreamable
    blob = _patch_count(head, count, "little") + b"".join(pieces)
    if endian == "little":
        return blob
    from .api import build, parse

    return build(parse(blob), endian=endian)


def _records_bytes(records: list, endian: str) -> bytes:
    from .fast.builder import build_plain_data

    blob = build_plain_data({"version": 3, "functions": [], "constants": [], "records": records}, endian)
    if blob is None:
        raise Unstreamable
    from .fast.parser import layout

    return blob[layout(endian).plan.header.size:]


def _patch_count(head: bytes, count: int, endian: str) -> bytes:
    import struct

    from .fast.parser import layout

    plan = layout(endian).plan
    records = plan.records
    leaf = plan.header.leaf(records.count_field)
    out = bytearray(head)
    struct.pack_into(plan.header.struct.format[0] + leaf.code, out, leaf.offset, count)
    if len(out) % 8:
        raise Unstreamable  # records would not start 8-aligned: the batches assumed they do
    return bytes(out)


def build_stream(stream: IO[str], endian_of) -> list[bytes]:
    """The blobs of the JSON document on ``stream``: one stackmap, or
    dump's ``{"stackmaps": [...]}``.  ``endian_of(entry_so_far)`` gives the
    byte order of an entry from what was read of it (None: not known yet).
    Raises :class:`Unstreamable` for what it does not handle."""
    from ..errors import StackMapError

    try:
        return _build_stream(stream, endian_of)
    except StackMapError:
        raise Unstreamable from None


def _build_stream(stream: IO[str], endian_of) -> list[bytes]:
    decoder = json.JSONDecoder()
    text = _Text(stream)
    if text.peek() != "{":
        raise Unstreamable
    keys = _object(text, decoder)
    first = next(keys, None)
    if first is None:
        raise Unstreamable
    if first == "stackmaps":
        if text.peek() != "[":
            raise Unstreamable
        blobs = [_entry(text, decoder, endian_of) for _ in _array(text, decoder)]
        if next(keys, None) is not None:
            raise Unstreamable
    else:
        blobs = [_entry(text, decoder, endian_of, chain([first], keys))]
    if text.peek() != "":
        raise Unstreamable
    return blobs
