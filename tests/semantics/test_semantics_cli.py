"""``stackmap-construct semantics``: the CLI on a shared object linked by
gcc from llc's output, checked against llvm-nm's addresses and against the
library API (which the other semantics tests check by hand)."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from llvm_tools import require, run
from stackmap_construct.cli.main import main

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def shared_object(tmp_path_factory):
    d = tmp_path_factory.mktemp("semantics-cli")
    obj, so = d / "wl.o", d / "wl.so"
    run([require("llc"), "-O2", "-mtriple=x86_64-linux-gnu", "-filetype=obj", "-relocation-model=pic",
         str(DATA / "wasm_like.ll"), "-o", str(obj)])
    run([require("gcc"), "-shared", str(obj), "-o", str(so)])
    nm = run([require("llvm-nm"), "--defined-only", str(so)], text=True).stdout
    addresses = {name: int(addr, 16) for addr, name in re.findall(r"^([0-9a-f]+) T (fn\d)$", nm, re.M)}
    return so, addresses


@pytest.mark.llvm
def test_cli_maps_a_linked_shared_object(shared_object, capsys):
    so, nm = shared_object
    code_addr = nm["fn0"] - 0x40
    args = ["semantics", str(so), "--registry", str(DATA / "wasm_like.registry.json"),
            "--code-addr", hex(code_addr), "--code-size", "0x1000",
            "--function-addresses", f"{nm['fn0']:#x},{nm['fn1']:#x}"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    # The exported functions' address fields hold 0 in a shared object; the
    # dynamic relocations supply the addresses llvm-nm reports.
    assert main(["dump", str(so), "--format", "json"]) == 0
    dumped = json.loads(capsys.readouterr().out)["stackmaps"][0]
    header0, header1 = dumped["records"][0], dumped["records"][7]
    keys = [key for key, _ in doc["local_functions"]]
    assert keys == [nm["fn0"] - code_addr + header0["instruction_offset"],
                    nm["fn1"] - code_addr + header1["instruction_offset"]]
    assert [fsm["local_function_id"] for _, fsm in doc["local_functions"]] == [0, 1]
    assert doc["total_size"] == 0x1000


@pytest.mark.llvm
def test_cli_rule_failure_is_one_line(shared_object, capsys):
    so, nm = shared_object
    assert main(["semantics", str(so), "--registry", str(DATA / "wasm_like.registry.json"),
                 "--code-addr", hex(nm["fn1"] + 1), "--code-size", "16",
                 "--function-addresses", f"{nm['fn0']:#x},{nm['fn1']:#x}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "function-below-code" in err


def _empty_section_object(tmp_path) -> pathlib.Path:
    from stackmap_construct.containers.elf_writer import write_elf

    path = tmp_path / "empty.o"
    path.write_bytes(write_elf(b"", "x86_64-linux-gnu"))  # an empty .llvm_stackmaps
    return path


def test_cli_empty_stackmap_gives_null(tmp_path, capsys):
    empty = _empty_section_object(tmp_path)
    registry = tmp_path / "r.json"
    registry.write_text('{"entries": []}')
    assert main(["semantics", str(empty), "--registry", str(registry), "--code-addr", "0",
                 "--code-size", "0", "--function-addresses", ""]) == 0
    captured = capsys.readouterr()
    assert captured.out == "null\n"
    assert captured.err == f"stackmap-construct: warning: {empty}: section .llvm_stackmaps is empty: no stackmaps\n"


def test_cli_bad_registry_json(tmp_path, capsys):
    empty = _empty_section_object(tmp_path)
    registry = tmp_path / "r.json"
    registry.write_text("{oops")
    assert main(["semantics", str(empty), "--registry", str(registry), "--code-addr", "0",
                 "--code-size", "0", "--function-addresses", ""]) == 1
    assert "not valid JSON" in capsys.readouterr().err
