"""Statepoints: records of gc.statepoint calls that llc makes now from IR
with known bundles (tests/data/statepoints/), decoded and checked against
what the IR fixes — ids, N, the deopt constants, the number of (base,
derived) pairs — and against llvm-readobj's reading of the same bytes.

llc 14 makes x86_64 and aarch64 objects; llc 22 (Debian llvm-22) riscv64
ones (opaque pointers).  Under CI=true a missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
from dataclasses import replace

import pytest

from llvm_tools import require, run
from readobj_text import read_readobj_stackmap
from stackmap_construct import Function, Location, LocationKind, Record, StackMap, StatepointError, build, parse
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.diff import diff_stackmaps
from stackmap_construct.statepoints import decode, is_statepoint, selection, signed32
from stackmap_construct.validate import validate

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "statepoints"
SCHEMA = ROOT / "schemas" / "statepoints.schema.json"
LLVM22 = pathlib.Path("/usr/lib/llvm-22/bin")

C = LocationKind.Constant
PLACES = (LocationKind.Register, LocationKind.Indirect, LocationKind.Direct)

#: What bundles.ll fixes, per statepoint id: function, N deopt values (the
#: constants among them by position), number of GC pointer pairs.
EXPECTED = {
    100: ("no_bundles", 0, {}, 0),
    101: ("one_pointer", 2, {0: 7}, 1),
    102: ("two_pointers", 3, {0: -1, 2: 123456789012}, 2),
}
#: DWARF number of the stack pointer (the base of every spill slot).
STACK_POINTER = {"x86_64-linux-gnu": 7, "aarch64-linux-gnu": 31, "riscv64-linux-gnu": 2}


def llc22() -> str:
    path = LLVM22 / "llc"
    if not path.exists():
        message = "llc 22 (Debian package 'llvm-22') is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must install it", pytrace=False)
        pytest.skip(message)
    return str(path)


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    """triple -> (object path, readobj text), compiled on first use."""
    d = tmp_path_factory.mktemp("statepoints")
    made: dict[str, tuple[pathlib.Path, str]] = {}

    def get(triple: str) -> tuple[pathlib.Path, str]:
        if triple not in made:
            out = d / f"{triple}.o"
            if triple.startswith("riscv64"):
                llc, source, readobj = llc22(), DATA / "bundles_opaque.ll", str(LLVM22 / "llvm-readobj")
            else:
                llc, source, readobj = require("llc"), DATA / "bundles.ll", require("llvm-readobj")
            run([llc, "-O2", f"-mtriple={triple}", "-filetype=obj", str(source), "-o", str(out)])
            made[triple] = (out, run([readobj, "--stackmap", str(out)], text=True).stdout)
        return made[triple]

    return get


TRIPLES = ["x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu"]


def _decode(path: pathlib.Path, ids="auto"):
    container = read_container(path.read_bytes())
    (section,) = container.sections
    sm = parse(section.data, endian=section.endian)
    return container, sm


@pytest.mark.parametrize("triple", TRIPLES)
def test_what_the_ir_fixes(objects, triple):
    path, readobj = objects(triple)
    container, sm = _decode(path)
    sps = decode(sm, "auto", arch=container.arch)
    assert [sp.patchpoint_id for sp in sps] == [100, 101, 102]
    assert len(sps) == len(sm.records)  # every record is a statepoint, and auto finds them
    for sp in sps:
        name, n, constants, pairs = EXPECTED[sp.patchpoint_id]
        assert (sp.calling_convention, sp.flags, sp.calling_convention_name) == (0, 0, "C")
        assert len(sp.deopt) == n and len(sp.gc_pointers) == pairs
        for i, d in enumerate(sp.deopt):
            if i in constants:
                assert d.value == constants[i], (sp.patchpoint_id, i)
            else:  # the live i64 %x: a place, 8 bytes
                assert d.kind in PLACES and d.size == 8 and d.value is None
        for pair in sp.gc_pointers:  # gc.relocate(i, i): each pointer is its own base, spilled
            assert pair.base.kind in PLACES and pair.base.size == 8 and pair.pointers == 1
            assert pair.derived.same_place(pair.base)
        assert sp.live_outs == 0 and sp.address is None  # an object: no absolute address
    # The constant 123456789012 does not fit 32 bits: a ConstantIndex into the pool.
    assert sps[2].deopt[2].kind == LocationKind.ConstantIndex
    assert sps[2].deopt[0].kind == C and sps[2].deopt[0].offset_or_small_constant == -1

    # llvm-readobj, an independent reader of the same bytes: 3 + N + 2 * pairs
    # locations, N printed as the third Constant, -1 printed as 4294967295.
    theirs = read_readobj_stackmap(readobj)
    for sp, rec in zip(sps, theirs["records"]):
        _, n, constants, pairs = EXPECTED[rec["id"]]
        assert rec["num_locations"] == 3 + n + 2 * pairs
        assert [loc[2] for loc in rec["locations"][:3]] == [0, 0, n]
        assert all(loc[0] == "Constant" for loc in rec["locations"][:3])
        for i, value in constants.items():
            kind, _, payload, _ = rec["locations"][3 + i]
            got = signed32(payload) if kind == "Constant" else payload[1]
            assert got == value
        for d in sp.deopt:
            if d.kind in PLACES:
                assert rec["locations"][d.index] == (d.kind.name, d.dwarf_regnum, d.offset_or_small_constant, d.size)
                assert d.dwarf_regnum == STACK_POINTER[triple]


def test_statepoints_command_text(objects, capsys):
    path, _ = objects("x86_64-linux-gnu")
    assert main(["statepoints", str(path)]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    assert len(blocks) == 3
    assert blocks[0].startswith("statepoint id 100 at no_bundles + 0x")
    assert "deopt state: none" in blocks[0] and "gc pointers: none" in blocks[0]
    assert "calling convention 0 (C), flags 0 (none)" in blocks[1]
    assert re.search(r"\[0\] constant 7 ", blocks[1])
    assert re.search(r"\[1\] spill slot \[rsp \+ \d+\], 8 bytes", blocks[1])
    assert "gc pointers: 1 relocation" in blocks[1] and "(the base itself)" in blocks[1]
    assert re.search(r"\[0\] constant -1 ", blocks[2])
    assert "[2] constant 123456789012 (constants[0])" in blocks[2]
    assert "gc pointers: 2 relocations" in blocks[2]


@pytest.mark.parametrize("triple", TRIPLES)
def test_statepoints_json_shape_and_schema(objects, triple, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    path, _ = objects(triple)
    assert main(["statepoints", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)
    entries = doc["statepoints"]
    assert [list(e) for e in entries] == [[
        "stackmap", "function", "patchpoint_id", "instruction_offset", "address", "stack_size",
        "calling_convention", "flags", "deopt", "gc_pointers"]] * 3
    for e in entries:
        name, n, constants, pairs = EXPECTED[e["patchpoint_id"]]
        assert (e["stackmap"], e["function"], e["address"]) == (0, name, None)
        assert (e["calling_convention"], e["flags"], len(e["deopt"]), len(e["gc_pointers"])) == (0, 0, n, pairs)
        for i, value in constants.items():
            assert e["deopt"][i]["value"] == value
        for pair in e["gc_pointers"]:
            assert set(pair) == {"base", "derived"} and "value" not in pair["base"]


def test_ids_selection(objects, capsys, tmp_path):
    path, _ = objects("x86_64-linux-gnu")
    assert main(["statepoints", str(path), "--ids", "102,100", "--format", "json"]) == 0
    assert [e["patchpoint_id"] for e in json.loads(capsys.readouterr().out)["statepoints"]] == [100, 102]
    assert main(["statepoints", str(path), "--ids", "0x65"]) == 0
    assert capsys.readouterr().out.startswith("statepoint id 101 ")
    assert main(["statepoints", str(path), "--ids", "999"]) == 1
    assert capsys.readouterr().err == f"stackmap-construct: error: {path}: no record has id 999\n"
    with pytest.raises(SystemExit) as e:
        main(["statepoints", str(path), "--ids", "some"])
    assert e.value.code == 2


def test_all_names_the_record_that_is_not_one(capsys):
    sample = ROOT / "examples" / "sample.o"
    assert main(["statepoints", str(sample)]) == 0  # auto: no record of the sample is laid out as one
    assert capsys.readouterr().out == "no statepoint records\n"
    assert main(["statepoints", str(sample), "--ids", "all"]) == 1
    err = capsys.readouterr().err
    # Record 0's first location is a Register; the kind byte of location 0
    # is the first byte after the record's 16-byte header (record at 72).
    assert err == (f"stackmap-construct: error: {sample}: record #0 (id 1) is not a statepoint: location 0 "
                   "(calling convention) is Register, not Constant [at records[0].locations[0].kind, offset 88 (0x58)]\n")


# -- the decoder on hand-made records -------------------------------------------

def const(v: int) -> Location:
    return Location(C, 8, 0, v)


def slot(off: int, size: int = 8) -> Location:
    return Location(LocationKind.Indirect, size, 7, off)


def test_layout_rules():
    assert is_statepoint(Record(1, 0, [const(0), const(0), const(0)]))
    assert not is_statepoint(Record(1, 0, [const(0), const(0)]))
    assert not is_statepoint(Record(1, 0, [const(0), slot(0), const(0)]))
    assert not is_statepoint(Record(1, 0, [const(0), const(0), const(2), slot(0)]))  # N past the end
    assert not is_statepoint(Record(1, 0, [const(0), const(0), const(-1)]))  # N negative
    assert not is_statepoint(Record(1, 0, [const(0), const(0), const(0), slot(0)]))  # odd remainder
    assert is_statepoint(Record(1, 0, [const(0), const(0), const(1), slot(0), slot(8), slot(16)]))


def test_values_and_wide_pairs():
    sm = StackMap(3, [Function(0x1000, 32, 1)], [2**64 - 1], [Record(5, 10, [
        const(18), const(3), const(2), Location(LocationKind.ConstantIndex, 8, 0, 0), const(-2147483648),
        slot(16, 16), slot(16, 16)])])
    (sp,) = decode(sm, "all", arch="x86_64", targets=[replace_target("f", 0x1000)])
    assert (sp.calling_convention_name, sp.flag_names) == ("Tail", ["GCTransition", "DeoptLiveIn"])
    assert [d.value for d in sp.deopt] == [2**64 - 1, -2**31]
    assert sp.gc_pointers[0].pointers == 2
    assert sp.gc_pointers[0].base.meaning == "spill slot [rsp + 16], 16 bytes (2 pointers)"
    assert (sp.function, sp.address, sp.stack_size) == ("f", 0x100A, 32)


def replace_target(symbol, address):
    from stackmap_construct.symbols import FunctionTarget
    return FunctionTarget(symbol, address)


def test_selection_parsing():
    assert selection("auto").mode == "auto" and selection("all").strict
    assert selection("1, 0xABCDEF00").ids == frozenset({1, 0xABCDEF00})
    assert selection([3, 4]).ids == frozenset({3, 4})
    for bad in ("x", "1,,2", "-1", str(2**64)):
        with pytest.raises(ValueError):
            selection(bad)


def test_all_error_carries_code_and_path():
    sm = StackMap(3, [Function(0, 8, 1)], [], [Record(9, 4, [const(0), const(0), const(3), slot(0)])])
    with pytest.raises(StatepointError) as e:
        decode(sm, "all")
    assert (e.value.code, e.value.path) == ("statepoint-deopt-count", "records[0].locations[2].offset_or_small_constant")
    assert decode(sm, "auto") == []


# -- validate ---------------------------------------------------------------

def test_validate_statepoint_findings():
    records = [
        Record(1, 0, [const(0), const(0), const(1), slot(0)]),  # fine
        Record(2, 0, [const(0), const(4), const(0), Location(LocationKind.Register, 4, 3, 0), slot(8, 16)]),
        Record(3, 0, [const(0), const(0), const(0), const(5), const(0)], []),
        Record(4, 0, [const(0), const(0), const(2), slot(0)]),  # N past the end
        Record(5, 0, [slot(0)]),
        Record(6, 0, [const(0), const(0), const(0)], [__import__("stackmap_construct").LiveOut(3, 8)]),
    ]
    sm = StackMap(3, [Function(0x1000, 16, len(records))], [], records)
    auto = [(f.code, f.path) for f in validate(sm, statepoints="auto") if f.code.startswith("statepoint")]
    assert auto == [
        ("statepoint-flags", "records[1].locations[1].offset_or_small_constant"),
        ("statepoint-gc-size", "records[1].locations[3].size"),  # 4 bytes: not a pointer
        ("statepoint-gc-size", "records[1].locations[4].size"),  # base 4, derived 16
        ("statepoint-gc-constant", "records[2].locations[3].kind"),  # constant 5 as a GC pointer
        ("statepoint-live-outs", "records[5].live_outs"),
    ]
    strict = [(f.severity, f.code, f.path) for f in validate(sm, statepoints="all")
              if f.code in ("statepoint-deopt-count", "statepoint-layout")]
    assert strict == [("error", "statepoint-deopt-count", "records[3].locations[2].offset_or_small_constant"),
                      ("error", "statepoint-layout", "records[4].num_locations")]
    ids = [(f.code, f.path) for f in validate(sm, statepoints="4,77")]
    # In blob order: a missing id is about the records as a whole, which start first.
    assert ids == [("statepoint-missing-id", "records"),
                   ("statepoint-deopt-count", "records[3].locations[2].offset_or_small_constant")]
    assert not any(f.code.startswith("statepoint") for f in validate(sm))  # only when asked


def test_validate_cli_on_real_statepoints(objects, capsys):
    path, _ = objects("x86_64-linux-gnu")
    assert main(["validate", str(path), "--statepoints", "all", "--strict"]) == 0
    assert capsys.readouterr().out == f"{path}: 1 stackmap(s), 0 error(s), 0 warning(s)\n"
    sample = str(ROOT / "examples" / "sample.o")
    assert main(["validate", sample, "--statepoints", "2"]) == 1
    out = capsys.readouterr().out
    assert ("error: statepoint-layout: record id 2: 2 locations: a statepoint has at least 3 (calling convention,"
            " flags, N) [at records[1].num_locations, offset 174 (0xae)]") in out


# -- diff by role -------------------------------------------------------------

def _without_deopt_value(sm: StackMap, ri: int, di: int) -> StackMap:
    """A copy of ``sm`` whose record ``ri`` lost deopt value ``di`` (N one less)."""
    records = [Record(r.patchpoint_id, r.instruction_offset, list(r.locations), list(r.live_outs)) for r in sm.records]
    locs = records[ri].locations
    locs[2] = const(locs[2].offset_or_small_constant - 1)
    del locs[3 + di]
    return StackMap(3, list(sm.functions), list(sm.constants), records)


@pytest.mark.parametrize("triple", ["x86_64-linux-gnu", "aarch64-linux-gnu"])
def test_diff_reports_one_removed_deopt_value_as_exactly_that(objects, triple):
    path, _ = objects(triple)
    container, a = _decode(path)
    b = _without_deopt_value(a, 2, 1)  # two_pointers loses %x
    names = ["no_bundles", "one_pointer", "two_pointers"]
    lines = diff_stackmaps(a, b, names_a=names, names_b=names, arch_a=container.arch, arch_b=container.arch)
    removed = decode(a, arch=container.arch)[2].deopt[1]
    assert lines == [f"record two_pointers/id 102: deopt value 1 removed: {removed.meaning} (3 deopt values -> 2)"]
    # By position, the same change touches every later location.
    positional = diff_stackmaps(a, b, names_a=names, names_b=names, statepoints=None)
    assert len(positional) > 3


def test_diff_of_recompiled_ir_without_one_deopt_value(objects, tmp_path, capsys):
    path, _ = objects("x86_64-linux-gnu")
    source = (DATA / "bundles.ll").read_text()
    edited = source.replace('"deopt"(i32 -1, i64 %x, i64 123456789012)', '"deopt"(i32 -1, i64 123456789012)')
    assert edited != source
    (tmp_path / "b.ll").write_text(edited)
    run([require("llc"), "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(tmp_path / "b.ll"),
         "-o", str(tmp_path / "b.o")])
    assert main(["diff", str(path), str(tmp_path / "b.o")]) == 1
    out = capsys.readouterr().out.splitlines()
    removed = [line for line in out if "deopt value" in line]
    assert len(removed) == 1 and re.fullmatch(
        r"record two_pointers/id 102: deopt value 1 removed: spill slot \[rsp \+ \d+\], 8 bytes "
        r"\(3 deopt values -> 2\)", removed[0])
    assert not any("location " in line for line in out)  # nothing by position


# -- gen --------------------------------------------------------------------------

def test_gen_statepoints_are_valid_statepoints(tmp_path, capsys):
    out = tmp_path / "sp.bin"
    assert main(["gen", "--statepoints", "--seed", "11", "--records", "6", "--deopt", "1..3", "--gc-pairs", "2",
                 "-o", str(out)]) == 0
    sm = parse(out.read_bytes())
    sps = decode(sm, "all")
    assert len(sps) == 6 and all(1 <= len(sp.deopt) <= 3 and len(sp.gc_pointers) == 2 for sp in sps)
    assert all(r.live_outs == [] for r in sm.records)
    assert not [f for f in validate(sm, statepoints="all") if f.severity == "error"]
    again = tmp_path / "again.bin"
    assert main(["gen", "--statepoints", "--seed", "11", "--records", "6", "--deopt", "1..3", "--gc-pairs", "2",
                 "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()
    for bad in (["--deopt", "2"], ["--statepoints", "--locations", "3"], ["--statepoints", "--llvm"]):
        with pytest.raises(SystemExit) as e:
            main(["gen", *bad, "-o", str(tmp_path / "x")])
        assert e.value.code == 2


def test_gen_statepoint_corruption_cli(tmp_path, capsys):
    bad = tmp_path / "bad.bin"
    assert main(["gen", "--statepoints", "--seed", "3", "--records", "3", "--corrupt", "statepoint-odd-remainder",
                 "-o", str(bad)]) == 0
    note = capsys.readouterr().out
    m = re.search(r"validate --statepoints all must report error statepoint-odd-remainder at "
                  r"(records\[\d+\]\.num_locations), offset (\d+)", note)
    assert m, note
    assert main(["validate", str(bad), "--raw", "--statepoints", "all"]) == 1
    assert f"[at {m[1]}, offset {m[2]} " in capsys.readouterr().out
    assert main(["statepoints", str(bad), "--raw", "--ids", "all"]) == 1
    assert f"[at {m[1]}, offset {m[2]} " in capsys.readouterr().err
    assert main(["statepoints", str(bad), "--raw"]) == 0  # auto: that record is no longer taken for one


# -- LLVM's own test, redone -----------------------------------------------------

def test_what_llvms_statepoint_test_checks(tmp_path, capsys):
    """llvm_reference.ll redoes LLVM's test/CodeGen/X86/statepoint-stackmap-format.ll
    (llc -stack-symbol-ordering=0): the locations below are its CHECK lines'."""
    obj = tmp_path / "ref.o"
    run([llc22(), "-stack-symbol-ordering=0", "-mtriple=x86_64-pc-linux-gnu", "-filetype=obj",
         str(DATA / "llvm_reference.ll"), "-o", str(obj)])
    container, sm = _decode(obj)
    first, with_id, byval = decode(sm, "all", arch=container.arch)

    def triple(loc):
        return (loc.kind.name, loc.dwarf_regnum if loc.kind != C else None, loc.offset_or_small_constant, loc.size)

    # "test": Constants 0, 0, 2; deopt: spill slot [RSP+16], null; pairs:
    # (null, null), ([RSP+16], [RSP+8]), ([RSP+16], [RSP+16]).
    assert [triple(x) for x in first.header] == [("Constant", None, 0, 8), ("Constant", None, 0, 8), ("Constant", None, 2, 8)]
    assert [triple(d) for d in first.deopt] == [("Indirect", 7, 16, 8), ("Constant", None, 0, 8)]
    assert [(triple(p.base), triple(p.derived)) for p in first.gc_pointers] == [
        (("Constant", None, 0, 8), ("Constant", None, 0, 8)),
        (("Indirect", 7, 16, 8), ("Indirect", 7, 8, 8)),
        (("Indirect", 7, 16, 8), ("Indirect", 7, 16, 8)),
    ]
    # "test_id": the ID field is 237 and there are just the three constants.
    assert (with_id.patchpoint_id, len(with_id.deopt), len(with_id.gc_pointers)) == (237, 0, 0)
    # "test_fixed_arg": N = 1 and the byval argument is Direct RSP+16.
    assert [triple(d) for d in byval.deopt] == [("Direct", 7, 16, 8)] and len(byval.gc_pointers) == 0
    assert main(["statepoints", str(obj), "--function", "derived_and_null"]) == 0
    out = capsys.readouterr().out
    assert "[0] null pointer (Constant 0 as base and derived [locations 5, 6]): nothing to relocate" in out
    assert "        derived spill slot [rsp + 8], 8 bytes  [location 8: Indirect]\n" in out
    assert main(["validate", str(obj), "--statepoints", "all", "--strict"]) == 0


def test_arch_names_the_registers_of_a_raw_blob(tmp_path, capsys):
    sm = StackMap(3, [Function(0, 16, 1)], [], [Record(1, 8, [const(0), const(0), const(1), slot(16), slot(8), slot(8)])])
    path = tmp_path / "sp.bin"
    path.write_bytes(build(sm))
    assert main(["statepoints", str(path), "--raw"]) == 0
    assert "[0] spill slot [R#7 + 16], 8 bytes" in capsys.readouterr().out
    assert main(["statepoints", str(path), "--raw", "--arch", "x86_64"]) == 0
    assert "[0] spill slot [rsp + 16], 8 bytes" in capsys.readouterr().out


def test_streamed_statepoint_renderings_equal_the_whole_ones(objects, monkeypatch):
    """Batches of call sites (CHUNK made small) join to exactly the text and
    the JSON document rendered at once; none gives the empty forms."""
    import json as _json

    from stackmap_construct.statepoints import render as sp_render

    container, sm = _decode(objects("x86_64-linux-gnu")[0])
    sps = decode(sm, "auto", arch=container.arch) * 3  # (the 3 call sites, three times over)
    assert len(sps) == 9
    whole_text = "\n".join("\n".join(sp_render.render_statepoint(sp)) + "\n" for sp in sps)
    whole_json = {"statepoints": [sp.to_json() for sp in sps]}
    for chunk in (1, 2, 3, len(sps), len(sps) + 1):
        monkeypatch.setattr(sp_render, "CHUNK", chunk)
        assert "".join(sp_render.iter_render_text(iter(sps))) == whole_text
        doc = "".join(sp_render.iter_render_json(iter(sps)))
        assert _json.loads(doc) == whole_json
        assert doc.startswith('{"statepoints": [\n  {') and doc.endswith("}\n]}\n")
    assert "".join(sp_render.iter_render_json(iter([]))) == '{"statepoints": []}\n'
    assert "".join(sp_render.iter_render_text(iter([]))) == ""
