"""Container readers: find the stackmap section(s) of a file and the facts
needed to parse them (byte order, architecture).  They hand out raw bytes;
they never interpret records (that is :mod:`stackmap_construct.format`).
"""

from __future__ import annotations

from ..errors import ContainerError
from .base import Container, Section
from .elf import ELF_MAGIC, read_elf
from .raw import read_raw

# Magic numbers of containers we recognise but cannot read yet, so that such
# a file is not mistaken for a raw blob and reported with a confusing error.
_UNSUPPORTED = {
    b"\xfe\xed\xfa\xce": "Mach-O", b"\xce\xfa\xed\xfe": "Mach-O",
    b"\xfe\xed\xfa\xcf": "Mach-O", b"\xcf\xfa\xed\xfe": "Mach-O",
    b"MZ": "PE",
}
_COFF_MACHINES = {0x8664: "x86-64", 0xAA64: "arm64", 0x14C: "i386"}


def detect(data: bytes) -> str:
    """"elf", a name of an unsupported container, or "raw"."""
    if data[:4] == ELF_MAGIC:
        return "elf"
    for magic, name in _UNSUPPORTED.items():
        if data.startswith(magic):
            return name
    if len(data) >= 20 and int.from_bytes(data[:2], "little") in _COFF_MACHINES:
        # A raw v3 blob starts with byte 3; a COFF object with its machine.
        return "COFF"
    return "raw"


def read_container(data: bytes, *, raw: bool = False, endian: str | None = None) -> Container:
    """The stackmap sections of ``data``: an object file, or a raw blob when
    ``raw`` is set or the data is no known container.  ``endian`` overrides
    the byte order of a raw blob (default little)."""
    kind = "raw" if raw else detect(data)
    if kind == "elf":
        if endian is not None:
            raise ContainerError("--endian applies to raw blobs only; an ELF file states its own byte order")
        return read_elf(data)
    if kind == "raw":
        return read_raw(data, endian or "little")
    raise ContainerError(f"{kind} files are not supported yet (ELF objects and raw blobs are); use --raw to read the file as a bare stackmap blob")


__all__ = ["Container", "Section", "read_container", "detect"]
