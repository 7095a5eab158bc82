"""Finding the record of a return address: statepoints compiled by llc,
linked by gcc and ld.lld into executables, looked up by the return
addresses that llvm-objdump shows after each call and the function
addresses that llvm-nm gives (independent readers of the same files)."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from llvm_tools import require, run
from stackmap_construct import Function, Record, StackMap
from stackmap_construct.cli.main import main
from stackmap_construct.lookup import CallSiteIndex, select
from stackmap_construct.symbols import FunctionTarget

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUNDLES = ROOT / "tests" / "data" / "statepoints" / "bundles.ll"
#: The statepoint id of each function of bundles.ll (the IR fixes them).
IDS = {"no_bundles": 100, "one_pointer": 101, "two_pointers": 102}
RUNTIME_C = ("void callee(void) {}\nvoid no_bundles(void); void *one_pointer(void *, long);\n"
             "void *two_pointers(void *, void *, long);\n"
             "int main(void) { no_bundles(); one_pointer(0, 1); two_pointers(0, 0, 2); return 0; }\n")
CALLEE_LL = "define void @callee() {\n  ret void\n}\n"


def objdump_return_addresses(path: pathlib.Path) -> dict[str, int]:
    """function -> address of the instruction after its call to callee."""
    text = run([require("llvm-objdump"), "-d", "--no-show-raw-insn", str(path)], text=True).stdout
    out: dict[str, int] = {}
    function, pending = None, False
    for line in text.splitlines():
        if m := re.match(r"^[0-9a-f]+ <(\w+)>:$", line):
            function, pending = m[1], False
        elif m := re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line):
            if pending and function in IDS:
                out[function] = int(m[1], 16)
                pending = False
            if m[2] in ("call", "callq", "bl") and "<callee>" in m[3]:
                pending = True
    return out


def nm_addresses(path: pathlib.Path) -> dict[str, int]:
    text = run([require("llvm-nm"), str(path)], text=True).stdout
    return {name: int(value, 16) for value, kind, name in (line.split() for line in text.splitlines() if len(line.split()) == 3)
            if name in IDS}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("lookup")
    llc = require("llc")
    out = {}
    x86 = d / "x86.o"
    run([llc, "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(BUNDLES), "-o", str(x86)])
    (d / "runtime.c").write_text(RUNTIME_C)
    gcc = require("gcc")
    out["gcc -no-pie"] = d / "exe-nopie"
    run([gcc, "-no-pie", str(d / "runtime.c"), str(x86), "-o", str(out["gcc -no-pie"])])
    out["gcc -pie"] = d / "exe-pie"  # the stackmap's addresses come from R_X86_64_RELATIVE
    run([gcc, "-pie", str(d / "runtime.c"), str(x86), "-o", str(out["gcc -pie"])])
    lld = require("ld.lld")
    (d / "callee.ll").write_text(CALLEE_LL)
    for triple, tag in (("x86_64-linux-gnu", "x86"), ("aarch64-linux-gnu", "a64")):
        obj, callee = d / f"{tag}-sp.o", d / f"{tag}-callee.o"
        run([llc, "-O2", f"-mtriple={triple}", "-filetype=obj", str(BUNDLES), "-o", str(obj)])
        run([llc, "-O2", f"-mtriple={triple}", "-filetype=obj", str(d / "callee.ll"), "-o", str(callee)])
        out[f"ld.lld {triple}"] = d / f"{tag}-lld"
        run([lld, "-e", "no_bundles", str(obj), str(callee), "-o", str(out[f"ld.lld {triple}"])])
    return out


IMAGES = ["gcc -no-pie", "gcc -pie", "ld.lld x86_64-linux-gnu", "ld.lld aarch64-linux-gnu"]


def load_index(path: pathlib.Path) -> CallSiteIndex:
    from stackmap_construct.containers import read_container
    from stackmap_construct.format import parse_all
    from stackmap_construct.symbols import resolve_functions

    container = read_container(path.read_bytes())
    (section,) = container.sections
    (sm,) = parse_all(section.data, endian=section.endian)
    return CallSiteIndex([sm], [resolve_functions(container, section, sm)])


@pytest.mark.parametrize("image", IMAGES)
def test_index_finds_each_return_address(images, image):
    path = images[image]
    returns = objdump_return_addresses(path)
    starts = nm_addresses(path)
    assert set(returns) == set(IDS) == set(starts)
    index = load_index(path)
    assert len(index) == 3 and index.has_addresses
    for function, ret in returns.items():
        (site,) = index.at(ret)
        assert (site.function, site.record.patchpoint_id, site.address) == (function, IDS[function], ret)
        assert ret - site.instruction_offset == starts[function]
        assert index.at(ret + 1) == [] and index.at(ret - 1) == []
        (same,) = index.at_offset(function, site.instruction_offset)
        assert same == site
        assert index.at_offset(function, site.instruction_offset + 1) == []


@pytest.mark.parametrize("image", IMAGES)
def test_dump_pc_in_every_format(images, image, capsys):
    path = images[image]
    returns = objdump_return_addresses(path)
    ret = returns["two_pointers"]
    assert main(["dump", str(path), "--pc", hex(ret)]) == 0
    text = capsys.readouterr().out
    assert text.count("record id ") == 1 and f"record id 102 at offset " in text and f"= 0x{ret:x}:" in text
    assert "function #0 two_pointers" in text
    assert main(["dump", str(path), "--pc", str(ret), "--format", "llvm-readobj"]) == 0
    text = capsys.readouterr().out
    assert "Num Records: 1\n  Record ID: 102," in text and "Num Functions: 1\n" in text
    assert "#6: ConstantIndex #0 (123456789012), size: 8" in text  # the constants are all kept
    assert main(["dump", str(path), "--pc", hex(ret), "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["stackmaps"]
    assert [(r["patchpoint_id"], r["address"]) for r in entry["records"]] == [(102, ret)]
    assert [(f["symbol"], f["record_count"]) for f in entry["functions"]] == [("two_pointers", 1)]
    assert main(["statepoints", str(path), "--pc", hex(ret)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"statepoint id 102 at two_pointers + 0x") and f"return address 0x{ret:x}:" in text
    assert main(["dump", str(path), "--pc", hex(ret + 1)]) == 1
    assert capsys.readouterr().err.endswith(f": no record matches --pc 0x{ret + 1:x}\n")


def test_dump_function_and_id_filters(images, capsys):
    path = images["gcc -no-pie"]
    assert main(["dump", str(path), "--function", "one_pointer", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["stackmaps"]
    assert [r["patchpoint_id"] for r in entry["records"]] == [101]
    assert main(["dump", str(path), "--id", "100", "--id", "102", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["stackmaps"]
    assert [r["patchpoint_id"] for r in entry["records"]] == [100, 102]
    assert [f["symbol"] for f in entry["functions"]] == ["no_bundles", "two_pointers"]
    # Filters combine: function one_pointer has no record with id 100.
    assert main(["dump", str(path), "--function", "one_pointer", "--id", "100"]) == 1
    assert "no record matches --function one_pointer --id 100" in capsys.readouterr().err


def test_pc_needs_a_linked_image(tmp_path, capsys):
    obj = tmp_path / "sp.o"
    run([require("llc"), "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(BUNDLES), "-o", str(obj)])
    assert main(["dump", str(obj), "--pc", "0x10"]) == 1
    assert "--pc needs absolute addresses and this file has none" in capsys.readouterr().err
    assert main(["dump", str(obj), "--function", "two_pointers", "--format", "llvm-readobj"]) == 0
    assert "Record ID: 102," in capsys.readouterr().out


def test_index_without_targets_uses_function_addresses():
    sm = StackMap(3, [Function(0x1000, 8, 2), Function(0x2000, 8, 1)], [], [
        Record(1, 4), Record(2, 9), Record(3, 4)])
    index = CallSiteIndex([sm, sm])
    assert [(s.stackmap, s.record_index, s.function_index) for s in index.at(0x1004)] == [(0, 0, 0), (1, 0, 0)]
    assert [s.record.patchpoint_id for s in index.at(0x2004)] == [3, 3]
    assert index.at_offset(1, 4)[0].record.patchpoint_id == 3
    assert index.at_offset((1, 0), 9)[0].address == 0x1009
    assert CallSiteIndex([sm], use_function_addresses=False).at(0x1004) == []


def test_select_keeps_constants_and_recounts():
    sm = StackMap(3, [Function(0x1000, 8, 2), Function(0x2000, 8, 1)], [7, 8], [
        Record(1, 4), Record(2, 9), Record(3, 4)])
    small, targets = select(sm, [FunctionTarget("f", 0x1000), FunctionTarget("g", 0x2000)], [1, 2])
    assert [(f.address, f.record_count) for f in small.functions] == [(0x1000, 1), (0x2000, 1)]
    assert [r.patchpoint_id for r in small.records] == [2, 3] and small.constants == [7, 8]
    assert [t.symbol for t in targets] == ["f", "g"]


class Probe(int):
    """An address that counts the comparisons made with it."""

    count = 0

    def __lt__(self, other):
        Probe.count += 1
        return int(self) < other

    def __gt__(self, other):  # ``a < probe`` is answered by ``probe > a``
        Probe.count += 1
        return int(self) > other


def test_lookups_take_logarithmic_comparisons():
    n = 1 << 16
    sm = StackMap(3, [Function(0x10000000, 16, n)], [], [Record(i, 4 * i) for i in range(n)])
    index = CallSiteIndex([sm])
    for target in (0x10000000, 0x10000000 + 4 * 12345, 0x10000000 + 4 * (n - 1), 0x10000001):
        Probe.count = 0
        found = index.at(Probe(target))
        assert 0 < Probe.count <= 2 * (16 + 2), Probe.count  # two binary searches over 2**16 addresses
        assert [s.record.patchpoint_id for s in found] == ([] if target % 4 else [(target - 0x10000000) // 4])
    Probe.count = 0
    assert index.at_offset("f", Probe(8)) == []  # no such function name: no search at all
    (site,) = index.at_offset(0, 4 * 999)
    assert site.record.patchpoint_id == 999


def test_two_blobs_in_one_executable(tmp_path, capsys):
    """A program linked from two objects holds two stackmaps: each call site
    is found in its own, and statepoints numbers them."""
    llc, gcc = require("llc"), require("gcc")
    obj = tmp_path / "bundles.o"
    run([llc, "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(BUNDLES), "-o", str(obj)])
    (tmp_path / "rt.c").write_text("void safepoint(void) {}\nlong compute(long x) { return x; }\n"
                                   "void callee(void) {}\nint main(void) { return 0; }\n")
    exe = tmp_path / "two"
    fixture = ROOT / "tests" / "data" / "x86_64-linux-gnu" / "statepoint.o"  # ids 1200, 1201, 1210
    run([gcc, "-no-pie", str(tmp_path / "rt.c"), str(obj), str(fixture), "-o", str(exe)])
    text = run([require("llvm-nm"), str(exe)], text=True).stdout
    starts = {name: int(value, 16) for value, _, name in
              (line.split() for line in text.splitlines() if len(line.split()) == 3)}
    assert main(["statepoints", str(exe), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)["statepoints"]
    assert [(e["stackmap"], e["patchpoint_id"]) for e in entries] == [
        (0, 100), (0, 101), (0, 102), (1, 1200), (1, 1201), (1, 1210)]
    for e in entries:  # llvm-nm's function address + the record's offset
        assert e["address"] == starts[e["function"]] + e["instruction_offset"]
    last = entries[-1]
    assert main(["dump", str(exe), "--pc", hex(last["address"]), "--format", "json"]) == 0
    stackmaps = json.loads(capsys.readouterr().out)["stackmaps"]
    assert [[r["patchpoint_id"] for r in s["records"]] for s in stackmaps] == [[1210]]
    assert main(["validate", str(exe), "--statepoints", "100,1210,77"]) == 1
    assert "error: statepoint-missing-id: no record of any stackmap has id 77" in capsys.readouterr().out
