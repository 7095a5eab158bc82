"""Generated blobs in ELF objects: our minimal writer (``gen --container
elf``) and ``llvm-objcopy --add-section`` onto an llc-made object; LLVM's
llvm-readobj must print exactly our ``dump --format llvm-readobj``."""

from __future__ import annotations

import pytest

from gen_llvm_helpers import readobj_blocks, readobj_header
from llvm_tools import require, run
from stackmap_construct import parse
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.containers.elf_writer import elf_target, write_elf
from stackmap_construct.errors import ContainerError
from stackmap_construct.generate import corrupt, generate_blob
from stackmap_construct.render.readobj import render_readobj
from stackmap_construct.generate.strategies import stackmaps

# One little- and one big-endian target of each kind llc supports here.
TRIPLES = ["x86_64-linux-gnu", "aarch64-linux-gnu", "powerpc64-unknown-linux-gnu",
           "powerpc64le-unknown-linux-gnu", "s390x-linux-gnu"]


def _options(seed: int) -> dict:
    """0 to 3 functions, 0 to 7 records (none without a function)."""
    functions = seed % 4
    return {"functions": functions, "records": seed % 8 if functions else 0}


def dump_readobj(path, capsys) -> str:
    assert main(["dump", str(path), "--format", "llvm-readobj"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("triple", TRIPLES)
def test_our_elf_is_read_back_with_the_blob(triple):
    endian = elf_target(triple).endian
    blob = generate_blob(1, endian=endian, records=3)
    container = read_container(write_elf(blob, triple))
    assert container.format == "ELF64" and container.kind == "relocatable"
    [section] = container.sections
    assert (section.name, section.data, section.endian) == (".llvm_stackmaps", blob, endian)


@pytest.mark.llvm
def test_header_matches_what_llc_writes_for_the_triple(tmp_path, llc, llvm_readobj):
    ir = tmp_path / "empty.ll"
    ir.write_text("define void @f() {\n  ret void\n}\n")
    for triple in TRIPLES + ["riscv64-linux-gnu"]:
        theirs, ours = tmp_path / f"{triple}.llc.o", tmp_path / f"{triple}.ours.o"
        run([llc, f"-mtriple={triple}", "-filetype=obj", str(ir), "-o", str(theirs)])
        ours.write_bytes(write_elf(generate_blob(0, endian=elf_target(triple).endian), triple))
        want = readobj_header(llvm_readobj, theirs)
        got = readobj_header(llvm_readobj, ours)
        for key in ("Format", "Arch", "AddressSize", "Class", "DataEncoding", "Machine", "Flags"):
            assert got[key] == want[key], (triple, key)


@pytest.mark.llvm
@pytest.mark.parametrize("triple", ["x86_64-linux-gnu", "s390x-linux-gnu", "powerpc64-unknown-linux-gnu"])
def test_llvm_readobj_prints_our_dump_of_every_generated_blob(tmp_path, llvm_readobj, triple, capsys):
    endian = elf_target(triple).endian
    paths, blobs = [], {}
    for seed in range(60):
        path = tmp_path / f"g{seed}.o"
        blob = generate_blob(seed, endian=endian, **_options(seed))
        path.write_bytes(write_elf(blob, triple))
        paths.append(path)
        blobs[path] = blob
    theirs = readobj_blocks(llvm_readobj, paths)
    for path in paths:
        assert render_readobj(parse(blobs[path], endian=endian)) == theirs[path], path
    for seed, path in enumerate(paths[:5]):  # and through the command line
        cli = tmp_path / f"cli{seed}.o"
        options = _options(seed)
        assert main(["gen", "--seed", str(seed), "--functions", str(options["functions"]),
                     "--records", str(options["records"]), "--container", "elf", "--triple", triple,
                     "-o", str(cli)]) == 0
        assert cli.read_bytes() == path.read_bytes()
        assert dump_readobj(path, capsys) == theirs[path]


@pytest.mark.llvm
@pytest.mark.parametrize("endian", ["little", "big"])
def test_llvm_readobj_agrees_on_hypothesis_stackmaps(tmp_path, llvm_readobj, endian):
    from hypothesis import HealthCheck, Phase, given, settings

    triple = "x86_64-linux-gnu" if endian == "little" else "s390x-linux-gnu"
    blobs = []

    @settings(max_examples=150, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(blob=stackmaps(endian=endian, max_records=5))
    def collect(blob):
        blobs.append(blob)

    collect()
    paths = []
    for i, blob in enumerate(blobs):
        paths.append(tmp_path / f"h{i}.o")
        paths[-1].write_bytes(write_elf(blob, triple))
    theirs = readobj_blocks(llvm_readobj, paths)
    for path, blob in zip(paths, blobs):
        assert render_readobj(parse(blob, endian=endian)) == theirs[path], path


@pytest.mark.llvm
@pytest.mark.parametrize("triple", TRIPLES)
def test_objcopy_add_section_gives_the_same_reading(tmp_path, llc, llvm_readobj, triple, capsys):
    objcopy = require("llvm-objcopy")
    ir = tmp_path / "plain.ll"
    ir.write_text("define i64 @f(i64 %a) {\n  %b = add i64 %a, 1\n  ret i64 %b\n}\n")
    base = tmp_path / "plain.o"
    run([llc, f"-mtriple={triple}", "-filetype=obj", str(ir), "-o", str(base)])
    endian = elf_target(triple).endian
    for seed in (3, 4, 5):
        blob = generate_blob(seed, endian=endian, functions=2, records=5)
        raw, added, ours = tmp_path / f"b{seed}.bin", tmp_path / f"added{seed}.o", tmp_path / f"ours{seed}.o"
        raw.write_bytes(blob)
        run([objcopy, f"--add-section=.llvm_stackmaps={raw}", str(base), str(added)])
        assert main(["gen", "--seed", str(seed), "--functions", "2", "--records", "5", "--container", "elf",
                     "--triple", triple, "-o", str(ours)]) == 0
        [from_objcopy] = read_container(added.read_bytes()).sections
        [from_ours] = read_container(ours.read_bytes()).sections
        assert from_objcopy.data == from_ours.data == blob
        theirs = readobj_blocks(llvm_readobj, [added, ours])
        assert theirs[added] == theirs[ours] == dump_readobj(ours, capsys) == dump_readobj(added, capsys)


@pytest.mark.llvm
def test_corrupted_blob_in_elf_is_reported_at_the_predicted_offset(tmp_path, capsys):
    out = tmp_path / "bad.o"
    assert main(["gen", "--seed", "8", "--records", "2", "--container", "elf", "--triple", "s390x-linux-gnu",
                 "--corrupt", "reserved:records.reserved", "-o", str(out)]) == 0
    predicted = corrupt(generate_blob(8, records=2, endian="big"), "reserved:records.reserved", 8, endian="big")
    assert "offsets from the start of the .llvm_stackmaps section" in capsys.readouterr().out
    assert main(["dump", str(out)]) == 1
    assert f"[at {predicted.path}, offset {predicted.offset} " in capsys.readouterr().err


def test_unknown_architecture_is_refused():
    with pytest.raises(ContainerError, match="unknown architecture 'mips'"):
        write_elf(b"", "mips-linux-gnu")
