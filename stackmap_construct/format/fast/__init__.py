"""The fast path of parse / build, derived from the one definition in
:mod:`stackmap_construct.format.v3` (see :mod:`.plan`).

:func:`parse_at` parses a blob in bulk into a StackMap whose records are a
:class:`~.lazy.RecordList`; whatever it finds wrong is handed to the
construct definition, so errors are the construct path's.  :func:`build`
encodes a StackMap with precompiled Structs and copies the bytes of records
that were read and not changed.  :func:`build_plain_data` and
:func:`from_plain_data` encode the plain-data form in bulk, the second
giving a StackMap read from those bytes (``from_dict`` without the objects).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .codegen import forget_words
from .lazy import RecordList
from .parser import BlobIndex, FastMiss, layout, parse_at
from .plan import Unsupported, plan


def __getattr__(name: str) -> Any:
    # The builder is imported when something is built, not with the parser
    # (start-up of the commands that only read).
    if name in ("build", "build_plain_data", "from_plain_data"):
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["parse_at", "build", "build_plain_data", "from_plain_data", "forget_words", "RecordList", "BlobIndex", "FastMiss", "layout", "plan", "Unsupported"]
