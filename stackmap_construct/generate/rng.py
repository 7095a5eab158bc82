"""A small deterministic random number generator (SplitMix64).

Python's ``random`` is stable in practice, but its seeding and its
``randrange`` algorithm are implementation details that have changed
between versions.  The seeded generator promises the same bytes for the
same seed on every machine and Python version, so it uses this generator,
whose every step is fixed 64-bit integer arithmetic written out here.
"""

from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")

_MASK = (1 << 64) - 1


class Rng:
    """SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
    number generators", 2014).  Seeds are taken modulo 2**64."""

    def __init__(self, seed: int):
        self.state = seed & _MASK

    def next64(self) -> int:
        """The next 64-bit output."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """Uniform in ``[0, n)`` for any ``n >= 1`` (rejection sampling, so
        no modulo bias; ``n`` may exceed 2**64)."""
        if n < 1:
            raise ValueError(f"below() needs n >= 1, got {n}")
        bits = (n - 1).bit_length()
        words = max(1, -(-bits // 64))
        while True:
            value = 0
            for _ in range(words):
                value = (value << 64) | self.next64()
            value >>= words * 64 - bits
            if value < n:
                return value

    def integer(self, lo: int, hi: int) -> int:
        """Uniform in ``[lo, hi]`` (both included)."""
        if hi < lo:
            raise ValueError(f"empty range [{lo}, {hi}]")
        return lo + self.below(hi - lo + 1)

    def choice(self, options: Sequence[T]) -> T:
        """One element of a non-empty sequence, uniformly."""
        return options[self.below(len(options))]

    def chance(self, numerator: int, denominator: int) -> bool:
        """True with probability ``numerator / denominator``."""
        return self.below(denominator) < numerator

    def bytes(self, n: int) -> bytes:
        """``n`` random bytes."""
        return bytes(self.below(256) for _ in range(n))
