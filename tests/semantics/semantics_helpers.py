"""Small builders shared by the semantics tests (stackmap objects by hand)."""

from __future__ import annotations

from stackmap_construct.model import Function, Location, LocationKind, Record, StackMap
from stackmap_construct.semantics import (
    MachineValue,
    StackmapEntry,
    StackmapEntryKind,
    ValueSemantic,
    WasmAbstractValue,
)

V = ValueSemantic
M = MachineValue
W = WasmAbstractValue
K = StackmapEntryKind
U = M.Undefined
RBP = 6


def reg(regnum: int, size: int = 8) -> Location:
    return Location(LocationKind.Register, size, regnum, 0)


def direct(offset: int, regnum: int = RBP, size: int = 8) -> Location:
    return Location(LocationKind.Direct, size, regnum, offset)


def indirect(offset: int, regnum: int = RBP, size: int = 8) -> Location:
    return Location(LocationKind.Indirect, size, regnum, offset)


def const(value: int, size: int = 8) -> Location:
    return Location(LocationKind.Constant, size, 0, value)


def const_index(index: int, size: int = 8) -> Location:
    return Location(LocationKind.ConstantIndex, size, 0, index)


def entry(kind, fid=0, opcode=0, semantics=(), locals_=None, stack=None, start=True) -> StackmapEntry:
    """An entry whose local/stack counts default to what its semantics hold."""
    semantics = tuple(semantics)
    if locals_ is None:
        locals_ = sum(isinstance(s, V.WasmLocal) for s in semantics)
    if stack is None:
        stack = sum(isinstance(s, V.WasmStack) for s in semantics)
    return StackmapEntry(kind, fid, opcode, semantics, locals_, stack, start)


def end_of(start: StackmapEntry) -> StackmapEntry:
    return StackmapEntry(start.kind, start.local_function_id, start.opcode_offset, (), 0, 0, False)


def record(pid: int, offset: int, *locations: Location) -> Record:
    return Record(pid, offset, list(locations), [])


def stackmap(functions=(), records=(), constants=()) -> StackMap:
    return StackMap(3, list(functions), list(constants), list(records))


def fn(address: int, stack_size: int = 24, record_count: int = 0) -> Function:
    return Function(address, stack_size, record_count)
