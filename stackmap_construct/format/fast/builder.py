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

import struct
from functools import lru_cache
from itertools import chain
from operator import attrgetter
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
        out[array.name] = ElementPacker(array.element, "<" if endian == "little" else ">")
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
    if not isinstance(items, RecordList) or items._items is not None:
        return packer.pack_records(items if type(items) in (list, tuple) else list(items), pos, ap)
    index = items._blob
    if index.start % 8 or pos % 8 or index.endian != endian:
        return packer.pack_records(list(items), pos, ap)
    # Copy the runs of records never made into objects; encode the ones
    # that were (they may have been changed).
    made = sorted(items._cache)
    offsets, buf, end = index.offsets, index.buf, index.end
    start = 0
    for i in made + [index.count]:
        if i > start:
            stop = offsets[i] if i < index.count else end
            ap(buf[offsets[start]:stop])
            pos += stop - offsets[start]
        if i < index.count:
            pos = packer.pack_records([items._cache[i]], pos, ap)
        start = i + 1
    return pos
