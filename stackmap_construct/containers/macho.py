"""Mach-O objects and linked images (64-bit, little-endian: x86_64, arm64).

Declared with construct, covering only what stackmaps need: the header, the
LC_SEGMENT_64 sections, LC_SYMTAB's symbols and the section relocations.
The stackmap section is ``__llvm_stackmaps`` of segment ``__LLVM_STACKMAPS``
(unnamed segment in MH_OBJECT files).
"""

from __future__ import annotations

from construct import (
    Array, Bytes, ConstructError, Int8ul, Int16ul, Int32sl, Int32ul, Int64ul, PaddedString, Struct, Switch, this,
)

from ..errors import ContainerError
from .base import Container, Relocation, Section, Symbol, check_span, check_table, cstring, one_line
from .base import MACHO_MAGIC_64 as MAGIC_64
SECTION_NAME = "__llvm_stackmaps"
SEGMENT_NAME = "__LLVM_STACKMAPS"

LC_SEGMENT_64 = 0x19
LC_SYMTAB = 0x2
N_TYPE, N_SECT, N_STAB = 0x0E, 0x0E, 0xE0

_CPU = {0x01000007: "x86_64", 0x0100000C: "aarch64"}
_FILETYPE = {1: "relocatable", 2: "executable", 6: "shared object", 8: "bundle"}
_RELOC_TYPES = {
    "x86_64": {0: "X86_64_RELOC_UNSIGNED", 1: "X86_64_RELOC_SIGNED", 2: "X86_64_RELOC_BRANCH"},
    "aarch64": {0: "ARM64_RELOC_UNSIGNED", 1: "ARM64_RELOC_SUBTRACTOR", 2: "ARM64_RELOC_BRANCH26"},
}

mach_header_64 = Struct(
    "magic" / Bytes(4),
    "cputype" / Int32ul,
    "cpusubtype" / Int32ul,
    "filetype" / Int32ul,
    "ncmds" / Int32ul,
    "sizeofcmds" / Int32ul,
    "flags" / Int32ul,
    "reserved" / Int32ul,
)

section_64 = Struct(
    "sectname" / PaddedString(16, "ascii"),
    "segname" / PaddedString(16, "ascii"),
    "addr" / Int64ul,
    "size" / Int64ul,
    "offset" / Int32ul,
    "align" / Int32ul,
    "reloff" / Int32ul,
    "nreloc" / Int32ul,
    "flags" / Int32ul,
    "reserved1" / Int32ul,
    "reserved2" / Int32ul,
    "reserved3" / Int32ul,
)

load_command = Struct(
    "cmd" / Int32ul,
    "cmdsize" / Int32ul,
    "body" / Switch(this.cmd, {
        LC_SEGMENT_64: Struct(
            "segname" / PaddedString(16, "ascii"),
            "vmaddr" / Int64ul, "vmsize" / Int64ul, "fileoff" / Int64ul, "filesize" / Int64ul,
            "maxprot" / Int32ul, "initprot" / Int32ul, "nsects" / Int32ul, "flags" / Int32ul,
            "sections" / Array(this.nsects, section_64),
        ),
        LC_SYMTAB: Struct("symoff" / Int32ul, "nsyms" / Int32ul, "stroff" / Int32ul, "strsize" / Int32ul),
    }),
    "rest" / Bytes(lambda this: this.cmdsize - 8 - _body_size(this)),
)

nlist_64 = Struct("n_strx" / Int32ul, "n_type" / Int8ul, "n_sect" / Int8ul, "n_desc" / Int16ul, "n_value" / Int64ul)

# relocation_info: r_address, then a bitfield word (r_symbolnum:24, r_pcrel:1,
# r_length:2, r_extern:1, r_type:4 from the low bit up), read as a u32 and
# split, since construct's BitStruct counts bits from the high end.
relocation_info = Struct("r_address" / Int32sl, "r_word" / Int32ul)


def _body_size(ctx) -> int:
    if ctx.cmd == LC_SEGMENT_64:
        return 64 + 80 * ctx.body.nsects
    if ctx.cmd == LC_SYMTAB:
        return 16
    return 0


S_ZEROFILL_TYPES = (0x1, 0xC, 0x12)  # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL: no bytes in the file


def read_macho(data: bytes) -> Container:
    if data[:4] != MAGIC_64:
        raise ContainerError("only 64-bit little-endian Mach-O files (x86_64, arm64) are supported")
    try:
        return _read(data)
    except (ConstructError, ValueError, IndexError) as e:
        raise ContainerError(f"malformed Mach-O file: {one_line(e)}") from None


def _commands(data: bytes, header) -> list:
    """The load commands, each parsed from exactly its own cmdsize bytes."""
    start = mach_header_64.sizeof()
    check_span(len(data), start, header.sizeofcmds, "the load commands")
    end = start + header.sizeofcmds
    commands, pos = [], start
    for i in range(header.ncmds):
        if pos + 8 > end:
            raise ContainerError(f"load command {i} of {header.ncmds} lies past sizeofcmds ({header.sizeofcmds})")
        cmd, size = int.from_bytes(data[pos:pos + 4], "little"), int.from_bytes(data[pos + 4:pos + 8], "little")
        if size < 8 or pos + size > end:
            raise ContainerError(f"load command {i} at offset {pos} has cmdsize {size}, "
                                 f"outside 8..{end - pos} (the rest of sizeofcmds)")
        if cmd == LC_SEGMENT_64 and size >= 72:
            nsects = int.from_bytes(data[pos + 64:pos + 68], "little")
            if 72 + 80 * nsects > size:
                raise ContainerError(f"load command {i} (LC_SEGMENT_64) declares {nsects} sections, "
                                     f"more than its cmdsize {size} holds")
        try:
            commands.append(load_command.parse(data[pos:pos + size]))
        except ConstructError as e:
            raise ContainerError(f"load command {i} at offset {pos}: {one_line(e)}") from None
        pos += size
    return commands


def _read(data: bytes) -> Container:
    if len(data) < mach_header_64.sizeof():
        raise ContainerError(f"the file ({len(data)} bytes) is shorter than a Mach-O header (32 bytes)")
    header = mach_header_64.parse(data)
    commands = _commands(data, header)
    arch = _CPU.get(header.cputype, hex(header.cputype))
    kind = _FILETYPE.get(header.filetype, f"filetype {header.filetype}")
    sections = [s for c in commands if c.cmd == LC_SEGMENT_64 for s in c.body.sections]
    symbols = _symbols(data, commands, sections)
    found = []
    for s in sections:
        if s.sectname != SECTION_NAME or s.segname not in (SEGMENT_NAME, ""):
            continue
        if s.flags & 0xFF in S_ZEROFILL_TYPES:
            raise ContainerError(f"section {s.segname},{s.sectname} is zero-fill: "
                                 f"it declares {s.size} bytes but has none in the file")
        check_span(len(data), s.offset, s.size, f"section {s.segname},{s.sectname}")
        blob = data[s.offset:s.offset + s.size]
        relocs = tuple(_relocations(data, s, arch, symbols, sections))
        found.append(Section(f"{s.segname},{s.sectname}", blob, "little", s.offset,
                             None if kind == "relocatable" else s.addr, relocs))
    if not found:
        raise ContainerError(f"no {SEGMENT_NAME},{SECTION_NAME} section in this Mach-O {kind}")
    functions = tuple(sym for sym in symbols if sym is not None and sym.section == "__text")
    return Container("Mach-O", arch, found, kind, functions, symbol_prefix="_")


def _symbols(data: bytes, commands, sections) -> list[Symbol | None]:
    """Every symbol table entry, in order (relocations index it); None for
    entries that are not defined in a section."""
    symtab = next((c.body for c in commands if c.cmd == LC_SYMTAB), None)
    if symtab is None:
        return []
    check_span(len(data), symtab.stroff, symtab.strsize, "the string table")
    check_table(len(data), symtab.symoff, symtab.nsyms, 16, "the symbol table")
    strings = data[symtab.stroff:symtab.stroff + symtab.strsize]
    out: list[Symbol | None] = []
    for i in range(symtab.nsyms):
        at = symtab.symoff + 16 * i
        n = nlist_64.parse(data[at:at + 16])
        name = cstring(strings, n.n_strx)
        if n.n_type & N_STAB or n.n_type & N_TYPE != N_SECT or not 1 <= n.n_sect <= len(sections):
            out.append(Symbol(name, n.n_value, None) if name else None)
            continue
        out.append(Symbol(name, n.n_value, sections[n.n_sect - 1].sectname))
    return out


def _relocations(data: bytes, section, arch: str, symbols, sections) -> list[Relocation]:
    out = []
    names = _RELOC_TYPES.get(arch, {})
    check_table(len(data), section.reloff, section.nreloc, 8, f"the relocations of {section.sectname}")
    for i in range(section.nreloc):
        at = section.reloff + 8 * i
        r = relocation_info.parse(data[at:at + 8])
        if r.r_address < 0:  # scattered relocation: not used for 64-bit targets
            continue
        word = r.r_word
        symbolnum, extern, rtype = word & 0xFFFFFF, (word >> 27) & 1, word >> 28
        if extern:
            sym = symbols[symbolnum] if symbolnum < len(symbols) else None
            out.append(Relocation(r.r_address, names.get(rtype, str(rtype)), sym.name if sym else None))
        else:
            # Section-relative: the field holds the target's address; the
            # symbol "is" the section (1-based ordinal).
            target = sections[symbolnum - 1].sectname if 1 <= symbolnum <= len(sections) else None
            out.append(Relocation(r.r_address, names.get(rtype, str(rtype)), target, None, True))
    return out
