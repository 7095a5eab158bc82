"""The one place byte-order names meet ``struct`` prefixes: "little"/"big"
(how the API, the containers and the JSON form say it) <-> "<"/">"."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    #: a byte order as int.from_bytes / int.to_bytes take it
    Endian = Literal["little", "big"]

ENDIANS = ("little", "big")
_PREFIX = {"little": "<", "big": ">"}
_NAME: dict[str, Endian] = {"<": "little", ">": "big"}


def struct_prefix(endian: str) -> str:
    """``"<"`` for ``"little"``, ``">"`` for ``"big"``."""
    try:
        return _PREFIX[endian]
    except KeyError:
        raise ValueError(f"endian must be one of {ENDIANS}, not {endian!r}") from None


def endian_name(prefix: str) -> Endian:
    """``"little"`` for ``"<"``, ``"big"`` for ``">"``."""
    return _NAME[prefix]


def endian_of_flag(little: bool) -> Endian:
    return "little" if little else "big"
