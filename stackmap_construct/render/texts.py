"""The per-distinct-item text cache the streamed renderers share."""

from __future__ import annotations

from typing import Callable


class Texts(dict):
    """Encoded item (a 1-tuple, as ``struct.iter_unpack`` gives it) -> its
    text, made once per distinct item by ``make``."""

    #: Distinct items kept at most: past it the cache starts again, so memory
    #: stays bounded on inputs with millions of distinct items.
    LIMIT = 1 << 16

    def __init__(self, make: Callable[[bytes], str]):
        super().__init__()
        self.make = make

    def __missing__(self, key: tuple[bytes]) -> str:
        text = self[key] = self.make(key[0])
        return text

    def bound(self) -> None:
        """Forget everything once more than :attr:`LIMIT` items are kept
        (between chunks: the text of the chunk at hand is made by then)."""
        if len(self) > self.LIMIT:
            self.clear()
