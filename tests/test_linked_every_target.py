"""Linked executables for every target and both LLVMs: objects made by llc
14 and llc 22, linked by ld.lld 22 (which links all six targets; lld 14
crashes on s390x).  Records' absolute addresses must be their function's
code plus the instruction offset.

ppc64 ELFv1 (big-endian): a function symbol's value is its descriptor in
``.opd``, and that is what LLVM puts into the stackmap's function record;
the code entry is the descriptor's first doubleword.  JSON keeps the raw
``address`` and adds ``entry``.  Everything expected here comes from LLVM's
tools: llvm-nm (symbols, sizes), llvm-objdump (the code and .opd bytes),
llvm-readobj (the stackmap)."""

from __future__ import annotations

import json
import re

import pytest

from llvm_tools import LLVM_VERSIONS, Llvm, readobj_stackmap_block, require_versioned, run
from stackmap_construct.cli.main import main

pytestmark = pytest.mark.llvm

IR = """\
declare void @llvm.experimental.stackmap(i64, i32, ...)
define i64 @f_one(i64 %a) {
entry:
  %b = mul i64 %a, 5
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 1, i32 0, i64 %b)
  ret i64 %b
}
define i64 @f_two(i64 %a) {
entry:
  %b = mul i64 %a, 3
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 2, i32 0, i64 %b)
  ret i64 %b
}
"""


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    tools = {t: require_versioned(t, 22) for t in ("llc", "ld.lld", "llvm-nm", "llvm-objdump", "llvm-readobj")}
    d = tmp_path_factory.mktemp("opd")
    (d / "two.ll").write_text(IR)
    run([tools["llc"], "-O2", "-mtriple=powerpc64-unknown-linux-gnu", "-filetype=obj", str(d / "two.ll"),
         "-o", str(d / "two.o")])
    run([tools["ld.lld"], "-e", "f_one", str(d / "two.o"), "-o", str(d / "two")])
    return d / "two", tools


def _nm(tools, path) -> dict[str, int]:
    out = run([tools["llvm-nm"], str(path)], text=True).stdout
    return {name: int(value, 16) for value, _, name in (line.split() for line in out.splitlines())}


def _nm_sizes(tools, path) -> dict[str, tuple[int, int]]:
    out = run([tools["llvm-nm"], "-S", "--defined-only", str(path)], text=True).stdout
    return {f[3]: (int(f[0], 16), int(f[1], 16)) for f in (line.split() for line in out.splitlines()) if len(f) == 4}


def _opd_entries(tools, path) -> dict[int, int]:
    """Descriptor address -> first doubleword, from llvm-objdump's hex dump of .opd."""
    out = run([tools["llvm-objdump"], "-s", "-j", ".opd", str(path)], text=True).stdout
    data = bytearray()
    start = None
    for line in out.splitlines():
        m = re.match(r"^ ([0-9a-f]+) ((?:[0-9a-f]{2,8} ?){1,4})", line)
        if m:
            start = int(m.group(1), 16) if start is None else start
            data += bytes.fromhex(m.group(2).replace(" ", ""))
    return {start + i: int.from_bytes(data[i:i + 8], "big") for i in range(0, len(data) - 23, 24)}


def _mulli_addresses(tools, path) -> dict[int, int]:
    """The multiply feeding each stackmap, by its factor: ``mulli 3, 3, K``."""
    out = run([tools["llvm-objdump"], "-d", str(path)], text=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):.*\bmulli\s+3, 3, (\d+)", line)
        if m:
            found[int(m.group(2))] = int(m.group(1), 16)
    return found


def test_records_are_placed_at_the_code_entry_not_the_descriptor(linked, capsys):
    exe, tools = linked
    symbols = _nm(tools, exe)
    entries = _opd_entries(tools, exe)
    mulli = _mulli_addresses(tools, exe)
    # what LLVM wrote: the descriptors (llvm-readobj's function addresses are llvm-nm's values)
    block = readobj_stackmap_block(run([tools["llvm-readobj"], "--stackmap", str(exe)], text=True).stdout)
    assert f"Function address: {symbols['f_one']}," in block and f"Function address: {symbols['f_two']}," in block
    assert set(entries) == {symbols["f_one"], symbols["f_two"]}

    assert main(["dump", str(exe), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    [sm] = doc["stackmaps"]
    assert [(f["symbol"], f["address"], f["entry"]) for f in sm["functions"]] == [
        ("f_one", symbols["f_one"], entries[symbols["f_one"]]),
        ("f_two", symbols["f_two"], entries[symbols["f_two"]]),
    ]
    # each stackmap's call site is the instruction right after the multiply that feeds it
    assert [(r["patchpoint_id"], r["address"]) for r in sm["records"]] == [(1, mulli[5] + 4), (2, mulli[3] + 4)]

    assert main(["dump", str(exe)]) == 0
    text = capsys.readouterr().out
    assert (f"function #0 f_one: address 0x{symbols['f_one']:x} (function descriptor; "
            f"code entry 0x{entries[symbols['f_one']]:x})") in text
    assert f"record id 2 at offset " in text and f"= 0x{mulli[3] + 4:x}:" in text
    assert f"= 0x{symbols['f_two'] + 4:x}" not in text  # nothing placed inside .opd

    # JSON keeps the raw descriptor address: build gives back the section's bytes
    assert main(["dump", str(exe), "--format", "json", "-o", str(exe.parent / "two.json")]) == 0
    assert main(["build", str(exe.parent / "two.json"), "-o", str(exe.parent / "two.bin")]) == 0
    from stackmap_construct.containers import read_container
    assert (exe.parent / "two.bin").read_bytes() == read_container(exe.read_bytes()).sections[0].data


def test_shared_object_descriptors_are_relocated_at_load_time(linked, capsys):
    # -shared: the stackmap's field and the descriptors' entries hold 0; the
    # dynamic relocations (R_PPC64_ADDR64 against the symbol, R_PPC64_RELATIVE
    # in .opd) supply them.
    exe, tools = linked
    d = exe.parent
    run([require_versioned("llc", 22), "-O2", "-mtriple=powerpc64-unknown-linux-gnu", "-relocation-model=pic",
         "-filetype=obj", str(d / "two.ll"), "-o", str(d / "pic.o")])
    run([tools["ld.lld"], "-shared", "-z", "notext", str(d / "pic.o"), "-o", str(d / "two.so")])
    symbols = _nm(tools, d / "two.so")
    mulli = _mulli_addresses(tools, d / "two.so")
    assert main(["dump", str(d / "two.so"), "--format", "json"]) == 0
    [sm] = json.loads(capsys.readouterr().out)["stackmaps"]
    assert [f["address"] for f in sm["functions"]] == [0, 0]
    assert [(r["patchpoint_id"], r["address"]) for r in sm["records"]] == [(1, mulli[5] + 4), (2, mulli[3] + 4)]
    assert main(["dump", str(d / "two.so")]) == 0
    assert f"address 0x0 (function descriptor 0x{symbols['f_one']:x}; code entry " in capsys.readouterr().out


def test_objects_and_other_images_have_no_descriptors(linked, capsys):
    exe, tools = linked
    assert main(["dump", str(exe.parent / "two.o"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(f["symbol"], f["entry"]) for f in doc["stackmaps"][0]["functions"]] == [("f_one", None), ("f_two", None)]


TRIPLES = ["x86_64-linux-gnu", "aarch64-linux-gnu", "powerpc64-unknown-linux-gnu",
           "powerpc64le-unknown-linux-gnu", "s390x-linux-gnu", "riscv64-linux-gnu"]
CELLS = [(v, t) for v in LLVM_VERSIONS for t in TRIPLES if not (v < 15 and t.startswith("riscv64"))]


@pytest.mark.parametrize("version, triple", CELLS, ids=[f"llvm{v}-{t}" for v, t in CELLS])
def test_linked_executable_records_sit_in_their_functions_code(tmp_path, capsys, version, triple):
    llvm = Llvm(version)
    tools = {t: require_versioned(t, 22) for t in ("ld.lld", "llvm-nm", "llvm-objdump")}
    (tmp_path / "two.ll").write_text(IR)
    run([llvm.llc, "-O2", f"-mtriple={triple}", "-filetype=obj", str(tmp_path / "two.ll"), "-o", str(tmp_path / "two.o")])
    exe = tmp_path / "two"
    run([tools["ld.lld"], "-e", "f_one", str(tmp_path / "two.o"), "-o", str(exe)])

    assert main(["dump", str(exe), "--format", "llvm-readobj"]) == 0
    assert capsys.readouterr().out == readobj_stackmap_block(run([llvm.readobj, "--stackmap", str(exe)], text=True).stdout)

    sizes = _nm_sizes(tools, exe)
    descriptors = _opd_entries(tools, exe) if triple.startswith("powerpc64-") else {}
    assert main(["dump", str(exe), "--format", "json"]) == 0
    [sm] = json.loads(capsys.readouterr().out)["stackmaps"]
    for fn, name in zip(sm["functions"], ["f_one", "f_two"]):
        value, size = sizes[name]
        assert (fn["symbol"], fn["address"]) == (name, value)
        assert fn["entry"] == descriptors.get(value, value)
        assert bool(descriptors) == triple.startswith("powerpc64-")  # only ELFv1 has them
    for record, fn, name in zip(sm["records"], sm["functions"], ["f_one", "f_two"]):
        assert record["address"] == fn["entry"] + record["instruction_offset"]
        assert fn["entry"] <= record["address"] <= fn["entry"] + sizes[name][1]
