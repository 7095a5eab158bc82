"""record_runs: which records each function owns (StackMaps.rst: records
follow their function's StkSizeRecord in order, record_count of them).  The
expected ranges are worked out by hand from that rule."""

from __future__ import annotations

import pytest

from stackmap_construct.model import Function, Record, StackMap, record_runs


def functions(*counts: int) -> list[Function]:
    return [Function(0x1000 * (i + 1), 16, n) for i, n in enumerate(counts)]


@pytest.mark.parametrize("counts, n, expected", [
    # counts sum to the records: nothing left over
    ((2, 0, 3), 5, [range(0, 2), range(2, 2), range(2, 5), range(5, 5)]),
    # the second function's count overruns: it gets what exists, the third none
    ((3, 4, 1), 5, [range(0, 3), range(3, 5), range(5, 5), range(5, 5)]),
    # records beyond the counts' sum: the last range holds them
    ((1,), 3, [range(0, 1), range(1, 3)]),
    # no function: every record is beyond
    ((), 4, [range(0, 4)]),
    # a negative count (only in a hand-made model): no record, and the runs do not overlap
    ((-1, 2), 3, [range(0, 0), range(0, 2), range(2, 3)]),
    # no record at all
    ((2, 2), 0, [range(0, 0), range(0, 0), range(0, 0)]),
])
def test_record_runs(counts, n, expected):
    assert record_runs(functions(*counts), n) == expected


def test_records_by_function_follows_the_runs():
    records = [Record(i, 4 * i) for i in range(6)]
    sm = StackMap(functions=functions(2, 5), records=records)
    assert [(fn.address if fn else None, [r.patchpoint_id for r in rs]) for fn, rs in sm.records_by_function()] \
        == [(0x1000, [0, 1]), (0x2000, [2, 3, 4, 5])]
    sm = StackMap(functions=functions(1, 2), records=records)
    assert [(fn.address if fn else None, [r.patchpoint_id for r in rs]) for fn, rs in sm.records_by_function()] \
        == [(0x1000, [0]), (0x2000, [1, 2]), (None, [3, 4, 5])]
