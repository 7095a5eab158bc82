"""build of dump's JSON decoded straight from its text (format/jsonlayout.py)
against json.loads of the same text then the model (the ordinary reading):
the same blobs on dump's output (one blob, several, big-endian, records
without locations or live-outs, runs cut in several pieces), and for every
way of writing the text otherwise, right or wrong, either the same blobs
or a refusal (the CLI then reads the ordinary way, which gives the same
blob or names the error: test_build_json_stream proves the CLI's answer
equal either way)."""

from __future__ import annotations

import io
import json
import re

import pytest

from stackmap_construct import build, parse, to_dict
from stackmap_construct.errors import StackMapError
from stackmap_construct.format import jsonlayout
from stackmap_construct.format.jsonlayout import Declined, build_layout
from stackmap_construct.model import LiveOut, Location, LocationKind, Record, StackMap
from stackmap_construct.render.json import render_json
from json_text import record_span
from test_fast_path import big_model


def _endian_of(entry):
    return entry.get("endian") or "little"


def _ordinary(text: str) -> list[bytes] | str:
    """The CLI's ordinary reading (json.loads, then build of each entry):
    the blobs, or "error"."""
    try:
        doc = json.loads(text)
        entries = doc["stackmaps"] if isinstance(doc, dict) and "stackmaps" in doc else [doc]
        out = []
        for entry in entries:
            endian = _endian_of(entry)
            if endian not in ("little", "big"):
                return "error"
            out.append(build(entry, endian=endian))
        return out
    except (StackMapError, ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return "error"


def _layout(text: str | bytes) -> list[bytes] | None:
    data = text.encode() if isinstance(text, str) else text
    try:
        return build_layout(io.BytesIO(data), _endian_of)
    except Declined:
        return None


def _dump(*blobs: tuple[StackMap, str]) -> str:
    return render_json([(parse(build(sm, endian=endian), endian=endian), endian, None) for sm, endian in blobs])


@pytest.fixture(scope="module")
def one():
    sm = parse(build(big_model(3000, seed=5)))
    return sm, _dump((sm, "little"))


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    # Runs of records of 64 KB: a few hundred runs cut at record boundaries.
    monkeypatch.setattr(jsonlayout, "_CHUNK", 1 << 16)
    monkeypatch.setattr(jsonlayout, "_READ", 1 << 16)


def test_dumps_output_is_decoded_straight_to_the_blob(one):
    sm, text = one
    assert _layout(text) == _ordinary(text) == [build(sm)]


def test_one_piece_or_many(one, monkeypatch):
    sm, text = one
    for size in (1 << 10, 1 << 13, 1 << 24):
        monkeypatch.setattr(jsonlayout, "_CHUNK", size)
        monkeypatch.setattr(jsonlayout, "_READ", size)
        assert _layout(text) == [build(sm)]


def test_several_blobs_and_byte_orders():
    a, b = big_model(700, seed=1), big_model(900, seed=2)
    empty = StackMap(3, [], [], [])
    text = _dump((a, "little"), (b, "big"), (empty, "little"), (a, "big"))
    expected = [build(a), build(b, endian="big"), build(empty), build(a, endian="big")]
    assert _layout(text) == _ordinary(text) == expected


def test_records_without_locations_or_live_outs():
    records = [Record(1, 2, [], []), Record(3, 4, [Location(LocationKind.Register, 8, 3, 0)], []),
               Record(5, 6, [], [LiveOut(7, 8)]), Record(2**64 - 1, 2**32 - 1, [], [])]
    sm = StackMap(3, [], [], records)
    text = _dump((sm, "little"))
    assert _layout(text) == _ordinary(text) == [build(sm)]


def test_addresses_as_numbers_and_null(one):
    sm, text = one
    # dump of an object without symbols writes null; with them, numbers
    assert '"address": null' in text
    numbered = re.sub(r'"address": null', lambda m: '"address": 4198400', text, count=50)
    assert _layout(numbered) == _ordinary(numbered) == [build(sm)]


def test_plain_json_dumps_of_a_stackmap_is_read_the_ordinary_way(one):
    sm, _ = one
    text = json.dumps(to_dict(sm), indent=2)  # no "address": not dump's layout
    assert _layout(text) is None
    assert _ordinary(text) == [build(sm)]


# Each change is made in one record, early or late in the array.
CHANGES = {
    "blank inside a kind": (r'"kind": "(\w)(\w+)"', r'"kind": "\1 \2"'),
    "blank between digits": (r'"size": (\d)', r'"size": 1 \1'),
    "a float": (r'"size": (\d+)', r'"size": \1.0'),
    "an exponent": (r'"size": (\d+)', r'"size": \1e0'),
    "true": (r'"size": (\d+)', r'"size": true'),
    "a leading zero": (r'"size": (\d+)', r'"size": 0\1'),
    "a plus sign": (r'"size": (\d+)', r'"size": +\1'),
    "minus zero": (r'"dwarf_regnum": (\d+)', r'"dwarf_regnum": -0'),
    "minus zero patchpoint": (r'"patchpoint_id": (\d+)', r'"patchpoint_id": -0'),
    "an underscore": (r'"size": (\d)', r'"size": 1_\1'),
    "a negative size": (r'"size": (\d+)', r'"size": -\1'),
    "keys in another order": (r'"size": (\d+),(\s*)"dwarf_regnum": (\d+)', r'"dwarf_regnum": \3,\2"size": \1'),
    "an unknown key": (r'"size": (\d+),', r'"size": \1, "sz": 1,'),
    "a repeated key": (r'"size": (\d+),', r'"size": 1, "size": \1,'),
    "a kind by number": (r'"kind": "\w+"', r'"kind": 3'),
    "an unknown kind": (r'"kind": "\w+"', r'"kind": "Registers"'),
    "a size too large": (r'"size": (\d+)', r'"size": 70000'),
    "an id too large": (r'"patchpoint_id": (\d+)', r'"patchpoint_id": 18446744073709551616'),
    "a negative offset too small": (r'"offset_or_small_constant": (-?\d+)',
                                    r'"offset_or_small_constant": -2147483649'),
    "an escaped key": (r'"kind"', r'"\\u006bind"'),
    "an escaped kind": (r'"kind": "R', r'"kind": "\\u0052'),
    "an address as a string": (r'"address": null', r'"address": "x"'),
    "an address as a float": (r'"address": null', r'"address": 1.5'),
    "no address": (r',\s*"address": null', r''),
    "a control character": (r'"size": (\d+),', '"size": \\1,\x01'),
    "a NUL": (r'"size": (\d+),', '"size": \\1,\x00'),
    "a missing comma": (r'"size": (\d+),', r'"size": \1'),
    "a trailing comma": (r'"size": (\d+),', r'"size": \1,,'),
    "one blank more": (r'\n(\s+)"size"', r'\n \1"size"'),
    "one blank less": (r'\n (\s+)"size"', r'\n\1"size"'),
    "a tab": (r'\n(\s+)"size"', '\n\\1\t"size"'),
    "CRLF": (r'\n(\s+)"size"', '\r\n\\1"size"'),
    "blanks on one line": (r',\n\s+"size"', r', "size"'),
    "a live-out's key misspelt": (r'"dwarf_regnum": (\d+),(\s*)"size": (\d+)\s*\}', r'"dwarf_regnum": \1,\2"sise": \3}'),
    "an empty location list spelt with a blank": (r'"locations": \[\]', r'"locations": [ ]'),
    "a live-out list as an object": (r'"live_outs": \[\]', r'"live_outs": {}'),
    "a record as a list": (r'\{\n(\s+)"patchpoint_id"', r'[\n\1"patchpoint_id"'),
    "records cut short": (r'"live_outs": \[\]', r'"live_outs": []}]}]}'),
}


@pytest.mark.parametrize("record", [3, 2500])
@pytest.mark.parametrize("change", CHANGES)
def test_any_other_text_gives_the_same_blob_or_is_refused(change, record, one):
    _, text = one
    pattern, replacement = CHANGES[change]
    n = 0
    while not n:  # the first record from ``record`` on that has what is changed
        start, end = record_span(text, record)
        changed, n = re.subn(pattern, replacement, text[start:end], count=1)
        record += 1
    text = text[:start] + changed + text[end:]
    got = _layout(text)
    assert got is None or got == _ordinary(text)
    if _ordinary(text) == "error":
        assert got is None


OUTSIDE = {
    "the records key escaped": ('"records": [', '"rec\\u006frds": ['),
    "a second records key": ('"endian": "little"', '"endian": "little", "records": []'),
    "the stackmaps not a list": ('"stackmaps": [', '"stackmaps": {"x": ['),
    "a BOM": ("{", "\ufeff{"),
    "an unknown byte order": ('"endian": "little"', '"endian": "middle"'),
    "an escaped symbol": ('"version": 3', '"version": 3, "s": "\\u0000 0"'),
    "the end cut off": ('"endian": "little"\n    }\n  ]\n}', '"endian": "little"\n    }\n  ]'),
    "no end of the records": ('\n      ],\n      "endian"', '\n      ,\n      "endian"'),
    "records as the first key": ('"version": 3,', '"records": [], "version": 3,'),
    "junk after": ('  ]\n}\n', '  ]\n}\n]'),
}


@pytest.mark.parametrize("change", OUTSIDE)
def test_any_other_text_outside_the_records(change, one):
    _, text = one
    old, new = OUTSIDE[change]
    assert old in text
    text = text.replace(old, new, 1)
    got = _layout(text)
    expected = _ordinary(text)
    assert got is None or got == expected
    if expected == "error":
        assert got is None


def test_a_records_array_nested_elsewhere_is_not_taken_for_the_entrys():
    inner = StackMap(3, [], [], [Record(9, 9, [Location(LocationKind.Constant, 8, 0, 5)], [])])
    outer = StackMap(3, [], [], [])
    text = _dump((outer, "little"))
    nested = json.loads(_dump((inner, "little")))["stackmaps"][0]["records"]
    entry = json.loads(text)["stackmaps"][0]
    entry["functions"] = []
    entry["x"] = {"records": nested}  # an unknown key: an error either way
    doc = json.dumps({"stackmaps": [entry]}, indent=2)
    assert _ordinary(doc) == "error"
    assert _layout(doc) is None


def test_the_expressions_come_from_the_plan_and_json_dumps():
    lay = jsonlayout._layout(3)
    loc = {"kind": "ConstantIndex", "size": 8, "dwarf_regnum": 7, "offset_or_small_constant": -12}
    text = jsonlayout._dumps(loc, 6)
    assert lay.first.regex.fullmatch(text).groups() == (b"ConstantIndex", b"8", b"7", b"-12")
    kinds = lay.first.decoders[0]
    assert set(kinds) == {k.name.encode() for k in LocationKind}
    assert kinds[b"Indirect"] == LocationKind.Indirect.value
    live_out = jsonlayout._dumps({"dwarf_regnum": 7, "size": 8}, 6)
    assert lay.second.regex.fullmatch(live_out).groups() == (b"7", b"8")
    assert re.fullmatch(lay.second.plain, live_out) and re.compile(lay.second.plain).groups == 0


def test_the_cli_takes_this_way_for_dumps_json(one, tmp_path, monkeypatch):
    from stackmap_construct.cli import build as build_cli
    from stackmap_construct.cli.main import main
    from stackmap_construct.format import jsonstream

    sm, text = one
    src = tmp_path / "in.json"
    src.write_text(text)

    def not_this_way(*args, **kwargs):
        raise AssertionError("read the ordinary way")

    monkeypatch.setattr(jsonstream, "build_stream", not_this_way)
    monkeypatch.setattr(build_cli, "read_json", not_this_way)
    out = tmp_path / "out.bin"
    assert main(["build", str(src), "-o", str(out)]) == 0
    assert out.read_bytes() == build(sm)


@pytest.fixture
def in_two(monkeypatch):
    """Two processes whenever a records array is read from a real file."""
    monkeypatch.setattr(jsonlayout, "_idle_core", lambda: True)
    monkeypatch.setattr(jsonlayout, "TWO_PROCESSES", 1 << 12)


def _from_file(text: str, tmp_path) -> list[bytes] | None:
    path = tmp_path / "in.json"
    path.write_text(text)
    with open(path, "rb") as f:
        try:
            return build_layout(f, _endian_of)
        except Declined:
            return None


def test_two_processes_give_the_same_blob(one, tmp_path, in_two, monkeypatch):
    sm, text = one
    forks = []
    fork = jsonlayout.os.fork
    monkeypatch.setattr(jsonlayout.os, "fork", lambda: forks.append(1) or fork())
    assert _from_file(text, tmp_path) == [build(sm)]
    assert forks  # the child did its half


def test_two_processes_over_several_arrays(tmp_path, in_two):
    # The middle of the file falls in the second array: the first is not
    # split there (it ends before), and each array is still whole.
    a, b = big_model(300, seed=3), big_model(1500, seed=4)
    text = _dump((a, "little"), (b, "big"), (a, "little"))
    assert _from_file(text, tmp_path) == _ordinary(text) == [build(a), build(b, endian="big"), build(a)]


@pytest.mark.parametrize("where", [0.25, 0.75])
@pytest.mark.parametrize("change", ["a float", "a size too large", "one blank less", "records cut short"])
def test_two_processes_refuse_what_one_refuses(change, where, one, tmp_path, in_two):
    _, text = one
    pattern, replacement = CHANGES[change]
    record, n = int(3000 * where), 0
    while not n:
        start, end = record_span(text, record)
        changed, n = re.subn(pattern, replacement, text[start:end], count=1)
        record += 1
    text = text[:start] + changed + text[end:]
    got = _from_file(text, tmp_path)
    assert got is None or got == _ordinary(text)
    if _ordinary(text) == "error":
        assert got is None


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes")
def test_a_pipe_is_read_once_the_ordinary_way(one, tmp_path):
    import os
    import threading

    from stackmap_construct.cli.main import main

    sm, text = one
    text = text.replace('"size": 8,', '"size":  8,', 1)  # not the layout: read whole, after the stream
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w") as f:
            f.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    out = tmp_path / "out.bin"
    try:
        assert main(["build", str(fifo), "-o", str(out)]) == 0
    finally:
        writer.join(timeout=30)
    assert out.read_bytes() == build(sm)


def test_build_of_dumps_json_imports_nothing_heavy(one, tmp_path):
    from test_startup import HEAVY, _run

    sm, text = one
    src, out = tmp_path / "in.json", tmp_path / "out.bin"
    src.write_text(text)
    code = ("import argparse\nargparse.ArgumentParser().parse_args([])\nbefore = set(sys.modules)\n"
            "from stackmap_construct.cli.main import main\n"
            f"status = main(['build', {str(src)!r}, '-o', {str(out)!r}])\n"
            "new = sorted(set(sys.modules) - before)\nimport json\n"
            "print(json.dumps({'status': status, 'new': new}), file=sys.stderr)\n")
    _, report = _run(code)
    assert report["status"] == 0 and out.read_bytes() == build(sm)
    new = set(report["new"])
    assert "stackmap_construct.format.jsonlayout" in new
    heavy = HEAVY - {"tempfile", "shutil"}  # -o writes through a temporary file, atomically
    assert not heavy & new, sorted(heavy & new)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes")
def test_a_pipe_is_opened_once(one, tmp_path, monkeypatch):
    # A named pipe can be opened and read once: a first open to look at it
    # (then closed) would drop what the writer sent, and the second would wait.
    import builtins
    import os
    import threading

    from stackmap_construct.cli.main import main

    sm, text = one  # dump's own layout: the stream reader takes it whole
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(fifo):
            opened.append(args[:1] or kwargs.get("mode"))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)

    def write():
        with real_open(fifo, "w") as f:
            f.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out = tmp_path / "out.bin"
    assert main(["build", str(fifo), "-o", str(out)]) == 0
    writer.join(timeout=30)
    assert len(opened) == 1, opened
    assert out.read_bytes() == build(sm)


def test_a_fork_that_fails_leaves_one_process_doing_it_all(one, tmp_path, in_two, monkeypatch):
    import os

    sm, text = one

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    assert _from_file(text, tmp_path) == [build(sm)]
    if fds is not None:  # the pipe made for the child is closed again
        assert len(os.listdir("/proc/self/fd")) == fds
