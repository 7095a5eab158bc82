"""ELF objects, executables and shared objects, through pyelftools."""

from __future__ import annotations

import io

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from ..errors import ContainerError
from .base import Container, Section

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
        elf = ELFFile(io.BytesIO(data))
        endian = "little" if elf.little_endian else "big"
        sections = [
            Section(s.name, s.data(), endian, s["sh_offset"])
            for s in elf.iter_sections()
            if s.name == SECTION_NAME
        ]
        fmt = f"ELF{elf.elfclass}"
        arch = _ARCH.get(elf["e_machine"], str(elf["e_machine"]))
        kind = _KIND.get(elf["e_type"], str(elf["e_type"]))
    except (ELFError, ValueError, KeyError, AssertionError) as e:
        # pyelftools reports malformed files with several exception types.
        raise ContainerError(f"malformed ELF file: {e}") from None
    if not sections:
        hint = ""
        if kind != "relocatable":
            hint = (
                "; if it was linked with --gc-sections, the linker dropped the section"
                " unless a linker script KEEPs it (KEEP(*(.llvm_stackmaps)))"
            )
        raise ContainerError(f"no {SECTION_NAME} section in this {fmt} {kind}{hint}")
    return Container(format=fmt, arch=arch, sections=sections, kind=kind)
