"""Build blobs straight from the text of dump's JSON, without decoding it
into objects.

``dump --format json`` writes ``json.dumps(document, indent=2)``: every
record, location and live-out laid out the same way, only the numbers
changing.  :func:`build_layout` reads the file in pieces and matches each
run of records against regular expressions made from that layout (the
text ``json.dumps`` gives a template record, the keys and kind names taken
from the plan of :mod:`.v3`), so that the numbers come out as columns that
the builder packs (:func:`~.fast.builder.pack_json_columns`), with no
dict, list or object per record.  Everything outside the records arrays
(the version, functions, constants, byte order: small) is decoded with
``json.loads``, a marker standing in for each records array.

The text must be exactly that layout: a run of records it does not match
(another indentation, key order or spelling, an escape, a float, a number
out of its field's range, bad JSON, ...) makes the whole document
:class:`Declined`, and the caller reads it the ordinary way, which gives
the same blob or names the error.  Why a match proves the result equal to
``json.loads`` then building: see :meth:`_Layout.records`.

A long records array of a regular file is done by two processes when a
second core is idle: a forked child encodes the records from a record
boundary halfway through the file to the array's end while this process
does those before it (:func:`_in_two`).  Memory stays about the blob's
size: the text is read a few megabytes at a time.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import sys
from functools import lru_cache
from itertools import repeat

from ..processes import idle_core as _idle_core

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up: only for type checkers)
    from typing import IO, Callable

_READ = 1 << 22  # bytes read at a time
_CHUNK = 1 << 22  # bytes of records matched at a time (about 2,000 records)
_OUTSIDE_LIMIT = 1 << 26  # text outside the records arrays: past this, decline
_INT = rb"(-?(?:0|[1-9][0-9]*))"  # a JSON integer, exactly
_SLOT = 1_234_567_890_123  # a number that stands for a field in a template
_NUL = b"\x00"  # never in valid JSON text: marks a matched location


class Declined(Exception):
    """Read this document the ordinary way."""


def _dumps(value, depth: int) -> bytes:
    """``json.dumps(value, indent=2)`` nested ``depth`` levels deep (as in
    the whole document's text)."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * depth).encode()


def _pattern(value, depth: int, groups: dict[str, bytes]) -> bytes:
    """The regular expression of ``value``'s text, each string
    ``"<slot:NAME>"`` or number ``_SLOT + k`` in it replaced by
    ``groups``' pattern for it."""
    out = re.escape(_dumps(value, depth))
    for key, group in groups.items():
        out = out.replace(re.escape(key.encode()), group)
    return out


def _list_pieces(depth: int) -> tuple[bytes, bytes, bytes]:
    """(opening, separator, closing) of a non-empty list ``depth`` levels
    deep, as ``json.dumps`` lays it out."""
    text = _dumps(["\x01", "\x02"], depth)
    a, b = text.index(b'"\\u0001"'), text.index(b'"\\u0002"')
    return text[:a], text[a + 8:b], text[b + 8:]


class _Items:
    """The expression of one item (a JSON object) of an inner array
    (locations, live-outs) ``depth`` levels deep: its fields in the
    builder's order, an integer in each slot, or for an adapter field (the
    location kind) one of its names."""

    def __init__(self, array, packer, depth: int):
        fixed = array.element.fixed
        self.names = list(packer.names)
        #: per field: its names' raw values (an adapter field), or None
        self.decoders: list[dict[bytes, int] | None] = []
        template: dict = {}
        groups: dict[str, bytes] = {}
        for k, name in enumerate(self.names):
            leaf = fixed.leaf(name)
            if leaf.decoded is not None:
                names = {v.name.encode(): raw for raw, v in enumerate(leaf.decoded) if v is not None}
                self.decoders.append(names)
                template[name] = f"<slot:{name}>"
                groups[json.dumps(template[name])] = (
                    b'"(' + b"|".join(map(re.escape, sorted(names, key=len, reverse=True))) + b')"')
            else:
                self.decoders.append(None)
                template[name] = _SLOT + k
                groups[str(_SLOT + k)] = _INT
        self.pattern = _pattern(template, depth, groups)
        self.regex = re.compile(self.pattern)
        #: the same without groups, to sit inside another expression
        self.plain = re.sub(rb"(?<!\\)\((?!\?)", b"(?:", self.pattern)

    def columns(self, parts: list[bytes]) -> list[list[int]]:
        """The columns of the items of ``regex.split``'s ``parts``."""
        step = len(self.names) + 1
        return [_ints(parts[1 + k::step]) if decoder is None else list(map(decoder.__getitem__, parts[1 + k::step]))
                for k, decoder in enumerate(self.decoders)]


class _Layout:
    """The regular expressions of one records array, ``depth`` levels
    deep (its records at depth + 1), from the plan's records element: the
    items of its first inner array (locations) are matched first and each
    replaced by a NUL; then the records, whose other inner array
    (live-outs) is matched inside the record's expression and again on its
    own for its numbers."""

    def __init__(self, depth: int):
        from .fast.builder import EXTRA_KEYS, packers
        from .fast.parser import layout
        from .fast.plan import Array

        records = layout("little").plan.records
        element = records.element
        self.packer = packers("little")[records.name]
        inner = [p for p in element.parts if isinstance(p, Array)]
        if len(inner) != 2:
            raise Declined  # pragma: no cover - v3 records hold two arrays
        d = depth + 1  # a record
        self.open, self.sep, self.close = _list_pieces(depth)
        self.first, self.second = (_Items(array, packer, d + 2)
                                   for array, packer in zip(self.packer.inner, self.packer.inner_packers))
        opening, sep, closing = map(re.escape, _list_pieces(d + 1))

        def array_of(item: bytes) -> bytes:
            return rb"(\[\]|" + opening + item + b"(?:" + sep + item + b")*" + closing + b")"

        # A record: its own fields (integers) and the two arrays, in the
        # plan's order, then dump's extra keys (null or an integer: the
        # builder ignores them).
        template: dict = {}
        groups: dict[str, bytes] = {}
        #: per group of the record's expression: an own field's name, or
        #: the index of the inner array
        self.slots: list[str | int] = []
        for k, name in enumerate(element.names):
            if name in (inner[0].name, inner[1].name):
                which = 0 if name == inner[0].name else 1
                template[name] = f"<slot:{name}>"
                groups[json.dumps(template[name])] = array_of(_NUL if which == 0 else self.second.plain)
                self.slots.append(which)
            else:
                template[name] = _SLOT + k
                groups[str(_SLOT + k)] = _INT
                self.slots.append(name)
        for key in EXTRA_KEYS.get(records.name, ()):
            template[key] = f"<slot:{key}>"
            groups[json.dumps(template[key])] = rb"(?:null|-?(?:0|[1-9][0-9]*))"
        self.rec = re.compile(_pattern(template, d, groups))

    def records(self, chunk: bytes) -> tuple[bytes, int]:
        """The encoding (little-endian) of ``chunk``, records joined by the
        list's separator, and how many records it holds; Declined when it
        is not exactly dump's layout.

        Why equal to ``json.loads``: ``chunk`` holds no NUL.  Every match
        of the location expression (an exact text with an integer or a kind
        name in each slot) is replaced by a NUL; the rest must then split
        into records matching the record expression, which takes a NUL only
        where a location stands, exactly separated by the list's separator.
        So ``chunk`` is byte for byte the text ``json.dumps`` gives those
        records with those numbers, and each number is a JSON integer."""
        from .fast.builder import pack_json_columns

        if _NUL in chunk:
            raise Declined
        parts = self.first.regex.split(chunk)
        reduced = _NUL.join(parts[::len(self.first.names) + 1])
        rparts = self.rec.split(reduced)
        rstep = self.rec.groups + 1
        gaps = rparts[::rstep]
        n = len(gaps) - 1
        if n < 1 or gaps[0] or gaps[-1] or gaps.count(self.sep) != n - 1:
            raise Declined
        own: dict[str, list[int]] = {}
        texts: list[list[bytes]] = [[], []]
        for k, slot in enumerate(self.slots):
            if isinstance(slot, int):
                texts[slot] = rparts[1 + k::rstep]
            else:
                own[slot] = _ints(rparts[1 + k::rstep])
        first = self.first.columns(parts)
        first_counts = list(map(bytes.count, texts[0], repeat(_NUL)))
        second = self.second.columns(self.second.regex.split(b"".join(texts[1])))
        second_counts = list(map(bytes.count, texts[1], repeat(b"{")))  # one "{" an item
        if sum(first_counts) != len(first[0]) or sum(second_counts) != len(second[0]):
            raise Declined  # pragma: no cover - the record expression counted them
        data = pack_json_columns(self.packer, own, [(first, first_counts), (second, second_counts)], n)
        if data is None:
            raise Declined  # a value out of its field's range, ...
        return data, n


def _ints(texts: list[bytes]) -> list[int]:
    """The integers of JSON integer literals; when the column holds few
    distinct texts (sizes, registers, often offsets: judged on its first
    512), each converted once."""
    if len(set(texts[:512])) > 128:
        return list(map(int, texts))
    distinct = set(texts)
    value = dict(zip(distinct, map(int, distinct)))
    return list(map(value.__getitem__, texts))


@lru_cache(maxsize=None)
def _layout(depth: int) -> _Layout:
    return _Layout(depth)


class _Reader:
    """A binary file read in pieces: ``buf`` is what is not consumed, from
    byte ``base`` of the file on.  A real file is read by position
    (``os.pread``), so that a forked process reads it independently."""

    def __init__(self, f: IO[bytes], base: int = 0):
        self.f = f
        self.fd: int | None = None
        try:
            fd = f.fileno()
            if hasattr(os, "pread") and stat.S_ISREG(os.fstat(fd).st_mode):
                self.fd = fd
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            pass
        self.base = base
        self.buf = b""
        self.eof = False
        self.read_to = base  # the file's offset after buf (real files)

    def more(self) -> bool:
        if self.eof:
            return False
        if self.fd is not None:
            piece = os.pread(self.fd, _READ, self.read_to)
            self.read_to += len(piece)
        else:
            piece = self.f.read(_READ)
        if not piece:
            self.eof = True
            return False
        self.buf += piece
        return True

    def consume(self, n: int) -> None:
        self.buf = self.buf[n:]
        self.base += n

    def size(self) -> int | None:
        return os.fstat(self.fd).st_size if self.fd is not None else None


_KEY = b'"records": ['


def _scan(f: IO[bytes]) -> tuple[bytes, list[tuple[list[bytes], int]]]:
    """The text outside the records arrays (each non-empty array replaced
    by a marker string, ``"\\u0000<n>"``), and each array's encoding in
    pieces with its count of records."""
    reader = _Reader(f)
    outside: list[bytes] = []
    size = 0
    regions: list[tuple[list[bytes], int]] = []
    while True:
        i = reader.buf.find(_KEY)
        while i < 0 and reader.more():
            i = reader.buf.find(_KEY, max(0, len(reader.buf) - _READ - len(_KEY)))
            if len(reader.buf) > _OUTSIDE_LIMIT:
                raise Declined
        if i < 0:
            outside.append(reader.buf)
            break
        start = i + len(_KEY) - 1  # the "["
        line = reader.buf.rfind(b"\n", 0, i) + 1
        indent = i - line
        if reader.buf[line:i] != b" " * indent or indent % 2:
            raise Declined
        depth = indent // 2  # the array's (its records one deeper)
        lay = _layout(depth)
        while len(reader.buf) < start + len(lay.open) and reader.more():
            pass
        if not reader.buf.startswith(lay.open, start):
            if reader.buf.startswith(b"[]", start):  # empty: left to json.loads
                outside.append(reader.buf[:start + 2])
                size += start + 2
                reader.consume(start + 2)
                continue
            raise Declined
        outside.append(reader.buf[:start])
        size += start
        if size > _OUTSIDE_LIMIT:
            raise Declined
        outside.append(b'"\\u0000%d"' % len(regions))
        reader.consume(start + len(lay.open))
        regions.append(_array(reader, lay))
    return b"".join(outside), regions


def _array(reader: _Reader, lay: _Layout) -> tuple[list[bytes], int]:
    """The records of the array whose first record starts ``reader``'s
    text, encoded; ``reader`` is left after the array's end.  A long
    array of a real file is done by two processes when a second core is
    idle (:func:`_in_two`)."""
    pieces: list[bytes] = []
    split = _split_point(reader, lay)
    if split is not None:
        done = _in_two(reader, lay, split, pieces)
        if done is not None:
            return pieces, done
    return pieces, _records(reader, lay, pieces)


def _records(reader: _Reader, lay: _Layout, pieces: list[bytes], stop: int | None = None) -> int:
    """Encode records from ``reader`` into ``pieces``, up to the array's
    end (``reader`` is left after it), or, given ``stop``, up to the record
    boundary at file offset ``stop`` (``reader`` is left there; -1 is
    returned, with what was encoded left in ``pieces``, if the array ends
    before it).  Returns the count of records."""
    boundary = b"}" + lay.sep + b"{"
    count = 0
    while True:
        if stop is not None and reader.base + len(reader.buf) >= stop:
            # The rest up to the boundary: whole records, the last one's
            # "}" ending just before the separator at ``stop``.
            within = stop - reader.base - len(lay.sep)
            if reader.buf[within:within + len(lay.sep)] != lay.sep or within < 1:
                raise Declined  # pragma: no cover - the split point is a boundary
            run = reader.buf[:within]
            try:
                data, n = lay.records(run)
            except Declined:
                end = run.find(lay.close)
                if end < 0:
                    raise
                return -1  # the array ends before the split point
            pieces.append(data)
            count += n
            reader.consume(within + len(lay.sep))
            return count
        if len(reader.buf) < _CHUNK and reader.more():
            continue
        # A run of whole records, up to the last record boundary read.
        cut = reader.buf.rfind(boundary, 0, None if stop is None else stop - reader.base)
        if cut >= 0:
            run = reader.buf[:cut + 1]
            try:
                data, n = lay.records(run)
            except Declined:
                # The array may end in this run (another one follows):
                # only then is the end looked for in the whole run.
                end = run.find(lay.close)
                if end < 0:
                    raise
                return _last_records(reader, lay, pieces, end, stop, count)
            pieces.append(data)
            count += n
            reader.consume(cut + 1 + len(lay.sep))
            continue
        # No boundary: the last record, then the end of the array.
        end = reader.buf.find(lay.close)
        if end >= 0:
            return _last_records(reader, lay, pieces, end, stop, count)
        if len(reader.buf) > 16 * _CHUNK or not reader.more():
            raise Declined  # no record ends: not the layout


def _last_records(reader: _Reader, lay: _Layout, pieces: list[bytes], end: int, stop: int | None,
                  count: int) -> int:
    """The array ends at ``end`` of what is read: its last records encoded
    into ``pieces`` and ``reader`` left after the array; ``count`` plus
    theirs, or -1 given a split point ``stop`` (the array ends before it)."""
    if stop is not None:
        return -1
    data, n = lay.records(reader.buf[:end])
    pieces.append(data)
    reader.consume(end + len(lay.close))
    return count + n


#: Below this many bytes left in the file, one process does the records.
TWO_PROCESSES = 1 << 25


def _split_point(reader: _Reader, lay: _Layout) -> int | None:
    """The file offset of a record boundary about halfway through what is
    left of a real file, if two processes are worth it."""
    size = reader.size()
    threading = sys.modules.get("threading")  # (no threads without it: not imported for this)
    if (size is None or size - reader.base < TWO_PROCESSES or not hasattr(os, "fork")
            or (threading is not None and threading.active_count() > 1) or not _idle_core()):
        return None
    assert reader.fd is not None
    middle = reader.base + (size - reader.base) // 2
    window = os.pread(reader.fd, _READ, middle)
    at = window.find(b"}" + lay.sep + b"{")
    if at < 0:
        return None
    return middle + at + 1 + len(lay.sep)


def _in_two(reader: _Reader, lay: _Layout, split: int, pieces: list[bytes]) -> int | None:
    """The records before file offset ``split`` encoded here, those from it
    on by a forked child at the same time; the count of records, or None
    (``reader`` and ``pieces`` as they were) when the child did not do its
    part: the caller then does it all."""
    import signal

    try:
        read_fd, write_fd = os.pipe()
    except OSError:  # out of descriptors: all of it here
        return None
    try:
        pid = os.fork()
    except OSError:  # at a process limit: all of it here
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: its part, into the pipe, and nothing else
        status = 1
        try:
            os.close(read_fd)
            child = _Reader(reader.f, split)
            mine: list[bytes] = []
            n = _records(child, lay, mine)
            data = b"".join(mine)
            head = struct.pack("<qqq", n, child.base, len(data))
            with os.fdopen(write_fd, "wb") as out:
                out.write(head)
                out.write(data)
            status = 0
        except BaseException:
            pass
        finally:
            os._exit(status)
    os.close(write_fd)
    base, buf, eof, read_to = reader.base, reader.buf, reader.eof, reader.read_to
    try:
        count = _records(reader, lay, pieces, stop=split)
        result = None
        if count >= 0:
            with os.fdopen(read_fd, "rb") as got:
                read_fd = -1
                head = got.read(24)
                if len(head) == 24:
                    n, end, length = struct.unpack("<qqq", head)
                    data = got.read(length)
                    if len(data) == length:
                        result = (n, end, data)
    finally:
        if read_fd >= 0:
            os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover
            pass
        os.waitpid(pid, 0)
    if result is None:
        # The array ended before the split point, or the child failed:
        # all of it here.
        pieces.clear()
        reader.base, reader.buf, reader.eof, reader.read_to = base, buf, eof, read_to
        return None
    n, end, data = result
    pieces.append(data)
    reader.base, reader.buf, reader.eof, reader.read_to = end, b"", False, end
    return count + n


def build_layout(f: IO[bytes], endian_of: Callable[[dict], object]) -> list[bytes]:
    """The blobs of the JSON document in binary file ``f`` (one stackmap,
    or dump's ``{"stackmaps": [...]}``), as the CLI's ``build`` makes them
    from ``json.loads`` of it; ``endian_of(entry)`` gives an entry's byte
    order.  Raises :class:`Declined` for anything but dump's layout (then
    read the document the ordinary way: it gives the result, or the
    error)."""
    from ..errors import StackMapError
    from .jsonstream import Unstreamable

    try:
        return _build_layout(f, endian_of)
    except (StackMapError, Unstreamable, UnicodeDecodeError, ValueError, RecursionError, struct.error, KeyError):
        raise Declined from None


def _build_layout(f: IO[bytes], endian_of) -> list[bytes]:
    from .api import build, parse
    from .fast.builder import build_plain_data
    from .jsonstream import _patch_count

    outside, regions = _scan(f)
    if not regions:
        raise Declined  # nothing to gain
    text = outside.decode("utf-8")
    if text.startswith("\ufeff") or "\\" in text.replace('"\\u0000', ""):
        raise Declined  # a BOM, or escapes: a marker might be spelt otherwise
    doc = json.loads(text)
    if isinstance(doc, dict) and "stackmaps" in doc:
        entries = doc["stackmaps"]
        if not isinstance(entries, list):
            raise Declined
    else:
        entries = [doc]
    used: list[int] = []
    blobs = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise Declined
        endian = endian_of(entry)
        if endian not in ("little", "big"):
            raise Declined
        records = entry.get("records")
        if isinstance(records, str) and records.startswith("\x00") and records[1:].isdigit():
            index = int(records[1:])
            used.append(index)
            pieces, count = regions[index]
            head = build_plain_data({**entry, "records": []}, "little")
            if head is None:
                raise Declined
            blob = _patch_count(head, count, "little") + b"".join(pieces)
            if endian == "big":
                blob = build(parse(blob), endian="big")
        else:
            blob = build(entry, endian=endian)
        blobs.append(blob)
    if sorted(used) != list(range(len(regions))):
        raise Declined  # a marker found elsewhere than an entry's records
    return blobs

