"""A minimal relocatable ELF64 object holding one ``.llvm_stackmaps`` section.

What ``gen --container elf`` writes, so that a generated blob can be fed to
tools that read object files (``llvm-readobj --stackmap``, a runtime's own
loader).  The file has three sections: the null section, ``.llvm_stackmaps``
(SHT_PROGBITS, SHF_ALLOC, 8-byte aligned, as llc emits it) and the section
name table.  Machine, byte order and flags come from the target triple, as
llc writes them for that triple.

The layout is declared with construct, like the stackmap format; the field
names are those of the System V ABI (``Elf64_Ehdr``, ``Elf64_Shdr``).
"""

from __future__ import annotations

from ..endian import struct_prefix

from dataclasses import dataclass
from functools import lru_cache

from construct import Array, Bytes, Const, FormatField, Padding, Struct, this

from ..errors import ContainerError
from .elf import SECTION_NAME


@dataclass(frozen=True)
class ElfTarget:
    machine: int  #: e_machine
    endian: str  #: "little" or "big"
    flags: int  #: e_flags, as llc 14 writes them for relocatable objects


# Architecture (first part of the triple) -> what llc 14 writes.
_TARGETS = {
    "x86_64": ElfTarget(62, "little", 0),  # EM_X86_64
    "aarch64": ElfTarget(183, "little", 0),  # EM_AARCH64
    "aarch64_be": ElfTarget(183, "big", 0),
    "powerpc64": ElfTarget(21, "big", 0),  # EM_PPC64, ELFv1 (llc leaves the ABI version 0)
    "powerpc64le": ElfTarget(21, "little", 2),  # EM_PPC64, ELFv2
    "s390x": ElfTarget(22, "big", 0),  # EM_S390
    "riscv64": ElfTarget(243, "little", 0),  # EM_RISCV
}
_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "ppc64": "powerpc64", "ppc64le": "powerpc64le", "systemz": "s390x"}

SHT_PROGBITS, SHT_STRTAB = 1, 3
SHF_ALLOC = 0x2
ET_REL = 1
EHDR_SIZE = 64
SHDR_SIZE = 64


def elf_target(triple: str) -> ElfTarget:
    """Machine, byte order and flags for ``triple`` (e.g. ``s390x-linux-gnu``)."""
    arch = triple.split("-", 1)[0].lower()
    arch = _ALIASES.get(arch, arch)
    if arch not in _TARGETS:
        known = ", ".join(sorted(_TARGETS))
        raise ContainerError(f"cannot write an ELF object for triple {triple!r}: unknown architecture {arch!r} "
                             f"(known: {known})")
    return _TARGETS[arch]


@lru_cache(maxsize=None)
def _layout(endian: str):
    e = struct_prefix(endian)
    u8, u16, u32, u64 = (FormatField(e, c) for c in "BHLQ")
    ident = Struct(
        "magic" / Const(b"\x7fELF"),
        "ei_class" / Const(2, u8),  # ELFCLASS64
        "ei_data" / Const(1 if endian == "little" else 2, u8),  # ELFDATA2LSB / ELFDATA2MSB
        "ei_version" / Const(1, u8),  # EV_CURRENT
        "ei_osabi" / Const(0, u8),  # ELFOSABI_NONE (System V)
        "ei_abiversion" / Const(0, u8),
        Padding(7),
    )
    ehdr = Struct(
        "e_ident" / ident,
        "e_type" / u16,
        "e_machine" / u16,
        "e_version" / Const(1, u32),
        "e_entry" / u64,
        "e_phoff" / u64,
        "e_shoff" / u64,
        "e_flags" / u32,
        "e_ehsize" / Const(EHDR_SIZE, u16),
        "e_phentsize" / u16,
        "e_phnum" / u16,
        "e_shentsize" / Const(SHDR_SIZE, u16),
        "e_shnum" / u16,
        "e_shstrndx" / u16,
    )
    shdr = Struct(
        "sh_name" / u32,
        "sh_type" / u32,
        "sh_flags" / u64,
        "sh_addr" / u64,
        "sh_offset" / u64,
        "sh_size" / u64,
        "sh_link" / u32,
        "sh_info" / u32,
        "sh_addralign" / u64,
        "sh_entsize" / u64,
    )
    return Struct(
        "header" / ehdr,
        "contents" / Bytes(this.header.e_shoff - EHDR_SIZE),
        "sections" / Array(this.header.e_shnum, shdr),
    )


def _section(name: int, type_: int, flags: int, offset: int, size: int, align: int) -> dict:
    return dict(sh_name=name, sh_type=type_, sh_flags=flags, sh_addr=0, sh_offset=offset, sh_size=size,
                sh_link=0, sh_info=0, sh_addralign=align, sh_entsize=0)


def _pad(data: bytes, alignment: int) -> bytes:
    return data + bytes(-len(data) % alignment)


def write_elf(blob: bytes, triple: str) -> bytes:
    """A relocatable ELF64 object for ``triple`` whose ``.llvm_stackmaps``
    section holds ``blob`` (already in the target's byte order)."""
    target = elf_target(triple)
    names = b"\0" + SECTION_NAME.encode() + b"\0.shstrtab\0"
    stackmaps_name, shstrtab_name = 1, len(SECTION_NAME) + 2
    stackmaps_offset = EHDR_SIZE  # 64 is a multiple of the section's 8-byte alignment
    shstrtab_offset = stackmaps_offset + len(blob)
    contents = _pad(bytes(blob) + names, 8)  # section headers are 8-byte aligned
    sections = [
        _section(0, 0, 0, 0, 0, 0),
        _section(stackmaps_name, SHT_PROGBITS, SHF_ALLOC, stackmaps_offset, len(blob), 8),
        _section(shstrtab_name, SHT_STRTAB, 0, shstrtab_offset, len(names), 1),
    ]
    header = dict(
        e_ident={}, e_type=ET_REL, e_machine=target.machine, e_entry=0, e_phoff=0,
        e_shoff=EHDR_SIZE + len(contents), e_flags=target.flags, e_phentsize=0, e_phnum=0,
        e_shnum=len(sections), e_shstrndx=2,
    )
    return _layout(target.endian).build(dict(header=header, contents=contents, sections=sections))
