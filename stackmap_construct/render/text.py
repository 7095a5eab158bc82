"""The default human-readable dump: everything llvm-readobj shows, plus
register names, hexadecimal addresses, signed constants, and the records
grouped under the function they belong to.

Each line's text is written once, below; :func:`describe_location` (one
location, as ``diff`` quotes it) and the streamed rendering over the
columnar view (:func:`iter_render_text`, each distinct location's text made
once, in batches: :mod:`.texts`) both format those."""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain, repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator, Mapping, Sequence

from .texts import Separators, Texts, by_kind, format_rows, in_order, item_keys, join_records, picked, pieces, run_keys, split_runs
from ..model import DYNAMIC_STACK_SIZE, LocationKind, StackMap, record_runs
from ..registers import register_name
from ..symbols import FunctionTarget
from ..wording import count

# -- the text of each line (the one place it is written) ----------------------

TITLE = "{0}: version {1}, {2}, {3}, {4}\n"  # title, version, counted functions, constants, records
CONSTANTS = "  constants:\n"
CONSTANT = "    #{0}: {1} (0x{1:x})\n"  # numbered from 0
FUNCTION = "  function #{0}{1}: address {2}, stack size {3}, {4}\n"  # index, " name", address, stack size, records
RELOCATED = "0x{0:x} (relocated: 0x{1:x})"
DESCRIPTOR = "0x{0:x} (function descriptor{1}; code entry 0x{2:x})"  # ppc64 ELFv1
DYNAMIC = "dynamic (0xffffffffffffffff)"
UNCOVERED = "  records not covered by any function's record count ({0}):\n"
RECORD = "    record id {0} at offset 0x{1:x} ({1}){2}:\n"  # id, offset, AT or nothing
AT = " = 0x{0:x}"  # the record's address: its function's code plus the offset
LOCATION_NUMBER = "      location {0}"  # numbered from 0
LOCATION = ": {description}, size {0}\n"
#: A location in words, by kind; the fields: size, register, sign of the
#: offset, its magnitude, the offset or small constant (signed), the constant
#: a ConstantIndex designates (CONSTANT_VALUE, or OUT_OF_RANGE).
DESCRIPTION: dict[int, str] = {
    LocationKind.Register: "Register {1}",
    LocationKind.Direct: "Direct {1} {2} {3}",
    LocationKind.Indirect: "Indirect [{1} {2} {3}]",
    LocationKind.Constant: "Constant {4}",
    LocationKind.ConstantIndex: "ConstantIndex #{4} {5}",
}
CONSTANT_VALUE = "= {0} (0x{0:x})"
OUT_OF_RANGE = "(out of range: {0} constants)"
REGISTER = "R#{0}"
NAMED_REGISTER = "R#{0} ({1})"
LIVE_OUTS = "      live-outs: {0}\n"  # the items, joined by LIVE_OUT_SEPARATOR
LIVE_OUT = "{0} {1} bytes"  # register, size
LIVE_OUT_SEPARATOR = ", "

#: The whole line after the location's number, by kind.
_LINE: dict[int, str] = {kind: LOCATION.replace("{description}", text) for kind, text in DESCRIPTION.items()}
_SIGNS = ("+", "-")  # by "is negative"
_WITH_REGISTER = {LocationKind.Register, LocationKind.Direct, LocationKind.Indirect}
_WITH_OFFSET = {LocationKind.Direct, LocationKind.Indirect}
_ZERO = 0


class Registers(dict):
    """DWARF register number -> its text on ``arch`` (``R#6 (rbp)``)."""

    def __init__(self, arch: str | None):
        super().__init__()
        self.arch = arch

    def __missing__(self, regnum: int) -> str:
        name = register_name(self.arch, regnum)
        text = self[regnum] = NAMED_REGISTER.format(regnum, name) if name else REGISTER.format(regnum)
        return text


def constant_values(constants: Sequence[int]) -> dict[int, str]:
    """ConstantIndex -> CONSTANT_VALUE of the constant it designates."""
    return dict(zip(range(len(constants)), map(CONSTANT_VALUE.format, constants)))


def location_pairs(values: Mapping[int, str], n_constants: int, registers: Registers, keys: Sequence,
                   kinds: Sequence[int], fields: Callable[[list], Sequence[Sequence[int]]],
                   formats: Mapping[int, str] = _LINE) -> Iterable[tuple]:
    """``(key, text)`` of each location, its text after its number (with
    ``formats=DESCRIPTION``: its description alone), a kind at a time:
    ``kinds[i]`` is the kind of ``keys[i]``, ``fields(some keys)`` their
    sizes, DWARF register numbers and offsets; ``values``:
    :func:`constant_values`."""
    out = []
    for kind, its_keys, (sizes, regnums, offsets) in by_kind(kinds, keys, fields):
        regs = signs = magnitudes = constant = None  # (each field only where the kind shows it)
        if kind in _WITH_REGISTER:
            regs = list(map(registers.__getitem__, regnums))
        if kind in _WITH_OFFSET:
            signs = list(map(_SIGNS.__getitem__, map(_ZERO.__gt__, offsets)))
            magnitudes = list(map(abs, offsets))
        if kind == LocationKind.ConstantIndex:
            constant = list(map(values.get, offsets, repeat(OUT_OF_RANGE.format(n_constants))))
        out.append(zip(its_keys, format_rows(formats[kind], sizes, regs, signs, magnitudes, offsets, constant)))
    return chain.from_iterable(out)


def location_texts(values: Mapping[int, str], n_constants: int, registers: Registers, kinds: Sequence[int],
                   sizes: Sequence[int], regnums: Sequence[int], offsets: Sequence[int],
                   formats: Mapping[int, str] = _LINE) -> list[str]:
    """Each location's text after its number, in order (see :func:`location_pairs`)."""
    n = len(kinds)
    return in_order(location_pairs(values, n_constants, registers, range(n), kinds,
                                   picked((sizes, regnums, offsets)), formats), n)


def live_out_texts(registers: Registers, regnums: Iterable[int], sizes: Iterable[int]) -> list[str]:
    return list(map(LIVE_OUT.format, map(registers.__getitem__, regnums), sizes))


def describe_location(stackmap: StackMap, loc, arch: str | None) -> str:
    """One location in words, e.g. ``Indirect [R#6 (rbp) - 24]``."""
    off, constants = loc.offset_or_small_constant, stackmap.constants
    values = {off: CONSTANT_VALUE.format(constants[off])} if 0 <= off < len(constants) else {}
    return location_texts(values, len(constants), Registers(arch), [loc.kind], [loc.size], [loc.dwarf_regnum],
                          [off], DESCRIPTION)[0]


def _stack_size(n: int) -> str:
    return DYNAMIC if n == DYNAMIC_STACK_SIZE else str(n)


def head_text(stackmap: StackMap, title: str, records: int) -> str:
    """The title line and the constants."""
    nf, nc = len(stackmap.functions), len(stackmap.constants)
    out = [TITLE.format(title, stackmap.version, count(nf, "function"), count(nc, "constant"), count(records, "record"))]
    if stackmap.constants:
        out.append(CONSTANTS)
        out.extend(map(CONSTANT.format, range(nc), stackmap.constants))
    return "".join(out)


def function_heading(index: int, fn, target: FunctionTarget | None) -> str:
    base = target.address if target else None
    name = f" {target.symbol}" if target and target.symbol else ""
    if target is not None and target.descriptor is not None:
        # ppc64 ELFv1; in shared objects the field holds 0 and the
        # descriptor comes from a dynamic relocation
        where = "" if target.descriptor == fn.address else f" 0x{target.descriptor:x}"
        address = DESCRIPTOR.format(fn.address, where, base)
    elif base is not None and base != fn.address:
        address = RELOCATED.format(fn.address, base)
    else:
        address = f"0x{fn.address:x}"
    return FUNCTION.format(index, name, address, _stack_size(fn.stack_size), count(fn.record_count, "record"))


# -- over the columns ---------------------------------------------------------

def render_text(stackmap: StackMap, *, arch: str | None = None, title: str = "stackmap",
                targets: Sequence[FunctionTarget] | None = None, endian: str | None = None) -> str:
    return "".join(iter_render_text(stackmap, arch=arch, title=title, targets=targets, endian=endian))


CHUNK = 512  # records per piece at most (see texts.pieces)
PIECE_ITEMS = 1 << 14  # locations per piece at most (about 45 bytes of text each)

#: What goes around each location: its number, nothing after the last.
_SEPARATORS = Separators(lambda k, n: LOCATION_NUMBER.format(k) if k < n else "")


def iter_render_text(stackmap: StackMap, *, arch: str | None = None, title: str = "stackmap",
                     targets: Sequence[FunctionTarget] | None = None, endian: str | None = None) -> Iterator[str]:
    """The text in pieces, over the columnar view of the stackmap: each
    distinct location (and live-out) is described once."""
    units, part = text_part(stackmap, arch=arch, title=title, targets=targets, endian=endian)
    return part(0, units)


def text_part(stackmap: StackMap, *, arch: str | None = None, title: str = "stackmap",
              targets: Sequence[FunctionTarget] | None = None,
              endian: str | None = None) -> tuple[int, Callable[[int, int], Iterator[str]]]:
    """``(units, part)``: the text as ``units`` consecutive parts (the head,
    then one per record), ``part(lo, hi)`` the text of parts ``lo`` to
    ``hi`` in pieces (see :mod:`.parallel`)."""
    from ..format.columns import view_of

    v = view_of(stackmap, endian)
    nr = v.record_count
    locs, lives = v.locations, v.live_outs
    registers = Registers(arch)
    values = constant_values(stackmap.constants)
    n_constants = len(stackmap.constants)
    live_names = ("dwarf_regnum", "size")

    def fields(keys: list[bytes]) -> list:
        return locs.columns_of(b"".join(keys), ("size", "dwarf_regnum", "offset_or_small_constant"))

    def make_locations(missing: list[bytes]) -> Iterable[tuple[bytes, str]]:
        kinds = locs.columns_of(b"".join(missing), ("kind",))[0]
        return location_pairs(values, n_constants, registers, missing, kinds, fields)

    def make_live_outs(runs: list[bytes]) -> Iterable[tuple[bytes, str]]:
        """The live-outs line of each distinct run of live-outs (nothing for none)."""
        regnums, sizes = lives.columns_of(b"".join(runs), live_names)
        items = live_out_texts(registers, regnums, sizes)
        return zip(runs, [LIVE_OUTS.format(LIVE_OUT_SEPARATOR.join(texts)) if texts else ""
                          for texts in split_runs(runs, vsize, items)])

    loc_texts, live_lines = Texts(make_locations), Texts(make_live_outs)
    # (each record's id and offset read a chunk at a time: in two processes, each reads its own)
    heads = ("patchpoint_id", "instruction_offset")
    targets = list(targets or [])
    # Each function's heading goes before its first record (records_by_function's grouping);
    # groups: (first record, end, code address or None).
    headings: dict[int, str] = {}
    groups: list[tuple[int, int, int | None]] = []
    *runs, rest = record_runs(stackmap.functions, nr)
    for fi, (fn, run) in enumerate(zip(stackmap.functions, runs)):
        target = targets[fi] if fi < len(targets) else None
        headings[run.start] = headings.get(run.start, "") + function_heading(fi, fn, target)
        groups.append((run.start, run.stop, target.address if target else None))
    if rest:
        headings[rest.start] = headings.get(rest.start, "") + UNCOVERED.format(len(rest))
        groups.append((rest.start, rest.stop, None))
    trailing = headings.pop(nr, "")
    group_starts = [g[0] for g in groups]
    heading_at = sorted(headings)
    lsize, vsize = locs.item_size, lives.item_size
    lstarts, vstarts = locs.starts, lives.starts

    def ats(r0: int, r1: int, offsets: Sequence[int]) -> list[str]:
        """Each record's AT (its address) or nothing; ``offsets``: those of records ``r0`` to ``r1``."""
        out: list[str] = []
        for a, b, base in groups[max(bisect_right(group_starts, r0) - 1, 0):]:
            a, b = max(a, r0), min(b, r1)
            if a >= r1:
                break
            if b > a:
                out.extend(repeat("", b - a) if base is None else format_rows(AT, list(map(base.__add__, offsets[a - r0:b - r0]))))
        return out

    def part(lo: int, hi: int) -> Iterator[str]:
        if lo == 0:
            yield head_text(stackmap, title, nr)
        for r0, r1 in pieces(lstarts, max(lo - 1, 0), hi - 1, PIECE_ITEMS, CHUNK):
            l0 = lstarts[r0]
            items = loc_texts.lookup(item_keys(locs.data[l0 * lsize:lstarts[r1] * lsize], lsize))
            ids, offsets = v.record_columns(heads, r0, r1)
            opens = format_rows(RECORD, ids, offsets, ats(r0, r1, offsets))
            for first in heading_at[bisect_right(heading_at, r0 - 1):bisect_right(heading_at, r1 - 1)]:
                opens[first - r0] = headings[first] + opens[first - r0]
            closes = live_lines.lookup(run_keys(lives.data, vstarts[r0:r1 + 1], vsize))
            yield join_records(opens, closes, locs.counts[r0:r1], items, _SEPARATORS)
        if hi == nr + 1 and trailing:
            yield trailing

    return nr + 1, part
