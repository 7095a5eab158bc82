"""build of dump's JSON read from a file (streamed: records decoded one at
a time and encoded a batch at a time) against the same document read whole
from standard input (json.loads, then the model): the same blob, or the
same error, for dump's output and for ways of spelling a record
differently, or wrongly, early and deep in the stream."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from stackmap_construct import build, to_dict
from stackmap_construct.cli.main import main
from json_text import record_span
from test_fast_path import big_model

N = 6000  # records: about 9 MB of dump's JSON, several batches


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    sm = big_model(N, seed=11)
    blob = build(sm)
    path = tmp_path_factory.mktemp("stream") / "blob.bin"
    path.write_bytes(blob)
    out = path.with_suffix(".json")
    assert main(["dump", str(path), "--raw", "--format", "json", "-o", str(out)]) == 0
    return out.read_text(), blob


def _both(text: str, tmp_path, monkeypatch, capsys):
    """(exit, stderr, output) of build from the file, and from stdin."""
    src = tmp_path / "in.json"
    src.write_text(text)
    results = []
    for name, args in (("file", [str(src)]), ("stdin", ["-"])):
        out = tmp_path / f"out-{name}.bin"
        if name == "stdin":
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        code = main(["build", *args, "-o", str(out)])
        err = capsys.readouterr().err.replace(str(src), "-")  # the message names the input
        results.append((code, err, out.read_bytes() if out.exists() else None))
    return results


def test_dumps_json_gives_the_blob(dumped, tmp_path, monkeypatch, capsys):
    text, blob = dumped
    (code, err, out), (code2, err2, out2) = _both(text, tmp_path, monkeypatch, capsys)
    assert code == code2 == 0 and out == out2 == blob


def test_json_dumps_of_to_dict_gives_the_blob(dumped, tmp_path, monkeypatch, capsys):
    _, blob = dumped
    from stackmap_construct import parse

    for text in (json.dumps(to_dict(parse(blob))), json.dumps(to_dict(parse(blob)), indent=1)):
        (code, err, out), (code2, err2, out2) = _both(text, tmp_path, monkeypatch, capsys)
        assert code == code2 == 0 and out == out2 == blob


# (what is changed in one location, or record, of the text, by regex)
CHANGES = {
    "blank inside a kind": (r'"kind": "(\w)(\w+)"', r'"kind": "\1 \2"'),
    "blank between digits": (r'"size": (\d)', r'"size": 1 \1'),
    "a float": (r'"size": (\d+)', r'"size": \1.0'),
    "true": (r'"size": (\d+)', r'"size": true'),
    "a leading zero": (r'"size": (\d+)', r'"size": 0\1'),
    "minus zero": (r'"dwarf_regnum": (\d+)', r'"dwarf_regnum": -0'),
    "keys in another order": (r'"size": (\d+),(\s*)"dwarf_regnum": (\d+)', r'"dwarf_regnum": \3,\2"size": \1'),
    "an unknown key": (r'"size": (\d+),', r'"size": \1, "sz": 1,'),
    "a kind by number": (r'"kind": "\w+"', r'"kind": 3'),
    "a size too large": (r'"size": (\d+)', r'"size": 70000'),
    "a negative offset too small": (r'"offset_or_small_constant": (-?\d+)', r'"offset_or_small_constant": -2147483649'),
    "an escaped key": (r'"kind"', r'"\\u006bind"'),
    "an address as a string": (r'"address": (\d+)', r'"address": "x"'),
    "an address as null": (r'"address": (\d+)', r'"address": null'),
    "an address as a float": (r'"address": (\d+)', r'"address": \1.5'),
    "no address": (r',\s*"address": (\d+)', r''),
    "a control character": (r'"size": (\d+),', '"size": \\1,\x01'),
    "a missing comma": (r'"size": (\d+),', r'"size": \1'),
    "a live-out's key misspelt": (r'"dwarf_regnum": (\d+),(\s*)"size": (\d+)\s*\}', r'"dwarf_regnum": \1,\2"sise": \3}'),
}


@pytest.mark.parametrize("record", [100, 5000])  # the first batch, and the second
@pytest.mark.parametrize("change", CHANGES)
def test_a_change_in_a_record_gives_what_reading_whole_gives(change, record, dumped, tmp_path, monkeypatch,
                                                                    capsys):
    text, _ = dumped
    pattern, replacement = CHANGES[change]
    while True:  # the first record from ``record`` on that has what is changed
        start, end = record_span(text, record)
        changed, n = re.subn(pattern, replacement, text[start:end], count=1)
        if n:
            break
        record += 1
    text = text[:start] + changed + text[end:]
    (code, err, out), (code2, err2, out2) = _both(text, tmp_path, monkeypatch, capsys)
    assert (code, err, out) == (code2, err2, out2)
