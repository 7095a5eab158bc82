"""WebAssembly value semantics for parsed stackmaps, as wasmer's LLVM
backend (2019) computed them: a wasm compiler records, for each stackmap
call it emits, what each operand means (a :class:`StackmapRegistry`);
:func:`build_module_state_map` combines that with the parsed
``.llvm_stackmaps`` section into a :class:`ModuleStateMap` — for each local
function, the machine-level picture (stack slots, registers, caller-frame
slots, wasm stack) at each function header, loop, call and trappable
instruction.

This package consumes :class:`~stackmap_construct.model.StackMap` objects;
it never reads bytes or files.  See ``docs/semantics.md``.
"""

from ..errors import SemanticsError
from .command import place_functions, run_semantics
from .driver import build_module_state_map
from .jsonform import (
    function_state_map_from_json,
    function_state_map_to_json,
    machine_state_diff_from_json,
    machine_state_diff_to_json,
    machine_state_from_json,
    machine_state_to_json,
    machine_value_from_json,
    machine_value_to_json,
    module_state_map_from_json,
    module_state_map_to_json,
    registry_from_json,
    registry_to_json,
    stackmap_entry_from_json,
    stackmap_entry_to_json,
    value_semantic_from_json,
    value_semantic_to_json,
)
from .layout import WASMER_VMCTX_LAYOUT, ImportedFuncLayout, ModuleInfo, VmctxLayout, machine_value_for
from .populate import MAX_FRAME_HALVES, populate_msm
from .registers import GPR, REGISTER_SLOTS, XMM, X64Register, new_machine_state, seed_register
from .types import (
    FunctionStateMap,
    LocalOrImport,
    MachineState,
    MachineStateDiff,
    MachineValue,
    ModuleStateMap,
    OffsetInfo,
    RegisterIndex,
    StackmapEntry,
    StackmapEntryKind,
    StackmapRegistry,
    SuspendOffset,
    ValueSemantic,
    WasmAbstractValue,
)

__all__ = [
    # types
    "ValueSemantic", "StackmapEntryKind", "StackmapEntry", "StackmapRegistry", "RegisterIndex",
    "MachineValue", "WasmAbstractValue", "SuspendOffset", "OffsetInfo", "MachineState",
    "MachineStateDiff", "FunctionStateMap", "ModuleStateMap", "LocalOrImport",
    # registers
    "GPR", "XMM", "X64Register", "REGISTER_SLOTS", "new_machine_state", "seed_register",
    # layout
    "VmctxLayout", "ImportedFuncLayout", "WASMER_VMCTX_LAYOUT", "ModuleInfo", "machine_value_for",
    # mapping
    "populate_msm", "MAX_FRAME_HALVES", "build_module_state_map", "run_semantics", "place_functions", "SemanticsError",
    # JSON
    "value_semantic_to_json", "value_semantic_from_json", "stackmap_entry_to_json",
    "stackmap_entry_from_json", "registry_to_json", "registry_from_json", "machine_value_to_json",
    "machine_value_from_json", "machine_state_to_json", "machine_state_from_json",
    "machine_state_diff_to_json", "machine_state_diff_from_json", "function_state_map_to_json",
    "function_state_map_from_json", "module_state_map_to_json", "module_state_map_from_json",
]
