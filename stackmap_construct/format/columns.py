"""The columnar view of a parsed stackmap: every consumer's fast model.

A :class:`~stackmap_construct.model.StackMap` is the object form (records
made on first access by the fast parser).  :func:`view` gives the same
stackmap as columns, in the spirit of uproot's arrays over ROOT baskets:

* ``view.record_offsets[i]``: byte offset of record ``i`` from the start of
  the blob, and :meth:`StackMapView.offset_of` for any field path
  (``records[3].locations[2].size``) without walking;
* ``view.locations`` / ``view.live_outs``: a :class:`ItemTable` each, the
  items of every record back to back; ``table.column("size")`` is an
  ``array`` of that field for every item (``memoryview.cast`` over the
  encoded items, strided: no Python object per item), ``table.rows(i)`` the
  rows of record ``i``;
* ``view.record_column("patchpoint_id")`` and ``view.function_of``: the
  records' own fields and the function each record belongs to.

Everything is derived from the layout of the definition
(:mod:`.fast.plan`): field offsets, sizes, signedness, pads.  For a
stackmap parsed by the fast path the view reads the parsed bytes; for any
other (plain objects, or records changed since parsing) it encodes the
stackmap first (``build``), which gives the offsets of the canonical
encoding, the same as the original's for anything parsed.

An optional NumPy array of a column: ``numpy.frombuffer(table.column(name),
dtype=...)``; nothing here needs NumPy.
"""

from __future__ import annotations

import io
from functools import lru_cache
import struct
import sys
from array import array
from itertools import accumulate, repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

from ..model import StackMap, record_runs
from .fast.lazy import RecordList
from .fast.parser import BlobIndex, layout
from .fast.plan import Array, Fixed, Leaf, Pad, Plan
from ..endian import struct_prefix

_NATIVE = sys.byteorder



def _typecode(size: int, signed: bool) -> str:
    for code in ("bhilq" if signed else "BHILQ"):
        if array(code).itemsize == size:
            return code
    raise ValueError(f"no array type of {size} bytes")  # pragma: no cover


def _column(data: bytes, item_size: int, leaf: Leaf, endian: str) -> array:
    """Field ``leaf`` of every item of ``data`` (items of ``item_size``
    bytes back to back), as an array in machine order."""
    code = _typecode(leaf.size, leaf.signed)
    if leaf.offset % leaf.size == 0 and item_size % leaf.size == 0:
        # The field is a strided run of machine words: one C-level copy.
        words = memoryview(data).cast(code)  # type: ignore[call-overload]  # typecode known at run time
        out = array(code, words[leaf.offset // leaf.size::item_size // leaf.size].tobytes())
        if endian != _NATIVE and leaf.size > 1:
            out.byteswap()
        return out
    fmt = f"{struct_prefix(endian)}{leaf.offset}x{leaf.code}{item_size - leaf.offset - leaf.size}x"
    return array(code, [v for (v,) in struct.iter_unpack(fmt, data)])


class ItemTable:
    """Fixed-size items (locations, or live-outs) of every record of a
    stackmap, back to back, in record order.

    ``data`` holds the encoded items (``item_size`` bytes each, the blob's
    byte order); record ``i`` owns rows ``starts[i]`` to ``starts[i + 1]``,
    and its item ``j`` is at blob offset ``run_offsets[i] + item_size * j``.
    """

    def __init__(self, name: str, fixed: Fixed, names: Sequence[str], data: bytes, counts: array,
                 run_offsets: array | None, endian: str):
        self.name = name  #: "locations" or "live_outs"
        self.fixed = fixed
        self.names = tuple(names)  #: the model's field names, in order
        self.data = data
        self.item_size = fixed.size
        self.counts = counts  #: items per record
        self.starts = array("Q", [0])  #: first row of each record, then the total
        self.starts.extend(accumulate(counts))
        self._run_offsets = run_offsets
        self.view: "StackMapView | None" = None
        self.endian = endian
        self._columns: dict[str, array] = {}
        self.cls: type | None = None  #: the model class of one item

    def __len__(self) -> int:
        return len(self.data) // self.item_size

    def rows(self, record: int) -> range:
        return range(self.starts[record], self.starts[record + 1])

    def column(self, name: str) -> array:
        """Field ``name`` of every item, as raw values (a location kind as
        its number: ``LocationKind`` is an ``IntEnum``)."""
        col = self._columns.get(name)
        if col is None:
            col = self._columns[name] = _column(self.data, self.item_size, self.fixed.leaf(name), self.endian)
        return col

    def columns_of(self, data: bytes, names: Sequence[str]) -> list[array]:
        """The named fields of the items encoded in ``data`` (this table's
        items, or any run of items in its encoding, e.g. a renderer's
        distinct ones), one array per name, raw values as :meth:`column`."""
        return [_column(data, self.item_size, self.fixed.leaf(n), self.endian) for n in names]

    def item_bytes(self, row: int) -> bytes:
        return self.data[row * self.item_size:(row + 1) * self.item_size]

    def record_bytes(self, record: int) -> bytes:
        """The encoded items of one record."""
        return self.data[self.starts[record] * self.item_size:self.starts[record + 1] * self.item_size]

    @property
    def run_offsets(self) -> array:
        """Blob offset of each record's first item (worked out on first use)."""
        if self._run_offsets is None:
            if self.view is None:
                raise ValueError(f"{self.name}: no view to work out the offsets from")
            self.view._part_offsets  # fills it
        assert self._run_offsets is not None
        return self._run_offsets

    def offset(self, record: int, item: int) -> int:
        return self.run_offsets[record] + self.item_size * item


#: records whose heads are cut out at a time
_HEAD_CHUNK = 8192

@lru_cache(maxsize=None)
def _segment_pattern():
    """A field path's segments (``name`` or ``[index]``); re only when a path
    is asked for (start-up)."""
    import re

    return re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


class StackMapView:
    """Columns and offsets of one blob (see the module doc).  Offsets are
    from the blob's first byte; ``start`` is where the blob begins in the
    buffer it was parsed from (0 when it was encoded here)."""

    def __init__(self, stackmap: StackMap, index: BlobIndex, blob_start: int):
        lay = index.layout
        self.stackmap = stackmap
        self.endian = index.endian
        self.plan: Plan = lay.plan
        self.start = blob_start
        self.end = index.end
        self.buf = index.buf
        base = blob_start
        element = index.array.element
        self.record_element = element
        self.record_count = index.count
        # (with the blob at the buffer's start, the parser's own offsets: no copy)
        self.record_offsets = array("Q", (o - base for o in index.offsets)) if base else index.offsets
        ends = array("Q", index.offsets[1:])
        ends.append(index.end)
        self.record_ends = array("Q", (o - base for o in ends)) if base else ends
        # The items were cut out by the parser; the offsets of every part
        # of every record are worked out when first asked (offset_of).
        self._index = index
        self._part_offsets_cache: list | None = None
        tables: dict[str, ItemTable] = {}
        k = 0
        for part in element.parts:
            if isinstance(part, Array):
                fixed = part.element.fixed
                if fixed is None:
                    raise ValueError(f"{part.name}: items of variable size have no columns")
                table = ItemTable(part.name, fixed, part.element.names, index.items[k],
                                  index.counts[k], None, self.endian)
                table.cls = part.element.cls
                table.view = self
                tables[part.name] = table
                k += 1
        head = element.parts[0]
        if not isinstance(head, Fixed):
            raise ValueError("a record is expected to start with fixed fields")
        self._head = head
        self._head_bytes: bytes | None = None  # the records' heads, back to back: cut on first use
        self.tables = tables
        self.locations: ItemTable = tables["locations"]
        self.live_outs: ItemTable = tables["live_outs"]
        self._record_columns: dict[str, array] = {}
        self._function_of: array | None = None

    @property
    def _part_offsets(self) -> list:
        """(part, blob offset of that part in every record), walking the
        record's parts once each for all records at a time."""
        if self._part_offsets_cache is None:
            base = self.start
            pos = list(self._index.offsets)
            out: list[tuple[Fixed | Pad | Array, array]] = []
            for part in self.record_element.parts:
                if isinstance(part, Fixed):
                    out.append((part, array("Q", [p - base for p in pos])))
                    pos = [p + part.size for p in pos]
                elif isinstance(part, Array):
                    table = self.tables[part.name]
                    offsets = array("Q", [p - base for p in pos])
                    out.append((part, offsets))
                    table._run_offsets = offsets
                    size = table.item_size
                    pos = [p + size * n for p, n in zip(pos, table.counts)]
                elif isinstance(part, Pad):
                    out.append((part, array("Q", [p - base for p in pos])))
                    a = part.alignment
                    # Alignment is from the blob's start (blobs start 8-aligned).
                    pos = [p + (-(p - base) % a) for p in pos]
            self._part_offsets_cache = out
        return self._part_offsets_cache

    # -- records -----------------------------------------------------------
    def record_column(self, name: str) -> array:
        """A field of the records' own head (``patchpoint_id``,
        ``instruction_offset``) for every record."""
        col = self._record_columns.get(name)
        if col is None:
            col = self._record_columns[name] = _column(self._head_data(), self._head.size, self._head.leaf(name),
                                                       self.endian)
        return col

    def record_columns(self, names: Sequence[str], start: int = 0, stop: int | None = None) -> list[array]:
        """:meth:`record_column` of each of ``names`` for records ``start``
        to ``stop`` only, read from their bytes then (the records' heads
        cut once for all the names) unless made already: each of a
        renderer's two processes reads only its own records."""
        head = self._head
        if all(n in self._record_columns for n in names):
            return [self._record_columns[n][start:stop] for n in names]
        first, last, _ = slice(start, stop).indices(self.record_count)
        last = max(first, last)
        if self._head_bytes is not None:
            data = self._head_bytes[first * head.size:last * head.size]
        else:
            buf, size, part = self.buf, head.size, self._index.offsets[first:last]
            data = b"".join(map(buf.__getitem__, map(slice, part, map(size.__add__, part))))
        return [_column(data, head.size, head.leaf(n), self.endian) for n in names]

    def _head_data(self) -> bytes:
        """Every record's head (its fixed fields), back to back; cut out a
        chunk of records at a time (never a bytes object per record for all
        records at once)."""
        if self._head_bytes is None:
            buf, size, starts = self.buf, self._head.size, self._index.offsets
            out = io.BytesIO()
            for c in range(0, len(starts), _HEAD_CHUNK):
                part = starts[c:c + _HEAD_CHUNK]
                out.write(b"".join(map(buf.__getitem__, map(slice, part, map(size.__add__, part)))))
            self._head_bytes = out.getvalue()  # (hands its buffer over: no copy)
        return self._head_bytes

    @property
    def function_of(self) -> array:
        """Index of the function each record belongs to (from the record
        counts, in order); -1 for records beyond the counts' sum."""
        if self._function_of is None:
            out = array("q")
            *runs, rest = record_runs(self.stackmap.functions, self.record_count)
            for fi, run in enumerate(runs):
                out.extend(repeat(fi, len(run)))
            out.extend(repeat(-1, len(rest)))
            self._function_of = out
        return self._function_of

    def record_bytes(self, i: int) -> bytes:
        """Record ``i`` as encoded."""
        return self.buf[self.start + self.record_offsets[i]:self.start + self.record_ends[i]]

    def records_span(self, first: int, stop: int) -> tuple[int, int]:
        """Where records ``first`` to ``stop - 1`` lie in :attr:`buf` (they
        are back to back)."""
        if first >= stop:
            return (0, 0)
        return self.start + self.record_offsets[first], self.start + self.record_ends[stop - 1]

    # -- offsets -----------------------------------------------------------
    def offset_of(self, path: str) -> int:
        """Blob offset of the field (or block: its first byte) at ``path``,
        e.g. ``records[3].locations[2].size``, ``functions[1]``,
        ``num_constants``.  A list's path gives its first element's offset
        (its count's when it is empty)."""
        segments = [(m.group(1), m.group(2)) for m in _segment_pattern().finditer(path)]
        plan = self.plan
        if not segments or segments[0][0] is None:
            raise KeyError(path)
        name = segments[0][0]
        for leaf in plan.header.leaves:
            if leaf.name == name:
                return leaf.offset
        pos = plan.header.size
        for arr in plan.arrays:
            if arr.name != name:
                count = len(getattr(self.stackmap, arr.name)) if arr.element.fixed is not None else self.record_count
                if arr.element.fixed is not None:
                    pos += count * arr.element.fixed.size
                continue
            if len(segments) == 1 or segments[1][1] is None:
                empty = not (self.record_count if arr.element.fixed is None else len(getattr(self.stackmap, arr.name)))
                if empty:  # no first element: the list's count
                    return plan.header.leaf(arr.count_field).offset
                return self.record_offsets[0] if arr.element.fixed is None else pos
            i = int(segments[1][1])
            if arr.element.fixed is not None:
                pos += i * arr.element.fixed.size
                if len(segments) > 2 and segments[2][0]:
                    pos += arr.element.fixed.leaf(segments[2][0]).offset
                return pos
            return self._record_field(i, segments[2:], path)
        raise KeyError(path)

    def _record_field(self, i: int, segments, path: str) -> int:
        if not segments:
            return self.record_offsets[i]
        name = segments[0][0]
        for part, offsets in self._part_offsets:
            if isinstance(part, Fixed):
                for leaf in part.leaves:
                    if leaf.name == name:
                        return offsets[i] + leaf.offset
            elif isinstance(part, Pad):
                if part.name == name:
                    return offsets[i]
            elif part.name == name:
                table = self.tables[name]
                if len(segments) == 1 or segments[1][1] is None:
                    return table.run_offsets[i]
                off = table.offset(i, int(segments[1][1]))
                if len(segments) > 2 and segments[2][0]:
                    off += table.fixed.leaf(segments[2][0]).offset
                return off
        raise KeyError(path)


def indexed(stackmap: StackMap, endian: str) -> tuple[BlobIndex, int] | None:
    """The parsed bytes behind ``stackmap`` and where its blob starts, when
    its records are still exactly those bytes and lie where the functions
    and constants before them end; else None."""
    records = stackmap.records
    if not isinstance(records, RecordList):
        return None
    index = records.blob_index
    if index is None or index.endian != endian or not records.unchanged():
        return None
    plan = layout(endian).plan
    before = plan.header.size
    for arr in plan.arrays:
        if arr.element.fixed is None:
            break
        before += len(getattr(stackmap, arr.name)) * arr.element.fixed.size
    blob_start = index.start - before
    if blob_start < 0 or blob_start % 8:
        return None
    return index, blob_start


def view(stackmap: StackMap, *, endian: str = "little") -> StackMapView:
    """The columnar view of ``stackmap`` (see the module doc).  Raises the
    errors of ``build`` for a stackmap that cannot be encoded."""
    struct_prefix(endian)
    found = indexed(stackmap, endian)
    if found is None:
        from .api import build
        from .fast.parser import parse_blob

        blob = build(stackmap, endian=endian)
        parsed, _ = parse_blob(blob, 0, endian)
        records = parsed.records
        assert isinstance(records, RecordList)  # the fast parser's
        return StackMapView(stackmap, records.blob_index, 0)
    index, blob_start = found
    return StackMapView(stackmap, index, blob_start)


def records_plain_data(index: BlobIndex) -> list[dict] | None:
    """The plain-data form of every record of ``index`` (what
    :func:`~stackmap_construct.model.to_dict` gives), made from the parsed
    bytes in bulk; None when the record's own fields do not all lie in its
    first fixed part (the caller then goes through the objects).

    Only dicts, lists, ints and strings are made, which cannot form a
    cycle: the cyclic garbage collector is paused meanwhile (its passes
    over the millions of new dicts cost more than making them).  Each kind
    of dict is made by a loop compiled from the field names (no call per
    item, see :func:`_maker`) over the columns of its fields (strided views
    of the items, as :meth:`ItemTable.column`); the records' own fields
    are unpacked at each record's offset."""
    import gc

    element = index.array.element
    head = element.parts[0]
    arrays = {part.name: part for part in element.parts if isinstance(part, Array)}
    own = [n for n in element.names if n not in arrays]
    if not isinstance(head, Fixed) or any(n not in {leaf.name for leaf in head.leaves} for n in own):
        return None
    if any(head.leaf(n).decoded is not None for n in own):
        return None
    in_order = tuple(leaf.name for leaf in head.leaves if leaf.name in own)
    paused = gc.isenabled()
    gc.disable()
    try:
        lists = {}
        for k, part in enumerate(p for p in element.parts if isinstance(p, Array)):
            fixed = part.element.fixed
            assert fixed is not None  # the scan only cuts out fixed-size items
            names = part.element.names
            in_part = tuple(leaf.name for leaf in fixed.leaves if leaf.name in names)
            tables = []
            for n in in_part:
                decoded = fixed.leaf(n).decoded
                tables.append(None if decoded is None else [d.name if d is not None else None for d in decoded])
            make = _dicts_maker(names, in_part, tuple(t is not None for t in tables))
            data = index.items[k]
            fields = [_column(data, fixed.size, fixed.leaf(n), index.endian) for n in in_part]
            items = make(len(data) // fixed.size, *fields, *(t for t in tables if t is not None))
            del fields
            starts = index.starts(k)
            lists[part.name] = list(map(items.__getitem__, map(slice, starts[:-1], starts[1:])))
            del items
        heads = map(head.fields_struct(in_order).unpack_from, repeat(index.buf), index.offsets)
        columns = [lists[n] for n in element.names if n in lists]
        return _records_maker(element.names, in_order, tuple(lists))(index.count, heads, *columns)
    finally:
        if paused:
            gc.enable()


@lru_cache(maxsize=None)
def _records_maker(names: tuple[str, ...], own: tuple[str, ...], lists: tuple[str, ...]):
    """``f(n, heads, *lists) -> [{name: value, ...}, ...]``: one dict per
    record (``n`` of them), its own fields from ``heads`` (tuples, in
    ``own`` order) and each list field from its column."""
    var = {n: f"h{i}" for i, n in enumerate(own)} | {n: f"x{i}" for i, n in enumerate(lists)}
    targets = f"({', '.join(var[n] for n in own)},), {', '.join(var[n] for n in lists)}"
    return _maker(names, var, targets, ["heads", *(f"l{i}" for i in range(len(lists)))], [])


@lru_cache(maxsize=None)
def _dicts_maker(names: tuple[str, ...], in_part: tuple[str, ...], decoded: tuple[bool, ...]):
    """``f(n, *columns, *tables) -> [{name: value, ...}, ...]``: one dict
    per row (``n`` of them) of the columns of the fields ``in_part`` (in
    the item's order), keyed by ``names`` (the model's order); a field
    marked in ``decoded`` is looked up in its table (raw value -> name),
    in order."""
    values = {n: f"v{i}" for i, n in enumerate(in_part)}
    tables = {n: f"t{i}" for i, n in enumerate(n for n, d in zip(in_part, decoded) if d)}
    exprs = {n: f"{tables[n]}[{values[n]}]" if n in tables else values[n] for n in names}
    targets = ", ".join(values.values()) + ("," if len(values) == 1 else "")
    return _maker(names, exprs, targets, [f"c{i}" for i in range(len(in_part))], list(tables.values()))


def _maker(names: tuple[str, ...], exprs: dict[str, str], targets: str, sources: list[str], tables: list[str]):
    """The generated loop of :func:`_records_maker` and :func:`_dicts_maker`:
    ``f(n, *sources, *tables)`` gives ``[{name: exprs[name], ...} for
    targets in zip(*sources)]`` (``n`` items).  Where the interpreter
    shares one key table among dicts (CPython's key-sharing dictionaries,
    PEP 412), the ``n`` dicts are first made at once as copies of a
    template that does (``map(dict.copy, ...)``, a C loop;
    :func:`_shared_keys_template`), then their values set: the same dicts
    (``type(d) is dict``, the keys in the same order, equal), in about
    half the memory (104 bytes instead of 184 for four keys), so made and
    freed faster (fewer fresh pages for the hundreds of thousands made at
    once); elsewhere, a dict display per item."""
    template = _shared_keys_template(names)
    params = ", ".join(["n", *sources, *tables])
    if template is None:
        body = ", ".join(f"{n!r}: {exprs[n]}" for n in names)
        return eval(f"lambda {params}: [{{{body}}} for {targets} in zip({', '.join(sources)})]", {})
    lines = [f"def make({params}):", "    out = list(map(copy, repeat(template, n)))",
             f"    for d, {targets} in zip(out, {', '.join(sources)}):"]
    lines += [f"        d[{n!r}] = {exprs[n]}" for n in names]
    lines += ["    return out"]
    namespace: dict = {"copy": dict.copy, "repeat": repeat, "template": template}
    exec("\n".join(lines) + "\n", namespace)
    return namespace["make"]


@lru_cache(maxsize=None)
def _shared_keys_template(names: tuple[str, ...]) -> dict | None:
    """A dict of the keys ``names`` (in order, values None) whose copies
    share its key table, or None where that does not make them smaller.

    It is an instance's ``__dict__`` (instances of a class share one key
    table); the class's first instances leave room in the shared table for
    more attributes, which each copy would also carry, so a few dozen are
    made first (their room shrinks with each).  Checked, not assumed: the
    copies must be plain dicts of exactly these keys, in this order, and
    smaller than a dict of them made any other way."""
    cls = type("_SharedKeys", (), {})
    instance = cls()
    for _ in range(64):
        instance = cls()
        for n in names:
            setattr(instance, n, None)
    template = instance.__dict__
    copy = template.copy()
    ordinary = dict.fromkeys(names)
    if type(copy) is not dict or list(copy) != list(names) or copy != ordinary:
        return None
    try:
        smaller = sys.getsizeof(copy) < sys.getsizeof(ordinary)
    except TypeError:  # (an interpreter without sizes, e.g. PyPy)
        return None
    return template if smaller else None


def view_of(stackmap: StackMap, endian: str | None = None) -> StackMapView:
    """:func:`view`, in the byte order the stackmap was parsed in when
    ``endian`` is None (little for one made of objects)."""
    if endian is None:
        records = stackmap.records
        index = records.blob_index if isinstance(records, RecordList) else None
        endian = index.endian if index is not None else "little"
    return view(stackmap, endian=endian)
