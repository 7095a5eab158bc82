"""Function addresses taken from the file (``run_semantics(...,
function_addresses=None, targets=...)`` and the CLI without
``--function-addresses``), registry errors naming the registry, and the
registry decoder's fast path against its careful one.

Objects are made by llc from tests/semantics/data/wasm_like.ll, whose
hand-written state map is in test_semantics_llc.py; llvm-nm and
llvm-readobj give the addresses and offsets independently.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from llvm_tools import require, run
from semantics_helpers import fn, record, stackmap
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.format import build, parse_all
from stackmap_construct.semantics import (
    SemanticsError,
    module_state_map_to_json,
    registry_from_json,
    run_semantics,
    stackmap_entry_from_json,
)
from stackmap_construct.symbols import FunctionTarget, resolve_functions
from test_semantics_llc import expected_map

DATA = pathlib.Path(__file__).parent / "data"
REGISTRY = DATA / "wasm_like.registry.json"


def located(path: pathlib.Path):
    """(stackmap, its function targets) of the one blob in ``path``."""
    container = read_container(path.read_bytes())
    section = container.sections[0]
    sm, = parse_all(section.data, endian=section.endian)
    return sm, resolve_functions(container, section, sm)


@pytest.fixture(scope="module")
def wasm_like_object(tmp_path_factory):
    obj = tmp_path_factory.mktemp("semantics-files") / "wl.o"
    run([require("llc"), "-O1", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(DATA / "wasm_like.ll"),
         "-o", str(obj)])
    return obj


@pytest.mark.llvm
def test_object_text_is_laid_out_from_0(wasm_like_object):
    # fn0 at .text+0, fn1 at .text+0x60 (llvm-nm in test_semantics_llc), code
    # size 207: with the code at 0 the map is the hand-written one, whose
    # offsets do not depend on where the code is.
    sm, targets = located(wasm_like_object)
    assert [(t.section, t.offset) for t in targets] == [(".text", 0), (".text", 0x60)]
    out = run_semantics(sm, json.loads(REGISTRY.read_text()), 0, 207, None, targets=targets)
    assert out == module_state_map_to_json(expected_map())


@pytest.mark.llvm
def test_object_on_the_command_line(wasm_like_object, capsys):
    assert main(["semantics", str(wasm_like_object), "--registry", str(REGISTRY), "--code-addr", "0",
                 "--code-size", "207"]) == 0
    assert json.loads(capsys.readouterr().out) == module_state_map_to_json(expected_map())


@pytest.fixture(scope="module")
def shared_object(tmp_path_factory):
    d = tmp_path_factory.mktemp("semantics-files-so")
    obj, so = d / "wl.o", d / "wl.so"
    run([require("llc"), "-O1", "-mtriple=x86_64-linux-gnu", "-filetype=obj", "-relocation-model=pic",
         str(DATA / "wasm_like.ll"), "-o", str(obj)])
    run([require("gcc"), "-shared", str(obj), "-o", str(so)])
    nm = run([require("llvm-nm"), "--defined-only", str(so)], text=True).stdout
    return so, {name: int(addr, 16) for addr, name in re.findall(r"^([0-9a-f]+) T (fn\d)$", nm, re.M)}


@pytest.mark.llvm
def test_linked_image_gives_the_symbol_addresses(shared_object, capsys):
    so, nm = shared_object
    code = nm["fn0"] - 0x40
    args = ["semantics", str(so), "--registry", str(REGISTRY), "--code-addr", hex(code), "--code-size", "0x1000"]
    assert main(args) == 0
    implicit = json.loads(capsys.readouterr().out)
    assert main(args + ["--function-addresses", f"{nm['fn0']:#x},{nm['fn1']:#x}"]) == 0
    assert json.loads(capsys.readouterr().out) == implicit
    # header records at 45 (fn0) and 24 (fn1) after the function's start (llc -O1, as in the object)
    assert [k for k, _ in implicit["local_functions"]] == [0x40 + 45, nm["fn1"] - code + 24]


def test_without_addresses_or_targets_says_what_is_missing():
    with pytest.raises(SemanticsError) as info:
        run_semantics(stackmap([fn(0x1040)]), [], 0x1000, 0x100)
    assert info.value.rule == "function-addresses"
    assert "pass function_addresses, or targets=" in info.value.message


def test_raw_blob_with_zero_addresses_says_what_is_missing(tmp_path, capsys):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0), fn(0)], [record(0, 4)])))
    registry = tmp_path / "r.json"
    registry.write_text("[]")
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0",
                 "--code-size", "0x100"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "function-addresses" in err and "function record(s) 0, 1" in err and "pass the function addresses" in err


def test_object_functions_in_several_sections_are_not_laid_out():
    sm = stackmap([fn(0), fn(0)])
    targets = [FunctionTarget("f", None, section=".text.f", offset=0),
               FunctionTarget("g", None, section=".text.g", offset=0)]
    with pytest.raises(SemanticsError) as info:
        run_semantics(sm, [], 0, 0x100, None, targets=targets)
    assert info.value.rule == "function-addresses"
    assert "2 sections (.text.f, .text.g)" in info.value.message


def test_raw_blob_with_addresses_uses_them(tmp_path, capsys):
    # A raw blob's non-zero address fields are taken as the addresses.
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040)], [])))
    registry = tmp_path / "r.json"
    registry.write_text("[]")
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100"]) == 0
    assert json.loads(capsys.readouterr().out) == {"local_functions": [], "total_size": 256}


# -- XMM8-XMM15 in real llc output --------------------------------------------

XMM_IR = """\
declare void @llvm.experimental.stackmap(i64, i32, ...)

define double @fn0({params}) #0 {{
entry:
{products}
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 0, i32 0, {live})
{sums}
  ret double %s13
}}

attributes #0 = {{ "frame-pointer"="all" }}
"""


@pytest.mark.llvm
def test_llc_puts_doubles_in_xmm8_to_xmm15_and_they_map(tmp_path, capsys):
    """14 doubles live at a stackmap: llc -O2 keeps them in XMM registers,
    some of them XMM8 and up (DWARF >= 25).  Each maps to register index
    DWARF - 1 (DWARF 17 + n is XMMn, index 16 + n)."""
    n = 14
    ir = XMM_IR.format(
        params=", ".join(f"double %a{i}" for i in range(n)),
        products="\n".join(f"  %v{i} = fmul double %a{i}, %a{(i + 1) % n}" for i in range(n)),
        live=", ".join(f"double %v{i}" for i in range(n)),
        sums="\n".join(f"  %s{i} = fadd double {'%v0' if i == 1 else f'%s{i - 1}'}, %v{i}" for i in range(1, n)),
    )
    (tmp_path / "xmm.ll").write_text(ir)
    obj = tmp_path / "xmm.o"
    run([require("llc"), "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(tmp_path / "xmm.ll"),
         "-o", str(obj)])
    readobj = run([require("llvm-readobj"), "--stackmap", str(obj)], text=True).stdout
    regnums = [int(r) for r in re.findall(r"Register R#(\d+), size: 16", readobj)]
    offset = int(re.search(r"Record ID: 0, instruction offset: (\d+)", readobj).group(1))
    assert len(regnums) == n and max(regnums) >= 25, readobj
    assert "stack size: 8," in readobj

    registry = tmp_path / "r.json"
    registry.write_text(json.dumps({"entries": [
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0,
         "value_semantics": [{"WasmStack": i} for i in range(n)], "local_count": 0, "stack_count": n,
         "is_start": True},
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": False}]}))
    assert main(["semantics", str(obj), "--registry", str(registry), "--code-addr", "0",
                 "--code-size", "0x1000"]) == 0
    (key, fsm), = json.loads(capsys.readouterr().out)["local_functions"]
    assert key == offset  # fn0 at .text+0, the text at 0
    assert fsm["diffs"][0]["reg_diff"] == [[r - 1, {"WasmStack": i}] for i, r in enumerate(regnums)]
    assert fsm["diffs"][0]["stack_push"] == []  # stack size 8: no halves
    assert len(fsm["initial"]["register_values"]) == 24


# -- the registry -------------------------------------------------------------


def test_registry_errors_name_the_registry_file(tmp_path, capsys):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040)], [])))
    registry = tmp_path / "reg.json"
    registry.write_text('{"entrys": []}')
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 1
    assert capsys.readouterr().err == (
        f"stackmap-construct: error: {registry}: json: missing key 'entries'\n")
    registry.write_text('{"entries": [{"kind": "Loop"}]}')
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 1
    assert capsys.readouterr().err == (
        f"stackmap-construct: error: {registry}: json: missing key 'local_function_id' [at entries[0]]\n")
    registry.write_text("{oops")
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 1
    assert capsys.readouterr().err.startswith(f"stackmap-construct: error: {registry}: json: not valid JSON")


def test_stackmap_errors_still_name_the_stackmap(tmp_path, capsys):
    blob = tmp_path / "sm.bin"
    blob.write_bytes(build(stackmap([fn(0x1040, 48)], [record(0, 4)])))
    registry = tmp_path / "reg.json"
    registry.write_text(json.dumps([
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": True},
        {"kind": "FunctionHeader", "local_function_id": 0, "opcode_offset": 0, "value_semantics": [],
         "local_count": 0, "stack_count": 0, "is_start": False}]))
    assert main(["semantics", str(blob), "--raw", "--registry", str(registry), "--code-addr", "0x1000",
                 "--code-size", "0x100", "--function-addresses", "0x1040"]) == 1
    assert capsys.readouterr().err.startswith(f"stackmap-construct: error: {blob}: stack-size: ")


GOOD = {"kind": "Call", "local_function_id": 2, "opcode_offset": 7, "local_count": 1, "stack_count": 1,
        "value_semantics": ["Ctx", {"WasmLocal": 0}, {"WasmStack": 0}, {"Global": 2**64 - 1}], "is_start": True}


@pytest.mark.parametrize("change", [
    {}, {"value_semantics": []}, {"is_start": False}, {"kind": "FunctionHeader"},
    {"local_function_id": 2**64 - 1}, {"opcode_offset": 0},
    # each of these is refused; the fast path must refuse it with the careful path's error
    {"kind": "Jump"}, {"kind": ["Call"]}, {"local_function_id": -1}, {"local_function_id": 2**64},
    {"opcode_offset": True}, {"local_count": 1.0}, {"stack_count": None}, {"is_start": 1},
    {"value_semantics": {"Ctx": 0}}, {"value_semantics": ["Ctx", {"WasmLocal": True}]},
    {"value_semantics": [{"WasmLocal": 1.0}]}, {"value_semantics": [{"WasmLocal": -1}]},
    {"value_semantics": [{"WasmLocal": 2**64}]}, {"value_semantics": [{"Ctx": 0}]},
    {"value_semantics": ["WasmLocal"]}, {"value_semantics": [{"WasmLocal": 0, "WasmStack": 0}]},
    {"value_semantics": [{}]}, {"value_semantics": [["WasmLocal", 0]]}, {"value_semantics": [3]},
    {"value_semantics": [{"Nope": 1}]}, {"value_semantics": [{"WasmLocal": [0]}]},
    {"extra": 1}, {"kind": None},
])
def test_registry_fast_path_equals_the_careful_path(change):
    entry = {**GOOD, **change}
    doc = {"entries": [GOOD, entry]}
    try:
        expected = stackmap_entry_from_json(entry, "entries[1]")
    except SemanticsError as e:
        with pytest.raises(SemanticsError) as info:
            registry_from_json(doc)
        assert (info.value.message, info.value.path) == (e.message, e.path)
    else:
        got = registry_from_json(doc).entries
        assert got == (stackmap_entry_from_json(GOOD), expected)
        assert type(got[1].value_semantics) is tuple and hash(got[1]) == hash(expected)


def test_registry_missing_keys_are_refused_by_the_fast_path():
    for key in GOOD:
        entry = {k: v for k, v in GOOD.items() if k != key}
        with pytest.raises(SemanticsError, match=f"missing key '{key}'"):
            registry_from_json([entry])
