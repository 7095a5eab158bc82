"""Deliberately broken stackmaps, each with what a strict reader must say.

:func:`corrupt` takes a valid blob and a kind and returns a
:class:`Corruption`: the broken bytes plus the prediction, either the
:class:`~stackmap_construct.errors.StackMapError` subclass ``parse`` must
raise with its field path and offset (structural kinds), or the code of the
one error :func:`stackmap_construct.validate.validate` must find (semantic
kinds: the blob still parses).

The reserved, padding and count kinds are derived from the definition in
:mod:`stackmap_construct.format.v3`: one kind per reserved or padding field
and per count, so a field added there gets its corruption here.
Predictions come from where the fields of the *valid* blob are, never from
parsing the broken one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from ..errors import (
    BadLocationKindError,
    PaddingError,
    ReservedFieldError,
    StackMapError,
    TrailingDataError,
    TruncatedError,
    UnsupportedVersionError,
)
from ..format import parse
from ..format.walk import FieldEvent
from ..errors import GenerateError
from .layout import BlobLayout, field_templates, template
from .recipe import I32_MAX, I32_MIN
from .rng import Rng


@dataclass(frozen=True)
class Corruption:
    """A broken blob and what a strict reader must report about it."""

    kind: str
    data: bytes
    change: str  #: what was done, for people
    error: type[StackMapError] | None  #: what ``parse`` must raise (structural kinds)
    finding: str | None  #: the validate() error code (semantic kinds; the blob parses)
    path: str  #: field path of the error or finding ("" for the blob as a whole)
    offset: int  #: byte offset of that field
    #: statepoint kinds: the records to take as statepoints ("all" or an id)
    #: for the finding to show (``validate --statepoints S``)
    statepoints: str | None = None

    def expectation(self) -> str:
        """One line: what must be reported, and where."""
        where = f"{self.path or '(whole blob)'}, offset {self.offset} (0x{self.offset:x})"
        if self.error is not None:
            return f"parse must raise {self.error.__name__} at {where}"
        if self.statepoints is not None:
            return (f"parses; validate --statepoints {self.statepoints} must report error {self.finding} at {where},"
                    f" and statepoints --ids {self.statepoints} must raise StatepointError there")
        return f"parses; validate must report error {self.finding} at {where}"


@dataclass
class _Target:
    """A valid blob being corrupted."""

    layout: BlobLayout
    rng: Rng
    at: int | None

    @property
    def blob(self) -> bytes:
        return self.layout.blob

    def pick(self, fields: list[FieldEvent], what: str) -> FieldEvent:
        if not fields:
            raise GenerateError(f"this stackmap has no {what} to corrupt")
        return self.rng.choice(fields)

    def patch(self, event: FieldEvent, value: int, *, signed: bool = False, data: bytes | None = None) -> bytes:
        """``data`` (default: the blob) with field ``event`` holding ``value``."""
        data = self.blob if data is None else data
        byteorder: Literal["little", "big"] = "big" if self.layout.endian == "big" else "little"
        raw = value.to_bytes(len(event.raw), byteorder, signed=signed)
        return data[: event.offset] + raw + data[event.offset + len(raw):]


@dataclass(frozen=True)
class CorruptionKind:
    name: str
    expects: str  #: the error class, or "validate: CODE"
    summary: str
    make: Callable[[_Target], Corruption]


KINDS: dict[str, CorruptionKind] = {}


def _register(name: str, expects: str, summary: str, make: Callable[[_Target], Corruption]) -> None:
    KINDS[name] = CorruptionKind(name, expects, summary, make)


def _structural(kind: str, data: bytes, change: str, error, path: str, offset: int) -> Corruption:
    return Corruption(kind, data, change, error, None, path, offset)


# -- truncation -------------------------------------------------------------

def predict_truncation(layout: BlobLayout, cut: int) -> tuple[str, int]:
    """(path, offset) of the TruncatedError a strict parser reports when the
    blob ends after ``cut`` bytes: the first field that does not fit, or,
    earlier, the first array whose count cannot fit in the bytes left (it
    is refused before any element is read)."""
    checks = [(a.start, 0, a.path) for a in layout.arrays
              if a.count.value > 0 and a.count.value * a.min_size > cut - a.start]
    checks += [(e.offset, 1, e.path) for e in layout.events if e.offset + len(e.raw) > cut]
    offset, _, path = min(checks)
    return path, offset


def _truncate(t: _Target) -> Corruption:
    size = len(t.blob)
    cut = t.at if t.at is not None else t.rng.integer(0, size - 1)
    if not 0 <= cut < size:
        raise GenerateError(f"truncation point {cut} is outside the blob (0..{size - 1})")
    path, offset = predict_truncation(t.layout, cut)
    return _structural("truncate", t.blob[:cut], f"cut after {cut} of {size} bytes", TruncatedError, path, offset)


_register("truncate", "TruncatedError", "cut the blob short (at --at N, else at a seeded point)", _truncate)


# -- header, kinds, trailing data -------------------------------------------

def _bad_version(t: _Target) -> Corruption:
    event = t.layout.field("version")
    value = t.rng.choice([v for v in range(256) if v != 3])
    return _structural("bad-version", t.patch(event, value), f"version set to {value}",
                       UnsupportedVersionError, event.path, event.offset)


def _bad_location_kind(t: _Target) -> Corruption:
    event = t.pick(t.layout.fields("records[].locations[].kind"), "location")
    value = t.rng.choice([0, *range(6, 256)])
    return _structural("bad-location-kind", t.patch(event, value), f"{event.path} set to {value}",
                       BadLocationKindError, event.path, event.offset)


def _trailing_garbage(t: _Target) -> Corruption:
    junk = t.rng.bytes(t.rng.integer(1, 16))
    return _structural("trailing-garbage", t.blob + junk, f"{len(junk)} bytes appended ({junk.hex()})",
                       TrailingDataError, "", len(t.blob))


_register("bad-version", "UnsupportedVersionError", "version byte set to a value other than 3", _bad_version)
_register("bad-location-kind", "BadLocationKindError", "a location's kind byte set to 0 or 6..255", _bad_location_kind)
_register("trailing-garbage", "TrailingDataError", "1 to 16 random bytes appended", _trailing_garbage)


# -- every reserved and padding field, every count (from the definition) ----

def _nonzero(template_path: str, role: str) -> Callable[[_Target], Corruption]:
    error = ReservedFieldError if role == "reserved" else PaddingError

    def make(t: _Target) -> Corruption:
        event = t.pick(t.layout.fields(template_path), template_path)
        value = t.rng.integer(1, 2 ** (8 * len(event.raw)) - 1)
        return _structural(_kind_name(role, template_path), t.patch(event, value),
                           f"{event.path} set to 0x{value:x}", error, event.path, event.offset)

    return make


def _huge_count(template_path: str) -> Callable[[_Target], Corruption]:
    def make(t: _Target) -> Corruption:
        # A count whose array cannot fit in what is left of the blob; for
        # u16 counts in a big blob no such value may exist.
        options = []
        for array in t.layout.arrays:
            if template(array.count.path) != template_path:
                continue
            needed = (len(t.blob) - array.start) // array.min_size + 1
            limit = 2 ** (8 * len(array.count.raw)) - 1
            if needed <= limit:
                options.append((array, needed, limit))
        if not options:
            raise GenerateError(f"no {template_path} of this stackmap can be made larger than the data")
        array, needed, limit = t.rng.choice(options)
        value = t.rng.choice([limit, t.rng.integer(needed, limit)])
        return _structural(_kind_name("huge-count", template_path), t.patch(array.count, value),
                           f"{array.count.path} set to {value}", TruncatedError, array.path, array.start)

    return make


def _kind_name(prefix: str, template_path: str) -> str:
    """``reserved:records.locations.reserved2`` for ``records[].locations[].reserved2``."""
    return f"{prefix}:{template_path.replace('[]', '')}"


def _register_field_kinds() -> None:
    """One kind per reserved field, padding field and count of the definition."""
    for t in field_templates():
        where = t.path.replace("[]", "")
        if t.role == "reserved":
            _register(_kind_name("reserved", t.path), "ReservedFieldError", f"{where} made non-zero ({t.doc})",
                      _nonzero(t.path, "reserved"))
        elif t.role == "padding":
            _register(_kind_name("padding", t.path), "PaddingError", f"{where} made non-zero ({t.doc})",
                      _nonzero(t.path, "padding"))
    for t in field_templates():
        if t.role == "count":
            _register(_kind_name("huge-count", t.path), "TruncatedError",
                      f"{t.path.replace('[]', '')} set beyond what the data can hold", _huge_count(t.path))


_register_field_kinds()


# -- semantic: parses, but validate() must object ---------------------------

def _record_count_sum(t: _Target) -> Corruption:
    event = t.pick(t.layout.fields("functions[].record_count"), "function")
    old = event.value
    value = t.rng.choice([v for v in (old + 1, old - 1, 0, old + t.rng.integer(2, 1000)) if v != old and 0 <= v < 2**64])
    first = t.layout.fields("functions[].address")[0]
    return Corruption("record-count-sum", t.patch(event, value), f"{event.path} changed from {old} to {value}",
                      None, "record-count-sum", "functions", first.offset)


def _constant_index_range(t: _Target) -> Corruption:
    kind = t.pick(t.layout.fields("records[].locations[].kind"), "location")
    target = t.layout.field(kind.path.rsplit(".", 1)[0] + ".offset_or_small_constant")
    n = len(t.layout.fields("constants[]"))
    index = t.rng.choice([n, n + t.rng.integer(1, 1000), I32_MAX, -1, I32_MIN])
    data = t.patch(target, index, signed=True, data=t.patch(kind, 5))
    return Corruption("constant-index-range", data,
                      f"{kind.path} made ConstantIndex with index {index} ({n} constants)",
                      None, "constant-index-range", target.path, target.offset)


_register("record-count-sum", "validate: record-count-sum",
          "a function's record_count changed: the counts no longer sum to the records", _record_count_sum)
_register("constant-index-range", "validate: constant-index-range",
          "a location made ConstantIndex with an index outside the constants", _constant_index_range)


from . import statepoint_corrupt  # noqa: E402,F401  (registers the statepoint kinds)


def corruption_kinds() -> list[CorruptionKind]:
    """Every kind, in the order ``gen --list`` shows them."""
    return list(KINDS.values())


def corrupt(blob: bytes, kind: str, seed: int = 0, *, endian: str = "little", at: int | None = None) -> Corruption:
    """A broken variant of the valid ``blob`` (byte order ``endian``) and
    what a strict reader must report.  ``seed`` picks the field and the
    value; ``at`` is the truncation point of kind "truncate".  Raises
    :class:`GenerateError` for an unknown kind or one the blob offers
    nothing to (e.g. ``padding:records.align_pad`` without a record with an
    odd number of locations)."""
    if kind not in KINDS:
        raise GenerateError(f"unknown corruption kind {kind!r}; `stackmap-construct gen --list` shows them")
    parse(blob, endian=endian)  # the starting point must be valid
    target = _Target(BlobLayout(blob, endian), Rng(seed), at)
    return KINDS[kind].make(target)
