"""The annotated hex dump of ``explain``: one line per field with offset,
raw bytes, path, value, and what the field is (from the definition's docs)."""

from __future__ import annotations

import enum
from typing import Iterable

from ..format.walk import FieldEvent
from ..model import LocationKind
from ..registers import register_name

_ROLE_NOTE = {"reserved": "reserved, must be 0", "padding": "padding, must be 0", "count": "count"}


def _value(event: FieldEvent, arch: str | None, names_register: bool) -> str:
    v = event.value
    if names_register and event.path.endswith("dwarf_regnum") and (name := register_name(arch, v)):
        return f"{v} ({name})"
    if event.role == "padding":
        return f"{len(event.raw)} zero bytes" if event.value is None else str(v)
    if isinstance(v, enum.IntEnum):
        return f"{v.name} ({int(v)})"
    if isinstance(v, int) and abs(v) > 9:
        return f"{v} (0x{v & 0xFFFFFFFFFFFFFFFF:x})" if v >= 0 else str(v)
    return str(v)


def explain_line(event: FieldEvent, *, arch: str | None = None, docs: bool = True,
                 names_register: bool = True) -> str:
    raw = event.raw.hex(" ")
    text = f"0x{event.offset:06x}  {raw:<23}  {event.path:<46} {_value(event, arch, names_register)}"
    # The doc line already says "must be 0"; without docs, still flag the role.
    note = event.doc if docs else _ROLE_NOTE.get(event.role, "")
    return f"{text}  # {note}" if note else text


def in_range(event: FieldEvent, start: int | None, end: int | None) -> bool:
    """Does the field overlap the byte range [start, end)?"""
    lo, hi = event.offset, event.offset + max(len(event.raw), 1)
    return (start is None or hi > start) and (end is None or lo < end)


def render_explain(events: Iterable[FieldEvent], *, start: int | None = None, end: int | None = None,
                   arch: str | None = None, docs: bool = True) -> Iterable[str]:
    header = f"{'offset':<8}  {'bytes':<23}  {'field':<46} value"
    yield header
    kind = None  # the kind of the location being walked: constants use no register
    for event in events:
        if event.path.endswith(".kind"):
            kind = event.value
        names_register = not (event.path.endswith("].dwarf_regnum") and ".locations[" in event.path
                              and kind in (LocationKind.Constant, LocationKind.ConstantIndex))
        if in_range(event, start, end):
            yield explain_line(event, arch=arch, docs=docs, names_register=names_register)
