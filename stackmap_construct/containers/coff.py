"""COFF objects and PE images (x86-64, arm64), declared with construct.

Covers only what stackmaps need: the file header, section headers, the
symbol table with its string table, and section relocations.  In objects the
section header holds ``/N``, an offset into the string table, for the long
name ``.llvm_stackmaps``; in PE images the linker truncates the name to
``.llvm_st`` (8 bytes), which llvm-readobj 14 does not recognise.
"""

from __future__ import annotations

import bisect

from construct import Bytes, Const, ConstructError, Int8ul, Int16sl, Int16ul, Int32ul, Int64ul, Struct

from ..errors import ContainerError
from .base import COFF_MACHINES, Container, Relocation, Section, Symbol, check_span, check_table, cstring, one_line
SECTION_NAMES = (".llvm_stackmaps", ".llvm_st")
_RELOC_TYPES = {
    "x86_64": {1: "IMAGE_REL_AMD64_ADDR64", 2: "IMAGE_REL_AMD64_ADDR32", 3: "IMAGE_REL_AMD64_ADDR32NB"},
    "aarch64": {0xE: "IMAGE_REL_ARM64_ADDR64", 1: "IMAGE_REL_ARM64_ADDR32"},
}
_FUNCTION_TYPE = 0x20  # DT_FUNCTION << 4: a symbol of function type
_STATIC, _EXTERNAL = 3, 2

file_header = Struct(
    "machine" / Int16ul,
    "number_of_sections" / Int16ul,
    "time_date_stamp" / Int32ul,
    "pointer_to_symbol_table" / Int32ul,
    "number_of_symbols" / Int32ul,
    "size_of_optional_header" / Int16ul,
    "characteristics" / Int16ul,
)

section_header = Struct(
    "name" / Bytes(8),
    "virtual_size" / Int32ul,
    "virtual_address" / Int32ul,
    "size_of_raw_data" / Int32ul,
    "pointer_to_raw_data" / Int32ul,
    "pointer_to_relocations" / Int32ul,
    "pointer_to_linenumbers" / Int32ul,
    "number_of_relocations" / Int16ul,
    "number_of_linenumbers" / Int16ul,
    "characteristics" / Int32ul,
)

symbol_record = Struct(
    "name" / Bytes(8),
    "value" / Int32ul,
    "section_number" / Int16sl,
    "type" / Int16ul,
    "storage_class" / Int8ul,
    "number_of_aux_symbols" / Int8ul,
)

relocation_record = Struct("virtual_address" / Int32ul, "symbol_table_index" / Int32ul, "type" / Int16ul)

# The PE32+ optional header: the image base, and the export table's place
# (data directory 0).
optional_header_64 = Struct(
    "magic" / Const(0x20B, Int16ul),
    "_standard" / Bytes(22),
    "image_base" / Int64ul,
    "_windows" / Bytes(76),
    "number_of_rva_and_sizes" / Int32ul,
    "export_table_rva" / Int32ul,
    "export_table_size" / Int32ul,
)

export_directory = Struct(
    "characteristics" / Int32ul,
    "time_date_stamp" / Int32ul,
    "major_version" / Int16ul,
    "minor_version" / Int16ul,
    "name_rva" / Int32ul,
    "ordinal_base" / Int32ul,
    "number_of_functions" / Int32ul,
    "number_of_names" / Int32ul,
    "address_table_rva" / Int32ul,
    "name_pointer_rva" / Int32ul,
    "ordinal_table_rva" / Int32ul,
)


def _name(raw: bytes, strings: bytes) -> str:
    """A section or symbol name: inline, or in the string table."""
    if raw[:1] == b"/" and raw[1:].rstrip(b"\0").isdigit():  # section "/N"
        return cstring(strings, int(raw[1:].rstrip(b"\0")))
    if raw[:4] == b"\0\0\0\0":  # symbol: zeros, then a string table offset
        return cstring(strings, int.from_bytes(raw[4:], "little"))
    return raw.rstrip(b"\0").decode("utf-8", "replace")


def read_coff(data: bytes) -> Container:
    try:
        return _read(data)
    except (ConstructError, ValueError, IndexError) as e:
        raise ContainerError(f"malformed COFF/PE file: {one_line(e)}") from None


def _parse(struct_, data: bytes, offset: int, what: str):
    """``struct_`` parsed from exactly its own bytes at ``offset``."""
    size = struct_.sizeof()
    check_span(len(data), offset, size, what)
    try:
        return struct_.parse(data[offset:offset + size])
    except ConstructError as e:
        raise ContainerError(f"{what} at offset {offset}: {one_line(e)}") from None


def _read(data: bytes) -> Container:
    image = data[:2] == b"MZ"
    start, image_base = 0, 0
    if image:
        start = int.from_bytes(data[0x3C:0x40], "little")
        if data[start:start + 4] != b"PE\0\0":
            raise ContainerError("MZ file without a PE signature")
        start += 4
    header = _parse(file_header, data, start, "the COFF file header")
    arch = COFF_MACHINES.get(header.machine)
    if arch is None:
        raise ContainerError(f"unsupported COFF machine 0x{header.machine:x} (x86-64 and arm64 are supported)")
    opt = start + file_header.sizeof()
    optional = None
    if image:
        if header.size_of_optional_header < optional_header_64.sizeof():
            raise ContainerError("PE image without a PE32+ optional header (only 64-bit images are supported)")
        if data[opt:opt + 2] != b"\x0b\x02":
            raise ContainerError("PE image without a PE32+ optional header (only 64-bit images are supported)")
        optional = _parse(optional_header_64, data, opt, "the PE32+ optional header")
        image_base = optional.image_base
    table_at = opt + header.size_of_optional_header
    check_table(len(data), table_at, header.number_of_sections, 40, "the section table")
    headers = [_parse(section_header, data, table_at + 40 * i, f"section header {i}")
               for i in range(header.number_of_sections)]

    sym_at, nsyms = header.pointer_to_symbol_table, header.number_of_symbols
    strings = b""
    if sym_at:
        check_table(len(data), sym_at, nsyms, 18, "the symbol table")
        str_at = sym_at + 18 * nsyms
        # The string table follows the symbols, its size first; a file may end without one.
        strings = data[str_at:str_at + int.from_bytes(data[str_at:str_at + 4], "little")]
    names = [_name(h.name, strings) for h in headers]
    records = _symbol_records(data, sym_at, nsyms)

    functions, by_index = [], {}
    for index, rec in records:
        name = _name(rec.name, strings)
        in_section = 1 <= rec.section_number <= len(headers)
        section = names[rec.section_number - 1] if in_section else None
        by_index[index] = (name, rec, section)
        if in_section and rec.type & 0xF0 == _FUNCTION_TYPE and rec.storage_class in (_STATIC, _EXTERNAL):
            # Objects: offset in section; images: the function's address.
            value = rec.value + (image_base + headers[rec.section_number - 1].virtual_address if image else 0)
            functions.append(Symbol(name, value, section))

    if optional is not None and optional.number_of_rva_and_sizes and optional.export_table_rva:
        # A stripped image still names its exported functions.
        known = {f.value for f in functions}
        functions += [f for f in _exports(data, headers, optional) if f.value not in known]

    found = []
    for h, name in zip(headers, names):
        if name not in SECTION_NAMES:
            continue
        # In images the raw data is padded to the file alignment: the
        # section's own size is VirtualSize.
        size = min(h.virtual_size, h.size_of_raw_data) if image and h.virtual_size else h.size_of_raw_data
        if h.characteristics & 0x80 and not h.pointer_to_raw_data:  # IMAGE_SCN_CNT_UNINITIALIZED_DATA
            raise ContainerError(f"section {name} holds uninitialized data: no bytes in the file")
        check_span(len(data), h.pointer_to_raw_data, size, f"section {name}")
        blob = data[h.pointer_to_raw_data:h.pointer_to_raw_data + size]
        relocs = tuple(_relocations(data, h, arch, by_index))
        found.append(Section(name, blob, "little", h.pointer_to_raw_data,
                             image_base + h.virtual_address if image else None, relocs))
    kind = "relocatable" if not image else ("shared object" if header.characteristics & 0x2000 else "executable")
    if not found:
        raise ContainerError(f"no .llvm_stackmaps section (or .llvm_st in an image) in this {'PE' if image else 'COFF'} {kind}")
    return Container("PE" if image else "COFF", arch, found, kind, tuple(functions))


def _symbol_records(data: bytes, at: int, count: int):
    """(index, record) of each symbol, skipping auxiliary records (which
    count in the indices relocations use)."""
    out, i = [], 0
    while at and i < count:
        rec = _parse(symbol_record, data, at + 18 * i, f"symbol {i}")
        out.append((i, rec))
        i += 1 + rec.number_of_aux_symbols
    return out


def _relocations(data: bytes, h, arch: str, by_index) -> list[Relocation]:
    out = []
    names = _RELOC_TYPES.get(arch, {})
    check_table(len(data), h.pointer_to_relocations, h.number_of_relocations, 10, "the section's relocations")
    for i in range(h.number_of_relocations):
        r = _parse(relocation_record, data, h.pointer_to_relocations + 10 * i, f"relocation {i}")
        name, rec, section = by_index.get(r.symbol_table_index, (None, None, None))
        # A static symbol with the section's own name and value 0 stands for
        # the section: the in-place addend is the offset in it.
        is_section = rec is not None and rec.storage_class == _STATIC and rec.value == 0 and name == section \
            and rec.type & 0xF0 != _FUNCTION_TYPE
        out.append(Relocation(r.virtual_address, names.get(r.type, str(r.type)), name, None, is_section))
    return out


def _exports(data: bytes, headers, optional) -> list[Symbol]:
    """The named exports of a PE image, as function symbols.  Every table
    is checked against its section and the file before it is walked."""
    spans = sorted((h.virtual_address, max(h.virtual_size, h.size_of_raw_data), h.pointer_to_raw_data)
                   for h in headers)
    starts = [s[0] for s in spans]

    def at(rva: int, length: int, what: str) -> int:
        """The file offset of ``length`` bytes at ``rva``, within one section and the file."""
        i = bisect.bisect_right(starts, rva) - 1
        if i < 0 or not rva + length <= spans[i][0] + spans[i][1]:
            raise ContainerError(f"{what} (RVA 0x{rva:x}, {length} bytes) lies in no section")
        offset = spans[i][2] + rva - spans[i][0]
        check_span(len(data), offset, length, what)
        return offset

    directory = _parse(export_directory, data, at(optional.export_table_rva, export_directory.sizeof(),
                                                  "the export directory"), "the export directory")
    n = directory.number_of_names
    names = at(directory.name_pointer_rva, 4 * n, f"the export name pointer table ({n} names)")
    ordinals = at(directory.ordinal_table_rva, 2 * n, f"the export ordinal table ({n} names)")
    nfunctions = directory.number_of_functions
    addresses = at(directory.address_table_rva, 4 * nfunctions, f"the export address table ({nfunctions} entries)")
    start, end = optional.export_table_rva, optional.export_table_rva + optional.export_table_size
    out = []
    for i in range(n):
        name_rva = int.from_bytes(data[names + 4 * i:names + 4 * i + 4], "little")
        ordinal = int.from_bytes(data[ordinals + 2 * i:ordinals + 2 * i + 2], "little")
        if ordinal >= nfunctions:
            raise ContainerError(f"export {i} has ordinal {ordinal}, past the {nfunctions} entries of the address table")
        rva = int.from_bytes(data[addresses + 4 * ordinal:addresses + 4 * ordinal + 4], "little")
        if start <= rva < end:  # a forwarder ("OTHER.dll.name"), not code here
            continue
        out.append(Symbol(cstring(data, at(name_rva, 1, f"the name of export {i}")), optional.image_base + rva, None))
    return out
