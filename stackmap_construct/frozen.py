"""Small immutable value classes without per-class code generation.

``@dataclass(frozen=True)`` writes and compiles five or six methods for
each class when its module is imported: 1-3 ms a class, more than the whole
parse of a small object (issue 12, "Start-up").  :class:`Frozen` gives the
classes on the path of every command (the layout description, the container
facts) the same behaviour from methods written once: fields compared,
hashed and printed by name, assignment refused, ``_replace`` for a changed
copy.

A subclass lists its fields in ``__slots__`` (in order), annotates them,
and writes an ordinary ``__init__`` that ends with
``_fill(self, field values in slot order)``; ``_uncompared`` names the
fields left out of ``==`` and ``hash``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    _T = TypeVar("_T", bound="Frozen")
_set = object.__setattr__


def _fill(obj: Frozen, *values: Any) -> None:
    """Set every field of ``obj``, in slot order (from ``__init__``)."""
    for name, value in zip(type(obj)._fields, values, strict=True):
        _set(obj, name, value)


class Frozen:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()  #: every field, in order (the slots of the class and its bases)
    _compared: ClassVar[tuple[str, ...]] = ()  #: the fields ``==`` and ``hash`` look at
    _uncompared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            fields += [slots] if isinstance(slots, str) else list(slots)
        cls._fields = tuple(fields)
        cls._compared = tuple(f for f in fields if f not in cls._uncompared)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self._compared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._compared)})"

    def _replace(self: _T, **changes: Any) -> _T:
        """A copy with ``changes`` made (as ``dataclasses.replace``)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        new = object.__new__(type(self))
        for f in self._fields:
            _set(new, f, changes[f] if f in changes else getattr(self, f))
        return new

    def __copy__(self: _T) -> _T:
        return self

    def __deepcopy__(self: _T, memo: dict) -> _T:
        return self._replace(**{f: _deepcopy(getattr(self, f), memo) for f in self._fields})

    def __reduce__(self) -> tuple:
        return (_rebuild, (type(self), tuple(getattr(self, f) for f in self._fields)))


def _rebuild(cls: type[_T], values: tuple) -> _T:
    new = object.__new__(cls)
    for name, value in zip(cls._fields, values):
        _set(new, name, value)
    return new


def _deepcopy(value: Any, memo: dict) -> Any:
    import copy

    return copy.deepcopy(value, memo)
