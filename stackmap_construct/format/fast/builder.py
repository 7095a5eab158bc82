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

import struct
from functools import lru_cache
from itertools import chain, islice
from operator import attrgetter, itemgetter
from typing import Any, Callable, Iterable

from .lazy import RecordList
from .parser import layout
from .plan import Array, Element, Fixed, Pad, Unsupported


class _Fallback(Exception):
    """Leave this stackmap to the construct path."""


_CHUNK = 4096  # items per Struct.pack call when packing a long list


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

    # -- variable-size items (records) ------------------------------------
    def _init_variable(self, element: Element, endian: str) -> None:
        if element.cls is None:
            raise Unsupported("a variable-size item without a model class")
        cls_name = element.cls.__name__
        inner: list[Array] = [p for p in element.parts if isinstance(p, Array)]
        self.inner = inner
        self.inner_packers = [ElementPacker(a.element, endian) for a in inner]
        self.inner_getters = [attrgetter(a.name) for a in inner]
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
    out = bytearray(plan.header.struct.pack(*args))
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
                data = struct.pack(f"{plan.header.struct.format[0]}{len(items)}{leaf.code}", *items)
            out += data
            pos += len(data)
            continue
        pos = _build_records(items, packer, pos, out, endian)
    return bytes(out)


def _build_records(items, packer: ElementPacker, pos: int, out: bytearray, endian: str) -> int:
    ap = out.extend
    index = items.blob_index if isinstance(items, RecordList) else None
    if index is None:
        return packer.pack_records(items if type(items) in (list, tuple) else list(items), pos, ap)
    if index.start % 8 or pos % 8 or index.endian != endian:
        return packer.pack_records(list(items), pos, ap)
    # Copy the runs of records never made into objects; encode the ones
    # that were (they may have been changed).
    cache = items.materialized()
    made = sorted(cache)
    offsets, buf, end = index.offsets, index.buf, index.end
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
    if column and set(map(type, column)) != {int}:
        raise _Fallback  # a bool, a float, a string...: from_dict says what is wrong
    return column


def _raw_values(leaf) -> dict:
    """Adapter field (the location kind): name or number -> raw value."""
    out: dict = {}
    for raw, value in enumerate(leaf.decoded):
        if value is not None:
            out[value.name] = raw
            out[int(value)] = raw
    return out


#: keys the plain-data form may carry besides the model's fields (dump's
#: JSON: each function's symbol, each record's address, the byte order)
EXTRA_KEYS = {"records": ("address",), "functions": ("symbol",)}


def build_plain_data(doc, endian: str) -> bytes | None:
    """The blob of a plain-data dict (``to_dict``'s form, or one entry of
    dump's JSON), with no model object made; None when anything is unusual
    (the caller then goes through ``from_dict``, which names the problem)."""
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
        records_array = next(a for a in plan.arrays if a.element.fixed is None)
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
        args = []
        for inner, inner_packer in zip(packer.inner, packer.inner_packers):
            lists = list(map(itemgetter(inner.name), records))
            if set(map(type, lists)) - {list}:
                return None
            flat = list(chain.from_iterable(lists))
            if set(map(type, flat)) - {dict}:
                return None
            inner_names = inner_packer.names
            _exact_keys(flat, inner_names, ())
            columns = []
            for name in inner_names:
                column = list(map(itemgetter(name), flat))
                leaf = inner.element.fixed.leaf(name)
                if leaf.decoded is not None:
                    raws = _raw_values(leaf)
                    if set(map(type, column)) - {str, int}:
                        return None
                    column = list(map(raws.__getitem__, column))
                columns.append(_ints(column))
            args += [lists, _pack_columns(inner_packer, columns)]
        heads = [n for n in names if n not in packer.inner_getters_names]
        Head = _head_type(tuple(heads))
        columns = [_ints(list(map(itemgetter(n), records))) for n in heads]
        items = list(map(Head._make, zip(*columns))) if heads else [Head() for _ in records]
        packer.pack(items, *args, len(out), out.extend)
        return bytes(out)
    except (_Fallback, KeyError, struct.error, TypeError, ValueError, OverflowError):
        return None


def _exact_keys(dicts: list, names, extra) -> None:
    """Every dict has the model's keys (itemgetter raises KeyError when
    not) and nothing but them, or them plus the known extras."""
    if not dicts:
        return
    lengths = set(map(len, dicts))
    n = len(names)
    if lengths == {n}:
        return
    if extra and lengths <= set(range(n, n + len(extra) + 1)):
        allowed = set(names) | set(extra)
        if all(d.keys() <= allowed for d in dicts if len(d) != n):
            return
    raise _Fallback


@lru_cache(maxsize=None)
def _head_type(names: tuple[str, ...]):
    from collections import namedtuple

    return namedtuple("RecordHead", names)


def _pack_columns(packer: "ElementPacker", columns: list[list]) -> bytes:
    fmt = packer.item_struct.format
    n = len(columns[0]) if columns else 0
    values = chain.from_iterable(zip(*columns))
    out = []
    for i in range(0, n - n % _CHUNK, _CHUNK):
        out.append(packer._chunk.pack(*islice(values, _CHUNK * len(columns))))
    rest = n % _CHUNK
    if rest:
        out.append(struct.pack(fmt[0] + fmt[1:] * rest, *values))
    return b"".join(out)
