"""``gen --llvm``: IR from the seeded plan, compiled by llc 14 and llc 22
(typed pointers for 14, ``ptr`` for 22).  The object's stackmap must have
exactly the planned records (ids, location kinds, constants) and that LLVM's
llvm-readobj must print exactly our dump of it."""

from __future__ import annotations

import collections
import os
import subprocess
import sys

import pytest

from gen_llvm_helpers import readobj_blocks
from llvm_tools import LLVM_VERSIONS, Llvm, run
from stackmap_construct import LocationKind, parse_all
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.generate.llc import find_llc, installed_llcs
from stackmap_construct.generate.llvm_ir import MODERN_TRIPLES, TESTED_TRIPLES, plan_module, write_ir

pytestmark = pytest.mark.llvm

K = LocationKind
SEEDS = range(6)
OPTIONS = ["--functions", "3", "--records", "8", "--locations", "0..7"]


def _kinds_allowed(planned, plan):
    """The kinds a planned location may come out as.  LLVM 14 follows the
    plan exactly.  llc 22's allocator may keep a value planned as a spill
    in a register (and reload one planned in a register from its slot), and
    on riscv64 it materializes a 64-bit constant into a register rather than
    the constant pool."""
    if plan.llvm < 15:
        return {planned}
    if planned in (K.Register, K.Indirect):
        return {K.Register, K.Indirect}
    if planned == K.ConstantIndex and plan.triple.startswith("riscv64"):
        return {K.ConstantIndex, K.Register}
    return {planned}


def _compare_with_plan(obj_path, plan):
    [section] = read_container(obj_path.read_bytes()).sections
    [sm] = parse_all(section.data, endian=section.endian)
    expected = plan.expected()
    assert [f.record_count for f in sm.functions] == plan.expected_record_counts()
    assert [r.patchpoint_id for r in sm.records] == [e.patchpoint_id for e in expected]
    for record, want in zip(sm.records, expected):
        assert len(record.locations) == len(want.locations), record.patchpoint_id
        for loc, w in zip(record.locations, want.locations):
            assert loc.kind in _kinds_allowed(w.kind, plan), (record.patchpoint_id, loc, w)
            if loc.kind != w.kind:
                continue
            if w.kind == K.Constant:
                assert loc.offset_or_small_constant == w.constant
            elif w.kind == K.ConstantIndex:
                assert sm.constants[loc.offset_or_small_constant] == w.constant
    return sm


#: Every (LLVM, triple) pair gen --llvm supports.
CELLS = [(v, t) for v in LLVM_VERSIONS for t in TESTED_TRIPLES + (MODERN_TRIPLES if v >= 15 else ())]


@pytest.mark.parametrize("version, triple", CELLS, ids=[f"llvm{v}-{t}" for v, t in CELLS])
def test_llc_output_has_the_planned_records_and_readobj_agrees(tmp_path, version, triple, capsys):
    llvm = Llvm(version)
    objects, plans, kinds = [], {}, collections.Counter()
    intrinsics = set()
    for seed in SEEDS:
        obj = tmp_path / f"m{seed}.o"
        assert main(["gen", "--llvm", "--llc", llvm.llc, "--triple", triple, "--seed", str(seed), *OPTIONS,
                     "-o", str(obj)]) == 0
        out = capsys.readouterr().out  # which llc made the object
        assert out.startswith(f"gen: {obj}: made by {llvm.llc} (LLVM {version}.") and out.endswith(f" for {triple}\n")
        plan = plan_module(seed, triple, functions=3, records=8, locations=(0, 7), llvm=version)
        sm = _compare_with_plan(obj, plan)
        kinds.update(loc.kind for r in sm.records for loc in r.locations)
        intrinsics.update(s.intrinsic for f in plan.functions for s in f.sites)
        objects.append(obj)
    # Every location kind comes out of llc for every target, and every
    # intrinsic the target supports is used.
    assert set(kinds) == set(K), kinds
    statepoints = ("x86_64", "aarch64", "arm64") + (("riscv64",) if version >= 22 else ())
    assert intrinsics == ({"stackmap", "patchpoint", "statepoint"} if triple.split("-")[0] in statepoints
                          else {"stackmap", "patchpoint"})
    theirs = readobj_blocks(llvm.readobj, objects)
    for obj in objects:
        assert main(["dump", str(obj), "--format", "llvm-readobj"]) == 0
        assert capsys.readouterr().out == theirs[obj], obj


def test_kinds_and_intrinsics_options(tmp_path, llvm):
    obj = tmp_path / "m.o"
    assert main(["gen", "--llvm", "--llc", llvm.llc, "--triple", "aarch64-linux-gnu", "--seed", "3", "--records", "5",
                 "--locations", "2..3", "--kinds", "Direct,ConstantIndex", "--intrinsics", "statepoint",
                 "-o", str(obj)]) == 0
    plan = plan_module(3, "aarch64-linux-gnu", functions=1, records=5, locations=(2, 3),
                       kinds=["Direct", "ConstantIndex"], intrinsics=["statepoint"], llvm=llvm.version)
    sm = _compare_with_plan(obj, plan)
    assert len(sm.records) == 5
    for record in sm.records:  # cc, flags, deopt count, then 2 or 3 deopt values, then pairs
        assert record.locations[2].offset_or_small_constant in (2, 3)
        deopt = record.locations[3: 3 + record.locations[2].offset_or_small_constant]
        assert {loc.kind for loc in deopt} <= {K.Direct, K.ConstantIndex}


def test_same_seed_same_ir_and_keep_ir(tmp_path, llvm):
    llc = llvm.llc
    obj = tmp_path / "m.o"
    assert main(["gen", "--llvm", "--llc", llc, "--seed", "11", "--keep-ir", "-o", str(obj)]) == 0
    kept = tmp_path / "m.ll"
    text = kept.read_text()
    assert text.startswith("; Generated by stackmap-construct gen --llvm --seed 11 --triple x86_64-linux-gnu "
                           f"for LLVM {llvm.version};")
    assert text.split("\n", 1)[1] == write_ir(plan_module(11, "x86_64-linux-gnu", functions=1, records=4,
                                                         locations=(0, 8), llvm=llvm.version))
    # typed pointers for LLVM 14, opaque ones after
    assert ("ptr %mem" in text) == (llvm.version >= 15) and ("i64* %mem" in text) == (llvm.version < 15)
    # The kept IR is what was compiled: llc makes the same stackmap from it
    # (the objects differ only in the source file name they record).
    again = tmp_path / "again.o"
    run([llc, "-O2", "-regalloc=basic", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(kept), "-o", str(again)])
    assert read_container(again.read_bytes()).sections[0].data == read_container(obj.read_bytes()).sections[0].data
    named = tmp_path / "named.ll"
    assert main(["gen", "--llvm", "--llc", llc, "--seed", "11", "--keep-ir", str(named),
                 "-o", str(tmp_path / "n.o")]) == 0
    assert named.read_text() == text


def test_greedy_register_allocator_still_gives_a_valid_object(tmp_path, llvm, capsys):
    obj = tmp_path / "g.o"
    assert main(["gen", "--llvm", "--llc", llvm.llc, "--seed", "2", "--records", "6", "--regalloc", "greedy",
                 "-o", str(obj)]) == 0
    [block] = readobj_blocks(llvm.readobj, [obj]).values()
    capsys.readouterr()
    assert main(["dump", str(obj), "--format", "llvm-readobj"]) == 0
    assert capsys.readouterr().out == block and "Num Records: 6" in block


def test_missing_llc_is_a_clear_error(tmp_path, monkeypatch, capsys):
    # A PATH without llc, and no versioned installation either.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("stackmap_construct.generate.llc.VERSIONED_LLC", str(tmp_path / "llvm-*" / "bin" / "llc"))
    assert main(["gen", "--llvm", "--keep-ir", "-o", str(tmp_path / "m.o")]) == 1
    assert capsys.readouterr().err == (
        "stackmap-construct: error: gen: llc not found on PATH nor in /usr/lib/llvm-*/bin; install LLVM "
        "(Debian/Ubuntu: apt-get install llvm for LLVM 14, llvm-22 for LLVM 22) or pass --llc PATH\n")
    # the IR's dialect depends on the llc, so without one nothing is written
    assert not (tmp_path / "m.ll").exists() and not (tmp_path / "m.o").exists()


def test_the_newest_llc_is_the_default(tmp_path):
    installed = [v for v in LLVM_VERSIONS if Llvm(v)]  # every one (missing: skip, or fail under CI)
    assert find_llc().major == max(installed)
    majors = {t.major for t in installed_llcs()}
    assert set(installed) <= majors


def test_riscv64_needs_llvm_15(tmp_path, capsys):
    llc14 = Llvm(14).llc
    assert main(["gen", "--llvm", "--llc", llc14, "--triple", "riscv64-linux-gnu", "-o", str(tmp_path / "m.o")]) == 1
    err = capsys.readouterr().err
    assert "llc 14 crashes on any stackmap for riscv64 (use LLVM 15 or later" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--triple", "mips64-linux-gnu"], "no stackmap support known for architecture 'mips64'"),
    (["--triple", "s390x-linux-gnu", "--intrinsics", "statepoint"], "cannot emit gc.statepoint records"),
    (["--llc", "/nonexistent/llc"], "llc not found at '/nonexistent/llc'"),
])
def test_refusals_exit_1_with_one_line(tmp_path, capsys, argv, message):
    assert main(["gen", "--llvm", *argv, "-o", str(tmp_path / "m.o")]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_options_that_do_not_apply_are_usage_errors(tmp_path, capsys):
    for extra in (["--corrupt", "truncate"], ["--endian", "big"], ["--format", "json"], ["--container", "elf"],
                  ["--live-outs", "1"], ["--constants", "2"]):
        with pytest.raises(SystemExit) as exit_:
            main(["gen", "--llvm", *extra, "-o", str(tmp_path / "m.o")])
        assert exit_.value.code == 2
        assert "does not apply to --llvm" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["gen", "--regalloc", "greedy", "-o", str(tmp_path / "m.bin")])
    assert exit_.value.code == 2 and "apply to --llvm only" in capsys.readouterr().err
