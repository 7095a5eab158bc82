"""Exactly the text ``llvm-readobj --stackmap`` (LLVM 14) prints, from its
line ``LLVM StackMap Version: 3`` to the end.

Reproduced from the behaviour of llvm-readobj's stackmap printer: two spaces
of indentation per level, decimal numbers, constants numbered from 1,
ConstantIndex numbered from 0, small constants printed as unsigned 32-bit
numbers and register offsets as signed ones (``Direct R#6 + -24``).

Each line's text is written once, below (``RECORD_HEAD``, ``LOCATION``,
...), and both renderings format those: :func:`render_readobj_plain`
object by object, :func:`iter_render_readobj` over the columnar view of the
stackmap (:func:`~stackmap_construct.format.view`), each distinct location's
text made once, in batches (:mod:`.texts`).
"""

from __future__ import annotations

from itertools import chain, repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator, Mapping, Sequence

from .texts import Separators, Texts, by_kind, format_rows, in_order, item_keys, join_records, picked, pieces, run_keys, split_runs
from ..model import LocationKind, StackMap

# -- the text of each line (the one place it is written) ----------------------

VERSION = "LLVM StackMap Version: {0}\n"
FUNCTIONS = "Num Functions: {0}\n"
FUNCTION = "  Function address: {0}, stack size: {1}, callsite record count: {2}\n"
CONSTANTS = "Num Constants: {0}\n"
CONSTANT = "  #{0}: {1}\n"  # numbered from 1
RECORDS = "Num Records: {0}\n"
RECORD_HEAD = "  Record ID: {0}, instruction offset: {1}\n    {2} locations:\n"
LOCATION_NUMBER = "      #{0}: "  # numbered from 1
#: A location after its number, by kind; the fields: size, DWARF register
#: number, offset (signed), offset or small constant as unsigned 32 bits (a
#: Constant's value, a ConstantIndex's index: llvm-readobj reads them so),
#: the constant a ConstantIndex designates.
LOCATION: dict[int, str] = {
    LocationKind.Register: "Register R#{1}, size: {0}\n",
    LocationKind.Direct: "Direct R#{1} + {2}, size: {0}\n",
    LocationKind.Indirect: "Indirect [R#{1} + {2}], size: {0}\n",
    LocationKind.Constant: "Constant {3}, size: {0}\n",
    LocationKind.ConstantIndex: "ConstantIndex #{3} ({4}), size: {0}\n",
}
#: llvm-readobj reads the constant without a bounds check; we print what
#: exists and say so when the index is out of range.
OUT_OF_RANGE = "out of range"
LIVE_OUTS = "    {0} live-outs: [ {1}]\n"  # the count, then the items
LIVE_OUT = "R#{0} ({1}-bytes) "  # DWARF register number, size

_U32 = 0xFFFFFFFF
_FIELDS = ("size", "dwarf_regnum", "offset_or_small_constant")  # what location_pairs' fields give
_SMALL = {LocationKind.Constant, LocationKind.ConstantIndex}  # (shown as unsigned 32 bits)


def location_pairs(constants: Mapping[int, int], keys: Sequence, kinds: Sequence[int],
                   fields: Callable[[list], Sequence[Sequence[int]]]) -> Iterable[tuple]:
    """``(key, text)`` of each location, its text after its number, a kind
    at a time: ``kinds[i]`` is the kind of ``keys[i]``, ``fields(some keys)``
    their sizes, DWARF register numbers and offsets; ``constants``: index ->
    value."""
    out = []
    for kind, its_keys, (sizes, regnums, offsets) in by_kind(kinds, keys, fields):
        small = values = None  # (the fields only where the kind shows them)
        if kind in _SMALL:
            small = list(map(_U32.__and__, offsets))
            if kind == LocationKind.ConstantIndex:
                values = list(map(constants.get, small, repeat(OUT_OF_RANGE)))
        out.append(zip(its_keys, format_rows(LOCATION[kind], sizes, regnums, offsets, small, values)))
    return chain.from_iterable(out)


def location_texts(constants: Mapping[int, int], kinds: Sequence[int], sizes: Sequence[int],
                   regnums: Sequence[int], offsets: Sequence[int]) -> list[str]:
    """The text of each location after its number, in order."""
    n = len(kinds)
    return in_order(location_pairs(constants, range(n), kinds, picked((sizes, regnums, offsets))), n)


def live_out_texts(regnums: Iterable[int], sizes: Iterable[int]) -> list[str]:
    return list(map(LIVE_OUT.format, regnums, sizes))


def head_lines(stackmap: StackMap) -> str:
    """Version, functions and constants: everything before ``Num Records``."""
    out = [VERSION.format(stackmap.version), FUNCTIONS.format(len(stackmap.functions))]
    out.extend(FUNCTION.format(f.address, f.stack_size, f.record_count) for f in stackmap.functions)
    out.append(CONSTANTS.format(len(stackmap.constants)))
    out.extend(map(CONSTANT.format, range(1, len(stackmap.constants) + 1), stackmap.constants))
    return "".join(out)


# -- object by object ---------------------------------------------------------

def render_readobj_plain(stackmap: StackMap) -> str:
    constants = dict(enumerate(stackmap.constants))
    out = [head_lines(stackmap), RECORDS.format(len(stackmap.records))]
    for r in stackmap.records:
        out.append(RECORD_HEAD.format(r.patchpoint_id, r.instruction_offset, len(r.locations)))
        for i, loc in enumerate(r.locations, 1):
            out.append(LOCATION_NUMBER.format(i))
            out.extend(location_texts(constants, [loc.kind], [loc.size], [loc.dwarf_regnum],
                                      [loc.offset_or_small_constant]))
        items = "".join(live_out_texts([lo.dwarf_regnum for lo in r.live_outs], [lo.size for lo in r.live_outs]))
        out.append(LIVE_OUTS.format(len(r.live_outs), items))
    return "".join(out)


# -- over the columns ---------------------------------------------------------

def render_readobj(stackmap: StackMap, *, endian: str | None = None) -> str:
    return "".join(iter_render_readobj(stackmap, endian=endian))


def iter_render_readobj(stackmap: StackMap, *, endian: str | None = None) -> Iterator[str]:
    """The text in pieces."""
    units, part = readobj_part(stackmap, endian)
    return part(0, units)


CHUNK = 512  # records per piece at most (see texts.pieces)
PIECE_ITEMS = 1 << 14  # locations per piece at most (about 35 bytes of text each)

#: What goes around each location: its number, nothing after the last.
_SEPARATORS = Separators(lambda k, n: LOCATION_NUMBER.format(k + 1) if k < n else "")


def readobj_part(stackmap: StackMap, endian: str | None = None) -> tuple[int, Callable[[int, int], Iterator[str]]]:
    """``(units, part)``: the text as ``units`` consecutive parts (the head,
    then one per record), ``part(lo, hi)`` the text of parts ``lo`` to
    ``hi`` in pieces (see :mod:`.parallel`)."""
    from ..format.columns import view_of

    v = view_of(stackmap, endian)
    n = v.record_count
    locs, lives = v.locations, v.live_outs
    constants = dict(enumerate(stackmap.constants))
    live_names = ("dwarf_regnum", "size")

    def fields(keys: list[bytes]) -> list:
        return locs.columns_of(b"".join(keys), _FIELDS)

    def make_locations(missing: list[bytes]) -> Iterable[tuple[bytes, str]]:
        return location_pairs(constants, missing, locs.columns_of(b"".join(missing), ("kind",))[0], fields)

    def make_live_outs(runs: list[bytes]) -> Iterable[tuple[bytes, str]]:
        """The live-outs line of each distinct run of live-outs."""
        items = live_out_texts(*lives.columns_of(b"".join(runs), live_names))
        return zip(runs, map(LIVE_OUTS.format, (len(run) // vsize for run in runs),
                             map("".join, split_runs(runs, vsize, items))))

    loc_texts, live_lines = Texts(make_locations), Texts(make_live_outs)
    # (each record's id and offset read a chunk at a time: in two processes, each reads its own)
    heads = ("patchpoint_id", "instruction_offset")
    lsize, vsize = locs.item_size, lives.item_size
    lstarts, vstarts = locs.starts, lives.starts
    lcounts = locs.counts

    def part(lo: int, hi: int) -> Iterator[str]:
        if lo == 0:
            yield head_lines(stackmap) + RECORDS.format(n)
        for r0, r1 in pieces(lstarts, max(lo - 1, 0), hi - 1, PIECE_ITEMS, CHUNK):
            l0 = lstarts[r0]
            items = loc_texts.lookup(item_keys(locs.data[l0 * lsize:lstarts[r1] * lsize], lsize))
            counts = lcounts[r0:r1]
            ids, offsets = v.record_columns(heads, r0, r1)
            opens = format_rows(RECORD_HEAD, ids, offsets, counts)
            closes = live_lines.lookup(run_keys(lives.data, vstarts[r0:r1 + 1], vsize))
            yield join_records(opens, closes, counts, items, _SEPARATORS)

    return n + 1, part
