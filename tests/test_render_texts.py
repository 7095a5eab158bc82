"""The streamed renderers' shared parts (render/texts.py): the cache of
each distinct item's text keeps its two generations and gives the same
texts however small it is; the items are cut out the same way whatever the
batch; and every renderer gives the plain reference's text with the
smallest cache and batches."""

from __future__ import annotations

import random

import pytest

from reference import plain_text
from stackmap_construct import build, parse
from stackmap_construct.model import Function, LiveOut, Location, LocationKind, Record, StackMap
from stackmap_construct.render import parallel, texts
from stackmap_construct.render.json import render_json, render_json_plain
from stackmap_construct.render.readobj import render_readobj, render_readobj_plain
from stackmap_construct.render.text import render_text
from stackmap_construct.render.texts import Texts, item_keys
from stackmap_construct.symbols import FunctionTarget


def _maker(made: list):
    def make(missing: list[bytes]):
        made.extend(missing)
        return [(m, m.hex()) for m in missing]
    return make


def test_each_distinct_item_is_made_once_per_batch_and_kept():
    made: list[bytes] = []
    t = Texts(_maker(made))
    keys = [b"a", b"b", b"a", b"c", b"b"]
    assert t.lookup(keys) == ["61", "62", "61", "63", "62"]
    assert made == [b"a", b"b", b"c"]  # each once, in the order first seen
    assert t.lookup([b"c", b"a"]) == ["63", "61"]
    assert made == [b"a", b"b", b"c"]  # known: not made again
    assert t.lookup([]) == []


def test_over_the_limit_the_cache_starts_again(monkeypatch):
    monkeypatch.setattr(Texts, "LIMIT", 2)
    made: list[bytes] = []
    t = Texts(_maker(made))
    t.lookup([b"a", b"b", b"c"])  # three held: over the limit
    assert set(t) == {b"a", b"b", b"c"}
    assert t.lookup([b"d", b"a", b"d"]) == ["64", "61", "64"]  # started again: "a" made anew
    assert made == [b"a", b"b", b"c", b"d", b"a"] and set(t) == {b"a", b"d"}
    assert t.lookup([b"a"]) == ["61"]  # within the limit: kept
    assert made == [b"a", b"b", b"c", b"d", b"a"]


def test_texts_that_are_empty_or_look_like_missing_ones_are_kept():
    made: list[bytes] = []
    t = Texts(lambda missing: (made.extend(missing), [(m, "" if m == b"e" else "\0") for m in missing])[1])
    assert t.lookup([b"e", b"z", b"e"]) == ["", "\0", ""]
    assert t.lookup([b"z", b"e"]) == ["\0", ""]
    assert made == [b"e", b"z"]
    # a text equal to the sentinel itself: still right (made again each time)
    t = Texts(lambda missing: [(m, texts._MISSING) for m in missing])
    assert t.lookup([b"s", b"s", b"x"]) == [texts._MISSING] * 3 == t.lookup([b"x", b"s"]) + [texts._MISSING]


@pytest.mark.parametrize("batch", [1, 3, 4096])
def test_item_keys_cut_every_item_whatever_the_batch(batch, monkeypatch):
    monkeypatch.setattr(texts, "_BATCH", batch)
    for size in (4, 12):
        for n in (0, 1, 2, 3, 7, 10):
            data = bytes(range(256)) * 2
            data = data[:size * n]
            assert item_keys(data, size) == [data[i:i + size] for i in range(0, size * n, size)], (size, n)


def _model(n_records: int, seed: int) -> StackMap:
    """Many distinct locations (several cache generations at a small limit)
    and a few that keep coming back."""
    rng = random.Random(seed)
    constants = [rng.randrange(2**64) for _ in range(5)]
    records = []
    for i in range(n_records):
        locations = []
        for _ in range(rng.choice([0, 1, 3, 8, 28])):
            kind = rng.choice(list(LocationKind))
            value = (rng.randrange(len(constants) + 2) if kind == LocationKind.ConstantIndex
                     else rng.choice([0, -8, -16, rng.randint(-2**31, 2**31 - 1)]))
            locations.append(Location(kind, rng.choice([4, 8]), rng.choice([6, 7, 3]), value))
        live_outs = [LiveOut(rng.choice([0, 7, 17]), rng.choice([8, 16])) for _ in range(rng.choice([0, 0, 1, 2]))]
        records.append(Record(rng.randrange(2**64), rng.randrange(2**20), locations, live_outs))
    functions = [Function(0x401000 + 64 * k, 16, 50) for k in range(n_records // 50)]
    functions.append(Function(0, 2**64 - 1, n_records - 50 * len(functions)))
    return StackMap(3, functions, constants, records)


@pytest.mark.parametrize("limit,batch,piece", [(1, 1, 1), (5, 7, 30), (64, 4096, 1 << 14)])
@pytest.mark.parametrize("endian", ["little", "big"])
def test_renderers_equal_the_reference_with_small_caches(limit, batch, piece, endian, monkeypatch):
    from stackmap_construct.render import json, readobj, text

    monkeypatch.setattr(Texts, "LIMIT", limit)
    monkeypatch.setattr(texts, "_BATCH", batch)
    for module in (json, readobj, text):
        monkeypatch.setattr(module, "PIECE_ITEMS", piece)
    monkeypatch.setattr(json._Heads, "LIMIT", limit)  # the heads of JSON locations: started again too
    model = _model(700, seed=limit + batch)
    sm = parse(build(model, endian=endian), endian=endian)
    assert render_readobj(sm) == render_readobj_plain(model)
    targets = [FunctionTarget(f"f{i}" if i % 2 else None, 0x1000 * i if i % 3 else None)
               for i in range(len(model.functions))]
    assert render_text(sm, arch="x86_64", endian=endian, targets=targets, title="t") == \
        plain_text.render_text(model, arch="x86_64", targets=targets, title="t")
    assert render_json([(sm, endian, targets)]) == render_json_plain([(model, endian, targets)])


@pytest.mark.parametrize("value,idle", [("1", False), ("2", True)])
def test_the_processes_variable_overrides_the_load(value, idle, monkeypatch):
    from stackmap_construct import processes

    monkeypatch.setattr(processes, "running_now", lambda: 1 if not idle else 9)
    monkeypatch.setenv(parallel.PROCESSES_VARIABLE, value)
    assert parallel.idle_core() is idle
    monkeypatch.setenv(parallel.PROCESSES_VARIABLE, "")  # unset or anything else: the load decides
    assert parallel.idle_core() is (not idle and len(__import__("os").sched_getaffinity(0)) >= 2)


@pytest.mark.parametrize("template", [
    "  Record ID: {0}, instruction offset: {1}\n    {2} locations:\n",
    "    record id {0} at offset 0x{1:x} ({1}){2}:\n",
    ",\n  \"live_outs\": {0},\n  \"address\": {1}\n}}{2}",
    "100% {1} of {0:x}",  # a literal %, fields out of order
    "no fields",
    "{{braces}} {0} }}",
    "{0:>8} {1!r}",  # not %-able: str.format it is
])
def test_format_rows_is_str_format(template):
    columns = ([0, 7, 2**64 - 1, -26], [0, 255, 16, 4096], ["", " = 0x10", "null", "x%sy"])
    want = [template.format(*row) for row in zip(*columns)]
    assert texts.format_rows(template, *columns) == want
    assert (texts.percent(template) is None) == ("!r" in template)
    # a column the template does not show may be None
    if "{2" not in template:
        assert texts.format_rows(template, columns[0], columns[1], None) == want


def test_percent_leaves_what_it_does_not_know_to_str_format():
    assert texts.percent("{0:>8}") is None and texts.percent("{name}") is None and texts.percent("{0:{1}}") is None
    assert texts.percent("a}b") is None  # (str.format raises on it, and so does format_rows)
    with pytest.raises(ValueError):
        texts.format_rows("a}b", [1])
    assert texts.format_rows("{1:>3}|", None, [1, 22]) == ["  1|", " 22|"]  # not %-able, a column not shown None
    with pytest.raises(TypeError):
        texts.format_rows("{0:>3}|", None, [1])  # a shown one None: str.format's error


@pytest.mark.parametrize("endian", ["little", "big"])
def test_record_columns_of_a_range_are_the_slices_of_the_whole(endian):
    from stackmap_construct.format.columns import view

    model = _model(120, seed=3)
    blob = build(model, endian=endian)
    names = ("patchpoint_id", "instruction_offset")
    ranges = [(0, None), (0, 1), (5, 17), (119, 120), (119, None), (40, 40), (100, 500), (130, 140)]
    fresh = view(parse(blob, endian=endian), endian=endian)  # nothing made yet: read from the bytes
    got = {r: fresh.record_columns(names, *r) for r in ranges}
    whole = view(parse(blob, endian=endian), endian=endian)
    want = [[r.patchpoint_id for r in model.records], [r.instruction_offset for r in model.records]]
    assert [list(c) for c in (whole.record_column(n) for n in names)] == want
    for (start, stop), cols in got.items():
        assert [list(c) for c in cols] == [w[start:stop] for w in want], (start, stop)
        # the same once the whole columns are made
        assert [list(c) for c in whole.record_columns(names, start, stop)] == [w[start:stop] for w in want]
    half = view(parse(blob, endian=endian), endian=endian)
    half.record_column("patchpoint_id")  # the heads cut, one column made
    for (start, stop) in ranges:
        assert [list(c) for c in half.record_columns(names, start, stop)] == [w[start:stop] for w in want]


@pytest.mark.parametrize("counts, items, records, want", [
    ([], 5, 3, []),
    ([2, 2, 2, 2], 4, 10, [(0, 2), (2, 4)]),
    ([2, 2, 2, 2], 5, 10, [(0, 2), (2, 4)]),  # a third record would make 6
    ([2, 2, 2, 2], 100, 3, [(0, 3), (3, 4)]),  # at most 3 records
    ([9, 1, 0, 0, 1, 9], 2, 10, [(0, 1), (1, 5), (5, 6)]),  # a record over the limit alone; empty ones join
    ([0, 0, 0], 1, 2, [(0, 2), (2, 3)]),
])
def test_pieces_bound_records_and_items(counts, items, records, want):
    from itertools import accumulate

    starts = list(accumulate(counts, initial=0))
    got = list(texts.pieces(starts, 0, len(counts), items, records))
    assert got == want
    for r0, r1 in got:
        assert r1 - r0 <= records and (starts[r1] - starts[r0] <= items or r1 - r0 == 1)
    for lo in range(len(counts)):  # any range: pieces that follow each other from lo to hi, each within bounds
        for hi in range(lo, len(counts) + 1):
            got = list(texts.pieces(starts, lo, hi, items, records))
            bounds = [lo] + [r1 for _, r1 in got]
            assert [r0 for r0, _ in got] == bounds[:-1] and bounds[-1] == hi
            assert all(0 < r1 - r0 <= records and (starts[r1] - starts[r0] <= items or r1 - r0 == 1) for r0, r1 in got)


# -- by_kind, in_order ----------------------------------------------------------

_BY_KIND = {1: "R{1}/{0}\n", 2: "[{1}{2}]/{0}\n", 4: "C{3}/{0}\n", 300: "odd {3}\n"}


def _formatted(kinds, columns):
    """Each item formatted by its kind's template, a kind at a time, put back in order."""
    n = len(kinds)
    pairs = [(i, text) for kind, at, cols in texts.by_kind(kinds, range(n), texts.picked(columns))
             for i, text in zip(at, texts.format_rows(_BY_KIND[kind], *cols))]
    return texts.in_order(pairs, n)


@pytest.mark.parametrize("kinds, expected", [
    ([], []),
    ([4, 4, 4], ["C7/8\n", "C-1/4\n", "C0/1\n"]),  # one kind
    ([4, 1, 4], ["C7/8\n", "Rr6/4\n", "C0/1\n"]),
    ([1, 2, 2], ["Rr5/8\n", "[r6-16]/4\n", "[r7+0]/1\n"]),
    ([2, 4, 1], ["[r5+8]/8\n", "C-1/4\n", "Rr7/1\n"]),  # each kind once
    ([300, 4, 300], ["odd 7\n", "C-1/4\n", "odd 0\n"]),  # a kind that is no byte (a hand-made model's)
])
def test_each_kind_formats_its_own_items_put_back_in_place(kinds, expected):
    n = len(kinds)
    columns = ([8, 4, 1][:n], ["r5", "r6", "r7"][:n], ["+8", "-16", "+0"][:n], [7, -1, 0][:n])
    assert _formatted(kinds, columns) == expected
    # the same as str.format one item at a time
    assert expected == [_BY_KIND[k].format(*(c[i] for c in columns)) for i, k in enumerate(kinds)]


def test_by_kind_hands_each_kind_exactly_its_items():
    kinds = bytes([4, 1, 4, 2, 1])
    asked = []

    def fields(keys):  # the fields of these keys only
        asked.append(keys)
        return [[ord(k) - 87 for k in keys], [ord(k) - 77 for k in keys]]
    groups = list(texts.by_kind(kinds, "abcde", fields))
    assert groups == [(1, ["b", "e"], [[11, 14], [21, 24]]),
                      (2, ["d"], [[13], [23]]),
                      (4, ["a", "c"], [[10, 12], [20, 22]])]
    assert asked == [["b", "e"], ["d"], ["a", "c"]]
    assert list(texts.by_kind([], [], fields)) == [] and len(asked) == 3
    assert list(texts.by_kind([2, 2], "xy", fields)) == [(2, ["x", "y"], [[33, 34], [43, 44]])]
    # kinds in a wider array: grouped by value, not by the bytes of the buffer
    from array import array

    assert [g[:2] for g in texts.by_kind(array("H", [4, 1, 4, 2, 1]), "abcde", fields)] == \
        [(1, ["b", "e"]), (2, ["d"]), (4, ["a", "c"])]
    assert [g[:2] for g in texts.by_kind(array("h", [300, -1, 300]), "abc", fields)] == [(-1, ["b"]), (300, ["a", "c"])]


def test_an_unknown_kind_is_a_key_error():
    with pytest.raises(KeyError):
        _formatted([1, 9], ([8, 8], ["a", "b"], ["", ""], [0, 0]))
