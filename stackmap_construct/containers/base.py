"""What a container reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """One stackmap section of a container: its bytes (possibly several
    concatenated blobs) and where it came from."""

    name: str  #: section name as the container spells it (".llvm_stackmaps")
    data: bytes
    endian: str  #: "little" or "big"
    file_offset: int | None = None  #: where the section's bytes start in the file


@dataclass(frozen=True)
class Container:
    """A file's container facts and its stackmap sections."""

    format: str  #: "ELF64", "ELF32", "raw"
    arch: str | None  #: "x86_64", "aarch64", "ppc64", "s390x", … (None when unknown)
    sections: list[Section] = field(default_factory=list)
    kind: str | None = None  #: e.g. "relocatable", "executable", "shared object"
