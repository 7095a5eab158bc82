"""Errors deep in a blob of several scan chunks (the fast path walks records
8192 at a time): the same error as the construct definition's, whichever
chunk holds it and whatever comes first (issue 11: errors no slower than
success, measured in benchmarks/run.py; here, that they stay right)."""

from __future__ import annotations

import pytest

from stackmap_construct import Function, LiveOut, Location, LocationKind, Record, StackMap, StackMapError, build, parse
from stackmap_construct.format.api import backend
from stackmap_construct.format.fast.parser import SCAN_CHUNK

N = SCAN_CHUNK + 200  # two chunks


@pytest.fixture(scope="module")
def blob() -> tuple[bytes, list[int]]:
    """N records with one Register location and one live-out each: 48 bytes
    per record (16 header + 4 + 12 location + 4 align pad... laid out by the
    format), and the offset of each record."""
    records = [Record(i, 4 * i, [Location(LocationKind.Register, 8, 3, 0)], [LiveOut(7, 8)]) for i in range(N)]
    sm = StackMap(3, [Function(0x1000, 16, N)], [], records)
    data = build(sm)
    first = 16 + 24  # header, one function
    size = (len(data) - first) // N
    assert len(data) == first + N * size
    return data, [first + size * i for i in range(N)]


def errors(data: bytes) -> list[tuple]:
    out = []
    for name in ("fast", "construct"):
        with backend(name):
            try:
                parse(data)
            except StackMapError as e:
                out.append((type(e).__name__, e.path, e.offset, e.message))
            else:
                out.append(None)
    return out


def set_byte(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    out[offset] = value
    return bytes(out)


@pytest.mark.parametrize("record", [5, SCAN_CHUNK, N - 1])
def test_record_flags_in_any_chunk(blob, record):
    data, offsets = blob
    fast, slow = errors(set_byte(data, offsets[record] + 12, 1))  # records[i].reserved
    assert fast == slow == ("ReservedFieldError", f"records[{record}].reserved", offsets[record] + 12,
                            "reserved field must be 0, found 1")


@pytest.mark.parametrize("item_record,flag_record", [
    (100, SCAN_CHUNK + 50),  # a bad item in an earlier chunk comes first
    (SCAN_CHUNK + 10, SCAN_CHUNK + 50),  # a bad item earlier in the failing chunk comes first
    (SCAN_CHUNK + 60, SCAN_CHUNK + 50),  # the record-level error comes first
])
def test_the_first_error_wins_across_chunks(blob, item_record, flag_record):
    data, offsets = blob
    data = set_byte(data, offsets[item_record] + 17, 1)  # records[i].locations[0].reserved
    data = set_byte(data, offsets[flag_record] + 12, 1)
    fast, slow = errors(data)
    assert fast == slow
    first = min(item_record, flag_record)
    assert fast[1].startswith(f"records[{first}].")


@pytest.mark.parametrize("cut", [1, 6, 20])
def test_cut_in_the_last_chunk(blob, cut):
    data, _ = blob
    fast, slow = errors(data[:-cut])
    assert fast == slow and fast[0] == "TruncatedError"
    assert fast[3].startswith(f"data ends at offset {len(data) - cut} ")
