"""The one description of the v3 layout, read off the construct tree.

Nothing else restates the format, and nothing else looks at construct
classes: :func:`plan` walks the construct built by
:func:`~stackmap_construct.format.v3.stackmap_format` once and turns each
node into a small description that every consumer reads (the fast parser
and builder, the columnar view, explain's walks, the documentation
generators, the test-map generator):

* a run of consecutive fixed-size leaves (``FormatField``, possibly inside
  ``Expect``, ``Rebuild`` or an adapter such as ``KindAdapter``) becomes a
  :class:`Fixed` part with one precompiled :class:`struct.Struct`;
* ``Items`` becomes an :class:`Array` of an :class:`Element`;
* ``AlignPad`` becomes a :class:`Pad`;
* ``Model`` gives the :class:`Element` its dataclass and field names.

The checks are derived too: an ``Expect`` leaf contributes the value and
the bytes it must hold and the error it raises, an adapter leaf the table
of its valid raw values and the error for the others (found by asking the
adapter to decode every value of its field), a ``Rebuild`` the array whose
length it is, a pad the error it raises when not zero (asked of the pad
itself).  Each item keeps its construct (``node``), so the reference walker
can parse field by field with the definition's own code.  Anything the
walker does not recognise raises :class:`Unsupported`.

Start-up: the description holds no construct objects of its own (the
Expect's facts as an :class:`Expectation`, an adapter by its name, each
item's construct behind ``node``), so it is shipped ready-made in
``_plan_cache.py`` with the record scanners :mod:`.codegen` makes from it.
:func:`plan` reads that file when the CRC-32s of the sources it was made
from (:data:`CACHE_SOURCES`) match those installed, and derives the
description from the construct tree otherwise (:func:`derive`): a stale
cache is never used.  A cached item's ``node`` is found in the derived
plan when first asked for, so construct is imported only then.
``python3 scripts/plan_cache.py`` rewrites the file;
tests/test_plan_cache.py checks it is current and equal to a derivation.
"""

from __future__ import annotations

from ...endian import struct_prefix

import os
import struct
import zlib
from enum import Enum
from functools import lru_cache
import io

TYPE_CHECKING = False

# (A Fixed part's field is named ``struct``: the annotation needs another name.)
_Struct = struct.Struct

from ...errors import PaddingError, ReservedFieldError, StackMapError
from ...frozen import Frozen, _fill

if TYPE_CHECKING:
    from typing import Any, Iterator

    from construct import Adapter, Construct, FormatField, Rebuild, Struct

    from ..constructs import AlignPad, Expect, Items


class Unsupported(Exception):
    """The definition holds a construct the fast path cannot derive."""


# The description's classes are Frozen (:mod:`stackmap_construct.frozen`),
# not dataclasses: compared, hashed and printed by their fields, without
# code generated for each class at import (start-up).

class Expectation(Frozen):
    """What an ``Expect`` node of the definition says: the one value its
    field must hold, the error it raises otherwise, and how it names the
    field in that error."""

    __slots__ = ("value", "error", "what")
    value: int
    error: type[StackMapError]
    what: str

    def __init__(self, value: int, error: type[StackMapError], what: str):
        _fill(self, value, error, what)


class Leaf(Frozen):
    """One fixed-size field."""

    __slots__ = ("name", "offset", "size", "code", "expect", "expected", "adapter", "valid", "decoded", "rebuild",
                 "signed", "doc", "role", "ref", "fmt", "invalid_error", "length_of")
    _uncompared = ("ref",)
    name: str  #: field name ("" for the bare item of an Items, e.g. a constant)
    offset: int  #: byte offset inside its Fixed part
    size: int  #: bytes
    code: str  #: struct format character of the FormatField ("B", "H", "L", "Q", "l")
    expect: Expectation | None  #: what the Expect node says when the field must hold one value
    expected: bytes | None  #: the encoded bytes that value must have
    adapter: str | None  #: the class name of a value adapter ("KindAdapter"), None for plain ints
    valid: bytes | None  #: for an adapter: raw values it accepts, as a 0/1 byte table
    decoded: tuple | None  #: for an adapter: decoded value per raw value (None where invalid)
    rebuild: bool  #: a count rebuilt from a list's length
    signed: bool  #: the FormatField is signed
    doc: str  #: the field's one-line doc from the definition
    role: str  #: "value", "count", "reserved" or "padding"
    ref: Any  #: the field's construct, or where to find it (see :attr:`node`); not compared
    fmt: str  #: the FormatField's full struct format, byte order included ("<H")
    invalid_error: type | None  #: for an adapter: the error it raises for a raw value it refuses
    length_of: str | None  #: for a count: the array of its block whose length it is rebuilt from

    def __init__(self, name: str, offset: int, size: int, code: str, expect: Expectation | None,
                 expected: bytes | None, adapter: str | None, valid: bytes | None, decoded: tuple | None,
                 rebuild: bool, signed: bool, doc: str = "", role: str = "value", ref: Any = None, fmt: str = "",
                 invalid_error: type | None = None, length_of: str | None = None):
        _fill(self, name, offset, size, code, expect, expected, adapter, valid, decoded, rebuild, signed, doc, role,
              ref, fmt, invalid_error, length_of)

    @property
    def node(self) -> Construct:
        """The field's construct (without name wrappers), for the reference walker."""
        return _resolve(self.ref)

    @property
    def kind(self) -> str:
        """What the definition makes of the field: "expect" (one fixed
        value), "count" (rebuilt from a list's length), "kind" (a value
        adapter) or "int" (a plain integer)."""
        if self.expect is not None:
            return "expect"
        if self.rebuild:
            return "count"
        if self.adapter is not None:
            return "kind"
        return "int"


class Fixed(Frozen):
    """Consecutive fixed-size leaves."""

    __slots__ = ("leaves", "size", "struct")
    #: (a Struct is equal only to itself: ``struct``, made from the leaves'
    #: formats, is compared through them)
    _uncompared = ("struct",)
    leaves: tuple[Leaf, ...]
    size: int
    struct: _Struct  #: unpacks every leaf, in order

    def __init__(self, leaves: tuple[Leaf, ...], size: int, struct: _Struct):
        _fill(self, leaves, size, struct)

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
        return _Struct(endian + codes)


class Pad(Frozen):
    __slots__ = ("name", "alignment", "doc", "ref", "error", "role")
    _uncompared = ("ref",)
    name: str
    alignment: int
    doc: str
    ref: Any  #: the AlignPad, or where to find it; not compared
    error: type | None  #: the error raised for a non-zero pad (None: not refused)
    role: str

    def __init__(self, name: str, alignment: int, doc: str = "", ref: Any = None, error: type | None = None,
                 role: str = "padding"):
        _fill(self, name, alignment, doc, ref, error, role)

    @property
    def node(self) -> AlignPad:
        """The AlignPad, for the reference walker."""
        return _resolve(self.ref)


class Array(Frozen):
    __slots__ = ("name", "count_field", "min_size", "element", "ref", "doc")
    _uncompared = ("ref",)
    name: str
    count_field: str
    min_size: int
    element: Element
    ref: Any  #: the Items, or where to find it; not compared
    doc: str

    def __init__(self, name: str, count_field: str, min_size: int, element: Element, ref: Any, doc: str = ""):
        _fill(self, name, count_field, min_size, element, ref, doc)

    @property
    def node(self) -> Items:
        """The Items construct (its count check and errors)."""
        return _resolve(self.ref)


Part = Fixed | Pad | Array
Member = Leaf | Pad | Array


class Element(Frozen):
    """What one Model (or a bare leaf) is made of."""

    __slots__ = ("cls", "names", "parts", "ref")
    _uncompared = ("ref",)
    cls: type | None  #: the model dataclass; None for a bare leaf (a constant)
    names: tuple[str, ...]  #: the dataclass's fields, in order
    parts: tuple[Part, ...]
    ref: Any  #: the construct of one element, or where to find it; not compared

    def __init__(self, cls: type | None, names: tuple[str, ...], parts: tuple[Part, ...], ref: Any):
        _fill(self, cls, names, parts, ref)

    @property
    def node(self) -> Construct:
        """The construct of one element (for the construct fallback)."""
        return _resolve(self.ref)

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

    def members(self) -> Iterator[Member]:
        """Every member of the element in the definition's order: each leaf
        of its fixed parts, each array, each pad."""
        for part in self.parts:
            if isinstance(part, Fixed):
                yield from part.leaves
            else:
                yield part

    @property
    def leaf(self) -> Leaf | None:
        """The single leaf of a bare element (a constant), else None."""
        return self.parts[0].leaves[0] if self.cls is None else None  # type: ignore[union-attr]


class FieldTemplate(Frozen):
    """One leaf field (or pad) of the definition, wherever it occurs."""

    __slots__ = ("path", "role", "member", "doc")
    path: str  #: without indices, e.g. ``records[].locations[].reserved2``
    role: str  #: "value", "count", "reserved" or "padding"
    member: Leaf | Pad
    doc: str

    def __init__(self, path: str, role: str, member: Leaf | Pad, doc: str):
        _fill(self, path, role, member, doc)


class Plan(Frozen):
    __slots__ = ("endian", "top", "header", "arrays")
    endian: str
    top: Element  #: the whole blob
    header: Fixed  #: the blob's first part (version, reserved fields, counts)
    arrays: tuple[Array, ...]  #: what follows the header, in order

    def __init__(self, endian: str, top: Element, header: Fixed, arrays: tuple[Array, ...]):
        _fill(self, endian, top, header, arrays)

    def array(self, name: str) -> Array:
        for array in self.arrays:
            if array.name == name:
                return array
        raise KeyError(name)

    @property
    def records(self) -> Array:
        """The array of the blob whose items vary in size: the records."""
        return next(a for a in self.arrays if a.element.fixed is None)

    def all_arrays(self) -> tuple[Array, ...]:
        """Every array of the definition, nested ones included, depth first."""
        return tuple(_arrays(self.top))

    def field_templates(self) -> tuple[FieldTemplate, ...]:
        """Every leaf field and pad of the definition, in byte order."""
        return tuple(_templates(self.top, "", ""))


def join(path: str, segment: str) -> str:
    """``records[0]`` + ``kind`` -> ``records[0].kind``; ``[3]`` is appended bare."""
    if not path or segment.startswith("["):
        return path + segment
    return f"{path}.{segment}"


def _arrays(element: Element) -> Iterator[Array]:
    for m in element.members():
        if isinstance(m, Array):
            yield m
            yield from _arrays(m.element)


def _templates(element: Element, path: str, doc: str) -> Iterator[FieldTemplate]:
    if element.leaf is not None:
        yield FieldTemplate(path, element.leaf.role, element.leaf, element.leaf.doc or doc)
        return
    for m in element.members():
        where = join(path, m.name)
        if isinstance(m, Array):
            yield from _templates(m.element, where + "[]", m.doc)
        else:
            yield FieldTemplate(where, m.role, m, m.doc)


# -- deriving the description from the construct tree -------------------------
# The only place that looks at construct classes (tests/test_one_description.py).
# construct is imported here, when a description is derived, not with the module.

def _probe(adapter: Adapter, field: FormatField) -> tuple[bytes, tuple, type | None]:
    """Which raw values ``adapter`` accepts, what it decodes them to, and
    the error it raises for the others."""
    from construct import Container

    size = field.sizeof()
    if size > 2:
        raise Unsupported("adapter over a field wider than 16 bits")
    valid = bytearray(1 << (8 * size))
    decoded: list[Any] = [None] * len(valid)
    error: type | None = None
    for raw in range(len(valid)):
        try:
            decoded[raw] = adapter._decode(raw, Container(), "")
        except (StackMapError, ValueError) as e:
            error = type(e)
            continue
        valid[raw] = 1
    return bytes(valid), tuple(decoded), error


def _pad_error(pad: AlignPad) -> type | None:
    """The error an alignment pad raises when it is not zero."""
    from construct import Container

    stream = io.BytesIO(bytes(1) + b"\x01" * pad.alignment)  # one byte in: the pad runs to the boundary
    stream.seek(1)
    try:
        pad._parse(stream, Container(), "")
    except StackMapError as e:
        return type(e)
    return None


def _length_of(rebuild: Rebuild, arrays: list[str]) -> str | None:
    """The array among ``arrays`` whose length ``rebuild`` computes."""
    from construct import Container

    for name in arrays:
        try:
            if rebuild.func(Container({name: [None] * 5})) == 5:
                return name
        except (KeyError, AttributeError, TypeError):
            continue
    return None


def _role(expect: Expectation | None, rebuild: bool) -> str:
    if rebuild:
        return "count"
    if expect is not None:
        return {ReservedFieldError: "reserved", PaddingError: "padding"}.get(expect.error, "value")
    return "value"


def _leaf(name: str, node: Construct, offset: int, doc: str = "") -> Leaf | None:
    """A Leaf for ``node``, or None when ``node`` is not a fixed-size leaf."""
    from construct import Adapter, FormatField, Rebuild

    from ..constructs import Expect, Model

    expect = adapter = None
    rebuild = False
    inner = member = node
    if isinstance(inner, Expect):
        expect, inner = Expectation(inner.value, inner.error, inner.what), inner.subcon
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
    valid = decoded = error = None
    if adapter is not None:
        valid, decoded, error = _probe(adapter, inner)
    return Leaf(name, offset, size, code, expect, expected, type(adapter).__name__ if adapter is not None else None,
                valid, decoded, rebuild, code.islower(), doc, _role(expect, rebuild), member, fmt, error)


def _fixed(leaves: list[Leaf], endian: str) -> Fixed:
    size = sum(leaf.size for leaf in leaves)
    return Fixed(tuple(leaves), size, struct.Struct(endian + "".join(leaf.code for leaf in leaves)))


def _element(node: Construct, endian: str) -> Element:
    from construct import Struct

    from ..constructs import Model

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
    from ..constructs import AlignPad, Items

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
            parts.append(Pad(name, node.alignment, doc, node, _pad_error(node)))
        else:
            raise Unsupported(f"member {name!r}: {type(node).__name__}")
    if run:
        parts.append(_fixed(run, endian))
    return _with_lengths(tuple(parts), endian)


def _with_lengths(parts: tuple[Part, ...], endian: str) -> tuple[Part, ...]:
    """Each count leaf told which array of its block it is the length of."""
    arrays = [p.name for p in parts if isinstance(p, Array)]
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Fixed) and any(leaf.rebuild for leaf in part.leaves):
            leaves = [leaf._replace(length_of=_length_of(leaf.node, arrays)) if leaf.rebuild else leaf
                      for leaf in part.leaves]
            part = _fixed(leaves, endian)
        out.append(part)
    return tuple(out)


def unwrap(node: Construct) -> Construct:
    """The construct a Block member stands for, without its name (Renamed)
    and error-annotation (_Field) wrappers."""
    from construct import Renamed

    from ..constructs import _Field

    while isinstance(node, (Renamed, _Field)):
        node = node.subcon
    return node


def describe_node(node: Construct, endian: str = "little") -> Element:
    """The description of any Model (or bare leaf) made of the definition's
    building blocks, e.g. a small definition of a test."""
    return _element(node, struct_prefix(endian))


def _assemble(endian: str, top: Element) -> Plan:
    header, *rest = top.parts
    arrays = tuple(a for a in rest if isinstance(a, Array))
    if not isinstance(header, Fixed) or len(arrays) != len(rest):
        raise Unsupported("a blob is expected to be a fixed header followed by arrays")
    return Plan(endian, top, header, arrays)


@lru_cache(maxsize=None)
def derive(endian: str) -> Plan:
    """The layout of :func:`~stackmap_construct.format.v3.stackmap_format`
    in ``endian`` order, derived now from the construct tree (every
    member's ``ref`` is its construct)."""
    from ..v3 import stackmap_format

    return _assemble(endian, _element(stackmap_format(endian), struct_prefix(endian)))


@lru_cache(maxsize=None)
def plan(endian: str) -> Plan:
    """The derived layout of :func:`stackmap_format` in ``endian`` order.

    Read from the description shipped in ``_plan_cache.py`` when that was
    made from the sources now installed (their CRCs match), else derived
    from the construct tree (:func:`derive`): a stale cache is never used.
    Both give equal plans (tests/test_plan_cache.py); a cached member's
    ``node`` is found in the derived plan when first asked for."""
    top = _cached_top(endian)
    if top is None:
        return derive(endian)
    return _assemble(endian, top)


# -- the shipped description ----------------------------------------------------
# ``python3 scripts/plan_cache.py`` (re)writes _plan_cache.py (:func:`write_cache`).

#: The sources a description depends on (relative to the package): the
#: definition, its building blocks, the classes it makes, and this deriver.
#: (A shipped record scanner is used only when its source is what
#: codegen generates at that moment: codegen.py needs no CRC.)
CACHE_SOURCES = ("format/v3.py", "format/constructs.py", "format/fast/plan.py", "model.py", "errors.py",
                 "endian.py")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE_PATH = os.path.join(_PACKAGE, "format", "fast", "_plan_cache.py")


def source_crcs() -> dict[str, int] | None:
    """CRC-32 of each of :data:`CACHE_SOURCES` as installed now (None when
    one cannot be read: the description is then derived)."""
    out = {}
    for rel in CACHE_SOURCES:
        try:
            with open(os.path.join(_PACKAGE, *rel.split("/")), "rb") as f:
                out[rel] = zlib.crc32(f.read())
        except OSError:
            return None
    return out


@lru_cache(maxsize=None)
def _cache() -> Any:
    """The shipped ``_plan_cache`` module, or None when there is none or it
    was made from other sources than those installed."""
    try:
        from . import _plan_cache
    except ImportError:
        return None
    crcs = source_crcs()
    if crcs is None or getattr(_plan_cache, "SOURCES", None) != crcs:
        return None
    return _plan_cache


def _cached_top(endian: str) -> Element | None:
    """The shipped description's top element (None: see :func:`_cache`)."""
    cache = _cache()
    return None if cache is None else cache.TOPS[endian](_Cached)


def cached_scanner(endian: str, source: str) -> tuple[Any, Any] | None:
    """``(scan, first_bad)`` compiled from ``source`` (a record scanner
    :class:`~.codegen.RecordScanner` generated just now) when the cache
    ships that very source, compiled with it; None otherwise (a stale
    cache, or a generator that writes something else now)."""
    cache = _cache()
    if cache is None:
        return None
    for (e, _), (shipped, factory) in cache.SCANNERS.items():
        if e == endian and shipped == source:
            return factory()
    return None


class _Cached:
    """Where a cached member's construct is: ``steps`` (attribute names
    and indices) from the top element of the plan derived in ``endian``."""

    __slots__ = ("endian", "steps")

    def __init__(self, endian: str, *steps: str | int):
        self.endian = endian
        self.steps = steps

    def resolve(self) -> Any:
        obj: Any = derive(self.endian).top
        for step in self.steps:
            obj = obj[step] if isinstance(step, int) else getattr(obj, step)
        return obj.ref


def _resolve(ref: Any) -> Any:
    return ref.resolve() if type(ref) is _Cached else ref


def render_cache() -> str:
    """The text of ``_plan_cache.py``: the plans derived now, for both byte
    orders, as Python that rebuilds them without construct."""
    from ...endian import ENDIANS

    imports: dict[str, set[str]] = {}
    lines = [
        "# Generated by stackmap_construct.format.fast.plan from format/v3.py: do not edit.",
        "# `python3 scripts/plan_cache.py` rewrites it; tests/test_plan_cache.py",
        "# checks that it is current.  plan() uses it only when SOURCES matches the CRC-32s of",
        "# the sources installed, and derives the description from the construct tree otherwise.",
        "# (Start-up: parsing needs neither construct nor the walk of its tree.)",
        "",
    ]
    body = ["", f"SOURCES = {source_crcs()!r}", ""]
    for endian in ENDIANS:
        body += ["", f"def _{endian}(R):",
                 f"    return {_emit(derive(endian).top, (), endian, imports, 4)}", ""]
    body += ["", "TOPS = {" + ", ".join(f"{e!r}: _{e}" for e in ENDIANS) + "}", ""]
    # The record scanners codegen makes from these descriptions, compiled
    # with this module instead of at each start (their source, as
    # generated, is kept beside them for RecordScanner.source).
    from ...endian import struct_prefix
    from .codegen import RecordScanner

    scanners = []
    for endian in ENDIANS:
        for array in derive(endian).arrays:
            if array.element.fixed is not None:
                continue
            source = RecordScanner(array.element, struct_prefix(endian)).source  # (generated now, always)
            factory = f"_scanner_{endian}_{array.name}"
            body += ["", f"def {factory}():", *(f"    {line}" if line else "" for line in source.splitlines()),
                     "    return scan, first_bad", ""]
            scanners.append(f"    ({endian!r}, {array.name!r}): ({source!r}, {factory}),")
    body += ["", "SCANNERS = {", *scanners, "}"]
    imports.setdefault("array", set()).add("array")
    imports.setdefault("itertools", set()).add("repeat")
    for module in sorted(imports):
        lines.append(f"from {module} import {', '.join(sorted(imports[module]))}")
    return "\n".join(lines + body) + "\n"


def _emit(obj: Any, steps: tuple, endian: str, imports: dict[str, set[str]], indent: int) -> str:
    """A Python expression for ``obj`` (a piece of a plan)."""

    def use(value: Any) -> str:
        imports.setdefault(value.__module__, set()).add(value.__qualname__)
        return value.__qualname__

    if obj is None or isinstance(obj, (bool, int, str, bytes)) and not isinstance(obj, Enum):
        return repr(obj)
    if isinstance(obj, Enum):
        return f"{use(type(obj))}.{obj.name}"
    if isinstance(obj, type):
        return use(obj)
    if isinstance(obj, struct.Struct):
        imports.setdefault("struct", set()).add("Struct")
        return f"Struct({obj.format!r})"
    if isinstance(obj, tuple):
        items = [_emit(v, (*steps, i), endian, imports, indent + 4) for i, v in enumerate(obj)]
        return _call("", items, indent, trailing=len(items) == 1)
    if isinstance(obj, Frozen):
        import inspect  # (writing the cache only)

        defaults = {name: p.default for name, p in inspect.signature(type(obj)).parameters.items()}
        args = []
        for name in obj._fields:
            value = getattr(obj, name)
            if name == "ref":
                args.append(f"ref=R({', '.join(repr(s) for s in (endian, *steps))})")
            elif defaults[name] is inspect.Parameter.empty or value != defaults[name]:
                args.append(f"{name}={_emit(value, (*steps, name), endian, imports, indent + 4)}")
        return _call(use(type(obj)), args, indent)
    raise TypeError(f"cannot write {type(obj).__name__} into the plan cache")


def _call(name: str, items: list[str], indent: int, trailing: bool = False) -> str:
    """``name(items...)``, on one line when short, else wrapped."""
    pad = " " * (indent + 4)
    if not items:
        return f"{name}()"
    if "\n" not in "".join(items) and indent + len(name) + sum(len(i) + 2 for i in items) < 110:
        return f"{name}(" + ", ".join(items) + ("," if trailing else "") + ")"
    if any("\n" in i or len(i) > 60 for i in items):
        return f"{name}(\n" + "".join(f"{pad}{i},\n" for i in items) + " " * indent + ")"
    rows: list[list[str]] = [[]]
    for item in items:  # short values: as many to a line as fit
        if rows[-1] and len(pad) + sum(len(i) + 2 for i in rows[-1]) + len(item) > 110:
            rows.append([])
        rows[-1].append(item)
    return f"{name}(\n" + "".join(pad + ", ".join(row) + ",\n" for row in rows) + " " * indent + ")"


def write_cache() -> str:
    """(Re)write ``_plan_cache.py``; its path."""
    with open(CACHE_PATH, "w", encoding="utf-8") as out:
        out.write(render_cache())
    return CACHE_PATH
