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

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence, Union

from ..errors import StatepointError
from ..model import LocationKind, Record, StackMap
from ..registers import register_name

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
                             f"{len(locs)} locations: a statepoint has at least 3 (calling convention, flags, N)",
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


@dataclass(frozen=True)
class ResolvedLocation:
    """One location of a statepoint with what it stands for."""

    index: int  #: position among the record's locations
    kind: LocationKind
    size: int
    dwarf_regnum: int
    offset_or_small_constant: int
    #: Constant: the signed 32-bit value; ConstantIndex: the u64 it designates
    #: (None when the index is out of range); other kinds: None
    value: int | None
    register: str | None  #: the register's name (Register, Direct, Indirect) when known
    meaning: str  #: what a runtime does with it, e.g. "spill slot [rsp + 16], 8 bytes"

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


def resolve(stackmap: StackMap, index: int, loc: Any, arch: str | None = None, pointer_size: int = 8) -> ResolvedLocation:
    """Location ``loc`` (number ``index`` of its record) with its value,
    register name and runtime meaning."""
    kind = LocationKind(loc.kind)
    off, size, reg = loc.offset_or_small_constant, loc.size, loc.dwarf_regnum
    value: int | None = None
    register: str | None = None
    width = f"{size} byte{'s' if size != 1 else ''}"
    if kind == LocationKind.Register:
        register = register_name(arch, reg)
        meaning = f"register {_reg(arch, reg)}, {width}"
    elif kind == LocationKind.Direct:
        register = register_name(arch, reg)
        meaning = f"stack address {_reg(arch, reg)} {_plus(off)} (the value is the address itself), {width}"
    elif kind == LocationKind.Indirect:
        register = register_name(arch, reg)
        meaning = f"spill slot [{_reg(arch, reg)} {_plus(off)}], {width}"
    elif kind == LocationKind.Constant:
        value = signed32(off)
        meaning = f"constant {value}"
    else:
        if 0 <= off < len(stackmap.constants):
            value = stackmap.constants[off]
            meaning = f"constant {value} (constants[{off}])"
        else:
            meaning = f"constant #{off}: out of range ({len(stackmap.constants)} constants)"
    if size > pointer_size and size % pointer_size == 0 and kind != LocationKind.Constant:
        meaning += f" ({size // pointer_size} pointers)"
    return ResolvedLocation(index, kind, size, reg, off, value, register, meaning)


# -- decoded statepoints ------------------------------------------------------

@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


def _function_of(stackmap: StackMap) -> Iterator[tuple[int | None, int, Record]]:
    """(function index or None, record index, record), in record order."""
    ri = 0
    for fi, (fn, records) in enumerate(stackmap.records_by_function()):
        for record in records:
            yield (fi if fn is not None else None), ri, record
            ri += 1


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


def decode(
    stackmap: StackMap,
    ids: IdsArg = "auto",
    *,
    arch: str | None = None,
    pointer_size: int = 8,
    targets: Sequence[Any] | None = None,
    blob: int = 0,
) -> list[Statepoint]:
    """The statepoints of ``stackmap``, in record order.

    ``ids``: "auto" (default: the records whose layout fits), "all" (every
    record must fit) or ids (text ``"101,0xABCDEF00"`` or ints: every record
    with one of them must fit).  A selected record that does not fit raises
    :class:`StatepointError` with its path.  ``arch`` names registers;
    ``pointer_size`` (8, or 4 for 32-bit targets) counts the pointers of a
    wide GC location; ``targets`` (one
    :class:`~stackmap_construct.symbols.FunctionTarget` per function record,
    or anything with ``symbol`` and ``address``) supplies function names and
    absolute return addresses; ``blob`` is the stackmap's number in its file.
    """
    sel = selection(ids)
    out = []
    for fi, ri, record in _function_of(stackmap):
        if not sel.candidate(record):
            continue
        if not sel.strict and not is_statepoint(record):
            continue
        out.append(decode_record(stackmap, record, record_index=ri, function_index=fi, arch=arch,
                                 pointer_size=pointer_size, targets=targets, blob=blob))
    return out


def missing_ids(stackmaps: Iterable[StackMap], ids: IdsArg) -> list[int]:
    """The explicit ids of ``ids`` that no record of ``stackmaps`` has."""
    sel = selection(ids)
    if sel.mode != "ids":
        return []
    left = set(sel.ids)
    for sm in stackmaps:
        for record in sm.records:
            left.discard(record.patchpoint_id)
            if not left:
                return []
    return sorted(left)
