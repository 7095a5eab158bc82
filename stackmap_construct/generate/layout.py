"""Where things are in a blob, learnt from the one description of the layout
(:func:`stackmap_construct.format.fast.plan.plan`, derived from
:mod:`stackmap_construct.format.v3`; never restated here).

* :func:`field_templates`: every leaf field of the definition, in byte
  order, as a template path (``records[].locations[].reserved2``) with its
  role (value, count, reserved, padding), its construct and its doc line.
* :func:`array_min_sizes`: the smallest encoded element of each array,
  which a strict parser uses to refuse impossible counts at once.
* :class:`BlobLayout`: the fields of one valid blob (from
  :func:`~stackmap_construct.format.walk.walk`) with the start of every
  array, empty ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from construct import Construct

from ..format.fast.plan import plan
from ..format.walk import FieldEvent, walk

_INDEX = re.compile(r"\[\d+\]")


def template(path: str) -> str:
    """The path without its indices: ``records[2].reserved`` -> ``records[].reserved``."""
    return _INDEX.sub("[]", path)


@dataclass(frozen=True)
class FieldTemplate:
    path: str  #: e.g. ``records[].locations[].reserved2``
    role: str  #: "value", "count", "reserved" or "padding"
    construct: Construct
    doc: str


@lru_cache(maxsize=None)
def field_templates(endian: str = "little") -> tuple[FieldTemplate, ...]:
    """Every leaf field of the definition, in the order of the bytes (from
    the one description of the layout)."""
    return tuple(FieldTemplate(t.path, t.role, t.member.node, t.doc) for t in plan(endian).field_templates())


@lru_cache(maxsize=None)
def array_min_sizes(endian: str = "little") -> dict[str, tuple[str, int]]:
    """``{array name: (its count field, smallest element size)}``, e.g.
    ``{"locations": ("num_locations", 12), ...}``."""
    return {a.name: (a.count_field, a.min_size) for a in plan(endian).all_arrays()}


def _order() -> dict[str, int]:
    """Position of every template path (and of every array template) in
    byte order, for "does this field come before that one"."""
    order: dict[str, int] = {}
    for i, t in enumerate(field_templates()):
        order.setdefault(t.path, i)
        # An array sits where its first element's first field sits.
        for m in re.finditer(r"\[\]", t.path):
            order.setdefault(t.path[: m.start()], i)
    return order


_ORDER = _order()


@dataclass(frozen=True)
class Array:
    path: str  #: e.g. ``records[1].locations``
    count: FieldEvent  #: its count field
    start: int  #: offset of its first element (where it would be when empty)
    min_size: int


class BlobLayout:
    """The fields and arrays of one valid blob."""

    def __init__(self, blob: bytes, endian: str = "little"):
        self.blob = bytes(blob)
        self.endian = endian
        self.events: list[FieldEvent] = list(walk(self.blob, endian=endian))
        self.arrays: list[Array] = [self._array(i) for i, e in enumerate(self.events) if e.role == "count"]

    def fields(self, template_path: str) -> list[FieldEvent]:
        """The fields of a template, e.g. every ``records[].padding``."""
        return [e for e in self.events if template(e.path) == template_path]

    def field(self, path: str) -> FieldEvent:
        """The field at an exact path."""
        for e in self.events:
            if e.path == path:
                return e
        raise KeyError(path)

    def _array(self, count_index: int) -> Array:
        count = self.events[count_index]
        parent, _, name = count.path.rpartition(".")
        # Which array this count belongs to: from the definition's Items
        # (their count_field), not from the field's name.
        array_name = next(a for a, (count_field, _) in array_min_sizes(self.endian).items() if count_field == name)
        path = f"{parent}.{array_name}" if parent else array_name
        min_size = array_min_sizes(self.endian)[array_name][1]
        # The array starts at the first later field of the same parent that
        # does not come before it in the definition (its own first element,
        # or what follows it when it is empty); else where the parent ends.
        prefix = f"{parent}." if parent else ""
        rank = _ORDER[template(path)]
        for e in self.events[count_index + 1:]:
            if not e.path.startswith(prefix):
                return Array(path, count, e.offset, min_size)
            if _ORDER[template(e.path)] >= rank:
                return Array(path, count, e.offset, min_size)
        return Array(path, count, len(self.blob), min_size)
