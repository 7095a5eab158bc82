"""The columnar view (format/columns.py) equals the construct definition's
own parse and its field-by-field walk: every column value, every offset,
on the fixture corpus and on generated maps, both byte orders."""

from __future__ import annotations

import pathlib

import pytest

from stackmap_construct import parse, parse_spans, view
from stackmap_construct.containers import read_container
from stackmap_construct.format.api import backend
from stackmap_construct.format.walk import walk
from stackmap_construct.generate import generate_blob

CORPUS = sorted([*pathlib.Path(__file__).parent.glob("data/*/*.o"),
                 *pathlib.Path(__file__).parent.glob("data/llvm22/*/*.o")])


def _blobs():
    for obj in CORPUS:
        section = read_container(obj.read_bytes()).sections[0]
        version = "llvm22/" if obj.parent.parent.name == "llvm22" else ""
        yield f"{version}{obj.parent.name}/{obj.stem}", section.data, section.endian
    for seed in range(12):
        for endian in ("little", "big"):
            yield (f"gen{seed}-{endian}",
                   generate_blob(seed, endian=endian, functions=(0, 3), records=(0, 7), constants=(0, 4)), endian)


BLOBS = list(_blobs())


def _check(data: bytes, endian: str, v, reference) -> None:
    """Compare the view ``v`` of one blob with the construct parse
    ``reference`` and the walk of ``data`` (that one blob)."""
    locs = [loc for r in reference.records for loc in r.locations]
    lives = [lo for r in reference.records for lo in r.live_outs]
    assert list(v.locations.column("kind")) == [int(loc.kind) for loc in locs]
    for name in ("size", "dwarf_regnum", "offset_or_small_constant"):
        assert list(v.locations.column(name)) == [getattr(loc, name) for loc in locs]
    for name in ("dwarf_regnum", "size"):
        assert list(v.live_outs.column(name)) == [getattr(lo, name) for lo in lives]
    assert list(v.record_column("patchpoint_id")) == [r.patchpoint_id for r in reference.records]
    assert list(v.record_column("instruction_offset")) == [r.instruction_offset for r in reference.records]
    for i, r in enumerate(reference.records):
        assert len(v.locations.rows(i)) == len(r.locations)
        assert len(v.live_outs.rows(i)) == len(r.live_outs)
    # Every field's offset, from the definition's walk of the bytes.
    for event in walk(data, endian=endian):
        if event.path.startswith("#"):
            break
        assert v.offset_of(event.path) == event.offset, event.path
    assert [v.record_bytes(i) for i in range(v.record_count)] == \
        [data[v.record_offsets[i]:v.record_ends[i]] for i in range(v.record_count)]


@pytest.mark.parametrize("name,data,endian", BLOBS, ids=[b[0] for b in BLOBS])
def test_view_of_the_fast_parse_equals_the_definition(name, data, endian):
    with backend("construct"):
        reference = parse(data, endian=endian)
    _check(data, endian, view(parse(data, endian=endian), endian=endian), reference)


@pytest.mark.parametrize("name,data,endian", BLOBS[::5], ids=[b[0] for b in BLOBS[::5]])
def test_view_of_plain_objects_equals_the_view_of_the_bytes(name, data, endian):
    with backend("construct"):
        reference = parse(data, endian=endian)
        plain = view(reference, endian=endian)  # encoded first: plain objects
    _check(data, endian, plain, reference)


def test_changed_records_are_seen_by_the_view():
    data = generate_blob(4, functions=1, records=3, locations=(2, 3))
    sm = parse(data)
    sm.records[1].locations[0].size = 99
    v = view(sm)
    assert v.locations.column("size")[len(v.locations.rows(0))] == 99


def test_parse_spans_give_each_blob_its_bytes():
    a, b = generate_blob(1, records=3), generate_blob(2, records=5)
    spans = parse_spans(a + b)
    assert [(s.start, s.end) for s in spans] == [(0, len(a)), (len(a), len(a) + len(b))]
    v = view(spans[1].stackmap)
    assert v.start == len(a)
    with backend("construct"):
        second = parse(b)
    _check(b, "little", v, second)
