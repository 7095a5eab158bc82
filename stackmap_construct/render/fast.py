"""Rendering straight from the parsed bytes, for the dump of a large blob.

A stackmap from the fast parser keeps, for each record, its locations and
live-outs as runs of encoded items in one joined buffer per kind, each run
followed by a terminator item (:class:`~stackmap_construct.format.fast.
parser.BlobIndex`).  Text is made from those buffers a chunk of records at
a time:

1. a copy of the chunk's items gets a small number (a "mark") written into
   a reserved field of every item (validated zero, so free): for
   llvm-readobj the location's index in its record and, on a record's
   first live-out, the live-out count; for JSON whether the item is its
   list's first; on a terminator whether its run was empty;
2. each item becomes a dictionary key (an int made of those of its bytes
   that can be non-zero), and each distinct key is rendered once, by the
   same per-item functions as the plain renderers (:mod:`.readobj`, and
   the plain-data form of :func:`stackmap_construct.to_dict` for JSON);
3. ``b"".join(map(lines.__getitem__, keys))`` makes a stream's text for
   the chunk; the terminators' texts end with ``\\0``, so ``split`` cuts it
   per record;
4. one ``%`` over a template repeated per record formats the records' own
   values (id, offset, address), also ``\\0``-separated, and the pieces of
   the three are interleaved record by record.

Only untouched stackmaps qualify (:func:`source`): records that were made
into objects must still equal their bytes, and functions and constants must
hold plain ints; otherwise the plain renderers run.  The tests check the
output byte for byte against the plain renderers.
"""

from __future__ import annotations

import json
import struct
import sys
from functools import partial
from itertools import chain, count, repeat
from operator import attrgetter
from typing import Callable, Iterable, Iterator

from ..format.fast.lazy import RecordList
from ..format.fast import parser as _parser
from ..model import Function, Record, StackMap, to_dict
from . import readobj as plain

CHUNK = 1024  # records (functions, constants) per piece of output; divides SCAN_CHUNK


class NoFastPath(Exception):
    """This stackmap is rendered by the plain renderer."""


def source(stackmap: StackMap):
    """The BlobIndex behind ``stackmap`` when it can be rendered from its
    bytes, else None."""
    if type(stackmap) is not StackMap:
        return None
    records = stackmap.records
    if not isinstance(records, RecordList) or not records.unchanged():
        return None
    if type(stackmap.functions) is not list or type(stackmap.constants) is not list:
        return None
    if stackmap.functions and set(map(type, stackmap.functions)) != {Function}:
        return None
    if set(map(type, _function_values(stackmap))) - {int}:
        return None
    if set(map(type, stackmap.constants)) - {int}:
        return None
    index = records._blob
    names = [a.name for a in index.scanner.arrays]
    if names != ["locations", "live_outs"] or index.array.element.cls is not Record:
        return None
    return index


def _function_values(stackmap: StackMap) -> list:
    return list(chain.from_iterable(map(attrgetter("address", "stack_size", "record_count"), stackmap.functions)))


# -- items as dictionary keys ---------------------------------------------------

class _Items:
    """Keys for the items of one inner array (locations or live-outs) of
    a chunk of records, with a mark written into each item."""

    def __init__(self, index, k: int, max_mark: int):
        lay = index.layout
        array = index.scanner.arrays[k]
        self.items = items = lay.fixed_items[f"{index.array.name}.{array.name}"]
        self.parts = parts = index.joined[k]
        self.starts = index.item_starts(k)
        size = self.size = items.size
        fixed = items.fixed
        names = items.element.names
        # The mark goes into the widest reserved (must-be-zero) field.
        free = [leaf for leaf in fixed.leaves
                if leaf.name not in names and leaf.expected is not None and leaf.expected == bytes(leaf.size)]
        if not free:
            raise NoFastPath
        field = max(free, key=lambda leaf: leaf.size)
        self.mark_bytes = max(1, (max_mark.bit_length() + 7) // 8)
        if self.mark_bytes > field.size:
            raise NoFastPath
        self.mark_positions = list(range(field.offset, field.offset + self.mark_bytes))  # low byte first
        # The key is made of the bytes that can be non-zero: the model's
        # fields, less the high bytes of unsigned fields that are zero in
        # every item, and the mark.
        positions = []
        for leaf in fixed.leaves:
            if leaf.name not in names:
                continue
            span = list(range(leaf.offset, leaf.offset + leaf.size))
            if leaf.code.isupper() and leaf.size > 1:
                high_first = span if items.endian == ">" else span[::-1]
                for p in high_first[:-1]:
                    if any(part[p::size].strip(b"\0") for part in parts):
                        break
                    span.remove(p)
            positions += span
        self.positions = sorted(positions + self.mark_positions)
        self.int_keys = len(self.positions) <= 8
        # Decoding an int key: item byte p is key byte slot[p] (8: zero),
        # the mark bytes read apart and left zero in the item.
        slot = {p: i for i, p in enumerate(self.positions)}
        self.perm = [8 if p in self.mark_positions else slot.get(p, 8) for p in range(size)]
        self.mark_shifts = [8 * slot[p] for p in self.mark_positions]
        self.mark_mask = sum(0xFF << shift for shift in self.mark_shifts)

    def keys(self, r0: int, r1: int, marks: bytes):
        """Keys of the items (and terminators) of records r0..r1, the marks
        (``mark_bytes`` bytes each, low byte first) written in."""
        size = self.size
        per_part = _parser.SCAN_CHUNK
        part = r0 // per_part
        assert (r1 - 1) // per_part == part, "a chunk of records lies within one part"
        base = self.starts[part * per_part]
        start, stop = self.starts[r0] - base, self.starts[r1] - base
        data = bytearray(self.parts[part][start * size:stop * size])
        mb = self.mark_bytes
        for j, p in enumerate(self.mark_positions):
            data[p::size] = marks[j::mb]
        if not self.int_keys:
            return struct.iter_unpack(f"{size}s", data)
        key = bytearray(8 * (stop - start))
        for slot, p in enumerate(self.positions):
            key[slot::8] = data[p::size]
        return memoryview(key).cast("Q")

    def decode(self, key: tuple) -> tuple[bytes, int]:
        """(the item's bytes with the mark cleared, the mark) of a key made
        of the item's bytes (when they do not fit an int)."""
        data = bytearray(key[0])
        mark = 0
        for j, p in enumerate(self.mark_positions):
            mark |= data[p] << (8 * j)
            data[p] = 0
        return bytes(data), mark

    def item_bytes(self, key: int) -> bytes:
        """The item's bytes of an int key (its mark bytes left zero)."""
        # memoryview.cast("Q") reads the key's bytes in the machine's order
        raw = key.to_bytes(9, "little") if sys.byteorder == "little" else key.to_bytes(8, "big")[::-1] + b"\0"
        return bytes(map(raw.__getitem__, self.perm))

    def key_of(self, item: bytes) -> int:
        """The int key of an item with a zero mark (inverse of item_bytes)."""
        raw = bytes(item[p] if p not in self.mark_positions else 0 for p in self.positions)
        return int.from_bytes(raw, sys.byteorder)


class _Lines(dict):
    """key -> text, each text made once by ``make(key)``."""

    __slots__ = ("make",)

    def __init__(self, make: Callable):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        text = self[key] = self.make(key)
        return text


class _Marks(dict):
    """count -> the marks of a record's run of that many items and of its
    terminator, as bytes."""

    __slots__ = ("make", "width")

    def __init__(self, make: Callable[[int], list[int]], width: int):
        super().__init__()
        self.make, self.width = make, width

    def __missing__(self, n):
        width = self.width
        value = self[n] = b"".join(v.to_bytes(width, "little") for v in self.make(n))
        return value


_SLOT = "\x01"  # where the mark's text goes in an item's template


class _Renderer:
    """The chunked pipeline shared by the llvm-readobj and JSON texts.

    Per chunk of records, each stream (locations, live-outs) gives one text
    whose terminators end with ``\\0``: split, one piece per record.  The
    records' own values (id, offset, address) are formatted with one ``%``
    over a template repeated per record, also ``\\0``-separated.  The
    pieces are then interleaved in the order :meth:`order` gives.
    """

    head_fields: tuple[str, ...]  #: record fields unpacked for the head, in order
    separator = ""  #: text between two records (the last record lacks it)

    def __init__(self, stackmap: StackMap, index):
        self.stackmap = stackmap
        self.index = index
        self.streams = [_Items(index, k, self.max_mark(k, index.counts)) for k in range(2)]
        part0 = index.array.element.parts[0]
        self.head_unpack = part0.fields_struct(self.head_fields).unpack_from

    # -- hooks -------------------------------------------------------------
    def max_mark(self, k: int, counts) -> int:
        """The largest mark :meth:`marks` gives for these counts."""
        raise NotImplementedError

    def marks(self, k: int, n: int) -> list[int]:
        """Marks of a run of ``n`` items of stream ``k`` and its terminator."""
        raise NotImplementedError

    def is_terminator(self, k: int, mark: int) -> bool:
        raise NotImplementedError

    def item_template(self, k: int, obj) -> str:
        """The item's text, with ``_SLOT`` where :meth:`mark_text` goes."""
        raise NotImplementedError

    def mark_text(self, k: int, mark: int) -> str:
        raise NotImplementedError

    def terminator_text(self, k: int, mark: int) -> str:
        raise NotImplementedError

    def record_template(self) -> str:
        """%-template of a record's own values; ``\\0`` between pieces."""
        raise NotImplementedError

    def values(self, r0: int, r1: int, heads: Iterator[tuple]) -> Iterable:
        return chain.from_iterable(heads)

    def order(self, own: list[bytes], locations: list[bytes], live_outs: list[bytes]) -> Iterable[tuple[bytes, ...]]:
        """The pieces of every record, in text order."""
        raise NotImplementedError

    # -- pipeline ------------------------------------------------------------
    def _line_maker(self, k: int):
        stream = self.streams[k]
        make_one = stream.items.make_one
        terminator = stream.items.term
        templates: dict = {}
        if stream.int_keys:
            # Split an int key without making its bytes: the mark's bytes
            # and the rest (the "base"), which says which template to use.
            shifts = list(enumerate(stream.mark_shifts))
            base_mask = ~stream.mark_mask
            term_base = stream.key_of(terminator)
            to_bytes = stream.item_bytes

            def make(key):
                mark = 0
                for j, shift in shifts:
                    mark |= ((key >> shift) & 0xFF) << (8 * j)
                base = key & base_mask
                if base == term_base and self.is_terminator(k, mark):
                    return (self.terminator_text(k, mark) + "\0").encode()
                template = templates.get(base)
                if template is None:
                    template = templates[base] = self.item_template(k, make_one(to_bytes(base)))
                return template.replace(_SLOT, self.mark_text(k, mark)).encode()
        else:
            decode = stream.decode

            def make(key):
                data, mark = decode(key)
                if data == terminator and self.is_terminator(k, mark):
                    return (self.terminator_text(k, mark) + "\0").encode()
                template = templates.get(data)
                if template is None:
                    template = templates[data] = self.item_template(k, make_one(data))
                return template.replace(_SLOT, self.mark_text(k, mark)).encode()

        return make

    def chunks(self) -> Iterator[bytes]:
        """The records' text, encoded, a chunk of records at a time."""
        index = self.index
        n = index.count
        counts = index.counts
        marks = [_Marks(partial(self.marks, k), self.streams[k].mark_bytes) for k in range(2)]
        lines = [_Lines(self._line_maker(k)) for k in range(2)]
        template = self.record_template().encode()
        buf, offsets = index.buf, index.offsets
        separator = self.separator.encode()
        for r0 in range(0, n, CHUNK):
            r1 = min(n, r0 + CHUNK)
            pieces = []
            for k in range(2):
                run_marks = b"".join(map(marks[k].__getitem__, counts[k][r0:r1]))
                text = b"".join(map(lines[k].__getitem__, self.streams[k].keys(r0, r1, run_marks)))
                pieces.append(text.split(b"\0"))
            heads = map(self.head_unpack, repeat(buf), offsets[r0:r1])
            own = (template * (r1 - r0) % tuple(self.values(r0, r1, heads))).split(b"\0")
            text = b"".join(chain.from_iterable(self.order(own, *pieces)))
            if r1 == n and separator:
                text = text[:len(text) - len(separator)]
            yield text


# -- llvm-readobj --------------------------------------------------------------

class _Readobj(_Renderer):
    head_fields = ("patchpoint_id", "instruction_offset", "num_locations")

    _AFTER, _NONE = 255, 254  # live-out terminator marks: after items, of an empty list

    def max_mark(self, k, counts):
        if k == 0:
            return max(counts[0], default=0)
        if max(counts[1], default=0) >= self._NONE:
            raise NoFastPath  # the count is the first live-out's mark: one byte
        return self._AFTER

    def marks(self, k, n):
        # locations: their index from 1, then 0 on the terminator;
        # live-outs: the count on the first, 0 on the others, then a
        # terminator mark.
        if k == 0:
            return [*range(1, n + 1), 0]
        return [n] + [0] * (n - 1) + [self._AFTER] if n else [self._NONE]

    def is_terminator(self, k, mark):
        # The location terminator's kind is one the format refuses, so its
        # bytes alone tell it; a live-out terminator is all zero, as a real
        # live-out of R#0 and size 0 could be: the mark tells them apart.
        return k == 0 or mark >= self._NONE

    def item_template(self, k, obj):
        if k == 0:
            return plain.location_line(self.stackmap, _SLOT, obj)
        return _SLOT + plain.live_out_item(obj)

    def mark_text(self, k, mark):
        if k == 0:
            return str(mark)
        return plain.live_outs_head(mark) if mark else ""

    def terminator_text(self, k, mark):
        if k == 0:
            return ""
        return "]\n" if mark == self._AFTER else plain.live_outs_head(0) + "]\n"

    def record_template(self):
        return plain.record_head("%d", "%d", "%d") + "\0"

    def order(self, own, locations, live_outs):
        return zip(own, locations, live_outs)


def readobj_chunks(stackmap: StackMap) -> Iterator[bytes] | None:
    """The llvm-readobj text of ``stackmap`` in pieces (UTF-8), or None
    when it does not come untouched from the fast parser."""
    index = source(stackmap)
    if index is None:
        return None
    try:
        renderer = _Readobj(stackmap, index)
    except NoFastPath:
        return None
    return _readobj(stackmap, renderer)


def _readobj(stackmap: StackMap, renderer: _Readobj) -> Iterator[bytes]:
    out = [f"LLVM StackMap Version: {stackmap.version}\n", f"Num Functions: {len(stackmap.functions)}\n"]
    fn = "  Function address: %d, stack size: %d, callsite record count: %d\n"
    values = _function_values(stackmap)
    for i in range(0, len(values), 3 * CHUNK):
        part = values[i:i + 3 * CHUNK]
        out.append(fn * (len(part) // 3) % tuple(part))
    out.append(f"Num Constants: {len(stackmap.constants)}\n")
    constants = stackmap.constants
    for i in range(0, len(constants), CHUNK):
        part = constants[i:i + CHUNK]
        out.append("  #%d: %d\n" * len(part) % tuple(chain.from_iterable(zip(count(i + 1), part))))
    out.append(f"Num Records: {renderer.index.count}\n")
    yield "".join(out).encode()
    yield from renderer.chunks()


# -- JSON --------------------------------------------------------------------

def _indent(level: int) -> str:
    return "  " * level


def _block(obj, level: int) -> str:
    """``obj`` as json.dumps(indent=2) writes it as an item at ``level``."""
    return json.dumps(obj, indent=2).replace("\n", "\n" + _indent(level))


#: nesting levels in the document: {"stackmaps": [ {entry: "records": [ {record: "locations": [ {
_RECORD, _FIELD, _ITEM = 4, 5, 6


class _Json(_Renderer):
    head_fields = ("patchpoint_id", "instruction_offset")
    separator = ",\n"

    def __init__(self, stackmap: StackMap, index, addresses: list[bytes] | None):
        super().__init__(stackmap, index)
        self.addresses = addresses  # per record: its address as JSON text (bytes), or None: all null

    def max_mark(self, k, counts):
        return 4

    def marks(self, k, n):
        # items: 1 for the first, 2 for the others; terminator: 3 after
        # items, 4 for an empty list.
        return [1] + [2] * (n - 1) + [3] if n else [4]

    def is_terminator(self, k, mark):
        return mark >= 3

    def item_template(self, k, obj):
        record = Record(0, 0, [obj], []) if k == 0 else Record(0, 0, [], [obj])
        form = to_dict(StackMap(3, [], [], [record]))["records"][0]["locations" if k == 0 else "live_outs"][0]
        return f"{_SLOT}\n{_indent(_ITEM)}{_block(form, _ITEM)}"

    def mark_text(self, k, mark):
        return "[" if mark == 1 else ","

    def terminator_text(self, k, mark):
        end = f"\n{_indent(_FIELD)}]" if mark == 3 else "[]"
        field = "live_outs" if k == 0 else "address"
        return f'{end},\n{_indent(_FIELD)}"{field}": '

    def record_template(self):
        i = _indent(_FIELD)
        head = (f'{_indent(_RECORD)}{{\n{i}"patchpoint_id": %d,\n{i}"instruction_offset": %d,\n'
                f'{i}"locations": ')
        tail = f"%s\n{_indent(_RECORD)}}}" + self.separator
        return head + "\0" + tail + "\0"

    def values(self, r0, r1, heads):
        addresses = repeat(b"null") if self.addresses is None else self.addresses[r0:r1]
        return chain.from_iterable(map(tuple.__add__, heads, zip(addresses)))

    def order(self, own, locations, live_outs):
        it = iter(own)
        return zip(it, locations, live_outs, it)


def _record_addresses(stackmap: StackMap, n: int, targets) -> list[bytes] | None:
    """Each record's address as JSON text (its function's address plus its
    offset), as :func:`stackmap_construct.render.json.stackmap_entry`
    computes it; None when every one is null."""
    targets = list(targets or [])
    bases = []
    start = 0
    for fi, fn in enumerate(stackmap.functions):
        end = min(start + fn.record_count, n)
        base = targets[fi].address if fi < len(targets) else None
        bases.append((start, end, base))
        start = end
    if not any(base is not None and end > s for s, end, base in bases):
        return None
    out: list[bytes] = [b"null"] * n
    offsets_struct = None
    for s, end, base in bases:
        if base is None or end <= s:
            continue
        if offsets_struct is None:
            records = stackmap.records
            assert isinstance(records, RecordList)  # source() found the fast parser's index
            index = records._blob
            part0 = index.array.element.parts[0]
            unpack = part0.fields_struct(("instruction_offset",)).unpack_from
            offs = [unpack(index.buf, o)[0] for o in index.offsets]
            offsets_struct = offs
        out[s:end] = [b"%d" % (base + o) for o in offsets_struct[s:end]]
    return out


def _json_list(items: list[str]) -> str:
    """A non-empty list of already rendered items at the entry's field level."""
    return "[\n" + ",\n".join(items) + f"\n{_indent(3)}]"


def json_chunks(blobs) -> Iterator[bytes] | None:
    """The ``dump --format json`` document in pieces (UTF-8), or None when
    some stackmap must go through the plain renderer."""
    blobs = list(blobs)
    plans: list[_JsonPlan] = []
    for stackmap, endian, targets in blobs:
        index = source(stackmap)
        if index is None:
            return None
        targets = list(targets or [])
        symbols = [targets[i].symbol if i < len(targets) else None for i in range(len(stackmap.functions))]
        entries = [targets[i].address if i < len(targets) else None for i in range(len(stackmap.functions))]
        if set(map(type, symbols)) - {str, type(None)} or set(map(type, entries)) - {int, type(None)}:
            return None
        try:
            renderer = _Json(stackmap, index, _record_addresses(stackmap, index.count, targets))
        except NoFastPath:
            return None
        plans.append((stackmap, endian, (symbols, entries), renderer))
    return _json(plans)


#: per blob: the stackmap, its byte order, each function's (symbol, entry), its renderer
_JsonPlan = tuple[StackMap, str, tuple[list[str | None], list[int | None]], "_Json"]


def _json(plans: list[_JsonPlan]) -> Iterator[bytes]:
    sentinels: dict[tuple[int, str], str] = {}
    doc_entries = []
    for b, (stackmap, endian, symbols, renderer) in enumerate(plans):
        entry: dict[str, object] = {"version": stackmap.version}
        for name, items in (("functions", stackmap.functions), ("constants", stackmap.constants),
                            ("records", stackmap.records)):
            entry[name] = sentinels.setdefault((b, name), f"\0stackmap-construct:{b}:{name}\0") if len(items) else []
        entry["endian"] = endian
        doc_entries.append(entry)
    skeleton = json.dumps({"stackmaps": doc_entries}, indent=2) + "\n"
    # Cut the skeleton at the (JSON-encoded, quoted) sentinels.
    pieces: list[str | tuple[int, str]] = [skeleton]
    for (b, name), sentinel in sentinels.items():
        encoded = json.dumps(sentinel)
        last = pieces.pop()
        assert isinstance(last, str)  # the text after the previous sentinel
        before, after = last.split(encoded)
        pieces += [before, (b, name), after]
    for piece in pieces:
        if isinstance(piece, str):
            yield piece.encode()
            continue
        b, name = piece
        stackmap, endian, symbols, renderer = plans[b]
        if name == "functions":
            yield _json_functions(stackmap, *symbols).encode()
        elif name == "constants":
            yield _json_list([f"{_indent(4)}%d" % c for c in stackmap.constants]).encode()
        else:
            yield b"[\n"
            yield from renderer.chunks()
            yield f"\n{_indent(3)}]".encode()


def _json_functions(stackmap: StackMap, symbols: list[str | None], entries: list[int | None]) -> str:
    i = _indent(5)
    template = (f'{_indent(4)}{{\n{i}"address": %d,\n{i}"stack_size": %d,\n{i}"record_count": %d,\n'
                f'{i}"symbol": %s,\n{i}"entry": %s\n{_indent(4)}}}')
    values = _function_values(stackmap)
    items = [template % (*values[3 * k:3 * k + 3], json.dumps(symbols[k]), json.dumps(entries[k]))
             for k in range(len(symbols))]
    return _json_list(items)
