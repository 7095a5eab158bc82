"""ELF objects, executables and shared objects, through pyelftools."""

from __future__ import annotations

from ..endian import endian_of_flag, struct_prefix

import io
import struct
import zlib

from elftools.common.exceptions import ELFError
from elftools.elf.descriptions import describe_reloc_type
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_ST_SHNDX
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from ..errors import ContainerError
from .base import MAX_EXPANSION, MAX_EXPANSION_BASE, Container, Relocation, Section, Symbol, check_span, check_table, cstring

_SHF_COMPRESSED = 0x800
_ELFCOMPRESS_ZLIB = 1

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
    elf = None
    try:
        elf = _ELF(data)
        _check_tables(elf, len(data))
        return _read(elf)
    except (ELFError, ValueError, KeyError, AssertionError, IndexError, OverflowError, ZeroDivisionError,
            struct.error) as e:
        # pyelftools reports malformed files with several exception types.
        raise ContainerError(f"malformed ELF file: {' '.join(str(e).split()) or type(e).__name__}") from None
    finally:
        if elf is not None:
            elf.release()


class _ELF(ELFFile):
    """pyelftools' reader, which also keeps the file's bytes: section
    contents are sliced from them within bounds (see :func:`_bytes`)."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.file_data = data

    def release(self) -> None:
        """Let go of the file's bytes now: pyelftools' objects refer to one
        another, so without this they (and the bytes) would live until the
        cyclic collector runs, through the parse of the sections cut out."""
        self.stream.close()
        self.file_data = b""


def _check_tables(elf: _ELF, size: int) -> None:
    """The section and program header tables lie within the file, with
    entries of at least their real size, before anything walks them (a
    zero entry size would make pyelftools read one header 2**64 times)."""
    ehdr = elf.header
    shdr_size = elf.structs.Elf_Shdr.sizeof()
    phdr_size = elf.structs.Elf_Phdr.sizeof()
    if ehdr["e_shoff"]:
        count = elf.num_sections()
        if count and ehdr["e_shentsize"] < shdr_size:
            raise ContainerError(f"e_shentsize {ehdr['e_shentsize']} is smaller than a section header ({shdr_size} bytes)")
        check_table(size, ehdr["e_shoff"], count, max(ehdr["e_shentsize"], 1), "the section header table")
    if ehdr["e_phoff"]:
        count = elf.num_segments()
        if count and ehdr["e_phentsize"] < phdr_size:
            raise ContainerError(f"e_phentsize {ehdr['e_phentsize']} is smaller than a program header ({phdr_size} bytes)")
        check_table(size, ehdr["e_phoff"], count, max(ehdr["e_phentsize"], 1), "the program header table")


def _bytes(elf: _ELF, s, *, required: bool = False) -> bytes:
    """A section's contents, read within the file's bounds: a section that
    runs past the end of the file is an error; SHT_NOBITS has no bytes
    (an error when ``required``: the stackmap section must have some); a
    compressed section is inflated up to a bound set by the file's size."""
    what = f"section {s.name or '#?'}"
    if s["sh_type"] == "SHT_NOBITS":
        if required:
            raise ContainerError(f"{what} is SHT_NOBITS: it declares {s['sh_size']} bytes but has none in the file")
        return b""
    data = elf.file_data
    offset, size = s["sh_offset"], s["sh_size"]
    check_span(len(data), offset, size, what)
    raw = data[offset:offset + size]
    if not s["sh_flags"] & _SHF_COMPRESSED:
        return raw
    return _inflate(elf, raw, what, len(data))


def _inflate(elf: _ELF, raw: bytes, what: str, file_size: int) -> bytes:
    e = "<" if elf.little_endian else ">"
    fmt = e + ("IIQQ" if elf.elfclass == 64 else "III")
    head = struct.calcsize(fmt)
    if len(raw) < head:
        raise ContainerError(f"{what} is compressed but too short for its compression header")
    fields = struct.unpack_from(fmt, raw)
    ch_type, ch_size = fields[0], fields[2] if elf.elfclass == 64 else fields[1]
    if ch_type != _ELFCOMPRESS_ZLIB:
        raise ContainerError(f"{what} is compressed with ch_type {ch_type}; only zlib (1) is supported")
    limit = MAX_EXPANSION * file_size + MAX_EXPANSION_BASE
    if ch_size > limit:
        raise ContainerError(f"{what} declares {ch_size} bytes uncompressed, more than {MAX_EXPANSION} times "
                             f"the file's size: refused")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw[head:], ch_size + 1)
    except zlib.error as exc:
        raise ContainerError(f"{what}: bad zlib stream: {exc}") from None
    if len(out) > ch_size:
        raise ContainerError(f"{what}: zlib stream inflates to more than the {ch_size} bytes its header declares")
    if not inflater.eof:
        raise ContainerError(f"{what}: zlib stream ends early, after {len(out)} of {ch_size} bytes")
    if len(out) != ch_size:
        raise ContainerError(f"{what}: zlib stream inflates to {len(out)} bytes, its header declares {ch_size}")
    return out


def _read(elf: _ELF) -> Container:
    endian = endian_of_flag(elf.little_endian)
    fmt = f"ELF{elf.elfclass}"
    arch = _ARCH.get(elf["e_machine"], str(elf["e_machine"]))
    if arch == "riscv":  # one e_machine for both widths
        arch += str(elf.elfclass)
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
        sections.append(Section(s.name, _bytes(elf, s, required=True), endian, s["sh_offset"], address,
                                tuple(relocs)))
    entries = _code_entries(elf) if kind != "relocatable" else {}
    return Container(format=fmt, arch=arch, sections=sections, kind=kind, symbols=tuple(_functions(elf)),
                     code_entries=entries)


_DESCRIPTOR = 24  # ppc64 ELFv1 function descriptor: code entry, TOC base, environment (u64 each)


def _code_entries(elf: _ELF) -> dict[int, int]:
    """ppc64 ELFv1 images: each ``.opd`` descriptor's address -> its code
    entry.  (ELFv2, ppc64le's ABI, has no descriptors and no ``.opd``.)"""
    if elf["e_machine"] != "EM_PPC64" or elf.elfclass != 64:
        return {}
    opd = elf.get_section_by_name(".opd")
    if opd is None or opd["sh_type"] != "SHT_PROGBITS":
        return {}
    data = _bytes(elf, opd)
    start = opd["sh_addr"]
    fmt = struct_prefix(endian_of_flag(elf.little_endian)) + "Q"
    # Shared objects and PIEs: the loader writes the entry (base + addend of
    # an R_PPC64_RELATIVE); the field in the file holds 0.
    relative = {r.offset: r.addend for r in _dynamic_relocations(elf, start, opd["sh_size"])
                if r.type.endswith("RELATIVE") and r.symbol is None and r.addend is not None}
    entries = {}
    for at in range(0, len(data) - _DESCRIPTOR + 1, _DESCRIPTOR):
        entry = relative.get(at) or struct.unpack_from(fmt, data, at)[0]
        if entry:  # 0: not known here
            entries[start + at] = entry
    return entries


_DT_FLAGS_1, _DF_1_PIE = 0x6FFFFFFB, 0x08000000


def _is_pie(elf: _ELF) -> bool:
    """ET_DYN with an interpreter, or with DF_1_PIE, is an executable."""
    if any(seg["p_type"] == "PT_INTERP" for seg in elf.iter_segments()):
        return True
    dynamic = elf.get_section_by_name(".dynamic")
    if dynamic is None or dynamic["sh_type"] != "SHT_DYNAMIC":
        return False  # a section merely named .dynamic says nothing
    fmt = ("<" if elf.little_endian else ">") + ("qQ" if elf.elfclass == 64 else "iI")
    raw = _bytes(elf, dynamic)
    raw = raw[:len(raw) - len(raw) % struct.calcsize(fmt)]
    for tag, value in struct.iter_unpack(fmt, raw):
        if tag == 0:  # DT_NULL ends the array
            break
        if tag == _DT_FLAGS_1 and value & _DF_1_PIE:
            return True
    return False


def _functions(elf: _ELF) -> list[Symbol]:
    table = elf.get_section_by_name(".symtab") or elf.get_section_by_name(".dynsym")
    if not isinstance(table, SymbolTableSection):
        return []
    out = []
    sections = _SectionNames(elf)
    for name, value, size, info, shndx in _Symbols.of(elf, table).entries:
        if info & 0xF != _STT_FUNC or not name:
            continue
        out.append(Symbol(name, value, sections.of_index(shndx), size))
    return out


# Symbol and relocation tables are read in bulk (struct.iter_unpack over the
# section's bytes, the entry layouts of the ELF specification) rather than
# entry by entry through pyelftools, which takes ~50 µs per entry: a large
# object has tens of thousands of function symbols and stackmap relocations.
_STT_FUNC, _STT_SECTION = 2, 3
_SYM_FORMAT = {32: ("IIIBBH", (0, 1, 2, 3, 5)), 64: ("IBBHQQ", (0, 4, 5, 1, 3))}  # -> name, value, size, info, shndx
_REL_FORMAT = {(32, False): "II", (32, True): "IIi", (64, False): "QQ", (64, True): "QQq"}


class _SectionNames:
    """Section names by index, as pyelftools reports st_shndx: None for the
    special indices it names (SHN_UNDEF, SHN_ABS, ...)."""

    def __init__(self, elf: _ELF):
        self.elf = elf
        self.names: dict[int, str | None] = {value: None for value in ENUM_ST_SHNDX.values()}

    def of_index(self, index: int) -> str | None:
        if index not in self.names:
            self.names[index] = self.elf.get_section(index).name
        return self.names[index]


class _Symbols:
    """Every entry of a symbol table: (name, value, size, info, shndx)."""

    def __init__(self, elf: _ELF, table: SymbolTableSection):
        fmt, order = _SYM_FORMAT[elf.elfclass]
        fmt = struct_prefix(endian_of_flag(elf.little_endian)) + fmt
        data = _bytes(elf, table)
        size = struct.calcsize(fmt)
        data = data[:len(data) - len(data) % size]
        strings = _bytes(elf, elf.get_section(table["sh_link"]))
        entries = []
        for fields in struct.iter_unpack(fmt, data):
            name_at, value, size_, info, shndx = (fields[i] for i in order)
            entries.append((cstring(strings, name_at), value, size_, info, shndx))
        self.entries = entries

    @classmethod
    def of(cls, elf: _ELF, table: SymbolTableSection) -> "_Symbols":
        # Read once per section object (one per relocation section's walk).
        cached = getattr(table, "_stackmap_construct_symbols", None)
        if cached is None:
            cached = cls(elf, table)
            # pyelftools sections are unhashable (no weak-keyed cache): an
            # attribute of our own on the section object.
            setattr(table, "_stackmap_construct_symbols", cached)
        return cached


def _symbol(elf: _ELF, table, index: int, sections: _SectionNames) -> tuple[str | None, bool]:
    """(name, is a section symbol) of symbol ``index`` of ``table``."""
    if index == 0 or table is None:
        return None, False
    entries = _Symbols.of(elf, table).entries
    if index >= len(entries):
        raise ContainerError(f"a relocation refers to symbol {index}, but {table.name or 'its symbol table'} "
                             f"has {len(entries)} entries")
    name, _, _, info, shndx = entries[index]
    if info & 0xF == _STT_SECTION:
        return sections.of_index(shndx), True
    return name or None, False


def _relocations(elf: _ELF, rs: RelocationSection):
    """(offset, type, symbol index, addend or None) of every relocation."""
    rela = rs.is_RELA()
    if elf["e_machine"] == "EM_MIPS":  # MIPS64 packs r_info differently: pyelftools knows how
        _bytes(elf, rs)  # within the file
        for r in rs.iter_relocations():
            yield r["r_offset"], r["r_info_type"], r["r_info_sym"], r["r_addend"] if rela else None
        return
    fmt = struct_prefix(endian_of_flag(elf.little_endian)) + _REL_FORMAT[elf.elfclass, rela]
    size = struct.calcsize(fmt)
    data = _bytes(elf, rs)
    data = data[:len(data) - len(data) % size]
    shift, mask = (32, 0xFFFFFFFF) if elf.elfclass == 64 else (8, 0xFF)
    for entry in struct.iter_unpack(fmt, data):
        info = entry[1]
        yield entry[0], info & mask, info >> shift, entry[2] if rela else None


class _RelocTypes(dict):
    def __init__(self, elf: _ELF):
        super().__init__()
        self.elf = elf

    def __missing__(self, number: int) -> str:
        name = self[number] = describe_reloc_type(number, self.elf)
        return name


def _static_relocations(elf: _ELF, target_index: int) -> list[Relocation]:
    out = []
    sections = _SectionNames(elf)
    types = _RelocTypes(elf)
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_info"] != target_index:
            continue
        table = elf.get_section(rs["sh_link"])
        for offset, kind, sym, addend in _relocations(elf, rs):
            name, is_section = _symbol(elf, table, sym, sections)
            out.append(Relocation(offset, types[kind], name, addend, is_section))
    return out


def _dynamic_relocations(elf: _ELF, start: int, size: int) -> list[Relocation]:
    """Dynamic relocations that patch [start, start+size): in shared objects
    and PIEs the loader writes the function addresses there."""
    out = []
    sections = _SectionNames(elf)
    types = _RelocTypes(elf)
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_type"] not in ("SHT_RELA", "SHT_REL"):
            continue
        if rs["sh_flags"] & 0x2 == 0:  # not SHF_ALLOC: a static relocation section
            continue
        table = elf.get_section(rs["sh_link"]) if rs["sh_link"] else None
        for offset, kind, sym, addend in _relocations(elf, rs):
            if start <= offset < start + size:
                name, is_section = _symbol(elf, table, sym, sections)
                out.append(Relocation(offset - start, types[kind], name, addend, is_section))
    return out
