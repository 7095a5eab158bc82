"""Parse a blob in bulk, with every check the definition makes.

The blob's header and its fixed-size arrays (functions, constants) are
unpacked with precompiled Structs; the records are walked by the generated
loop of :class:`~.codegen.RecordScanner`, which reads only the words that
hold a count and the pads.  The counts, the reserved fields beside them,
and every record's locations and live-outs (cut out with one ``struct``
format per chunk of records) are then taken and checked all at once
(strided comparisons: reserved bytes zero, location kinds valid).  Nothing is turned into Python objects but the functions and
constants; the records are a :class:`~.lazy.RecordList`.

Whenever anything is wrong the fast path does not make up an error: it
raises :class:`FastMiss` naming the first record at fault (or none), and
:func:`parse_at` lets the construct definition parse that record (or the
whole blob), so that the error (class, message, path, offset) is the one
the construct path gives.
"""

from __future__ import annotations

from ...endian import struct_prefix

import gc
import io
from array import array

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
from functools import lru_cache
from itertools import accumulate, repeat

from ...model import StackMap
from ..v3 import stackmap_format
from .codegen import FixedItems, RecordScanner, fields_only_init, native_words
from .lazy import RecordList
from .plan import Array, Element, Fixed, Pad, Plan, plan


class FastMiss(Exception):
    """The fast path saw something wrong (or something it does not handle).

    ``record`` is the index of the first record at fault when known, with
    ``offset`` its byte offset and ``records_start`` where the records
    begin; otherwise the construct path parses the whole blob.
    """

    def __init__(self, record: int | None = None, offset: int | None = None, records_start: int | None = None):
        super().__init__(record)
        self.record = record
        self.offset = offset
        self.records_start = records_start


class Layout:
    """Everything derived for one byte order, built on first use."""

    def __init__(self, endian: str):
        self.endian = endian
        self.plan: Plan = plan(endian)
        e = struct_prefix(endian)
        self.fixed_items: dict[str, FixedItems] = {}
        self.scanners: dict[str, RecordScanner] = {}
        self.run_makers: dict[str, RunMaker] = {}
        for array in self.plan.arrays:
            if array.element.fixed is not None:
                self.fixed_items[array.name] = FixedItems(array.element, e)
            else:
                scanner = RecordScanner(array.element, e)
                self.scanners[array.name] = scanner
                for inner in scanner.arrays:
                    self.fixed_items[f"{array.name}.{inner.name}"] = FixedItems(inner.element, e)
                maker = RunMaker.of(array.element)
                if maker is not None:
                    self.run_makers[array.name] = maker


class RunMaker:
    """Makes the model objects of a run of consecutive records at once.

    Each inner array's items of the whole run are made from the joined
    items the parse cut out (one comprehension: :class:`~.codegen.FixedItems`)
    and handed out a record's slice at a time; the records' own fields are
    unpacked at each record's offset; and the records are made by a
    comprehension generated from the element's field names, which calls the
    model class straight away.  Only for records whose own fields all lie
    in their first fixed part, undecoded (as in v3): :meth:`of` gives None
    otherwise, and records are made one by one (:meth:`BlobIndex.record`).
    """

    def __init__(self, element: Element, heads, own: tuple[str, ...], lists: tuple[str, ...]):
        assert element.cls is not None  # (see of)
        self.element = element
        self.cls = element.cls
        self.heads = heads  #: Struct unpacking the own fields (in ``own`` order) at a record's offset
        var = {n: f"h{i}" for i, n in enumerate(own)} | {n: f"l{i}" for i, n in enumerate(lists)}
        targets = f"({', '.join(var[n] for n in own)},)"
        columns = ", ".join(var[n] for n in lists)
        if fields_only_init(self.cls, element.names):
            # (as FixedItems makes locations: the fields set on object.__new__,
            # no __init__ called per record)
            sets = "".join(f"        o.{n} = {var[n]}\n" for n in element.names)
            src = (f"def make(cls, heads, {columns}):\n    out = []\n    append = out.append\n"
                   f"    for {targets}, {columns} in zip(heads, {columns}):\n"
                   f"        o = new(cls)\n{sets}        append(o)\n    return out\n")
        else:
            src = (f"def make(cls, heads, {columns}):\n"
                   f"    return [cls({', '.join(var[n] for n in element.names)}) "
                   f"for {targets}, {columns} in zip(heads, {columns})]\n")
        namespace: dict = {"new": object.__new__}
        exec(compile(src, f"<stackmap fast records {self.cls.__name__}>", "exec"), namespace)
        self._make = namespace["make"]

    @classmethod
    def of(cls, element: Element) -> "RunMaker | None":
        head = element.parts[0] if element.parts else None
        lists = tuple(p.name for p in element.parts if isinstance(p, Array))
        own = [n for n in element.names if n not in lists]
        if element.cls is None or not isinstance(head, Fixed) or not lists:
            return None
        names = {leaf.name for leaf in head.leaves}
        if any(n not in names or head.leaf(n).decoded is not None for n in own):
            return None
        if sorted(lists) != sorted(n for n in element.names if n in lists):
            return None  # an array that is not a field of the model
        in_order = tuple(leaf.name for leaf in head.leaves if leaf.name in own)
        return cls(element, head.fields_struct(in_order), in_order, lists)

    def make(self, index: "BlobIndex", start: int, stop: int) -> list:
        lists = []
        for k, items in enumerate(index._items):
            starts = index.starts(k)
            first, last = starts[start], starts[stop]
            made = items.make(index.items[k][first * items.size:last * items.size])
            lower = map(first.__rsub__, starts[start:stop])  # each record's first item, in the run
            upper = map(first.__rsub__, starts[start + 1:stop + 1])
            lists.append(list(map(made.__getitem__, map(slice, lower, upper))))
        heads = map(self.heads.unpack_from, repeat(index.buf), index.offsets[start:stop])
        return self._make(self.cls, heads, *lists)


@lru_cache(maxsize=None)
def layout(endian: str) -> Layout:
    return Layout(endian)


class BlobIndex:
    """The validated bytes of one blob's records and where each starts.

    ``offsets[i]`` is the byte offset of record ``i`` in ``buf``;
    ``counts[k][i]`` its number of items of inner array ``k`` (locations,
    live-outs); ``items[k]`` the encoded items of inner array ``k`` of
    every record, back to back (what the columnar view reads), cut out of
    the blob a chunk of records at a time (one ``struct`` format per chunk).
    """

    __slots__ = ("buf", "endian", "layout", "array", "scanner", "offsets", "counts", "items",
                 "start", "end", "count", "_items", "_starts")

    def __init__(self, buf: bytes, endian: str, lay: Layout, array: Array, offsets, counts, items,
                 start: int, end: int):
        self.buf = buf
        self.endian = endian
        self.layout = lay
        self.array = array
        self.scanner = lay.scanners[array.name]
        self.offsets = offsets
        self.counts = counts
        self.items = items  #: per inner array, its items of every record (bytes)
        self.start = start  #: byte offset of the first record
        self.end = end  #: byte offset just after the last record
        self.count = len(offsets)
        self._items = [lay.fixed_items[f"{array.name}.{a.name}"] for a in self.scanner.arrays]
        self._starts: list | None = None

    def record(self, i: int):
        """Record ``i`` as a model object, made from its bytes."""
        element: Element = self.array.element
        buf = self.buf
        pos = self.offsets[i]
        values: dict = {}
        k = 0
        for part in element.parts:
            if isinstance(part, Fixed):
                for leaf, value in zip(part.leaves, part.struct.unpack_from(buf, pos)):
                    values[leaf.name] = leaf.decoded[value] if leaf.decoded is not None else value
                pos += part.size
            elif isinstance(part, Array):
                items = self._items[k]
                n = values[part.count_field] * items.size
                values[part.name] = items.make(buf[pos:pos + n])
                pos += n
                k += 1
            elif isinstance(part, Pad):
                pos += -pos % part.alignment
        return _make(element, values)

    def starts(self, k: int) -> array:
        """First item of inner array ``k`` (locations, live-outs) of each
        record, then the total (worked out on first use)."""
        if self._starts is None:
            starts = []
            for counts in self.counts:
                first = array("Q", [0])
                first.extend(accumulate(counts))
                starts.append(first)
            self._starts = starts
        return self._starts[k]

    def records(self, start: int, stop: int) -> list:
        """Records ``start`` to ``stop - 1`` as model objects, made together
        (:class:`RunMaker`: each inner array's items of the whole run at
        once, the records' own fields unpacked at their offsets) with the
        cyclic collector paused: they hold no cycles, and the collections
        that tens of thousands of new objects trigger (each walking
        everything made so far) would otherwise cost more than making
        them."""
        maker = self.layout.run_makers.get(self.array.name)
        paused = gc.isenabled()
        gc.disable()
        try:
            if maker is None:
                return [self.record(i) for i in range(start, stop)]
            return maker.make(self, start, stop)
        finally:
            if paused:
                gc.enable()

    def records_bytes(self) -> bytes:
        return self.buf[self.start:self.end]

    def same_encoding(self, other: "BlobIndex") -> bool:
        return self.endian == other.endian and (self.start - other.start) % 8 == 0


def _check_header(lay: Layout, buf: bytes, start: int) -> dict:
    header = lay.plan.header
    raw = buf[start:start + header.size]
    if len(raw) < header.size:
        raise FastMiss()
    values = {}
    for leaf, value in zip(header.leaves, header.struct.unpack(raw)):
        if leaf.expected is not None and raw[leaf.offset:leaf.offset + leaf.size] != leaf.expected:
            raise FastMiss()
        if leaf.valid is not None:
            if not leaf.valid[value]:
                raise FastMiss()
            if leaf.decoded is not None:
                value = leaf.decoded[value]
        values[leaf.name] = value
    return values


def _make(element: Element, values: dict[str, Any]) -> Any:
    """The model object of ``element`` from its fields' values."""
    if element.cls is None:
        raise FastMiss()  # a bare leaf has no model class: not reached for blobs and records
    return element.cls(*[values[name] for name in element.names])


def parse_blob(buf: bytes, start: int, endian: str) -> tuple[StackMap, int]:
    """Parse the blob starting at byte ``start`` of ``buf``; return it and
    the offset just after it.  Raises :class:`FastMiss` on anything wrong."""
    lay = layout(endian)
    values = _check_header(lay, buf, start)
    pos = start + lay.plan.header.size
    for array in lay.plan.arrays:
        count = values[array.count_field]
        items = lay.fixed_items.get(array.name)
        if items is not None and count * items.size > len(buf) - pos:
            # Refused at once, as the definition refuses it (records need no
            # such check: the scan stops where the data does).
            err = array.node.cut_error(count, pos, len(buf) - pos)
            err.add_parent(array.name)
            raise err
        if items is not None:
            data = buf[pos:pos + count * items.size]
            if items.first_bad(data) is not None:
                raise FastMiss()
            values[array.name] = items.make(data)
            pos += len(data)
        else:
            index = _scan_records(lay, array, buf, pos, count, endian)
            values[array.name] = RecordList(index)
            pos = index.end
    return _make(lay.plan.top, values), pos


def _scan_records(lay: Layout, array: Array, buf: bytes, pos: int, count: int, endian: str) -> BlobIndex:
    if pos % 8:
        raise FastMiss()  # the word walk needs the records 8-aligned in the buffer (as blobs are)
    scanner = lay.scanners[array.name]
    words = native_words(buf, endian)
    try:
        offsets, counts, clean, end = _scan_in_chunks(lay, array, scanner, buf, words, pos, count)
    except _Bad as miss:
        # Only the chunk that failed is searched again: the chunks before it
        # passed every check, so an error deep in a big blob costs about what
        # a valid parse does.  (Running off the buffer is one of the checks.)
        rel = scanner.first_bad(buf, words, miss.o, count - miss.done)
        if rel is None:  # pragma: no cover - both loops come from one source
            raise FastMiss()
        inner = _first_bad_item(lay, array, buf, words, miss.o, rel)
        if inner is not None:
            raise FastMiss(miss.done + inner[0], inner[1], pos)
        raise FastMiss(miss.done + rel, _offset_of(scanner, buf, words, miss.o << 2, rel), pos)
    except _BadItem as e:
        # No bad field in the loop up to here: the first record with a bad
        # item is the first record at fault.
        raise FastMiss(e.record, e.offset, pos) from None
    return BlobIndex(buf, endian, lay, array, offsets, counts, clean, pos, end)


class _Bad(Exception):
    """A chunk of records failed the record checks (or ran off the buffer):
    the ``done`` records before it, from word ``o`` on, passed them, and
    their items too (each chunk's items are checked as it is cut)."""

    def __init__(self, done: int, o: int):
        super().__init__(done)
        self.done, self.o = done, o


#: records walked per call of the generated loop: their items are cut out
#: with one struct format per chunk, and checked while still in the
#: processor's cache.  Small enough that the pieces cut out and their join
#: mostly reuse the memory the previous chunk's freed: with 8192, each
#: chunk's pieces came from fresh pages (a 10 MB blob of the dense mix:
#: 6,300 page faults in the parse, 4,800 with 2048, 2,800 with 512; a fault
#: costs 3-4 us on a VM); below 2048 the per-chunk work costs more than the
#: faults saved (parse() of the sparse 10 MB blob, best of 15: 194-198 MB/s
#: with 512, 205-209 with 1024, 213 with 2048 and 4096).
SCAN_CHUNK = 2048


class _BadItem(Exception):
    def __init__(self, record: int, offset: int):
        super().__init__(record)
        self.record, self.offset = record, offset


def _scan_in_chunks(lay: Layout, array_: Array, scanner: RecordScanner, buf: bytes, words, pos: int, count: int):
    """Walk the records a chunk at a time; each chunk's items are cut out
    at once, checked at once, and kept back to back."""
    o = pos >> 2
    offsets = array("Q")
    counts: list = [None for _ in scanner.arrays]
    # Items kept back to back in a growing buffer whose getvalue() hands over
    # its bytes without a copy: never the chunks and their join at once.
    clean = [io.BytesIO() for _ in scanner.arrays]
    checkers = [lay.fixed_items[f"{array_.name}.{inner.name}"] for inner in scanner.arrays]
    for start in range(0, count, SCAN_CHUNK):
        chunk_start = o
        try:
            chunk_offsets, keys, o = scanner.walk(buf, words, o, min(SCAN_CHUNK, count - start))
        except IndexError:  # a read past the data
            raise _Bad(start, chunk_start) from None
        if o << 2 > len(buf):  # the chunk ran past the data
            raise _Bad(start, chunk_start)
        chunk_counts, ok = scanner.counts(keys)
        if not ok:  # a reserved field beside a count
            raise _Bad(start, chunk_start)
        items, ok = scanner.gather(buf, chunk_start << 2, chunk_counts)
        if not ok:  # a pad not zero
            raise _Bad(start, chunk_start)
        offsets.extend(chunk_offsets)
        first = None
        for k, data in enumerate(items):
            if counts[k] is None:
                counts[k] = chunk_counts[k]
            else:
                counts[k].extend(chunk_counts[k])
            clean[k].write(data)
            record = _record_of(checkers[k].first_bad(data), chunk_counts[k])
            if record is not None and (first is None or record < first):
                first = record
        if first is not None:
            raise _BadItem(start + first, offsets[start + first])
    if count == 0:
        counts = [array("L") for _ in scanner.arrays]
    return offsets, counts, [c.getvalue() for c in clean], o << 2


def _record_of(item: int | None, counts) -> int | None:
    """The record holding item ``item`` of items laid out ``counts`` per record."""
    if item is None:
        return None
    for record, total in enumerate(accumulate(counts)):
        if item < total:
            return record
    return len(counts)  # pragma: no cover - the item is one of them


def _first_bad_item(lay: Layout, array: Array, buf: bytes, words, o: int, n: int) -> tuple[int, int] | None:
    """(record, its byte offset) of the first of the ``n`` records from word
    ``o`` on with an item failing a check, or None; those records passed
    the checks of the walk itself."""
    scanner = lay.scanners[array.name]
    if n <= 0:
        return None
    offsets, keys, _ = scanner.walk(buf, words, o, n)
    counts, _ = scanner.counts(keys)
    first = None
    for k, data in enumerate(scanner.gather(buf, o << 2, counts)[0]):
        items = lay.fixed_items[f"{array.name}.{scanner.arrays[k].name}"]
        record = _record_of(items.first_bad(data), counts[k])
        if record is not None and (first is None or record < first):
            first = record
    return None if first is None else (first, offsets[first])


def _offset_of(scanner: RecordScanner, buf: bytes, words, pos: int, record: int) -> int:
    if record == 0:
        return pos
    _, _, end = scanner.walk(buf, words, pos >> 2, record)
    return end << 2


# -- the construct path, for errors --------------------------------------------

def construct_parse(buf: bytes, start: int, endian: str) -> tuple[StackMap, int]:
    """The construct definition's own parse of the blob at ``start``."""
    stream = io.BytesIO(buf)
    stream.seek(start)
    stackmap = stackmap_format(endian).parse_stream(stream)
    return stackmap, stream.tell()


def raise_record_error(buf: bytes, endian: str, array_name: str, miss: FastMiss) -> None:
    """Parse record ``miss.record`` alone with the construct definition,
    decorated as the blob's parse would decorate it (``records[i]...`` and
    its offset); raises that error.  Returns if the record parses."""
    from construct import Container  # the error path only: start-up never imports construct

    from ..constructs import _located

    array = plan(endian).array(array_name)
    element = array.element.node
    i, offset = miss.record, miss.offset
    if i is None or offset is None or miss.records_start is None:
        raise ValueError("raise_record_error needs the record, its offset and where the records start")
    stream = io.BytesIO(buf)
    stream.seek(offset)
    context = Container(_parsing=True, _building=False, _sizing=False, _index=i)
    context._params = context

    def one_record():
        return _located(f"[{i}]", element, offset, False, stream,
                        lambda: element._parsereport(stream, context, "(parsing)"))

    _located(array.name, array.node, miss.records_start, False, stream, one_record)


def parse_at(buf: bytes, start: int, endian: str) -> tuple[StackMap, int]:
    """Parse the blob at ``start``: the fast path, and the construct path
    for whatever the fast path finds wrong (so errors are the construct
    path's own)."""
    try:
        return parse_blob(buf, start, endian)
    except FastMiss as miss:
        if miss.record is not None:
            lay = layout(endian)
            name = next(a.name for a in lay.plan.arrays if a.name in lay.scanners)
            raise_record_error(buf, endian, name, miss)
        return construct_parse(buf, start, endian)
