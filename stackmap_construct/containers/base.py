"""What a container reader returns: the stackmap sections' bytes, plus the
container facts needed to name the functions (symbols and relocations).
Readers never interpret stackmap records; :mod:`stackmap_construct.symbols`
combines these facts with a parsed stackmap."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Relocation:
    """A relocation that patches a stackmap section.

    ``offset`` is from the start of the section.  The target is the symbol
    ``symbol`` plus ``addend``; when ``section_symbol`` is set the symbol
    stands for the start of section ``symbol`` (ELF internal functions).
    ``addend`` is None for relocations whose addend is stored in place (REL,
    Mach-O, COFF): it is then the value of the patched field.
    """

    offset: int
    type: str
    symbol: str | None
    addend: int | None = None
    section_symbol: bool = False


@dataclass(frozen=True)
class Symbol:
    """A function symbol.  ``value`` is an address in linked images and an
    offset in ``section`` in relocatable objects."""

    name: str
    value: int
    section: str | None = None
    size: int = 0


@dataclass(frozen=True)
class Section:
    """One stackmap section: its bytes (possibly several concatenated blobs)
    and where it came from."""

    name: str  #: section name as the container spells it (".llvm_stackmaps")
    data: bytes
    endian: str  #: "little" or "big"
    file_offset: int | None = None  #: where the section's bytes start in the file
    address: int | None = None  #: the section's address in a linked image
    relocations: tuple[Relocation, ...] = ()


@dataclass(frozen=True)
class Container:
    """A file's container facts and its stackmap sections."""

    format: str  #: "ELF64", "ELF32", "Mach-O", "COFF", "PE", "raw"
    arch: str | None  #: "x86_64", "aarch64", "ppc64", "s390x", … (None when unknown)
    sections: list[Section] = field(default_factory=list)
    kind: str | None = None  #: "relocatable", "executable", "shared object", …
    symbols: tuple[Symbol, ...] = ()
    #: a prefix the platform adds to C-level names ("_" on Mach-O), removed
    #: when reporting a function's name
    symbol_prefix: str = ""
    #: function descriptors of a linked image (ppc64 ELFv1 ``.opd``): the
    #: descriptor's address -> the code entry it holds (its first doubleword).
    #: A function symbol's value, and so a stackmap's function address, is
    #: the descriptor there, not the code.
    code_entries: dict[int, int] = field(default_factory=dict)

    @property
    def linked(self) -> bool:
        """Addresses are final (or relocated at load time), not section offsets."""
        return self.kind not in (None, "relocatable")
