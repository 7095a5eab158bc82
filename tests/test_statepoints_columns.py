"""The column-based statepoint decoder, validate's statepoint checks and
the call-site index (which read the columnar view and make no record to
decide) equal plain code over record objects (tests/reference/
plain_statepoints.py, on the construct-parsed model): on LLVM's
statepoint fixtures, the whole corpus, generated statepoint maps (both
byte orders) with records broken in each way a layout can be, and records
beyond the function record counts."""

from __future__ import annotations

import pathlib
from dataclasses import replace

import pytest

from reference import plain_statepoints as ref
from stackmap_construct import Function, Location, LocationKind, StackMap, StatepointError, build, parse
from stackmap_construct.containers import read_container
from stackmap_construct.format.api import backend
from stackmap_construct.generate import generate
from stackmap_construct.generate.statepoint_recipe import generate_statepoints
from stackmap_construct.lookup import CallSiteIndex, select
from stackmap_construct.statepoints import check, decode, render_json, render_text
from stackmap_construct.symbols import FunctionTarget

DATA = pathlib.Path(__file__).parent / "data"
ARCH = {"x86_64-linux-gnu": "x86_64", "aarch64-linux-gnu": "aarch64", "riscv64-linux-gnu": "riscv64",
        "powerpc64-unknown-linux-gnu": "ppc64", "powerpc64le-unknown-linux-gnu": "ppc64", "s390x-linux-gnu": "s390x"}
C = LocationKind.Constant


def _broken(sm: StackMap) -> StackMap:
    """Some records of a statepoint map broken as a layout can be: too few
    locations, a leading non-Constant, N negative or past the end, an odd
    remainder; and more records than the function counts cover."""
    records = list(sm.records)
    for i, r in enumerate(records):
        locs = list(r.locations)
        way = i % 7
        if way == 1:
            locs = locs[:2]
        elif way == 2:
            locs[1] = Location(LocationKind.Register, 8, 3, 0)
        elif way == 3:
            locs[2] = Location(C, 8, 0, len(locs))  # N past the end
        elif way == 4:
            locs[2] = Location(C, 8, 0, -1)
        elif way == 5:
            locs.append(Location(LocationKind.Indirect, 8, 7, 16))  # odd remainder
        records[i] = replace(r, locations=locs)
    functions = list(sm.functions)
    if functions:
        functions[-1] = replace(functions[-1], record_count=max(0, functions[-1].record_count - 2))
    return StackMap(sm.version, functions, list(sm.constants), records)


def _corpus():
    for obj in sorted([*DATA.glob("*/*.o"), *DATA.glob("llvm22/*/*.o")]):
        section = read_container(obj.read_bytes()).sections[0]
        yield f"{obj.parent.name}/{obj.stem}", section.data, section.endian, ARCH.get(obj.parent.name)


def _generated():
    for seed in range(10):
        for endian in ("little", "big"):
            sm = generate_statepoints(seed, functions=(0, 4), records=(0, 14), constants=(0, 4))
            yield f"sp{seed}-{endian}", build(sm, endian=endian), endian, "x86_64"
            yield f"sp{seed}-{endian}-broken", build(_broken(sm), endian=endian), endian, "aarch64"
            # Ordinary maps: a record fits now and then (three constant operands).
            plain = generate(seed, functions=(0, 3), records=(0, 10), kinds=[C, LocationKind.Register])
            yield f"gen{seed}-{endian}", build(plain, endian=endian), endian, None


BLOBS = list(_corpus()) + list(_generated())


def _targets(sm: StackMap) -> list[FunctionTarget]:
    return [FunctionTarget(f"f{i}" if i % 2 == 0 else None, 0x10000 * (i + 1) if i % 3 != 2 else None)
            for i in range(len(sm.functions))]


def _outcome(fn):
    try:
        return fn()
    except StatepointError as e:
        return ("error", type(e), e.message, e.code, e.path, e.offset)


@pytest.mark.parametrize("name,data,endian,arch", BLOBS, ids=[b[0] for b in BLOBS])
def test_decoder_and_checks_equal_the_object_reference(name, data, endian, arch):
    fast = parse(data, endian=endian)
    with backend("construct"):
        plain = parse(data, endian=endian)
    targets = _targets(plain)
    # Deciding and decoding make no record object (only a layout error does).
    decode(fast, "auto", arch=arch, targets=targets), list(check(fast, "auto"))
    assert fast.records.pristine
    ids = sorted({r.patchpoint_id for r in plain.records})
    choices = ["auto", "all", ids[:1], ids[1::2], [2**64 - 1]] if ids else ["auto", "all", [7]]
    for ids_arg in choices:
        for psize in (8, 4):
            got = _outcome(lambda: decode(fast, ids_arg, arch=arch, pointer_size=psize, targets=targets, blob=3))
            want = _outcome(lambda: ref.decode(plain, ids_arg, arch=arch, pointer_size=psize, targets=targets,
                                               blob=3, endian=endian))
            assert got == want, (ids_arg, psize)
            if isinstance(got, list):
                assert render_text(got) == render_text(want) and render_json(got) == render_json(want)
                assert [sp.live_outs for sp in got] == [len(plain.records[sp.record_index].live_outs) for sp in got]
            assert list(check(fast, ids_arg, pointer_size=psize)) == \
                list(ref.check(plain, ids_arg, pointer_size=psize))


@pytest.mark.parametrize("name,data,endian,arch", BLOBS, ids=[b[0] for b in BLOBS])
def test_call_site_index_equals_the_object_reference(name, data, endian, arch):
    fast = parse(data, endian=endian)
    with backend("construct"):
        plain = parse(data, endian=endian)
    other = parse(build(generate(5, functions=2, records=5), endian=endian), endian=endian)
    with backend("construct"):
        other_plain = parse(build(generate(5, functions=2, records=5), endian=endian), endian=endian)
    targets = [_targets(plain), None]
    index = CallSiteIndex([fast, other], targets)
    bases = [[t.address for t in targets[0]], [fn.address for fn in other_plain.functions]]
    stackmaps = [plain, other_plain]
    counts_before = len(fast.records.materialized())
    for si, sm in enumerate(stackmaps):
        of = ref.function_of(sm)
        for ri, record in enumerate(sm.records):
            fi = of[ri]
            for address in ([bases[si][fi] + record.instruction_offset] if fi is not None and bases[si][fi] is not None
                            else []) + [record.instruction_offset]:
                assert [(s.stackmap, s.record_index) for s in index.at(address)] == ref.at(stackmaps, bases, address)
            if fi is not None:
                got = index.at_offset((si, fi), record.instruction_offset)
                assert [s.record_index for s in got] == ref.at_offset(sm, fi, record.instruction_offset)
                assert all(s.function_index == fi and s.instruction_offset == record.instruction_offset for s in got)
                assert ri in index.records_of(si, fi)
            assert ri in index.with_ids(si, [record.patchpoint_id])
        assert index.with_ids(si, [r.patchpoint_id for r in sm.records]) == list(range(len(sm.records)))
    for si, sm in enumerate(stackmaps):
        of = ref.function_of(sm)
        for fi in range(len(sm.functions)):
            assert list(index.records_of(si, fi)) == [ri for ri, f in enumerate(of) if f == fi]
    assert len(fast.records.materialized()) == counts_before  # the lookups made no record
    # select: the kept records and their functions, as the plain stackmap has them.
    keep = list(range(0, len(plain.records), 2))
    got, got_targets = select(fast, targets[0], keep)
    of = ref.function_of(plain)
    assert got.records == [plain.records[ri] for ri in keep if of[ri] is not None] + \
        [plain.records[ri] for ri in keep if of[ri] is None]
    kept_functions = sorted({of[ri] for ri in keep if of[ri] is not None})
    assert [(f.address, f.stack_size) for f in got.functions] == \
        [(plain.functions[fi].address, plain.functions[fi].stack_size) for fi in kept_functions]
    assert [f.record_count for f in got.functions] == [sum(1 for ri in keep if of[ri] == fi) for fi in kept_functions]
    assert got_targets == [targets[0][fi] for fi in kept_functions]


def test_objects_made_by_hand_are_decoded_and_indexed_too():
    # A stackmap of plain objects (no parsed bytes behind it): the view encodes it.
    sm = generate_statepoints(3, functions=2, records=6)
    assert isinstance(sm.records, list)
    assert decode(sm, "all", arch="x86_64") == ref.decode(sm, "all", arch="x86_64")
    linked = StackMap(3, [Function(0x401000, 24, 1)], [], [replace(sm.records[0], instruction_offset=0x1f)])
    assert [s.record.patchpoint_id for s in CallSiteIndex([linked]).at(0x40101f)] == [sm.records[0].patchpoint_id]
