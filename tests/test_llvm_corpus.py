"""The fixture corpus made by LLVM 14 and LLVM 22 (tests/data/regenerate.sh
14|22): objects from llc for several targets, and that LLVM's llvm-readobj
output for each as golden.

# Every test here runs against both implementations (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("format_backend")

For every fixture: our parse equals llvm-readobj's values field by field,
``dump --format llvm-readobj`` equals llvm-readobj's block byte for byte,
and ``build(parse(x)) == x``.
"""

from __future__ import annotations

import pathlib

import pytest

from readobj_text import read_readobj_stackmap
from stackmap_construct import LocationKind, build, parse
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container

DATA = pathlib.Path(__file__).parent / "data"
TARGETS = {
    "x86_64-linux-gnu": ("x86_64", "little"),
    "aarch64-linux-gnu": ("aarch64", "little"),
    "powerpc64-unknown-linux-gnu": ("ppc64", "big"),
    "powerpc64le-unknown-linux-gnu": ("ppc64", "little"),
    "s390x-linux-gnu": ("s390x", "big"),
    "riscv64-linux-gnu": ("riscv64", "little"),
}
#: Where each LLVM version's fixtures are, and the targets its llc supports.
CORPORA = {
    14: (DATA, [t for t in TARGETS if t != "riscv64-linux-gnu"]),
    22: (DATA / "llvm22", list(TARGETS)),
}
FIXTURES = sorted(p for root, targets in CORPORA.values() for t in targets for p in (root / t).glob("*.o"))
IDS = [str(p.relative_to(DATA).with_suffix("")) for p in FIXTURES]


def golden(obj: pathlib.Path) -> str:
    return obj.with_suffix(".readobj.txt").read_text()


def the_section(obj: pathlib.Path):
    container = read_container(obj.read_bytes())
    assert len(container.sections) == 1
    return container, container.sections[0]


def test_corpus_covers_every_target_with_every_llvm():
    for version, (root, targets) in CORPORA.items():
        assert (root / "LLVM_VERSION").read_text().split()[-1].split(".")[0] == str(version)
        for target in targets:
            assert len(list((root / target).glob("*.o"))) >= 9, (version, target)
    for obj in FIXTURES:
        assert obj.with_suffix(".readobj.txt").exists(), obj


@pytest.mark.parametrize("obj", FIXTURES, ids=IDS)
def test_container_facts(obj):
    container, section = the_section(obj)
    arch, endian = TARGETS[obj.parent.name]
    assert container.arch == arch
    assert section.endian == endian
    assert section.name == ".llvm_stackmaps"


@pytest.mark.parametrize("obj", FIXTURES, ids=IDS)
def test_parse_equals_llvm_readobj_values(obj):
    _, section = the_section(obj)
    sm = parse(section.data, endian=section.endian)
    want = read_readobj_stackmap(golden(obj))

    assert sm.version == want["version"] == 3
    assert len(sm.functions) == want["num_functions"]
    assert [(f.address, f.stack_size, f.record_count) for f in sm.functions] == want["functions"]
    assert len(sm.constants) == want["num_constants"]
    assert sm.constants == want["constants"]
    assert len(sm.records) == want["num_records"] == len(want["records"])
    for r, w in zip(sm.records, want["records"]):
        assert (r.patchpoint_id, r.instruction_offset) == (w["id"], w["offset"])
        assert len(r.locations) == w["num_locations"]
        for loc, (kind, reg, value, size) in zip(r.locations, w["locations"]):
            assert loc.kind == LocationKind[kind]
            assert loc.size == size
            if kind in ("Register", "Direct", "Indirect"):
                assert loc.dwarf_regnum == reg
            if kind in ("Direct", "Indirect"):
                assert loc.offset_or_small_constant == value
            elif kind == "Constant":
                assert loc.offset_or_small_constant & 0xFFFFFFFF == value
            elif kind == "ConstantIndex":
                index, constant = value
                assert loc.offset_or_small_constant == index
                assert sm.constants[index] == constant
        assert [(lo.dwarf_regnum, lo.size) for lo in r.live_outs] == w["live_outs"]


@pytest.mark.parametrize("obj", FIXTURES, ids=IDS)
def test_dump_llvm_readobj_is_byte_identical(obj, capsys):
    assert main(["dump", str(obj), "--format", "llvm-readobj"]) == 0
    out = capsys.readouterr().out
    text = golden(obj)
    assert out == text[text.index("LLVM StackMap Version:"):]


@pytest.mark.parametrize("obj", FIXTURES, ids=IDS)
def test_build_of_parse_is_the_same_bytes(obj):
    _, section = the_section(obj)
    assert build(parse(section.data, endian=section.endian), endian=section.endian) == section.data


def test_corpus_exercises_every_location_kind_and_both_paddings():
    kinds, odd, even, live_outs, big = set(), 0, 0, 0, 0
    for obj in FIXTURES:
        _, section = the_section(obj)
        sm = parse(section.data, endian=section.endian)
        big += section.endian == "big"
        for r in sm.records:
            kinds.update(loc.kind for loc in r.locations)
            odd += len(r.locations) % 2 == 1
            even += len(r.locations) % 2 == 0
            live_outs += bool(r.live_outs)
    assert kinds == set(LocationKind)
    assert odd and even and live_outs and big
