"""The public hypothesis strategies: valid output, honoured options, blobs
in either byte order, and shrinking that ends at the smallest example."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from stackmap_construct import Function, LiveOut, Location, LocationKind, Record, StackMap, build, parse
from stackmap_construct.generate.strategies import live_outs, locations, records, stackmaps
from stackmap_construct.validate import validate

K = LocationKind
QUICK = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_valid(sm: StackMap) -> bool:
    return (
        sum(f.record_count for f in sm.functions) == len(sm.records)
        and all(0 <= loc.offset_or_small_constant < len(sm.constants)
                for r in sm.records for loc in r.locations if loc.kind == K.ConstantIndex)
        and not [f for f in validate(sm) if f.severity == "error"]
    )


@QUICK
@given(sm=stackmaps(min_records=2, max_records=5, max_functions=3, min_locations=1, max_live_outs=2))
def test_stackmaps_are_valid_and_within_bounds(sm):
    assert _is_valid(sm)
    assert 2 <= len(sm.records) <= 5 and 1 <= len(sm.functions) <= 3
    assert all(len(r.locations) >= 1 and len(r.live_outs) <= 2 for r in sm.records)


@pytest.mark.parametrize("endian", ["little", "big"])
@QUICK
@given(data=st.data())
def test_endian_gives_blobs_in_that_byte_order(endian, data):
    blob = data.draw(stackmaps(endian=endian, min_records=1))
    assert isinstance(blob, bytes)
    sm = parse(blob, endian=endian)
    assert build(sm, endian=endian) == blob and _is_valid(sm)


@QUICK
@given(sm=stackmaps(kinds=["Indirect", K.ConstantIndex], min_records=1, min_locations=1, max_constants=2))
def test_kinds_limit_the_locations(sm):
    kinds = {loc.kind for r in sm.records for loc in r.locations}
    assert kinds <= {K.Indirect, K.ConstantIndex}
    if not sm.constants:
        assert kinds == {K.Indirect}


@QUICK
@given(loc=locations(num_constants=3), record=records(num_constants=2, min_locations=3, max_locations=3,
                                                     min_live_outs=1, max_live_outs=1), live=live_outs())
def test_single_strategies(loc, record, live):
    assert isinstance(loc, Location) and loc.size >= 1
    if loc.kind == K.ConstantIndex:
        assert 0 <= loc.offset_or_small_constant < 3
    assert isinstance(record, Record) and len(record.locations) == 3 and len(record.live_outs) == 1
    assert isinstance(live, LiveOut) and 1 <= live.size <= 255


@QUICK
@given(loc=locations())
def test_locations_without_constants_never_index(loc):
    assert loc.kind != K.ConstantIndex


def test_strategies_reach_every_kind_and_the_extremes():
    seen = set()

    @settings(max_examples=300, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(sm=stackmaps())
    def collect(sm):
        seen.update(("stack size", f.stack_size) for f in sm.functions)
        seen.update(("constant", c) for c in sm.constants)
        for r in sm.records:
            seen.update([("id", r.patchpoint_id), ("instruction offset", r.instruction_offset),
                         ("locations parity", len(r.locations) % 2), ("live-outs parity", len(r.live_outs) % 2)])
            for loc in r.locations:
                seen.update([("kind", loc.kind), ("size", loc.size), ("regnum", loc.dwarf_regnum)])
                if loc.kind in (K.Direct, K.Indirect, K.Constant):
                    seen.add(("offset", loc.offset_or_small_constant))

    collect()
    wanted = {("kind", k) for k in K} | {
        ("locations parity", 0), ("locations parity", 1), ("live-outs parity", 0), ("live-outs parity", 1),
        ("stack size", 2**64 - 1), ("stack size", 0), ("constant", 2**64 - 1), ("constant", 0), ("id", 2**64 - 1),
        ("instruction offset", 2**32 - 1), ("offset", -(2**31)), ("offset", 2**31 - 1), ("offset", -8),
        ("size", 1), ("size", 65535), ("regnum", 65535),
    }
    assert wanted <= seen, wanted - seen


def test_shrinking_ends_at_the_smallest_stackmap():
    # The smallest stackmap with a ConstantIndex location: one constant (0),
    # one record with that single location, one function; every number 0
    # (or 1 for the size, which may not be 0).
    sm = find(stackmaps(), lambda sm: any(loc.kind == K.ConstantIndex for r in sm.records for loc in r.locations),
              settings=settings(database=None, max_examples=2000, derandomize=True))
    assert sm == StackMap(3, [Function(0, 0, 1)], [0], [Record(0, 0, [Location(K.ConstantIndex, 1, 0, 0)], [])])

    three = find(stackmaps(), lambda sm: len(sm.records) >= 3, settings=settings(database=None, derandomize=True))
    assert three == StackMap(3, [Function(0, 0, 3)], [], [Record(0, 0, [], [])] * 3)

    odd = find(stackmaps(), lambda sm: any(len(r.live_outs) == 3 for r in sm.records),
               settings=settings(database=None, derandomize=True))
    assert odd.records == [Record(0, 0, [], [LiveOut(0, 1)] * 3)]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="endian"):
        stackmaps(endian="middle")
    with pytest.raises(ValueError, match="unknown location kind"):
        locations(kinds=["Stack"])
