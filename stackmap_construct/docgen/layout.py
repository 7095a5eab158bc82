"""What the construct definition of :mod:`stackmap_construct.format.v3` says,
as plain data for the documentation generators.

:func:`describe` reads the one description of the layout
(:func:`~stackmap_construct.format.fast.plan.plan`, derived from the
construct tree, in both byte orders) and returns one :class:`Block` per
model class in spec order, with every field's name, one-line doc, integer
type, byte order sensitivity, size, offset within the block, and constraint
(a fixed value, a pad, a count, an array, the location kind).  The JSON Schema, the Kaitai
Struct spec and the tables of ``docs/format.md`` are all rendered from it.

Anything in the definition this module does not understand is a
:class:`DocGenError`, never a silently missing row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field as dc_field
from functools import lru_cache
from typing import Any, Optional

from construct import Construct

from ..format.fast.plan import Array, Element, Leaf, Pad, Unsupported, describe_node, plan


class DocGenError(Exception):
    """The definition (or a hand-written file around the generated parts)
    is not what the documentation generator can describe."""


# -- types -------------------------------------------------------------------

_INT_NAMES = {"B": "u8", "H": "u16", "L": "u32", "Q": "u64", "b": "i8", "h": "i16", "l": "i32", "q": "i64"}


@dataclass(frozen=True)
class IntType:
    """A fixed-size integer of the definition (a construct ``FormatField``)."""

    name: str  #: u8, u16, u32, u64, i32
    size: int
    signed: bool
    #: True when the bytes depend on the ``endian`` parameter (size > 1).
    endian_dependent: bool

    @property
    def minimum(self) -> int:
        return -(1 << (8 * self.size - 1)) if self.signed else 0

    @property
    def maximum(self) -> int:
        return (1 << (8 * self.size - 1)) - 1 if self.signed else (1 << (8 * self.size)) - 1


def _int_type(little: Leaf, big: Leaf) -> IntType:
    code = little.code
    if code not in _INT_NAMES or big.code != code:
        raise DocGenError(f"unknown integer format {little.fmt!r}")
    return IntType(_INT_NAMES[code], little.size, little.signed, little.fmt != big.fmt and little.size > 1)


# -- blocks and fields ---------------------------------------------------------


@dataclass
class Field:
    """One member of a Block, as the documentation shows it."""

    name: str
    doc: str
    #: "int" (a plain value), "expect" (one fixed value), "count" (rebuilt
    #: from a list's length), "kind" (the location kind enum), "array",
    #: "pad" (alignment padding).
    role: str
    construct: Construct  #: the unwrapped construct (little-endian definition)
    int_type: Optional[IntType] = None  #: the integer (for arrays: of the element, if an integer)
    expect_value: Optional[int] = None
    expect_error: Optional[str] = None  #: the StackMapError subclass raised on a mismatch
    expect_what: Optional[str] = None  #: "reserved field", "padding", "stackmap version"
    counts: Optional[str] = None  #: for a count: the array whose length it is
    count_field: Optional[str] = None  #: for an array: the count field
    element: Optional["Block"] = None  #: for an array of blocks
    min_item_size: Optional[int] = None  #: for an array: Items.min_size as declared in v3.py
    alignment: Optional[int] = None  #: for a pad
    #: for the kind: the values the adapter accepts and what it decodes them to
    #: (an enum member), asked of the adapter itself
    enum_values: Optional[dict[int, Any]] = None
    #: the StackMapError subclass the definition raises for a bad kind or a non-zero pad
    error: Optional[str] = None
    pad_rule: Optional[str] = None  #: for a pad: when it occurs, in words
    size: Optional[int] = None  #: fixed size in bytes, None when variable
    size_text: str = ""
    offset: Optional[int] = None  #: offset within the block, None when variable
    #: offset within the block in words: "16", "16 + 12 × `num_locations`", "variable"
    offset_text: str = "variable"
    in_model: bool = False  #: part of the model / plain-data (JSON) form

    @property
    def int_of(self) -> IntType:
        """:attr:`int_type`, for a field that must have one (an integer, or
        an array of integers); a :class:`DocGenError` otherwise."""
        if self.int_type is None:
            raise DocGenError(f"{self.name}: a {self.role or 'field'} without an integer type")
        return self.int_type

    @property
    def item_size(self) -> Optional[int]:
        """For an array: the size of one item, None when items vary."""
        return self.element.size if self.element is not None else self.int_of.size

    @property
    def item_min_size(self) -> int:
        """For an array: the size of the smallest item."""
        return self.element.min_size if self.element is not None else self.int_of.size

    @property
    def pad_alignment(self) -> int:
        """For a pad: the alignment it pads to."""
        if self.alignment is None:
            raise DocGenError(f"{self.name}: a pad without an alignment")
        return self.alignment


@dataclass
class Block:
    """One Struct of the definition mapped onto a model class (``Model``)."""

    name: str  #: the model class name: StackMap, Function, Record, Location, LiveOut
    doc: str  #: the model class docstring
    model_cls: type
    model_names: tuple[str, ...]  #: attribute names of the model class, in order
    fields: list[Field] = dc_field(default_factory=list)
    size: Optional[int] = None  #: fixed size, or None
    min_size: int = 0
    ends_aligned: bool = False  #: the block's size is always a multiple of its alignment
    alignment: Optional[int] = None

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)




def _kinds(f: Field, leaf: Leaf) -> tuple[dict[int, Any], str]:
    """Every value the kind adapter accepts (what it decodes them to), and
    the error it raises for one it does not: as the description probed them."""
    assert leaf.valid is not None and leaf.decoded is not None
    values = {n: leaf.decoded[n] for n in range(len(leaf.valid)) if leaf.valid[n]}
    if not values or leaf.invalid_error is None:
        raise DocGenError(f"{f.name}: the kind adapter accepts {'no' if not values else 'every'} value")
    return values, leaf.invalid_error.__name__


# Position of a field inside its block, modulo the alignment, as an affine
# function of the counts: const + sum(coef[count] * count).
@dataclass(frozen=True)
class _Affine:
    const: int
    coefs: tuple[tuple[str, int], ...] = ()

    def plus(self, n: int, count: Optional[str] = None) -> "_Affine":
        if count is None:
            return _Affine(self.const + n, self.coefs)
        coefs = dict(self.coefs)  # keeps the order of the fields
        coefs[count] = coefs.get(count, 0) + n
        return _Affine(self.const, tuple(coefs.items()))

    def text(self) -> str:
        terms = [str(self.const)] if self.const or not self.coefs else []
        terms += [f"{k} × `{c}`" for c, k in self.coefs]
        return " + ".join(terms)

    def at(self, counts: dict[str, int]) -> int:
        return self.const + sum(k * counts[c] for c, k in self.coefs)


def _pad_rule(pos: _Affine, alignment: int) -> tuple[str, int, list[int]]:
    """Words for when an alignment pad occurs at ``pos`` (relative to an
    aligned block start), its largest size, and its possible sizes."""
    names = [c for c, _ in pos.coefs]
    table = {}
    for values in itertools.product(range(alignment), repeat=len(names)):
        counts = dict(zip(names, values))
        table[values] = -pos.at(counts) % alignment
    sizes = sorted(set(table.values()))
    if len(sizes) == 1:
        n = sizes[0]
        return (f"always {n} bytes" if n else "never present (the field is always aligned here)"), n, sizes
    if len(names) == 1 and all(table[(v,)] == table[(v % 2,)] for v in range(alignment)):
        name = names[0]
        odd, even = table[(1,)], table[(0,)]
        if even == 0:
            return f"{odd} bytes when `{name}` is odd, otherwise absent", odd, sizes
        if odd == 0:
            return f"{even} bytes when `{name}` is even (0 included), otherwise absent", even, sizes
        return f"{odd} bytes when `{name}` is odd, {even} when it is even", max(odd, even), sizes
    terms = " + ".join([str(pos.const)] + [f"{k}·{c}" for c, k in pos.coefs])
    return f"(−({terms})) mod {alignment} bytes", max(sizes), sizes


def _element(node: Element | Construct, endian: str) -> Element:
    """``node`` as the layout description has it (a construct is described
    on the spot: a small definition of a test)."""
    if isinstance(node, Element):
        return node
    try:
        return describe_node(node, endian)
    except Unsupported as e:
        raise DocGenError(f"docgen does not know {e}; teach stackmap_construct/format/fast/plan.py") from None


def _describe_block(little: Element | Construct, big: Element | Construct, blocks: dict[str, Block]) -> Block:
    little, big = _element(little, "little"), _element(big, "big")
    cls = little.cls
    if cls is None:
        raise DocGenError("expected a model over a block, found a bare field")
    doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
    block = Block(cls.__name__, doc, cls, tuple(little.names))
    offset: Optional[int] = 0
    exact: Optional[_Affine] = _Affine(0)  # offset as a function of the counts, while known
    pos: Optional[_Affine] = _Affine(0)
    counts: dict[str, str] = {}  # count field -> array
    arrays_counted: dict[str, str] = {}  # array -> count field
    lengths: dict[str, Optional[str]] = {}  # count field -> the array its rebuild measures
    for lm, bm in zip(little.members(), big.members()):
        name = lm.name
        if not name:
            raise DocGenError(f"{block.name}: an unnamed member cannot be documented")
        doc = lm.doc
        if not doc:
            raise DocGenError(f"{block.name}.{name} has no doc (add `* \"...\"` in format/v3.py)")
        f = Field(name, doc, "", lm.node, in_model=name in block.model_names)
        if isinstance(lm, Leaf) and isinstance(bm, Leaf):
            f.role = lm.kind
            f.int_type = _int_type(lm, bm)
            if lm.expect is not None:
                f.expect_value, f.expect_error, f.expect_what = lm.expect.value, lm.expect.error.__name__, lm.expect.what
            elif lm.rebuild:
                lengths[name] = lm.length_of
            elif lm.adapter is not None:
                f.enum_values, f.error = _kinds(f, lm)
        elif isinstance(lm, Array) and isinstance(bm, Array):
            f.role = "array"
            f.count_field = lm.count_field
            f.min_item_size = lm.min_size
            if lm.count_field not in [g.name for g in block.fields] or block.field(lm.count_field).role != "count":
                raise DocGenError(f"{block.name}.{name}: its count {lm.count_field!r} is not an earlier count field")
            arrays_counted[name] = lm.count_field
            if lm.element.cls is not None:
                key = lm.element.cls.__name__
                if key not in blocks:
                    blocks[key] = _describe_block(lm.element, bm.element, blocks)
                f.element = blocks[key]
                item_size, item_min = f.element.size, f.element.min_size
            else:
                assert lm.element.leaf is not None and bm.element.leaf is not None
                f.int_type = _int_type(lm.element.leaf, bm.element.leaf)
                item_size = item_min = f.int_type.size
            if item_min != lm.min_size:
                raise DocGenError(
                    f"{block.name}.{name}: format/v3.py declares {lm.min_size} bytes as the smallest item, "
                    f"but the layout's smallest item is {item_min} bytes"
                )
            if item_size is not None:
                f.size_text = f"{item_size} × `{lm.count_field}`"
            else:
                f.size_text = f"variable (≥ {item_min} each)"
        elif isinstance(lm, Pad):
            f.role = "pad"
            f.alignment = lm.alignment
            if lm.error is None:
                raise DocGenError(f"{f.name}: a non-zero pad is not refused")
            f.error = lm.error.__name__
            if pos is None:
                raise DocGenError(f"{block.name}.{name}: alignment after a variable-size array of variable-size items")
            f.pad_rule, most, sizes = _pad_rule(pos, lm.alignment)
            f.size_text = " or ".join(str(s) for s in sizes)
        else:
            raise DocGenError(f"{block.name}.{name}: the two byte orders of the definition differ")
    # size, offset, position
        f.offset = offset
        f.offset_text = exact.text() if exact is not None else "variable"
        if f.role in ("int", "expect", "count", "kind"):
            f.size = f.int_of.size
            f.size_text = str(f.size)
            pos = pos.plus(f.size) if pos is not None else None
            exact = exact.plus(f.size) if exact is not None else None
            offset = offset + f.size if offset is not None else None
        elif f.role == "array":
            item_size = f.item_size
            if item_size is None:
                pos = exact = None
            else:
                pos = pos.plus(item_size, f.count_field) if pos is not None else None
                exact = exact.plus(item_size, f.count_field) if exact is not None else None
            offset = None
        else:  # pad: aligned afterwards
            pos = _Affine(0)
            exact = None
            offset = None
        block.fields.append(f)
    for name, count in arrays_counted.items():
        counts[count] = name
    for f in block.fields:
        if f.role == "count":
            if f.name not in counts:
                raise DocGenError(f"{block.name}.{f.name} is rebuilt but counts no array")
            f.counts = counts[f.name]
            # The Rebuild must be the length of that array: check it.
            if lengths.get(f.name) != counts[f.name]:
                raise DocGenError(f"{block.name}.{f.name} is not rebuilt as len({counts[f.name]})")
    missing = [n for n in block.model_names if n not in [f.name for f in block.fields]]
    if missing:
        raise DocGenError(f"{block.name}: model attributes {missing} are not fields of the definition")
    _sizes(block)
    return block


def _sizes(block: Block) -> None:
    """Fixed size, smallest size and end alignment of ``block``."""
    sizes = [f.size for f in block.fields]
    if all(n is not None for n in sizes):
        block.size = block.min_size = sum(n for n in sizes if n is not None)
        return
    last_pad = next((f for f in reversed(block.fields) if f.role == "pad"), None)
    block.ends_aligned = block.fields[-1].role == "pad"
    block.alignment = last_pad.alignment if last_pad else None
    # Smallest size over small counts (padding makes the size non-monotonic).
    counts = [f.name for f in block.fields if f.role == "count"]
    block.min_size = min(_size_for(block, dict(zip(counts, values)))
                         for values in itertools.product(range(8), repeat=len(counts)))


def _size_for(block: Block, counts: dict[str, int]) -> int:
    pos = 0
    for f in block.fields:
        if f.size is not None:
            pos += f.size
        elif f.role == "array":
            pos += f.item_min_size * counts[f.count_field or ""]
        elif f.role == "pad":
            pos += -pos % f.pad_alignment
    return pos


@lru_cache(maxsize=None)
def describe() -> tuple[Block, ...]:
    """Every Block of the definition, in spec order (depth first)."""
    blocks: dict[str, Block] = {}
    try:
        little, big = plan("little"), plan("big")
    except Unsupported as e:
        raise DocGenError(f"the definition holds what the layout description does not know: {e}") from None
    top = _describe_block(little.top, big.top, blocks)
    order = [top]
    seen = {top.name}

    def visit(b: Block):
        for f in b.fields:
            if f.element and f.element.name not in seen:
                seen.add(f.element.name)
                order.append(f.element)
                visit(f.element)

    visit(top)
    _check_alignment(top)
    return tuple(order)


def _check_alignment(top: Block) -> None:
    """An AlignPad counts from the start of the blob; the pad rules above
    count from the start of their block.  They agree when every block with
    a pad starts aligned: check that each array of such blocks does."""

    def visit(b: Block, start_aligned: bool):
        pos: Optional[_Affine] = _Affine(0)
        for f in b.fields:
            if f.role == "array" and f.element is not None:
                align = max((g.pad_alignment for g in f.element.fields if g.role == "pad"), default=None)
                if align is not None:
                    aligned = start_aligned and pos is not None and all(
                        n % align == 0 for n in (pos.const, *(k for _, k in pos.coefs)))
                    if not aligned:
                        raise DocGenError(f"{b.name}.{f.name}: items with alignment padding may start unaligned")
                    if not (f.element.ends_aligned and (f.element.alignment or 0) % align == 0):
                        raise DocGenError(f"{f.element.name}: does not end aligned, so the next item may start unaligned")
                visit(f.element, start_aligned and pos is not None and pos.const % 8 == 0)
            if pos is None:
                continue
            if f.size is not None:
                pos = pos.plus(f.size)
            elif f.role == "array":
                size = f.item_size
                pos = pos.plus(size, f.count_field) if size is not None else None
            elif f.role == "pad":
                pos = _Affine(0)

    visit(top, True)
