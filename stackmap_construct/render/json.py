"""The ``dump --format json`` document: ``{"stackmaps": [...]}``, one entry
per blob, each the plain-data form of :func:`stackmap_construct.to_dict`
plus ``"endian"``, a ``"symbol"`` and an ``"entry"`` on each function (its
name, and the address of its code: the relocated address, or on ppc64 ELFv1
the code entry of the function descriptor that ``"address"`` holds; null
when unknown, as in objects) and an ``"address"`` on each record (its
function's entry plus the instruction offset; null when that is unknown).

:func:`iter_render_json` gives the same text in pieces, over the columnar
view of each stackmap: each distinct location's and live-out's JSON text is
made once, by ``json.dumps`` of its plain-data form (the small parts,
functions and constants, are ``json.dumps`` of theirs), re-indented to its
depth; byte for byte the text of :func:`render_json_plain`, which is
``json.dumps`` of the whole document."""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Literal, Sequence, overload

from .texts import Texts
from ..model import StackMap, to_dict
from ..symbols import FunctionTarget


def stackmap_entry(stackmap: StackMap, endian: str, targets: Sequence[FunctionTarget] | None = None) -> dict:
    entry = to_dict(stackmap)
    entry["endian"] = endian
    targets = list(targets or [])
    for i, fn in enumerate(entry["functions"]):
        fn["symbol"] = targets[i].symbol if i < len(targets) else None
        fn["entry"] = targets[i].address if i < len(targets) else None
    index = 0
    for fi, (_, records) in enumerate(stackmap.records_by_function()):
        base = targets[fi].address if fi < len(targets) else None
        for r in records:
            entry["records"][index]["address"] = base + r.instruction_offset if base is not None else None
            index += 1
    return entry


def render_json(blobs: Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]) -> str:
    return "".join(iter_render_json(blobs))


Blobs = Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]


@overload
def iter_render_json(blobs: Blobs, *, encoded: Literal[False] = False) -> Iterator[str]: ...
@overload
def iter_render_json(blobs: Blobs, *, encoded: Literal[True]) -> Iterator[bytes]: ...
def iter_render_json(blobs: Blobs, *, encoded: bool = False) -> Iterator[str] | Iterator[bytes]:
    """The document in pieces: str, or UTF-8 bytes with ``encoded``."""
    pieces = _pieces(list(blobs))
    return (piece.encode() for piece in pieces) if encoded else pieces


INDENT = 2
CHUNK = 2048  # records per piece


def _dumps(value, depth: int) -> str:
    """``json.dumps(value, indent=2)`` as it appears nested ``depth`` levels deep."""
    return json.dumps(value, indent=INDENT).replace("\n", "\n" + " " * (INDENT * depth))



def _pieces(blobs) -> Iterator[str]:
    if not blobs:
        yield json.dumps({"stackmaps": []}, indent=INDENT) + "\n"
        return
    yield "{\n" + " " * INDENT + '"stackmaps": [\n'
    for b, (stackmap, endian, targets) in enumerate(blobs):
        yield from _entry(stackmap, endian, list(targets or []))
        yield ",\n" if b + 1 < len(blobs) else "\n"
    yield " " * INDENT + "]\n}\n"


def _entry(stackmap: StackMap, endian: str, targets: list) -> Iterator[str]:
    import struct

    from ..format.columns import item_values, view_of
    from ..model import to_dict as plain

    v = view_of(stackmap, endian)
    i2, i3 = " " * (2 * INDENT), " " * (3 * INDENT)
    head = plain(StackMap(stackmap.version, stackmap.functions, stackmap.constants, []))
    for k, fn in enumerate(head["functions"]):
        fn["symbol"] = targets[k].symbol if k < len(targets) else None
        fn["entry"] = targets[k].address if k < len(targets) else None
    yield (i2 + "{\n" + i3 + f'"version": {_dumps(head["version"], 3)},\n'
           + i3 + f'"functions": {_dumps(head["functions"], 3)},\n'
           + i3 + f'"constants": {_dumps(head["constants"], 3)},\n' + i3 + '"records": ')
    n = v.record_count
    if not n:
        yield "[]"
    else:
        yield "[\n"
        yield from _records(stackmap, v, targets, item_values, struct)
        yield "\n" + i3 + "]"
    yield ",\n" + i3 + f'"endian": {json.dumps(endian)}\n' + i2 + "}"


def _records(stackmap: StackMap, v, targets: list, item_values, struct) -> Iterator[str]:
    from ..model import LiveOut, Location, LocationKind

    def item_template(names: Sequence[str], strings: Sequence[str]) -> str:
        """The text ``json.dumps`` gives an item at its depth, as a
        %-template over its field values in ``names`` order (strings quoted:
        the kind names are plain identifiers, the rest integers)."""
        text = " " * (6 * INDENT) + _dumps({n: f"@@{n}@@" for n in names}, 6)
        for n in names:
            text = text.replace(f'"@@{n}@@"', '"%s"' if n in strings else "%d")
        return text

    def loc_text(raw: bytes) -> str:
        loc: Location = loc_values(raw)
        return loc_template % (LocationKind(loc.kind).name, loc.size, loc.dwarf_regnum, loc.offset_or_small_constant)

    def live_text(raw: bytes) -> str:
        lo: LiveOut = live_values(raw)
        return live_template % (lo.dwarf_regnum, lo.size)

    locs, lives = v.locations, v.live_outs
    loc_values, live_values = item_values(locs), item_values(lives)
    # The model's field order (to_dict's): kind, size, dwarf_regnum, offset.
    assert locs.names == ("kind", "size", "dwarf_regnum", "offset_or_small_constant"), locs.names
    assert lives.names == ("dwarf_regnum", "size"), lives.names
    loc_template = item_template(locs.names, ("kind",))
    live_template = item_template(lives.names, ())
    loc_texts, live_texts = Texts(loc_text), Texts(live_text)
    # Each record's address: its function's, plus the instruction offset.
    bases = [None] * v.record_count
    start = 0
    for fi, fn in enumerate(stackmap.functions):
        end = min(start + fn.record_count, v.record_count)
        base = targets[fi].address if fi < len(targets) else None
        if base is not None:
            bases[start:end] = [base] * (end - start)
        start = end
    i4, i5 = " " * (4 * INDENT), " " * (5 * INDENT)
    sep_items = ",\n"
    ids, offsets = v.record_column("patchpoint_id"), v.record_column("instruction_offset")
    lsize, vsize = locs.item_size, lives.item_size
    lstarts, vstarts = locs.starts, lives.starts
    head = (i4 + "{\n" + i5 + '"patchpoint_id": %d,\n' + i5 + '"instruction_offset": %d,\n' + i5 + '"locations": ')
    loc_open, loc_close = "[\n", "\n" + i5 + "]"
    for r0 in range(0, v.record_count, CHUNK):
        r1 = min(v.record_count, r0 + CHUNK)
        l0, v0 = lstarts[r0], vstarts[r0]
        loc_lines = list(map(loc_texts.__getitem__,
                             struct.iter_unpack(f"{lsize}s", locs.data[l0 * lsize:lstarts[r1] * lsize])))
        live_lines = list(map(live_texts.__getitem__,
                              struct.iter_unpack(f"{vsize}s", lives.data[v0 * vsize:vstarts[r1] * vsize])))
        out: list[str] = []
        ap = out.append
        for i in range(r0, r1):
            off = offsets[i]
            ap(head % (ids[i], off))
            a, b = lstarts[i] - l0, lstarts[i + 1] - l0
            ap(loc_open + sep_items.join(loc_lines[a:b]) + loc_close if b > a else "[]")
            ap(",\n" + i5 + '"live_outs": ')
            a, b = vstarts[i] - v0, vstarts[i + 1] - v0
            ap(loc_open + sep_items.join(live_lines[a:b]) + loc_close if b > a else "[]")
            base = bases[i]
            ap(",\n" + i5 + f'"address": {"null" if base is None else base + off}\n' + i4
               + ("}" if i + 1 == v.record_count else "},\n"))
        loc_texts.bound()
        live_texts.bound()
        yield "".join(out)


def render_json_plain(blobs: Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]) -> str:
    doc = {"stackmaps": [stackmap_entry(sm, endian, targets) for sm, endian, targets in blobs]}
    return json.dumps(doc, indent=2) + "\n"
