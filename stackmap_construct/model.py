"""The parsed stackmap as plain Python objects, and its plain-data (JSON) form.

The attribute names are exactly the field names of the construct
definition in :mod:`stackmap_construct.format.v3`, so the definition parses
straight into these classes and builds straight from them.  Counts and
reserved/padding fields are not stored: the format rebuilds counts from the
list lengths and writes reserved bytes as zero.

The classes are ``@dataclass(slots=True)`` classes (``fields()``,
``asdict()``, ``replace()``, ``is_dataclass()`` work on them) with their
methods written out: importing :mod:`dataclasses` (with :mod:`inspect`,
:mod:`ast`, :mod:`dis`, :mod:`typing`...) and generating the methods cost
every command ~12 ms of start-up, more than a whole ``dump`` of a small
object.  Their ``__dataclass_fields__`` and ``__dataclass_params__`` are
made by :mod:`dataclasses` itself when first asked for.
tests/test_model_dataclass.py checks each class against what
``@dataclass(slots=True)`` makes of the same fields.
"""

from __future__ import annotations

import enum
import gc
from _thread import get_ident

from .errors import BuildError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as _dataclass
    from typing import Any, Callable, Iterator
else:
    def _dataclass(cls):
        """What ``@dataclass(slots=True)`` adds besides the methods written
        out in the class (type checkers see the real ``@dataclass``)."""
        for name in ("__dataclass_fields__", "__dataclass_params__"):
            facts = _DataclassFacts()
            facts.__set_name__(cls, name)
            setattr(cls, name, facts)
        cls.__match_args__ = cls.__slots__
        cls.__hash__ = None
        # Its __init__ sets its slots and nothing else: the fast path may
        # make an object by setting them on object.__new__(cls) itself
        # (format.fast.codegen.fields_only_init).
        cls.__fields_only_init__ = True
        return cls


class LocationKind(enum.IntEnum):
    """How a location's value is found (LLVM ``StackMaps.rst``, "Stack Map Format")."""

    Register = 1  #: the value is in register ``dwarf_regnum``
    Direct = 2  #: the value is the address ``reg + offset`` (e.g. an alloca)
    Indirect = 3  #: the value is spilled at ``[reg + offset]``
    Constant = 4  #: the value is ``offset_or_small_constant`` itself
    ConstantIndex = 5  #: the value is ``constants[offset_or_small_constant]``


#: Metadata key of model fields that are not fields of the format: they are
#: never parsed from or built into the blob (the format's Model skips them).
NOT_IN_FORMAT = "not_in_format"

#: The ``dataclasses.field()`` options of each field that is not a plain,
#: required one (the defaults the ``__init__`` methods below write out).
_FIELD_OPTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "Record": {"locations": {"default_factory": list}, "live_outs": {"default_factory": list}},
    "Function": {"symbol": {"default": None, "compare": False, "metadata": {NOT_IN_FORMAT: True}}},
    "StackMap": {"version": {"default": 3}, "functions": {"default_factory": list},
                 "constants": {"default_factory": list}, "records": {"default_factory": list}},
}


class _DataclassFacts:
    """A model class's ``__dataclass_fields__`` or ``__dataclass_params__``,
    made when first asked for: ``@dataclass(slots=True)`` applied to a class
    of the same name, annotations and :data:`_FIELD_OPTIONS` makes both, and
    they replace the two descriptors."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner, self.name = owner, name

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        import dataclasses

        owner = self.owner
        namespace: dict[str, Any] = {"__annotations__": dict(owner.__annotations__),
                                     "__module__": owner.__module__, "__qualname__": owner.__qualname__}
        for name, options in _FIELD_OPTIONS.get(owner.__name__, {}).items():
            namespace[name] = dataclasses.field(**options)
        made: type = dataclasses.dataclass(slots=True)(type(owner.__name__, (), namespace))
        for attr in ("__dataclass_fields__", "__dataclass_params__"):
            setattr(owner, attr, made.__dict__[attr])
        return owner.__dict__[self.name]


class _Factory:
    """The default of a field made by a factory (dataclasses' ``<factory>``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY: Any = _Factory()


def _recursive_repr(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """``...`` for an object met again while it is being printed (as a
    dataclass's repr)."""
    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = id(self), get_ident()
        if key in running:
            return "..."
        running.add(key)
        try:
            return fn(self)
        finally:
            running.discard(key)

    __repr__.__qualname__ = fn.__qualname__
    return __repr__


@_dataclass
class Location:
    """Where one live value (stackmap operand) is found."""

    __slots__ = ("kind", "size", "dwarf_regnum", "offset_or_small_constant")
    kind: LocationKind
    size: int
    dwarf_regnum: int
    offset_or_small_constant: int

    def __init__(self, kind: LocationKind, size: int, dwarf_regnum: int, offset_or_small_constant: int) -> None:
        self.kind = kind
        self.size = size
        self.dwarf_regnum = dwarf_regnum
        self.offset_or_small_constant = offset_or_small_constant

    @_recursive_repr
    def __repr__(self) -> str:
        return (f"{self.__class__.__qualname__}(kind={self.kind!r}, size={self.size!r}, "
                f"dwarf_regnum={self.dwarf_regnum!r}, offset_or_small_constant={self.offset_or_small_constant!r})")

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return ((self.kind, self.size, self.dwarf_regnum, self.offset_or_small_constant)
                    == (other.kind, other.size, other.dwarf_regnum, other.offset_or_small_constant))
        return NotImplemented


@_dataclass
class LiveOut:
    """A register live across a patchpoint (anyregcc / live-out analysis)."""

    __slots__ = ("dwarf_regnum", "size")
    dwarf_regnum: int
    size: int

    def __init__(self, dwarf_regnum: int, size: int) -> None:
        self.dwarf_regnum = dwarf_regnum
        self.size = size

    @_recursive_repr
    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}(dwarf_regnum={self.dwarf_regnum!r}, size={self.size!r})"

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return (self.dwarf_regnum, self.size) == (other.dwarf_regnum, other.size)
        return NotImplemented


@_dataclass
class Record:
    """One stackmap / patchpoint / statepoint call site."""

    __slots__ = ("patchpoint_id", "instruction_offset", "locations", "live_outs")
    patchpoint_id: int
    instruction_offset: int
    locations: list[Location]
    live_outs: list[LiveOut]

    def __init__(self, patchpoint_id: int, instruction_offset: int, locations: list[Location] = _FACTORY,
                 live_outs: list[LiveOut] = _FACTORY) -> None:
        self.patchpoint_id = patchpoint_id
        self.instruction_offset = instruction_offset
        self.locations = [] if locations is _FACTORY else locations
        self.live_outs = [] if live_outs is _FACTORY else live_outs

    @_recursive_repr
    def __repr__(self) -> str:
        return (f"{self.__class__.__qualname__}(patchpoint_id={self.patchpoint_id!r}, "
                f"instruction_offset={self.instruction_offset!r}, locations={self.locations!r}, "
                f"live_outs={self.live_outs!r})")

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return ((self.patchpoint_id, self.instruction_offset, self.locations, self.live_outs)
                    == (other.patchpoint_id, other.instruction_offset, other.locations, other.live_outs))
        return NotImplemented


@_dataclass
class Function:
    """One StkSizeRecord: a function that contains stackmap records."""

    __slots__ = ("address", "stack_size", "record_count", "symbol")
    address: int
    stack_size: int
    record_count: int
    #: the function's name, when the stackmap was read from an object file
    #: that names it (:func:`stackmap_construct.load`); None when unknown.
    #: Not part of the blob: ignored by build and by comparisons.
    symbol: str | None

    def __init__(self, address: int, stack_size: int, record_count: int, symbol: str | None = None) -> None:
        self.address = address
        self.stack_size = stack_size
        self.record_count = record_count
        self.symbol = symbol

    def __repr__(self) -> str:
        named = "" if self.symbol is None else f", symbol={self.symbol!r}"
        return (f"Function(address={self.address!r}, stack_size={self.stack_size!r}, "
                f"record_count={self.record_count!r}{named})")

    def __eq__(self, other: Any) -> bool:  # (symbol: not compared)
        if other.__class__ is self.__class__:
            return ((self.address, self.stack_size, self.record_count)
                    == (other.address, other.stack_size, other.record_count))
        return NotImplemented


#: LLVM writes this stack size for frames of dynamic size (e.g. dynamic alloca).
DYNAMIC_STACK_SIZE = 0xFFFF_FFFF_FFFF_FFFF


@_dataclass
class StackMap:
    """A whole ``.llvm_stackmaps`` blob (format version 3)."""

    __slots__ = ("version", "functions", "constants", "records")
    version: int
    functions: list[Function]
    constants: list[int]
    records: list[Record]

    def __init__(self, version: int = 3, functions: list[Function] = _FACTORY, constants: list[int] = _FACTORY,
                 records: list[Record] = _FACTORY) -> None:
        self.version = version
        self.functions = [] if functions is _FACTORY else functions
        self.constants = [] if constants is _FACTORY else constants
        self.records = [] if records is _FACTORY else records

    @_recursive_repr
    def __repr__(self) -> str:
        return (f"{self.__class__.__qualname__}(version={self.version!r}, functions={self.functions!r}, "
                f"constants={self.constants!r}, records={self.records!r})")

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return ((self.version, self.functions, self.constants, self.records)
                    == (other.version, other.functions, other.constants, other.records))
        return NotImplemented

    def records_by_function(self) -> Iterator[tuple[Function | None, list[Record]]]:
        """Records grouped by function, in order, using each function's
        ``record_count`` (records are emitted function by function).

        Records beyond the sum of the record counts are yielded last with
        function ``None``; a function whose count overruns the records gets
        the records that exist.
        """
        *runs, rest = record_runs(self.functions, len(self.records))
        for fn, run in zip(self.functions, runs):
            yield fn, self.records[run.start:run.stop]
        if rest:
            yield None, self.records[rest.start:rest.stop]

    # -- plain-data form -------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StackMap":
        return from_dict(data)


def record_runs(functions: list[Function], record_count: int) -> list[range]:
    """The record indices each function owns, one range per function, then
    one for the records beyond the sum of the record counts (often empty).

    Records follow their function in order (LLVM emits them function by
    function), each function taking the next ``record_count``; a function
    whose count overruns the records gets those that exist, and the
    functions after it none."""
    runs = []
    start = 0
    for fn in functions:
        end = max(start, min(start + fn.record_count, record_count))  # (a negative count, in a hand-made model: none)
        runs.append(range(start, end))
        start = end
    runs.append(range(start, record_count))
    return runs


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
        # The common case (a dict of exactly the three fields, exact ints)
        # at once; anything else, the checks below, which name the problem.
        if type(f) is dict and len(f) == 3:
            address, stack_size, record_count = f.get("address"), f.get("stack_size"), f.get("record_count")
            if type(address) is int and type(stack_size) is int and type(record_count) is int:
                functions.append(Function(address, stack_size, record_count))
                continue
        p = f"functions[{i}]"
        _known_keys(f, "function", p)
        function = Function(_int(f, "address", p), _int(f, "stack_size", p), _int(f, "record_count", p))
        symbol = f.get("symbol")  # optional: dump --format json names each function
        if symbol is not None and not isinstance(symbol, str):
            raise BuildError(f"symbol must be a string or null, got {symbol!r}", path=f"{p}.symbol")
        function.symbol = symbol
        functions.append(function)
    constants = list(_list(data, "constants", ""))
    if list(map(type, constants)).count(int) != len(constants):  # (exact ints: one C loop)
        for i, c in enumerate(constants):
            _integer(c, f"constants[{i}]")  # raises, naming the first that is not
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
