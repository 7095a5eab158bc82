"""Build a blob with precompiled Structs derived from the definition.

:func:`build` returns the blob, or None when the construct path must do it:
whenever an object is not exactly of its model class, a value does not fit
its field, a list is not a list, or anything else is unusual.  The construct
path then builds the blob or raises the error it always raises, so the fast
path never decides an error.  Records of a parsed stackmap that were never
made into objects are copied from the bytes they were read from (they were
validated, and the encoding is canonical: counts from lengths, reserved and
padding bytes zero).
"""

from __future__ import annotations

from ...endian import struct_prefix

import gc
import struct
import sys
from array import array
from functools import lru_cache
from itertools import accumulate, chain, repeat
from operator import add, attrgetter, contains, itemgetter, sub
TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up: only for type checkers)
    from typing import Any, Callable, Iterable

from .lazy import RecordList
from .parser import BlobIndex, layout
from .plan import Array, Element, Fixed, Pad, Unsupported


_NATIVE = sys.byteorder


class _Fallback(Exception):
    """Leave this stackmap to the construct path."""


_CHUNK = 4096  # items per Struct.pack call when packing a long list


def _no_bools(values) -> None:
    """struct packs True as 1; the model says a bool is no integer: let the
    construct path refuse it (one rule for every way in)."""
    if bool in set(map(type, values)):
        raise _Fallback


class ElementPacker:
    """Encodes lists of model objects of one element, with Structs and (for
    variable-size elements) a loop generated from the element's parts."""

    def __init__(self, element: Element, endian: str):
        self.element = element
        self.endian = endian
        #: variable-size elements: the generated loop that packs a list of them
        self.pack: Callable[..., int] | None = None
        fixed = element.fixed
        if fixed is not None:
            self._init_fixed(element, fixed)
        else:
            self._init_variable(element, endian)

    # -- fixed-size items --------------------------------------------------
    def _init_fixed(self, element: Element, fixed: Fixed) -> None:
        self.source = ""
        if element.cls is None:  # bare values (constants): one struct.pack call
            return
        names = [leaf.name for leaf in fixed.leaves if leaf.name in element.names]
        for leaf in fixed.leaves:
            if leaf.name not in element.names and not (leaf.expect is not None and leaf.expected == bytes(leaf.size)):
                raise Unsupported(f"field {leaf.name!r} has no value to build from")
        self.names = names
        self.item_struct = fixed.fields_struct(tuple(names))
        self.item_size = fixed.size
        self.getter = attrgetter(*names)
        # Adapter fields (the location kind): the raw values the adapter
        # accepts, checked on the packed bytes.
        self.adapters = [(leaf.offset, bytes(v for v in range(len(leaf.valid)) if leaf.valid[v]))
                         for leaf in fixed.leaves if leaf.name in names and leaf.valid is not None]
        if any(leaf.size != 1 for leaf in fixed.leaves if leaf.name in names and leaf.valid is not None):
            raise Unsupported("adapter field wider than one byte")
        fmt = self.item_struct.format
        self._chunk = struct.Struct(fmt[0] + fmt[1:] * _CHUNK)

    def pack_items(self, items) -> bytes:
        """Encode ``items`` (model objects checked by :meth:`check`)."""
        fmt = self.item_struct.format
        getter = self.getter
        values: Callable[[Any], Iterable[Any]]
        if len(self.names) == 1:
            values = lambda part: map(getter, part)  # noqa: E731
        else:
            values = lambda part: chain.from_iterable(map(getter, part))  # noqa: E731
        out = []
        n = len(items)
        full = n - n % _CHUNK
        for i in range(0, full, _CHUNK):
            out.append(self._chunk.pack(*values(items[i:i + _CHUNK])))
        if full < n:
            rest = items[full:]
            out.append(struct.pack(fmt[0] + fmt[1:] * len(rest), *values(rest)))
        data = b"".join(out)
        for offset, valid in self.adapters:
            # A value the adapter would refuse (a kind of 9): construct path.
            if data[offset::self.item_size].translate(None, valid):
                raise _Fallback
        return data

    def check(self, items) -> None:
        """Every object is exactly of the model class (the construct path
        refuses others, or accepts subclasses: either way, it decides)."""
        if items and set(map(type, items)) != {self.element.cls}:
            raise _Fallback
        values = map(self.getter, items)
        _no_bools(values if len(self.names) == 1 else chain.from_iterable(values))

    # -- variable-size items (records) ------------------------------------
    def _init_variable(self, element: Element, endian: str) -> None:
        if element.cls is None:
            raise Unsupported("a variable-size item without a model class")
        cls_name = element.cls.__name__
        inner: list[Array] = [p for p in element.parts if isinstance(p, Array)]
        self.inner = inner
        self.inner_packers = [ElementPacker(a.element, endian) for a in inner]
        self.inner_getters = [attrgetter(a.name) for a in inner]
        self.scalars = [leaf.name for part in element.parts if isinstance(part, Fixed) for leaf in part.leaves
                        if leaf.name in element.names and leaf.adapter is None and leaf.expect is None]
        self.inner_getters_names = tuple(a.name for a in inner)
        namespace: dict = {"len": len, "zip": zip}
        arrays = ", ".join(f"L{k}, B{k}" for k in range(len(inner)))
        lines = [f"def pack(items, {arrays}, pos, ap):"]
        lines += [f"    a{k} = 0" for k in range(len(inner))]
        lines.append(f"    for obj, {', '.join(f'v{k}' for k in range(len(inner)))} in "
                     f"zip(items, {', '.join(f'L{k}' for k in range(len(inner)))}):")
        lines += [f"        n{k} = len(v{k})" for k in range(len(inner))]
        count_of = {a.count_field: f"n{k}" for k, a in enumerate(inner)}
        for index, part in enumerate(element.parts):
            if isinstance(part, Fixed):
                args = []
                for leaf in part.leaves:
                    if leaf.name in count_of:
                        args.append(count_of[leaf.name])
                    elif leaf.expect is not None and leaf.name not in element.names:
                        args.append(repr(leaf.expect.value))
                    elif leaf.name in element.names and leaf.adapter is None and leaf.expect is None:
                        args.append(f"obj.{leaf.name}")
                    else:
                        raise Unsupported(f"field {leaf.name!r} of a variable item")
                namespace[f"S{index}"] = part.struct.pack
                lines.append(f"        ap(S{index}({', '.join(args)}))")
                lines.append(f"        pos += {part.size}")
            elif isinstance(part, Array):
                k = inner.index(part)
                fixed = part.element.fixed
                if fixed is None:
                    raise Unsupported(f"{part.name}: an array of variable-size items inside a variable item")
                size = fixed.size
                lines.append(f"        if n{k}:")
                lines.append(f"            e = a{k} + {size} * n{k}")
                lines.append(f"            ap(B{k}[a{k}:e])")
                lines.append(f"            pos += e - a{k}")
                lines.append(f"            a{k} = e")
            elif isinstance(part, Pad):
                namespace[f"Z{index}"] = [bytes(n) for n in range(part.alignment)]
                lines.append(f"        pad = -pos % {part.alignment}")
                lines.append("        if pad:")
                lines.append(f"            ap(Z{index}[pad])")
                lines.append("            pos += pad")
        lines.append("    return pos")
        self.source = "\n".join(lines) + "\n"
        exec(compile(self.source, f"<stackmap fast pack {cls_name} {endian}>", "exec"), namespace)
        self.pack = namespace["pack"]

    def pack_records(self, items, pos: int, ap) -> int:
        """Append the encoding of ``items`` (a list or tuple of model
        objects), which starts at byte ``pos`` of the blob, to ``ap``."""
        if items and set(map(type, items)) != {self.element.cls}:
            raise _Fallback
        for name in self.scalars:
            _no_bools(map(attrgetter(name), items))
        args = []
        for getter, packer in zip(self.inner_getters, self.inner_packers):
            lists = list(map(getter, items))
            if lists and not set(map(type, lists)) <= {list, tuple}:
                raise _Fallback
            flat = list(chain.from_iterable(lists))
            packer.check(flat)
            args += [lists, packer.pack_items(flat)]
        if self.pack is None:
            raise _Fallback
        return self.pack(items, *args, pos, ap)


@lru_cache(maxsize=None)
def packers(endian: str):
    lay = layout(endian)
    out = {}
    for array in lay.plan.arrays:
        out[array.name] = ElementPacker(array.element, struct_prefix(endian))
    return out


def build(stackmap, endian: str) -> bytes | None:
    """The blob, or None to let the construct path build it (or raise)."""
    try:
        lay = layout(endian)
        packs = packers(endian)
    except Unsupported:
        return None
    top = lay.plan.top
    if type(stackmap) is not top.cls:
        return None
    try:
        return _build(stackmap, lay, packs, endian)
    except (_Fallback, struct.error, TypeError, AttributeError, ValueError, OverflowError, IndexError):
        return None


def _build(stackmap, lay, packs, endian: str) -> bytes:
    plan = lay.plan
    top = plan.top
    lists = {array.name: getattr(stackmap, array.name) for array in plan.arrays}
    for value in lists.values():
        if type(value) not in (list, tuple, RecordList):
            raise _Fallback
    # Header: counts from the lengths, constants for the Expect fields.
    count_of = {array.count_field: array.name for array in plan.arrays}
    args = []
    for leaf in plan.header.leaves:
        if leaf.name in count_of:
            args.append(len(lists[count_of[leaf.name]]))
        elif leaf.expect is not None:
            if leaf.name in top.names:
                given = getattr(stackmap, leaf.name)
                if given is not None and given != leaf.expect.value:
                    raise _Fallback
            args.append(leaf.expect.value)
        elif leaf.name in top.names:
            raise _Fallback  # a plain header value: not in v3
        else:
            raise _Fallback
    # The pieces (header, arrays, records or runs of parsed records) are
    # collected and joined once: one copy into the blob.
    parts: list = [plan.header.struct.pack(*args)]
    ap = parts.append
    pos = plan.header.size
    for array in plan.arrays:
        items = lists[array.name]
        packer = packs[array.name]
        if packer.pack is None:  # fixed-size items
            if array.element.cls is not None:
                packer.check(items)
                data = packer.pack_items(items)
            else:
                leaf = array.element.fixed.leaves[0]
                _no_bools(items)
                data = struct.pack(f"{plan.header.struct.format[0]}{len(items)}{leaf.code}", *items)
            ap(data)
            pos += len(data)
            continue
        pos = _build_records(items, packer, pos, ap, endian)
    return b"".join(parts)


def _build_records(items, packer: ElementPacker, pos: int, ap: Callable[[Any], Any], endian: str) -> int:
    """Append the encoding of the records ``items`` (starting at byte
    ``pos`` of the blob) to ``ap``, piece by piece; the new ``pos``."""
    index = items.blob_index if isinstance(items, RecordList) else None
    if index is None:
        return packer.pack_records(items if type(items) in (list, tuple) else list(items), pos, ap)
    if index.start % 8 or pos % 8 or index.endian != endian:
        return packer.pack_records(list(items), pos, ap)
    # Copy the runs of records never made into objects; encode the ones
    # that were (they may have been changed).
    cache = items.materialized()
    made = sorted(cache)
    offsets, end = index.offsets, index.end
    buf = memoryview(index.buf)  # (runs handed on uncopied: the join copies them)
    start = 0
    for i in made + [index.count]:
        if i > start:
            stop = offsets[i] if i < index.count else end
            ap(buf[offsets[start]:stop])
            pos += stop - offsets[start]
        if i < index.count:
            pos = packer.pack_records([cache[i]], pos, ap)
        start = i + 1
    return pos


# -- the plain-data (JSON) form, encoded without making model objects ----------

def _ints(column: list) -> list:
    # (counting in a list of the types is a C loop with no hashing)
    if list(map(type, column)).count(int) != len(column):
        raise _Fallback  # a bool, a float, a string...: from_dict says what is wrong
    return column


#: keys the plain-data form may carry besides the model's fields (dump's
#: JSON: each function's symbol, each record's address, the byte order)
EXTRA_KEYS = {"records": ("address",), "functions": ("symbol",)}


def build_plain_data(doc, endian: str) -> bytes | None:
    """The blob of a plain-data dict (``to_dict``'s form, or one entry of
    dump's JSON), with no model object made; None when anything is unusual
    (the caller then goes through ``from_dict``, which names the problem).

    The items of each inner array (locations, live-outs) of every record
    are packed in bulk (:func:`_pack_dicts`), then the records' own fields,
    counts, items and pads with one ``struct`` format per chunk of records
    (:func:`_pack_records`)."""
    encoded = _encode_plain_data(doc, endian)
    return None if encoded is None else encoded[0]


def from_plain_data(doc):
    """``from_dict(doc)`` made cheaply: the dict encoded as by
    :func:`build_plain_data` (every check from_dict makes, in bulk), and a
    StackMap whose records are read from those bytes on access, as after
    ``parse`` (a :class:`~.lazy.RecordList`: edits are kept and built).
    None when anything is unusual, a value that does not fit its field
    included (from_dict then makes the objects, or names the problem)."""
    from ...model import StackMap

    encoded = _encode_plain_data(doc, "little")
    if encoded is None:
        return None
    blob, head, array, offsets, counts, items, start = encoded
    index = BlobIndex(blob, "little", layout("little"), array, offsets, counts, items, start, len(blob))
    values = {name: getattr(head, name) for name in layout("little").plan.top.names}
    values[array.name] = RecordList(index)
    return StackMap(**values)


def _encode_plain_data(doc, endian: str):
    """``(blob, head, records array, record offsets, counts, items,
    records start)`` of a plain-data dict, or None (see build_plain_data);
    ``head`` is the StackMap of everything but the records."""
    # Tens of thousands of short-lived tuples and lists, no cycle: the
    # cyclic collector's passes over the document's millions of dicts,
    # which they would set off, cost more than the encoding.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _encode(doc, endian)
    finally:
        if paused:
            gc.enable()


def _encode(doc, endian: str):
    from ...model import StackMap, from_dict

    try:
        lay = layout(endian)
        packs = packers(endian)
    except Unsupported:
        return None
    plan = lay.plan
    try:
        if type(doc) is not dict:
            return None
        records_array = plan.records
        records = doc.get(records_array.name)
        if type(records) is not list or set(map(type, records)) - {dict}:
            return None
        # The fixed-size arrays (functions, constants) are few: from_dict
        # makes them (and raises its own errors for them, in its order).
        head = from_dict({**doc, records_array.name: []})
        if type(head) is not StackMap:
            return None
        blob = build(head, endian)
        if blob is None:
            return None
        out = bytearray(blob)
        count = plan.header.leaf(records_array.count_field)
        struct.pack_into(plan.header.struct.format[0] + count.code, out, count.offset, len(records))
        packer = packs[records_array.name]
        element = records_array.element
        names = element.names
        extra = EXTRA_KEYS.get(records_array.name, ())
        _exact_keys(records, names, extra)
        inner: dict[str, tuple[bytes, list]] = {}
        for array, inner_packer in zip(packer.inner, packer.inner_packers):
            lists = list(map(itemgetter(array.name), records))
            if list(map(type, lists)).count(list) != len(lists):
                return None
            flat = list(chain.from_iterable(lists))
            if list(map(type, flat)).count(dict) != len(flat):
                return None
            inner[array.name] = (_pack_dicts(array, inner_packer, flat), list(map(len, lists)))
        own = {n: _ints(list(map(itemgetter(n), records))) for n in names if n not in inner}
        start = len(out)
        if start % 8:
            return None  # the records' pieces assume each record starts 8-aligned
        parts, offsets = _pack_record_parts(element, plan.header.struct.format[0], own, inner, len(records), start)
        counts = [array_of(inner[a.name][1]) for a in packer.inner]
        # One copy into the blob (the head, then the records' chunks).
        return b"".join([out, *parts]), head, records_array, offsets, counts, [inner[a.name][0] for a in packer.inner], start
    except (_Fallback, KeyError, struct.error, TypeError, ValueError, OverflowError):
        return None


def array_of(values: list):
    """A list of small counts as a compact array."""
    try:
        return array("H", values)
    except OverflowError:  # pragma: no cover - counts are u16 in v3
        return array("L", values)


def _pack_dicts(array: Array, packer: "ElementPacker", flat: list) -> bytes:
    """The items ``flat`` (dicts of one fixed-size element, each holding
    exactly the model's keys) encoded back to back, from one column per
    field (``itemgetter`` over the dicts: C loops, no call per item)."""
    fixed = array.element.fixed
    assert fixed is not None
    columns = [_column_of(flat, n, _raw_names(fixed.leaf(n)) if fixed.leaf(n).decoded is not None else None)
               for n in packer.names]
    # Each dict holds every key (itemgetter found them): so no more than
    # those when their lengths add up to that many.
    if sum(map(len, flat)) != len(flat) * len(packer.names):
        raise _Fallback
    data = _pack_columns(packer, columns)
    for offset, valid in packer.adapters:
        if data[offset::packer.item_size].translate(None, valid):
            raise _Fallback
    return data


def _column_of(dicts: list, name: str, raws: dict | None) -> list:
    if raws is not None:
        return list(map(raws.__getitem__, map(itemgetter(name), dicts)))  # a name, else KeyError: from_dict decides
    return _ints(list(map(itemgetter(name), dicts)))


def _raw_names(leaf) -> dict:
    """Adapter field (the location kind): its name -> raw value (names only:
    a number, or anything else, is left to from_dict)."""
    return {value.name: raw for raw, value in enumerate(leaf.decoded) if value is not None}


class _RecordPieces(dict):
    """counts of one record -> the struct format piece that encodes it:
    its own fields and counts with their codes, each inner array's items as
    one ``s`` field, reserved fields and pads as ``x`` (zero)."""

    def __init__(self, element: Element):
        super().__init__()
        self.element = element
        self.arrays = {part.name: k for k, part in enumerate(p for p in element.parts if isinstance(p, Array))}
        self.counts = {part.count_field: part.name for part in element.parts if isinstance(part, Array)}
        self.sizes: dict[tuple, int] = {}  #: counts -> the record's size in bytes
        for part in element.parts:
            if isinstance(part, Fixed):
                for leaf in part.leaves:
                    if leaf.name in element.names or leaf.name in self.counts:
                        continue
                    if leaf.expect is None or leaf.expected != bytes(leaf.size):
                        raise Unsupported(f"field {leaf.name!r} of a record has no value to build from")
            elif isinstance(part, Array) and part.element.fixed is None:
                raise Unsupported(f"{part.name}: variable-size items inside a record")

    def __missing__(self, counts: tuple) -> str:
        out: list[str] = []
        pos = 0
        for part in self.element.parts:
            if isinstance(part, Fixed):
                for leaf in part.leaves:
                    out.append(leaf.code if leaf.name in self.element.names or leaf.name in self.counts
                               else f"{leaf.size}x")
                pos += part.size
            elif isinstance(part, Array):
                fixed = part.element.fixed
                assert fixed is not None
                n = fixed.size * counts[self.arrays[part.name]]
                out.append(f"{n}s")
                pos += n
            elif isinstance(part, Pad):
                pad = -pos % part.alignment
                if pad:
                    out.append(f"{pad}x")
                pos += pad
        piece = self[counts] = "".join(out)
        self.sizes[counts] = pos
        return piece

    def order(self) -> list[str]:
        """What each record's values are, in the order of the encoding: a
        field's name, a count's field name, or an inner array's name."""
        out = []
        for part in self.element.parts:
            if isinstance(part, Fixed):
                out += [leaf.name for leaf in part.leaves
                        if leaf.name in self.element.names or leaf.name in self.counts]
            elif isinstance(part, Array):
                out.append(part.name)
        return out


@lru_cache(maxsize=None)
def _record_pieces(element: Element) -> _RecordPieces:
    return _RecordPieces(element)


class _Runs(dict):
    """count -> ``"{size * count}s"``: the struct piece that takes one
    record's run of items of ``size`` bytes."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __missing__(self, count: int) -> str:
        piece = self[count] = f"{self.size * count}s"
        return piece


def _pack_records(element: Element, byte_order: str, own: dict, inner: dict, n: int,
                  start: int) -> tuple[bytes, array]:
    """The records, from their own fields' columns (``own``) and each inner
    array's packed items and counts (``inner``): per chunk of records, one
    ``struct`` call cuts each inner array's items into the records' runs,
    and one more encodes the records (fields, counts, runs, zero pads).
    Also gives each record's offset, counted from ``start``."""
    parts, offsets = _pack_record_parts(element, byte_order, own, inner, n, start)
    return b"".join(parts), offsets


def _pack_record_parts(element: Element, byte_order: str, own: dict, inner: dict, n: int,
                       start: int) -> tuple[list[bytes], array]:
    """:func:`_pack_records`, the encoding left in its chunks (joined once,
    with whatever precedes the records, by the caller)."""
    pieces = _record_pieces(element)
    sizes = {p.name: p.element.fixed.size for p in element.parts if isinstance(p, Array) and p.element.fixed}
    runs = {name: _Runs(size) for name, size in sizes.items()}
    at = dict.fromkeys(sizes, 0)  # where the next chunk's items start, per inner array
    order = pieces.order()
    keys = list(zip(*(inner[name][1] for name in pieces.arrays)))
    out = []
    for i in range(0, n, _CHUNK):
        j = i + _CHUNK
        columns: list = []
        for name in order:
            if name in pieces.counts:
                columns.append(inner[pieces.counts[name]][1][i:j])
            elif name in inner:
                data, counts = inner[name]
                split = struct.Struct("<" + "".join(map(runs[name].__getitem__, counts[i:j])))
                columns.append(split.unpack_from(data, at[name]))
                at[name] += split.size
            else:
                columns.append(own[name][i:j])
        fmt = byte_order + "".join(map(pieces.__getitem__, keys[i:j]))
        out.append(struct.Struct(fmt).pack(*chain.from_iterable(zip(*columns))))
    offsets = array("Q", accumulate(map(pieces.sizes.__getitem__, keys), initial=start))
    offsets.pop()
    return out, offsets


def _exact_keys(dicts: list, names, extra) -> None:
    """Every dict has the model's keys (itemgetter raises KeyError when
    not) and nothing but them, or them plus the known extras."""
    if not dicts:
        return
    n = len(names)
    lengths_ = list(map(len, dicts))
    if lengths_.count(n) == len(lengths_):
        return
    if extra and set(lengths_) <= set(range(n, n + len(extra) + 1)):
        # Each dict holds the model's keys (itemgetter checks) and as many
        # of the extras as it has keys beyond them: counted in C loops.
        held = list(map(contains, dicts, repeat(extra[0])))
        for key in extra[1:]:
            held = list(map(add, held, map(contains, dicts, repeat(key))))
        if held == list(map(sub, lengths_, repeat(n))):
            return
    raise _Fallback


_INTEGER_CODES = frozenset("bBhHiIlLqQ")


def _pack_columns(packer: "ElementPacker", columns: list) -> bytes:
    """Items from one column per field (``packer.names``): each column is
    packed at once (``struct``, in the blob's byte order; a one-byte
    unsigned field by ``bytes``) and each byte of its values written into
    its strided place in the zeroed items (``bytearray`` slice assignment
    with a step: a plain C loop), so reserved fields stay zero; C loops
    only.  A value that does not fit raises ``struct.error`` (``ValueError``
    for a one-byte field)."""
    fixed = packer.element.fixed
    assert fixed is not None
    n = len(columns[0]) if columns else 0
    size = packer.item_size
    order = packer.item_struct.format[0]
    leaves = [fixed.leaf(name) for name in packer.names]
    if any(leaf.code not in _INTEGER_CODES for leaf in leaves):
        raise _Fallback  # (not in v3) a field that is not an integer: left to the other path
    out = bytearray(n * size)
    for leaf, column in zip(leaves, columns):
        if leaf.code == "B":
            out[leaf.offset::size] = bytes(column)
            continue
        data = struct.pack(f"{order}{n}{leaf.code}", *column)
        width = leaf.size
        for k in range(width):
            out[leaf.offset + k::size] = data[k::width]
    return bytes(out)


def pack_json_columns(packer: ElementPacker, own: dict[str, list],
                      inner: list[tuple[list[list], list[int]]], n: int) -> bytes | None:
    """``n`` records (little-endian) from columns: ``own`` maps each of the
    records' own fields to its column; ``inner`` gives, for each inner
    array (locations, live-outs) in the plan's order, one column per field
    of its items (``packer.inner_packers[k].names``' order; an adapter field
    as raw values) and each record's count of them.  The records must start
    8-aligned.  None when a value does not fit its field (the caller then
    reads the document the ordinary way, which names the problem).  The
    columns hold ints (made by ``int`` from the text), no bools."""
    try:
        packed: dict[str, tuple[bytes, list]] = {}
        for array, inner_packer, (columns, counts) in zip(packer.inner, packer.inner_packers, inner):
            data = _pack_columns(inner_packer, columns)
            for offset, valid in inner_packer.adapters:
                if data[offset::inner_packer.item_size].translate(None, valid):
                    return None
            packed[array.name] = (data, counts)
        order = layout("little").plan.header.struct.format[0]
        region, _ = _pack_records(packer.element, order, own, packed, n, 0)
        return region
    except (_Fallback, struct.error, OverflowError, ValueError, TypeError):
        return None
