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
from bisect import bisect_right
from itertools import chain, repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator, Sequence

from .parallel import Part, concat, fixed
from .texts import Separators, Texts, format_rows, item_keys, join_records, pieces, run_keys, split_runs
from ..model import LocationKind, StackMap, record_runs, to_dict
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


if TYPE_CHECKING:
    Blobs = Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]


def iter_render_json(blobs: Blobs) -> Iterator[str]:
    """The document in pieces."""
    units, part = concat(json_parts(blobs))
    return part(0, units)


INDENT = 2
CHUNK = 512  # records per piece at most (see texts.pieces)
PIECE_ITEMS = 1 << 12  # locations per piece at most (about 150 bytes of JSON each)


def _dumps(value, depth: int) -> str:
    """``json.dumps(value, indent=2)`` as it appears nested ``depth`` levels deep."""
    return json.dumps(value, indent=INDENT).replace("\n", "\n" + " " * (INDENT * depth))


def json_parts(blobs: Blobs) -> list[Part]:
    """The document as consecutive parts (see :mod:`.parallel`): its
    opening, each blob's entry (:func:`entry_part`), its end."""
    blobs = list(blobs)
    if not blobs:
        return [fixed(json.dumps({"stackmaps": []}, indent=INDENT) + "\n")]
    parts = [fixed("{\n" + " " * INDENT + '"stackmaps": [\n')]
    parts.extend(entry_part(sm, endian, targets, first=b == 0) for b, (sm, endian, targets) in enumerate(blobs))
    parts.append(fixed("\n" + " " * INDENT + "]\n}\n"))
    return parts


def _item_template(names: Sequence[str], strings: Sequence[str], depth: int) -> str:
    """The text ``json.dumps`` gives an item ``depth`` levels deep, as a
    %-template over its field values in ``names`` order (strings quoted:
    the kind names are plain identifiers, the rest integers)."""
    text = " " * (depth * INDENT) + _dumps({n: f"@@{n}@@" for n in names}, depth)
    for n in names:
        text = text.replace(f'"@@{n}@@"', '"%s"' if n in strings else "%d")
    return text


class _Heads(dict):
    """``(kind, size, register)`` -> the text of a location up to its
    offset, the last field of ``template`` (:func:`_item_template` of a
    location, whose last field is its offset); :attr:`with_offset` the
    %-template of the whole text over that head and the offset.  At most
    :attr:`LIMIT` held (a hostile blob may have millions)."""

    LIMIT = 1 << 12

    def __init__(self, template: str, kind_names: dict[int, str]):
        super().__init__()
        cut = template.rindex("%d")
        self.head, self.kind_names = template[:cut], kind_names
        self.with_offset = "%s%s" + template[cut + 2:]  # (the rest of a JSON item has no %)

    def __missing__(self, key: tuple[int, int, int]) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        kind, size, regnum = key
        text = self[key] = self.head % (self.kind_names[kind], size, regnum)
        return text


def entry_part(stackmap: StackMap, endian: str, targets: Sequence[FunctionTarget] | None,
               first: bool = True) -> Part:
    """One blob's entry of the document (after a separator unless
    ``first``) as ``(units, part)``: the head, then one unit per record."""
    from ..format.columns import view_of
    from ..model import to_dict as plain

    targets = list(targets or [])
    v = view_of(stackmap, endian)
    nr = v.record_count
    i2, i3, i4, i5 = (" " * (k * INDENT) for k in (2, 3, 4, 5))
    locs, lives = v.locations, v.live_outs
    # The model's field order (to_dict's): kind, size, dwarf_regnum, offset.
    assert locs.names == ("kind", "size", "dwarf_regnum", "offset_or_small_constant"), locs.names
    assert lives.names == ("dwarf_regnum", "size"), lives.names
    loc_template = _item_template(locs.names, ("kind",), 6)
    live_template = _item_template(lives.names, (), 6)
    # A location's text up to its offset is that of every location of its
    # kind, size and register: made once each (_Heads); the rest is the
    # offset and what follows it, % over two fields instead of four in a
    # template of 150 characters (the distinct locations of the dense 10 MB
    # blob: 92 ms -> 67 ms).
    loc_heads = _Heads(loc_template, {k: k.name for k in LocationKind})

    def make_locations(missing: list[bytes]) -> Iterable[tuple[bytes, str]]:
        kinds, sizes, regnums, offsets = locs.columns_of(b"".join(missing), locs.names)
        return zip(missing, map(loc_heads.with_offset.__mod__, zip(map(loc_heads.__getitem__, zip(kinds, sizes, regnums)), offsets)))

    def make_live_outs(runs: list[bytes]) -> Iterable[tuple[bytes, str]]:
        """The live-outs list of each distinct run of live-outs."""
        items = list(map(live_template.__mod__, zip(*lives.columns_of(b"".join(runs), lives.names))))
        return zip(runs, map(_json_list, split_runs(runs, vsize, items)))

    loc_texts, live_lists = Texts(make_locations), Texts(make_live_outs)
    # Each record's address: its function's entry plus the offset; groups:
    # (first record, end, entry or None).
    groups = [(run.start, run.stop, targets[fi].address if fi < len(targets) else None)
              for fi, run in enumerate(record_runs(stackmap.functions, nr))]
    group_starts = [g[0] for g in groups]
    # (each record's id and offset read a chunk at a time: in two processes, each reads its own)
    heads = ("patchpoint_id", "instruction_offset")
    lsize, vsize = locs.item_size, lives.item_size
    lstarts, vstarts = locs.starts, lives.starts
    record_open = i4 + "{\n" + i5 + '"patchpoint_id": %d,\n' + i5 + '"instruction_offset": %d,\n' + i5 + '"locations": '
    record_close = ",\n" + i5 + '"live_outs": {0},\n' + i5 + '"address": {1}\n' + i4 + "}}{2}"

    def addresses(r0: int, r1: int, offsets: Sequence[int]) -> list:
        out: list = []
        for a, b, base in groups[max(bisect_right(group_starts, r0) - 1, 0):]:
            a, b = max(a, r0), min(b, r1)
            if a >= r1:
                break
            if b > a:
                out.extend(repeat("null", b - a) if base is None else map(base.__add__, offsets[a - r0:b - r0]))
        return out

    def part(lo: int, hi: int) -> Iterator[str]:
        if lo == 0:
            head = plain(StackMap(stackmap.version, stackmap.functions, stackmap.constants, []))
            for k, fn in enumerate(head["functions"]):
                fn["symbol"] = targets[k].symbol if k < len(targets) else None
                fn["entry"] = targets[k].address if k < len(targets) else None
            yield (("" if first else ",\n") + i2 + "{\n" + i3 + f'"version": {_dumps(head["version"], 3)},\n'
                   + i3 + f'"functions": {_dumps(head["functions"], 3)},\n'
                   + i3 + f'"constants": {_dumps(head["constants"], 3)},\n' + i3 + '"records": '
                   + ("[\n" if nr else "[]"))
        for r0, r1 in pieces(lstarts, max(lo - 1, 0), hi - 1, PIECE_ITEMS, CHUNK):
            l0 = lstarts[r0]
            items = loc_texts.lookup(item_keys(locs.data[l0 * lsize:lstarts[r1] * lsize], lsize))
            ids, offsets = v.record_columns(heads, r0, r1)
            opens = list(map(record_open.__mod__, zip(ids, offsets)))
            lists = live_lists.lookup(run_keys(lives.data, vstarts[r0:r1 + 1], vsize))
            ends = repeat(",\n", r1 - r0) if r1 < nr else chain(repeat(",\n", r1 - r0 - 1), ("",))
            closes = format_rows(record_close, lists, addresses(r0, r1, offsets), ends)
            yield join_records(opens, closes, locs.counts[r0:r1], items, _SEPARATORS)
        if hi == nr + 1:
            yield ("\n" + i3 + "]" if nr else "") + ",\n" + i3 + f'"endian": {json.dumps(endian)}\n' + i2 + "}"

    return nr + 1, part


_I5 = " " * (5 * INDENT)


def _json_list(items: Sequence[str]) -> str:
    """A list of items at depth 5 (a record's live-outs), as json.dumps lays it out."""
    return "[\n" + ",\n".join(items) + "\n" + _I5 + "]" if items else "[]"


def _separator(k: int, n: int) -> str:
    """Around a record's locations, as json.dumps lays them out (depth 5)."""
    if n == 0:
        return "[]"
    return "[\n" if k == 0 else ",\n" if k < n else "\n" + _I5 + "]"


_SEPARATORS = Separators(_separator)


def render_json_plain(blobs: Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]) -> str:
    doc = {"stackmaps": [stackmap_entry(sm, endian, targets) for sm, endian, targets in blobs]}
    return json.dumps(doc, indent=2) + "\n"
