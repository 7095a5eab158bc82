"""from_dict and build(dict) on the fast path (encoded in bulk, records
read from the bytes on access) against the model's own from_dict and the
construct path: same stackmaps, same bytes, same errors; values the bulk
encoder does not take (out of range, a kind by number, wrong types) go to
the model's from_dict, which keeps them or names the problem."""

from __future__ import annotations

import copy
import enum
import pathlib

import pytest
from hypothesis import given, settings

from stackmap_construct import BuildError, LiveOut, Location, LocationKind, build, from_dict, parse, to_dict
from stackmap_construct import model
from stackmap_construct.containers import read_container
from stackmap_construct.format.api import backend
from stackmap_construct.format.fast.lazy import RecordList
from stackmap_construct.generate.strategies import stackmaps

DATA = pathlib.Path(__file__).parent / "data"
FIXTURES = sorted(DATA.glob("*/*.o")) + sorted(DATA.glob("llvm22/*/*.o"))


class Small(enum.IntEnum):
    EIGHT = 8


def _doc() -> dict:
    return {"version": 3,
            "functions": [{"address": 16, "stack_size": 8, "record_count": 2, "symbol": "f"}],
            "constants": [7, 2**64 - 1],
            "records": [
                {"patchpoint_id": 2**64 - 1, "instruction_offset": 4, "address": 20,
                 "locations": [{"kind": "Indirect", "size": 8, "dwarf_regnum": 6, "offset_or_small_constant": -24},
                               {"kind": "ConstantIndex", "size": 8, "dwarf_regnum": 0, "offset_or_small_constant": 1},
                               {"kind": "Register", "size": 8, "dwarf_regnum": 3, "offset_or_small_constant": 0}],
                 "live_outs": [{"dwarf_regnum": 7, "size": 8}, {"dwarf_regnum": 19, "size": 16}]},
                {"patchpoint_id": 0, "instruction_offset": 2**32 - 1, "locations": [], "live_outs": []},
            ]}


def test_records_are_read_from_the_bytes_and_equal_the_objects():
    doc = _doc()
    sm = from_dict(doc)
    assert isinstance(sm.records, RecordList) and sm.records.pristine
    reference = model.from_dict(doc)
    assert type(reference.records) is list
    assert sm == reference and repr(sm) == repr(reference)
    assert sm.functions[0].symbol == "f"
    assert sm.records[0].locations[0] == Location(LocationKind.Indirect, 8, 6, -24)
    assert sm.records[0].live_outs == [LiveOut(7, 8), LiveOut(19, 16)]
    assert sm.records[1].instruction_offset == 2**32 - 1
    with backend("construct"):
        assert build(reference) == build(sm) == build(doc)
    assert to_dict(sm) == to_dict(reference)


def test_edits_are_kept_and_built():
    sm = from_dict(_doc())
    sm.records[0].locations[0].offset_or_small_constant = -32
    sm.records[1].live_outs.append(LiveOut(3, 8))
    reference = model.from_dict(_doc())
    reference.records[0].locations[0].offset_or_small_constant = -32
    reference.records[1].live_outs.append(LiveOut(3, 8))
    assert sm == reference
    with backend("construct"):
        expected = build(reference)
    assert build(sm) == expected
    assert parse(expected).records[1].live_outs == [LiveOut(3, 8)]


@pytest.mark.parametrize("change, value", [
    (("records", 0, "locations", 0, "size"), 70000),  # does not fit u16: kept, build refuses
    (("records", 0, "locations", 0, "kind"), 3),  # a kind by its number
    (("records", 0, "patchpoint_id"), 2**64),  # does not fit u64
    (("records", 0, "live_outs", 0, "size"), 256),  # does not fit u8
])
def test_what_the_bulk_encoder_does_not_take_is_the_models(change, value):
    doc = _doc()
    target = doc
    for key in change[:-1]:
        target = target[key]
    target[change[-1]] = value
    sm = from_dict(doc)
    reference = model.from_dict(doc)
    assert sm == reference and type(sm.records) is list
    if change[-1] != "kind":
        with pytest.raises(BuildError) as fast_error:
            build(sm)
        with backend("construct"), pytest.raises(BuildError) as slow_error:
            build(reference)
        assert (fast_error.value.path, str(fast_error.value)) == (slow_error.value.path, str(slow_error.value))
        with pytest.raises(BuildError) as dict_error:
            build(doc)
        assert (dict_error.value.path, str(dict_error.value)) == (slow_error.value.path, str(slow_error.value))


@pytest.mark.parametrize("change, value, message, path", [
    (("records", 0, "locations", 1, "size"), True, "size must be an integer, got True",
     "records[0].locations[1].size"),
    (("records", 0, "locations", 2, "size"), Small.EIGHT, "size must be an integer", "records[0].locations[2].size"),
    (("records", 1, "instruction_offset"), 4.0, "instruction_offset must be an integer",
     "records[1].instruction_offset"),
    (("records", 0, "live_outs", 1, "dwarf_regnum"), "7", "dwarf_regnum must be an integer",
     "records[0].live_outs[1].dwarf_regnum"),
    (("records", 0, "locations", 0, "kind"), "Nope", "unknown location kind 'Nope'", "records[0].locations[0].kind"),
    (("records", 0, "locations"), {}, "locations must be a list", "records[0].locations"),
    (("records", 1), [], "expected an object, got list", "records[1]"),
])
def test_errors_are_the_models(change, value, message, path):
    doc = _doc()
    target = doc
    for key in change[:-1]:
        target = target[key]
    target[change[-1]] = value
    for action in (from_dict, build):
        with pytest.raises(BuildError) as info:
            action(copy.deepcopy(doc))
        assert message in str(info.value) and info.value.path == path


def test_unknown_and_missing_keys_are_the_models():
    doc = _doc()
    doc["records"][0]["locations"][1]["extra"] = 1
    with pytest.raises(BuildError, match="unknown key 'extra' in a location") as info:
        from_dict(doc)
    assert info.value.path == "records[0].locations[1].extra"
    doc = _doc()
    del doc["records"][0]["live_outs"][1]["size"]
    with pytest.raises(BuildError, match="missing key 'size'") as info:
        build(doc)
    assert info.value.path == "records[0].live_outs[1]"


@pytest.mark.parametrize("obj", FIXTURES, ids=[f"{p.parent.name}/{p.stem}" for p in FIXTURES])
def test_every_fixture_round_trips(obj):
    s = read_container(obj.read_bytes()).sections[0]
    sm = parse(s.data, endian=s.endian)
    doc = to_dict(sm)
    again = from_dict(doc)
    assert again == sm
    assert build(again, endian=s.endian) == build(doc, endian=s.endian) == s.data


@settings(max_examples=60, deadline=None)
@given(sm=stackmaps(max_records=6))
def test_generated_stackmaps_round_trip(sm):
    doc = to_dict(sm)
    fast = from_dict(doc)
    reference = model.from_dict(doc)
    assert fast == reference and repr(fast) == repr(reference)
    for endian in ("little", "big"):
        with backend("construct"):
            expected = build(reference, endian=endian)
        assert build(fast, endian=endian) == build(doc, endian=endian) == expected
