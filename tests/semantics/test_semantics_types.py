"""Types, registers, the vmctx layout and the value-semantic -> machine-value
mapping, against values computed by hand from wasmer's sources."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from semantics_helpers import K, M, U, V, W
from stackmap_construct.errors import SemanticsError, StackMapError
from stackmap_construct.semantics import (
    GPR,
    REGISTER_SLOTS,
    WASMER_VMCTX_LAYOUT,
    XMM,
    ImportedFuncLayout,
    LocalOrImport,
    MachineState,
    MachineStateDiff,
    ModuleInfo,
    OffsetInfo,
    RegisterIndex,
    StackmapEntry,
    StackmapRegistry,
    SuspendOffset,
    VmctxLayout,
    X64Register,
    machine_value_for,
    new_machine_state,
    seed_register,
)


# -- enums ----------------------------------------------------------------


def test_variants_compare_hash_and_print_as_spelt():
    assert V.WasmLocal(3) == V.WasmLocal(3)
    assert V.WasmLocal(3) != V.WasmStack(3)
    assert V.WasmLocal(3) != V.WasmLocal(4)
    assert V.Ctx == V.Ctx and V.Ctx != V.SignalMem
    assert len({V.Global(1), V.Global(1), V.Ctx, V.Ctx}) == 2
    assert repr(V.WasmLocal(3)) == "ValueSemantic.WasmLocal(3)"
    assert repr(V.Ctx) == "ValueSemantic.Ctx"
    assert repr(M.TwoHalves(M.WasmLocal(0), U)) == "MachineValue.TwoHalves(MachineValue.WasmLocal(0), MachineValue.Undefined)"
    assert repr(M.VmctxDeref([80, 0])) == "MachineValue.VmctxDeref((80, 0))"
    assert repr(M.PreserveRegister(RegisterIndex(3))) == "MachineValue.PreserveRegister(RegisterIndex(3))"
    assert repr(W.Const(7)) == "WasmAbstractValue.Const(7)" and repr(W.Runtime) == "WasmAbstractValue.Runtime"
    assert repr(SuspendOffset.Call(5)) == "SuspendOffset.Call(5)"
    assert repr(K.Trappable) == "StackmapEntryKind.Trappable"


def test_variants_are_immutable_and_survive_pickle_and_copy():
    v = V.WasmLocal(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.index = 4  # type: ignore[misc]
    assert M.VmctxDeref([1, 2]).path == (1, 2)  # lists become tuples
    assert M.VmctxDeref([1, 2]) == M.VmctxDeref((1, 2))
    for value in (V.Ctx, V.DynamicSigindice(9), M.TwoHalves(U, M.WasmStack(1)), W.Runtime):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(V.Ctx)) is V.Ctx


def test_variants_match_like_rust_patterns():
    def describe(v):
        match v:
            case V.WasmLocal(n):
                return f"local {n}"
            case V.Ctx:
                return "ctx"
            case M.TwoHalves(major, minor):
                return f"{major!r}|{minor!r}"
        return "other"

    assert describe(V.WasmLocal(2)) == "local 2"
    assert describe(V.Ctx) == "ctx"
    assert describe(M.TwoHalves(M.WasmLocal(0), U)) == "MachineValue.WasmLocal(0)|MachineValue.Undefined"
    assert describe(V.SignalMem) == "other"


def test_every_seed_variant_exists():
    assert list(V._variants) == [
        "WasmLocal", "WasmStack", "Ctx", "SignalMem", "PointerToMemoryBase", "PointerToMemoryBound",
        "MemoryBase", "MemoryBound", "PointerToGlobal", "Global", "PointerToTableBase",
        "PointerToTableBound", "ImportedFuncPointer", "ImportedFuncCtx", "DynamicSigindice",
    ]
    assert list(M._variants) == [
        "Undefined", "Vmctx", "VmctxDeref", "PreserveRegister", "CopyStackBPRelative", "ExplicitShadow",
        "WasmStack", "WasmLocal", "TwoHalves",
    ]
    assert list(W._variants) == ["Runtime", "Const"]
    assert list(SuspendOffset._variants) == ["Loop", "Call", "Trappable"]
    assert [k.name for k in K] == ["FunctionHeader", "Loop", "Call", "Trappable"]


def test_entry_and_registry_are_frozen_with_tuples():
    e = StackmapEntry(K.Loop, 1, 7, [V.Ctx, V.WasmLocal(0)], 1, 0, True)
    assert e.value_semantics == (V.Ctx, V.WasmLocal(0))
    assert e == StackmapEntry(K.Loop, 1, 7, (V.Ctx, V.WasmLocal(0)), 1, 0, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.is_start = False  # type: ignore[misc]
    r = StackmapRegistry([e])
    assert r.entries == (e,) and hash(r) == hash(StackmapRegistry((e,)))
    assert OffsetInfo(3, 0, 2) == OffsetInfo(end_offset=3, diff_id=0, activate_offset=2)


def test_state_values_normalise_and_order_maps():
    d = MachineStateDiff(reg_diff=[(3, M.Vmctx)], prev_frame_diff={2: None, 0: M.WasmLocal(1)})
    assert d.reg_diff == ((RegisterIndex(3), M.Vmctx),)
    assert list(d.prev_frame_diff) == [0, 2]
    assert d == MachineStateDiff(reg_diff=((3, M.Vmctx),), prev_frame_diff={0: M.WasmLocal(1), 2: None})
    with pytest.raises(TypeError):
        hash(d)  # holds a dict
    s = MachineState(stack_values=[U], prev_frame={5: U, 1: U})
    assert s.stack_values == (U,) and list(s.prev_frame) == [1, 5]


def test_semantics_error_is_a_stackmap_error_with_rule_and_path():
    e = SemanticsError("boom", rule="stack-size", path="functions[0]")
    assert isinstance(e, StackMapError)
    assert e.rule == "stack-size" and e.path == "functions[0]"
    assert str(e) == "stack-size: boom [at functions[0]]"


# -- registers ------------------------------------------------------------

DWARF_GPRS = ["RAX", "RDX", "RCX", "RBX", "RSI", "RDI", "RBP", "RSP"] + [f"R{n}" for n in range(8, 16)]
WASMER_INDEX = {"RAX": 0, "RCX": 1, "RDX": 2, "RBX": 3, "RSP": 4, "RBP": 5, "RSI": 6, "RDI": 7,
                **{f"R{n}": n for n in range(8, 16)}}


@pytest.mark.parametrize("regnum", range(16))
def test_dwarf_gprs_map_to_wasmer_indices(regnum):
    name = DWARF_GPRS[regnum]
    reg = X64Register.from_dwarf_regnum(regnum)
    assert reg == X64Register.GPR(GPR[name])
    assert reg.to_index() == WASMER_INDEX[name]
    assert seed_register(regnum) == reg


@pytest.mark.parametrize("n", range(16))
def test_dwarf_xmms_map_to_16_plus_n(n):
    reg = X64Register.from_dwarf_regnum(17 + n)
    assert reg == X64Register.XMM(XMM(n))
    assert reg.to_index() == 16 + n
    # At 6035bd2d the original's own mapping covers all sixteen (state.rs:
    # 17 => XMM0 ... 32 => XMM15), although there are 24 register slots.
    assert seed_register(17 + n) == reg


@pytest.mark.parametrize("regnum", [16, 33, 49, 65535])
def test_non_gpr_xmm_dwarf_numbers_have_no_register(regnum):
    assert X64Register.from_dwarf_regnum(regnum) is None
    assert seed_register(regnum) is None


def test_register_repr_and_index_type():
    assert repr(X64Register.GPR(GPR.RBX)) == "X64Register.GPR(GPR.RBX)"
    assert repr(X64Register.XMM(XMM.XMM3)) == "X64Register.XMM(XMM.XMM3)"
    assert isinstance(X64Register.GPR(GPR.R9).to_index(), RegisterIndex)


def test_new_machine_state_is_the_seeds():
    s = new_machine_state()
    assert REGISTER_SLOTS == 24
    assert s.stack_values == ()
    assert s.register_values == (U,) * 24
    assert s.prev_frame == {}
    assert s.wasm_stack == ()
    assert s.wasm_stack_private_depth == 0
    assert s.wasm_inst_offset == 18446744073709551615  # usize::MAX
    assert new_machine_state() == s and new_machine_state() is not s


# -- layout and module info ------------------------------------------------


def test_default_layout_is_wasmers_64_bit_ctx():
    L = WASMER_VMCTX_LAYOUT
    assert [L.memories, L.tables, L.globals, L.imported_memories, L.imported_tables, L.imported_globals,
            L.imported_funcs, L.signatures, L.intrinsics, L.stack_lower_bound, L.memory_base,
            L.memory_bound, L.internals, L.interrupt_signal_mem, L.local_functions] == [
        0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112]
    assert L.imported_func == ImportedFuncLayout(size=16, func=0, func_ctx=8)
    assert L.func_ctx_vmctx is None
    assert VmctxLayout() == L


def test_module_info_splits_imports_from_locals():
    info = ModuleInfo(imported_globals=2, imported_tables=1)
    assert [info.global_index(i) for i in range(4)] == [
        LocalOrImport.Import(0), LocalOrImport.Import(1), LocalOrImport.Local(0), LocalOrImport.Local(1)]
    assert [info.table_index(i) for i in range(2)] == [LocalOrImport.Import(0), LocalOrImport.Local(0)]
    assert ModuleInfo().global_index(0) == LocalOrImport.Local(0)


NO_IMPORTS = ModuleInfo()
IMPORTS = ModuleInfo(imported_globals=3, imported_tables=1)

D = M.VmctxDeref


@pytest.mark.parametrize(
    "semantic, info, expected",
    [
        (V.WasmLocal(4), NO_IMPORTS, M.WasmLocal(4)),
        (V.WasmStack(2), NO_IMPORTS, M.WasmStack(2)),
        (V.Ctx, NO_IMPORTS, M.Vmctx),
        (V.SignalMem, NO_IMPORTS, D((104, 0))),
        (V.PointerToMemoryBase, NO_IMPORTS, D((80,))),
        (V.PointerToMemoryBound, NO_IMPORTS, D((88,))),
        (V.MemoryBase, NO_IMPORTS, D((80, 0))),
        (V.MemoryBound, NO_IMPORTS, D((88, 0))),
        # globals: local ones through Ctx.globals (16), imported through
        # Ctx.imported_globals (40); entry k at 8k; Global adds the load.
        (V.PointerToGlobal(2), NO_IMPORTS, D((16, 16, 0))),
        (V.Global(2), NO_IMPORTS, D((16, 16, 0, 0))),
        (V.PointerToGlobal(2), IMPORTS, D((40, 16, 0))),
        (V.Global(2), IMPORTS, D((40, 16, 0, 0))),
        (V.PointerToGlobal(3), IMPORTS, D((16, 0, 0))),  # first local global
        (V.Global(5), IMPORTS, D((16, 16, 0, 0))),  # local global 2
        # tables: always table 0; local via Ctx.tables (8), imported via 32;
        # base at 0, bound (count) at 8 of the LocalTable.
        (V.PointerToTableBase, NO_IMPORTS, D((8, 0, 0))),
        (V.PointerToTableBound, NO_IMPORTS, D((8, 0, 8))),
        (V.PointerToTableBase, IMPORTS, D((32, 0, 0))),
        (V.PointerToTableBound, IMPORTS, D((32, 0, 8))),
        # imported functions: Ctx.imported_funcs (48), 16 bytes each.
        (V.ImportedFuncPointer(0), NO_IMPORTS, D((48, 0, 0))),
        (V.ImportedFuncPointer(3), NO_IMPORTS, D((48, 48, 0))),
        (V.ImportedFuncCtx(0), NO_IMPORTS, D((48, 8, 0))),
        (V.ImportedFuncCtx(3), NO_IMPORTS, D((48, 56, 0))),
        # dynamic sigindices: Ctx.signatures (56), 4 bytes each.
        (V.DynamicSigindice(5), NO_IMPORTS, D((56, 20, 0))),
    ],
)
def test_machine_value_for_every_semantic(semantic, info, expected):
    assert machine_value_for(semantic, info) == expected


def test_machine_value_for_uses_the_given_layout():
    layout = VmctxLayout(
        tables=100, globals=200, imported_globals=300, imported_funcs=400, signatures=500, memory_base=600,
        interrupt_signal_mem=700, pointer_size=4, imported_func=ImportedFuncLayout(size=8, func=0, func_ctx=4),
        local_table_count=4, sig_id_size=8, local_global_data=2, func_ctx_vmctx=12,
    )
    info = ModuleInfo(imported_globals=1)
    assert machine_value_for(V.Global(0), info, layout) == D((300, 0, 0, 2))
    assert machine_value_for(V.Global(3), info, layout) == D((200, 8, 0, 2))
    assert machine_value_for(V.PointerToTableBound, info, layout) == D((100, 0, 4))
    assert machine_value_for(V.ImportedFuncPointer(2), info, layout) == D((400, 16, 0))
    # The later-wasmer variant: one more hop to FuncCtx.vmctx.
    assert machine_value_for(V.ImportedFuncCtx(2), info, layout) == D((400, 20, 12, 0))
    assert machine_value_for(V.DynamicSigindice(3), info, layout) == D((500, 24, 0))
    assert machine_value_for(V.MemoryBase, info, layout) == D((600, 0))
    assert machine_value_for(V.SignalMem, info, layout) == D((700, 0))
