"""Bad JSON, odd arguments and inputs whose errors must point at the right
thing (issue 11, "JSON inputs" and "Errors that point at the right thing")."""

from __future__ import annotations

import json
import struct

import pytest

from stackmap_construct import (
    BuildError, Function, LiveOut, Location, LocationKind, Record, StackMap, build, from_dict, to_dict,
)
from stackmap_construct.cli.main import main
from stackmap_construct.containers.elf_writer import write_elf
from stackmap_construct.format.api import backend
from test_format_bytes import ODD, ODD_MODEL

PROG = "stackmap-construct"


def cli(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- JSON inputs -------------------------------------------------------------------

@pytest.mark.parametrize("text,reason", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"version": 3, "functions": [], "constants": [' + "9" * 5000 + '], "records": []}',
     "an integer literal is too long (more than 4300 digits)"),
    ("\xff", "not UTF-8 text"),
    ("{oops", "Expecting property name enclosed in double quotes"),
])
def test_build_refuses_bad_json_in_one_line(tmp_path, capsys, text, reason):
    path = tmp_path / "in.json"
    path.write_bytes(text.encode("latin-1") if text == "\xff" else text.encode())
    status, _, err = cli(capsys, "build", path, "-o", tmp_path / "out.bin")
    assert status == 1 and err.count("\n") == 1
    assert err.startswith(f"{PROG}: error: {path}: not valid JSON: ") and reason in err
    assert not (tmp_path / "out.bin").exists()


def test_semantics_registry_refuses_deep_json(tmp_path, capsys):
    obj = tmp_path / "m.o"
    obj.write_bytes(write_elf(b"", "x86_64-linux-gnu"))
    registry = tmp_path / "r.json"
    registry.write_text("[" * 5000 + "]" * 5000)
    status, _, err = cli(capsys, "semantics", obj, "--registry", registry, "--code-addr", "0",
                         "--code-size", "0", "--function-addresses", "")
    assert status == 1 and err.endswith(f"\n{PROG}: error: {registry}: json: not valid JSON: nested too deeply "
                                        "(Python's JSON parser stops near 1000 levels)\n")


@pytest.mark.parametrize("where,key,path", [
    ((), "endain", "endain"),
    (("functions", 0), "stacksize", "functions[0].stacksize"),
    (("records", 0), "id", "records[0].id"),
    (("records", 0, "locations", 0), "reg", "records[0].locations[0].reg"),
    (("records", 0, "live_outs", 0), "bytes", "records[0].live_outs[0].bytes"),
])
def test_from_dict_rejects_unknown_keys_with_their_path(where, key, path):
    doc = to_dict(ODD_MODEL)
    target = doc
    for step in where:
        target = target[step]
    target[key] = 1
    with pytest.raises(BuildError) as info:
        from_dict(doc)
    assert info.value.path == path and info.value.message.startswith(f"unknown key {key!r} in a ")


def test_from_dict_accepts_what_dump_json_adds():
    doc = to_dict(ODD_MODEL)
    doc["endian"] = "little"
    doc["functions"][0]["symbol"] = "f"
    doc["functions"][0]["entry"] = 0x1000
    doc["records"][0]["address"] = 0x1020
    assert from_dict(doc) == ODD_MODEL


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None])
@pytest.mark.parametrize("field", ["stack_size", "constant", "patchpoint_id", "size"])
def test_one_integer_rule_for_from_dict_and_build(value, field):
    """A bool or a float is no integer, whichever way the stackmap comes in
    (from_dict, or build() of a StackMap on either backend)."""
    fn, rec = Function(0x1000, 16, 1), Record(7, 32, [Location(LocationKind.Register, 8, 6, 0)], [LiveOut(3, 8)])
    constants = [42]
    path = {"stack_size": "functions[0].stack_size", "constant": "constants[0]",
            "patchpoint_id": "records[0].patchpoint_id", "size": "records[0].locations[0].size"}[field]
    if field == "stack_size":
        fn.stack_size = value
    elif field == "constant":
        constants = [value]
    elif field == "patchpoint_id":
        rec.patchpoint_id = value
    else:
        rec.locations[0].size = value
    sm = StackMap(3, [fn], constants, [rec])
    for name in ("fast", "construct"):
        with backend(name), pytest.raises(BuildError) as info:
            build(sm)
        assert info.value.path == path, name
        assert str(info.value).startswith(f"{path} must be an integer in "), name
    with pytest.raises(BuildError) as info:
        from_dict(to_dict_of(sm))
    assert info.value.path == path
    assert str(info.value) == f"{path} must be an integer, got {value!r}"


def to_dict_of(sm: StackMap) -> dict:
    """to_dict, keeping odd values as they are (to_dict itself is for valid stackmaps)."""
    return {
        "version": 3,
        "functions": [{"address": f.address, "stack_size": f.stack_size, "record_count": f.record_count}
                      for f in sm.functions],
        "constants": list(sm.constants),
        "records": [{"patchpoint_id": r.patchpoint_id, "instruction_offset": r.instruction_offset,
                     "locations": [{"kind": loc.kind.name, "size": loc.size, "dwarf_regnum": loc.dwarf_regnum,
                                    "offset_or_small_constant": loc.offset_or_small_constant}
                                   for loc in r.locations],
                     "live_outs": [{"dwarf_regnum": lo.dwarf_regnum, "size": lo.size} for lo in r.live_outs]}
                    for r in sm.records],
    }


@pytest.mark.parametrize("path,value,message", [
    ("functions[0].stack_size", -1, "functions[0].stack_size must be 0..2**64-1, got -1"),
    ("functions[0].address", 2**64, "functions[0].address must be 0..2**64-1, got 18446744073709551616"),
    ("records[0].instruction_offset", 2**32, "records[0].instruction_offset must be 0..2**32-1, got 4294967296"),
    ("records[0].locations[0].size", 70000, "records[0].locations[0].size must be 0..65535, got 70000"),
    ("records[0].locations[0].offset_or_small_constant", 2**31,
     "records[0].locations[0].offset_or_small_constant must be -2**31..2**31-1, got 2147483648"),
    ("records[0].live_outs[0].size", 256, "records[0].live_outs[0].size must be 0..255, got 256"),
])
def test_range_errors_name_the_field_and_its_range(path, value, message):
    doc = to_dict(ODD_MODEL)
    target = doc
    *steps, last = path.replace("[", ".").replace("]", "").split(".")
    for step in steps:
        target = target[int(step)] if step.isdigit() else target[step]
    target[last] = value
    for name in ("fast", "construct"):
        with backend(name), pytest.raises(BuildError) as info:
            build(doc)
        assert str(info.value).startswith(message + " [at offset "), name


def test_build_command_range_error(tmp_path, capsys):
    doc = to_dict(ODD_MODEL)
    doc["functions"][0]["stack_size"] = -1
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"stackmaps": [to_dict(ODD_MODEL), doc]}))
    status, _, err = cli(capsys, "build", path, "-o", tmp_path / "out.bin")
    assert status == 1
    assert err == (f"{PROG}: error: {path}: stackmaps[1].functions[0].stack_size must be 0..2**64-1, got -1 "
                   "[at offset 24 (0x18)]\n")


# -- empty inputs ---------------------------------------------------------------------

@pytest.mark.parametrize("raw", [["--raw"], []])
def test_empty_input_is_an_error(tmp_path, capsys, raw):
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    for command in ("dump", "explain", "validate"):
        status, out, err = cli(capsys, command, path, *raw, "-o", tmp_path / "out")
        assert status == 1, command
        assert err == f"{PROG}: error: {path}: empty input: a stackmap blob holds at least a 16-byte header\n"


def test_empty_stackmap_section_is_a_warning(tmp_path, capsys):
    path = tmp_path / "empty.o"
    path.write_bytes(write_elf(b"", "x86_64-linux-gnu"))
    warning = f"{PROG}: warning: {path}: section .llvm_stackmaps is empty: no stackmaps\n"
    status, out, err = cli(capsys, "dump", path)
    assert (status, err) == (0, warning) and out.startswith(f"{path}: ELF64 relocatable, x86_64, little-endian, 0 stackmaps")
    for command in ("explain", "validate"):
        status, out, err = cli(capsys, command, path)
        assert (status, err) == (0, warning), command


# -- byte order of raw blobs -----------------------------------------------------------

def test_raw_blob_byte_order_is_detected(tmp_path, capsys):
    big = tmp_path / "big.bin"
    big.write_bytes(build(ODD_MODEL, endian="big"))
    status, out, _ = cli(capsys, "dump", big, "--format", "json")
    assert status == 0 and json.loads(out)["stackmaps"][0]["endian"] == "big"
    status, out, _ = cli(capsys, "dump", big)
    assert out.startswith(f"{big}: raw, big-endian, 1 stackmap")


def test_a_given_byte_order_that_fails_names_the_one_that_parses(tmp_path, capsys):
    little = tmp_path / "little.bin"
    little.write_bytes(ODD)
    status, _, err = cli(capsys, "dump", little, "--raw", "--endian", "big")
    assert status == 1
    assert "(read as big-endian, as given; it parses as little-endian: use --endian little)" in err


def test_byte_order_is_decided_by_the_blob_that_parses(tmp_path, capsys):
    """A header-only blob (counts 0) fits in both orders; the blob after it
    parses in one order only, which decides."""
    empty = bytes.fromhex("03000000" "00000000" "00000000" "00000000")
    path = tmp_path / "two.bin"
    path.write_bytes(empty + build(ODD_MODEL, endian="big"))
    status, out, _ = cli(capsys, "dump", path)
    assert status == 0 and out.startswith(f"{path}: raw, big-endian, 2 stackmaps")


# -- which blob -----------------------------------------------------------------------

def test_errors_in_a_later_blob_name_it(tmp_path, capsys):
    bad = bytearray(ODD)
    bad[0x41] = 1  # records[0].locations[0].reserved
    path = tmp_path / "three.bin"
    path.write_bytes(ODD + bytes(bad) + ODD)
    status, _, err = cli(capsys, "dump", path)
    assert status == 1
    assert err == (f"{PROG}: error: {path}: reserved field must be 0, found 1 "
                   "(not an object file, so it was read as a raw stackmap blob) (in blob 2 of 3 in raw) "
                   f"[at records[0].locations[0].reserved, offset {88 + 0x41} (0x{88 + 0x41:x})]\n")
    path.write_bytes(ODD + ODD + bytes(bad))
    assert "(in blob 3 of 3 in raw)" in cli(capsys, "dump", path)[2]
    path.write_bytes(ODD + ODD[:40])
    assert "(in blob 2 of 2 in raw)" in cli(capsys, "dump", path)[2]


# -- arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,message", [
    ("10:5", "argument --range: the range '10:5' is empty: B must be greater than A"),
    ("616:700", "--range starts at 616, past the end of the section (88 bytes)"),
    ("-5:10", "argument --range: offsets are not negative, got '-5:10'"),
    ("x:y", "argument --range: expected A:B, A: or :B (byte offsets, decimal or 0x-hex, B exclusive) or N "
            "(one byte), got 'x:y'"),
])
def test_bad_ranges_are_usage_errors(tmp_path, capsys, value, message):
    path = tmp_path / "odd.bin"
    path.write_bytes(ODD)
    with pytest.raises(SystemExit) as info:
        main(["explain", str(path), f"--range={value}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{PROG} explain: usage error: {message}") and err.count("\n") == 1


def test_number_arguments_name_the_expected_form(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["semantics", "x", "--registry", "r", "--code-addr", "zz", "--code-size", "1",
              "--function-addresses", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"{PROG} semantics: usage error: argument --code-addr: not an integer: 'zz'\n"


def test_validate_arch_is_checked(tmp_path, capsys):
    path = tmp_path / "odd.bin"
    path.write_bytes(ODD)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path), "--arch", "mips"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{PROG} validate: usage error: argument --arch: unknown architecture 'mips' (expected ")
    assert main(["validate", str(path), "--arch", "arm64"]) == 0  # an alias of aarch64
    obj = tmp_path / "x86.o"
    obj.write_bytes(write_elf(ODD, "x86_64-linux-gnu"))
    with pytest.raises(SystemExit) as info:
        main(["validate", str(obj), "--arch", "aarch64"])
    assert info.value.code == 2
    assert "--arch aarch64 contradicts the ELF64 file's own machine (x86_64)" in capsys.readouterr().err
    assert main(["validate", str(obj), "--arch", "x86_64"]) == 0


def test_explain_names_the_broken_blob_too(tmp_path, capsys):
    bad = bytearray(ODD)
    bad[0x41] = 1
    path = tmp_path / "three.bin"
    path.write_bytes(ODD + bytes(bad) + ODD)
    status, out, err = cli(capsys, "explain", path)
    assert status == 1
    line = ("reserved field must be 0, found 1 (in blob 2 of 3 in raw) "
            f"[at #1.records[0].locations[0].reserved, offset {88 + 0x41} (0x{88 + 0x41:x})]")
    assert out.splitlines()[-1] == f"error: {line}"
    assert err == f"{PROG}: error: {path}: {line}\n"


def test_the_keys_from_dict_accepts_are_the_schemas():
    """Unknown keys are refused; the known ones are exactly those of the JSON
    Schema of dump's output, so whatever dump prints, build reads."""
    import pathlib

    from stackmap_construct.model import _KEYS

    schema = json.loads((pathlib.Path(__file__).parent.parent.parent / "schemas" / "stackmap.schema.json").read_text())
    defs = schema["$defs"]
    names = {"stackmap": "StackMap", "function": "Function", "record": "Record", "location": "Location",
             "live-out": "LiveOut"}
    assert {what: set(defs[name]["properties"]) for what, name in names.items()} == _KEYS
