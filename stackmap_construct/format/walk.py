"""Walk a blob field by field, following the definition in :mod:`.v3`.

Where :func:`~.api.parse` gives the parsed stackmap, :func:`walk` gives every
field on the way: its path, offset, raw bytes, value, role (value, count,
reserved, padding) and doc line.  It follows the one description of the
layout (:func:`~.fast.plan.plan`, derived from the construct tree; the
layout is not restated here), parses each leaf with the leaf's own
construct, and reports errors exactly as ``parse`` does.  A broken blob
yields every field before the error, then raises the error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Generator, Iterator

from construct import Construct, ConstructError, Container

from ..errors import StackMapError
from .constructs import _as_stackmap_error
from .fast.plan import Array, Element, Leaf, Member, Pad, join as _join, plan


@dataclass(frozen=True)
class FieldEvent:
    """One field of a blob, in the order of the bytes."""

    path: str  #: e.g. ``records[0].locations[1].kind``
    offset: int  #: from the start of the walked buffer
    raw: bytes  #: the field's bytes as stored
    value: Any  #: the decoded value (int, LocationKind; None for padding)
    role: str  #: "value", "count", "reserved" or "padding"
    doc: str  #: the field's one-line doc from the definition


class _Walker:
    def __init__(self, data: memoryview):
        self.data = data
        self.stream = io.BytesIO(data)

    def element(self, element: Element, path: str, doc: str) -> Generator[FieldEvent, None, Any]:
        """Yield the events of one element; return its parsed value (a
        plain dict for blocks, the leaf value for a bare leaf)."""
        bare = element.leaf
        if bare is not None:
            return (yield from self.leaf(bare, path, bare.doc or doc))
        values: dict[str, Any] = {}
        for member in element.members():
            where = _join(path, member.name)
            values[member.name] = yield from self.located(member.name, member.node, self.member(member, values, where))
        return values

    def member(self, member: Member, values: dict, path: str) -> Generator[FieldEvent, None, Any]:
        if isinstance(member, Array):
            count = values[member.count_field]
            member.node.check_count(count, self.stream)
            items = []
            for i in range(count):
                item = yield from self.located(f"[{i}]", member.element.node,
                                               self.element(member.element, f"{path}[{i}]", member.doc))
                items.append(item)
            return items
        return (yield from self.leaf(member, path, member.doc))

    def located(self, segment: str, node: Construct | None,
                events: Generator[FieldEvent, None, Any]) -> Generator[FieldEvent, None, Any]:
        """Annotate failures inside ``node`` as the parser does."""
        start = self.stream.tell()
        try:
            return (yield from events)
        except StackMapError as e:
            e.add_parent(segment, start)
            raise
        except ConstructError as e:
            err = _as_stackmap_error(e, node, start, False, self.stream)
            err.add_parent(segment)
            raise err from None

    def leaf(self, leaf: Leaf | Pad, path: str, doc: str) -> Generator[FieldEvent, None, Any]:
        node = leaf.node
        assert node is not None, "the description keeps every field's construct"
        start = self.stream.tell()
        value = node._parsereport(self.stream, Container(), path)
        end = self.stream.tell()
        if end > start or not isinstance(leaf, Pad):  # an absent pad is no field
            yield FieldEvent(path, start, bytes(self.data[start:end]), value, leaf.role, doc)
        return value


def walk(data, *, endian: str = "little") -> Iterator[FieldEvent]:
    """Yield every field of the blobs in ``data`` (one or several
    concatenated), in byte order.  Paths of the second and later blobs are
    prefixed with ``#k.``.  Errors are raised after the fields before them.
    """
    view = memoryview(data).cast("B")
    walker = _Walker(view)
    top = plan(endian).top
    index = 0
    while walker.stream.tell() < len(view) or index == 0:
        prefix = f"#{index}" if index else ""
        events = walker.element(top, prefix, "")
        try:
            for event in events:
                yield event
        except StackMapError as e:
            if index:  # named like the fields of that blob (#1.records[0]...)
                e.add_parent(prefix)
                e.blob_index = index
            raise
        index += 1
        if len(view) == 0:
            break


def walk_record(data, index: int, offset: int, *, endian: str = "little") -> Iterator[FieldEvent]:
    """The events :func:`walk` gives for record ``index`` of the (first)
    blob of ``data``, the record starting at byte ``offset``: its fields up
    to the end of the record or to the first that fails, where the events
    stop (the error is the blob's parse error, which :func:`walk` would raise
    there too)."""
    view = memoryview(data).cast("B")
    walker = _Walker(view)
    walker.stream.seek(offset)
    records = plan(endian).records
    try:
        yield from walker.element(records.element, f"{_join('', records.name)}[{index}]", records.doc)
    except (StackMapError, ConstructError):
        return


# -- the same events from the columnar view, for valid blobs -------------------

def walk_view(v, *, start: int | None = None, end: int | None = None, prefix: str = "") -> Iterator[FieldEvent]:
    """The events :func:`walk` gives for the blob of the view ``v`` (a
    :class:`~.columns.StackMapView` of a valid blob), derived from the same
    definition through its layout, without parsing anything again.

    Offsets are from the start of the buffer the blob was parsed from.
    With ``start``/``end`` (buffer offsets), only the blocks (header,
    function, constant, record) overlapping ``[start, end)`` are walked:
    the records are found by bisection, so the cost does not depend on
    the blob's size."""
    from bisect import bisect_left, bisect_right

    buf, base, plan = v.buf, v.start, v.plan
    lo = 0 if start is None else start - base
    hi = (v.end - base) if end is None else end - base

    def fixed_events(fixed, pos: int, path: str, doc: str = "") -> Iterator[FieldEvent]:
        values = fixed.struct.unpack_from(buf, base + pos)
        for leaf, value in zip(fixed.leaves, values):
            if leaf.decoded is not None:
                value = leaf.decoded[value]
            at = base + pos + leaf.offset
            yield FieldEvent(_join(path, leaf.name) if leaf.name else path, at, buf[at:at + leaf.size], value,
                             leaf.role, leaf.doc or doc)

    header = plan.header
    if lo < header.size:
        yield from fixed_events(header, 0, prefix)
    pos = header.size
    for arr in plan.arrays:
        path = _join(prefix, arr.name)
        fixed = arr.element.fixed
        if fixed is not None:
            n = len(getattr(v.stackmap, arr.name))
            first = max(0, (lo - pos) // fixed.size)
            last = min(n, -(-(hi - pos) // fixed.size))
            for i in range(first, last):
                yield from fixed_events(fixed, pos + i * fixed.size, f"{path}[{i}]", arr.doc)
            pos += n * fixed.size
            continue
        first = bisect_right(v.record_ends, lo)
        last = bisect_left(v.record_offsets, hi)
        for i in range(first, last):
            yield from _record_events(v, i, f"{path}[{i}]", fixed_events)


def _record_events(v, i: int, path: str, fixed_events) -> Iterator[FieldEvent]:
    from .fast.plan import Array, Fixed

    pos = v.record_offsets[i]
    base = v.start
    for part in v.record_element.parts:
        if isinstance(part, Fixed):
            yield from fixed_events(part, pos, path)
            pos += part.size
        elif isinstance(part, Array):
            table = v.tables[part.name]
            size = table.item_size
            inner = _join(path, part.name)
            for j in range(len(table.rows(i))):
                yield from fixed_events(table.fixed, pos, f"{inner}[{j}]", part.doc)
                pos += size
        else:  # an alignment pad: a field only when it has bytes
            pad = -pos % part.alignment
            if pad:
                at = base + pos
                yield FieldEvent(_join(path, part.name), at, v.buf[at:at + pad], None, "padding", part.doc)
                pos += pad
