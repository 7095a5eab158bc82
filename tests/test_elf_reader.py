"""containers/elf.py, the package's own ELF reader, against pyelftools and
llvm-readobj on every ELF file of the fixtures: objects made by llc 14 and
22 for x86-64, AArch64, ppc64 (big-endian), ppc64le, s390x (big-endian)
and riscv64, and the hostile seeds (ELF32 and ELF64, both byte orders, a
shared object, a PIE, a zlib-compressed stackmap section).

Every expected value comes from pyelftools or llvm-readobj, never from the
reader under test."""

from __future__ import annotations

import io
import pathlib
import re
import subprocess

import pytest
from elftools.elf.descriptions import describe_reloc_type
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from llvm_tools import require
from stackmap_construct.containers import read_container
from stackmap_construct.containers.elf import read_elf

DATA = pathlib.Path(__file__).resolve().parent / "data"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file() and p.read_bytes()[:4] == b"\x7fELF")
IDS = [str(p.relative_to(DATA)) for p in FILES]


def test_the_corpus_covers_both_classes_and_byte_orders():
    seen = {(p.read_bytes()[4], p.read_bytes()[5]) for p in FILES}
    assert seen == {(1, 1), (1, 2), (2, 1), (2, 2)}  # ELF32/ELF64 x little/big
    assert len(FILES) > 100


def _symbol_name(elf: ELFFile, table, index: int) -> tuple[str | None, bool]:
    if index == 0:
        return None, False
    sym = table.get_symbol(index)
    if sym["st_info"]["type"] == "STT_SECTION":
        return elf.get_section(sym["st_shndx"]).name, True
    return sym.name or None, False


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_reader_agrees_with_pyelftools(path):
    data = path.read_bytes()
    ours = read_elf(data)
    elf = ELFFile(io.BytesIO(data))
    assert ours.format == f"ELF{elf.elfclass}"
    assert ours.sections[0].endian == ("little" if elf.little_endian else "big")
    kind = {"ET_REL": "relocatable", "ET_EXEC": "executable", "ET_DYN": "shared object"}[elf["e_type"]]
    assert ours.kind == kind or (kind, ours.kind) == ("shared object", "PIE executable")
    machine = {"EM_X86_64": "x86_64", "EM_AARCH64": "aarch64", "EM_PPC64": "ppc64", "EM_S390": "s390x",
               "EM_386": "i386", "EM_RISCV": f"riscv{elf.elfclass}"}.get(elf["e_machine"], elf["e_machine"])
    assert ours.arch == machine

    found = [(i, s) for i, s in enumerate(elf.iter_sections()) if s.name == ".llvm_stackmaps"]
    assert [s.name for s in ours.sections] == [s.name for _, s in found]
    for section, (index, s) in zip(ours.sections, found):
        assert section.data == s.data()  # pyelftools inflates a compressed section itself
        assert section.file_offset == s["sh_offset"]
        linked = elf["e_type"] != "ET_REL"
        assert section.address == (s["sh_addr"] if linked else None)
        expected = []
        for rs in elf.iter_sections():
            if not isinstance(rs, RelocationSection):
                continue
            if linked:
                if not rs["sh_flags"] & 2:
                    continue
            elif rs["sh_info"] != index:
                continue
            table = elf.get_section(rs["sh_link"]) if rs["sh_link"] else None
            for r in rs.iter_relocations():
                at = r["r_offset"] - (s["sh_addr"] if linked else 0)
                if linked and not 0 <= at < s["sh_size"]:
                    continue
                name, is_section = _symbol_name(elf, table, r["r_info_sym"]) if table else (None, False)
                addend = r["r_addend"] if rs.is_RELA() else None
                type_ = describe_reloc_type(r["r_info_type"], elf)
                expected.append((at, type_, name, addend, is_section))
        got = [(r.offset, r.type, r.symbol, r.addend, r.section_symbol) for r in section.relocations]
        if elf["e_machine"] == "EM_RISCV":  # pyelftools has no RISC-V names: see the llvm-readobj test
            got = [(o, "", n, a, s_) for o, _, n, a, s_ in got]
            expected = [(o, "", n, a, s_) for o, _, n, a, s_ in expected]
        assert got == expected

    table = elf.get_section_by_name(".symtab") or elf.get_section_by_name(".dynsym")
    functions = []
    if isinstance(table, SymbolTableSection):
        for sym in table.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and sym.name:
                shndx = sym["st_shndx"]
                where = None if isinstance(shndx, str) else elf.get_section(shndx).name
                functions.append((sym.name, sym["st_value"], where, sym["st_size"]))
    assert [(f.name, f.value, f.section, f.size) for f in ours.symbols] == functions


_RELOC = re.compile(r"^\s*0x([0-9A-F]+) (\S+) (\S+)(?: (-?0x[0-9A-F]+))?\s*$")


def _readobj_relocations(readobj: str, path: pathlib.Path, section: str) -> list[tuple[int, str, str | None, int | None]]:
    out = subprocess.run([readobj, "-r", str(path)], capture_output=True, text=True, check=True).stdout
    rows, inside = [], False
    for line in out.splitlines():
        if line.strip().startswith("Section ("):
            inside = line.strip().endswith(f" {section} {{")
            continue
        m = _RELOC.match(line) if inside else None
        if m:
            offset, type_, symbol, addend = m.groups()
            rows.append((int(offset, 16), type_, None if symbol == "-" else symbol,
                         None if addend is None else int(addend, 16)))
    return rows


OBJECTS = [p for p in FILES if p.suffix == ".o"]


@pytest.mark.llvm
@pytest.mark.parametrize("path", OBJECTS, ids=[str(p.relative_to(DATA)) for p in OBJECTS])
def test_stackmap_relocations_agree_with_llvm_readobj(path):
    """Offsets, type names (RISC-V's too), symbols and addends of the
    relocations of the stackmap section, as llvm-readobj prints them."""
    readobj = require("llvm-readobj")
    section = read_container(path.read_bytes()).sections[0]
    rela = _readobj_relocations(readobj, path, ".rela.llvm_stackmaps")
    rel = _readobj_relocations(readobj, path, ".rel.llvm_stackmaps")
    got = [(r.offset, r.type, r.symbol, r.addend) for r in section.relocations]
    if rel:  # no addend in the table: llvm-readobj prints none
        got = [(o, t, s, None) for o, t, s, _ in got]
    assert got == rela + rel
    # llc's objects have one relocation per function record (the ELF32
    # seeds got their section from llvm-objcopy, without relocations)
    if "seeds" not in path.parts:
        assert len(got) == int.from_bytes(section.data[4:8], section.endian)


@pytest.mark.llvm
def test_linked_relocations_agree_with_llvm_readobj():
    """A shared object's .rela.dyn entries that patch the stackmap section."""
    readobj = require("llvm-readobj")
    path = DATA / "hostile" / "seeds" / "elf64le.so"
    section = read_container(path.read_bytes()).sections[0]
    expected = [(o - section.address, t, s, a) for o, t, s, a in _readobj_relocations(readobj, path, ".rela.dyn")
                if section.address <= o < section.address + len(section.data)]
    assert [(r.offset, r.type, r.symbol, r.addend) for r in section.relocations] == expected
    assert {t for _, t, _, _ in expected} == {"R_X86_64_RELATIVE", "R_X86_64_64"}


def test_reading_an_elf_file_imports_no_pyelftools():
    code = ("import sys; from stackmap_construct.containers import read_container; "
            f"read_container(open({str(FILES[0])!r}, 'rb').read()); "
            "print(sorted(m for m in sys.modules if m.startswith('elftools')))")
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_many_stackmap_sections_and_dynamic_relocations_stay_linear():
    """A hostile shared object: 20,000 sections named .llvm_stackmaps and a
    .rela.dyn of 20,000 entries, one patching each; every section gets its
    one relocation, in time linear in the file (a pass over the relocations
    per section would take minutes)."""
    import struct
    import time

    n = 20000
    names = b"\0.shstrtab\0.llvm_stackmaps\0.rela.dyn\0"
    names += bytes(-len(names) % 8)
    rela = b"".join(struct.pack("<QQq", 0x1000 + 8 * i, 8 | (0 << 32), 0x2000 + i) for i in range(n))  # R_X86_64_RELATIVE
    body = names + b"\x03" + bytes(7) + rela
    shdr = struct.Struct("<IIQQQQIIQQ")
    sections = [bytes(64), shdr.pack(1, 3, 0, 0, 64, len(names), 0, 0, 1, 0)]
    sections += [shdr.pack(11, 1, 2, 0x1000 + 8 * i, 64 + len(names), 8, 0, 0, 8, 0) for i in range(n)]
    sections.append(shdr.pack(27, 4, 2, 0, 64 + len(names) + 8, len(rela), 0, 0, 8, 24))
    header = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, 64 + len(body), 0, 64, 56, 0, 64, len(sections), 1)
    start = time.perf_counter()
    container = read_elf(header + body + b"".join(sections))
    assert time.perf_counter() - start < 10
    assert len(container.sections) == n
    assert [(s.address, [(r.offset, r.type, r.addend) for r in s.relocations]) for s in container.sections[:2]] == [
        (0x1000, [(0, "R_X86_64_RELATIVE", 0x2000)]), (0x1008, [(0, "R_X86_64_RELATIVE", 0x2001)])]
    assert all(len(s.relocations) == 1 for s in container.sections)
