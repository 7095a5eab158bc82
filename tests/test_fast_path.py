"""The fast path against the construct definition it is derived from.

Differential tests: over the fixture corpus, generated stackmaps and
corrupted inputs (every byte flipped, every truncation), parse, parse_all
and build give the same results (same values, same types, same repr), the
same errors (class, message, path, offset, blob index) and the same bytes
with either backend; the fast renderers give the same text as the plain
ones.  Then the list behaviour of the lazily made records, and the
derivation itself.
"""

from __future__ import annotations

import copy
import pathlib
import pickle
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackmap_construct import (
    Function,
    LiveOut,
    Location,
    LocationKind,
    Record,
    StackMap,
    StackMapError,
    build,
    parse,
    parse_all,
    to_dict,
)
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.format import fast
from stackmap_construct.format.api import backend, current_backend
from stackmap_construct.format.fast.lazy import RecordList
from stackmap_construct.format.fast.plan import Fixed, Pad, Unsupported, plan
from stackmap_construct.format.v3 import stackmap_format
from stackmap_construct.format.columns import indexed
from stackmap_construct.render.json import render_json, render_json_plain
from stackmap_construct.render.readobj import render_readobj, render_readobj_plain
from stackmap_construct.generate.strategies import stackmaps
from stackmap_construct.symbols import FunctionTarget
from test_format_bytes import EVEN, ODD

DATA = pathlib.Path(__file__).parent / "data"
ENDIAN = {"powerpc64-unknown-linux-gnu": "big", "s390x-linux-gnu": "big"}
FIXTURES = sorted(DATA.glob("*/*.o")) + sorted(DATA.glob("llvm22/*/*.o"))  # LLVM 14 and 22
IDS = [f"{p.parent.name}/{p.stem}" for p in FIXTURES]


def section(obj: pathlib.Path):
    s = read_container(obj.read_bytes()).sections[0]
    return s.data, s.endian


def outcome(action):
    """What ``action()`` gives: its value, or the error's identity."""
    try:
        return ("ok", action())
    except StackMapError as e:
        return ("error", type(e).__name__, e.message, e.path, e.offset, getattr(e, "blob_index", None))
    except (TypeError, ValueError) as e:  # what the construct path lets through (e.g. locations=None)
        return ("error", type(e).__name__, str(e))


def both(action):
    with backend("construct"):
        slow = outcome(action)
    with backend("fast"):
        quick = outcome(action)
    return slow, quick


def same(slow, quick):
    """Equal outcomes; for values, equal and with the same repr (so the
    same types: LocationKind members, ints, lists)."""
    assert slow[0] == quick[0], (slow, quick)
    if slow[0] == "error":
        assert slow == quick
    else:
        assert quick[1] == slow[1]
        assert repr(quick[1]) == repr(slow[1])


def big_model(n_records: int, seed: int, *, wide: bool = False) -> StackMap:
    """A valid stackmap of ``n_records`` records (several render chunks).
    ``wide``: register numbers and location counts above 255 too."""
    rng = random.Random(seed)
    constants = [rng.randrange(2**64) for _ in range(rng.randint(1, 40))]
    records = []
    for i in range(n_records):
        locations = []
        n_locations = rng.choice([0, 1, 2, 3, 5, 8]) if not (wide and i % 97 == 3) else 300
        for _ in range(n_locations):
            kind = rng.choice(list(LocationKind))
            value = rng.randrange(len(constants)) if kind == LocationKind.ConstantIndex else rng.choice(
                [0, 1, -1, -16, 42, -2**31, 2**31 - 1, rng.randint(-5000, 5000)])
            regnum = rng.choice([0, 6, 7, 15, 1203] if wide else [0, 3, 6, 7, 15])
            locations.append(Location(kind, rng.choice([1, 4, 8, 16]), regnum, value))
        live_outs = [LiveOut(rng.choice([0, 1, 7, 17]), rng.choice([0, 8, 16])) for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        records.append(Record(rng.randrange(2**64), rng.randrange(2**32), locations, live_outs))
    functions, start = [], 0
    while start < n_records:
        count = min(rng.randint(1, 300), n_records - start)
        functions.append(Function(rng.choice([0, 0x401000 + start]), rng.choice([8, 2**64 - 1]), count))
        start += count
    return StackMap(3, functions, constants, records)


# -- parse / build agree -------------------------------------------------------

def test_the_fast_path_is_the_default():
    assert current_backend() == "fast"
    assert isinstance(parse(ODD).records, RecordList)
    with backend("construct"):
        assert type(parse(ODD).records) is list
    with pytest.raises(ValueError):
        with backend("numpy"):
            pass


@pytest.mark.parametrize("obj", FIXTURES, ids=IDS)
def test_corpus_parse_build_and_text_agree(obj):
    data, endian = section(obj)
    slow, quick = both(lambda: parse(data, endian=endian))
    same(slow, quick)
    sm_slow, sm_fast = slow[1], quick[1]
    assert isinstance(sm_fast.records, RecordList)
    for sm in (sm_slow, sm_fast):
        assert both(lambda: build(sm, endian=endian)) == (("ok", data), ("ok", data))
    # The text comes from the parsed bytes (the view), and is the plain renderers' text.
    assert indexed(sm_fast, endian) is not None
    assert render_readobj(sm_fast) == render_readobj_plain(sm_slow)
    targets = [FunctionTarget(f"f{i}", 0x1000 * i if i % 2 else None) for i in range(len(sm_fast.functions))]
    assert render_json([(sm_fast, endian, targets)]) == render_json_plain([(sm_slow, endian, targets)])
    # the plain-data form made from the bytes in bulk is the objects' form
    assert sm_fast.records.plain_data() is not None
    assert to_dict(sm_fast) == to_dict(sm_slow)


@pytest.mark.parametrize("endian", ["little", "big"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sm=stackmaps(max_records=8), seed=st.integers(0, 2**32))
def test_generated_stackmaps_agree(endian, sm, seed):
    with backend("construct"):
        blob = build(sm, endian=endian)
    assert fast.build(sm, endian) == blob  # made by the fast path itself, not handed back
    slow, quick = both(lambda: parse(blob, endian=endian))
    same(slow, quick)
    assert quick[1] == sm
    assert fast.build(quick[1], endian) == blob
    rng = random.Random(seed)
    targets = [FunctionTarget(rng.choice([None, "f", 'q"\u00e9']), rng.choice([None, 0, 2**40]))
               for _ in range(rng.randint(0, len(sm.functions) + 1))]
    assert render_readobj(quick[1]) == render_readobj_plain(sm)
    assert render_json([(quick[1], endian, targets)]) == render_json_plain([(sm, endian, targets)])
    assert to_dict(parse(blob, endian=endian)) == to_dict(sm)  # from the bytes in bulk


@settings(max_examples=60, deadline=None)
@given(sms=st.lists(stackmaps(max_records=3), max_size=4), junk=st.binary(max_size=20))
def test_parse_all_agrees(sms, junk):
    with backend("construct"):
        data = b"".join(build(s) for s in sms)
    same(*both(lambda: parse_all(data)))
    same(*both(lambda: parse_all(data + junk)))


# -- errors agree ----------------------------------------------------------------

SMALL_BLOBS = {"ODD": (ODD, "little"), "EVEN": (EVEN, "little")}
for _name in ["x86_64-linux-gnu/patchpoint_anyregcc", "x86_64-linux-gnu/stackmap_constants",
              "powerpc64-unknown-linux-gnu/patchpoint_fp_liveouts", "s390x-linux-gnu/stackmap_spills"]:
    if (DATA / f"{_name}.o").exists():
        SMALL_BLOBS[_name] = section(DATA / f"{_name}.o")


@pytest.mark.parametrize("name", SMALL_BLOBS)
def test_every_byte_flipped_gives_the_same_outcome(name):
    blob, endian = SMALL_BLOBS[name]
    for i in range(len(blob)):
        for flip in (0x01, 0x80, 0xFF):
            broken = bytearray(blob)
            broken[i] ^= flip
            broken = bytes(broken)
            same(*both(lambda: parse(broken, endian=endian)))


@pytest.mark.parametrize("name", SMALL_BLOBS)
def test_every_truncation_gives_the_same_outcome(name):
    blob, endian = SMALL_BLOBS[name]
    for cut in range(len(blob) + 9):
        data = (blob + bytes(8))[:cut]
        same(*both(lambda: parse(data, endian=endian)))
        # after a valid blob: offsets from the buffer start, blob index 1,
        # junk after the last blob
        joined = blob + data
        same(*both(lambda: parse_all(joined, endian=endian)))


@settings(max_examples=200, deadline=None)
@given(sm=stackmaps(min_records=1, max_records=5), data=st.data())
def test_random_corruptions_give_the_same_outcome(sm, data):
    endian = data.draw(st.sampled_from(["little", "big"]))
    with backend("construct"):
        blob = bytearray(build(sm, endian=endian))
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    broken = bytes(blob[:cut]) if data.draw(st.booleans()) else bytes(blob)
    same(*both(lambda: parse(broken, endian=endian)))


def _locate(blob: bytes, record: int, endian: str = "little") -> int:
    """Byte offset of record ``record`` of ``blob`` (via the fast index)."""
    return parse(blob, endian=endian).records.blob_index.offsets[record]


@pytest.fixture(params=[8192, 1024], ids=["one part", "parts"])
def scan_chunk(request, monkeypatch):
    """Records per part of the joined items: the default, and a size that
    cuts the test blobs into several parts."""
    from stackmap_construct.format.fast import parser

    monkeypatch.setattr(parser, "SCAN_CHUNK", request.param)
    return request.param


@pytest.mark.usefixtures("scan_chunk")
@pytest.mark.parametrize("where", ["location kind", "location reserved", "live-out reserved", "record flags",
                                   "alignment pad", "count runs off"])
def test_an_error_deep_in_a_large_blob_is_the_construct_error(where):
    sm = big_model(2500, seed=7)
    blob = build(sm)
    index = parse(blob).records.blob_index
    # the first record after 2000 with two locations and a live-out
    r = next(i for i in range(2000, 2500) if len(sm.records[i].locations) % 2 and sm.records[i].live_outs)
    at = index.offsets[r]
    n = len(sm.records[r].locations)
    broken = bytearray(blob)
    if where == "location kind":
        broken[at + 16 + 12] = 9 if n > 1 else 0
    elif where == "location reserved":
        broken[at + 16 + 1] = 1
    elif where == "live-out reserved":
        pad = at + 16 + 12 * n
        pad += -pad % 8
        broken[pad + 4 + 2] = 1
    elif where == "record flags":
        broken[at + 12] = 1
    elif where == "alignment pad":
        broken[at + 16 + 12 * n] = 1
    else:
        broken[at + 14:at + 16] = (60000).to_bytes(2, "little")
    broken = bytes(broken)
    slow, quick = both(lambda: parse(broken))
    same(slow, quick)
    assert slow[0] == "error" and slow[3].startswith(f"records[{r}]")


@pytest.mark.parametrize("endian", ["little", "big"])
def test_the_jump_tables_are_the_lengths_the_definition_encodes(endian):
    """jumps[0][n] + jumps[1][m] is the length in words of a record of n
    locations and m live-outs as the construct definition builds it."""
    jumps = fast.layout(endian).scanners["records"].jumps
    loc = Location(LocationKind.Register, 8, 3, 0)
    for n in (0, 1, 2, 3, 4, 5, 100, 4095):
        for m in (0, 1, 2, 3):
            model = StackMap(3, [], [], [Record(1, 2, [loc] * n, [LiveOut(1, 8)] * m)])
            with backend("construct"):
                blob = build(model, endian=endian)
            assert (len(blob) - 16) // 4 == jumps[0][n] + jumps[1][m], (n, m)


@pytest.mark.parametrize("endian", ["little", "big"])
def test_counts_beyond_the_first_jump_tables(endian):
    """The walk's jump tables cover the first counts and grow to every
    count on demand: records with 4097 and 65535 locations (odd: a pad
    follows), among small ones, parse as the definition parses them; a
    pad after such a run that is not zero is the definition's error."""
    from stackmap_construct.format.fast.codegen import _JUMPS_FIRST

    loc = Location(LocationKind.Indirect, 8, 7, -16)
    counts = [1, _JUMPS_FIRST + 1, 0, 2**16 - 1, 3]
    records = [Record(i, 4 * i, [loc] * n, [LiveOut(7, 8)] * (i % 3)) for i, n in enumerate(counts)]
    model = StackMap(3, [Function(0, 8, len(records))], [], records)
    with backend("construct"):
        blob = build(model, endian=endian)
    fast.layout.cache_clear()  # fresh tables, as at start-up
    slow, quick = both(lambda: parse(blob, endian=endian))
    same(slow, quick)
    assert quick[1] == model
    assert len(fast.layout(endian).scanners["records"].jumps[0]) == 2**16
    index = quick[1].records.blob_index
    broken = bytearray(blob)
    broken[index.offsets[3] + 16 + 12 * counts[3]] = 1  # the align_pad of record 3
    broken = bytes(broken)
    fast.layout.cache_clear()
    slow, quick = both(lambda: parse(broken, endian=endian))
    same(slow, quick)
    assert slow[0] == "error" and slow[1] == "PaddingError" and slow[3].startswith("records[3]")


@pytest.mark.parametrize("endian", ["little", "big"])
@pytest.mark.parametrize("wide", [False, True])
def test_records_made_in_runs_are_the_records_made_one_by_one(endian, wide):
    """BlobIndex.records (each inner array's items of the run made at once,
    the generated record maker) gives what BlobIndex.record gives for each
    index, and the construct parse, for every run boundary tried."""
    model = big_model(700, seed=11 + wide, wide=wide)
    blob = build(model, endian=endian)
    with backend("construct"):
        plain = parse(blob, endian=endian).records
    index = parse(blob, endian=endian).records.blob_index
    assert fast.layout(endian).run_makers["records"] is not None
    one_by_one = [index.record(i) for i in range(index.count)]
    assert repr(one_by_one) == repr(plain)
    for start, stop in [(0, 700), (0, 1), (3, 4), (5, 333), (699, 700), (10, 10)]:
        made = index.records(start, stop)
        assert made == plain[start:stop] and repr(made) == repr(plain[start:stop])
        assert all(a is not b for a, b in zip(made, index.records(start, stop)))  # fresh objects each time


# -- build agrees ----------------------------------------------------------------

class MyLocation(Location):
    pass


def _bad_models():
    ok_loc = Location(LocationKind.Register, 8, 6, 0)
    rec = lambda **kw: Record(**{"patchpoint_id": 1, "instruction_offset": 2, "locations": [ok_loc], "live_outs": [],  # noqa: E731
                                 **kw})
    return {
        "kind 9": StackMap(3, [], [], [rec(locations=[Location(9, 8, 0, 0)])]),
        "kind 0": StackMap(3, [], [], [rec(locations=[Location(0, 8, 0, 0)])]),
        "kind as int": StackMap(3, [], [], [rec(locations=[Location(4, 8, 0, 5)])]),
        "kind as bool": StackMap(3, [], [], [rec(locations=[Location(True, 8, 0, 5)])]),
        "kind as float": StackMap(3, [], [], [rec(locations=[Location(1.0, 8, 0, 5)])]),
        "kind as name": StackMap(3, [], [], [rec(locations=[Location("Register", 8, 0, 5)])]),
        "size too big": StackMap(3, [], [], [rec(locations=[Location(1, 70000, 0, 0)])]),
        "offset too big": StackMap(3, [], [], [rec(locations=[Location(1, 8, 0, 2**31)])]),
        "negative address": StackMap(3, [Function(-1, 0, 0)], [], []),
        "constant too big": StackMap(3, [], [2**64], []),
        "constant as bool": StackMap(3, [], [True], []),
        "live-out size": StackMap(3, [], [], [rec(live_outs=[LiveOut(1, 256)])]),
        "id too big": StackMap(3, [], [], [rec(patchpoint_id=2**64)]),
        "id as str": StackMap(3, [], [], [rec(patchpoint_id="1")]),
        "version 2": StackMap(2, [], [], []),
        "version None": StackMap(None, [], [], []),
        "version 3.0": StackMap(3.0, [], [], []),
        "location subclass": StackMap(3, [], [], [rec(locations=[MyLocation(1, 8, 0, 0)])]),
        "location as dict": StackMap(3, [], [], [rec(locations=[{"kind": 1}])]),
        "tuples": StackMap(3, (Function(1, 2, 1),), (5,), (rec(locations=(ok_loc,), live_outs=(LiveOut(1, 8),)),)),
        "record as None": StackMap(3, [], [], [None]),
        "locations as None": StackMap(3, [], [], [rec(locations=None)]),
        "function as tuple": StackMap(3, [(1, 2, 3)], [], []),
        "many locations": StackMap(3, [], [], [rec(locations=[ok_loc] * 5000)]),
    }


@pytest.mark.parametrize("name", list(_bad_models()))
@pytest.mark.parametrize("endian", ["little", "big"])
def test_build_gives_the_same_bytes_or_error(name, endian):
    model = _bad_models()[name]
    same(*both(lambda: build(model, endian=endian)))


def test_build_of_a_dict_form_agrees():
    doc = to_dict(big_model(300, seed=3))
    slow, quick = both(lambda: build(doc))
    assert slow == quick and slow[0] == "ok"
    doc["records"][5]["locations"].append({"kind": "Direct", "size": 8, "dwarf_regnum": 6, "offset_or_small_constant": 2**40})
    slow, quick = both(lambda: build(doc))
    assert slow == quick and slow[0] == "error"


# -- records made on access ------------------------------------------------------

@pytest.fixture
def pair():
    """The same stackmap parsed by both paths: (plain lists, lazy records)."""
    sm = big_model(50, seed=11)
    blob = build(sm)
    with backend("construct"):
        plain = parse(blob)
    return plain, parse(blob), blob


def test_records_behave_as_a_list(pair):
    plain, lazy, _ = pair
    records = lazy.records
    assert len(records) == 50
    assert records == plain.records and plain.records == records
    assert not (records != plain.records)
    assert records != plain.records[:-1] and records != tuple(plain.records)
    assert records[-1] == plain.records[-1] and records[3:7] == plain.records[3:7]
    assert records[::-2] == plain.records[::-2]
    with pytest.raises(IndexError):
        records[50]
    with pytest.raises(TypeError):
        records["0"]
    assert list(records) == plain.records and list(reversed(records)) == plain.records[::-1]
    assert plain.records[7] in records and Record(0, 0, [], []) not in records
    assert records.index(plain.records[7]) == 7 and records.count(plain.records[7]) == 1
    assert repr(records) == repr(plain.records)
    assert records[4] is records[4]  # made once, then kept
    assert lazy == plain and parse(build(lazy)) == lazy
    assert [r for _, rs in lazy.records_by_function() for r in rs] == plain.records
    with pytest.raises(TypeError):
        hash(records)


def test_changes_to_made_records_are_kept_and_built(pair):
    plain, lazy, _ = pair
    lazy.records[3].locations.append(Location(LocationKind.Direct, 8, 6, -8))
    plain.records[3].locations.append(Location(LocationKind.Direct, 8, 6, -8))
    for r in lazy.records:
        r.instruction_offset ^= 1
    for r in plain.records:
        r.instruction_offset ^= 1
    assert lazy == plain
    with backend("construct"):
        want = build(plain)
    assert build(lazy) == want
    assert render_readobj(lazy) == render_readobj_plain(plain)
    assert indexed(lazy, "little") is None  # changed: the view encodes the records first


def test_structural_changes(pair):
    plain, lazy, _ = pair
    for sm in (plain, lazy):
        sm.records[0] = Record(1, 2, [], [])
        sm.records.append(Record(3, 4, [], [LiveOut(1, 8)]))
        del sm.records[10:20]
        sm.records.insert(5, Record(5, 6, [], []))
        sm.records.extend([Record(7, 8, [], [])])
        sm.records += [Record(9, 9, [], [])]
        sm.records.pop()
        sm.records.reverse()
        sm.records.sort(key=lambda r: r.instruction_offset)
    assert lazy.records == plain.records
    with backend("construct"):
        want = build(plain)
    assert build(lazy) == want


def test_made_but_unchanged_records_still_render_from_the_bytes(pair):
    plain, lazy, _ = pair
    _ = [r.locations for r in lazy.records[:20]]
    assert indexed(lazy, "little") is not None
    assert render_readobj(lazy) == render_readobj_plain(plain)


def test_copies_and_pickles(pair):
    plain, lazy, _ = pair
    shallow = copy.copy(lazy.records)
    assert shallow[2] is lazy.records[2] and shallow[40] is lazy.records[40]
    deep = copy.deepcopy(lazy)
    deep.records[1].patchpoint_id = 0
    assert lazy.records[1].patchpoint_id == plain.records[1].patchpoint_id != 0
    assert pickle.loads(pickle.dumps(lazy)) == plain


def test_the_buffer_is_copied_unless_immutable(pair):
    plain, _, blob = pair
    data = bytearray(blob)
    sm = parse(data)
    data[:] = bytes(len(data))
    assert sm == plain
    assert parse(memoryview(blob)[:]) == plain


# -- rendering from the bytes ----------------------------------------------------

@pytest.mark.usefixtures("scan_chunk")
@pytest.mark.parametrize("endian", ["little", "big"])
@pytest.mark.parametrize("wide", [False, True])
def test_large_blobs_render_the_same_text(endian, wide):
    model = big_model(5000, seed=5 + wide, wide=wide)
    sm = parse(build(model, endian=endian), endian=endian)
    assert indexed(sm, endian) is not None
    assert render_readobj(sm) == render_readobj_plain(model)
    assert to_dict(sm) == to_dict(model)
    targets = [FunctionTarget(f"fn{i}", f.address or None) for i, f in enumerate(model.functions)]
    assert render_json([(sm, endian, targets), (sm, endian, None)]) == render_json_plain(
        [(model, endian, targets), (model, endian, None)])


def test_a_zero_live_out_is_not_taken_for_a_terminator():
    model = StackMap(3, [Function(0, 8, 2)], [], [
        Record(1, 2, [], [LiveOut(0, 0), LiveOut(0, 0)]),
        Record(3, 4, [Location(LocationKind.Constant, 0, 0, 0)], [LiveOut(0, 0)]),
    ])
    sm = parse(build(model))
    assert render_readobj(sm) == render_readobj_plain(model)
    assert render_json([(sm, "little", None)]) == render_json_plain([(model, "little", None)])


def test_dump_streams_the_same_text_to_a_file(tmp_path, capsys):
    model = big_model(3000, seed=9)
    blob = tmp_path / "big.bin"
    blob.write_bytes(build(model))
    for fmt, want in (("llvm-readobj", render_readobj_plain(model)),
                      ("json", render_json_plain([(model, "little", [FunctionTarget(None, None)] * 0)]))):
        out = tmp_path / f"out.{fmt}"
        assert main(["dump", str(blob), "--raw", "--format", fmt, "-o", str(out)]) == 0
        if fmt == "llvm-readobj":
            assert out.read_text() == want
        else:
            assert out.read_text() == render_json_plain([(model, "little", _raw_targets(model))])
        assert main(["dump", str(blob), "--raw", "--format", fmt]) == 0
        assert capsys.readouterr().out == out.read_text()


def _raw_targets(model):
    # A raw blob has no relocations: a non-zero address field is the address.
    return [FunctionTarget(None, f.address or None) for f in model.functions]


# -- the derivation ----------------------------------------------------------------

@pytest.mark.parametrize("endian", ["little", "big"])
def test_the_layout_is_read_off_the_definition(endian):
    p = plan(endian)
    fmt = stackmap_format(endian)
    assert p.header.size == 16 and p.header.struct.format == ("<" if endian == "little" else ">") + "BBHLLL"
    assert [a.name for a in p.arrays] == ["functions", "constants", "records"]
    record = p.array("records").element
    assert [type(part).__name__ for part in record.parts] == ["Fixed", "Array", "Pad", "Fixed", "Array", "Pad"]
    location = record.array("locations").element.fixed
    assert [(leaf.name, leaf.offset, leaf.size) for leaf in location.leaves] == [
        ("kind", 0, 1), ("reserved", 1, 1), ("size", 2, 2), ("dwarf_regnum", 4, 2), ("reserved2", 6, 2),
        ("offset_or_small_constant", 8, 4)]
    kind = location.leaf("kind")
    assert [v for v in range(256) if kind.valid[v]] == [k.value for k in LocationKind]
    assert kind.decoded[3] is LocationKind.Indirect
    assert location.leaf("reserved2").expected == b"\0\0" and location.leaf("size").expected is None
    assert all(isinstance(part, Pad) and part.alignment == 8 for part in record.parts if not isinstance(part, (Fixed, type(p.arrays[0]))))
    # sizes agree with construct's own
    assert p.array("functions").element.fixed.size == p.array("functions").node.subcon.sizeof() == 24
    assert record.array("locations").node.subcon.sizeof() == location.size == 12
    assert fmt.subcon.subcons[0].name == "version" and p.header.leaf("version").expected == b"\3"
    # the generated loop tests what the plan says, nothing typed by hand
    source = fast.layout(endian).scanners["records"].source
    assert "& 0xffff" in source and "p += 4" in source and "if p & 1:" in source


def test_an_unknown_construct_turns_the_fast_path_off(monkeypatch):
    from construct import VarInt

    from stackmap_construct.format.constructs import Block
    import importlib

    plan_module = importlib.import_module("stackmap_construct.format.fast.plan")

    with pytest.raises(Unsupported):
        plan_module._parts(Block("x" / VarInt), "<")

    def unsupported(endian):
        raise Unsupported("test")

    monkeypatch.setattr(fast, "layout", unsupported)
    assert type(parse(ODD).records) is list  # the construct path
    assert build(parse(ODD)) == ODD


@pytest.mark.parametrize("edit", [None, 0, 3, -1])
def test_unchanged_compares_many_made_records_a_run_at_a_time(monkeypatch, edit):
    """With more records made than a run, unchanged() compares them with
    fresh runs: an edit anywhere is seen (and to_dict then goes through the
    objects), no edit keeps the bulk form."""
    monkeypatch.setattr(RecordList, "RUN", 3)
    model = big_model(40, seed=21)
    sm = parse(build(model))
    made = list(sm.records)  # all made (runs of 3)
    if edit is not None:
        made[edit].instruction_offset ^= 1
        model.records[edit].instruction_offset ^= 1
    assert sm.records.unchanged() is (edit is None)
    assert (sm.records.plain_data() is None) is (edit is not None)
    assert to_dict(sm) == to_dict(model)
    sm = parse(build(model))
    for i in (1, 5, 6, 7, 30):  # made here and there, more than a run
        sm.records[i]
    assert sm.records.unchanged()


def test_iteration_in_growing_runs_is_a_list_iteration(monkeypatch):
    """Iteration hands out runs that grow (RUN, doubling, up to RUN *
    GROWTH); it gives the construct parse's records, the same objects as
    indexing, and goes on in the plain list, at the same index, when the
    list is changed structurally under it, as a list iterator does."""
    monkeypatch.setattr(RecordList, "RUN", 2)
    monkeypatch.setattr(RecordList, "GROWTH", 4)
    model = big_model(60, seed=23)
    blob = build(model)
    sm = parse(blob)
    seen = list(sm.records)
    assert seen == model.records and all(r is sm.records[i] for i, r in enumerate(seen))
    sm = parse(blob)
    marker = Record(7, 7, [], [])
    got = []
    for i, record in enumerate(sm.records):
        got.append(record)
        if i == 9:
            sm.records[10] = marker  # a structural change: the list turns plain
            sm.records.append(marker)
    assert got == model.records[:10] + [marker] + model.records[11:] + [marker]


def test_records_made_a_run_at_a_time_keep_every_edit(monkeypatch):
    """Iterating, slicing and peeking make records in runs (RUN made small
    here); a record changed before is never replaced by a fresh one, and
    what iteration gives equals the construct parse."""
    from stackmap_construct.format.fast.lazy import RecordList
    from stackmap_construct.model import Location, LocationKind

    blob, endian = next(b for b in SMALL_BLOBS.values() if len(parse(b[0], endian=b[1]).records) >= 5)
    monkeypatch.setattr(RecordList, "RUN", 2)
    sm = parse(blob, endian=endian)
    with backend("construct"):
        plain = parse(blob, endian=endian)
    assert isinstance(sm.records, RecordList)
    edited = sm.records[3]
    edited.locations.append(Location(LocationKind.Constant, 8, 0, 77))
    assert list(sm.records) == plain.records[:3] + [edited] + plain.records[4:]
    assert sm.records[3] is edited and sm.records[2:5][1] is edited
    assert list(sm.records.peek())[3] is edited
    fresh = parse(blob, endian=endian)
    assert list(fresh.records.peek()) == plain.records and fresh.records.pristine  # peek keeps nothing
    assert fresh.records[1:4] == plain.records[1:4] and not fresh.records.pristine


# -- objects made by setting their fields (codegen.fields_only_init) -----------

def test_the_model_classes_are_made_by_setting_their_fields():
    from stackmap_construct.format.fast.codegen import fields_only_init
    from stackmap_construct.model import LiveOut, Location

    assert fields_only_init(Location, ("kind", "size", "dwarf_regnum", "offset_or_small_constant"))
    assert fields_only_init(LiveOut, ("dwarf_regnum", "size"))
    assert not fields_only_init(LiveOut, ("size", "dwarf_regnum"))  # not its slots in order

    class Counted(Location):  # its own __init__: not marked by its base's mark
        __slots__ = ()

        def __init__(self, *args):
            super().__init__(*args)

    assert not fields_only_init(Counted, ("kind", "size", "dwarf_regnum", "offset_or_small_constant"))


def test_objects_made_by_setting_fields_equal_those_made_by_init():
    """Every field set, kinds decoded, nothing else: the same objects as the
    classes' own __init__ makes from the same values."""
    from stackmap_construct.model import LiveOut, Location, LocationKind

    from stackmap_construct.generate import generate_blob

    blob = generate_blob(11, records=(30, 30), locations=(1, 12))
    sm = parse(blob)
    for r in sm.records:
        for loc in r.locations:
            assert type(loc) is Location and type(loc.kind) is LocationKind
            same = Location(LocationKind(int(loc.kind)), loc.size, loc.dwarf_regnum, loc.offset_or_small_constant)
            assert loc == same and repr(loc) == repr(same)
        for lo in r.live_outs:
            assert type(lo) is LiveOut and lo == LiveOut(lo.dwarf_regnum, lo.size)
    with backend("construct"):
        assert parse(blob) == sm
