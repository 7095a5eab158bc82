"""Statepoint records decoded per LLVM ``docs/Statepoints.rst``, "Stack Map
Format".

The locations of a statepoint record are, in order:

1. Constant: the calling convention of the call target (LLVM's
   ``CallingConv`` id);
2. Constant: the flags passed to ``gc.statepoint`` (1 GC transition,
   2 deopt live-in);
3. Constant: N, the number of deopt *locations* that follow (0 without a
   ``"deopt"`` bundle);
4. N deopt locations, one per value of the ``"deopt"`` bundle;
5. pairs of locations (base, derived), one per relocated pointer.  A pair
   whose locations are k × the pointer size describes k pointers.

This module reads parsed stackmaps (the public model: records, locations,
constants), never bytes.  Which records are statepoints is a
:class:`Selection`: ``"auto"`` (records whose layout fits), ``"all"`` (every
record; one that does not fit is an error) or explicit ids (each record with
one of them must fit).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any, Iterable, Iterator, Sequence, Union

from ..errors import StatepointError
from ..format.columns import view_of
from ..model import LocationKind, Record, StackMap
from ..registers import register_name
from ..wording import count

#: Statepoint ID that LLVM's RewriteStatepointsForGC gives a call site by default.
DEFAULT_STATEPOINT_ID = 0xABCDEF00

#: LLVM ``CallingConv`` ids (``llvm/IR/CallingConv.h``), target-independent part.
CALLING_CONVENTIONS: dict[int, str] = {
    0: "C", 8: "Fast", 9: "Cold", 10: "GHC", 11: "HiPE", 12: "WebKit_JS", 13: "AnyReg",
    14: "PreserveMost", 15: "PreserveAll", 16: "Swift", 17: "CXX_FAST_TLS", 18: "Tail",
    19: "CFGuard_Check", 20: "SwiftTail", 78: "X86_64_SysV", 79: "Win64",
}

#: LLVM ``StatepointFlags`` (``llvm/IR/Statepoint.h``); any other bit is invalid.
FLAG_NAMES: dict[int, str] = {1: "GCTransition", 2: "DeoptLiveIn"}
FLAGS_MASK = 3

#: The index of each leading Constant in a statepoint record.
CC_INDEX, FLAGS_INDEX, NUM_DEOPT_INDEX = 0, 1, 2
HEADER_LOCATIONS = 3


def signed32(value: int) -> int:
    """A Constant location's value: its 32 bits as a signed integer (``i32 -1`` is -1)."""
    return ((value + 2**31) % 2**32) - 2**31


# -- which records ------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """Which records are statepoints: ``mode`` "auto", "all" or "ids"."""

    mode: str = "auto"
    ids: frozenset[int] = frozenset()

    @property
    def strict(self) -> bool:
        """Selected records must fit (an explicit choice, not a guess)."""
        return self.mode != "auto"

    def candidate(self, record: Record) -> bool:
        """Is ``record`` one this selection considers at all?"""
        return self.mode != "ids" or record.patchpoint_id in self.ids

    def describe(self) -> str:
        if self.mode == "ids":
            return "ids " + ",".join(str(i) for i in sorted(self.ids))
        return self.mode


IdsArg = Union[str, Selection, Iterable[int]]


def selection(ids: IdsArg = "auto") -> Selection:
    """A :class:`Selection` from ``"auto"``, ``"all"``, a text list of ids
    (``"101,0xABCDEF00"``) or an iterable of ints."""
    if isinstance(ids, Selection):
        return ids
    if isinstance(ids, str):
        text = ids.strip()
        if text in ("auto", "all"):
            return Selection(text)
        values = []
        for part in text.split(","):
            part = part.strip()
            try:
                value = int(part, 0)
            except ValueError:
                raise ValueError(f"expected auto, all or ids such as 101,0xABCDEF00; got {part!r}") from None
            if not 0 <= value < 2**64:
                raise ValueError(f"id {part} does not fit a u64 patchpoint id")
            values.append(value)
        return Selection("ids", frozenset(values))
    return Selection("ids", frozenset(int(i) for i in ids))


@dataclass(frozen=True)
class LayoutProblem:
    """Why a record is not laid out as a statepoint."""

    code: str  #: "statepoint-layout", "statepoint-deopt-count" or "statepoint-odd-remainder"
    message: str
    path: str  #: field path inside the record, e.g. ``locations[2].kind``


def layout_problem(record: Record) -> LayoutProblem | None:
    """None when ``record`` fits the statepoint layout (three leading
    Constants, N within range, an even remainder), else what is wrong."""
    locs = record.locations
    if len(locs) < HEADER_LOCATIONS:
        return LayoutProblem("statepoint-layout",
                             f"{count(len(locs), 'location')}: a statepoint has at least 3 (calling convention, flags, N)",
                             "num_locations")
    for i, role in enumerate(("calling convention", "flags", "number of deopt locations")):
        if locs[i].kind != LocationKind.Constant:
            return LayoutProblem("statepoint-layout",
                                 f"location {i} ({role}) is {LocationKind(locs[i].kind).name}, not Constant",
                                 f"locations[{i}].kind")
    n = signed32(locs[NUM_DEOPT_INDEX].offset_or_small_constant)
    rest = len(locs) - HEADER_LOCATIONS
    if not 0 <= n <= rest:
        return LayoutProblem("statepoint-deopt-count",
                             f"N = {n} deopt locations, but {rest} location(s) follow the three constants",
                             f"locations[{NUM_DEOPT_INDEX}].offset_or_small_constant")
    if (rest - n) % 2:
        return LayoutProblem("statepoint-odd-remainder",
                             f"{rest - n} locations after the {n} deopt location(s): "
                             "GC pointers come in (base, derived) pairs",
                             "num_locations")
    return None


def is_statepoint(record: Record) -> bool:
    """Does ``record`` fit the statepoint layout?"""
    return layout_problem(record) is None


# -- what each location means -------------------------------------------------

def _reg(arch: str | None, regnum: int) -> str:
    return register_name(arch, regnum) or f"R#{regnum}"


def _plus(offset: int) -> str:
    return f"+ {offset}" if offset >= 0 else f"- {-offset}"


@dataclass(slots=True)
class ResolvedLocation:
    """One location of a statepoint with what it stands for.  ``register``
    and ``meaning`` are worked out when read (text output), not when
    decoding."""

    index: int  #: position among the record's locations
    kind: LocationKind
    size: int
    dwarf_regnum: int
    offset_or_small_constant: int
    #: Constant: the signed 32-bit value; ConstantIndex: the u64 it designates
    #: (None when the index is out of range); other kinds: None
    value: int | None
    arch: str | None = field(default=None, repr=False, compare=False)  #: for register names
    pointer_size: int = field(default=8, repr=False, compare=False)
    pool_size: int = field(default=0, repr=False, compare=False)  #: number of constants (for out-of-range indices)

    @property
    def register(self) -> str | None:
        """The register's name (Register, Direct, Indirect) when known."""
        if self.kind in (LocationKind.Register, LocationKind.Direct, LocationKind.Indirect):
            return register_name(self.arch, self.dwarf_regnum)
        return None

    @property
    def meaning(self) -> str:
        """What a runtime does with it, e.g. ``spill slot [rsp + 16], 8 bytes``."""
        kind, off, size = self.kind, self.offset_or_small_constant, self.size
        width = f"{size} byte{'s' if size != 1 else ''}"
        if kind == LocationKind.Register:
            text = f"register {_reg(self.arch, self.dwarf_regnum)}, {width}"
        elif kind == LocationKind.Direct:
            text = (f"stack address {_reg(self.arch, self.dwarf_regnum)} {_plus(off)}"
                    f" (the value is the address itself), {width}")
        elif kind == LocationKind.Indirect:
            text = f"spill slot [{_reg(self.arch, self.dwarf_regnum)} {_plus(off)}], {width}"
        elif kind == LocationKind.Constant:
            return f"constant {self.value}"
        elif self.value is not None:
            text = f"constant {self.value} (constants[{off}])"
        else:
            text = f"constant #{off}: out of range ({self.pool_size} constants)"
        p = self.pointer_size
        if size > p and size % p == 0:
            text += f" ({size // p} pointers)"
        return text

    def to_json(self) -> dict[str, Any]:
        """dump's JSON location, plus ``"value"`` for Constant and ConstantIndex."""
        out: dict[str, Any] = {
            "kind": self.kind.name, "size": self.size, "dwarf_regnum": self.dwarf_regnum,
            "offset_or_small_constant": self.offset_or_small_constant,
        }
        if self.kind in (LocationKind.Constant, LocationKind.ConstantIndex):
            out["value"] = self.value
        return out

    def same_place(self, other: "ResolvedLocation") -> bool:
        """Both describe the same value (a derived pointer that is its base)."""
        return (self.kind, self.size, self.dwarf_regnum, self.offset_or_small_constant, self.value) == \
            (other.kind, other.size, other.dwarf_regnum, other.offset_or_small_constant, other.value)


_KINDS = {int(k): k for k in LocationKind}


def resolve(stackmap: StackMap, index: int, loc: Any, arch: str | None = None, pointer_size: int = 8) -> ResolvedLocation:
    """Location ``loc`` (number ``index`` of its record) with its value;
    its register name and runtime meaning follow on demand."""
    kind = _KINDS[loc.kind]
    off = loc.offset_or_small_constant
    value: int | None = None
    constants = stackmap.constants
    if kind == LocationKind.Constant:
        value = signed32(off)
    elif kind == LocationKind.ConstantIndex and 0 <= off < len(constants):
        value = constants[off]
    return ResolvedLocation(index, kind, loc.size, loc.dwarf_regnum, off, value, arch, pointer_size, len(constants))


# -- decoded statepoints ------------------------------------------------------

@dataclass(slots=True)
class GCPointer:
    """One relocation record: the derived pointer(s) to update and the base
    of the object they belong to."""

    base: ResolvedLocation
    derived: ResolvedLocation
    #: how many pointers the pair describes: a location of k × the pointer
    #: size holds k of them
    pointers: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base.to_json(), "derived": self.derived.to_json()}


@dataclass(slots=True)
class Statepoint:
    """One decoded statepoint call site."""

    stackmap: int  #: which blob of the file (0 for a single stackmap)
    record_index: int  #: index in the blob's records
    function_index: int | None  #: index of its function record (None: beyond every record count)
    function: str | None  #: the function's symbol, when known
    patchpoint_id: int
    instruction_offset: int
    #: the absolute return address (function address + offset), when the
    #: function's address is known (linked images)
    address: int | None
    stack_size: int | None  #: the function's frame size (None without a function)
    calling_convention: int
    flags: int
    deopt: tuple[ResolvedLocation, ...]
    gc_pointers: tuple[GCPointer, ...]
    header: tuple[ResolvedLocation, ResolvedLocation, ResolvedLocation]  #: the three leading Constants
    live_outs: int = 0  #: number of live-outs (a statepoint has none)

    @property
    def calling_convention_name(self) -> str | None:
        return CALLING_CONVENTIONS.get(self.calling_convention)

    @property
    def flag_names(self) -> list[str]:
        return [name for bit, name in FLAG_NAMES.items() if self.flags & bit]

    def to_json(self) -> dict[str, Any]:
        """The entry of ``statepoints --format json``."""
        return {
            "stackmap": self.stackmap, "function": self.function, "patchpoint_id": self.patchpoint_id,
            "instruction_offset": self.instruction_offset, "address": self.address,
            "stack_size": self.stack_size, "calling_convention": self.calling_convention, "flags": self.flags,
            "deopt": [d.to_json() for d in self.deopt],
            "gc_pointers": [p.to_json() for p in self.gc_pointers],
        }


def decode_record(
    stackmap: StackMap,
    record: Record,
    *,
    record_index: int = 0,
    function_index: int | None = None,
    arch: str | None = None,
    pointer_size: int = 8,
    targets: Sequence[Any] | None = None,
    blob: int = 0,
) -> Statepoint:
    """``record`` (of ``stackmap``) as a :class:`Statepoint`; raises
    :class:`StatepointError` naming the record when it does not fit."""
    problem = layout_problem(record)
    if problem is not None:
        raise StatepointError(
            f"record #{record_index} (id {record.patchpoint_id}) is not a statepoint: {problem.message}",
            code=problem.code, path=f"records[{record_index}].{problem.path}",
        )
    locs = [resolve(stackmap, i, loc, arch, pointer_size) for i, loc in enumerate(record.locations)]
    n = locs[NUM_DEOPT_INDEX].value or 0
    deopt = tuple(locs[HEADER_LOCATIONS:HEADER_LOCATIONS + n])
    rest = locs[HEADER_LOCATIONS + n:]
    pairs = tuple(GCPointer(rest[i], rest[i + 1], max(1, rest[i + 1].size // pointer_size))
                  for i in range(0, len(rest), 2))
    symbol = address = stack_size = None
    if function_index is not None:
        target = targets[function_index] if targets is not None and function_index < len(targets) else None
        symbol = getattr(target, "symbol", None)
        base = getattr(target, "address", None)
        address = base + record.instruction_offset if base is not None else None
        stack_size = stackmap.functions[function_index].stack_size
    return Statepoint(
        stackmap=blob, record_index=record_index, function_index=function_index, function=symbol,
        patchpoint_id=record.patchpoint_id, instruction_offset=record.instruction_offset, address=address,
        stack_size=stack_size, calling_convention=locs[CC_INDEX].value or 0, flags=locs[FLAGS_INDEX].value or 0,
        deopt=deopt, gc_pointers=pairs, header=(locs[0], locs[1], locs[2]), live_outs=len(record.live_outs),
    )


class StatepointColumns:
    """The statepoints of one stackmap, read from its columnar
    :func:`~stackmap_construct.format.columns.view`: which records fit the
    layout is decided on the columns (the kind, offset and count of the
    locations) for every record at once, and a record is decoded from its
    rows without making its :class:`~stackmap_construct.model.Record`.
    Arguments as :func:`decode`."""

    def __init__(self, stackmap: StackMap, *, arch: str | None = None, pointer_size: int = 8,
                 targets: Sequence[Any] | None = None, blob: int = 0, endian: str | None = None):
        self.stackmap = stackmap
        self.view = v = view_of(stackmap, endian)
        self.arch, self.pointer_size, self.blob = arch, pointer_size, blob
        table = v.locations
        self._starts, self._counts = table.starts, table.counts
        self._kind = table.column("kind")
        self._size = table.column("size")
        self._reg = table.column("dwarf_regnum")
        self._off = table.column("offset_or_small_constant")
        self._live_outs = v.live_outs.counts
        self._ids = v.record_column("patchpoint_id")
        self._offsets = v.record_column("instruction_offset")
        self._function_of = v.function_of
        self._constants = list(stackmap.constants)
        functions = stackmap.functions
        self._stack_sizes = [fn.stack_size for fn in functions]
        nf = len(functions)
        t = list(targets) if targets is not None else []
        self._symbols = [getattr(x, "symbol", None) for x in t[:nf]] + [None] * max(0, nf - len(t))
        self._bases = [getattr(x, "address", None) for x in t[:nf]] + [None] * max(0, nf - len(t))
        self._fits: list[bool] | None = None

    def __len__(self) -> int:
        return self.view.record_count

    @property
    def fits(self) -> list[bool]:
        """For every record: is it laid out as a statepoint (three leading
        Constants, 0 <= N <= the locations left, an even remainder)?"""
        if self._fits is None:
            counts, starts, off = self._counts, self._starts, self._off
            n = len(counts)
            # Three locations at least, the first three Constant: one bytes
            # search per record over the kind column.
            kinds = self._kind.tobytes()
            three = bytes([LocationKind.Constant]) * HEADER_LOCATIONS
            long_enough = list(compress(range(n), map(HEADER_LOCATIONS.__le__, counts)))
            headed = compress(long_enough, map(kinds.startswith, repeat(three), map(starts.__getitem__, long_enough)))
            fits = [False] * n
            for i in headed:
                rest = counts[i] - HEADER_LOCATIONS
                num = signed32(off[starts[i] + NUM_DEOPT_INDEX])
                if 0 <= num <= rest and not (rest - num) & 1:
                    fits[i] = True
            self._fits = fits
        return self._fits

    def candidates(self, sel: Selection) -> Iterator[int]:
        """Indices of the records ``sel`` considers (every record, or those
        with one of its ids)."""
        n = len(self._ids)
        if sel.mode != "ids":
            return iter(range(n))
        return compress(range(n), map(sel.ids.__contains__, self._ids))

    def selected(self, sel: Selection) -> Iterator[int]:
        """Indices of the statepoints ``sel`` chooses; a record it insists on
        (``all``, ids) that does not fit raises :class:`StatepointError`
        naming its field and the field's byte offset in the blob."""
        fits = self.fits
        if not sel.strict:
            return compress(self.candidates(sel), map(fits.__getitem__, self.candidates(sel)))
        chosen = list(self.candidates(sel))
        for ri in chosen:
            if not fits[ri]:
                raise self.error(ri)
        return iter(chosen)

    def problem(self, ri: int) -> LayoutProblem | None:
        """Why record ``ri`` is not a statepoint (None when it is one)."""
        if self.fits[ri]:
            return None
        return layout_problem(self.stackmap.records[ri])

    def error(self, ri: int) -> StatepointError:
        """The error of record ``ri`` taken as a statepoint, with the offset of the field at fault."""
        problem = self.problem(ri)
        assert problem is not None
        path = f"records[{ri}].{problem.path}"
        try:
            offset: int | None = self.view.offset_of(path)
        except (KeyError, IndexError):  # pragma: no cover - every problem path names a field
            offset = None
        return StatepointError(f"record #{ri} (id {self._ids[ri]}) is not a statepoint: {problem.message}",
                               code=problem.code, path=path, offset=offset)

    def decode(self, ri: int) -> Statepoint:
        """Record ``ri``, which fits (see :attr:`fits`), as a :class:`Statepoint`."""
        s, e = self._starts[ri], self._starts[ri + 1]
        kinds = list(map(_KINDS.__getitem__, self._kind[s:e]))
        offs = self._off[s:e]
        constants = self._constants
        pool = len(constants)
        values = [signed32(o) if k == _CONSTANT else constants[o] if k == _CONSTANT_INDEX and 0 <= o < pool else None
                  for k, o in zip(kinds, offs)]
        c = e - s
        arch, psize = self.arch, self.pointer_size
        locs = list(map(ResolvedLocation, range(c), kinds, self._size[s:e], self._reg[s:e], offs, values,
                        repeat(arch, c), repeat(psize, c), repeat(pool, c)))
        n = values[NUM_DEOPT_INDEX] or 0
        deopt = tuple(locs[HEADER_LOCATIONS:HEADER_LOCATIONS + n])
        rest = locs[HEADER_LOCATIONS + n:]
        pairs = tuple(GCPointer(rest[i], rest[i + 1], max(1, rest[i + 1].size // psize))
                      for i in range(0, len(rest), 2))
        fi: int | None = self._function_of[ri]
        offset = self._offsets[ri]
        symbol = address = stack_size = None
        if fi is not None and fi >= 0:
            symbol = self._symbols[fi]
            base = self._bases[fi]
            address = base + offset if base is not None else None
            stack_size = self._stack_sizes[fi]
        else:
            fi = None
        return Statepoint(
            stackmap=self.blob, record_index=ri, function_index=fi, function=symbol,
            patchpoint_id=self._ids[ri], instruction_offset=offset, address=address, stack_size=stack_size,
            calling_convention=values[CC_INDEX] or 0, flags=values[FLAGS_INDEX] or 0,
            deopt=deopt, gc_pointers=pairs, header=(locs[0], locs[1], locs[2]), live_outs=self._live_outs[ri],
        )


_CONSTANT, _CONSTANT_INDEX = LocationKind.Constant, LocationKind.ConstantIndex


def decode(
    stackmap: StackMap,
    ids: IdsArg = "auto",
    *,
    arch: str | None = None,
    pointer_size: int = 8,
    targets: Sequence[Any] | None = None,
    blob: int = 0,
    endian: str | None = None,
) -> list[Statepoint]:
    """The statepoints of ``stackmap``, in record order.

    ``ids``: "auto" (default: the records whose layout fits), "all" (every
    record must fit) or ids (text ``"101,0xABCDEF00"`` or ints: every record
    with one of them must fit).  A selected record that does not fit raises
    :class:`StatepointError` with its path and the byte offset of that field
    in the blob (in the byte order ``endian``; by default the one the
    stackmap was parsed in).  ``arch`` names registers;
    ``pointer_size`` (8, or 4 for 32-bit targets) counts the pointers of a
    wide GC location; ``targets`` (one
    :class:`~stackmap_construct.symbols.FunctionTarget` per function record,
    or anything with ``symbol`` and ``address``) supplies function names and
    absolute return addresses; ``blob`` is the stackmap's number in its file.

    Reads the stackmap's columns (:class:`StatepointColumns`): no record
    object is made.
    """
    cols = StatepointColumns(stackmap, arch=arch, pointer_size=pointer_size, targets=targets, blob=blob,
                             endian=endian)
    return decode_rows(cols, cols.selected(selection(ids)))


def decode_rows(columns: StatepointColumns, records: Iterable[int]) -> list[Statepoint]:
    """The records ``records`` (indices, each one that fits) of ``columns`` decoded, in bulk."""
    with _collector_paused():
        return list(map(columns.decode, records))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while decoding in bulk: the
    objects made (locations, pairs, statepoints) form no cycles, and the
    collections their number triggers would otherwise double the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def missing_ids(stackmaps: Iterable[StackMap], ids: IdsArg) -> list[int]:
    """The explicit ids of ``ids`` that no record of ``stackmaps`` has."""
    sel = selection(ids)
    if sel.mode != "ids":
        return []
    left = set(sel.ids)
    for sm in stackmaps:
        left.difference_update(view_of(sm).record_column("patchpoint_id"))
        if not left:
            return []
    return sorted(left)
