"""JSON forms, both ways: the registry (input) and the state maps (output),
against JSON written by hand."""

from __future__ import annotations

import json

import pytest

from semantics_helpers import K, M, U, V, W, const_index, direct, fn, indirect, record, reg, stackmap
from stackmap_construct.semantics import (
    FunctionStateMap,
    MachineState,
    MachineStateDiff,
    ModuleStateMap,
    OffsetInfo,
    RegisterIndex,
    SemanticsError,
    StackmapEntry,
    StackmapRegistry,
    SuspendOffset,
    function_state_map_from_json,
    machine_state_diff_from_json,
    machine_state_from_json,
    machine_value_from_json,
    machine_value_to_json,
    module_state_map_from_json,
    module_state_map_to_json,
    new_machine_state,
    registry_from_json,
    registry_to_json,
    run_semantics,
    value_semantic_from_json,
    value_semantic_to_json,
)

U64_MAX = 18446744073709551615

# -- registry --------------------------------------------------------------

ALL_SEMANTICS_JSON = [
    {"WasmLocal": 0}, {"WasmStack": 0}, "Ctx", "SignalMem", "PointerToMemoryBase", "PointerToMemoryBound",
    "MemoryBase", "MemoryBound", {"PointerToGlobal": 2}, {"Global": 3}, "PointerToTableBase",
    "PointerToTableBound", {"ImportedFuncPointer": 4}, {"ImportedFuncCtx": 5}, {"DynamicSigindice": 6},
]
ALL_SEMANTICS = [
    V.WasmLocal(0), V.WasmStack(0), V.Ctx, V.SignalMem, V.PointerToMemoryBase, V.PointerToMemoryBound,
    V.MemoryBase, V.MemoryBound, V.PointerToGlobal(2), V.Global(3), V.PointerToTableBase,
    V.PointerToTableBound, V.ImportedFuncPointer(4), V.ImportedFuncCtx(5), V.DynamicSigindice(6),
]

REGISTRY_JSON = {"entries": [
    {"kind": "Trappable", "local_function_id": 1, "opcode_offset": 17, "value_semantics": ALL_SEMANTICS_JSON,
     "local_count": 1, "stack_count": 1, "is_start": True},
    {"kind": "Trappable", "local_function_id": 1, "opcode_offset": 17, "value_semantics": [],
     "local_count": 0, "stack_count": 0, "is_start": False},
    {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": U64_MAX, "value_semantics": [],
     "local_count": 0, "stack_count": 0, "is_start": True},
    {"kind": "Loop", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
     "local_count": 0, "stack_count": 0, "is_start": False},
    {"kind": "Call", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
     "local_count": 0, "stack_count": 0, "is_start": True},
]}

REGISTRY = StackmapRegistry((
    StackmapEntry(K.Trappable, 1, 17, tuple(ALL_SEMANTICS), 1, 1, True),
    StackmapEntry(K.Trappable, 1, 17, (), 0, 0, False),
    StackmapEntry(K.FunctionHeader, 0, U64_MAX, (), 0, 0, True),
    StackmapEntry(K.Loop, 0, 0, (), 0, 0, False),
    StackmapEntry(K.Call, 0, 0, (), 0, 0, True),
))


def test_registry_from_json_every_variant_and_kind():
    assert registry_from_json(REGISTRY_JSON) == REGISTRY
    assert registry_from_json(REGISTRY_JSON["entries"]) == REGISTRY  # the bare list too
    assert registry_from_json(json.loads(json.dumps(REGISTRY_JSON))) == REGISTRY


def test_registry_to_json_is_the_same_text():
    assert registry_to_json(REGISTRY) == REGISTRY_JSON
    assert [value_semantic_to_json(v) for v in ALL_SEMANTICS] == ALL_SEMANTICS_JSON
    assert [value_semantic_from_json(v) for v in ALL_SEMANTICS_JSON] == ALL_SEMANTICS


GOOD = REGISTRY_JSON["entries"][1]


def bad(**changes):
    e = dict(GOOD)
    for k, v in changes.items():
        if v is KeyError:
            del e[k]
        else:
            e[k] = v
    return [e]


@pytest.mark.parametrize("value, path, fragment", [
    ("nope", "entries", "expected a list, got str"),
    ({"entries": [], "extra": 1}, "", "unknown key 'extra'"),
    ({}, "", "missing key 'entries'"),
    ([5], "entries[0]", "expected an object, got int"),
    (bad(kind="Block"), "entries[0].kind", "unknown entry kind 'Block'"),
    (bad(kind=KeyError), "entries[0]", "missing key 'kind'"),
    (bad(stackcount=0), "entries[0]", "unknown key 'stackcount'"),
    (bad(local_count=1.0), "entries[0].local_count", "expected an integer, got 1.0"),
    (bad(local_count=True), "entries[0].local_count", "expected an integer, got True"),
    (bad(opcode_offset=-1), "entries[0].opcode_offset", "out of range"),
    (bad(opcode_offset=2**64), "entries[0].opcode_offset", "out of range"),
    (bad(is_start=1), "entries[0].is_start", "expected true or false"),
    (bad(value_semantics={}), "entries[0].value_semantics", "expected a list"),
    (bad(value_semantics=["Ctx", "Nope"]), "entries[0].value_semantics[1]", "unknown ValueSemantic variant 'Nope'"),
    (bad(value_semantics=["WasmLocal"]), "entries[0].value_semantics[0]", "needs a payload"),
    (bad(value_semantics=[{"Ctx": 1}]), "entries[0].value_semantics[0]", "takes no payload"),
    (bad(value_semantics=[{"Global": "3"}]), "entries[0].value_semantics[0].Global", "expected an integer"),
    (bad(value_semantics=[{"Global": 1, "Ctx": 2}]), "entries[0].value_semantics[0]", "expected a ValueSemantic"),
    (bad(value_semantics=[3]), "entries[0].value_semantics[0]", "expected a ValueSemantic"),
])
def test_registry_json_errors(value, path, fragment):
    with pytest.raises(SemanticsError) as info:
        registry_from_json(value)
    assert info.value.rule == "json"
    assert info.value.path == path
    assert fragment in info.value.message


# -- module state map: hand-written JSON -----------------------------------

SMALL_REGISTRY = [
    {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0,
     "value_semantics": ["Ctx", {"WasmLocal": 0}], "local_count": 1, "stack_count": 0, "is_start": True},
    {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0,
     "value_semantics": [], "local_count": 0, "stack_count": 0, "is_start": False},
    {"kind": "Call", "local_function_id": 0, "opcode_offset": 6,
     "value_semantics": [{"WasmLocal": 0}, {"WasmStack": 0}, {"WasmStack": 1}, {"PointerToGlobal": 1}],
     "local_count": 1, "stack_count": 2, "is_start": True},
    {"kind": "Call", "local_function_id": 0, "opcode_offset": 6,
     "value_semantics": [], "local_count": 0, "stack_count": 0, "is_start": False},
]


def small_stackmap():
    # function at 0x100 = code start, stack size 24: 4 halves, 2 slots
    return stackmap(
        [fn(0x100, 24, 4)],
        [
            record(0, 4, reg(12), direct(24)),  # R12 -> 12; rbp+24 -> prev_frame[1]
            record(1, 4),
            # rbp-4 -> half 0 (minor of slot 0); [rbp-8] -> half 1 (major of slot 0);
            # XMM7 (DWARF 24) -> index 23; global 1 is local 1: [16, 8, 0]
            record(2, 9, direct(-4), const_index(0), indirect(-8), reg(24, 16)),
            record(3, 14),
        ],
        [U64_MAX],
    )


UNDEF24 = ["Undefined"] * 24

SMALL_MAP_JSON = {
    "local_functions": [[4, {
        "initial": {"stack_values": [], "register_values": UNDEF24, "prev_frame": [], "wasm_stack": [],
                    "wasm_stack_private_depth": 0, "wasm_inst_offset": U64_MAX},
        "local_function_id": 0,
        "locals": ["Runtime"],
        "shadow_size": 0,
        "diffs": [
            {"last": None, "stack_push": ["Undefined", "Undefined"], "stack_pop": 0,
             "reg_diff": [[12, "Vmctx"]], "prev_frame_diff": [[1, {"WasmLocal": 0}]],
             "wasm_stack_push": [], "wasm_stack_pop": 0, "wasm_inst_offset": 0},
            {"last": None, "stack_push": [{"TwoHalves": [{"WasmStack": 1}, {"WasmLocal": 0}]}, "Undefined"],
             "stack_pop": 0, "reg_diff": [[23, {"VmctxDeref": [16, 8, 0]}]], "prev_frame_diff": [],
             "wasm_stack_push": [{"Const": U64_MAX}, "Runtime"], "wasm_stack_pop": 0, "wasm_inst_offset": 6},
        ],
        "wasm_function_header_target_offset": {"Loop": 4},
        "wasm_offset_to_target_offset": [[6, {"Call": 9}]],
        "loop_offsets": [[4, {"end_offset": 4, "diff_id": 0, "activate_offset": 4}]],
        "call_offsets": [[9, {"end_offset": 15, "diff_id": 1, "activate_offset": 9}]],
        "trappable_offsets": [],
    }]],
    "total_size": 64,
}


def test_run_semantics_gives_the_hand_written_json():
    out = run_semantics(small_stackmap(), {"entries": SMALL_REGISTRY}, 0x100, 64, [0x100])
    assert out == SMALL_MAP_JSON
    # exact through text: the u64 maximum is written as an integer and read back unchanged
    text = json.dumps(out)
    assert '"wasm_inst_offset": 18446744073709551615' in text
    assert '{"Const": 18446744073709551615}' in text
    assert json.loads(text) == SMALL_MAP_JSON


def test_run_semantics_with_no_stackmap_and_with_imports():
    assert run_semantics(None, SMALL_REGISTRY, 0x100, 64, [0x100]) is None
    out = run_semantics(small_stackmap(), SMALL_REGISTRY, 0x100, 64, [0x100], imported_globals=2, imported_tables=1)
    # global 1 is now import 1: [40, 8, 0]
    assert out["local_functions"][0][1]["diffs"][1]["reg_diff"] == [[23, {"VmctxDeref": [40, 8, 0]}]]


def test_run_semantics_errors():
    with pytest.raises(SemanticsError) as info:
        run_semantics(small_stackmap(), [{"kind": "Loop"}], 0x100, 64, [0x100])
    assert info.value.rule == "json" and info.value.path == "entries[0]"
    with pytest.raises(SemanticsError) as info:
        run_semantics(small_stackmap(), SMALL_REGISTRY, 0x100, 64, [0x100], imported_globals=-1)
    assert info.value.rule == "argument"
    with pytest.raises(SemanticsError) as info:
        run_semantics(small_stackmap(), SMALL_REGISTRY, 0x100, 64, [0x200])
    assert info.value.rule == "size-record-not-found"


def test_module_state_map_json_round_trip_of_the_hand_written_form():
    msm = module_state_map_from_json(SMALL_MAP_JSON)
    assert module_state_map_to_json(msm) == SMALL_MAP_JSON
    fsm = msm.local_functions[4]
    assert fsm.initial == new_machine_state()
    assert fsm.diffs[1].stack_push == (M.TwoHalves(M.WasmStack(1), M.WasmLocal(0)), U)
    assert fsm.call_offsets == {9: OffsetInfo(15, 1, 9)}
    assert fsm.wasm_offset_to_target_offset == {6: SuspendOffset.Call(9)}


def test_every_machine_value_and_option_round_trips():
    values = [
        (U, "Undefined"), (M.Vmctx, "Vmctx"), (M.VmctxDeref((48, 56, 0)), {"VmctxDeref": [48, 56, 0]}),
        (M.PreserveRegister(RegisterIndex(15)), {"PreserveRegister": 15}),
        (M.CopyStackBPRelative(-24), {"CopyStackBPRelative": -24}), (M.ExplicitShadow, "ExplicitShadow"),
        (M.WasmStack(3), {"WasmStack": 3}), (M.WasmLocal(2), {"WasmLocal": 2}),
        (M.TwoHalves(U, M.TwoHalves(M.Vmctx, U)), {"TwoHalves": ["Undefined", {"TwoHalves": ["Vmctx", "Undefined"]}]}),
    ]
    for value, text in values:
        assert machine_value_to_json(value) == text
        assert machine_value_from_json(text) == value
    state = MachineState([M.ExplicitShadow], [U] * 24, {3: M.WasmLocal(1), 0: U}, [W.Const(U64_MAX)], 2, 9)
    fsm = FunctionStateMap(
        initial=state, local_function_id=7, locals=[W.Runtime, W.Const(1)], shadow_size=32,
        diffs=[MachineStateDiff(last=3, stack_push=[U], stack_pop=2, reg_diff=[(1, M.Vmctx)],
                                prev_frame_diff={4: None, 1: M.WasmStack(0)}, wasm_stack_push=[W.Runtime],
                                wasm_stack_pop=5, wasm_inst_offset=11)],
        wasm_function_header_target_offset=None,
        wasm_offset_to_target_offset={9: SuspendOffset.Trappable(2), 1: SuspendOffset.Loop(0)},
        loop_offsets={0: OffsetInfo(1, 0, 0)}, call_offsets={}, trappable_offsets={2: OffsetInfo(3, 0, 2)},
    )
    msm = ModuleStateMap({100: fsm, 5: fsm}, U64_MAX)
    text = module_state_map_to_json(msm)
    assert [k for k, _ in text["local_functions"]] == [5, 100]  # ascending keys
    f = text["local_functions"][0][1]
    assert f["initial"]["prev_frame"] == [[0, "Undefined"], [3, {"WasmLocal": 1}]]
    assert f["diffs"][0]["prev_frame_diff"] == [[1, {"WasmStack": 0}], [4, None]]
    assert f["diffs"][0]["last"] == 3
    assert f["wasm_function_header_target_offset"] is None
    assert f["wasm_offset_to_target_offset"] == [[1, {"Loop": 0}], [9, {"Trappable": 2}]]
    back = module_state_map_from_json(json.loads(json.dumps(text)))
    assert back == msm


@pytest.mark.parametrize("parse, value, path, fragment", [
    (machine_value_from_json, {"CopyStackBPRelative": 2**31}, "CopyStackBPRelative", "out of range"),
    (machine_value_from_json, {"TwoHalves": ["Undefined"]}, "TwoHalves", "expected [major, minor]"),
    (machine_value_from_json, {"VmctxDeref": [1, -1]}, "VmctxDeref[1]", "out of range"),
    (machine_value_from_json, "Bogus", "", "unknown MachineValue variant"),
    (machine_state_from_json, {"stack_values": []}, "", "missing key 'register_values'"),
    (machine_state_diff_from_json,
     {"last": 1.5, "stack_push": [], "stack_pop": 0, "reg_diff": [], "prev_frame_diff": [], "wasm_stack_push": [],
      "wasm_stack_pop": 0, "wasm_inst_offset": 0}, "last", "expected an integer"),
    (machine_state_diff_from_json,
     {"last": None, "stack_push": [], "stack_pop": 0, "reg_diff": [[1]], "prev_frame_diff": [],
      "wasm_stack_push": [], "wasm_stack_pop": 0, "wasm_inst_offset": 0}, "reg_diff[0]", "pair"),
    (machine_state_diff_from_json,
     {"last": None, "stack_push": [], "stack_pop": 0, "reg_diff": [], "prev_frame_diff": [[2, None], [1, None]],
      "wasm_stack_push": [], "wasm_stack_pop": 0, "wasm_inst_offset": 0}, "prev_frame_diff[1][0]", "ascending"),
    (machine_state_diff_from_json,
     {"last": None, "stack_push": [], "stack_pop": 0, "reg_diff": [], "prev_frame_diff": [],
      "wasm_stack_push": [{"Const": -1}], "wasm_stack_pop": 0, "wasm_inst_offset": 0},
     "wasm_stack_push[0].Const", "out of range"),
    (function_state_map_from_json, [], "", "expected an object"),
    (module_state_map_from_json, {"local_functions": [[1]], "total_size": 0}, "local_functions[0]", "pair"),
])
def test_state_json_errors(parse, value, path, fragment):
    with pytest.raises(SemanticsError) as info:
        parse(value)
    assert info.value.rule == "json"
    assert info.value.path == path
    assert fragment in info.value.message
