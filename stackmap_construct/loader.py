"""``load()``: the stackmaps of a file, whatever holds them.

The one call for a file: find its container (ELF, Mach-O, COFF, PE, or a raw
blob), parse every stackmap blob of its stackmap sections, and name each
function record from the container's relocations and symbols — the names
``dump --format json`` prints.  It combines the public faces of
:mod:`.containers`, :mod:`.format` and :mod:`.symbols`; :func:`parse` and
:func:`parse_all` here are :mod:`.format`'s, plus a hint when the bytes are
an object file rather than a stackmap blob.
"""

from __future__ import annotations

import mmap
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Union

from .containers import Container, Section, detect, read_container
from .errors import StackMapError, UnsupportedVersionError
from .frozen import Frozen, _fill
from .format import api as _format
from .model import StackMap
from .symbols import FunctionTarget, resolve_functions

if TYPE_CHECKING:
    #: What :func:`load` reads: a path, the file's bytes, or a binary file object.
    Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, mmap.mmap, BinaryIO]
else:
    def __getattr__(name: str):
        # Source made when asked for: it needs typing, whose import costs
        # every command 3 ms of start-up.
        if name == "Source":
            from typing import BinaryIO, Union

            global Source
            Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, mmap.mmap, BinaryIO]
            return Source
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class StackMapFile(Frozen):
    """The stackmaps of one file, as :func:`load` found them."""

    __slots__ = ("container", "stackmaps", "sections", "targets", "starts")
    container: Container  #: the container's facts: ``.format``, ``.arch``, ``.kind``, ``.sections``, ``.symbols``
    stackmaps: list[StackMap]  #: every blob, in file order
    #: the section each stackmap sits in (parallel to ``stackmaps``)
    sections: list[Section]
    #: what each function record of each stackmap points at: its symbol and,
    #: in linked images, its address (parallel to ``stackmaps``)
    targets: list[list[FunctionTarget]]
    #: where each stackmap's blob starts in its section (parallel to ``stackmaps``)
    starts: list[int]

    def __init__(self, container: Container, stackmaps: list[StackMap] | None = None,
                 sections: list[Section] | None = None, targets: list[list[FunctionTarget]] | None = None,
                 starts: list[int] | None = None):
        _fill(self, container, [] if stackmaps is None else stackmaps, [] if sections is None else sections,
              [] if targets is None else targets, [] if starts is None else starts)

    @property
    def endian(self) -> str:
        """The stackmaps' byte order, "little" or "big" (an object file
        states its own; a raw blob's is the ``endian`` given to :func:`load`)."""
        # A file has one byte order: every reader gives all its sections the same.
        return self.container.sections[0].endian if self.container.sections else "little"


def _read(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (bytearray, memoryview, mmap.mmap)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read()
    read = getattr(source, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"load() needs a binary file object; read() gave {type(data).__name__}")
        return bytes(data)
    raise TypeError(f"load() takes a path, bytes or a binary file object, not {type(source).__name__}")


def load(source: Source, *, endian: str | None = None, raw: bool = False) -> StackMapFile:
    """Read every stackmap of a file.

    ``source`` is a path, the file's bytes (or any buffer), or a binary file
    object.  Object files (ELF, Mach-O, COFF, PE) state their byte order;
    anything else is read as a raw stackmap blob (or several concatenated)
    in byte order ``endian`` (default "little"; "big" for ppc64 and s390x
    blobs).  ``raw=True`` reads even an object file's bytes as a raw blob.

    Each function of each stackmap carries ``.symbol``: its name when the
    container says (relocations in objects, the symbol table in linked
    images), else None.  Raises :class:`~stackmap_construct.StackMapError`
    (:class:`~stackmap_construct.ContainerError` for a file without a
    stackmap section); errors of a blob have offsets from the blob's section.
    """
    data = _read(source)
    return load_container(read_container(data, raw=raw, endian=endian), raw=raw)


def load_container(container: Container, *, raw: bool = False) -> StackMapFile:
    """:func:`load` of a container already read (``read_container``): every
    blob of its stackmap sections parsed, its functions named.  ``raw``: the
    container was asked for as a raw blob (errors then say nothing of it)."""
    out = StackMapFile(container)
    for section in container.sections:
        try:
            spans = _format.parse_spans(section.data, endian=section.endian)
        except StackMapError as e:
            if container.format == "raw" and not raw:
                e.message += " (not an object file, so it was read as a raw stackmap blob)"
            raise
        for span in spans:
            sm = span.stackmap
            targets = resolve_functions(container, section, sm, span.start)
            for fn, target in zip(sm.functions, targets):
                fn.symbol = target.symbol
            out.stackmaps.append(sm)
            out.sections.append(section)
            out.targets.append(targets)
            out.starts.append(span.start)
    return out


_OBJECT_FILE_NAMES = {"elf": "an ELF file", "macho": "a Mach-O file", "coff": "a COFF object", "pe": "a PE image"}


def _hint(data: _format.Buffer, error: StackMapError) -> None:
    """A blob whose version byte is wrong because it is an object file: say
    what to call instead."""
    if not isinstance(error, UnsupportedVersionError) or error.offset not in (0, None):
        return
    kind = detect(bytes(memoryview(data).cast("B")[:20]))
    if kind == "raw":
        return
    what = _OBJECT_FILE_NAMES.get(kind, f"a {kind} file")
    error.message += (f" (these bytes look like {what}, not a stackmap blob: "
                      "stackmap_construct.load() reads object files)")


def parse(data: _format.Buffer, *, endian: str = "little") -> StackMap:
    """Parse one whole stackmap blob (:func:`stackmap_construct.format.parse`).

    The blob must be consumed exactly: bytes after the last record raise
    :class:`~stackmap_construct.TrailingDataError` (use :func:`parse_all`
    for several blobs).  Every error is a
    :class:`~stackmap_construct.StackMapError` with ``.path`` and
    ``.offset``; bytes of an object file get a hint to use :func:`load`.
    """
    try:
        return _format.parse(data, endian=endian)
    except StackMapError as e:
        _hint(data, e)
        raise


def parse_all(data: _format.Buffer, *, endian: str = "little") -> list[StackMap]:
    """Every stackmap blob of a buffer in which several are concatenated
    (:func:`stackmap_construct.format.parse_all`); bytes of an object file
    get a hint to use :func:`load`."""
    try:
        return _format.parse_all(data, endian=endian)
    except StackMapError as e:
        _hint(data, e)
        raise


__all__ = ["load", "load_container", "StackMapFile", "Source", "parse", "parse_all"]
