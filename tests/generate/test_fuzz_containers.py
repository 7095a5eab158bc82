"""A bounded run of the container fuzzer: structure-aware mutations of real
ELF (32/64-bit, both byte orders, zlib-compressed section, shared object,
PIE), Mach-O (object, dylib), COFF and PE files, through dump, explain and
validate.  No internal error, no exit status but 0/1/2, no message of more
than one line, no hang, memory bounded by the input's size.
``scripts/fuzz.py --containers`` runs the same target for as long as wanted."""

from __future__ import annotations

import pathlib

import pytest

from stackmap_construct.generate.fuzz_containers import (
    ContainerFuzzFailure, check_container, container_kind, fields, mutate_container,
)
from stackmap_construct.cli.main import main
from stackmap_construct.generate.rng import Rng

SEEDS = pathlib.Path(__file__).parent.parent / "data" / "hostile" / "seeds"
NAMES = sorted(p.name for p in SEEDS.iterdir() if p.suffix != ".sh")


def test_the_seeds_cover_every_container_kind():
    kinds = {container_kind((SEEDS / n).read_bytes()) for n in NAMES}
    assert kinds == {"elf32le", "elf32be", "elf64le", "elf64be", "macho", "coff", "pe"}


@pytest.mark.parametrize("name", NAMES)
def test_each_seed_reads_cleanly_and_maps_its_tables(name, tmp_path):
    data = (SEEDS / name).read_bytes()
    assert check_container(data, str(tmp_path / "x"), main, memory_limit=None)[0] == "ok"
    layout = fields(data)
    # header fields plus at least one table's entries
    assert len(layout.slots) > 40 and layout.regions


@pytest.mark.parametrize("name", NAMES)
def test_bounded_container_fuzz(name, tmp_path):
    seed = (SEEDS / name).read_bytes()
    layout = fields(seed)
    rng = Rng(sum(name.encode()))
    scratch = str(tmp_path / "input")
    check_container(seed, scratch, main, memory_limit=None)  # one-time costs first
    failures = []
    for _ in range(15):
        data = mutate_container(rng, seed, layout)
        try:
            check_container(data, scratch, main)
        except ContainerFuzzFailure as e:
            failures.append(str(e))
    assert failures == []
