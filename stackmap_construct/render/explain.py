"""The annotated hex dump of ``explain``: one line per field with offset,
raw bytes, path, value, and what the field is (from the definition's docs)."""

from __future__ import annotations

import enum
import struct
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


def _tail(event: FieldEvent, arch: str | None, docs: bool, names_register: bool) -> str:
    """What follows the path: the value, then the doc line."""
    value = _value(event, arch, names_register)
    # The doc line already says "must be 0"; without docs, still flag the role.
    note = event.doc if docs else _ROLE_NOTE.get(event.role, "")
    return f"{value}  # {note}" if note else value


def explain_line(event: FieldEvent, *, arch: str | None = None, docs: bool = True,
                 names_register: bool = True) -> str:
    return f"0x{event.offset:06x}  {event.raw.hex(' '):<23}  {event.path:<46} " \
           f"{_tail(event, arch, docs, names_register)}"


def in_range(event: FieldEvent, start: int | None, end: int | None) -> bool:
    """Does the field overlap the byte range [start, end)?"""
    lo, hi = event.offset, event.offset + max(len(event.raw), 1)
    return (start is None or hi > start) and (end is None or lo < end)


HEADER = f"{'offset':<8}  {'bytes':<23}  {'field':<46} value"


def render_explain(events: Iterable[FieldEvent], *, start: int | None = None, end: int | None = None,
                   arch: str | None = None, docs: bool = True) -> Iterable[str]:
    yield HEADER
    kind = None  # the kind of the location being walked: constants use no register
    for event in events:
        if event.path.endswith(".kind"):
            kind = event.value
        names_register = not (event.path.endswith("].dwarf_regnum") and ".locations[" in event.path
                              and kind in (LocationKind.Constant, LocationKind.ConstantIndex))
        if in_range(event, start, end):
            yield explain_line(event, arch=arch, docs=docs, names_register=names_register)


def _names_register(path: str, kind) -> bool:
    return not (path.endswith("].dwarf_regnum") and ".locations[" in path
                and kind in (LocationKind.Constant, LocationKind.ConstantIndex))


class _FieldTexts(dict):
    """For one field of a fixed-size item: its raw bytes (and, for a
    register number, whether the location's kind names a register) ->
    (the bytes column, padded; what follows the path).  Made once per
    distinct value; emptied when it grows large, so memory stays bounded
    whatever the input."""

    LIMIT = 1 << 16

    def __init__(self, leaf, doc: str, arch: str | None, docs: bool):
        super().__init__()
        self.leaf, self.doc, self.arch, self.docs = leaf, doc, arch, docs
        self.fmt = ""  #: the struct format of the field (byte order and code); set by the caller

    def __missing__(self, key):
        raw, names_register = key
        leaf = self.leaf
        (value,) = struct.unpack(self.fmt, raw)
        if leaf.decoded is not None:
            value = leaf.decoded[value]
        event = FieldEvent(leaf.name, 0, raw, value, leaf.role, leaf.doc or self.doc)
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[key] = (f"{raw.hex(' '):<23}", _tail(event, self.arch, self.docs, names_register))
        return text


def render_explain_view(v, *, prefix: str = "", arch: str | None = None, docs: bool = True) -> Iterable[str]:
    """The lines :func:`render_explain` gives for ``walk_view(v)`` (the
    whole blob), in pieces of many lines: each fixed-size item (function,
    constant, location, live-out) is one ``str.format`` of a template made
    once per distinct item."""
    from ..format.fast.plan import Array, Fixed
    from ..format.walk import _join, walk_view

    plan = v.plan
    # The header, functions and constants: few; the plain way.
    head_end = v.start + (v.record_offsets[0] if v.record_count else v.end - v.start)
    kind = None
    for event in walk_view(v, start=v.start, end=head_end, prefix=prefix):
        if event.offset >= head_end:
            break
        yield explain_line(event, arch=arch, docs=docs) + "\n"
    records = next(a for a in plan.arrays if a.element.fixed is None)
    element = records.element
    prefix_code = plan.header.struct.format[0]
    fields = {}
    for part in element.parts:
        if isinstance(part, Array):
            fixed = v.tables[part.name].fixed
            texts = []
            for leaf in fixed.leaves:
                t = _FieldTexts(leaf, part.doc, arch, docs)
                t.fmt = prefix_code + leaf.code
                texts.append((leaf.offset, leaf.offset + leaf.size, f".{leaf.name}" if leaf.name else "", t,
                              leaf.name == "dwarf_regnum" and part.name == "locations"))
            kind_leaf = next((leaf for leaf in fixed.leaves if leaf.name == "kind"), None)
            fields[part.name] = (texts, fixed.size, kind_leaf)
    no_register = {LocationKind.Constant, LocationKind.ConstantIndex}
    buf, base = v.buf, v.start
    rpath = _join(prefix, records.name)
    out: list[str] = []
    ap = out.append
    for i in range(v.record_count):
        pos = v.record_offsets[i]
        path = f"{rpath}[{i}]"
        for part in element.parts:
            if isinstance(part, Fixed):
                values = part.struct.unpack_from(buf, base + pos)
                for leaf, value in zip(part.leaves, values):
                    at = base + pos + leaf.offset
                    event = FieldEvent(f"{path}.{leaf.name}", at, buf[at:at + leaf.size], value, leaf.role, leaf.doc)
                    ap(explain_line(event, arch=arch, docs=docs) + "\n")
                pos += part.size
            elif isinstance(part, Array):
                texts, size, kind_leaf = fields[part.name]
                n = len(v.tables[part.name].rows(i))
                at = base + pos
                for j in range(n):
                    item = f"{path}.{part.name}[{j}]"
                    names = True
                    if kind_leaf is not None:
                        raw_kind = buf[at + kind_leaf.offset]
                        names = kind_leaf.decoded[raw_kind] not in no_register
                    for lo, hi, name, t, regnum in texts:
                        h, tail = t[buf[at + lo:at + hi], names if regnum else True]
                        ap(f"0x{at + lo:06x}  {h}  {item + name:<46} {tail}\n")
                    at += size
                pos += n * size
            else:
                pad = -pos % part.alignment
                if pad:
                    at = base + pos
                    event = FieldEvent(f"{path}.{part.name}", at, buf[at:at + pad], None, "padding", part.doc)
                    ap(explain_line(event, arch=arch, docs=docs) + "\n")
                    pos += pad
        if len(out) > 8192:
            yield "".join(out)
            out = []
            ap = out.append
    yield "".join(out)
