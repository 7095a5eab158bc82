"""Building blocks for the declarative layout in :mod:`.v3`.

Plain construct ``Struct``/``Array`` report failures as strings without array
indices or byte offsets, and construct's ``Padding`` does not check that
padding is zero.  These small subclasses add exactly what the format needs:

* :class:`Block` / :class:`Items`: a Struct / Array whose failures become
  :class:`~stackmap_construct.errors.StackMapError` carrying the field path
  (``records[3].locations[2].reserved``) and the field's byte offset.
* :class:`Expect`: a field that must hold one value (version 3, reserved 0).
* :class:`AlignPad`: zero bytes up to the next multiple of 8, measured from
  the start of the blob (the start of the stream being parsed).
* :class:`Model` / :class:`KindAdapter`: map parsed containers onto the
  dataclasses of :mod:`stackmap_construct.model` and back.
"""

from __future__ import annotations

import io
from dataclasses import fields as dataclass_fields

from construct import (
    Adapter, Array, Construct, ConstructError, Container, FormatField, StreamError, Struct, Subconstruct,
)
from construct.core import stream_read, stream_write

from ..errors import (
    BadLocationKindError,
    BuildError,
    PaddingError,
    StackMapError,
    TruncatedError,
)
from ..model import NOT_IN_FORMAT, LocationKind


def _remaining(stream) -> int:
    """Bytes left in a seekable stream, without reading them."""
    if isinstance(stream, io.BytesIO):
        return len(stream.getbuffer()) - stream.tell()
    here = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return end - here


def _nbytes(n: int) -> str:
    return f"{n} byte{'' if n == 1 else 's'}"


def _int_range(field: Construct) -> tuple[int, int, str] | None:
    """(lowest, highest, as text) of an integer field, None for others."""
    from .fast.plan import unwrap  # the one reader of the definition (plan imports this module)

    field = unwrap(field)
    if not isinstance(field, FormatField) or field.fmtstr[-1] not in "bBhHiIlLqQ":
        return None
    bits = 8 * field.sizeof()
    if field.fmtstr[-1].islower():
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        text = f"-2**{bits - 1}..2**{bits - 1}-1" if bits >= 32 else f"{lo}..{hi}"
    else:
        lo, hi = 0, (1 << bits) - 1
        text = f"0..2**{bits}-1" if bits >= 32 else f"0..{hi}"
    return lo, hi, text


def value_error(field: Construct, obj: object) -> BuildError | None:
    """The error for a value an integer field cannot hold (one rule for
    every way in: a bool or a float is no integer), or None when it fits."""
    bounds = _int_range(field)
    if bounds is None:
        return None
    lo, hi, text = bounds
    if type(obj) is bool or not isinstance(obj, int):
        err = BuildError(f"must be an integer in {text}, got {obj!r}")
    elif not lo <= obj <= hi:
        err = BuildError(f"must be {text}, got {obj}")
    else:
        return None
    err.path_first = True
    return err


def _as_stackmap_error(exc: ConstructError, field: Construct, offset: int, building: bool, stream,
                       obj: object = None) -> StackMapError:
    """Translate one of construct's own errors, raised by ``field`` which
    started at ``offset``, into our hierarchy."""
    detail = exc.args[0].splitlines()[-1] if exc.args else type(exc).__name__
    if building:
        err = value_error(field, obj)
        if err is not None:
            err.offset = offset
            return err
        return BuildError(f"cannot encode value: {detail}", offset=offset)
    if isinstance(exc, StreamError):
        try:
            need = _nbytes(field.sizeof())
        except ConstructError:
            need = "more bytes"
        # The failed read consumed what was left: count from the field start.
        stream.seek(offset)
        left = _remaining(stream)
        end = offset + left
        return TruncatedError(f"data ends at offset {end} (0x{end:x}): field needs {need}, only {left} left",
                              offset=offset)
    return StackMapError(detail, offset=offset)


def _located(segment: str, field: Construct, start: int, building: bool, stream, action, obj: object = None):
    """Run ``action()`` (parse or build ``field``, which starts at ``start``;
    ``obj``: the value being built) and annotate any failure with
    ``segment``: a field name or ``[index]``."""
    try:
        if building and type(obj) is bool:  # packs as 0/1, but is no integer
            refused = value_error(field, obj)
            if refused is not None:
                raise refused
        return action()
    except StackMapError as e:
        e.add_parent(segment, start)
        raise
    except ConstructError as e:
        err = _as_stackmap_error(e, field, start, building, stream, obj)
        err.add_parent(segment)
        raise err from None
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        # A model of the wrong shape (None where a list belongs, …) reaches
        # construct's own code; parsing never gets here.
        if not building:
            raise
        err = BuildError(f"cannot encode value: {type(e).__name__}: {e}", offset=start)
        err.add_parent(segment)
        raise err from None


class _Field(Subconstruct):
    """Reports failures of one named Block member with its name and offset.

    Block wraps each of its members in one of these at construction time;
    the wrapper keeps the member's name and docs so introspection (the
    generated documentation) sees the original field.
    """

    def __init__(self, subcon):
        super().__init__(subcon)
        self.name = subcon.name
        self.docs = subcon.docs
        self.flagbuildnone = subcon.flagbuildnone

    def _parse(self, stream, context, path):
        return _located(self.name, self.subcon, stream.tell(), False, stream,
                        lambda: self.subcon._parsereport(stream, context, path))

    def _build(self, obj, stream, context, path):
        return _located(self.name, self.subcon, stream.tell(), True, stream,
                        lambda: self.subcon._build(obj, stream, context, path), obj)


def Block(*subcons, **subconskw) -> Struct:
    """A ``Struct`` whose members report failures with field path and offset."""
    struct = Struct(*subcons, **subconskw)
    struct.subcons = [_Field(sc) if sc.name else sc for sc in struct.subcons]
    struct._subcons = Container((sc.name, sc) for sc in struct.subcons if sc.name)
    return struct


class Items(Array):
    """An ``Array`` of ``subcon`` repeated ``count_field`` times (the name of
    an earlier field of the same Block), whose element failures are prefixed
    with ``[index]``.

    ``min_size`` is the smallest encoded size of one element.  A declared
    count whose items cannot fit in the bytes left is refused at once, before
    any item is read (a 40-byte input declaring 2**32-1 items costs
    nothing), when the items have a fixed size: the error names the field
    of the item in which the data ends, as a parse reading items until then
    would.  Items of variable size (records) are read as they come: the
    parse stops where the data ends, with the cut field's own error; time
    and memory stay bounded by the input.
    """

    def __init__(self, subcon, count_field: str, min_size: int):
        super().__init__(lambda this: this[count_field], subcon)
        self.count_field = count_field
        self.min_size = min_size
        try:
            self.item_size: int | None = subcon.sizeof()
        except ConstructError:
            self.item_size = None

    def check_count(self, count: int, stream) -> None:
        """Refuse, at once, fixed-size items that run past the data's end."""
        if self.item_size is None:
            return
        start = stream.tell()
        left = _remaining(stream)
        if count * self.item_size > left:
            raise self.cut_error(count, start, left)

    def cut_error(self, count: int, start: int, left: int) -> TruncatedError:
        """The error for ``count`` fixed-size items at ``start`` of which only
        ``left`` bytes exist: at the field in which the data ends."""
        size = self.item_size or 1
        index, within = divmod(left, size)
        name, field_start, field_size = _field_at(self.subcon, within)
        offset = start + index * size + field_start
        end = start + left
        err = TruncatedError(
            f"data ends at offset {end} (0x{end:x}): field needs {_nbytes(field_size)}, only {end - offset} left "
            f"({self.count_field} = {count}: {count} items of {size} bytes from offset {start})",
            path=name, offset=offset,
        )
        err.add_parent(f"[{index}]")
        return err

    def _parse(self, stream, context, path):
        count = context[self.count_field]
        self.check_count(count, stream)
        subcon = self.subcon
        items = []
        for i in range(count):
            context._index = i
            items.append(_located(f"[{i}]", subcon, stream.tell(), False, stream,
                                  lambda: subcon._parsereport(stream, context, path)))
        return items

    def _build(self, obj, stream, context, path):
        subcon = self.subcon
        for i, item in enumerate(obj):
            context._index = i
            _located(f"[{i}]", subcon, stream.tell(), True, stream,
                     lambda: subcon._build(item, stream, context, path), item)
        return obj


def _field_at(element: Construct, within: int) -> tuple[str, int, int]:
    """(name, start, size) of the field of a fixed-size ``element`` that
    holds byte ``within``; ("", 0, size) for an element that is one value."""
    from .fast.plan import unwrap  # the one reader of the definition (plan imports this module)

    node = unwrap(element)
    while isinstance(node, Adapter) and not isinstance(node, Struct):
        node = unwrap(node.subcon)
    if not isinstance(node, Struct):
        return "", 0, element.sizeof()
    pos = 0
    for sub in node.subcons:
        size = sub.sizeof()
        if within < pos + size:
            return sub.name or "", pos, size
        pos += size
    return "", 0, element.sizeof()  # pragma: no cover - within < the element's size


class Expect(Subconstruct):
    """A field that must hold ``value``: checked on parse, written on build.

    ``error`` is the StackMapError subclass raised on a mismatch (e.g.
    UnsupportedVersionError for the version byte, ReservedFieldError for a
    reserved field).  On build, a missing value (None) writes ``value``; a
    different value is refused.
    """

    def __init__(self, subcon, value: int, error: type[StackMapError], what: str):
        super().__init__(subcon)
        self.value = value
        self.error = error
        self.what = what
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        got = self.subcon._parsereport(stream, context, path)
        if got != self.value:
            raise self.error(f"{self.what} must be {self.value}, found {got}")
        return got

    def _build(self, obj, stream, context, path):
        if obj is not None and obj != self.value:
            raise BuildError(f"{self.what} must be {self.value}, got {obj!r}")
        return self.subcon._build(self.value, stream, context, path)


class AlignPad(Construct):
    """Zero bytes up to the next multiple of ``alignment`` from the blob start.

    The v3 format aligns records to 8 bytes; since every block before a
    record is a multiple of 8 long, this is the "u32 padding only if
    required" of the spec (0 or 4 bytes).
    """

    def __init__(self, alignment: int = 8):
        super().__init__()
        self.alignment = alignment
        self.flagbuildnone = True

    def _parse(self, stream, context, path):
        n = -stream.tell() % self.alignment
        data = stream_read(stream, n, path)
        if data.count(0) != n:
            raise PaddingError(f"alignment padding must be zero, found {data.hex()}")
        return None

    def _build(self, obj, stream, context, path):
        n = -stream.tell() % self.alignment
        stream_write(stream, bytes(n), n, path)
        return None

    def _sizeof(self, context, path):
        raise ConstructError("alignment padding has no fixed size", path=path)


class Model(Adapter):
    """Parse a Block into a dataclass of :mod:`stackmap_construct.model`, and
    build one back; the dataclass's attributes are the Block's field names."""

    def __init__(self, subcon, cls):
        super().__init__(subcon)
        self.cls = cls
        # Fields the format does not hold (a function's symbol) are left at
        # their defaults on parse and ignored on build.
        self.names = tuple(f.name for f in dataclass_fields(cls) if not f.metadata.get(NOT_IN_FORMAT))

    def _decode(self, obj, context, path):
        return self.cls(*[obj[n] for n in self.names])

    def _encode(self, obj, context, path):
        if not isinstance(obj, self.cls):
            raise BuildError(f"expected {self.cls.__name__}, got {type(obj).__name__}")
        return {n: getattr(obj, n) for n in self.names}


class KindAdapter(Adapter):
    """The location kind byte as :class:`~stackmap_construct.model.LocationKind`;
    an unknown byte is an error, never a bare integer."""

    def _decode(self, obj, context, path):
        try:
            return LocationKind(obj)
        except ValueError:
            raise BadLocationKindError(
                f"unknown location kind {obj} (expected 1 Register, 2 Direct, 3 Indirect, 4 Constant, 5 ConstantIndex)"
            ) from None

    def _encode(self, obj, context, path):
        try:
            return int(LocationKind(obj))
        except ValueError:
            raise BuildError(f"unknown location kind {obj!r}") from None
