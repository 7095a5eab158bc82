"""from_dict: the common case (exact ints, a kind's name) is taken at once;
everything else goes through the per-field checks, with the same results and
the same errors as before (values written by hand)."""

from __future__ import annotations

import enum

import pytest

from stackmap_construct import BuildError, LiveOut, Location, LocationKind, from_dict


class Small(enum.IntEnum):
    EIGHT = 8


def _doc(location: object, live_out: object = None) -> dict:
    return {"version": 3, "functions": [{"address": 0, "stack_size": 8, "record_count": 1}], "constants": [7],
            "records": [{"patchpoint_id": 1, "instruction_offset": 4, "locations": [location],
                         "live_outs": [] if live_out is None else [live_out]}]}


@pytest.mark.parametrize("location, expected", [
    ({"kind": "Indirect", "size": 8, "dwarf_regnum": 6, "offset_or_small_constant": -24},
     Location(LocationKind.Indirect, 8, 6, -24)),
    ({"kind": 4, "size": 8, "dwarf_regnum": 0, "offset_or_small_constant": 5},  # a kind's number
     Location(LocationKind.Constant, 8, 0, 5)),
    ({"kind": "Register", "size": Small.EIGHT, "dwarf_regnum": 3, "offset_or_small_constant": 0, "extra": 1},
     Location(LocationKind.Register, 8, 3, 0)),
])
def test_locations(location, expected):
    sm = from_dict(_doc(location, {"dwarf_regnum": 7, "size": 8}))
    assert sm.records[0].locations == [expected]
    assert sm.records[0].live_outs == [LiveOut(7, 8)]


@pytest.mark.parametrize("location, live_out, message, path", [
    ({"kind": "Nope", "size": 8, "dwarf_regnum": 0, "offset_or_small_constant": 0}, None,
     "unknown location kind 'Nope'", "records[0].locations[0].kind"),
    ({"kind": "Register", "size": True, "dwarf_regnum": 0, "offset_or_small_constant": 0}, None,
     "size must be an integer, got True", "records[0].locations[0].size"),
    ({"kind": "Register", "size": 8, "offset_or_small_constant": 0}, None,
     "missing key 'dwarf_regnum'", "records[0].locations[0]"),
    ([1, 2], None, "expected an object, got list", "records[0].locations[0]"),
    ({"kind": "Register", "size": 8, "dwarf_regnum": 0, "offset_or_small_constant": 0}, {"dwarf_regnum": 7},
     "missing key 'size'", "records[0].live_outs[0]"),
])
def test_errors_name_the_field(location, live_out, message, path):
    with pytest.raises(BuildError) as info:
        from_dict(_doc(location, live_out))
    assert message in str(info.value)
    assert info.value.path == path
