"""The byte order of a bare blob, from its own bytes.

A v3 header is ``03 00 00 00`` and three u32 counts; a count read in the
wrong order is almost always far beyond what the data could hold (1 becomes
16,777,216).  :func:`detect_endian` picks the order whose counts fit, and
when both fit, parses in both: one success decides, two different results
are refused (the caller must say which).
"""

from __future__ import annotations

import struct

from ..errors import StackMapError
from .api import parse_all
from .v3 import CONSTANT_SIZE, ENDIANS, FUNCTION_SIZE, HEADER_SIZE, MIN_RECORD_SIZE


def _counts_fit(data: bytes, endian: str) -> bool:
    functions, constants, records = struct.unpack_from("<III" if endian == "little" else ">III", data, 4)
    need = HEADER_SIZE + functions * FUNCTION_SIZE + constants * CONSTANT_SIZE + records * MIN_RECORD_SIZE
    return need <= len(data)


def detect_endian(data: bytes) -> str:
    """"little" or "big": the byte order of the blob(s) in ``data`` (the first
    header decides).  Data too short for a header, or a header that fits in
    neither order, gives "little" (the parse then reports what is wrong).
    Raises :class:`StackMapError` when the data parses in both orders to
    different stackmaps."""
    if len(data) < HEADER_SIZE:
        return "little"
    fits = [e for e in ENDIANS if _counts_fit(data, e)]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        return "little"
    parsed = {}
    for endian in ENDIANS:
        try:
            parsed[endian] = parse_all(data, endian=endian)
        except StackMapError:
            pass
    if len(parsed) == 1:
        return next(iter(parsed))
    if len(parsed) == 2 and parsed["little"] != parsed["big"]:
        raise StackMapError("the blob parses both as little-endian and as big-endian, to different stackmaps: "
                            "say which with --endian little or --endian big")
    return "little"


def other_endian(endian: str) -> str:
    return "big" if endian == "little" else "little"
