"""Container readers: find the stackmap section(s) of a file and the facts
needed to parse them (byte order, architecture).  They hand out raw bytes;
they never interpret records (that is :mod:`stackmap_construct.format`).
"""

from __future__ import annotations

import importlib

from ..errors import ContainerError
from .base import COFF_MACHINES, ELF_MAGIC, MACHO_MAGIC_64, Container, Section
from .raw import read_raw

# Magic numbers of containers we recognise but cannot read, so that such a
# file is not mistaken for a raw blob and reported with a confusing error.
_UNSUPPORTED = {
    b"\xfe\xed\xfa\xce": "32-bit Mach-O", b"\xce\xfa\xed\xfe": "32-bit Mach-O",
    b"\xfe\xed\xfa\xcf": "big-endian Mach-O", b"\xca\xfe\xba\xbe": "universal (fat) Mach-O",
}


def detect(data: bytes) -> str:
    """"elf", "macho", "coff", "pe", a name of an unsupported container, or "raw"."""
    if data[:4] == ELF_MAGIC:
        return "elf"
    if data[:4] == MACHO_MAGIC_64:
        return "macho"
    if data[:2] == b"MZ":
        return "pe"
    for magic, name in _UNSUPPORTED.items():
        if data.startswith(magic):
            return name
    if len(data) >= 20 and int.from_bytes(data[:2], "little") in COFF_MACHINES:
        # A COFF object has no magic but starts with its machine type; a raw
        # v3 blob starts with 03 00, which is no machine.
        return "coff"
    return "raw"


def read_container(data: bytes, *, raw: bool = False, endian: str | None = None) -> Container:
    """The stackmap sections of ``data``: an object file, or a raw blob when
    ``raw`` is set or the data is no known container.  ``endian`` sets the
    byte order of a raw blob (default little); object files state their own."""
    kind = "raw" if raw else detect(data)
    if kind == "raw":
        return read_raw(data, endian or "little")
    if endian is not None:
        raise ContainerError("--endian applies to raw blobs only; an object file states its own byte order")
    if kind not in _READERS:
        raise ContainerError(f"{kind} files are not supported; use --raw to read the file as a bare stackmap blob")
    module, reader = _READERS[kind]
    # Each reader's module is imported for the files that need it.
    return getattr(importlib.import_module(module, __name__), reader)(data)


_READERS = {"elf": (".elf", "read_elf"), "macho": (".macho", "read_macho"), "coff": (".coff", "read_coff"),
            "pe": (".coff", "read_coff")}


__all__ = ["Container", "Section", "read_container", "detect"]
