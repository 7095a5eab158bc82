"""The one exception hierarchy of stackmap-construct.

Every error is a :class:`StackMapError`; the subclasses are flat (one level)
so callers can catch exactly the condition they care about.  Errors raised
while parsing or building carry the field path (``records[3].locations[2].
reserved``) and the byte offset of that field in the blob.
"""

from __future__ import annotations


class StackMapError(Exception):
    """Base class of every error this library raises.

    Attributes:
        message: what went wrong, for a person.
        path: dotted field path, e.g. ``records[3].locations[2].reserved``
            ("" when the error is about the blob as a whole).
        offset: byte offset of the offending field from the start of the
            parsed buffer, or ``None`` when it has no position.
    """

    #: which blob of a buffer holding several the error is in (set by
    #: :func:`~stackmap_construct.parse_all`), None when not known
    blob_index: int | None = None

    def __init__(self, message: str, *, path: str = "", offset: int | None = None):
        super().__init__(message)
        self.message = message
        # Path segments are collected innermost-first while the error travels
        # up through the nested structs, then joined on demand.
        self._segments: list[str] = [path] if path else []
        self.offset = offset

    @property
    def path(self) -> str:
        out = ""
        for seg in reversed(self._segments):
            if seg.startswith("[") or not out:
                out += seg
            else:
                out += "." + seg
        return out

    def add_parent(self, segment: str, offset: int | None = None) -> None:
        """Prefix the path with an enclosing field name or ``[index]``."""
        self._segments.append(segment)
        if self.offset is None:
            self.offset = offset

    def describe(self) -> str:
        """One line: message, then where (path and offset) when known."""
        where = []
        if self.path:
            where.append(self.path)
        if self.offset is not None:
            where.append(f"offset {self.offset} (0x{self.offset:x})")
        return f"{self.message} [at {', '.join(where)}]" if where else self.message

    def __str__(self) -> str:
        return self.describe()


class TruncatedError(StackMapError):
    """The data ends before a field that the format (or a count) requires."""


class UnsupportedVersionError(StackMapError):
    """The header's version byte is not 3."""


class ReservedFieldError(StackMapError):
    """A reserved field, which the format requires to be zero, is not zero."""


class PaddingError(StackMapError):
    """An alignment or padding field, which must be zero, is not zero."""


class BadLocationKindError(StackMapError):
    """A location's kind byte is not one of Register..ConstantIndex (1..5)."""


class TrailingDataError(StackMapError):
    """Bytes remain after the last record of a blob that must be consumed whole."""


class BuildError(StackMapError):
    """A stackmap (or its plain-data form) cannot be encoded: a value out of
    range for its field, a missing field, an unknown location kind."""


class ContainerError(StackMapError):
    """The file cannot be read as the container it claims to be, or holds no
    stackmap section."""


class SemanticsError(StackMapError):
    """A stackmap cannot be mapped onto WebAssembly value semantics: one of
    the rules of wasmer's ``populate_msm`` or of its driver fails, or a
    registry / state map in its JSON form is malformed.  ``rule`` names the
    rule (e.g. ``"stack-size"``); ``path`` points at the record, location,
    size record or registry entry concerned."""

    def __init__(self, message: str, *, rule: str = "", path: str = "", offset: int | None = None):
        super().__init__(f"{rule}: {message}" if rule else message, path=path, offset=offset)
        self.rule = rule


class GenerateError(StackMapError):
    """The generator cannot do what was asked: impossible options, a
    corruption that does not apply to the blob, a target llc cannot compile
    for, llc missing or failing."""


class StatepointError(StackMapError):
    """A record chosen as a statepoint (``ids="all"`` or by id) is not laid
    out as one (LLVM ``Statepoints.rst``, "Stack Map Format"): fewer than
    three leading Constants, a deopt count N past the end, or an odd number
    of locations left for the (base, derived) pairs.  ``code`` is the
    validate finding of the same problem (``statepoint-deopt-count``…)."""

    def __init__(self, message: str, *, code: str = "", path: str = "", offset: int | None = None):
        super().__init__(message, path=path, offset=offset)
        self.code = code
