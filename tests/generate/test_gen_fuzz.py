"""A bounded fuzz run: on any input, parse, parse_all, explain, validate and
the dump/explain/validate commands either succeed or report a
StackMapError; nothing else escapes; memory stays bounded by the input
size.  ``scripts/fuzz.py`` runs the same target for as long as wanted."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stackmap_construct import Function, Record, StackMap, build
from stackmap_construct.containers.elf_writer import write_elf
from stackmap_construct.cli.main import main
from stackmap_construct.generate.fuzz import FuzzFailure, check_input, fuzz_input, warm_up
from stackmap_construct.generate.rng import Rng
from stackmap_construct.generate.strategies import stackmaps

# Fixed inputs (derandomize): every run tries the same 300 inputs on the
# library and 60 on the command line.  No shrinking: a failing input is
# printed whole by FuzzFailure, and shrinking an input that hangs would take
# a time limit per attempt.
BOUNDED = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def warmed_up(tmp_path_factory):
    """One-time costs (imports, compiled parsers) are not the inputs' fault."""
    warm_up(str(tmp_path_factory.mktemp("warm") / "input.bin"), main)


@st.composite
def fuzz_inputs(draw):
    """Random bytes, or a valid blob (possibly in an ELF object) with bytes
    changed, cut, or appended, or a header declaring huge counts."""
    how = draw(st.sampled_from(["bytes", "mutated", "header", "elf"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    endian = draw(st.sampled_from(["little", "big"]))
    if how == "header":
        counts = draw(st.tuples(*[st.sampled_from([0, 1, 2, 0xFFFF, 2**31, 2**32 - 1])] * 3))
        head = struct.pack("<BBHLLL" if endian == "little" else ">BBHLLL", 3, 0, 0, *counts)
        return head + draw(st.binary(max_size=200))
    data = bytearray(draw(stackmaps(endian=endian, max_records=4, max_locations=5)))
    for _ in range(draw(st.integers(0, 3))):
        if data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    if data and draw(st.booleans()):
        del data[draw(st.integers(0, len(data) - 1)):]
    data += draw(st.binary(max_size=24))
    if how == "elf":
        return write_elf(bytes(data), "x86_64-linux-gnu" if endian == "little" else "s390x-linux-gnu")
    return bytes(data)


@BOUNDED
@given(data=fuzz_inputs())
def test_library_targets_contain_every_input(data):
    check_input(data, "", command_line=None, time_limit=2.0)


@settings(BOUNDED, max_examples=60)
@given(data=fuzz_inputs())
def test_command_line_contains_every_input(data, tmp_path_factory):
    check_input(data, str(tmp_path_factory.getbasetemp() / "fuzz-input.bin"), command_line=main, time_limit=2.0)


def test_seeded_inputs_of_the_long_run(tmp_path):
    # The stream scripts/fuzz.py uses, for a few inputs.
    rng = Rng(2024)
    for _ in range(25):
        check_input(fuzz_input(rng), str(tmp_path / "input.bin"), command_line=main, time_limit=2.0)


def test_huge_declared_counts_cost_nothing():
    # 40 bytes declaring 2**32-1 of everything.
    data = struct.pack("<BBHLLL", 3, 0, 0, 2**32 - 1, 2**32 - 1, 2**32 - 1) + bytes(24)
    assert check_input(data, "", command_line=None) == "TruncatedError"


def test_the_target_catches_what_escapes(monkeypatch):
    import stackmap_construct.generate.fuzz as fuzz

    def broken(data, *, endian="little"):
        raise IndexError("list index out of range")

    monkeypatch.setattr(fuzz, "parse", broken)
    with pytest.raises(FuzzFailure, match="parse \\(little.*\\) raised IndexError"):
        check_input(b"\x03\0\0\0", "", command_line=None)


def _elf_with_a_far_section_name_table() -> bytes:
    """An ELF object whose section-name table claims to start at 2**63 + 8:
    pyelftools raised OverflowError, which the ELF reader let through."""
    elf = bytearray(write_elf(build(StackMap()), "x86_64-linux-gnu"))
    section_headers = struct.unpack_from("<Q", elf, 0x28)[0]  # e_shoff
    struct.pack_into("<Q", elf, section_headers + 2 * 64 + 24, 2**63 + 8)  # .shstrtab's sh_offset
    return bytes(elf)


# Inputs the long run (scripts/fuzz.py) found breaking a contract, kept so
# that they stay fixed.
KNOWN_INPUTS = {
    # A function claiming 2**62 records: validate() must not work or
    # allocate in proportion to a claimed count.
    "huge record count": build(StackMap(3, [Function(0, 16, 2**62)], [], [Record(1, 0, [], [])])),
    # One function claiming 2**32 records and no records at all: the fast
    # parser raised IndexError; validate() then took minutes.
    "record count beyond the records": bytes.fromhex(
        "03000000010000000000000000000000010000000300000001000000000000000000000001000000"),
    "section name table beyond 2**63": _elf_with_a_far_section_name_table(),
}


@pytest.mark.parametrize("name", sorted(KNOWN_INPUTS))
def test_inputs_the_long_run_found(name, tmp_path):
    check_input(KNOWN_INPUTS[name], str(tmp_path / "input.bin"), command_line=main, every_mode=True, time_limit=2.0)
