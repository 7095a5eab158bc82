"""Deliberate corruptions: each kind is rejected exactly as predicted (error
class, field path, offset), by the parser or by validate()."""

from __future__ import annotations

import pytest

from stackmap_construct import (
    Function, LiveOut, Location, LocationKind, Record, StackMap, StackMapError, build, parse,
)
from stackmap_construct.cli.main import main
from stackmap_construct.generate import GenerateError, corrupt, corruption_kinds, generate_blob
from stackmap_construct.generate.corrupt import predict_truncation
from stackmap_construct.generate.layout import BlobLayout
from stackmap_construct.generate.statepoint_recipe import generate_statepoints
from stackmap_construct.statepoints import StatepointError, decode
from stackmap_construct.validate import validate

ENDIANS = ["little", "big"]
KIND_NAMES = [k.name for k in corruption_kinds()]

# A small stackmap laid out by hand from LLVM's StackMaps.rst (v3): header
# 0-15, one function 16-39, one constant 40-47, record 0 at 48 (one
# location at 64, so the 4-byte align pad at 76; one live-out at 84, so no
# end pad), record 1 at 88 (nothing in it: padding at 104, live-out count at
# 106, end pad 108-111).  112 bytes.
HAND = StackMap(
    3,
    [Function(0x1000, 32, 2)],
    [1 << 40],
    [
        Record(7, 12, [Location(LocationKind.Indirect, 8, 6, -16)], [LiveOut(3, 8)]),
        Record(8, 20, [], []),
    ],
)
# kind -> every (path, offset) the corruption may report, by hand.
HAND_EXPECTED = {
    "bad-version": {("version", 0)},
    "reserved:reserved": {("reserved", 1)},
    "reserved:reserved2": {("reserved2", 2)},
    "huge-count:num_functions": {("functions", 16)},
    "huge-count:num_constants": {("constants", 40)},
    "huge-count:num_records": {("records", 48)},
    "reserved:records.reserved": {("records[0].reserved", 60), ("records[1].reserved", 100)},
    "huge-count:records.num_locations": {("records[0].locations", 64), ("records[1].locations", 104)},
    "bad-location-kind": {("records[0].locations[0].kind", 64)},
    "reserved:records.locations.reserved": {("records[0].locations[0].reserved", 65)},
    "reserved:records.locations.reserved2": {("records[0].locations[0].reserved2", 70)},
    "constant-index-range": {("records[0].locations[0].offset_or_small_constant", 72)},
    "padding:records.align_pad": {("records[0].align_pad", 76)},
    "padding:records.padding": {("records[0].padding", 80), ("records[1].padding", 104)},
    "huge-count:records.num_live_outs": {("records[0].live_outs", 84), ("records[1].live_outs", 108)},
    "reserved:records.live_outs.reserved": {("records[0].live_outs[0].reserved", 86)},
    "padding:records.end_pad": {("records[1].end_pad", 108)},
    "trailing-garbage": {("", 112)},
    "record-count-sum": {("functions", 16)},
}
# One statepoint by hand (Statepoints.rst): header 0-15, function 16-39,
# record at 40 (num_locations at 54), six locations from 56: Constants cc 0,
# flags 0, N = 1 (its value at 80 + 8 = 88), one deopt slot, one (base,
# derived) pair; even, so no align pad.  136 bytes.
SLOT, SLOT8 = Location(LocationKind.Indirect, 8, 7, 16), Location(LocationKind.Indirect, 8, 7, 8)
HAND_STATEPOINT = StackMap(3, [Function(0x2000, 24, 1)], [], [Record(0xABCDEF00, 19, [
    Location(LocationKind.Constant, 8, 0, 0), Location(LocationKind.Constant, 8, 0, 0),
    Location(LocationKind.Constant, 8, 0, 1), SLOT, SLOT8, SLOT8])])
HAND_STATEPOINT_EXPECTED = {
    "statepoint-deopt-count": {("records[0].locations[2].offset_or_small_constant", 88)},
    "statepoint-odd-remainder": {("records[0].num_locations", 54)},
}
# Truncation after N bytes -> (path, offset), by hand.  Two records need at
# least 48 bytes from offset 48, so every cut before 96 stops there.
HAND_TRUNCATIONS = {
    0: ("version", 0), 3: ("reserved2", 2), 15: ("num_records", 12), 16: ("functions", 16),
    39: ("functions", 16), 40: ("constants", 40), 47: ("constants", 40), 48: ("records", 48),
    95: ("records", 48), 96: ("records[1].instruction_offset", 96), 101: ("records[1].reserved", 100),
    104: ("records[1].padding", 104), 111: ("records[1].end_pad", 108),
}


def assert_reported_as_predicted(c, endian):
    """parse (structural kinds) or validate (semantic kinds) reports exactly
    the predicted error class, path and offset."""
    if c.error is not None:
        with pytest.raises(StackMapError) as caught:
            parse(c.data, endian=endian)
        got = caught.value
        assert (type(got), got.path, got.offset) == (c.error, c.path, c.offset), (c.kind, c.change, str(got))
    else:
        sm = parse(c.data, endian=endian)
        errors = [(f.code, f.path, f.offset) for f in validate(sm, endian=endian, statepoints=c.statepoints)
                  if f.severity == "error"]
        assert errors == [(c.finding, c.path, c.offset)], (c.kind, c.change)
        if c.statepoints is not None:  # the statepoint consumer refuses the record at that field
            with pytest.raises(StatepointError) as caught:
                decode(sm, c.statepoints)
            assert (caught.value.code, caught.value.path) == (c.finding, c.path)


def test_the_hand_blob_is_laid_out_as_annotated():
    assert len(build(HAND)) == 112
    assert parse(build(HAND, endian="big"), endian="big") == HAND


@pytest.mark.parametrize("endian", ENDIANS)
@pytest.mark.parametrize("kind", sorted(HAND_EXPECTED))
def test_hand_blob_corruptions_are_reported_where_the_spec_says(kind, endian):
    blob = build(HAND, endian=endian)
    seen = set()
    for seed in range(12):
        c = corrupt(blob, kind, seed, endian=endian)
        assert (c.path, c.offset) in HAND_EXPECTED[kind], (c.path, c.offset)
        seen.add((c.path, c.offset))
        assert_reported_as_predicted(c, endian)
    assert seen == HAND_EXPECTED[kind]  # the seed reaches every candidate field


@pytest.mark.parametrize("endian", ENDIANS)
def test_hand_blob_truncations(endian):
    blob = build(HAND, endian=endian)
    for cut, where in HAND_TRUNCATIONS.items():
        c = corrupt(blob, "truncate", endian=endian, at=cut)
        assert c.data == blob[:cut] and (c.path, c.offset) == where, cut
        assert_reported_as_predicted(c, endian)


def test_every_kind_is_covered_by_the_hand_blob_or_named_here():
    assert set(KIND_NAMES) == set(HAND_EXPECTED) | set(HAND_STATEPOINT_EXPECTED) | {"truncate"}


@pytest.mark.parametrize("endian", ENDIANS)
@pytest.mark.parametrize("kind", sorted(HAND_STATEPOINT_EXPECTED))
def test_hand_statepoint_corruptions(kind, endian):
    blob = build(HAND_STATEPOINT, endian=endian)
    assert len(blob) == 136
    for seed in range(8):
        c = corrupt(blob, kind, seed, endian=endian)
        assert (c.path, c.offset) in HAND_STATEPOINT_EXPECTED[kind] and c.statepoints == "all"
        assert_reported_as_predicted(c, endian)
        # Taken as what it was not told to be, the record is simply no statepoint.
        assert decode(parse(c.data, endian=endian), "auto") == []
    with pytest.raises(GenerateError, match="no statepoint record"):
        corrupt(build(HAND, endian=endian), kind, endian=endian)


@pytest.mark.parametrize("endian", ENDIANS)
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_on_generated_blobs_is_rejected_as_predicted(kind, endian):
    applied = 0
    for seed in range(25):
        options = dict(functions=(1, 3), records=(1, 6), constants=(0, 3))
        if kind.startswith("statepoint-"):
            blob = build(generate_statepoints(seed, **options), endian=endian)
        else:
            blob = generate_blob(seed, endian=endian, **options)
        try:
            c = corrupt(blob, kind, seed, endian=endian)
        except GenerateError:
            continue  # e.g. no record with an odd number of locations for align_pad
        applied += 1
        assert c.kind == kind and c.data != blob
        assert_reported_as_predicted(c, endian)
    assert applied >= 10


@pytest.mark.parametrize("endian", ENDIANS)
def test_truncation_prediction_at_every_cut(endian):
    for seed in range(6):
        blob = generate_blob(seed, endian=endian, functions=2, records=(1, 4))
        layout = BlobLayout(blob, endian)
        for cut in range(len(blob)):
            path, offset = predict_truncation(layout, cut)
            with pytest.raises(StackMapError) as caught:
                parse(blob[:cut], endian=endian)
            assert (type(caught.value).__name__, caught.value.path, caught.value.offset) == \
                ("TruncatedError", path, offset), (seed, cut)


def test_same_seed_same_corruption():
    blob = generate_blob(3, records=5)
    for kind in KIND_NAMES:
        try:
            assert corrupt(blob, kind, 9) == corrupt(blob, kind, 9)
        except GenerateError:
            pass


def test_refusals():
    blob = build(HAND)
    with pytest.raises(GenerateError, match="unknown corruption kind"):
        corrupt(blob, "bit-rot")
    with pytest.raises(GenerateError, match="outside the blob"):
        corrupt(blob, "truncate", at=112)
    empty = build(StackMap(3, [], [], []))
    with pytest.raises(GenerateError, match="no records\\[\\].padding"):
        corrupt(empty, "padding:records.padding")
    with pytest.raises(StackMapError):  # the starting point must be valid
        corrupt(blob[:-1], "bad-version")


def test_gen_corrupt_writes_the_broken_blob_and_states_the_error(tmp_path, capsys):
    out = tmp_path / "bad.bin"
    assert main(["gen", "--seed", "5", "--records", "3", "--corrupt", "reserved:records.reserved", "-o", str(out)]) == 0
    note = capsys.readouterr().out
    want = corrupt(generate_blob(5, records=3), "reserved:records.reserved", 5)
    assert out.read_bytes() == want.data
    assert want.expectation() in note and "ReservedFieldError" in note
    # The dump command reports exactly that.
    assert main(["dump", str(out), "--raw"]) == 1
    err = capsys.readouterr().err
    assert f"[at {want.path}, offset {want.offset} (0x{want.offset:x})]" in err


def test_gen_corrupt_to_stdout_puts_the_note_on_stderr(capsysbinary):
    assert main(["gen", "--seed", "2", "--corrupt", "truncate", "--at", "20", "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out == generate_blob(2)[:20]
    assert b"parse must raise TruncatedError at functions, offset 16 (0x10)" in captured.err


def test_gen_semantic_corruption_as_json_and_structural_refused(tmp_path, capsys):
    doc = tmp_path / "bad.json"
    assert main(["gen", "--seed", "1", "--records", "4", "--corrupt", "record-count-sum", "--format", "json",
                 "-o", str(doc)]) == 0
    assert "validate must report error record-count-sum at functions" in capsys.readouterr().out
    blob = tmp_path / "bad.bin"
    assert main(["build", str(doc), "-o", str(blob)]) == 0
    assert main(["validate", str(blob)]) == 1
    assert "record-count-sum" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["gen", "--corrupt", "bad-version", "--format", "json", "-o", str(doc)])
    assert exit_.value.code == 2


def test_gen_list_shows_every_kind_with_its_error(capsys):
    assert main(["gen", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == KIND_NAMES
    assert "ReservedFieldError" in lines[KIND_NAMES.index("reserved:records.locations.reserved2")]
    assert "validate: constant-index-range" in lines[KIND_NAMES.index("constant-index-range")]


def test_gen_corrupt_that_does_not_apply_is_an_error(tmp_path, capsys):
    out = tmp_path / "x.bin"
    assert main(["gen", "--locations", "0", "--corrupt", "bad-location-kind", "-o", str(out)]) == 1
    assert "this stackmap has no location to corrupt" in capsys.readouterr().err
    assert not out.exists()
