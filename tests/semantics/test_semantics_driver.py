"""build_module_state_map (the driver wasmer's LLVM backend ran) on
hand-built stackmaps; expectations computed by hand from the rules.

Setup: code at 0x4000, 0x200 bytes; local function 0 at 0x4000 (base
offset 0, stack size 24 -> 2 slots), local function 1 at 0x4100 (base
offset 256, stack size 40 -> 4 slots).
"""

from __future__ import annotations

import pytest

from semantics_helpers import K, M, U, V, W, const, end_of, entry, fn, indirect, record, reg, stackmap
from stackmap_construct.semantics import (
    ModuleInfo,
    ModuleStateMap,
    OffsetInfo,
    SemanticsError,
    StackmapRegistry,
    SuspendOffset,
    build_module_state_map,
    new_machine_state,
)

CODE, SIZE = 0x4000, 0x200
ADDRESSES = [0x4000, 0x4100]


def registry(*entries):
    return StackmapRegistry(entries)


def main_case():
    e0 = entry(K.FunctionHeader, 0, 0, [V.Ctx])
    e2 = entry(K.Loop, 0, 4, [V.Ctx, V.WasmStack(0)])
    e4 = entry(K.Call, 0, 8, [V.Ctx])
    e6 = entry(K.FunctionHeader, 1, 0, [V.Global(0)])
    e8 = entry(K.Trappable, 1, 2, [V.PointerToTableBound])
    e10 = entry(K.Loop, 1, 9, [V.Ctx])
    reg_ = registry(e0, end_of(e0), e2, end_of(e2), e4, end_of(e4), e6, end_of(e6), e8, end_of(e8), e10)
    sm = stackmap(
        functions=[
            fn(0x4100, 999, 77),  # a duplicate address: the later size record wins
            fn(0x4100, 40, 123),  # record counts are not used
            fn(0x4000, 24, 0),
        ],
        records=[
            record(0, 3, reg(5)),            # entry 0: RDI (DWARF 5) = index 7
            record(1, 6),
            record(2, 10, reg(0), const(-2)),  # entry 2; its end (3) is absent
            record(6, 1, reg(3)),
            record(7, 2),
            record(8, 12, indirect(-8)),     # replaced by the later record with id 8
            record(9, 20),
            record(10, 30, reg(0)),          # odd last entry: ignored
            record(8, 15, indirect(-16)),
            # nothing for entries 4/5: optimized out
        ],
    )
    return sm, reg_


def test_driver_main_case():
    sm, reg_ = main_case()
    msm = build_module_state_map(sm, reg_, ModuleInfo(imported_globals=1, imported_tables=1), CODE, SIZE, ADDRESSES)

    assert msm.total_size == 0x200
    assert list(msm.local_functions) == [3, 257]

    f0 = msm.local_functions[3]
    assert f0.local_function_id == 0 and f0.initial == new_machine_state() and f0.locals == []
    assert [d.reg_diff for d in f0.diffs] == [((7, M.Vmctx),), ((0, M.Vmctx),)]
    assert [d.stack_push for d in f0.diffs] == [(U, U), (U, U)]
    assert [d.wasm_stack_push for d in f0.diffs] == [(), (W.Const(0xFFFFFFFE),)]
    assert [d.wasm_inst_offset for d in f0.diffs] == [0, 4]
    assert f0.wasm_function_header_target_offset == SuspendOffset.Loop(3)
    # header 0 + 3 = 3, its end 0 + 6; loop at 10 without end record -> 11
    assert f0.loop_offsets == {3: OffsetInfo(6, 0, 3), 10: OffsetInfo(11, 1, 10)}
    assert f0.wasm_offset_to_target_offset == {4: SuspendOffset.Loop(10)}
    assert f0.call_offsets == {} and f0.trappable_offsets == {}

    f1 = msm.local_functions[257]
    assert f1.local_function_id == 1
    # Global(0) with one imported global = import 0: [imported_globals 40, 0, 0, 0]
    assert f1.diffs[0].reg_diff == ((3, M.VmctxDeref((40, 0, 0, 0))),)
    assert f1.diffs[0].stack_push == (U, U, U, U)
    # the trappable record is the last one with id 8: 256 + 15 = 271, end 256 + 20 = 276;
    # [rbp-16] = half 3 = slot 1 major; table 0 is imported: [32, 0, 8]
    assert f1.diffs[1].stack_push == (U, M.VmctxDeref((32, 0, 8)), U, U)
    assert f1.trappable_offsets == {271: OffsetInfo(276, 1, 271)}
    assert f1.wasm_offset_to_target_offset == {2: SuspendOffset.Trappable(271)}
    assert f1.loop_offsets == {257: OffsetInfo(258, 0, 257)}
    assert len(f1.diffs) == 2  # entry 10 (odd, last) ignored


def test_no_stackmap_gives_no_map():
    e = entry(K.FunctionHeader)
    assert build_module_state_map(None, registry(e, end_of(e)), ModuleInfo(), CODE, SIZE, ADDRESSES) is None
    # nothing is checked then, not even the function addresses
    assert build_module_state_map(None, registry(), ModuleInfo(), 0, 0, [5]) is None


def test_empty_stackmap_gives_an_empty_map():
    msm = build_module_state_map(stackmap(), registry(), ModuleInfo(), CODE, SIZE, ADDRESSES)
    assert msm == ModuleStateMap({}, 0x200)


def test_pairs_without_start_record_are_skipped_without_checks():
    # entry 0 is not even a start, and its function id is bogus: no record, no checks
    bad = entry(K.Loop, 9, 0, [], start=False)
    e2 = entry(K.FunctionHeader, 0, 0, [])
    sm = stackmap([fn(0x4000)], [record(2, 1), record(1, 0)])  # the end record of an absent start does not matter
    msm = build_module_state_map(sm, registry(bad, bad, e2, end_of(e2)), ModuleInfo(), CODE, SIZE, ADDRESSES)
    assert list(msm.local_functions) == [1]


def test_single_entry_registry_is_ignored():
    e = entry(K.FunctionHeader)
    msm = build_module_state_map(stackmap([fn(0x4000)], [record(0, 1)]), registry(e), ModuleInfo(), CODE, SIZE, ADDRESSES)
    assert msm.local_functions == {}


def test_function_addresses_at_the_edges_of_the_code():
    msm = build_module_state_map(stackmap(), registry(), ModuleInfo(), CODE, SIZE, [0x4000, 0x41FF])
    assert msm.local_functions == {}


# -- failures --------------------------------------------------------------


def fails(rule, path, fragment, sm, reg_, addresses=ADDRESSES, code=CODE, size=SIZE):
    with pytest.raises(SemanticsError) as info:
        build_module_state_map(sm, reg_, ModuleInfo(), code, size, addresses)
    assert info.value.rule == rule
    assert info.value.path == path
    assert fragment in info.value.message
    return info.value


def test_driver_rule_start_entry():
    e = entry(K.FunctionHeader, start=False)
    fails("start-entry", "records[1]", "entry 0 (the first of pair (0, 1)) is not a start entry",
          stackmap([fn(0x4000)], [record(5, 0), record(0, 1)]), registry(e, end_of(e)))


@pytest.mark.parametrize("with_end_record", [True, False])
def test_driver_rule_end_entry_is_start(with_end_record):
    e = entry(K.FunctionHeader)
    records = [record(0, 1)] + ([record(1, 2)] if with_end_record else [])
    fails("end-entry-is-start", "entries[1]", "entry 1 (the second of pair (0, 1)) is a start entry",
          stackmap([fn(0x4000)], records), registry(e, e))


def test_driver_rule_local_function_id():
    e = entry(K.FunctionHeader, 2)
    fails("local-function-id", "entries[0]", "local function 2 but only 2 local function addresses",
          stackmap([fn(0x4000)], [record(0, 1)]), registry(e, end_of(e)))


def test_driver_rule_size_record_not_found():
    e = entry(K.FunctionHeader, 1)
    fails("size-record-not-found", "records[0]", "no size record (function) at address 0x4100 of local function 1",
          stackmap([fn(0x4000)], [record(0, 1)]), registry(e, end_of(e)))


@pytest.mark.parametrize("addresses, bad", [([0x4000, 0x4200], "local function 1 at 0x4200"),
                                            ([0x3FFF], "local function 0 at 0x3fff"),
                                            ([0x4000, 0x10000], "local function 1 at 0x10000")])
def test_driver_rule_function_address_range(addresses, bad):
    err = fails("function-address-range", "", bad, stackmap(), registry(), addresses=addresses)
    assert "outside the code [0x4000, 0x4200)" in err.message


def test_driver_checks_addresses_after_mapping():
    # a populate_msm failure is reported before a bad function address
    e = entry(K.FunctionHeader)
    fails("stack-size", "functions[0]", "stack size 16", stackmap([fn(0x4100, 16)], [record(0, 1)]),
          registry(e, end_of(e)), addresses=[0x4100], size=0x100)
    # and with a good frame, the address is then out of [0x4000, 0x4100)
    fails("function-address-range", "", "local function 0 at 0x4100", stackmap([fn(0x4100, 24)], [record(0, 1)]),
          registry(e, end_of(e)), addresses=[0x4100], size=0x100)


def test_driver_errors_carry_populate_paths():
    e = entry(K.FunctionHeader, 0, 0, [V.Ctx])
    e2 = entry(K.Loop, 0, 3, [V.Ctx])
    sm = stackmap([fn(0x4000)], [record(0, 1, reg(0)), record(99, 0), record(2, 5, reg(16))])
    err = fails("invalid-regnum", "records[2].locations[0]", "entry 2 (Loop, local function 0)", sm,
                registry(e, end_of(e), e2, end_of(e2)))
    assert str(err).endswith("[at records[2].locations[0]]")


def test_driver_end_record_path_is_the_end_records_index():
    e = entry(K.FunctionHeader)
    sm = stackmap([fn(0x4000)], [record(0, 5), record(1, 2)])
    fails("end-before-start", "records[1]", "code offset 2, before the start at 5", sm, registry(e, end_of(e)))


@pytest.mark.parametrize("kwargs", [{"code": -1}, {"size": -5}, {"addresses": [0x4000, -1]}])
def test_driver_rejects_negative_arguments(kwargs):
    with pytest.raises(SemanticsError) as info:
        build_module_state_map(stackmap(), registry(), ModuleInfo(), kwargs.get("code", CODE),
                               kwargs.get("size", SIZE), kwargs.get("addresses", ADDRESSES))
    assert info.value.rule == "argument"
