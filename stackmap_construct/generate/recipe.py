"""What a valid stackmap looks like, written once for every source of choices.

The seeded generator (:mod:`.seeded`, choices from :class:`~.rng.Rng`) and
the hypothesis strategies (:mod:`stackmap_construct.generate.strategies`, choices from
hypothesis, which can then shrink them) both build stackmaps with the
functions below; they differ only in the :class:`Source` they pass.

"Valid" means: it parses, and :func:`stackmap_construct.validate.validate`
finds no error in it.  The functions' record counts sum to the number of
records, every ConstantIndex indexes an existing constant, every location
size is non-zero.  Fields LLVM leaves at zero (the register of a Constant,
the offset of a Register) are zero.  Values reach the extremes of their
fields: 0, 2**64-1, 2**32-1, INT32_MIN, negative offsets, the dynamic stack
size, register 65535.
"""

from __future__ import annotations

from typing import Callable, Iterable, Protocol, Sequence, TypeVar, Union

from ..model import DYNAMIC_STACK_SIZE, Function, LiveOut, Location, LocationKind, Record, StackMap

T = TypeVar("T")

U8_MAX, U16_MAX, U32_MAX, U64_MAX = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**64 - 1
I32_MIN, I32_MAX = -(2**31), 2**31 - 1

# Values worth hitting more often than a uniform draw would.
U64_SPECIAL = (0, 1, 2**31, 2**32, 2**63, U64_MAX)
STACK_SIZE_SPECIAL = (0, 8, 16, 2**32, DYNAMIC_STACK_SIZE)
U32_SPECIAL = (0, 1, U32_MAX)
REGNUM_SPECIAL = (0, 6, 7, 31, 1203, U16_MAX)  # 1203: ppc64's r3 (32-bit); 65535: s390x's no-number register
SIZE_SPECIAL = (1, 2, 4, 8, 16, U16_MAX)
LIVE_OUT_SIZE_SPECIAL = (1, 4, 8, 16, U8_MAX)
I32_SPECIAL = (0, -1, 1, -8, -16, I32_MIN, I32_MAX)

ALL_KINDS = tuple(LocationKind)

Span = Union[int, Sequence[int]]  # an exact count, or (lo, hi) inclusive


class Source(Protocol):
    """Where the choices come from."""

    def integer(self, lo: int, hi: int, special: Sequence[int] = ()) -> int:
        """An integer in ``[lo, hi]``; the values of ``special`` that lie in
        the range are favoured."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options`` (non-empty)."""

    def sequence(self, lo: int, hi: int, element: Callable[["Source"], T]) -> list[T]:
        """Between ``lo`` and ``hi`` elements, each made by ``element``."""


def span(value: Span, name: str) -> tuple[int, int]:
    """``(lo, hi)`` from an exact count or a pair, checked."""
    lo, hi = (value, value) if isinstance(value, int) else tuple(value)
    if not 0 <= lo <= hi:
        raise ValueError(f"{name}: need 0 <= min <= max, got {lo}..{hi}")
    return lo, hi


def location_kinds(kinds: Iterable) -> tuple[LocationKind, ...]:
    """Kinds given as LocationKind, their numbers or their names, in kind order."""
    out = set()
    for k in kinds:
        try:
            out.add(LocationKind[k] if isinstance(k, str) else LocationKind(k))
        except (KeyError, ValueError):
            names = ", ".join(LocationKind.__members__)
            raise ValueError(f"unknown location kind {k!r} (expected one of {names})") from None
    if not out:
        raise ValueError("at least one location kind is needed")
    return tuple(sorted(out))


def location(src: Source, *, num_constants: int = 0, kinds: Sequence[LocationKind] = ALL_KINDS) -> Location:
    """One location of one of ``kinds``; ConstantIndex only when there are
    constants to index."""
    usable = [k for k in kinds if k != LocationKind.ConstantIndex or num_constants > 0]
    if not usable:
        raise ValueError("ConstantIndex is the only kind allowed but there are no constants to index")
    kind = src.choice(usable)
    size = src.integer(1, U16_MAX, SIZE_SPECIAL)
    if kind == LocationKind.Register:
        return Location(kind, size, src.integer(0, U16_MAX, REGNUM_SPECIAL), 0)
    if kind in (LocationKind.Direct, LocationKind.Indirect):
        return Location(kind, size, src.integer(0, U16_MAX, REGNUM_SPECIAL), src.integer(I32_MIN, I32_MAX, I32_SPECIAL))
    if kind == LocationKind.Constant:
        return Location(kind, size, 0, src.integer(I32_MIN, I32_MAX, I32_SPECIAL))
    return Location(kind, size, 0, src.integer(0, num_constants - 1, (0, num_constants - 1)))


def live_out(src: Source) -> LiveOut:
    """One live-out register."""
    return LiveOut(src.integer(0, U16_MAX, REGNUM_SPECIAL), src.integer(1, U8_MAX, LIVE_OUT_SIZE_SPECIAL))


def record(
    src: Source,
    *,
    num_constants: int = 0,
    kinds: Sequence[LocationKind] = ALL_KINDS,
    locations: Span = (0, 8),
    live_outs: Span = (0, 5),
) -> Record:
    """One record with a number of locations and live-outs in the given spans."""
    loc_lo, loc_hi = span(locations, "locations")
    lo_lo, lo_hi = span(live_outs, "live_outs")
    return Record(
        src.integer(0, U64_MAX, U64_SPECIAL),
        src.integer(0, U32_MAX, U32_SPECIAL),
        src.sequence(loc_lo, loc_hi, lambda s: location(s, num_constants=num_constants, kinds=kinds)),
        src.sequence(lo_lo, lo_hi, live_out),
    )


def stackmap(
    src: Source,
    *,
    functions: Span = (0, 4),
    records: Span = (0, 6),
    constants: Span = (0, 4),
    locations: Span = (0, 8),
    live_outs: Span = (0, 5),
    kinds: Iterable = ALL_KINDS,
) -> StackMap:
    """A valid stackmap.  Records are dealt to the functions in order, as
    LLVM emits them, and each function's ``record_count`` says how many it
    got (a function may get none when there are more functions than records)."""
    kinds = location_kinds(kinds)
    fn_lo, fn_hi = span(functions, "functions")
    rec_lo, rec_hi = span(records, "records")
    const_lo, const_hi = span(constants, "constants")
    if fn_hi == 0:
        if rec_lo > 0:
            raise ValueError("records need at least one function to belong to")
        rec_hi = 0
    if kinds == (LocationKind.ConstantIndex,) and span(locations, "locations")[1] > 0:
        # Only ConstantIndex locations: they need a constant to point at.
        if const_hi == 0:
            raise ValueError("ConstantIndex locations need at least one constant")
        const_lo = max(const_lo, 1)

    pool = src.sequence(const_lo, const_hi, lambda s: s.integer(0, U64_MAX, U64_SPECIAL))
    recs = src.sequence(
        rec_lo, rec_hi,
        lambda s: record(s, num_constants=len(pool), kinds=kinds, locations=locations, live_outs=live_outs),
    )
    n_functions = src.integer(max(fn_lo, 1 if recs else 0), fn_hi)
    # n_functions - 1 cut points split the records into consecutive runs.
    cuts = sorted(src.sequence(max(n_functions - 1, 0), max(n_functions - 1, 0), lambda s: s.integer(0, len(recs))))
    bounds = [0, *cuts, len(recs)]
    fns = [
        Function(
            src.integer(0, U64_MAX, U64_SPECIAL),
            src.integer(0, U64_MAX, STACK_SIZE_SPECIAL),
            bounds[i + 1] - bounds[i],
        )
        for i in range(n_functions)
    ]
    return StackMap(3, fns, pool, recs)
