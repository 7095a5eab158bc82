"""The layout of the v3 definition, read off the construct tree.

The fast path never restates the format.  :func:`plan` walks the construct
built by :func:`~stackmap_construct.format.v3.stackmap_format` and turns
each node into a small description the fast code can use in bulk:

* a run of consecutive fixed-size leaves (``FormatField``, possibly inside
  ``Expect``, ``Rebuild`` or an adapter such as ``KindAdapter``) becomes a
  :class:`Fixed` part with one precompiled :class:`struct.Struct`;
* ``Items`` becomes an :class:`Array` of an :class:`Element`;
* ``AlignPad`` becomes a :class:`Pad`;
* ``Model`` gives the :class:`Element` its dataclass and field names.

The checks are derived too: an ``Expect`` leaf contributes the bytes it
must hold (``expected``), an adapter leaf the table of its valid raw values
(found by asking the adapter to decode every value of its field).  Anything
the walker does not recognise raises :class:`Unsupported`, and the caller
then uses the construct path alone.
"""

from __future__ import annotations

from ...endian import struct_prefix

import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

# (A Fixed part's field is named ``struct``: the annotation needs another name.)
_Struct = struct.Struct

from construct import Adapter, Construct, FormatField, Rebuild, Struct

from ...errors import PaddingError, ReservedFieldError, StackMapError
from ..constructs import AlignPad, Expect, Items, Model, unwrap
from ..v3 import stackmap_format


class Unsupported(Exception):
    """The definition holds a construct the fast path cannot derive."""


@dataclass(frozen=True)
class Leaf:
    """One fixed-size field."""

    name: str  #: field name ("" for the bare item of an Items, e.g. a constant)
    offset: int  #: byte offset inside its Fixed part
    size: int  #: bytes
    code: str  #: struct format character of the FormatField ("B", "H", "L", "Q", "l")
    expect: Expect | None  #: the Expect node when the field must hold one value
    expected: bytes | None  #: the encoded bytes that value must have
    adapter: Adapter | None  #: a value adapter (KindAdapter), None for plain ints
    valid: bytes | None  #: for an adapter: raw values it accepts, as a 0/1 byte table
    decoded: tuple | None  #: for an adapter: decoded value per raw value (None where invalid)
    rebuild: bool  #: a count rebuilt from a list's length
    signed: bool  #: the FormatField is signed
    doc: str = ""  #: the field's one-line doc from the definition
    role: str = "value"  #: "value", "count", "reserved" or "padding"


@dataclass(frozen=True)
class Fixed:
    """Consecutive fixed-size leaves."""

    leaves: tuple[Leaf, ...]
    size: int
    struct: _Struct  #: unpacks every leaf, in order

    def leaf(self, name: str) -> Leaf:
        for leaf in self.leaves:
            if leaf.name == name:
                return leaf
        raise KeyError(name)

    def fields_struct(self, names: tuple[str, ...]) -> _Struct:
        """A Struct over this part that unpacks the named leaves, in the
        part's order, and skips the others."""
        endian = self.struct.format[0]
        codes = "".join(leaf.code if leaf.name in names else f"{leaf.size}x" for leaf in self.leaves)
        return struct.Struct(endian + codes)


@dataclass(frozen=True)
class Pad:
    name: str
    alignment: int
    doc: str = ""


@dataclass(frozen=True)
class Array:
    name: str
    count_field: str
    min_size: int
    element: "Element"
    node: Items
    doc: str = ""


Part = Union[Fixed, Pad, Array]


@dataclass(frozen=True)
class Element:
    """What one Model (or a bare leaf) is made of."""

    cls: type | None  #: the model dataclass; None for a bare leaf (a constant)
    names: tuple[str, ...]  #: the dataclass's fields, in order
    parts: tuple[Part, ...]
    node: Construct  #: the construct of one element (for the construct fallback)

    @property
    def fixed(self) -> Fixed | None:
        """The single Fixed part when the element has a fixed size."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Fixed):
            return self.parts[0]
        return None

    def array(self, name: str) -> Array:
        for part in self.parts:
            if isinstance(part, Array) and part.name == name:
                return part
        raise KeyError(name)

    def model_leaves(self) -> tuple[Leaf, ...]:
        """The leaves of a fixed element that are fields of its model, in
        the model's order."""
        fixed = self.fixed
        assert fixed is not None
        if self.cls is None:
            return fixed.leaves
        return tuple(fixed.leaf(n) for n in self.names)


@dataclass(frozen=True)
class Plan:
    endian: str
    top: Element  #: the whole blob
    header: Fixed  #: the blob's first part (version, reserved fields, counts)
    arrays: tuple[Array, ...]  #: what follows the header, in order

    def array(self, name: str) -> Array:
        for array in self.arrays:
            if array.name == name:
                return array
        raise KeyError(name)




def _probe(adapter: Adapter, field: FormatField) -> tuple[bytes, tuple]:
    """Which raw values ``adapter`` accepts, and what it decodes them to."""
    size = field.sizeof()
    if size > 2:
        raise Unsupported("adapter over a field wider than 16 bits")
    valid = bytearray(1 << (8 * size))
    decoded: list[Any] = [None] * len(valid)
    for raw in range(len(valid)):
        try:
            decoded[raw] = adapter._decode(raw, None, "")
        except (StackMapError, ValueError):
            continue
        valid[raw] = 1
    return bytes(valid), tuple(decoded)


def _role(expect: Expect | None, rebuild: bool) -> str:
    if rebuild:
        return "count"
    if expect is not None:
        return {ReservedFieldError: "reserved", PaddingError: "padding"}.get(expect.error, "value")
    return "value"


def _leaf(name: str, node: Construct, offset: int, doc: str = "") -> Leaf | None:
    """A Leaf for ``node``, or None when ``node`` is not a fixed-size leaf."""
    expect = adapter = None
    rebuild = False
    inner = node
    if isinstance(inner, Expect):
        expect, inner = inner, inner.subcon
    elif isinstance(inner, Rebuild):
        rebuild, inner = True, inner.subcon
    elif isinstance(inner, Adapter) and not isinstance(inner, Model):
        adapter, inner = inner, inner.subcon
    if not isinstance(inner, FormatField):
        return None
    fmt = inner.fmtstr
    code = fmt[1]
    if code not in "BHLQbhlq":
        raise Unsupported(f"field format {fmt!r}")
    size = struct.calcsize(fmt)
    expected = struct.pack(fmt, expect.value) if expect is not None else None
    valid = decoded = None
    if adapter is not None:
        valid, decoded = _probe(adapter, inner)
    return Leaf(name, offset, size, code, expect, expected, adapter, valid, decoded, rebuild, code.islower(),
                doc, _role(expect, rebuild))


def _fixed(leaves: list[Leaf], endian: str) -> Fixed:
    size = sum(leaf.size for leaf in leaves)
    return Fixed(tuple(leaves), size, struct.Struct(endian + "".join(leaf.code for leaf in leaves)))


def _element(node: Construct, endian: str) -> Element:
    node = unwrap(node)
    if isinstance(node, Model):
        block = unwrap(node.subcon)
        if not isinstance(block, Struct):
            raise Unsupported("Model over something other than a Block")
        return Element(node.cls, node.names, _parts(block, endian), node)
    leaf = _leaf("", node, 0)
    if leaf is None:
        raise Unsupported(f"array item {type(node).__name__}")
    return Element(None, (), (_fixed([leaf], endian),), node)


def _parts(block: Struct, endian: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    run: list[Leaf] = []
    offset = 0
    for member in block.subcons:
        name = member.name
        node = unwrap(member)
        doc = member.docs or ""
        leaf = _leaf(name, node, offset, doc)
        if leaf is not None:
            run.append(leaf)
            offset += leaf.size
            continue
        if run:
            parts.append(_fixed(run, endian))
            run, offset = [], 0
        if isinstance(node, Items):
            parts.append(Array(name, node.count_field, node.min_size, _element(node.subcon, endian), node, doc))
        elif isinstance(node, AlignPad):
            parts.append(Pad(name, node.alignment, doc))
        else:
            raise Unsupported(f"member {name!r}: {type(node).__name__}")
    if run:
        parts.append(_fixed(run, endian))
    return tuple(parts)


@lru_cache(maxsize=None)
def plan(endian: str) -> Plan:
    """The derived layout of :func:`stackmap_format` in ``endian`` order."""
    top = _element(stackmap_format(endian), struct_prefix(endian))
    header, *rest = top.parts
    arrays = tuple(a for a in rest if isinstance(a, Array))
    if not isinstance(header, Fixed) or len(arrays) != len(rest):
        raise Unsupported("a blob is expected to be a fixed header followed by arrays")
    return Plan(endian, top, header, arrays)
