"""ELF objects, executables and shared objects (32- and 64-bit, both byte
orders).

Read with :mod:`struct` straight from the layouts of the ELF specification
(the gABI's ``Elf32_*``/``Elf64_*`` headers, symbols and relocations): only
what stackmaps need — the file header, the section table and names, the
program headers (is an ``ET_DYN`` a PIE?), ``.dynamic``'s ``DT_FLAGS_1``,
the symbol tables, the relocations that patch a stackmap section, and
ppc64's ``.opd``.  Every table and section is checked against the file's
size before it is read (:func:`~.base.check_span`,
:func:`~.base.check_table`); a compressed section inflates within a bound.

pyelftools is not needed to read a file (start-up: importing it costs more
than reading a whole object); it is asked only for the names of machines,
file types and relocation types this module does not list.  The tests check
this reader against pyelftools, readelf and llvm-readobj.
"""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_left
from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

from ..endian import endian_of_flag, struct_prefix
from ..errors import ContainerError
from .base import (
    ELF_MAGIC, MAX_EXPANSION, MAX_EXPANSION_BASE, Container, Relocation, Section, Symbol, check_span, check_table,
    cstring,
)

SECTION_NAME = ".llvm_stackmaps"

_SHF_ALLOC, _SHF_COMPRESSED = 0x2, 0x800
_ELFCOMPRESS_ZLIB = 1
_SHT_PROGBITS, _SHT_SYMTAB, _SHT_RELA, _SHT_DYNAMIC, _SHT_NOBITS, _SHT_REL, _SHT_DYNSYM = 1, 2, 4, 6, 8, 9, 11
_SHT_SUNW_LDYNSYM = 0x6FFFFFF3
_SYMBOL_TABLES = (_SHT_SYMTAB, _SHT_DYNSYM, _SHT_SUNW_LDYNSYM)
_PT_INTERP = 3
_SHN_XINDEX = 0xFFFF
_SPECIAL_SHNDX = (0, 0xFFF1, 0xFFF2)  # SHN_UNDEF, SHN_ABS, SHN_COMMON: no section
_EM_MIPS, _EM_PPC64 = 8, 21

# e_machine -> the architecture names used for register naming.
_ARCH = {62: "x86_64", 183: "aarch64", 21: "ppc64", 22: "s390x", 3: "i386", 40: "arm", 243: "riscv"}
_KIND = {1: "relocatable", 2: "executable", 3: "shared object"}

# The relocation types a stackmap section (or .opd) meets, by e_machine
# (from each architecture's psABI; the names pyelftools and readelf print).
# Others are named by pyelftools, imported then.
_RELOC_NAMES: dict[int, dict[int, str]] = {
    62: {0: "R_X86_64_NONE", 1: "R_X86_64_64", 2: "R_X86_64_PC32", 6: "R_X86_64_GLOB_DAT",
         7: "R_X86_64_JUMP_SLOT", 8: "R_X86_64_RELATIVE", 10: "R_X86_64_32", 11: "R_X86_64_32S",
         24: "R_X86_64_PC64", 37: "R_X86_64_IRELATIVE"},
    3: {0: "R_386_NONE", 1: "R_386_32", 2: "R_386_PC32", 6: "R_386_GLOB_DAT", 7: "R_386_JUMP_SLOT",
        8: "R_386_RELATIVE", 42: "R_386_IRELATIVE"},
    183: {257: "R_AARCH64_ABS64", 258: "R_AARCH64_ABS32", 260: "R_AARCH64_PREL64", 261: "R_AARCH64_PREL32",
          1025: "R_AARCH64_GLOB_DAT", 1026: "R_AARCH64_JUMP_SLOT", 1027: "R_AARCH64_RELATIVE"},
    21: {0: "R_PPC64_NONE", 1: "R_PPC64_ADDR32", 20: "R_PPC64_GLOB_DAT", 21: "R_PPC64_JMP_SLOT",
         22: "R_PPC64_RELATIVE", 26: "R_PPC64_REL32", 38: "R_PPC64_ADDR64", 44: "R_PPC64_REL64",
         248: "R_PPC64_IRELATIVE"},
    20: {0: "R_PPC_NONE", 1: "R_PPC_ADDR32", 20: "R_PPC_GLOB_DAT", 21: "R_PPC_JMP_SLOT", 22: "R_PPC_RELATIVE",
         26: "R_PPC_REL32"},
    22: {0: "R_390_NONE", 4: "R_390_32", 5: "R_390_PC32", 10: "R_390_GLOB_DAT", 11: "R_390_JMP_SLOT",
         12: "R_390_RELATIVE", 22: "R_390_64", 23: "R_390_PC64", 61: "R_390_IRELATIVE"},
    40: {0: "R_ARM_NONE", 2: "R_ARM_ABS32", 3: "R_ARM_REL32", 21: "R_ARM_GLOB_DAT", 22: "R_ARM_JUMP_SLOT",
         23: "R_ARM_RELATIVE", 140: "R_ARM_IRELATIVE"},
    # RISC-V (pyelftools has no names for it; these are the psABI's)
    243: {0: "R_RISCV_NONE", 1: "R_RISCV_32", 2: "R_RISCV_64", 3: "R_RISCV_RELATIVE", 4: "R_RISCV_COPY",
          5: "R_RISCV_JUMP_SLOT", 58: "R_RISCV_IRELATIVE"},
}

# Layouts of the ELF specification, after e_ident (struct codes, one byte order prefix added).
_EHDR = {32: "HHIIIIIHHHHHH", 64: "HHIQQQIHHHHHH"}  # e_type .. e_shstrndx
_SHDR = {32: "IIIIIIIIII", 64: "IIQQQQIIQQ"}  # sh_name, type, flags, addr, offset, size, link, info, addralign, entsize
_PHDR_SIZE = {32: 32, 64: 56}  # p_type is the first word in both
_SYM_FORMAT = {32: ("IIIBBH", (0, 1, 2, 3, 5)), 64: ("IBBHQQ", (0, 4, 5, 1, 3))}  # -> name, value, size, info, shndx
_REL_FORMAT = {(32, False): "II", (32, True): "IIi", (64, False): "QQ", (64, True): "QQq"}
_STT_FUNC, _STT_SECTION = 2, 3


def read_elf(data: bytes) -> Container:
    try:
        return _read(_ELF(data))
    except struct.error as e:  # pragma: no cover - every read is checked against the file's size first
        raise ContainerError(f"malformed ELF file: {e}") from None


class _Sec:
    """One section header."""

    __slots__ = ("index", "name", "type", "flags", "addr", "offset", "size", "link", "info")

    def __init__(self, index: int, fields: tuple[int, ...]):
        self.index = index
        self.name = ""
        _, self.type, self.flags, self.addr, self.offset, self.size, self.link, self.info = fields[:8]


class _ELF:
    """The file header, the section table (with names) and the program
    header types of an ELF file, each checked against the file's size."""

    def __init__(self, data: bytes):
        self.data = data
        size = len(data)
        if size < 16 or data[:4] != ELF_MAGIC:
            raise ContainerError(f"malformed ELF file: the file ({size} bytes) is shorter than an ELF identification (16 bytes)")
        ei_class, ei_data = data[4], data[5]
        if ei_class not in (1, 2):
            raise ContainerError(f"malformed ELF file: invalid EI_CLASS {ei_class}")
        if ei_data not in (1, 2):
            raise ContainerError(f"malformed ELF file: invalid EI_DATA {ei_data}")
        self.elfclass = 32 if ei_class == 1 else 64
        self.little_endian = ei_data == 1
        self.e = struct_prefix(endian_of_flag(self.little_endian))
        header = struct.Struct(self.e + _EHDR[self.elfclass])
        if size < 16 + header.size:
            raise ContainerError(f"malformed ELF file: the file ({size} bytes) is shorter than an ELF{self.elfclass} "
                                 f"header ({16 + header.size} bytes)")
        (self.e_type, self.e_machine, _, _, self.e_phoff, self.e_shoff, _, _, self.e_phentsize, self.e_phnum,
         self.e_shentsize, self.e_shnum, self.e_shstrndx) = header.unpack_from(data, 16)
        self.sections = self._sections()
        self.segment_types = self._segment_types()

    def _sections(self) -> list[_Sec]:
        """Every section header, named; the table is checked first (a
        zero entry size would otherwise read one header 2**64 times)."""
        if not self.e_shoff:
            return []
        shdr = struct.Struct(self.e + _SHDR[self.elfclass])
        size = len(self.data)
        count = self.e_shnum
        if count and self.e_shentsize < shdr.size:
            raise ContainerError(f"e_shentsize {self.e_shentsize} is smaller than a section header ({shdr.size} bytes)")
        if count == 0:  # 0xff00 sections or more: the count is section 0's sh_size
            check_span(size, self.e_shoff, shdr.size, "the section header table")
            count = shdr.unpack_from(self.data, self.e_shoff)[5]
            if count and self.e_shentsize < shdr.size:
                raise ContainerError(f"e_shentsize {self.e_shentsize} is smaller than a section header ({shdr.size} bytes)")
        stride = max(self.e_shentsize, 1)
        check_table(size, self.e_shoff, count, stride, "the section header table")
        if stride == shdr.size:
            headers = list(shdr.iter_unpack(self.data[self.e_shoff:self.e_shoff + count * stride]))
        else:
            headers = [shdr.unpack_from(self.data, self.e_shoff + i * stride) for i in range(count)]
        sections = [_Sec(i, fields) for i, fields in enumerate(headers)]
        strndx = self.e_shstrndx
        if strndx == _SHN_XINDEX and sections:  # the index is section 0's sh_link
            strndx = sections[0].link
        if strndx < len(sections):
            names = self.contents(sections[strndx])
            for s, fields in zip(sections, headers):
                s.name = cstring(names, fields[0])
        return sections

    def _segment_types(self) -> list[int]:
        """p_type of every program header."""
        if not self.e_phoff:
            return []
        count = self.e_phnum
        if count == 0xFFFF:  # PN_XNUM: the count is section 0's sh_info
            count = self.sections[0].info if self.sections else 0
        entry = _PHDR_SIZE[self.elfclass]
        if count and self.e_phentsize < entry:
            raise ContainerError(f"e_phentsize {self.e_phentsize} is smaller than a program header ({entry} bytes)")
        stride = max(self.e_phentsize, 1)
        check_table(len(self.data), self.e_phoff, count, stride, "the program header table")
        word = struct.Struct(self.e + "I")
        return [word.unpack_from(self.data, self.e_phoff + i * stride)[0] for i in range(count)]

    def section(self, index: int, what: str) -> _Sec:
        if not 0 <= index < len(self.sections):
            raise ContainerError(f"{what} names section {index}, but the file has {len(self.sections)} sections")
        return self.sections[index]

    def by_name(self, name: str) -> _Sec | None:
        """The section named ``name`` (the last one, if several are)."""
        found = None
        for s in self.sections:
            if s.name == name:
                found = s
        return found

    def contents(self, s: _Sec, *, required: bool = False) -> bytes:
        """A section's contents, read within the file's bounds: a section
        that runs past the end of the file is an error; SHT_NOBITS has no
        bytes (an error when ``required``: the stackmap section must have
        some); a compressed section is inflated up to a bound set by the
        file's size."""
        what = f"section {s.name or '#?'}"
        if s.type == _SHT_NOBITS:
            if required:
                raise ContainerError(f"{what} is SHT_NOBITS: it declares {s.size} bytes but has none in the file")
            return b""
        check_span(len(self.data), s.offset, s.size, what)
        raw = self.data[s.offset:s.offset + s.size]
        if not s.flags & _SHF_COMPRESSED:
            return raw
        return self._inflate(raw, what)

    def _inflate(self, raw: bytes, what: str) -> bytes:
        fmt = self.e + ("IIQQ" if self.elfclass == 64 else "III")
        head = struct.calcsize(fmt)
        if len(raw) < head:
            raise ContainerError(f"{what} is compressed but too short for its compression header")
        fields = struct.unpack_from(fmt, raw)
        ch_type, ch_size = fields[0], fields[2] if self.elfclass == 64 else fields[1]
        if ch_type != _ELFCOMPRESS_ZLIB:
            raise ContainerError(f"{what} is compressed with ch_type {ch_type}; only zlib (1) is supported")
        limit = MAX_EXPANSION * len(self.data) + MAX_EXPANSION_BASE
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
    arch = _ARCH.get(elf.e_machine) or _enum_name("ENUM_E_MACHINE", elf.e_machine)
    if arch == "riscv":  # one e_machine for both widths
        arch += str(elf.elfclass)
    kind = _KIND.get(elf.e_type) or _enum_name("ENUM_E_TYPE", elf.e_type)
    if kind == "shared object" and _is_pie(elf):
        kind = "PIE executable"
    found = [s for s in elf.sections if s.name == SECTION_NAME]
    if not found:
        hint = ""
        if kind != "relocatable":
            hint = (
                "; if it was linked with --gc-sections, the linker dropped the section"
                " unless a linker script KEEPs it (KEEP(*(.llvm_stackmaps)))"
            )
        raise ContainerError(f"no {SECTION_NAME} section in this {fmt} {kind}{hint}")
    tables = _Tables(elf)
    sections = []
    for s in found:
        if kind == "relocatable":
            relocs = _static_relocations(elf, tables, s.index)
            address = None
        else:
            relocs = _dynamic_relocations(elf, tables, s.addr, s.size)
            address = s.addr
        sections.append(Section(s.name, elf.contents(s, required=True), endian, s.offset, address, tuple(relocs)))
    entries = _code_entries(elf, tables) if kind != "relocatable" else {}
    return Container(format=fmt, arch=arch, sections=sections, kind=kind, symbols=tuple(_functions(elf, tables)),
                     code_entries=entries)


def _enum_name(enum: str, value: int) -> str:
    """pyelftools' name for a value it knows (``EM_MIPS``), else the number."""
    from elftools.elf import enums  # only for machines and file types listed nowhere here

    names = {v: k for k, v in getattr(enums, enum).items() if k != "_default_"}
    return names.get(value, str(value))


_DESCRIPTOR = 24  # ppc64 ELFv1 function descriptor: code entry, TOC base, environment (u64 each)


def _code_entries(elf: _ELF, tables: "_Tables") -> dict[int, int]:
    """ppc64 ELFv1 images: each ``.opd`` descriptor's address -> its code
    entry.  (ELFv2, ppc64le's ABI, has no descriptors and no ``.opd``.)"""
    if elf.e_machine != _EM_PPC64 or elf.elfclass != 64:
        return {}
    opd = elf.by_name(".opd")
    if opd is None or opd.type != _SHT_PROGBITS:
        return {}
    data = elf.contents(opd)
    start = opd.addr
    fmt = elf.e + "Q"
    # Shared objects and PIEs: the loader writes the entry (base + addend of
    # an R_PPC64_RELATIVE); the field in the file holds 0.
    relative = {r.offset: r.addend for r in _dynamic_relocations(elf, tables, start, opd.size)
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
    if _PT_INTERP in elf.segment_types:
        return True
    dynamic = elf.by_name(".dynamic")
    if dynamic is None or dynamic.type != _SHT_DYNAMIC:
        return False  # a section merely named .dynamic says nothing
    fmt = elf.e + ("qQ" if elf.elfclass == 64 else "iI")
    raw = elf.contents(dynamic)
    raw = raw[:len(raw) - len(raw) % struct.calcsize(fmt)]
    for tag, value in struct.iter_unpack(fmt, raw):
        if tag == 0:  # DT_NULL ends the array
            break
        if tag == _DT_FLAGS_1 and value & _DF_1_PIE:
            return True
    return False


def _functions(elf: _ELF, tables: "_Tables") -> list[Symbol]:
    table = elf.by_name(".symtab") or elf.by_name(".dynsym")
    if table is None or table.type not in _SYMBOL_TABLES:
        return []
    out = []
    for name, value, size, info, shndx in tables.symbols(table):
        if info & 0xF != _STT_FUNC or not name:
            continue
        out.append(Symbol(name, value, tables.section_name(shndx), size))
    return out


# Symbol and relocation tables are read in bulk (struct.iter_unpack over the
# section's bytes): a large object has tens of thousands of function symbols
# and stackmap relocations.

class _Tables:
    """The symbol tables of one file, each read once, and section names by
    a symbol's st_shndx (None for SHN_UNDEF, SHN_ABS, SHN_COMMON and
    indices beyond the section table)."""

    def __init__(self, elf: _ELF):
        self.elf = elf
        self._symbols: dict[int, list[tuple[str, int, int, int, int]]] = {}
        self._reloc_names: dict[int, str] = {}
        self._by_target: dict[int, list[_Sec]] | None = None
        self._dynamic: tuple[list[tuple[int, int, int, int | None, _Sec | None]], list[int]] | None = None

    def symbols(self, table: _Sec) -> list[tuple[str, int, int, int, int]]:
        """Every entry of a symbol table: (name, value, size, info, shndx)."""
        entries = self._symbols.get(table.index)
        if entries is None:
            elf = self.elf
            fmt, order = _SYM_FORMAT[elf.elfclass]
            fmt = elf.e + fmt
            data = elf.contents(table)
            size = struct.calcsize(fmt)
            data = data[:len(data) - len(data) % size]
            strings = elf.contents(elf.section(table.link, f"the symbol table {table.name or '#?'}"))
            entries = []
            for fields in struct.iter_unpack(fmt, data):
                name_at, value, size_, info, shndx = (fields[i] for i in order)
                entries.append((cstring(strings, name_at), value, size_, info, shndx))
            self._symbols[table.index] = entries
        return entries

    def relocation_sections(self, target: int) -> list[_Sec]:
        """The REL and RELA sections that patch section ``target`` (found in
        one pass: a file may hold many stackmap sections)."""
        if self._by_target is None:
            self._by_target = {}
            for rs in self.elf.sections:
                if rs.type in (_SHT_REL, _SHT_RELA):
                    self._by_target.setdefault(rs.info, []).append(rs)
        return self._by_target.get(target, [])

    def dynamic(self) -> tuple[list[tuple[int, int, int, int | None, _Sec | None]], list[int]]:
        """Every dynamic relocation (those of SHF_ALLOC REL and RELA
        sections) as (offset, type, symbol index, addend, symbol table),
        by offset, and their offsets: read once, then each stackmap section
        (and .opd) takes its range."""
        if self._dynamic is None:
            entries = []
            for rs in self.elf.sections:
                if rs.type not in (_SHT_REL, _SHT_RELA) or not rs.flags & _SHF_ALLOC:
                    continue  # not SHF_ALLOC: a static relocation section
                table = self.elf.section(rs.link, f"the relocations {rs.name or '#?'}") if rs.link else None
                entries += [(offset, kind, sym, addend, table) for offset, kind, sym, addend in _relocations(self.elf, rs)]
            entries.sort(key=itemgetter(0))  # stable: entries at one offset keep the file's order
            self._dynamic = (entries, [e[0] for e in entries])
        return self._dynamic

    def section_name(self, index: int) -> str | None:
        if index in _SPECIAL_SHNDX or index >= len(self.elf.sections):
            return None
        return self.elf.sections[index].name

    def symbol(self, table: _Sec | None, index: int) -> tuple[str | None, bool]:
        """(name, is a section symbol) of symbol ``index`` of ``table``."""
        if index == 0 or table is None:
            return None, False
        entries = self.symbols(table)
        if index >= len(entries):
            raise ContainerError(f"a relocation refers to symbol {index}, but {table.name or 'its symbol table'} "
                                 f"has {len(entries)} entries")
        name, _, _, info, shndx = entries[index]
        if info & 0xF == _STT_SECTION:
            return self.section_name(shndx), True
        return name or None, False

    def reloc_name(self, number: int) -> str:
        name = self._reloc_names.get(number)
        if name is None:
            name = _RELOC_NAMES.get(self.elf.e_machine, {}).get(number) or _describe_reloc(self.elf, number)
            self._reloc_names[number] = name
        return name


class _Machine:
    """What pyelftools' describe_reloc_type asks of its ELF file."""

    _ARCH = {3: "x86", 62: "x64", 40: "ARM", 183: "AArch64", 21: "64-bit PowerPC", 20: "PowerPC", 22: "IBM S/390",
             8: "MIPS", 258: "LoongArch"}

    def __init__(self, machine: int):
        self.machine = machine

    def get_machine_arch(self) -> str:
        return self._ARCH.get(self.machine, "")


def _describe_reloc(elf: _ELF, number: int) -> str:
    """pyelftools' name of a relocation type not listed here."""
    from elftools.elf.descriptions import describe_reloc_type

    return describe_reloc_type(number, _Machine(elf.e_machine))  # type: ignore[arg-type]


def _relocations(elf: _ELF, rs: _Sec) -> Iterator[tuple[int, int, int, int | None]]:
    """(offset, type, symbol index, addend or None) of every relocation."""
    rela = rs.type == _SHT_RELA
    data = elf.contents(rs)
    if elf.e_machine == _EM_MIPS and elf.elfclass == 64:
        # MIPS64 splits r_info: a 32-bit symbol index, then ssym, type3,
        # type2 and type, one byte each, in this order in either byte order.
        fmt = elf.e + ("QIBBBBq" if rela else "QIBBBB")
        size = struct.calcsize(fmt)
        for entry in struct.iter_unpack(fmt, data[:len(data) - len(data) % size]):
            yield entry[0], entry[5], entry[1], entry[6] if rela else None
        return
    fmt = elf.e + _REL_FORMAT[elf.elfclass, rela]
    size = struct.calcsize(fmt)
    data = data[:len(data) - len(data) % size]
    shift, mask = (32, 0xFFFFFFFF) if elf.elfclass == 64 else (8, 0xFF)
    for entry in struct.iter_unpack(fmt, data):
        info = entry[1]
        yield entry[0], info & mask, info >> shift, entry[2] if rela else None


def _static_relocations(elf: _ELF, tables: _Tables, target_index: int) -> list[Relocation]:
    out = []
    for rs in tables.relocation_sections(target_index):
        table = elf.section(rs.link, f"the relocations {rs.name or '#?'}")
        for offset, kind, sym, addend in _relocations(elf, rs):
            name, is_section = tables.symbol(table, sym)
            out.append(Relocation(offset, tables.reloc_name(kind), name, addend, is_section))
    return out


def _dynamic_relocations(elf: _ELF, tables: _Tables, start: int, size: int) -> list[Relocation]:
    """Dynamic relocations that patch [start, start+size): in shared objects
    and PIEs the loader writes the function addresses there."""
    out = []
    entries, offsets = tables.dynamic()
    for i in range(bisect_left(offsets, start), bisect_left(offsets, start + size)):
        offset, kind, sym, addend, table = entries[i]
        name, is_section = tables.symbol(table, sym)
        out.append(Relocation(offset - start, tables.reloc_name(kind), name, addend, is_section))
    return out
