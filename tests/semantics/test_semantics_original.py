"""The cases where a port can drift from the original: every expected value
here is worked out by hand from wasmer's source at confio/wasmer 6035bd2d
(x86-64, usize = u64, built with overflow checks, so an overflow panics):

* ``lib/runtime-core/src/state.rs``: ``X64Register::from_dwarf_regnum``
  (0..15 GPRs, 17 => XMM0 ... 32 => XMM15), ``to_index`` (XMMn -> n + 16),
  ``new_machine_state`` (``vec![Undefined; 16 + 8]``);
* ``lib/llvm-backend/src/stackmap.rs``: ``populate_msm``
  (``func_base_addr + instruction_offset as usize``, ``target_offset + 1``,
  ``end_offset + 1`` for calls, ``ImportedFunc::size() as usize * idx +
  offset``, ``idx * 4``, ``(-loc.offset_or_small_constant) / 4`` on an i32,
  ``vec![Undefined; (stack_size - 8) as usize / 4]``, ``deref_global`` with
  ``GlobalIndex::new(idx)`` = ``idx as u32``);
* ``lib/llvm-backend/src/backend.rs``: ``assert!(!ptr.is_null())`` on each
  local function, and ``assert!(x >= code_ptr && x < code_ptr + code_len)``
  after the loop;
* ``lib/runtime-core/src/vm.rs``: ``Ctx`` offsets (imported_funcs 48,
  signatures 56, globals 16, imported_globals 40), ``ImportedFunc`` size 16,
  func 0, func_ctx 8.

Setup for populate_msm, unless a test says otherwise: code at 0x1000, the
function at 0x1040 (function base offset 0x40 = 64), stack size 24 ->
(24 - 8) / 4 = 4 halves = 2 slots, the record at instruction offset 5 ->
target offset 69.
"""

from __future__ import annotations

import json

import pytest

from semantics_helpers import K, M, U, V, W, direct, end_of, entry, fn, indirect, record, reg, stackmap
from stackmap_construct.cli.main import main
from stackmap_construct.format import build
from stackmap_construct.semantics import (
    MAX_FRAME_HALVES,
    MachineStateDiff,
    ModuleInfo,
    ModuleStateMap,
    OffsetInfo,
    SemanticsError,
    StackmapRegistry,
    SuspendOffset,
    build_module_state_map,
    machine_value_for,
    new_machine_state,
    populate_msm,
    run_semantics,
)

U64_MAX = 2**64 - 1
CODE = 0x1000


def run(e, locations=(), *, offset=5, stack_size=24, end=None, msm=None, address=0x1040, code_addr=CODE,
        info=ModuleInfo()):
    msm = msm if msm is not None else ModuleStateMap({}, 1000)
    size_record = fn(address, stack_size)
    sm = stackmap([size_record], [])
    end_pair = None if end is None else (end[0], record(4, end[1]))
    populate_msm(e, info, code_addr, sm, size_record, record(3, offset, *locations), end_pair, msm,
                 entry_id=3, record_path="records[3]", end_record_path="records[4]",
                 size_record_path="functions[1]")
    return msm


def refused(rule, path, fragment, call, *args, **kwargs):
    with pytest.raises(SemanticsError) as info:
        call(*args, **kwargs)
    err = info.value
    assert (err.rule, err.path) == (rule, path), err.describe()
    assert err.message.startswith(rule + ": ") and fragment in err.message, err.message
    return err


def header(*semantics):
    return entry(K.FunctionHeader, 0, 0, semantics)


# -- 1. XMM8-XMM15: DWARF 25-32 --------------------------------------------


def test_xmm8_and_xmm15_go_into_reg_diff_with_indices_24_and_31():
    # from_dwarf_regnum(25) = XMM8, to_index = 8 + 16 = 24; 32 = XMM15 -> 31.
    msm = run(header(V.Ctx, V.WasmStack(0)), [reg(25), reg(32)])
    fsm = msm.local_functions[69]  # 0x40 + 5
    assert fsm.diffs == [MachineStateDiff(None, (U, U), 0, ((24, M.Vmctx), (31, M.WasmStack(0))), {},
                                          (W.Runtime,), 0, 0)]
    # ... while a machine state keeps 16 + 8 register slots (the quirk).
    assert len(fsm.initial.register_values) == 24 == len(new_machine_state().register_values)
    assert fsm.loop_offsets == {69: OffsetInfo(70, 0, 69)}


@pytest.mark.parametrize("regnum, index", [(17, 16), (24, 23), (25, 24), (26, 25), (30, 29), (31, 30), (32, 31)])
def test_every_xmm_dwarf_number_maps(regnum, index):
    msm = run(header(V.WasmStack(0)), [reg(regnum, size=16)])
    assert msm.local_functions[69].diffs[0].reg_diff == ((index, M.WasmStack(0)),)


@pytest.mark.parametrize("regnum", [16, 33])
def test_dwarf_16_and_33_still_have_no_register(regnum):
    # 16 (return address) and 33 fall to `_ => return None`: expect("invalid regnum").
    refused("invalid-regnum", "records[3].locations[0]", f"DWARF register {regnum}",
            run, header(V.Ctx), [reg(regnum)])


def test_xmm15_in_the_json_form(tmp_path, capsys):
    sm = stackmap([fn(0x1040)], [record(0, 5, reg(5), reg(32)), record(1, 9)])
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(sm))
    registry = tmp_path / "r.json"
    registry.write_text(json.dumps({"entries": [
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics":
         ["Ctx", {"WasmLocal": 0}], "local_count": 1, "stack_count": 0, "is_start": True},
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": False}]}))
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 0
    fsm = json.loads(capsys.readouterr().out)["local_functions"][0]
    # RDI (DWARF 5) is GPR index 7; XMM15 is 31; the end record at 9 -> 0x40 + 9 = 73.
    assert fsm[0] == 69
    assert fsm[1]["diffs"][0]["reg_diff"] == [[7, "Vmctx"], [31, {"WasmLocal": 0}]]
    assert len(fsm[1]["initial"]["register_values"]) == 24
    assert fsm[1]["loop_offsets"] == [[69, {"end_offset": 73, "diff_id": 0, "activate_offset": 69}]]


# -- 2. every overflow of the original ---------------------------------------


def test_target_offset_overflow():
    # func_base_addr = (2**64 - 8) - 0; + 8 = 2**64: panics.
    refused("target-offset-overflow", "records[3]", "overflows usize",
            run, header(), [], address=U64_MAX - 7, code_addr=0, offset=8)


def test_target_offset_at_the_usize_maximum_is_kept():
    # (2**64 - 8) + 7 = 2**64 - 1 fits; the end record at 7 gives the same, >= start.
    msm = run(header(), [], address=U64_MAX - 7, code_addr=0, offset=7, end=(end_of(header()), 7))
    fsm = msm.local_functions[U64_MAX]
    assert fsm.loop_offsets == {U64_MAX: OffsetInfo(U64_MAX, 0, U64_MAX)}
    assert fsm.wasm_function_header_target_offset == SuspendOffset.Loop(U64_MAX)


def test_target_offset_overflow_comes_before_the_start_entry_check():
    # `let target_offset = ...;` precedes `assert!(self.is_start)`.
    refused("target-offset-overflow", "records[3]", "overflows", run,
            entry(K.FunctionHeader, start=False), [], address=U64_MAX, code_addr=0, offset=1)


def test_end_offset_overflow_with_an_end_record():
    # base 2**64 - 16; start 0 -> 2**64 - 16; end record at 16 -> 2**64: panics.
    refused("end-offset-overflow", "records[4]", "end instruction offset 0x10",
            run, header(), [], address=U64_MAX - 15, code_addr=0, offset=0, end=(end_of(header()), 16))


def test_end_offset_overflow_without_an_end_record():
    # no end record: target_offset + 1 = (2**64 - 1) + 1 panics.
    refused("end-offset-overflow", "records[3]", "target offset 0xffffffffffffffff + 1",
            run, header(), [], address=U64_MAX - 7, code_addr=0, offset=7)


def call_after_header(end_offset):
    """Function 0 at 2**64 - 16 (code at 0): a header at 0 (end record at 0),
    then a call at 8 whose end record is at ``end_offset``."""
    msm = run(header(), [], address=U64_MAX - 15, code_addr=0, offset=0, end=(end_of(header()), 0))
    call = entry(K.Call, 0, 1, [])
    return run(call, [], address=U64_MAX - 15, code_addr=0, offset=8, end=(end_of(call), end_offset), msm=msm)


def test_call_end_overflow():
    # end offset (2**64 - 16) + 15 = 2**64 - 1; + 1 for the return address panics.
    refused("call-end-overflow", "records[4]", "0xffffffffffffffff", call_after_header, 15)


def test_call_end_just_below_the_maximum():
    # (2**64 - 16) + 14 + 1 = 2**64 - 1.
    fsm = call_after_header(14).local_functions[U64_MAX - 15]
    assert fsm.call_offsets == {U64_MAX - 7: OffsetInfo(U64_MAX, 1, U64_MAX - 7)}
    assert fsm.wasm_offset_to_target_offset == {1: SuspendOffset.Call(U64_MAX - 7)}


def test_call_end_overflow_without_an_end_record():
    # no end record: E = T + 1 = 2**64 - 1, then E + 1 panics.
    msm = run(header(), [], address=U64_MAX - 15, code_addr=0, offset=0, end=(end_of(header()), 0))
    refused("call-end-overflow", "records[3]", "+ 1", run, entry(K.Call, 0, 1, []), [],
            address=U64_MAX - 15, code_addr=0, offset=14, msm=msm)


@pytest.mark.parametrize("semantic, rule, fragment", [
    (V.ImportedFuncPointer(2**60), "imported-func-overflow", "16 * 1152921504606846976"),
    (V.ImportedFuncCtx(2**60), "imported-func-overflow", "16 * 1152921504606846976"),
    (V.ImportedFuncPointer(U64_MAX), "imported-func-overflow", "ImportedFuncPointer(18446744073709551615)"),
    (V.DynamicSigindice(2**62), "sigindice-overflow", "4611686018427387904 * 4"),
])
def test_vmctx_offset_overflows(semantic, rule, fragment):
    # 16 * 2**60 = 2**64 and 4 * 2**62 = 2**64: the multiplication panics.
    err = refused(rule, "records[3].locations[0]", fragment, run, header(semantic), [reg(0)])
    assert "entry 3 (FunctionHeader, local function 0): location 0" in err.message


@pytest.mark.parametrize("semantic, path", [
    (V.ImportedFuncPointer(2**60 - 1), (48, 2**64 - 16, 0)),      # 16 * (2**60 - 1) + 0
    (V.ImportedFuncCtx(2**60 - 1), (48, 2**64 - 8, 0)),           # 16 * (2**60 - 1) + 8
    (V.DynamicSigindice(2**62 - 1), (56, 2**64 - 4, 0)),          # (2**62 - 1) * 4
])
def test_vmctx_offsets_up_to_the_maximum(semantic, path):
    msm = run(header(semantic), [reg(0)])
    assert msm.local_functions[69].diffs[0].reg_diff == ((0, M.VmctxDeref(path)),)
    assert machine_value_for(semantic, ModuleInfo()) == M.VmctxDeref(path)


@pytest.mark.parametrize("location", [direct(-(2**31)), indirect(-(2**31))])
def test_negating_i32_min(location):
    # `(-loc.offset_or_small_constant) / 4` on i32::MIN panics before the
    # range check (a 24-byte frame would fail it).
    refused("stack-offset-overflow", "records[3].locations[0]", "i32::MIN",
            run, header(V.WasmLocal(0)), [location])


def test_i32_min_plus_one_is_a_range_check():
    # 2147483647 / 4 = 536870911 halves, more than the 4 of a 24-byte frame.
    refused("stack-slot-range", "records[3].locations[0]", "rbp - 2147483647",
            run, header(V.WasmLocal(0)), [indirect(-(2**31) + 1)])


def test_local_function_id_plus_one_overflows():
    # len() != usize::MAX, so `self.local_function_id + 1` is computed and panics.
    refused("local-function-id-overflow", "records[3]", "+ 1 overflows",
            run, entry(K.FunctionHeader, U64_MAX, 0, []), [])


def driver(addresses, code_addr, code_size, sm=None, reg_=None):
    return build_module_state_map(sm if sm is not None else stackmap([fn(a) for a in addresses]),
                                  reg_ if reg_ is not None else StackmapRegistry(()), ModuleInfo(),
                                  code_addr, code_size, addresses)


def test_code_range_overflow():
    # x >= code_ptr holds, so code_ptr + code_len = (2**64 - 256) + 256 is computed: panics.
    refused("code-range-overflow", "", "overflows usize", driver, [U64_MAX - 255], U64_MAX - 255, 256)


def test_code_range_at_the_maximum():
    # (2**64 - 256) + 255 = 2**64 - 1 fits; the function at its start is inside.
    msm = driver([U64_MAX - 255], U64_MAX - 255, 255)
    assert msm == ModuleStateMap({}, 255)


def test_code_range_sum_is_not_computed_below_the_code():
    # `x >= code_ptr && ...`: for a function below the code the sum is never
    # computed, so the assertion (not the overflow) fails.
    refused("function-address-range", "", "outside the code", driver, [0x10], U64_MAX - 255, 256)


def test_code_range_sum_is_not_computed_without_local_functions():
    # No local functions: the .map() closure never runs, no panic.
    assert driver([], U64_MAX, U64_MAX) == ModuleStateMap({}, U64_MAX)


# -- 3. an enormous halves table ---------------------------------------------


def test_huge_frame_is_refused_before_allocating():
    # stack size 2**40 + 8: (2**40) / 4 = 2**38 halves of 32 bytes; the original aborts.
    err = refused("frame-too-large", "functions[1]", "274877906944 4-byte halves",
                  run, header(V.WasmLocal(0)), [direct(-8)], stack_size=2**40 + 8)
    assert "stack size 1099511627784" in err.message


def test_frame_size_limit_edges():
    # 2**26 + 24: (2**26 + 16) / 4 = 2**24 + 4 halves > the limit; 2**26 + 8: exactly 2**24 halves.
    assert MAX_FRAME_HALVES == 2**24
    refused("frame-too-large", "functions[1]", "16777220 4-byte halves",
            run, header(), [], stack_size=2**26 + 24)
    msm = run(header(V.WasmLocal(0)), [indirect(-(2**26))], stack_size=2**26 + 8)
    stack = msm.local_functions[69].diffs[0].stack_push
    # rbp - 2**26 is half 2**24 (index 2**24 - 1, odd): the major half of the last slot.
    assert len(stack) == 2**23 and stack[-1] == M.WasmLocal(0) and stack[0] == U


def test_huge_frame_on_the_command_line(tmp_path, capsys):
    sm = stackmap([fn(0x1040, 2**40 + 8)], [record(0, 5)])
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(sm))
    registry = tmp_path / "r.json"
    registry.write_text(json.dumps([
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": True},
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": False}]))
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frame-too-large" in err and "MemoryError" not in err


# -- 4. a null function address ----------------------------------------------


def test_null_function_address_is_refused_first():
    # The addresses are collected (and asserted non-null) before the pairs
    # loop: a bad start entry behind it is never reached.
    bad_start = entry(K.FunctionHeader, 0, 0, [], start=False)
    sm = stackmap([fn(0x1040)], [record(0, 5)])
    refused("null-function-address", "", "local function 1 has a null address",
            driver, [0x1040, 0], CODE, 0x100, sm, StackmapRegistry((bad_start, end_of(bad_start))))


def test_null_function_address_on_the_command_line(tmp_path, capsys):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040)], [])))
    registry = tmp_path / "r.json"
    registry.write_text("[]")
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0",
                 "--code-size", "0x100", "--function-addresses", "0"]) == 1
    assert "null-function-address" in capsys.readouterr().err


# -- 5. a global index past u32 ----------------------------------------------


@pytest.mark.parametrize("semantic, imported, path", [
    # (2**32 + 1) as u32 = 1 < 2 imported -> Import(1): [imported_globals 40, 1 * 8, 0] + [0]
    (V.Global(2**32 + 1), 2, (40, 8, 0, 0)),
    # (2**32 + 5) as u32 = 5 >= 2 -> Local(3): [globals 16, 3 * 8, 0] + [0]
    (V.Global(2**32 + 5), 2, (16, 24, 0, 0)),
    # (2**64 - 1) as u32 = 4294967295 -> Local(4294967295): [16, 34359738360, 0]
    (V.PointerToGlobal(U64_MAX), 0, (16, 34359738360, 0)),
    # 2**32 as u32 = 0 < 1 -> Import(0)
    (V.PointerToGlobal(2**32), 1, (40, 0, 0)),
])
def test_global_index_wraps_to_u32_as_the_original(semantic, imported, path):
    info = ModuleInfo(imported_globals=imported)
    assert machine_value_for(semantic, info) == M.VmctxDeref(path)
    msm = run(header(semantic), [reg(3)], info=info)
    assert msm.local_functions[69].diffs[0].reg_diff == ((3, M.VmctxDeref(path)),)


# -- 6. the command line: every address and size is a u64 ------------------


@pytest.mark.parametrize("option, value", [
    ("--code-size", "0x10000000000000000"),
    ("--code-addr", "18446744073709551616"),
    ("--code-addr", "-1"),
    ("--function-addresses", "0x1040,0x10000000000000000"),
    ("--imported-globals", "0x10000000000000000"),
    ("--imported-tables", "-2"),
    ("--code-size", "ten"),
])
def test_cli_options_are_bounded_to_u64(tmp_path, capsys, option, value):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040)], [])))
    registry = tmp_path / "r.json"
    registry.write_text("[]")
    args = {"--code-addr": "0x1000", "--code-size": "0x100", "--function-addresses": "0x1040"}
    args[option] = value
    argv = ["semantics", str(blob), "--raw", "--registry", str(registry)]
    for k, v in args.items():
        argv += [f"{k}={v}"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "usage error" in err and option in err


def test_cli_u64_maximum_is_accepted(tmp_path, capsys):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040)], [])))
    registry = tmp_path / "r.json"
    registry.write_text("[]")
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", str(U64_MAX - 0x1000), "--function-addresses", "0x1040"]) == 0
    assert json.loads(capsys.readouterr().out) == {"local_functions": [], "total_size": U64_MAX - 0x1000}


def test_api_arguments_are_bounded_to_u64():
    for kwargs in ({"code_addr": 2**64}, {"code_size": 2**64}, {"function_addresses": [2**64]},
                   {"imported_globals": 2**64}):
        args = {"code_addr": CODE, "code_size": 0x100, "function_addresses": [0x1040], **kwargs}
        with pytest.raises(SemanticsError) as info:
            run_semantics(stackmap([fn(0x1040)]), [], **args)
        assert info.value.rule == "argument"
