"""Statepoint-shaped records for test stackmaps: three leading Constants
(calling convention, flags, N), N deopt locations, then (base, derived)
pairs, as LLVM ``Statepoints.rst`` lays them out.  A stackmap of them is
valid (parses; :func:`~stackmap_construct.validate.validate` finds no error,
with ``statepoints="all"`` too)."""

from __future__ import annotations

from typing import Sequence

from ..model import Location, LocationKind, Record, StackMap
from ..statepoints.decode import DEFAULT_STATEPOINT_ID
from . import recipe
from .recipe import ALL_KINDS, U32_MAX, U32_SPECIAL, U64_MAX, Source, Span, span
from .rng import Rng
from .seeded import RngSource

#: Calling conventions a statepoint's target commonly has (C, Fast, Cold, Tail).
CALLING_CONVENTIONS = (0, 8, 9, 18)
#: Registers Indirect/Direct GC locations are based on (x86-64 rsp/rbp, AArch64 sp/x29, riscv sp).
FRAME_REGNUMS = (7, 6, 31, 29, 2)


def _constant(value: int) -> Location:
    return Location(LocationKind.Constant, 8, 0, value)


def gc_location(src: Source, size: int) -> Location:
    """A place a collector can update: a spill slot, a register or a stack object."""
    kind = src.choice((LocationKind.Indirect, LocationKind.Indirect, LocationKind.Register, LocationKind.Direct))
    if kind == LocationKind.Register:
        return Location(kind, size, src.integer(0, 15, (3, 12, 13, 14, 15)), 0)
    return Location(kind, size, src.choice(FRAME_REGNUMS), 8 * src.integer(-64, 64, (0, 1, 2)))


def statepoint_record(
    src: Source,
    *,
    num_constants: int = 0,
    kinds: Sequence[LocationKind] = ALL_KINDS,
    deopt: Span = (0, 4),
    pairs: Span = (0, 3),
    pointer_size: int = 8,
) -> Record:
    """One statepoint record: ``deopt`` values of ``kinds`` and ``pairs`` GC
    pointer pairs (some null, some a derived pointer that is its base, some
    two pointers wide)."""
    d_lo, d_hi = span(deopt, "deopt")
    p_lo, p_hi = span(pairs, "pairs")
    values = src.sequence(d_lo, d_hi, lambda s: recipe.location(s, num_constants=num_constants, kinds=kinds))
    for v in values:  # deopt values are at most 64 bits wide
        v.size = src.choice((1, 2, 4, 8))

    def pair(s: Source) -> list[Location]:
        shape = s.integer(0, 5)
        if shape == 0:  # a null pointer: LLVM writes Constant 0 for both
            return [Location(LocationKind.Constant, pointer_size, 0, 0)] * 2
        size = pointer_size * (2 if shape == 1 else 1)
        base = gc_location(s, size)
        derived = base if shape in (1, 2) else gc_location(s, size)
        return [base, Location(derived.kind, derived.size, derived.dwarf_regnum, derived.offset_or_small_constant)]

    gc = [loc for p in src.sequence(p_lo, p_hi, pair) for loc in p]
    flags = src.integer(0, 3, (0,))
    header = [_constant(src.choice(CALLING_CONVENTIONS)), _constant(flags), _constant(len(values))]
    return Record(
        src.integer(0, U64_MAX, (DEFAULT_STATEPOINT_ID, DEFAULT_STATEPOINT_ID, 0, 1)),
        src.integer(0, U32_MAX, U32_SPECIAL),
        header + values + gc,
        [],
    )


def generate_statepoints(
    seed: int,
    *,
    functions: Span = 1,
    records: Span = 4,
    constants: Span = (0, 4),
    deopt: Span = (0, 4),
    pairs: Span = (0, 3),
    kinds=ALL_KINDS,
) -> StackMap:
    """A valid stackmap whose records are all statepoints, determined by
    ``seed`` (same seed, same stackmap): functions, stack sizes and
    constants as :func:`~stackmap_construct.generate.generate` makes them."""
    kinds = recipe.location_kinds(kinds)
    base = recipe.stackmap(RngSource(Rng(seed)), functions=functions, records=records, constants=constants,
                           locations=0, live_outs=0, kinds=kinds)
    src = RngSource(Rng(seed ^ 0x5747E907))
    base.records = [
        statepoint_record(src, num_constants=len(base.constants), kinds=kinds, deopt=deopt, pairs=pairs)
        for _ in base.records
    ]
    return base

