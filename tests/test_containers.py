"""Every container, made now by LLVM's llc and linked by gcc / lld: the
stackmaps are found, each function record is resolved to the name the IR
gave it, addresses agree with llvm-nm, and ``dump --format llvm-readobj``
is byte-identical to llvm-readobj wherever llvm-readobj prints one.

Expected names and ids are the IR's (tests/named_ir.py); addresses come from
llvm-nm, an independent reader.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from llvm_tools import readobj_stackmap_block, require, run
from named_ir import IR
from readobj_text import read_readobj_stackmap
from stackmap_construct.cli.main import main

# A second module, for linked images holding two blobs.
IR2 = """
declare void @llvm.experimental.stackmap(i64, i32, ...)
define i64 @second(i64 %a) {
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 20, i32 0, i64 %a, i32 -1)
  ret i64 %a
}
"""
MAIN_C = "long visible(long); long second(long);\nint main(int c, char **v) { return (int)(visible(c) + second(c)); }\n"
NAMES = ["hidden_helper", "visible"]


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("containers")
    (d / "m.ll").write_text(IR)
    (d / "m2.ll").write_text(IR2)
    (d / "main.c").write_text(MAIN_C)
    return d


def llc_obj(build_dir, triple: str, name: str, *extra: str, source: str = "m.ll"):
    out = build_dir / name
    if not out.exists():
        run([require("llc"), "-O2", f"-mtriple={triple}", "-filetype=obj", *extra, str(build_dir / source),
             "-o", str(out)])
    return out


def dump_json(path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "stackmap_construct", "dump", str(path), "--format", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def readobj_block(path) -> str:
    return readobj_stackmap_block(run([require("llvm-readobj"), "--stackmap", str(path)], text=True).stdout)


def ours_readobj(path, capsys) -> str:
    assert main(["dump", str(path), "--format", "llvm-readobj"]) == 0
    return capsys.readouterr().out


def nm_addresses(path) -> dict[str, int]:
    """Symbol -> address, per llvm-nm (Mach-O's "_" prefix removed)."""
    out = run([require("llvm-nm"), "--defined-only", str(path)], text=True).stdout
    addresses = {}
    for address, _type, name in re.findall(r"^([0-9a-f]+) (\w) (\S+)$", out, re.M):
        if path.suffix == ".dylib":
            name = name.removeprefix("_")
        addresses[name] = int(address, 16)
    return addresses


OBJECTS = [
    ("x86_64-linux-gnu", "ELF64", ".llvm_stackmaps", ()),
    ("x86_64-linux-gnu", "ELF64", ".llvm_stackmaps", ("-function-sections",)),
    ("aarch64-linux-gnu", "ELF64", ".llvm_stackmaps", ()),
    ("powerpc64-unknown-linux-gnu", "ELF64", ".llvm_stackmaps", ()),
    ("powerpc64le-unknown-linux-gnu", "ELF64", ".llvm_stackmaps", ()),
    ("s390x-linux-gnu", "ELF64", ".llvm_stackmaps", ()),
    ("x86_64-apple-macosx", "Mach-O", "__LLVM_STACKMAPS,__llvm_stackmaps", ()),
    ("arm64-apple-macosx", "Mach-O", "__LLVM_STACKMAPS,__llvm_stackmaps", ()),
    ("x86_64-pc-windows-msvc", "COFF", ".llvm_stackmaps", ()),
    ("aarch64-pc-windows-msvc", "COFF", ".llvm_stackmaps", ()),
]


@pytest.mark.llvm
@pytest.mark.parametrize("triple,fmt,section,extra", OBJECTS,
                         ids=[f"{t}{'-' + e[0].strip('-') if e else ''}" for t, _, _, e in OBJECTS])
def test_object_files_resolve_symbols_and_match_readobj(build_dir, capsys, triple, fmt, section, extra):
    obj = llc_obj(build_dir, triple, f"{triple}{''.join(extra)}.o", *extra)
    doc = dump_json(obj)
    (sm,) = doc["stackmaps"]
    assert [f["symbol"] for f in sm["functions"]] == NAMES
    assert [r["patchpoint_id"] for r in sm["records"]] == [10, 11]
    # Objects: the address is a relocation's business; none is known.
    assert [r["address"] for r in sm["records"]] == [None, None]
    assert ours_readobj(obj, capsys) == readobj_block(obj)
    assert main(["dump", str(obj)]) == 0
    text = capsys.readouterr().out
    assert fmt in text.splitlines()[0]
    assert f"({section})" in text
    assert "function #0 hidden_helper:" in text and "function #1 visible:" in text


def _gcc(build_dir, out: str, *args: str):
    gcc = require("gcc")
    path = build_dir / out
    if not path.exists():
        # The linker warns about relocations in the read-only stackmap section.
        run([gcc, *args, "-o", str(path)])
    return path


@pytest.mark.llvm
@pytest.mark.parametrize("kind,flags", [
    ("executable", ["-no-pie"]),
    ("PIE executable", ["-pie", "-fPIE"]),
])
def test_linked_elf_executables(build_dir, capsys, kind, flags):
    a = llc_obj(build_dir, "x86_64-linux-gnu", "a.o", "-relocation-model=pic")
    b = llc_obj(build_dir, "x86_64-linux-gnu", "b.o", "-relocation-model=pic", source="m2.ll")
    exe = _gcc(build_dir, f"exe{flags[0]}", *flags, str(build_dir / "main.c"), str(a), str(b))
    nm = nm_addresses(exe)
    doc = dump_json(exe)
    # One blob per object file, in link order.
    assert len(doc["stackmaps"]) == 2
    first, second = doc["stackmaps"]
    assert [f["symbol"] for f in first["functions"]] == NAMES
    assert [f["symbol"] for f in second["functions"]] == ["second"]
    assert [f["address"] for f in first["functions"]] == [nm["hidden_helper"], nm["visible"]]
    assert [r["address"] for r in first["records"]] == [
        nm["hidden_helper"] + first["records"][0]["instruction_offset"],
        nm["visible"] + first["records"][1]["instruction_offset"],
    ]
    assert second["records"][0]["address"] == nm["second"] + second["records"][0]["instruction_offset"]
    # llvm-readobj prints only the first blob; ours prints both, the first identical.
    ours = ours_readobj(exe, capsys)
    oracle = readobj_block(exe)
    assert ours.startswith(oracle) and ours.count("LLVM StackMap Version: 3") == 2
    assert main(["dump", str(exe)]) == 0
    assert f"ELF64 {kind}" in capsys.readouterr().out


@pytest.mark.llvm
def test_shared_object_addresses_come_from_dynamic_relocations(build_dir, capsys):
    a = llc_obj(build_dir, "x86_64-linux-gnu", "a.o", "-relocation-model=pic")
    so = _gcc(build_dir, "lib.so", "-shared", str(a))
    doc = dump_json(so)
    (sm,) = doc["stackmaps"]
    nm = nm_addresses(so)
    assert [f["symbol"] for f in sm["functions"]] == NAMES
    # The exported function's field holds 0: R_X86_64_64 against 'visible'
    # in .rela.dyn supplies it; the internal one is R_X86_64_RELATIVE.
    assert sm["functions"][1]["address"] == 0
    assert [r["address"] - r["instruction_offset"] for r in sm["records"]] == [nm["hidden_helper"], nm["visible"]]
    assert ours_readobj(so, capsys) == readobj_block(so)
    assert main(["validate", str(so)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


@pytest.mark.llvm
@pytest.mark.parametrize("arch,triple", [("x86_64", "x86_64-apple-macosx11.0"), ("arm64", "arm64-apple-macosx11.0")])
def test_macho_dylib_linked_by_lld(build_dir, capsys, arch, triple):
    obj = llc_obj(build_dir, triple, f"{arch}-macho.o")
    dylib = build_dir / f"lib-{arch}.dylib"
    run([require("ld64.lld"), "-dylib", "-arch", arch, "-platform_version", "macos", "11.0", "11.0",
         "-o", str(dylib), str(obj)])
    (sm,) = dump_json(dylib)["stackmaps"]
    nm = nm_addresses(dylib)
    assert [f["symbol"] for f in sm["functions"]] == NAMES
    assert [f["address"] for f in sm["functions"]] == [nm["hidden_helper"], nm["visible"]]
    assert ours_readobj(dylib, capsys) == readobj_block(dylib)


@pytest.mark.llvm
@pytest.mark.parametrize("symtab", [False, True], ids=["stripped", "debug-symtab"])
def test_pe_image_truncated_section_name(build_dir, capsys, symtab):
    obj = llc_obj(build_dir, "x86_64-pc-windows-msvc", "pe.obj")
    dll = build_dir / f"lib{'-sym' if symtab else ''}.dll"
    run([require("lld-link"), "/dll", "/noentry", "/export:visible", *(["/debug:symtab"] if symtab else []),
         f"/out:{dll}", str(obj)])
    # llvm-readobj 14 does not find the truncated ".llvm_st" section.
    assert "LLVM StackMap Version" not in run([require("llvm-readobj"), "--stackmap", str(dll)], text=True).stdout
    (sm,) = dump_json(dll)["stackmaps"]
    image_base = 0x180000000  # lld-link's default for a 64-bit DLL
    assert all(f["address"] > image_base for f in sm["functions"])
    # With a symbol table every function is named; without, the exported
    # one still is, through the export table.
    assert [f["symbol"] for f in sm["functions"]] == (NAMES if symtab else [None, "visible"])
    # Our readobj-format output of the image equals llvm-readobj's of the object,
    # but for the addresses the linker filled in.
    ours = ours_readobj(dll, capsys)
    theirs = readobj_block(obj)
    assert re.sub(r"Function address: \d+", "A", ours) == re.sub(r"Function address: \d+", "A", theirs)
    assert main(["dump", str(dll)]) == 0
    assert "(.llvm_st)" in capsys.readouterr().out


@pytest.mark.llvm
def test_elf32_container_via_objcopy(build_dir, capsys):
    """No 32-bit target of llc 14 emits stackmaps here (i386 crashes), so a
    32-bit ELF object gets a blob from a 64-bit one with llvm-objcopy."""
    src = llc_obj(build_dir, "x86_64-linux-gnu", "src64.o")
    blob = build_dir / "blob.bin"
    run([require("llvm-objcopy"), "-O", "binary", "--only-section=.llvm_stackmaps", str(src), str(blob)])
    (build_dir / "empty.ll").write_text("define void @f() {\n  ret void\n}\n")
    obj32 = llc_obj(build_dir, "i386-linux-gnu", "empty32.o", source="empty.ll")
    out = build_dir / "with32.o"
    run([require("llvm-objcopy"), f"--add-section=.llvm_stackmaps={blob}", str(obj32), str(out)])
    assert ours_readobj(out, capsys) == readobj_block(out)
    assert main(["dump", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"{out}: ELF32 relocatable, i386, little-endian, 1 stackmap")


def test_file_without_stackmaps_gets_the_gc_sections_hint(capsys):
    assert main(["dump", os.path.realpath(sys.executable)]) == 1
    err = capsys.readouterr().err
    assert "no .llvm_stackmaps section" in err and "KEEP" in err


@pytest.mark.llvm
def test_readobj_values_of_linked_second_blob(build_dir):
    """The second blob of a linked executable, which llvm-readobj skips, has
    the values llvm-readobj reports for the object it came from."""
    b = llc_obj(build_dir, "x86_64-linux-gnu", "b.o", "-relocation-model=pic", source="m2.ll")
    want = read_readobj_stackmap(readobj_block(b))
    a = llc_obj(build_dir, "x86_64-linux-gnu", "a.o", "-relocation-model=pic")
    exe = _gcc(build_dir, "exe-no-pie", "-no-pie", str(build_dir / "main.c"), str(a), str(b))
    second = dump_json(exe)["stackmaps"][1]
    assert second["constants"] == want["constants"]
    assert [(r["patchpoint_id"], r["instruction_offset"]) for r in second["records"]] == \
        [(r["id"], r["offset"]) for r in want["records"]]
