"""What a container reader returns: the stackmap sections' bytes, plus the
container facts needed to name the functions (symbols and relocations).
Readers never interpret stackmap records; :mod:`stackmap_construct.symbols`
combines these facts with a parsed stackmap."""

from __future__ import annotations

from ..errors import ContainerError
from ..frozen import Frozen, _fill

# What each container starts with (the readers' modules are imported only
# for the files that need them: Mach-O's and COFF's import construct).
ELF_MAGIC = b"\x7fELF"
MACHO_MAGIC_64 = b"\xcf\xfa\xed\xfe"  # MH_MAGIC_64, little-endian
#: IMAGE_FILE_MACHINE_* -> architecture (a COFF object starts with its machine)
COFF_MACHINES = {0x8664: "x86_64", 0xAA64: "aarch64"}


# (Frozen, not dataclasses: no code generated per class at import, see
# stackmap_construct/frozen.py.)

class Relocation(Frozen):
    """A relocation that patches a stackmap section.

    ``offset`` is from the start of the section.  The target is the symbol
    ``symbol`` plus ``addend``; when ``section_symbol`` is set the symbol
    stands for the start of section ``symbol`` (ELF internal functions).
    ``addend`` is None for relocations whose addend is stored in place (REL,
    Mach-O, COFF): it is then the value of the patched field.
    """

    __slots__ = ("offset", "type", "symbol", "addend", "section_symbol")
    offset: int
    type: str
    symbol: str | None
    addend: int | None
    section_symbol: bool

    def __init__(self, offset: int, type: str, symbol: str | None, addend: int | None = None,
                 section_symbol: bool = False):
        _fill(self, offset, type, symbol, addend, section_symbol)


class Symbol(Frozen):
    """A function symbol.  ``value`` is an address in linked images and an
    offset in ``section`` in relocatable objects."""

    __slots__ = ("name", "value", "section", "size")
    name: str
    value: int
    section: str | None
    size: int

    def __init__(self, name: str, value: int, section: str | None = None, size: int = 0):
        _fill(self, name, value, section, size)


class Section(Frozen):
    """One stackmap section: its bytes (possibly several concatenated blobs)
    and where it came from."""

    __slots__ = ("name", "data", "endian", "file_offset", "address", "relocations")
    name: str  #: section name as the container spells it (".llvm_stackmaps")
    data: bytes
    endian: str  #: "little" or "big"
    file_offset: int | None  #: where the section's bytes start in the file
    address: int | None  #: the section's address in a linked image
    relocations: tuple[Relocation, ...]

    def __init__(self, name: str, data: bytes, endian: str, file_offset: int | None = None,
                 address: int | None = None, relocations: tuple[Relocation, ...] = ()):
        _fill(self, name, data, endian, file_offset, address, relocations)


class Container(Frozen):
    """A file's container facts and its stackmap sections."""

    __slots__ = ("format", "arch", "sections", "kind", "symbols", "symbol_prefix", "code_entries")
    format: str  #: "ELF64", "ELF32", "Mach-O", "COFF", "PE", "raw"
    arch: str | None  #: "x86_64", "aarch64", "ppc64", "s390x", … (None when unknown)
    sections: list[Section]
    kind: str | None  #: "relocatable", "executable", "shared object", …
    symbols: tuple[Symbol, ...]
    #: a prefix the platform adds to C-level names ("_" on Mach-O), removed
    #: when reporting a function's name
    symbol_prefix: str
    #: function descriptors of a linked image (ppc64 ELFv1 ``.opd``): the
    #: descriptor's address -> the code entry it holds (its first doubleword).
    #: A function symbol's value, and so a stackmap's function address, is
    #: the descriptor there, not the code.
    code_entries: dict[int, int]

    def __init__(self, format: str, arch: str | None, sections: list[Section] | None = None,
                 kind: str | None = None, symbols: tuple[Symbol, ...] = (), symbol_prefix: str = "",
                 code_entries: dict[int, int] | None = None):
        _fill(self, format, arch, [] if sections is None else sections, kind, symbols, symbol_prefix,
              {} if code_entries is None else code_entries)

    @property
    def linked(self) -> bool:
        """Addresses are final (or relocated at load time), not section offsets."""
        return self.kind not in (None, "relocatable")


# -- bounded reading, shared by the readers ----------------------------------
# A hostile file declares any size or count it likes; nothing is allocated or
# walked by a declared number before checking it against the file's size.

#: Longest symbol or section name read from a string table; a name that does
#: not end within this many bytes is cut (it keeps a table walk linear).
MAX_NAME = 4096

#: A compressed section may expand to at most this many times the file's
#: size (plus MAX_EXPANSION_BASE bytes): real stackmap sections compress 3-10
#: times, a zlib bomb 1000 times.
MAX_EXPANSION = 32
MAX_EXPANSION_BASE = 1 << 20


def check_span(data_size: int, offset: int, size: int, what: str) -> None:
    """Refuse ``size`` bytes at ``offset`` that do not lie within the file."""
    if offset < 0 or size < 0 or offset + size > data_size:
        raise ContainerError(
            f"{what} ({size} bytes at offset {offset} (0x{offset:x})) runs past the end of the file ({data_size} bytes)"
        )


def check_table(data_size: int, offset: int, count: int, entry_size: int, what: str) -> None:
    """Refuse a table of ``count`` entries that cannot fit in the file."""
    if offset < 0 or count < 0 or offset + count * entry_size > data_size:
        raise ContainerError(
            f"{what} ({count} entries of {entry_size} bytes at offset {offset} (0x{offset:x})) "
            f"runs past the end of the file ({data_size} bytes)"
        )


def cstring(table: bytes, offset: int) -> str:
    """The NUL-terminated name at ``offset`` of a string table ("" past its end)."""
    if not 0 <= offset < len(table):
        return ""
    stop = min(len(table), offset + MAX_NAME)
    end = table.find(b"\0", offset, stop)
    return table[offset:end if end >= 0 else stop].decode("utf-8", "replace")


def one_line(exc: BaseException) -> str:
    """A library's error text on one line (construct's span two)."""
    return " ".join(str(exc).split()) or type(exc).__name__
