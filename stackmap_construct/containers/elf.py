"""ELF objects, executables and shared objects, through pyelftools."""

from __future__ import annotations

import io
import struct

from elftools.common.exceptions import ELFError
from elftools.elf.descriptions import describe_reloc_type
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from ..errors import ContainerError
from .base import Container, Relocation, Section, Symbol

ELF_MAGIC = b"\x7fELF"
SECTION_NAME = ".llvm_stackmaps"

# e_machine -> the architecture names used for register naming.
_ARCH = {
    "EM_X86_64": "x86_64",
    "EM_AARCH64": "aarch64",
    "EM_PPC64": "ppc64",
    "EM_S390": "s390x",
    "EM_386": "i386",
    "EM_ARM": "arm",
    "EM_RISCV": "riscv",
}
_KIND = {"ET_REL": "relocatable", "ET_EXEC": "executable", "ET_DYN": "shared object"}


def read_elf(data: bytes) -> Container:
    try:
        return _read(ELFFile(io.BytesIO(data)))
    except (ELFError, ValueError, KeyError, AssertionError, IndexError, OverflowError, struct.error) as e:
        # pyelftools reports malformed files with several exception types.
        raise ContainerError(f"malformed ELF file: {e}") from None


def _read(elf: ELFFile) -> Container:
    endian = "little" if elf.little_endian else "big"
    fmt = f"ELF{elf.elfclass}"
    arch = _ARCH.get(elf["e_machine"], str(elf["e_machine"]))
    kind = _KIND.get(elf["e_type"], str(elf["e_type"]))
    if kind == "shared object" and _is_pie(elf):
        kind = "PIE executable"
    found = [(i, s) for i, s in enumerate(elf.iter_sections()) if s.name == SECTION_NAME]
    if not found:
        hint = ""
        if kind != "relocatable":
            hint = (
                "; if it was linked with --gc-sections, the linker dropped the section"
                " unless a linker script KEEPs it (KEEP(*(.llvm_stackmaps)))"
            )
        raise ContainerError(f"no {SECTION_NAME} section in this {fmt} {kind}{hint}")
    sections = []
    for index, s in found:
        start, size = s["sh_addr"], s["sh_size"]
        if kind == "relocatable":
            relocs = _static_relocations(elf, index)
            address = None
        else:
            relocs = _dynamic_relocations(elf, start, size)
            address = start
        sections.append(Section(s.name, s.data(), endian, s["sh_offset"], address, tuple(relocs)))
    return Container(format=fmt, arch=arch, sections=sections, kind=kind, symbols=tuple(_functions(elf)))


def _is_pie(elf: ELFFile) -> bool:
    """ET_DYN with an interpreter, or with DF_1_PIE, is an executable."""
    if any(seg["p_type"] == "PT_INTERP" for seg in elf.iter_segments()):
        return True
    dynamic = elf.get_section_by_name(".dynamic")
    if dynamic is not None:
        for tag in dynamic.iter_tags():
            if tag.entry.d_tag == "DT_FLAGS_1" and tag.entry.d_val & 0x08000000:  # DF_1_PIE
                return True
    return False


def _functions(elf: ELFFile) -> list[Symbol]:
    table = elf.get_section_by_name(".symtab") or elf.get_section_by_name(".dynsym")
    if not isinstance(table, SymbolTableSection):
        return []
    out = []
    for sym in table.iter_symbols():
        if sym["st_info"]["type"] != "STT_FUNC" or not sym.name:
            continue
        shndx = sym["st_shndx"]
        section = elf.get_section(shndx).name if isinstance(shndx, int) else None
        out.append(Symbol(sym.name, sym["st_value"], section, sym["st_size"]))
    return out


def _symbol(elf: ELFFile, table, index: int) -> tuple[str | None, bool]:
    """(name, is a section symbol) of symbol ``index`` of ``table``."""
    if index == 0 or table is None:
        return None, False
    sym = table.get_symbol(index)
    if sym["st_info"]["type"] == "STT_SECTION":
        return elf.get_section(sym["st_shndx"]).name, True
    return sym.name or None, False


def _static_relocations(elf: ELFFile, target_index: int) -> list[Relocation]:
    out = []
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_info"] != target_index:
            continue
        table = elf.get_section(rs["sh_link"])
        for r in rs.iter_relocations():
            name, is_section = _symbol(elf, table, r["r_info_sym"])
            addend = r["r_addend"] if rs.is_RELA() else None
            out.append(Relocation(r["r_offset"], describe_reloc_type(r["r_info_type"], elf), name, addend, is_section))
    return out


def _dynamic_relocations(elf: ELFFile, start: int, size: int) -> list[Relocation]:
    """Dynamic relocations that patch [start, start+size): in shared objects
    and PIEs the loader writes the function addresses there."""
    out = []
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_type"] not in ("SHT_RELA", "SHT_REL"):
            continue
        if rs["sh_flags"] & 0x2 == 0:  # not SHF_ALLOC: a static relocation section
            continue
        table = elf.get_section(rs["sh_link"]) if rs["sh_link"] else None
        for r in rs.iter_relocations():
            if start <= r["r_offset"] < start + size:
                name, is_section = _symbol(elf, table, r["r_info_sym"])
                addend = r["r_addend"] if rs.is_RELA() else None
                out.append(Relocation(r["r_offset"] - start, describe_reloc_type(r["r_info_type"], elf),
                                      name, addend, is_section))
    return out
