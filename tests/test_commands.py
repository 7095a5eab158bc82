"""validate, build and diff: happy and error paths, exit codes, outputs."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from test_format_bytes import EVEN, EVEN_MODEL, ODD, ODD_MODEL
from stackmap_construct import Function, Location, LocationKind, Record, StackMap, build, parse, to_dict
from stackmap_construct.cli.main import main
from stackmap_construct.validate import validate

SAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "sample.o"


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    return str(path)


# -- validate ---------------------------------------------------------------

def test_validate_clean_object(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == f"{SAMPLE}: 1 stackmap(s), 0 error(s), 0 warning(s)\n"


def test_validate_record_counts_and_constant_index(tmp_path, capsys):
    sm = parse(ODD)
    sm.functions[0].record_count = 3
    sm.records[0].locations.append(Location(LocationKind.ConstantIndex, 8, 0, 5))
    path = write(tmp_path, "bad.bin", build(sm))
    assert main(["validate", path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("error: record-count-sum: the functions' record counts sum to 3 but there is 1 record "
                        "[at functions, offset 16 (0x10)]")
    # The new location is the second (offset 0x40 + 12), its value 8 bytes in.
    assert lines[1] == ("error: constant-index-range: ConstantIndex 5 but there is 1 constant "
                        "[at records[0].locations[1].offset_or_small_constant, offset 84 (0x54)]")
    assert lines[2].endswith("2 error(s), 0 warning(s)")


def test_validate_warnings_and_strict(tmp_path, capsys):
    sm = StackMap(3, [Function(0x1000, 2**64 - 1, 1)], [], [
        Record(1, 4, [Location(LocationKind.Indirect, 8, 3, -8), Location(LocationKind.Register, 3, 0, 0)]),
    ])
    findings = validate(sm, arch="x86_64")
    assert [(f.severity, f.code, f.path) for f in findings] == [
        ("warning", "dynamic-stack-size", "functions[0].stack_size"),
        ("warning", "frame-register", "records[0].locations[0].dwarf_regnum"),
        ("warning", "unusual-location-size", "records[0].locations[1].size"),
    ]
    assert "R#3 (rbx), not the stack or frame pointer (R#6 (rbp), R#7 (rsp))" in findings[1].message
    path = write(tmp_path, "warn.bin", build(sm))
    assert main(["validate", path, "--arch", "x86_64"]) == 0
    assert main(["validate", path, "--arch", "x86_64", "--strict"]) == 1


def test_validate_duplicates_and_zero_sizes():
    rec = Record(7, 16, [Location(LocationKind.Register, 0, 0, 0)])
    sm = StackMap(3, [Function(0, 8, 2)], [], [rec, Record(7, 16, [])])
    assert [(f.code, f.path, f.offset) for f in validate(sm)] == [
        ("zero-location-size", "records[0].locations[0].size", 0x28 + 16 + 2),
        ("duplicate-record", "records[1]", 0x28 + 40),
    ]


def test_validate_zero_address_in_linked_image():
    sm = StackMap(3, [Function(0, 8, 0), Function(0, 8, 0)], [], [])
    assert [f.path for f in validate(sm, linked=True, resolved_functions=[True, False])] == ["functions[1].address"]
    assert validate(sm, linked=False) == []


def test_validate_structural_error_is_a_finding(tmp_path, capsys):
    path = write(tmp_path, "cut.bin", ODD[:0x30])
    assert main(["validate", path]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error: structure: num_records = 1 needs at least 24 bytes")


# -- build ------------------------------------------------------------------

def test_build_from_plain_form_and_from_dump_document(tmp_path, capsys):
    out = tmp_path / "out.bin"
    assert main(["build", write(tmp_path, "one.json", json.dumps(to_dict(ODD_MODEL))), "-o", str(out)]) == 0
    assert out.read_bytes() == ODD
    # dump's document: several stackmaps, each with its own "endian".
    big = build(EVEN_MODEL, endian="big")
    src = write(tmp_path, "both.bin", ODD)
    assert main(["dump", src, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    entry = to_dict(EVEN_MODEL)
    entry["endian"] = "big"
    doc["stackmaps"].append(entry)
    assert main(["build", write(tmp_path, "doc.json", json.dumps(doc)), "-o", str(out)]) == 0
    assert out.read_bytes() == ODD + big


def test_build_endian_option_overrides(tmp_path):
    out = tmp_path / "out.bin"
    assert main(["build", write(tmp_path, "e.json", json.dumps(to_dict(EVEN_MODEL))), "-o", str(out),
                 "--endian", "big"]) == 0
    assert parse(out.read_bytes(), endian="big") == EVEN_MODEL


@pytest.mark.parametrize("text,message", [
    ("{not json", "not valid JSON"),
    ('{"functions": [], "constants": [], "records": [{"patchpoint_id": 1}]}', "missing key 'instruction_offset'"),
    ('{"functions": [{"address": 1, "stack_size": 2, "record_count": 70000000000000000000}], '
     '"constants": [], "records": []}', "functions[0].record_count"),
    ('{"stackmaps": [{"functions": [], "constants": [-1], "records": []}]}', "stackmaps[0].constants[0]"),
])
def test_build_errors_are_one_line_and_leave_no_file(tmp_path, capsys, text, message):
    out = tmp_path / "out.bin"
    assert main(["build", write(tmp_path, "bad.json", text), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_build_requires_output():
    with pytest.raises(SystemExit) as info:
        main(["build", "x.json"])
    assert info.value.code == 2


# -- diff -------------------------------------------------------------------

def test_diff_identical_is_silent(tmp_path, capsys):
    a = write(tmp_path, "a.bin", ODD)
    assert main(["diff", a, a]) == 0
    assert capsys.readouterr().out == ""


def test_diff_reports_each_difference(tmp_path, capsys):
    other = parse(ODD)
    other.functions[0].stack_size = 32
    other.records[0].instruction_offset = 0x24
    other.records[0].locations[0] = Location(LocationKind.Indirect, 8, 7, 16)
    other.records.append(Record(9, 0x30, [], []))
    other.functions[0].record_count = 2
    a = write(tmp_path, "a.bin", ODD)
    b = write(tmp_path, "b.bin", build(other))
    assert main(["diff", a, b]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "function #0: stack size 16 -> 32",
        "function #0: record count 1 -> 2",
        "record #0/id 9: only in B",
        "record #0/id 7: instruction offset 32 -> 36",
        "record #0/id 7: location 0: Register R#6, size 8 -> Indirect [R#7 + 16], size 8",
    ]


def test_diff_ignores_constant_pool_order(tmp_path):
    loc = [Location(LocationKind.ConstantIndex, 8, 0, 0), Location(LocationKind.ConstantIndex, 8, 0, 1)]
    a = StackMap(3, [Function(0, 8, 1)], [10, 20], [Record(1, 0, loc)])
    swapped = [Location(LocationKind.ConstantIndex, 8, 0, 1), Location(LocationKind.ConstantIndex, 8, 0, 0)]
    b = StackMap(3, [Function(0, 8, 1)], [20, 10], [Record(1, 0, swapped)])
    assert main(["diff", write(tmp_path, "a", build(a)), write(tmp_path, "b", build(b))]) == 0


def test_diff_error_names_the_bad_file(tmp_path, capsys):
    good = write(tmp_path, "good.bin", ODD)
    bad = write(tmp_path, "bad.bin", EVEN[:20])
    assert main(["diff", good, bad]) == 1
    assert capsys.readouterr().err.startswith(f"stackmap-construct: error: {bad}: ")


def test_diff_names_each_sides_registers_by_its_own_architecture(capsys):
    data = pathlib.Path(__file__).parent / "data"
    a = data / "x86_64-linux-gnu" / "stackmap_register_widths.o"
    b = data / "aarch64-linux-gnu" / "stackmap_register_widths.o"
    assert main(["diff", str(a), str(b)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if ": location " in line]
    assert lines
    for line in lines:
        before, after = line.split(" -> ")
        assert not re.search(r"\((x\d+|v\d+|sp)\)", before), line  # x86-64 names on A's side
        assert not re.search(r"\((r[a-d]x|r[sd]i|r[sb]p|xmm\d+|r\d+)\)", after), line  # AArch64 names on B's
