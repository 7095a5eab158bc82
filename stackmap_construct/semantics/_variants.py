"""A small helper for Rust-style enums whose variants carry data.

An enum is a plain base class; each variant is a frozen dataclass subclass
(or, for a unit variant, the single instance of one) reachable as an
attribute of the base, so the Python spelling follows the Rust one::

    ValueSemantic.WasmLocal(3)      # tuple variant: a constructor
    ValueSemantic.Ctx               # unit variant: a value
    isinstance(v, ValueSemantic.WasmLocal)
    match v:
        case ValueSemantic.WasmLocal(n): ...
        case ValueSemantic.Ctx: ...

Variants compare by class and fields, hash, and print as they are spelt.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar


class Variant:
    """Base of every variant of every enum built here."""

    __slots__ = ()

    #: The variant's name ("WasmLocal"); set on each variant class.
    variant: ClassVar[str] = ""
    #: An enum base's variants by name (:func:`enum_base` gives each its own).
    _variants: ClassVar[dict[str, Any]]

    def payload(self) -> tuple[Any, ...]:
        """The variant's fields, in declaration order."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        fields = self.payload()
        if not fields and getattr(type(self), "_unit", False):
            return type(self).__qualname__
        return f"{type(self).__qualname__}({', '.join(repr(x) for x in fields)})"


def tuple_variant(
    enum: type,
    name: str,
    *fields: tuple[str, Any],
    convert: Callable[[Any], None] | None = None,
) -> type:
    """Declare tuple variant ``enum.name`` with the given ``(field, type)``
    pairs; ``convert(self)`` may normalise fields (e.g. list -> tuple) after
    construction."""
    namespace: dict[str, Any] = {"variant": name, "_unit": False}
    if convert is not None:
        namespace["__post_init__"] = convert
    cls = dataclasses.make_dataclass(
        name, [(f, t) for f, t in fields], bases=(enum,), namespace=namespace, frozen=True, repr=False
    )
    _attach(enum, name, cls)
    return cls


def unit_variant(enum: type, name: str) -> Any:
    """Declare unit variant ``enum.name`` and return its single value."""
    # The singleton pickles (and copies) as "the attribute ``name`` of ``enum``".
    namespace = {"variant": name, "_unit": True, "__reduce__": lambda self: (getattr, (enum, name))}
    cls = dataclasses.make_dataclass(name, [], bases=(enum,), namespace=namespace, frozen=True, repr=False)
    value = cls()
    _attach(enum, name, value, cls)
    return value


def _attach(enum: type, name: str, value: Any, cls: type | None = None) -> None:
    cls = cls if cls is not None else value
    cls.__qualname__ = f"{enum.__name__}.{name}"
    cls.__module__ = enum.__module__
    setattr(enum, name, value)
    enum._variants[name] = value  # type: ignore[attr-defined]


def enum_base(cls: type) -> type:
    """Class decorator: mark ``cls`` as an enum base (gives it a variant table)."""
    cls._variants = {}  # type: ignore[attr-defined]
    return cls
