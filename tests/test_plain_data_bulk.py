"""The bulk paths of the plain-data form: to_dict's dicts made as copies of
a key-sharing template (or dict displays where that does not pay), the
columns of build(dict) written into their items byte by byte, build()
joining its pieces once, and from_dict's at-once functions and constants.
Each against hand-written values, the construct path or the per-field
checks, in both byte orders."""

from __future__ import annotations

import copy
import json
import pickle
import sys

import pytest

from stackmap_construct import BuildError, build, from_dict, parse, to_dict
from stackmap_construct import model
from stackmap_construct.format import columns
from stackmap_construct.format.api import backend

LOCATION_KEYS = ["kind", "size", "dwarf_regnum", "offset_or_small_constant"]


def _doc() -> dict:
    # Values that need every byte of their field: the column of each is
    # written into the items one byte at a time (a u16 over 255, an i32
    # with four different bytes, negative), and a u8 live-out size.
    return {"version": 3,
            "functions": [{"address": 0x1122334455667788, "stack_size": 24, "record_count": 2},
                          {"address": 0, "stack_size": 2**64 - 1, "record_count": 0}],
            "constants": [2**64 - 1, 0x0102030405060708],
            "records": [
                {"patchpoint_id": 0xA1A2A3A4A5A6A7A8, "instruction_offset": 0xB1B2B3B4,
                 "locations": [{"kind": "Indirect", "size": 0x1234, "dwarf_regnum": 0xFEDC,
                                "offset_or_small_constant": -0x12345678},
                               {"kind": "Direct", "size": 8, "dwarf_regnum": 7, "offset_or_small_constant": 0x7F6E5D4C},
                               {"kind": "ConstantIndex", "size": 8, "dwarf_regnum": 0, "offset_or_small_constant": 1}],
                 "live_outs": [{"dwarf_regnum": 0xABCD, "size": 255}, {"dwarf_regnum": 17, "size": 16}]},
                {"patchpoint_id": 0, "instruction_offset": 4,
                 "locations": [{"kind": "Constant", "size": 4, "dwarf_regnum": 0, "offset_or_small_constant": -1}],
                 "live_outs": []},
            ]}


# -- build(dict): each byte of a column in its place -------------------------------

# The first record as llvm-readobj's layout puts it, written out by hand
# (little-endian): id, offset, reserved, count; three 12-byte locations
# (16 + 36 = 52); a 4-byte pad to 56; 2 reserved and 2 count bytes; two
# 4-byte live-outs (to 68); a pad to 72.
RECORD0_LITTLE = bytes.fromhex(
    "a8a7a6a5a4a3a2a1" "b4b3b2b1" "0000" "0300"
    "03" "00" "3412" "dcfe" "0000" "88a9cbed"   # Indirect, size 0x1234, R#0xFEDC, -0x12345678
    "02" "00" "0800" "0700" "0000" "4c5d6e7f"   # Direct, 8, R#7, 0x7F6E5D4C
    "05" "00" "0800" "0000" "0000" "01000000"   # ConstantIndex, 8, 0, 1
    "00000000"
    "0000" "0200"
    "cdab" "00" "ff" "1100" "00" "10"           # live-outs: R#0xABCD 255 bytes, R#17 16 bytes
    "00000000")


@pytest.mark.parametrize("endian", ["little", "big"])
def test_build_of_a_dict_puts_every_byte_where_construct_does(endian):
    doc = _doc()
    with backend("construct"):
        expected = build(model.from_dict(doc), endian=endian)
    assert build(doc, endian=endian) == expected
    assert parse(expected, endian=endian) == model.from_dict(doc)
    if endian == "little":
        start = 16 + 24 * 2 + 8 * 2  # header, functions, constants
        assert expected[start:start + len(RECORD0_LITTLE)] == RECORD0_LITTLE


@pytest.mark.parametrize("where, field, value", [
    ((0, "live_outs", 1), "size", -1),  # a u8 live-out size packed by bytes(): below its range
    ((0, "live_outs", 1), "size", 256),  # and above it
    ((0, "live_outs", 1), "dwarf_regnum", 65536),  # a u16 column packed by struct
    ((0, "live_outs", 1), "dwarf_regnum", -1),
    ((1, "locations", 0), "offset_or_small_constant", 2**31),  # an i32 column
    ((1, "locations", 0), "offset_or_small_constant", -2**31 - 1),
    ((1, "locations", 0), "size", 2**16),
])
def test_a_value_out_of_range_is_refused_as_on_the_construct_path(where, field, value):
    record, array, item = where
    doc = _doc()
    doc["records"][record][array][item][field] = value
    with backend("construct"), pytest.raises(BuildError) as slow:
        build(model.from_dict(doc))
    with pytest.raises(BuildError) as fast:
        build(copy.deepcopy(doc))
    assert (str(fast.value), fast.value.path, fast.value.offset) == (
        str(slow.value), slow.value.path, slow.value.offset)
    assert slow.value.path == f"records[{record}].{array}[{item}].{field}"


# -- build(): the pieces joined once ------------------------------------------

@pytest.mark.parametrize("endian", ["little", "big"])
def test_build_of_a_parsed_stackmap_with_some_records_changed(endian):
    with backend("construct"):
        blob = build(model.from_dict(_doc()), endian=endian)
    sm = parse(blob, endian=endian)
    assert build(sm, endian=endian) == blob  # the records copied as they are
    sm.records[1].locations[0].offset_or_small_constant = 5  # made, and changed: encoded
    sm.records[0]  # made, unchanged
    reference = model.from_dict(_doc())
    reference.records[1].locations[0].offset_or_small_constant = 5
    with backend("construct"):
        expected = build(reference, endian=endian)
    assert build(sm, endian=endian) == expected
    other = "big" if endian == "little" else "little"
    with backend("construct"):
        assert build(sm, endian=other) == build(reference, endian=other)


# -- from_dict: functions and constants at once, or by the per-field checks -------

def test_functions_and_constants_made_at_once():
    sm = model.from_dict(_doc())
    assert [(f.address, f.stack_size, f.record_count, f.symbol) for f in sm.functions] == [
        (0x1122334455667788, 24, 2, None), (0, 2**64 - 1, 0, None)]
    assert sm.constants == [2**64 - 1, 0x0102030405060708]
    doc = _doc()
    doc["functions"][0]["symbol"] = "f"  # four keys: the per-field path
    assert model.from_dict(doc).functions[0].symbol == "f"


@pytest.mark.parametrize("where, value, message, path", [
    (("constants", 1), True, "must be an integer, got True", "constants[1]"),
    (("constants", 0), 1.0, "must be an integer, got 1.0", "constants[0]"),
    (("functions", 1, "stack_size"), False, "stack_size must be an integer, got False", "functions[1].stack_size"),
    (("functions", 0, "address"), "16", "address must be an integer, got '16'", "functions[0].address"),
    (("functions", 0, "adress"), 16, "unknown key 'adress' in a function", "functions[0].adress"),
])
def test_functions_and_constants_errors_name_the_field(where, value, message, path):
    doc = _doc()
    target = doc
    for key in where[:-1]:
        target = target[key]
    if where[-1] == "adress":
        del target["address"]
    target[where[-1]] = value
    for action in (model.from_dict, from_dict, build):
        with pytest.raises(BuildError) as info:
            action(copy.deepcopy(doc))
        assert message in str(info.value) and info.value.path == path


# -- to_dict: copies of a key-sharing template -------------------------------------

def _plain(value):
    """The same value rebuilt from dict displays and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_to_dict_gives_plain_independent_dicts():
    with backend("construct"):
        blob = build(model.from_dict(_doc()))
    sm = parse(blob)
    doc = to_dict(sm)
    assert doc == _plain(doc) == to_dict(model.from_dict(_doc())) == {**_doc(), "records": _doc()["records"]}
    loc = doc["records"][0]["locations"][0]
    assert type(loc) is dict and list(loc) == LOCATION_KEYS
    assert list(doc["records"][0]) == ["patchpoint_id", "instruction_offset", "locations", "live_outs"]
    assert list(doc["records"][0]["live_outs"][0]) == ["dwarf_regnum", "size"]
    assert json.loads(json.dumps(doc)) == doc and pickle.loads(pickle.dumps(doc)) == doc
    # Changing one dict (a new key, a key removed and put back, a new value)
    # changes only that one, not its neighbours nor later results.
    loc["extra"] = 1
    loc[7] = "seven"
    second = doc["records"][0]["locations"][1]
    del second["size"]
    second["size"] = 9
    doc["records"][1]["locations"][0]["kind"] = "Register"
    assert list(loc) == [*LOCATION_KEYS, "extra", 7]
    assert list(second) == ["kind", "dwarf_regnum", "offset_or_small_constant", "size"]
    assert doc["records"][0]["locations"][2] == _doc()["records"][0]["locations"][2]
    again = to_dict(sm)
    assert again == to_dict(model.from_dict(_doc()))
    assert all(list(d) == LOCATION_KEYS for r in again["records"] for d in r["locations"])
    assert build(again) == blob


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.version_info < (3, 11),
                    reason="key-sharing dicts of this size: CPython 3.11+")
def test_to_dict_dicts_share_their_keys():
    doc = to_dict(parse(build(_doc())))
    for d in (doc["records"][0], doc["records"][0]["locations"][0], doc["records"][0]["live_outs"][0]):
        assert sys.getsizeof(d) < sys.getsizeof(_plain(d))


def test_the_makers_without_a_template_make_the_same_dicts(monkeypatch):
    names = ("kind", "size", "dwarf_regnum", "offset_or_small_constant")
    columns_ = [[3, 5], [8, 16], [6, 0], [-24, 1]]
    table = [None, "Register", "Direct", "Indirect", "Constant", "ConstantIndex"]
    decoded = (True, False, False, False)
    made = {}
    for how in ("shared", "displays"):
        if how == "displays":
            monkeypatch.setattr(columns, "_shared_keys_template", lambda names: None)
        dicts = columns._dicts_maker.__wrapped__(names, names, decoded)(2, *columns_, table)
        records = columns._records_maker.__wrapped__(("a", "b", "c"), ("a", "b"), ("c",))(
            2, [(1, 2), (3, 4)], [[0], []])
        made[how] = dicts, records
        # Names in another order than the item's: keyed in the model's order.
        reordered = columns._dicts_maker.__wrapped__(("size", "kind"), ("kind", "size"), (True, False))(
            2, [1, 2], [8, 4], table)
        assert reordered == [{"size": 8, "kind": "Register"}, {"size": 4, "kind": "Direct"}]
        assert [list(d) for d in reordered] == [["size", "kind"]] * 2
    expected = ([{"kind": "Indirect", "size": 8, "dwarf_regnum": 6, "offset_or_small_constant": -24},
                 {"kind": "ConstantIndex", "size": 16, "dwarf_regnum": 0, "offset_or_small_constant": 1}],
                [{"a": 1, "b": 2, "c": [0]}, {"a": 3, "b": 4, "c": []}])
    assert made["shared"] == made["displays"] == expected
    for dicts, records in made.values():
        assert [list(d) for d in dicts] == [list(names)] * 2
        assert [list(d) for d in records] == [["a", "b", "c"]] * 2
        assert dicts[0] is not dicts[1] and records[0] is not records[1]


def test_no_template_where_sizes_are_unknown_or_not_smaller(monkeypatch):
    template = columns._shared_keys_template.__wrapped__
    if sys.implementation.name == "cpython" and sys.version_info >= (3, 11):
        assert template(("a", "b")) == {"a": None, "b": None}

    def no_sizes(obj):
        raise TypeError("getsizeof() is not implemented")

    monkeypatch.setattr(sys, "getsizeof", no_sizes)
    assert template(("a", "b")) is None
    monkeypatch.setattr(sys, "getsizeof", lambda obj: 100)  # copies no smaller
    assert template(("a", "b")) is None
