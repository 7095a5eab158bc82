"""populate_msm on hand-built records; every expected value is computed by
hand from the rules (see docs/semantics.md), with the arithmetic written out
in the comments.

Common setup unless a test says otherwise: code at 0x1000, the function at
0x1040 (function base offset 64), stack size 56 -> (56 - 8) / 4 = 12 halves
= 6 slots; slot i is [rbp - 8(i+1), rbp - 8i); a stack location at
rbp - off is half off // 4 - 1 (halves 2i+1 = major, 2i = minor of slot i).
"""

from __future__ import annotations

import pytest

from semantics_helpers import (
    K, M, U, V, W, const, const_index, direct, end_of, entry, fn, indirect, record, reg, stackmap,
)
from stackmap_construct.model import DYNAMIC_STACK_SIZE, Location
from stackmap_construct.semantics import (
    ModuleInfo,
    ModuleStateMap,
    OffsetInfo,
    SemanticsError,
    SuspendOffset,
    new_machine_state,
    populate_msm,
)

CODE = 0x1000
ADDR = 0x1040  # function base offset 64
U64_MAX = 2**64 - 1


def run(e, locations=(), *, offset=5, stack_size=56, constants=(), end=None, msm=None, address=ADDR,
        info=ModuleInfo(), code_addr=CODE):
    """populate_msm for entry ``e`` whose record (patchpoint id 3, at
    ``offset``) has ``locations``; ``end`` = (end entry, end record offset)."""
    msm = msm if msm is not None else ModuleStateMap({}, 1000)
    size_record = fn(address, stack_size)
    sm = stackmap([size_record], [], constants)
    end_pair = None if end is None else (end[0], record(4, end[1]))
    populate_msm(e, info, code_addr, sm, size_record, record(3, offset, *locations), end_pair, msm,
                 entry_id=3, record_path="records[3]", end_record_path="records[4]",
                 size_record_path="functions[1]")
    return msm


def header(n_locals=0, fid=0):
    return entry(K.FunctionHeader, fid, 0, [V.WasmLocal(i) for i in range(n_locals)])


def header_locations(n_locals=0):
    return [direct(-8 * (i + 1)) for i in range(n_locals)]


# -- one record, every location type ---------------------------------------


def test_header_with_every_location_type():
    e = entry(K.FunctionHeader, 0, 0, [
        V.Ctx,            # 0  Register R14 (DWARF 14)      -> reg 14
        V.WasmLocal(0),   # 1  Direct rbp-8   half 2-1=1     -> slot 0 major
        V.WasmLocal(1),   # 2  Direct rbp+16                 -> prev_frame[(16-16)/8 = 0]
        V.WasmLocal(2),   # 3  Direct rbp+32                 -> prev_frame[(32-16)/8 = 2]
        V.WasmLocal(3),   # 4  Direct rbp-20  half 5-1=4     -> slot 2 minor
        V.WasmLocal(4),   # 5  Direct rbp-24  half 6-1=5     -> slot 2 major
        V.WasmLocal(5),   # 6  Direct rbp-28  half 7-1=6     -> slot 3 minor (major empty)
        V.WasmStack(0),   # 7  Indirect [rbp-40] half 10-1=9 -> slot 4 major
        V.WasmStack(1),   # 8  Constant -1                   -> Const(0xFFFFFFFF)
        V.WasmStack(2),   # 9  ConstantIndex #1              -> Const(2**64 - 1)
        V.WasmStack(3),   # 10 Register XMM0 (DWARF 17)      -> reg 16
        V.MemoryBound,    # 11 Indirect [rbp-48] half 11     -> slot 5 major
        V.Global(1),      # 12 Register RBX (DWARF 3)        -> reg 3; global 1 = local 0 (1 import)
    ])
    locations = [
        reg(14), direct(-8), direct(16), direct(32), direct(-20), direct(-24), direct(-28), indirect(-40),
        const(-1), const_index(1), reg(17, 16), indirect(-48), reg(3),
    ]
    msm = run(e, locations, offset=5, constants=[5, U64_MAX], end=(end_of(e), 9),
              info=ModuleInfo(imported_globals=1))

    # target offset = 0x1040 - 0x1000 + 5 = 69; end = 64 + 9 = 73
    assert list(msm.local_functions) == [69]
    fsm = msm.local_functions[69]
    assert fsm.local_function_id == 0
    assert fsm.initial == new_machine_state()
    assert fsm.shadow_size == 0
    assert fsm.locals == [W.Runtime] * 6
    assert len(fsm.diffs) == 1
    d = fsm.diffs[0]
    assert d.last is None and d.stack_pop == 0 and d.wasm_stack_pop == 0
    assert d.stack_push == (
        M.WasmLocal(0),                              # slot 0: major L0, minor empty
        U,                                           # slot 1
        M.TwoHalves(M.WasmLocal(4), M.WasmLocal(3)),  # slot 2
        M.TwoHalves(U, M.WasmLocal(5)),              # slot 3: minor only still pairs
        M.WasmStack(0),                              # slot 4
        M.VmctxDeref((88, 0)),                       # slot 5
    )
    assert d.reg_diff == ((14, M.Vmctx), (16, M.WasmStack(3)), (3, M.VmctxDeref((16, 0, 0, 0))))
    assert d.prev_frame_diff == {0: M.WasmLocal(1), 2: M.WasmLocal(2)}
    assert d.wasm_stack_push == (W.Runtime, W.Const(0xFFFFFFFF), W.Const(U64_MAX), W.Runtime)
    assert d.wasm_inst_offset == 0
    assert fsm.wasm_function_header_target_offset == SuspendOffset.Loop(69)
    assert fsm.loop_offsets == {69: OffsetInfo(end_offset=73, diff_id=0, activate_offset=69)}
    assert fsm.wasm_offset_to_target_offset == {}
    assert fsm.call_offsets == {} and fsm.trappable_offsets == {}
    assert msm.total_size == 1000


def test_constants_are_recorded_only_for_wasm_stack_values():
    e = entry(K.FunctionHeader, 0, 0, [V.Ctx, V.WasmLocal(0), V.MemoryBase, V.WasmStack(0)])
    msm = run(e, [const(7), const(9), const_index(0), const_index(0)], constants=[2**60 + 1])
    fsm = msm.local_functions[64 + 5]
    d = fsm.diffs[0]
    assert fsm.locals == [W.Runtime]  # a constant local stays Runtime
    assert d.wasm_stack_push == (W.Const(2**60 + 1),)
    assert d.reg_diff == () and d.stack_push == (U,) * 6 and d.prev_frame_diff == {}


@pytest.mark.parametrize("small, expected", [(0, 0), (42, 42), (-1, 0xFFFFFFFF), (-(2**31), 0x80000000), (2**31 - 1, 0x7FFFFFFF)])
def test_small_constants_read_as_u32(small, expected):
    e = entry(K.FunctionHeader, 0, 0, [V.WasmStack(0)])
    msm = run(e, [const(small)])
    assert msm.local_functions[69].diffs[0].wasm_stack_push == (W.Const(expected),)


def test_half_index_truncates_odd_offsets():
    # rbp-6: 6 // 4 = 1 -> half 0 -> minor of slot 0; rbp-15: 15 // 4 = 3 -> half 2 -> minor of slot 1
    e = entry(K.FunctionHeader, 0, 0, [V.WasmStack(0), V.WasmStack(1)])
    msm = run(e, [indirect(-6), indirect(-15)])
    assert msm.local_functions[69].diffs[0].stack_push[:2] == (M.TwoHalves(U, M.WasmStack(0)), M.TwoHalves(U, M.WasmStack(1)))


def test_a_later_location_overwrites_the_same_half():
    e = entry(K.FunctionHeader, 0, 0, [V.WasmStack(0), V.WasmStack(1)])
    msm = run(e, [indirect(-8), indirect(-8)])
    assert msm.local_functions[69].diffs[0].stack_push[0] == M.WasmStack(1)


def test_indirect_takes_any_value_and_any_size():
    e = entry(K.FunctionHeader, 0, 0, [V.Ctx, V.SignalMem])
    msm = run(e, [indirect(-8, size=4), indirect(-16, size=16)])
    assert msm.local_functions[69].diffs[0].stack_push[:2] == (M.Vmctx, M.VmctxDeref((104, 0)))


def test_smallest_frame_has_no_slots():
    e = entry(K.FunctionHeader, 0, 0, [V.Ctx])
    msm = run(e, [reg(0)], stack_size=8)  # (8 - 8) / 4 = 0 halves
    assert msm.local_functions[69].diffs[0].stack_push == ()
    assert msm.local_functions[69].diffs[0].reg_diff == ((0, M.Vmctx),)


# -- entry kinds and end offsets -------------------------------------------

# After a header (record at 5), an entry of each kind with opcode offset 7
# and its record at 20: target = 64 + 20 = 84; an end record at 30 gives
# 64 + 30 = 94; without one, 84 + 1 = 85; Call adds 1 more.


@pytest.mark.parametrize(
    "kind, has_end, table, suspend, end_offset",
    [
        (K.Loop, True, "loop_offsets", SuspendOffset.Loop(84), 94),
        (K.Loop, False, "loop_offsets", SuspendOffset.Loop(84), 85),
        (K.Call, True, "call_offsets", SuspendOffset.Call(84), 95),
        (K.Call, False, "call_offsets", SuspendOffset.Call(84), 86),
        (K.Trappable, True, "trappable_offsets", SuspendOffset.Trappable(84), 94),
        (K.Trappable, False, "trappable_offsets", SuspendOffset.Trappable(84), 85),
    ],
)
def test_each_kind_fills_its_table(kind, has_end, table, suspend, end_offset):
    msm = run(header(1), header_locations(1), offset=5)
    e = entry(kind, 0, 7, [V.WasmLocal(0), V.WasmStack(0)])
    run(e, [direct(-8), reg(1)], offset=20, end=(end_of(e), 30) if has_end else None, msm=msm)

    fsm = msm.local_functions[69]
    assert len(fsm.diffs) == 2
    assert fsm.diffs[1].wasm_inst_offset == 7
    assert fsm.diffs[1].reg_diff == ((2, M.WasmStack(0)),)  # DWARF 1 = RDX = index 2
    assert fsm.wasm_offset_to_target_offset == {7: suspend}
    tables = {"loop_offsets": fsm.loop_offsets, "call_offsets": fsm.call_offsets,
              "trappable_offsets": fsm.trappable_offsets}
    expected_loop = {69: OffsetInfo(70, 0, 69)}  # the header: no end record -> 69 + 1
    for name, got in tables.items():
        want = {84: OffsetInfo(end_offset, 1, 84)} if name == table else {}
        if name == "loop_offsets":
            want = {**expected_loop, **want}
        assert got == want, name
    assert fsm.wasm_function_header_target_offset == SuspendOffset.Loop(69)


def test_header_without_end_record_and_end_at_the_start():
    msm = run(header(), [], offset=5)
    assert msm.local_functions[69].loop_offsets == {69: OffsetInfo(70, 0, 69)}
    msm = run(header(), [], offset=5, end=(end_of(header()), 5))
    assert msm.local_functions[69].loop_offsets == {69: OffsetInfo(69, 0, 69)}  # end == start is allowed


def test_diff_ids_and_tables_accumulate_per_function():
    msm = run(header(1), header_locations(1), offset=5)
    run(entry(K.Call, 0, 10, [V.WasmLocal(0)]), [direct(-8)], offset=12, msm=msm)
    run(entry(K.Call, 0, 20, [V.WasmLocal(0)]), [direct(-8)], offset=30, msm=msm)
    run(entry(K.Trappable, 0, 20, [V.WasmLocal(0)]), [direct(-8)], offset=40, msm=msm)
    # second function at 0x1100 (base 256), header at 256 + 4 = 260
    run(header(0, fid=1), [], offset=4, address=0x1100, msm=msm)
    run(entry(K.Loop, 1, 3, []), [], offset=9, address=0x1100, msm=msm)

    assert list(msm.local_functions) == [69, 260]
    f0, f1 = msm.local_functions[69], msm.local_functions[260]
    assert f0.call_offsets == {76: OffsetInfo(78, 1, 76), 94: OffsetInfo(96, 2, 94)}
    assert f0.trappable_offsets == {104: OffsetInfo(105, 3, 104)}
    # opcode 20 was recorded twice: the later (Trappable) replaces the Call
    assert f0.wasm_offset_to_target_offset == {10: SuspendOffset.Call(76), 20: SuspendOffset.Trappable(104)}
    assert f1.local_function_id == 1 and f1.locals == []
    assert [d.wasm_inst_offset for d in f1.diffs] == [0, 3]
    assert f1.loop_offsets == {260: OffsetInfo(261, 0, 260), 265: OffsetInfo(266, 1, 265)}


def test_a_second_header_for_the_same_function_replaces_locals_and_header_offset():
    msm = run(header(1), header_locations(1), offset=5)
    run(header(2), header_locations(2), offset=8, msm=msm)
    fsm = msm.local_functions[69]
    assert fsm.locals == [W.Runtime, W.Runtime]
    assert fsm.wasm_function_header_target_offset == SuspendOffset.Loop(72)
    assert set(fsm.loop_offsets) == {69, 72}


def test_quirk_entries_go_to_the_function_with_the_greatest_key():
    # The seed takes ``local_functions.iter_mut().last()`` of a BTreeMap:
    # the function whose header has the greatest code offset, not the
    # function just added.  A function 1 placed before function 0 in the
    # code therefore puts its later entries into function 0's map.
    msm = run(header(), [], offset=5)  # function 0 at 69
    run(header(0, fid=1), [], offset=0, address=0x1000, msm=msm)  # function 1 at 0
    run(entry(K.Loop, 1, 3, []), [], offset=2, address=0x1000, msm=msm)
    assert list(msm.local_functions) == [69, 0]
    f0, f1 = msm.local_functions[69], msm.local_functions[0]
    # function 1's header (diff 1, at 0) and loop (diff 2, at 2) both land in function 0's map
    assert f0.loop_offsets == {69: OffsetInfo(70, 0, 69), 0: OffsetInfo(1, 1, 0), 2: OffsetInfo(3, 2, 2)}
    assert f0.wasm_function_header_target_offset == SuspendOffset.Loop(0)
    assert f0.local_function_id == 0
    assert f1.local_function_id == 1 and f1.diffs == [] and f1.loop_offsets == {}
    assert f1.wasm_function_header_target_offset is None


# -- every rule that fails --------------------------------------------------


def fails(rule, path, fragment, *args, **kwargs):
    with pytest.raises(SemanticsError) as info:
        run(*args, **kwargs)
    err = info.value
    assert err.rule == rule
    assert err.path == path
    assert fragment in err.message
    assert err.message.startswith(rule + ": ")
    return err


def test_rule_function_below_code():
    fails("function-below-code", "functions[1]", "below the code address 0x1000", header(), [], address=0xFF0)


def test_rule_start_entry():
    fails("start-entry", "records[3]", "entry 3 (FunctionHeader, local function 0) is not a start entry",
          entry(K.FunctionHeader, start=False))


def test_rule_function_header_first():
    fails("function-header-first", "records[3]", "not a FunctionHeader", entry(K.Loop, 0, 1, []), [])


def test_rule_unordered_local_functions():
    fails("unordered-local-functions", "records[3]", "holds 0 local functions (expected 2 or 3)",
          header(fid=2), [])
    msm = run(header(), [], offset=5)
    run(header(fid=1), [], offset=8, address=0x1100, msm=msm)
    fails("unordered-local-functions", "records[3]", "holds 2 local functions", entry(K.Loop, 0, 1, []), [], msm=msm)


def test_rule_location_count():
    fails("location-count", "records[3]", "has 2 value semantics but its record has 1 location",
          entry(K.FunctionHeader, 0, 0, [V.Ctx, V.Ctx]), [reg(0)])


@pytest.mark.parametrize("size", [0, 16, 48, 60, DYNAMIC_STACK_SIZE])
def test_rule_stack_size(size):
    fails("stack-size", "functions[1]", f"stack size {size} ", header(), [], stack_size=size)


def test_rule_unordered_locals():
    fails("unordered-locals", "records[3].locations[1]", "location 1 is wasm local 2, expected local 1",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0), V.WasmLocal(2)]), [direct(-8), direct(-16)])
    # checked before the location itself (DWARF 16 would fail later)
    fails("unordered-locals", "records[3].locations[0]", "wasm local 1",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(1)]), [reg(16)])


def test_rule_unordered_stack():
    fails("unordered-stack", "records[3].locations[2]", "location 2 is wasm stack value 0, expected stack value 2",
          entry(K.FunctionHeader, 0, 0, [V.WasmStack(0), V.WasmStack(1), V.WasmStack(0)]),
          [reg(0), reg(1), reg(2)])


@pytest.mark.parametrize("regnum", [16, 33, 1000, 65535])
def test_rule_invalid_regnum(regnum):
    fails("invalid-regnum", "records[3].locations[1]", f"DWARF register {regnum}",
          entry(K.FunctionHeader, 0, 0, [V.Ctx, V.WasmStack(0)]), [reg(0), reg(regnum)])


@pytest.mark.parametrize("index", [2, 3, -1])
def test_rule_constant_index(index):
    fails("constant-index", "records[3].locations[0]", f"constant #{index} but the stackmap has 2 constants",
          entry(K.FunctionHeader, 0, 0, [V.WasmStack(0)]), [const_index(index)], constants=[1, 2])


@pytest.mark.parametrize("semantic", [V.WasmStack(0), V.Ctx, V.MemoryBase])
def test_rule_direct_not_local(semantic):
    fails("direct-not-local", "records[3].locations[0]", "is Direct but holds",
          entry(K.FunctionHeader, 0, 0, [semantic]), [direct(-8)])


def test_rule_direct_size():
    fails("direct-size", "records[3].locations[0]", "has size 4, expected 8",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [direct(-8, size=4)])
    # size is checked before the base register
    fails("direct-size", "records[3].locations[0]", "size 16",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [direct(-8, regnum=7, size=16)])


@pytest.mark.parametrize("location, name", [
    (direct(-8, regnum=7), "Direct location 0 is based on DWARF register 7 (X64Register.GPR(GPR.RSP))"),
    (direct(16, regnum=3), "Direct location 0 is based on DWARF register 3"),
    (direct(-8, regnum=16), "DWARF register 16 (no GPR/XMM register)"),
    (indirect(-8, regnum=7), "Indirect location 0 is based on DWARF register 7"),
    (indirect(-8, regnum=17), "X64Register.XMM(XMM.XMM0)"),
])
def test_rule_frame_register(location, name):
    fails("frame-register", "records[3].locations[0]", name,
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [location])


@pytest.mark.parametrize("offset", [0, 8, 15])
def test_rule_prev_frame_offset(offset):
    fails("prev-frame-offset", "records[3].locations[0]", f"rbp + {offset} overlaps",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [direct(offset)])


@pytest.mark.parametrize("offset", [20, 17, 36])
def test_rule_prev_frame_alignment(offset):
    fails("prev-frame-alignment", "records[3].locations[0]", f"rbp + {offset} is not 8-byte aligned",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [direct(offset)])


@pytest.mark.parametrize("location, stack_size", [
    (direct(-52), 56),   # 52 // 4 = 13 > 12 halves
    (indirect(-52), 56),
    (direct(-3), 56),    # 3 // 4 = 0: not > 0
    (indirect(-8), 8),   # no halves at all
    (indirect(-(2**31 - 1)), 56),  # 2147483647 // 4 = 536870911 > 12; i32::MIN is stack-offset-overflow
])
def test_rule_stack_slot_range(location, stack_size):
    fails("stack-slot-range", "records[3].locations[0]", "outside the",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)]), [location], stack_size=stack_size)


def test_stack_slot_range_edges_are_accepted():
    e = entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0), V.WasmLocal(1)])
    msm = run(e, [direct(-4), direct(-51)])  # halves 1 and 12 (of 12)
    assert msm.local_functions[69].diffs[0].stack_push == (
        M.TwoHalves(U, M.WasmLocal(0)), U, U, U, U, M.WasmLocal(1))


@pytest.mark.parametrize("offset", [0, 16])
def test_rule_indirect_offset(offset):
    fails("indirect-offset", "records[3].locations[0]", f"[rbp + {offset}] is not below the saved rbp",
          entry(K.FunctionHeader, 0, 0, [V.WasmStack(0)]), [indirect(offset, regnum=7)])  # before the register check


def test_rule_stack_count():
    fails("stack-count", "records[3]", "declares stack_count 2 but its record holds 1 stack values",
          entry(K.FunctionHeader, 0, 0, [V.WasmStack(0)], stack=2), [reg(0)])


def test_rule_local_count():
    fails("local-count", "records[3]", "declares local_count 0 but its record holds 1 locals",
          entry(K.FunctionHeader, 0, 0, [V.WasmLocal(0)], locals_=0), [direct(-8)])


def test_rule_locals_mismatch():
    msm = run(header(2), header_locations(2), offset=5)
    fails("locals-mismatch", "records[3]", "the function header has",
          entry(K.Call, 0, 4, [V.WasmLocal(0)]), [direct(-8)], offset=9, msm=msm)


def test_rule_end_entry_is_start():
    e = header()
    fails("end-entry-is-start", "records[4]", "the end entry of entry 3", e, [], end=(e, 9))


def test_rule_end_opcode_offset():
    e = header()
    other = entry(K.FunctionHeader, 0, 5, [], start=False)
    fails("end-opcode-offset", "records[4]", "has opcode offset 5, the start has 0", e, [], end=(other, 9))


def test_rule_end_before_start():
    e = header()
    fails("end-before-start", "records[4]", "code offset 68, before the start at 69", e, [], offset=5,
          end=(end_of(e), 4))


def test_rule_location_kind():
    fails("location-kind", "records[3].locations[0]", "unknown kind 9",
          entry(K.FunctionHeader, 0, 0, [V.Ctx]), [Location(9, 8, 0, 0)])


def test_entry_method_form():
    e = header()
    msm = ModuleStateMap({}, 10)
    size_record = fn(ADDR, 24)
    e.populate_msm(ModuleInfo(), CODE, stackmap([size_record]), size_record, record(0, 1), None, msm)
    assert list(msm.local_functions) == [65]
