"""walk() follows the definition field by field; explain prints it."""

from __future__ import annotations

import pathlib

import pytest

from test_format_bytes import EVEN, ODD
from stackmap_construct import StackMapError, parse
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.format.walk import walk

CORPUS = sorted(pathlib.Path(__file__).parent.glob("data/*/*.o"))


def _tiles(data: bytes, endian: str) -> None:
    events = list(walk(data, endian=endian))
    pos = 0
    for e in events:
        assert e.offset == pos, e.path
        assert data[e.offset:e.offset + len(e.raw)] == e.raw
        pos += len(e.raw)
    assert pos == len(data)


@pytest.mark.parametrize("obj", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_walk_tiles_every_corpus_blob_exactly(obj):
    section = read_container(obj.read_bytes()).sections[0]
    _tiles(section.data, section.endian)


def test_walk_fields_of_the_hand_fixture():
    events = {e.path: e for e in walk(ODD)}
    assert events["records[0].align_pad"].offset == 0x4C
    assert events["records[0].align_pad"].role == "padding"
    assert events["records[0].num_locations"].role == "count"
    assert events["records[0].locations[0].reserved2"].role == "reserved"
    assert events["constants[0]"].value == 0x010000000000002A
    assert "records[0].end_pad" not in events  # ODD's record ends aligned
    assert {e.path: e for e in walk(EVEN)}["records[0].end_pad"].raw == bytes(4)


def _error(fn):
    try:
        fn()
    except StackMapError as e:
        return type(e), e.path, e.offset, e.message
    return None


@pytest.mark.parametrize("blob", [ODD, EVEN], ids=["odd", "even"])
def test_walk_reports_the_same_error_as_parse(blob):
    cases = [blob[:n] for n in range(len(blob))]
    for i in range(len(blob)):
        b = bytearray(blob)
        b[i] ^= 0xA5
        cases.append(bytes(b))
    for data in cases:
        assert _error(lambda: list(walk(data))) == _error(lambda: parse(data)), data.hex()


def test_explain_shows_fields_then_the_error(tmp_path, capsys):
    bad = bytearray(ODD)
    bad[0x46] = 1  # records[0].locations[0].reserved2
    path = tmp_path / "bad.bin"
    path.write_bytes(bytes(bad))
    assert main(["explain", str(path), "--no-docs"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[-2].startswith("0x000044  06 00")
    assert lines[-2].split()[3:] == ["records[0].locations[0].dwarf_regnum", "6"]
    assert lines[-1] == ("error: reserved field must be 0, found 1 "
                         "[at records[0].locations[0].reserved2, offset 70 (0x46)]")
    assert captured.err.count("\n") == 1 and "records[0].locations[0].reserved2" in captured.err


def test_explain_range_and_register_names(capsys):
    sample = pathlib.Path(__file__).parent.parent / "examples" / "sample.o"
    assert main(["explain", str(sample), "--range", "0x58:0x60"]) == 0
    lines = capsys.readouterr().out.splitlines()[2:]
    assert [line.split()[0] for line in lines] == ["0x000058", "0x000059", "0x00005a", "0x00005c", "0x00005e"]
    assert "3 (rbx)" in lines[3]
    assert "# DWARF register number" in lines[3]


def test_explain_names_no_register_for_constants(capsys):
    sample = pathlib.Path(__file__).parent.parent / "examples" / "sample.o"
    assert main(["explain", str(sample), "--range", "0x70:0x88", "--no-docs"]) == 0
    lines = {next(t for t in line.split() if t.startswith("records")): line
             for line in capsys.readouterr().out.splitlines()[2:]}
    # records[0].locations[2] is Constant -1, [3] ConstantIndex: R#0 is unused there.
    assert lines["records[0].locations[2].dwarf_regnum"].split()[-1] == "0"
    assert lines["records[0].locations[3].dwarf_regnum"].split()[-1] == "0"
