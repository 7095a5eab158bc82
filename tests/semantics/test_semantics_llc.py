"""End to end: IR shaped like a wasm compiler's output (tests/semantics/data/
wasm_like.ll, with its registry wasm_like.registry.json) compiled by llc for
x86-64, its .llvm_stackmaps section parsed and mapped; the expected map is
written out by hand from the rules.

The object is "loaded" with its .text at 0x10000: each function record's
address is resolved from its R_X86_64_64 relocation (symbol + addend) plus
that base, as a JIT would have it in memory.
"""

from __future__ import annotations

import json
import pathlib

import pytest
from elftools.elf.elffile import ELFFile

from llvm_tools import run
from semantics_helpers import K, M, U, W
from stackmap_construct import parse
from stackmap_construct.model import LocationKind
from stackmap_construct.semantics import (
    FunctionStateMap,
    MachineStateDiff,
    ModuleInfo,
    ModuleStateMap,
    OffsetInfo,
    SuspendOffset,
    build_module_state_map,
    module_state_map_to_json,
    new_machine_state,
    registry_from_json,
    run_semantics,
)

DATA = pathlib.Path(__file__).parent / "data"
BASE = 0x10000

R, D, I, C, CI = (LocationKind.Register, LocationKind.Direct, LocationKind.Indirect, LocationKind.Constant,
                  LocationKind.ConstantIndex)

# What LLVM 14's llc -O1 writes for wasm_like.ll (as llvm-readobj shows it):
# (patchpoint id, instruction offset, [(kind, size, dwarf regnum, offset)]).
FN0_LOCALS = [(R, 8, 14, 0), (D, 8, 6, -32), (R, 8, 15, 0), (D, 8, 6, -28), (D, 8, 6, -36), (D, 8, 6, -48)]
EXPECTED_RECORDS = [
    (0, 45, [(R, 8, 14, 0), (D, 8, 6, -32), (D, 8, 6, 16), (D, 8, 6, -28), (D, 8, 6, -36), (D, 8, 6, -48)]),
    (1, 45, []),
    (2, 51, FN0_LOCALS + [(R, 4, 3, 0)]),
    (4, 51, FN0_LOCALS + [(C, 8, 0, 7), (R, 4, 3, 0), (CI, 8, 0, 0)]),
    (5, 61, []),
    (6, 61, FN0_LOCALS + [(R, 4, 0, 0), (R, 4, 3, 0)]),
    (7, 65, []),
    (10, 24, [(R, 8, 14, 0)]),
    (11, 24, []),
    (12, 66, [(R, 8, 14, 0), (R, 8, 15, 0), (R, 8, 3, 0), (I, 8, 6, -48), (I, 8, 6, -56), (I, 8, 6, -64),
              (I, 8, 6, -72), (R, 8, 12, 0), (R, 8, 13, 0)]),
    (13, 71, []),
    (14, 71, [(R, 8, 14, 0)]),
]


def L(n):
    return M.WasmLocal(n)


def S(n):
    return M.WasmStack(n)


def expected_map() -> ModuleStateMap:
    """By hand.  fn0: base offset 0, stack size 56 -> 6 slots; fn1: base
    offset 0x60 = 96, stack size 88 -> 10 slots.  Register indices: R14 14,
    R15 15, RBX (DWARF 3) 3, RAX 0, R12 12, R13 13."""
    # fn0 locals: rbp-32 -> half 7 (slot 3 major), rbp-28 -> half 6 (slot 3
    # minor), rbp-36 -> half 8 (slot 4 minor), rbp-48 -> half 11 (slot 5
    # major); rbp+16 -> prev_frame[0].
    fn0_stack = (U, U, U, M.TwoHalves(L(0), L(2)), M.TwoHalves(U, L(3)), L(4))
    fn0_regs = ((14, M.Vmctx), (15, L(1)))
    fn0 = FunctionStateMap(
        initial=new_machine_state(),
        local_function_id=0,
        locals=[W.Runtime] * 5,
        shadow_size=0,
        diffs=[
            MachineStateDiff(None, fn0_stack, 0, ((14, M.Vmctx),), {0: L(1)}, (), 0, 0),
            MachineStateDiff(None, fn0_stack, 0, fn0_regs + ((3, S(0)),), {}, (W.Runtime,), 0, 3),
            MachineStateDiff(None, fn0_stack, 0, fn0_regs + ((3, S(1)),), {},
                             (W.Const(7), W.Runtime, W.Const(1099511627776)), 0, 9),
            MachineStateDiff(None, fn0_stack, 0, fn0_regs + ((0, S(0)), (3, S(1))), {},
                             (W.Runtime, W.Runtime), 0, 12),
        ],
        wasm_function_header_target_offset=SuspendOffset.Loop(45),
        wasm_offset_to_target_offset={3: SuspendOffset.Loop(51), 9: SuspendOffset.Call(51),
                                      12: SuspendOffset.Trappable(61)},
        # header 45..45 (end record 1 at 45); loop 51, no end record -> 52;
        # call 51, end record 5 at 61, + 1 -> 62; trappable 61..65 (record 7).
        loop_offsets={45: OffsetInfo(45, 0, 45), 51: OffsetInfo(52, 1, 51)},
        call_offsets={51: OffsetInfo(62, 2, 51)},
        trappable_offsets={61: OffsetInfo(65, 3, 61)},
    )
    # fn1 record 12: [rbp-48] half 11 -> slot 5, -56 -> slot 6, -64 -> slot 7,
    # -72 -> slot 8 (all major); the memory base (R15) = VmctxDeref([80, 0]).
    fn1 = FunctionStateMap(
        initial=new_machine_state(),
        local_function_id=1,
        locals=[],
        shadow_size=0,
        diffs=[
            MachineStateDiff(None, (U,) * 10, 0, ((14, M.Vmctx),), {}, (), 0, 0),
            MachineStateDiff(
                None, (U, U, U, U, U, S(1), S(2), S(3), S(4), U), 0,
                ((14, M.Vmctx), (15, M.VmctxDeref((80, 0))), (3, S(0)), (12, S(5)), (13, S(6))),
                {}, (W.Runtime,) * 7, 0, 5,
            ),
        ],
        wasm_function_header_target_offset=SuspendOffset.Loop(120),  # 96 + 24
        wasm_offset_to_target_offset={5: SuspendOffset.Trappable(162)},  # 96 + 66
        loop_offsets={120: OffsetInfo(120, 0, 120)},
        call_offsets={},
        trappable_offsets={162: OffsetInfo(167, 1, 162)},  # end 96 + 71
    )
    # entries 8/9: no records (skipped); entry 14: odd last entry (ignored).
    return ModuleStateMap({45: fn0, 120: fn1}, 207)


@pytest.fixture
def loaded(tmp_path, llc):
    """(stackmap with load addresses, code size, [fn0, fn1] addresses)."""
    obj = tmp_path / "wasm_like.o"
    run([llc, "-O1", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(DATA / "wasm_like.ll"), "-o", str(obj)])
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        sm = parse(elf.get_section_by_name(".llvm_stackmaps").data())
        rela = elf.get_section_by_name(".rela.llvm_stackmaps")
        symtab = elf.get_section(rela["sh_link"])
        relocs = [(r["r_offset"], symtab.get_symbol(r["r_info_sym"]).name, r["r_addend"])
                  for r in rela.iter_relocations()]
        values = {s.name: s["st_value"] for s in symtab.iter_symbols()}
        code_size = elf.get_section_by_name(".text")["sh_size"]

    # what llc produced, before anything is mapped
    assert [(f.address, f.stack_size, f.record_count) for f in sm.functions] == [(0, 56, 7), (0, 88, 5)]
    assert sm.constants == [1099511627776]
    assert [(r.patchpoint_id, r.instruction_offset,
             [(loc.kind, loc.size, loc.dwarf_regnum, loc.offset_or_small_constant) for loc in r.locations])
            for r in sm.records] == EXPECTED_RECORDS
    assert relocs == [(16, "fn0", 0), (40, "fn1", 0)]
    assert (values["fn0"], values["fn1"], code_size) == (0, 0x60, 207)

    for offset, name, addend in relocs:
        sm.functions[(offset - 16) // 24].address = BASE + values[name] + addend
    return sm, code_size, [BASE + values["fn0"], BASE + values["fn1"]]


@pytest.mark.llvm
def test_llc_output_maps_to_the_hand_written_state_map(loaded):
    sm, code_size, addresses = loaded
    registry = registry_from_json(json.loads((DATA / "wasm_like.registry.json").read_text()))
    assert len(registry.entries) == 15 and registry.entries[8].kind is K.Trappable

    msm = build_module_state_map(sm, registry, ModuleInfo(), BASE, code_size, addresses)
    want = expected_map()
    assert list(msm.local_functions) == [45, 120]
    for key in (45, 120):
        got, exp = msm.local_functions[key], want.local_functions[key]
        for i, (d, e) in enumerate(zip(got.diffs, exp.diffs)):
            assert d == e, (key, i)
        assert got == exp, key
    assert msm == want


@pytest.mark.llvm
def test_llc_output_through_the_cli_function(loaded):
    sm, code_size, addresses = loaded
    registry_json = json.loads((DATA / "wasm_like.registry.json").read_text())
    out = run_semantics(sm, registry_json, BASE, code_size, addresses)
    assert out == module_state_map_to_json(expected_map())
    assert [k for k, _ in out["local_functions"]] == [45, 120]
    assert out["local_functions"][0][1]["diffs"][0]["stack_push"][3] == {"TwoHalves": [{"WasmLocal": 0}, {"WasmLocal": 2}]}
    assert out["local_functions"][0][1]["diffs"][0]["prev_frame_diff"] == [[0, {"WasmLocal": 1}]]
    assert out["total_size"] == 207
