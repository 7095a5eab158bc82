"""The types of wasmer's (2019) suspend/resume state maps, in Python form.

Names follow the seed: ``wasmer_llvm_backend::stackmap`` (``ValueSemantic``,
``StackmapEntryKind``, ``StackmapEntry``, ``StackmapRegistry``) and
``wasmer_runtime_core::state`` (``MachineValue``, ``WasmAbstractValue``,
``MachineState``, ``MachineStateDiff``, ``FunctionStateMap``,
``ModuleStateMap``, ``SuspendOffset``, ``OffsetInfo``, ``RegisterIndex``).

Values (enum variants, entries, offset infos, states, diffs) are immutable;
``FunctionStateMap`` and ``ModuleStateMap`` are the accumulators that
``populate_msm`` fills in, as in the seed, and are mutable.  Ordered maps
(Rust ``BTreeMap``) are plain dicts here; the JSON form always writes them
in ascending key order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from ._variants import Variant, enum_base, tuple_variant, unit_variant

__all__ = [
    "ValueSemantic", "StackmapEntryKind", "StackmapEntry", "StackmapRegistry",
    "RegisterIndex", "MachineValue", "WasmAbstractValue", "SuspendOffset", "OffsetInfo",
    "MachineState", "MachineStateDiff", "FunctionStateMap", "ModuleStateMap", "LocalOrImport",
]


def _path_to_tuple(self: Any) -> None:
    object.__setattr__(self, "path", tuple(self.path))


# --------------------------------------------------------------------------
# The registry: what the wasm compiler recorded for each stackmap call
# --------------------------------------------------------------------------


@enum_base
class ValueSemantic(Variant):
    """What one stackmap operand means in wasm terms (seed: ``ValueSemantic``).

    Variants: ``WasmLocal(index)``, ``WasmStack(index)``, ``Ctx``,
    ``SignalMem``, ``PointerToMemoryBase``, ``PointerToMemoryBound``,
    ``MemoryBase``, ``MemoryBound``, ``PointerToGlobal(index)``,
    ``Global(index)``, ``PointerToTableBase``, ``PointerToTableBound``,
    ``ImportedFuncPointer(index)``, ``ImportedFuncCtx(index)``,
    ``DynamicSigindice(index)``.
    """

    __slots__ = ()

    WasmLocal: ClassVar[Any]
    WasmStack: ClassVar[Any]
    Ctx: ClassVar[Any]
    SignalMem: ClassVar[Any]
    PointerToMemoryBase: ClassVar[Any]
    PointerToMemoryBound: ClassVar[Any]
    MemoryBase: ClassVar[Any]
    MemoryBound: ClassVar[Any]
    PointerToGlobal: ClassVar[Any]
    Global: ClassVar[Any]
    PointerToTableBase: ClassVar[Any]
    PointerToTableBound: ClassVar[Any]
    ImportedFuncPointer: ClassVar[Any]
    ImportedFuncCtx: ClassVar[Any]
    DynamicSigindice: ClassVar[Any]


tuple_variant(ValueSemantic, "WasmLocal", ("index", int))
tuple_variant(ValueSemantic, "WasmStack", ("index", int))
unit_variant(ValueSemantic, "Ctx")
unit_variant(ValueSemantic, "SignalMem")
unit_variant(ValueSemantic, "PointerToMemoryBase")
unit_variant(ValueSemantic, "PointerToMemoryBound")
unit_variant(ValueSemantic, "MemoryBase")
unit_variant(ValueSemantic, "MemoryBound")
tuple_variant(ValueSemantic, "PointerToGlobal", ("index", int))
tuple_variant(ValueSemantic, "Global", ("index", int))
unit_variant(ValueSemantic, "PointerToTableBase")
unit_variant(ValueSemantic, "PointerToTableBound")
tuple_variant(ValueSemantic, "ImportedFuncPointer", ("index", int))
tuple_variant(ValueSemantic, "ImportedFuncCtx", ("index", int))
tuple_variant(ValueSemantic, "DynamicSigindice", ("index", int))


class StackmapEntryKind(enum.Enum):
    """The kind of critical point a stackmap call marks."""

    FunctionHeader = "FunctionHeader"
    Loop = "Loop"
    Call = "Call"
    Trappable = "Trappable"

    def __repr__(self) -> str:
        return f"StackmapEntryKind.{self.name}"


@dataclass(frozen=True)
class StackmapEntry:
    """One stackmap call as the wasm compiler recorded it.

    ``value_semantics[i]`` is the meaning of the call's i-th live operand
    (the record's ``locations[i]``).  Start entries (``is_start``) mark the
    critical point; the entry after a start is its end entry, whose record
    (if LLVM kept it) bounds the region.
    """

    kind: StackmapEntryKind
    local_function_id: int
    opcode_offset: int
    value_semantics: tuple = ()
    local_count: int = 0
    stack_count: int = 0
    is_start: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "value_semantics", tuple(self.value_semantics))

    def populate_msm(self, *args: Any, **kwargs: Any) -> None:
        """Same as :func:`stackmap_construct.semantics.populate_msm` with this
        entry first (the seed's method form)."""
        from .populate import populate_msm

        populate_msm(self, *args, **kwargs)


@dataclass(frozen=True)
class StackmapRegistry:
    """All stackmap entries of a module; entry ``i`` is the stackmap call
    whose patchpoint id is ``i``; entries come in (start, end) pairs."""

    entries: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))


# --------------------------------------------------------------------------
# The state maps
# --------------------------------------------------------------------------


class RegisterIndex(int):
    """Index of a machine register in ``MachineState.register_values``
    (seed: ``RegisterIndex(usize)``).  An ``int``, so it compares equal to
    plain integers and is written to JSON as one."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"RegisterIndex({int(self)})"


@enum_base
class MachineValue(Variant):
    """What a machine stack slot or register holds (seed: ``MachineValue``).

    Variants: ``Undefined``, ``Vmctx``, ``VmctxDeref(path)``,
    ``PreserveRegister(register)``, ``CopyStackBPRelative(offset)`` (i32,
    bytes from RBP), ``ExplicitShadow``, ``WasmStack(index)``,
    ``WasmLocal(index)``, ``TwoHalves(major, minor)``.

    ``VmctxDeref(path)``: start from the vmctx pointer; for each offset in
    ``path`` load the pointer held at the current address and add the offset.
    ``TwoHalves(major, minor)``: an 8-byte stack slot holding two 4-byte
    values, ``major`` in the half at the 8-aligned (lower) address,
    ``minor`` in the half 4 bytes above it.
    """

    __slots__ = ()

    Undefined: ClassVar[Any]
    Vmctx: ClassVar[Any]
    VmctxDeref: ClassVar[Any]
    PreserveRegister: ClassVar[Any]
    CopyStackBPRelative: ClassVar[Any]
    ExplicitShadow: ClassVar[Any]
    WasmStack: ClassVar[Any]
    WasmLocal: ClassVar[Any]
    TwoHalves: ClassVar[Any]


unit_variant(MachineValue, "Undefined")
unit_variant(MachineValue, "Vmctx")
tuple_variant(MachineValue, "VmctxDeref", ("path", tuple), convert=_path_to_tuple)
tuple_variant(MachineValue, "PreserveRegister", ("register", RegisterIndex))
tuple_variant(MachineValue, "CopyStackBPRelative", ("offset", int))
unit_variant(MachineValue, "ExplicitShadow")
tuple_variant(MachineValue, "WasmStack", ("index", int))
tuple_variant(MachineValue, "WasmLocal", ("index", int))
tuple_variant(MachineValue, "TwoHalves", ("major", MachineValue), ("minor", MachineValue))


@enum_base
class WasmAbstractValue(Variant):
    """A wasm value as far as the compiler knows it: ``Runtime`` (only known
    at run time) or ``Const(value)`` (a u64 known at compile time)."""

    __slots__ = ()

    Runtime: ClassVar[Any]
    Const: ClassVar[Any]


unit_variant(WasmAbstractValue, "Runtime")
tuple_variant(WasmAbstractValue, "Const", ("value", int))


@enum_base
class SuspendOffset(Variant):
    """Where (code offset) a wasm instruction can be suspended, and how:
    ``Loop(offset)``, ``Call(offset)`` or ``Trappable(offset)``."""

    __slots__ = ()

    Loop: ClassVar[Any]
    Call: ClassVar[Any]
    Trappable: ClassVar[Any]


tuple_variant(SuspendOffset, "Loop", ("offset", int))
tuple_variant(SuspendOffset, "Call", ("offset", int))
tuple_variant(SuspendOffset, "Trappable", ("offset", int))


@enum_base
class LocalOrImport(Variant):
    """A global or table index resolved against the module's imports:
    ``Import(index)`` (into the imported ones) or ``Local(index)``."""

    __slots__ = ()

    Local: ClassVar[Any]
    Import: ClassVar[Any]
    index: int  #: both variants carry the index (a field of each variant's dataclass)


tuple_variant(LocalOrImport, "Local", ("index", int))
tuple_variant(LocalOrImport, "Import", ("index", int))


@dataclass(frozen=True)
class OffsetInfo:
    """A suspend point: the state ``diff_id`` is valid for code offsets in
    ``[activate_offset, end_offset)``; execution resumes at ``activate_offset``."""

    end_offset: int
    diff_id: int
    activate_offset: int


@dataclass(frozen=True)
class MachineState:
    """The machine-level picture of a frame (seed: ``MachineState``).

    ``prev_frame`` maps 8-byte slot indices of the caller's frame above the
    return address (key 0 is ``[rbp + 16]``) to what they hold.
    """

    stack_values: tuple = ()
    register_values: tuple = ()
    prev_frame: dict = field(default_factory=dict)
    wasm_stack: tuple = ()
    wasm_stack_private_depth: int = 0
    wasm_inst_offset: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "stack_values", tuple(self.stack_values))
        object.__setattr__(self, "register_values", tuple(self.register_values))
        object.__setattr__(self, "prev_frame", dict(sorted(dict(self.prev_frame).items())))
        object.__setattr__(self, "wasm_stack", tuple(self.wasm_stack))

    __hash__ = None  # type: ignore[assignment]  # holds a dict


@dataclass(frozen=True)
class MachineStateDiff:
    """One state, as a diff from the function's initial state (seed:
    ``MachineStateDiff``; the seed's always-zero ``wasm_stack_private_depth``
    is not carried).

    ``prev_frame_diff`` values are a :class:`MachineValue` or ``None``
    (removal).  ``reg_diff`` is a tuple of ``(RegisterIndex, MachineValue)``.
    """

    last: Optional[int] = None
    stack_push: tuple = ()
    stack_pop: int = 0
    reg_diff: tuple = ()
    prev_frame_diff: dict = field(default_factory=dict)
    wasm_stack_push: tuple = ()
    wasm_stack_pop: int = 0
    wasm_inst_offset: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "stack_push", tuple(self.stack_push))
        object.__setattr__(
            self, "reg_diff", tuple((RegisterIndex(i), v) for i, v in self.reg_diff)
        )
        object.__setattr__(self, "prev_frame_diff", dict(sorted(dict(self.prev_frame_diff).items())))
        object.__setattr__(self, "wasm_stack_push", tuple(self.wasm_stack_push))

    __hash__ = None  # type: ignore[assignment]  # holds a dict


@dataclass
class FunctionStateMap:
    """Everything known about one local function (seed: ``FunctionStateMap``).

    ``wasm_offset_to_target_offset`` maps wasm opcode offsets to suspend
    offsets; the three offset tables map code offsets (from the start of the
    code) to :class:`OffsetInfo`.
    """

    initial: MachineState
    local_function_id: int
    locals: list = field(default_factory=list)
    shadow_size: int = 0
    diffs: list = field(default_factory=list)
    wasm_function_header_target_offset: Optional[Any] = None
    wasm_offset_to_target_offset: dict = field(default_factory=dict)
    loop_offsets: dict = field(default_factory=dict)
    call_offsets: dict = field(default_factory=dict)
    trappable_offsets: dict = field(default_factory=dict)

    @classmethod
    def new(
        cls, initial: MachineState, local_function_id: int, shadow_size: int, locals: list
    ) -> "FunctionStateMap":
        """The seed's ``FunctionStateMap::new``: empty diffs and tables."""
        return cls(initial, local_function_id, list(locals), shadow_size)


@dataclass
class ModuleStateMap:
    """Every local function's state map, keyed by the code offset of its
    function-header stackmap (seed: ``ModuleStateMap``)."""

    local_functions: dict = field(default_factory=dict)
    total_size: int = 0

    def last_function(self) -> FunctionStateMap:
        """The function with the greatest key (the seed's
        ``local_functions.iter_mut().last()`` on a ``BTreeMap``)."""
        return self.local_functions[max(self.local_functions)]
