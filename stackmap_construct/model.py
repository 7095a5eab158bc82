"""The parsed stackmap as plain Python objects, and its plain-data (JSON) form.

The attribute names are exactly the field names of the construct
definition in :mod:`stackmap_construct.format.v3`, so the definition parses
straight into these classes and builds straight from them.  Counts and
reserved/padding fields are not stored: the format rebuilds counts from the
list lengths and writes reserved bytes as zero.
"""

from __future__ import annotations

import enum
import gc
from dataclasses import dataclass, field
from typing import Any, Iterator

from .errors import BuildError


class LocationKind(enum.IntEnum):
    """How a location's value is found (LLVM ``StackMaps.rst``, "Stack Map Format")."""

    Register = 1  #: the value is in register ``dwarf_regnum``
    Direct = 2  #: the value is the address ``reg + offset`` (e.g. an alloca)
    Indirect = 3  #: the value is spilled at ``[reg + offset]``
    Constant = 4  #: the value is ``offset_or_small_constant`` itself
    ConstantIndex = 5  #: the value is ``constants[offset_or_small_constant]``


@dataclass(slots=True)
class Location:
    """Where one live value (stackmap operand) is found."""

    kind: LocationKind
    size: int
    dwarf_regnum: int
    offset_or_small_constant: int


@dataclass(slots=True)
class LiveOut:
    """A register live across a patchpoint (anyregcc / live-out analysis)."""

    dwarf_regnum: int
    size: int


@dataclass(slots=True)
class Record:
    """One stackmap / patchpoint / statepoint call site."""

    patchpoint_id: int
    instruction_offset: int
    locations: list[Location] = field(default_factory=list)
    live_outs: list[LiveOut] = field(default_factory=list)


#: Metadata key of model fields that are not fields of the format: they are
#: never parsed from or built into the blob (the format's Model skips them).
NOT_IN_FORMAT = "not_in_format"


@dataclass(slots=True)
class Function:
    """One StkSizeRecord: a function that contains stackmap records."""

    address: int
    stack_size: int
    record_count: int
    #: the function's name, when the stackmap was read from an object file
    #: that names it (:func:`stackmap_construct.load`); None when unknown.
    #: Not part of the blob: ignored by build and by comparisons.
    symbol: str | None = field(default=None, compare=False, metadata={NOT_IN_FORMAT: True})

    def __repr__(self) -> str:
        named = "" if self.symbol is None else f", symbol={self.symbol!r}"
        return (f"Function(address={self.address!r}, stack_size={self.stack_size!r}, "
                f"record_count={self.record_count!r}{named})")


#: LLVM writes this stack size for frames of dynamic size (e.g. dynamic alloca).
DYNAMIC_STACK_SIZE = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(slots=True)
class StackMap:
    """A whole ``.llvm_stackmaps`` blob (format version 3)."""

    version: int = 3
    functions: list[Function] = field(default_factory=list)
    constants: list[int] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def records_by_function(self) -> Iterator[tuple[Function | None, list[Record]]]:
        """Records grouped by function, in order, using each function's
        ``record_count`` (records are emitted function by function).

        Records beyond the sum of the record counts are yielded last with
        function ``None``; a function whose count overruns the records gets
        the records that exist.
        """
        start = 0
        for fn in self.functions:
            end = start + fn.record_count
            yield fn, self.records[start:end]
            start = min(end, len(self.records))
        if start < len(self.records):
            yield None, self.records[start:]

    # -- plain-data form -------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StackMap":
        return from_dict(data)


def to_dict(stackmap: StackMap) -> dict[str, Any]:
    """The documented plain-data form (JSON-ready: ints, strings, lists, dicts)."""
    # Only dicts, lists, ints and strings are made (no cycles): the cyclic
    # collector is paused meanwhile, as its passes over the hundreds of
    # thousands of new containers would cost more than making them.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _to_dict(stackmap)
    finally:
        if paused:
            gc.enable()


def _to_dict(stackmap: StackMap) -> dict[str, Any]:
    # Records still backed by parsed bytes give their form in bulk.
    bulk = getattr(stackmap.records, "plain_data", None)
    records = bulk() if bulk is not None else None
    if records is None:
        records = [
            {
                "patchpoint_id": r.patchpoint_id,
                "instruction_offset": r.instruction_offset,
                "locations": [
                    {
                        "kind": LocationKind(loc.kind).name,
                        "size": loc.size,
                        "dwarf_regnum": loc.dwarf_regnum,
                        "offset_or_small_constant": loc.offset_or_small_constant,
                    }
                    for loc in r.locations
                ],
                "live_outs": [{"dwarf_regnum": lo.dwarf_regnum, "size": lo.size} for lo in r.live_outs],
            }
            for r in stackmap.records
        ]
    return {
        "version": stackmap.version,
        "functions": [
            {"address": f.address, "stack_size": f.stack_size, "record_count": f.record_count}
            for f in stackmap.functions
        ],
        "constants": list(stackmap.constants),
        "records": records,
    }


def _take(obj: Any, key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise BuildError(f"expected an object, got {type(obj).__name__}", path=path)
    if key not in obj:
        raise BuildError(f"missing key {key!r}", path=path)
    return obj[key]


def _integer(value: Any, path: str) -> int:
    # bool is an int subclass, but a JSON true is never a field value; a
    # float (1.0) is no integer either: the same rule as build().
    if type(value) is not int:
        err = BuildError(f"must be an integer, got {value!r}", path=path)
        err.path_first = True
        raise err
    return value


def _int(obj: Any, key: str, path: str) -> int:
    return _integer(_take(obj, key, path), f"{path}.{key}" if path else key)


#: The keys of each object of the plain-data form.  Besides the fields,
#: dump's JSON carries "endian", each function's "symbol" and "entry" and
#: each record's "address"; they are accepted (and ignored) so that dump's
#: output builds.
_KEYS = {
    "stackmap": {"version", "functions", "constants", "records", "endian"},
    "function": {"address", "stack_size", "record_count", "symbol", "entry"},
    "record": {"patchpoint_id", "instruction_offset", "locations", "live_outs", "address"},
    "location": {"kind", "size", "dwarf_regnum", "offset_or_small_constant"},
    "live-out": {"dwarf_regnum", "size"},
}


def _known_keys(obj: Any, what: str, path: str) -> None:
    if not isinstance(obj, dict):
        raise BuildError(f"expected an object, got {type(obj).__name__}", path=path)
    unknown = [k for k in obj if k not in _KEYS[what]]
    if unknown:
        raise BuildError(f"unknown key {unknown[0]!r} in a {what} (expected {', '.join(sorted(_KEYS[what]))})",
                         path=f"{path}.{unknown[0]}" if path else str(unknown[0]))


def _list(obj: Any, key: str, path: str) -> list:
    value = _take(obj, key, path)
    if not isinstance(value, list):
        raise BuildError(f"{key} must be a list, got {type(value).__name__}", path=f"{path}.{key}" if path else key)
    return value


_KIND_NAMES: dict[str, LocationKind] = dict(LocationKind.__members__)


def _kind(value: Any, path: str) -> LocationKind:
    if isinstance(value, str) and value in LocationKind.__members__:
        return LocationKind[value]
    if isinstance(value, int) and not isinstance(value, bool) and value in LocationKind._value2member_map_:
        return LocationKind(value)
    names = ", ".join(LocationKind.__members__)
    raise BuildError(f"unknown location kind {value!r} (expected one of {names})", path=path)


def from_dict(data: dict[str, Any]) -> StackMap:
    """Inverse of :func:`to_dict`; raises :class:`BuildError` naming the bad
    key: a missing or unknown key, a value that is not an integer (a bool or
    a float is not), a list that is not a list."""
    # A fresh tree of objects (no cycles): the cyclic collector's passes over
    # its millions of new objects would cost more than making them.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _from_dict(data)
    finally:
        if paused:
            gc.enable()


def _from_dict(data: dict[str, Any]) -> StackMap:
    _known_keys(data, "stackmap", "")
    functions = []
    for i, f in enumerate(_list(data, "functions", "")):
        p = f"functions[{i}]"
        _known_keys(f, "function", p)
        function = Function(_int(f, "address", p), _int(f, "stack_size", p), _int(f, "record_count", p))
        symbol = f.get("symbol")  # optional: dump --format json names each function
        if symbol is not None and not isinstance(symbol, str):
            raise BuildError(f"symbol must be a string or null, got {symbol!r}", path=f"{p}.symbol")
        function.symbol = symbol
        functions.append(function)
    constants = []
    for i, c in enumerate(_list(data, "constants", "")):
        constants.append(_integer(c, f"constants[{i}]"))
    records = []
    for i, r in enumerate(_list(data, "records", "")):
        p = f"records[{i}]"
        _known_keys(r, "record", p)
        patchpoint_id, instruction_offset = _int(r, "patchpoint_id", p), _int(r, "instruction_offset", p)
        locations = []
        for j, loc in enumerate(_list(r, "locations", p)):
            # The common case (a dict of exactly the four keys, exact ints and
            # a kind's name) at once; anything else, the checks below, which
            # name the problem.  Ranges are build's to check.
            if type(loc) is dict and len(loc) == 4:
                kind, size, reg, off = (loc.get("kind"), loc.get("size"), loc.get("dwarf_regnum"),
                                        loc.get("offset_or_small_constant"))
                kind = _KIND_NAMES.get(kind) if type(kind) is str else None
                if kind is not None and type(size) is int and type(reg) is int and type(off) is int:
                    locations.append(Location(kind, size, reg, off))
                    continue
            lp = f"{p}.locations[{j}]"
            _known_keys(loc, "location", lp)
            locations.append(
                Location(
                    _kind(_take(loc, "kind", lp), f"{lp}.kind"),
                    _int(loc, "size", lp),
                    _int(loc, "dwarf_regnum", lp),
                    _int(loc, "offset_or_small_constant", lp),
                )
            )
        live_outs = []
        for j, lo in enumerate(_list(r, "live_outs", p)):
            if type(lo) is dict and len(lo) == 2:
                reg, size = lo.get("dwarf_regnum"), lo.get("size")
                if type(reg) is int and type(size) is int:
                    live_outs.append(LiveOut(reg, size))
                    continue
            lp = f"{p}.live_outs[{j}]"
            _known_keys(lo, "live-out", lp)
            live_outs.append(LiveOut(_int(lo, "dwarf_regnum", lp), _int(lo, "size", lp)))
        records.append(Record(patchpoint_id, instruction_offset, locations, live_outs))
    version = _integer(data["version"], "version") if "version" in data else 3
    return StackMap(version, functions, constants, records)
