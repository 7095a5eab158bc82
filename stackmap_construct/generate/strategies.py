"""Hypothesis strategies for valid stackmaps (needs ``hypothesis``).

Public API for people who test stackmap consumers::

    from hypothesis import given
    from stackmap_construct.generate.strategies import stackmaps

    @given(blob=stackmaps(endian="big", min_records=1))
    def test_my_reader(blob): ...

Generated stackmaps are valid: they parse, the functions' record counts sum
to the number of records, every ConstantIndex location indexes an existing
constant, and :func:`stackmap_construct.validate.validate` finds no error.
Every location kind occurs; location and live-out counts are odd and even;
values reach the extremes of their fields (0, 2**64-1, 2**32-1, INT32_MIN,
negative offsets, the dynamic stack size).

The stackmaps are built by the same recipe as the seeded generator
(:mod:`stackmap_construct.generate.recipe`), with every choice drawn from
hypothesis, so failures shrink: lists lose elements, numbers go towards
zero, kinds towards Register.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, Sequence

from hypothesis import strategies as st

from ..format import build
from . import recipe
from .recipe import ALL_KINDS, location_kinds
from ..model import LiveOut, Location, Record, StackMap


@lru_cache(maxsize=4096)
def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@lru_cache(maxsize=4096)
def _sampled(options: tuple) -> st.SearchStrategy:
    return st.sampled_from(options)


class _DrawSource:
    """A :class:`~stackmap_construct.generate.recipe.Source` whose choices
    are hypothesis draws.

    Each value is exactly one draw, so all elements of a list have the same
    shape and the shrinker can delete any of them (with two draws per
    value, e.g. ``one_of(integers, sampled_from(special))``, it often
    cannot).  Extremes therefore come per example: an "extreme" example
    draws every number from the special values, a plain one from the whole
    range; examples shrink towards plain, and numbers towards 0.
    """

    def __init__(self, draw, extreme: bool):
        self.draw = draw
        self.extreme = extreme

    def integer(self, lo: int, hi: int, special: Sequence[int] = ()) -> int:
        special = tuple(sorted({v for v in special if lo <= v <= hi}))
        if self.extreme and special:
            return self.draw(_sampled(special))
        return self.draw(_integers(lo, hi))

    def choice(self, options: Sequence):
        return self.draw(_sampled(tuple(options)))

    def sequence(self, lo: int, hi: int, element: Callable) -> list:
        return self.draw(st.lists(_made_by(element, {}, self.extreme), min_size=lo, max_size=hi))


@st.composite
def _made_by(draw, make: Callable, kwargs: dict, extreme: bool | None = None):
    if extreme is None:
        extreme = draw(st.booleans())
    return make(_DrawSource(draw, extreme), **kwargs)


def _from_recipe(make: Callable, **kwargs) -> st.SearchStrategy:
    """A strategy whose values are ``make(source, **kwargs)``.  (One
    composite defined once: defining one per draw would make hypothesis
    inspect a new function every time.)"""
    return _made_by(make, kwargs)


def locations(*, num_constants: int = 0, kinds: Iterable = ALL_KINDS) -> st.SearchStrategy[Location]:
    """One location of one of ``kinds``; ConstantIndex only when
    ``num_constants`` > 0, with an index below it."""
    return _from_recipe(recipe.location, num_constants=num_constants, kinds=location_kinds(kinds))


def live_outs() -> st.SearchStrategy[LiveOut]:
    """One live-out register."""
    return _from_recipe(recipe.live_out)


def records(
    *,
    num_constants: int = 0,
    kinds: Iterable = ALL_KINDS,
    min_locations: int = 0,
    max_locations: int = 8,
    min_live_outs: int = 0,
    max_live_outs: int = 5,
) -> st.SearchStrategy[Record]:
    """One record whose ConstantIndex locations index a pool of
    ``num_constants`` constants."""
    return _from_recipe(
        recipe.record, num_constants=num_constants, kinds=location_kinds(kinds),
        locations=(min_locations, max_locations), live_outs=(min_live_outs, max_live_outs),
    )


def stackmaps(
    *,
    endian: str | None = None,
    min_records: int = 0,
    max_records: int = 6,
    min_functions: int = 0,
    max_functions: int = 4,
    min_constants: int = 0,
    max_constants: int = 4,
    min_locations: int = 0,
    max_locations: int = 8,
    min_live_outs: int = 0,
    max_live_outs: int = 5,
    kinds: Iterable = ALL_KINDS,
) -> st.SearchStrategy:
    """Valid stackmaps: :class:`~stackmap_construct.model.StackMap` objects,
    or, when ``endian`` is "little" or "big", their encoded blobs (bytes).

    Records number ``min_records..max_records`` in total and are dealt to
    the functions in order (a function may get none); locations and
    live-outs are counted per record; ``kinds`` limits the location kinds
    (names, numbers or :class:`LocationKind`).
    """
    if endian not in (None, "little", "big"):
        raise ValueError(f"endian must be None, 'little' or 'big', not {endian!r}")
    strategy: st.SearchStrategy[StackMap] = _from_recipe(
        recipe.stackmap,
        functions=(min_functions, max(max_functions, 1 if min_records else 0)),
        records=(min_records, max_records),
        constants=(min_constants, max_constants),
        locations=(min_locations, max_locations),
        live_outs=(min_live_outs, max_live_outs),
        kinds=location_kinds(kinds),
    )
    return strategy if endian is None else strategy.map(lambda sm: build(sm, endian=endian))
