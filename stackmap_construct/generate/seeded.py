"""The seeded generator: the same seed and options give the same stackmap,
and the same bytes, on every machine.  Needs no hypothesis."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence, TypeVar

from ..format import build
from ..model import StackMap
from . import recipe
from .recipe import ALL_KINDS, Span
from .rng import Rng

T = TypeVar("T")


class RngSource:
    """A :class:`~.recipe.Source` drawing from a :class:`~.rng.Rng`."""

    #: One draw in this many takes a special value (when one is in range).
    SPECIAL_ODDS = 4

    def __init__(self, rng: Rng):
        self.rng = rng

    def integer(self, lo: int, hi: int, special: Sequence[int] = ()) -> int:
        """Uniform in ``[lo, hi]``, or one of ``special`` one time in four."""
        usable = [v for v in special if lo <= v <= hi]
        if usable and self.rng.chance(1, self.SPECIAL_ODDS):
            return self.rng.choice(usable)
        return self.rng.integer(lo, hi)

    def choice(self, options: Sequence[T]) -> T:
        """Uniformly one of ``options``."""
        return self.rng.choice(options)

    def sequence(self, lo: int, hi: int, element: Callable[["RngSource"], T]) -> list[T]:
        """A length in ``[lo, hi]`` (the bounds favoured), then the elements."""
        return [element(self) for _ in range(self.integer(lo, hi, (lo, hi)))]


def generate(
    seed: int,
    *,
    functions: Span = 1,
    records: Span = 4,
    constants: Span = (0, 4),
    locations: Span = (0, 8),
    live_outs: Span = (0, 4),
    kinds: Iterable = ALL_KINDS,
) -> StackMap:
    """A valid stackmap determined by ``seed`` and the options: ``functions``
    and ``records`` (in total, dealt to the functions in order) and the
    constant pool size are exact counts or ``(min, max)``; ``locations`` and
    ``live_outs`` are per record; ``kinds`` limits the location kinds."""
    return recipe.stackmap(
        RngSource(Rng(seed)),
        functions=functions, records=records, constants=constants,
        locations=locations, live_outs=live_outs, kinds=kinds,
    )


def generate_blob(seed: int, *, endian: str = "little", **options) -> bytes:
    """The blob of :func:`generate` (same options) in byte order ``endian``."""
    return build(generate(seed, **options), endian=endian)
