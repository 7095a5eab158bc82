"""stackmap_construct.load(): any container (or a raw blob) from a path,
bytes or a file object, each function named as the IR named it; parse() on
an object file's bytes points to load().

Expected names are the IR's (tests/named_ir.py); objects are made now by llc.
"""

from __future__ import annotations

import io
import pathlib

import pytest

import stackmap_construct as smc
from llvm_tools import require, run
from named_ir import IR
from stackmap_construct import ContainerError, Function, StackMapFile, UnsupportedVersionError, load, parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample.o"

NAMES = ["hidden_helper", "visible"]


def test_load_path_bytes_and_file_object_agree():
    by_path = load(SAMPLE)
    by_str = load(str(SAMPLE))
    by_bytes = load(SAMPLE.read_bytes())
    by_bytearray = load(bytearray(SAMPLE.read_bytes()))
    with open(SAMPLE, "rb") as f:
        by_file = load(f)
    by_bytesio = load(io.BytesIO(SAMPLE.read_bytes()))
    assert isinstance(by_path, StackMapFile)
    for other in (by_str, by_bytes, by_bytearray, by_file, by_bytesio):
        assert other.stackmaps == by_path.stackmaps
        assert [fn.symbol for fn in other.stackmaps[0].functions] == ["collect", "patch"]
    # examples/sample.ll names the functions collect and patch; ids 1, 2, 3.
    assert by_path.container.format == "ELF64" and by_path.container.arch == "x86_64"
    assert by_path.endian == "little"
    assert [r.patchpoint_id for r in by_path.stackmaps[0].records] == [1, 2, 3]
    assert by_path.sections[0].name == ".llvm_stackmaps"
    assert [t.symbol for t in by_path.targets[0]] == ["collect", "patch"]


def test_symbol_is_not_part_of_the_blob():
    f = load(SAMPLE)
    sm = f.stackmaps[0]
    blob = f.sections[0].data
    bare = parse(blob)
    assert [fn.symbol for fn in bare.functions] == [None, None]
    assert bare == sm  # the symbol is left out of comparisons
    assert smc.build(sm) == blob  # and out of the bytes
    assert repr(bare.functions[0]) == "Function(address=0, stack_size=56, record_count=2)"
    assert repr(sm.functions[0]) == "Function(address=0, stack_size=56, record_count=2, symbol='collect')"
    with smc.format.api.backend("construct"):
        slow = parse(blob)
    assert slow == bare and slow.functions[0].symbol is None


def test_from_dict_keeps_dump_json_symbols():
    doc = smc.to_dict(load(SAMPLE).stackmaps[0])
    assert "symbol" not in doc["functions"][0]  # the plain-data form is unchanged
    doc["functions"][0]["symbol"] = "collect"
    assert smc.from_dict(doc).functions[0] == Function(0, 56, 2)
    assert smc.from_dict(doc).functions[0].symbol == "collect"
    doc["functions"][0]["symbol"] = 5
    with pytest.raises(smc.BuildError) as e:
        smc.from_dict(doc)
    assert e.value.path == "functions[0].symbol"


def test_raw_blob_big_endian():
    sm = load(SAMPLE).stackmaps[0]
    big = smc.build(sm, endian="big")
    f = load(big, endian="big")
    assert f.container.format == "raw" and f.endian == "big"
    assert f.stackmaps == [sm]
    assert [fn.symbol for fn in f.stackmaps[0].functions] == [None, None]
    # Read little-endian, the big-endian blob's counts are absurd: an error,
    # with the note that it was read as a raw blob.
    with pytest.raises(smc.StackMapError) as e:
        load(big)
    assert "not an object file, so it was read as a raw stackmap blob" in str(e.value)


def test_two_concatenated_raw_blobs():
    blob = load(SAMPLE).sections[0].data
    f = load(blob + blob)
    assert len(f.stackmaps) == 2 and f.sections[0] is f.sections[1]


def test_endian_is_for_raw_blobs_only():
    with pytest.raises(ContainerError):
        load(SAMPLE, endian="big")


def test_bad_sources():
    with pytest.raises(TypeError, match="path, bytes or a binary file object"):
        load(3.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary file object"):
        load(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        load(ROOT / "no-such-file.o")


def test_parse_on_elf_bytes_says_to_use_load():
    with pytest.raises(UnsupportedVersionError) as e:
        parse(SAMPLE.read_bytes())
    assert "look like an ELF file" in e.value.message and "load()" in e.value.message
    assert e.value.offset == 0
    with pytest.raises(UnsupportedVersionError) as e:
        smc.parse_all(SAMPLE.read_bytes())
    assert "load()" in e.value.message
    # A blob that is merely broken gets no such hint.
    with pytest.raises(UnsupportedVersionError) as e:
        parse(b"\x02" + bytes(15))
    assert "load()" not in e.value.message


@pytest.mark.llvm
@pytest.mark.parametrize("triple,fmt,what", [
    ("x86_64-apple-macosx", "Mach-O", "a Mach-O file"),
    ("arm64-apple-macosx", "Mach-O", "a Mach-O file"),
    ("x86_64-pc-windows-msvc", "COFF", "a COFF object"),
    ("powerpc64-unknown-linux-gnu", "ELF64", "an ELF file"),
])
def test_load_every_container(tmp_path, triple, fmt, what):
    (tmp_path / "m.ll").write_text(IR)
    obj = tmp_path / "m.o"
    run([require("llc"), "-O2", f"-mtriple={triple}", "-filetype=obj", str(tmp_path / "m.ll"), "-o", str(obj)])
    f = load(obj)
    assert f.container.format == fmt
    assert f.endian == ("big" if triple.startswith("powerpc64-") else "little")
    (sm,) = f.stackmaps
    assert [fn.symbol for fn in sm.functions] == NAMES
    assert [r.patchpoint_id for r in sm.records] == [10, 11]
    with pytest.raises(UnsupportedVersionError) as e:
        parse(obj.read_bytes())
    assert f"look like {what}" in e.value.message and "load()" in e.value.message
