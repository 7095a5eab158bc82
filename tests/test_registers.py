"""Register names: the DWARF numbering of each target as LLVM's
``*RegisterInfo.td`` defines it (expected values copied by hand from those
files), every number in the LLVM 14 and 22 fixture corpora named, and
``--arch`` for raw blobs."""

from __future__ import annotations

import pathlib

import pytest

from stackmap_construct import parse
from stackmap_construct.cli.main import main
from stackmap_construct.containers import read_container
from stackmap_construct.registers import REGISTER_NAMES, canonical_arch, register_name

DATA = pathlib.Path(__file__).parent / "data"
FIXTURES = sorted(DATA.glob("*/*.o")) + sorted(DATA.glob("llvm22/*/*.o"))

# (arch, DWARF number, name): DwarfRegNum / DwarfRegAlias lines of
# llvm/lib/Target/{X86,AArch64,PowerPC,SystemZ,RISCV}/*RegisterInfo.td.
TD_FACTS = [
    ("x86_64", 0, "rax"), ("x86_64", 1, "rdx"), ("x86_64", 3, "rbx"), ("x86_64", 7, "rsp"),
    ("x86_64", 15, "r15"), ("x86_64", 17, "xmm0"), ("x86_64", 32, "xmm15"), ("x86_64", 67, "xmm16"),
    ("x86_64", 82, "xmm31"), ("x86_64", 118, "k0"), ("x86_64", 125, "k7"),
    ("aarch64", 0, "x0"), ("aarch64", 29, "x29"), ("aarch64", 30, "x30"), ("aarch64", 31, "sp"),
    ("aarch64", 46, "vg"), ("aarch64", 47, "ffr"), ("aarch64", 48, "p0"), ("aarch64", 63, "p15"),
    ("aarch64", 64, "v0"), ("aarch64", 95, "v31"), ("aarch64", 96, "z0"), ("aarch64", 127, "z31"),
    ("ppc64", 1, "r1"), ("ppc64", 31, "r31"), ("ppc64", 32, "f0"), ("ppc64", 63, "f31"),
    ("ppc64", 65, "lr"), ("ppc64", 66, "ctr"), ("ppc64", 68, "cr0"), ("ppc64", 75, "cr7"),
    ("ppc64", 76, "xer"), ("ppc64", 77, "v0"), ("ppc64", 108, "v31"), ("ppc64", 109, "vrsave"),
    ("ppc64", 1200, "r0"), ("ppc64", 1231, "r31"),
    ("s390x", 0, "r0"), ("s390x", 15, "r15"), ("s390x", 16, "f0"), ("s390x", 17, "f2"),
    ("s390x", 20, "f1"), ("s390x", 24, "f8"), ("s390x", 28, "f9"), ("s390x", 31, "f15"),
    ("s390x", 32, "c0"), ("s390x", 47, "c15"), ("s390x", 48, "a0"), ("s390x", 63, "a15"),
    ("s390x", 68, "v16"), ("s390x", 69, "v18"), ("s390x", 72, "v17"), ("s390x", 83, "v31"),
    ("riscv64", 0, "x0/zero"), ("riscv64", 1, "x1/ra"), ("riscv64", 2, "x2/sp"), ("riscv64", 8, "x8/s0"),
    ("riscv64", 10, "x10/a0"), ("riscv64", 17, "x17/a7"), ("riscv64", 18, "x18/s2"),
    ("riscv64", 27, "x27/s11"), ("riscv64", 28, "x28/t3"), ("riscv64", 31, "x31/t6"),
    ("riscv64", 32, "f0/ft0"), ("riscv64", 40, "f8/fs0"), ("riscv64", 42, "f10/fa0"),
    ("riscv64", 50, "f18/fs2"), ("riscv64", 59, "f27/fs11"), ("riscv64", 63, "f31/ft11"),
    ("riscv64", 96, "v0"), ("riscv64", 127, "v31"), ("riscv64", 7202, "vlenb"),
]


@pytest.mark.parametrize("arch, number, name", TD_FACTS)
def test_names_follow_llvm_register_info(arch, number, name):
    assert register_name(arch, number) == name


def test_every_register_file_is_complete():
    sizes = {arch: len(table) for arch, table in REGISTER_NAMES.items()}
    # GPRs, FPRs and vector registers at least, per target
    assert sizes["riscv64"] >= 32 + 32 + 32
    assert sizes["aarch64"] >= 32 + 32 + 32 + 16
    assert sizes["s390x"] >= 16 + 16 + 16 + 16 + 16
    assert sizes["ppc64"] >= 32 + 32 + 32 + 8


@pytest.mark.parametrize("alias, arch", [("riscv", "riscv64"), ("riscv64", "riscv64"), ("ppc64le", "ppc64"),
                                         ("arm64", "aarch64"), ("x86_64", "x86_64"), ("mips", "mips")])
def test_arch_spellings(alias, arch):
    assert canonical_arch(alias) == arch


def _numbers(obj: pathlib.Path) -> tuple[str, set[int]]:
    container = read_container(obj.read_bytes())
    section = container.sections[0]
    sm = parse(section.data, endian=section.endian)
    numbers = {lo.dwarf_regnum for r in sm.records for lo in r.live_outs}
    numbers |= {loc.dwarf_regnum for r in sm.records for loc in r.locations
                if loc.kind.name in ("Register", "Direct", "Indirect")}
    return container.arch, numbers


def test_every_register_number_in_the_corpora_is_named():
    seen: dict[str, set[int]] = {}
    for obj in FIXTURES:
        arch, numbers = _numbers(obj)
        seen.setdefault(canonical_arch(arch), set()).update(numbers)
    assert set(seen) == set(REGISTER_NAMES)
    unnamed = {arch: sorted(n for n in numbers if register_name(arch, n) is None) for arch, numbers in seen.items()}
    assert unnamed == {arch: [] for arch in seen}
    # the corpora reach beyond the integer registers on every target
    assert any(n >= 32 for n in seen["riscv64"]) and any(n >= 96 for n in seen["riscv64"])
    assert any(16 <= n < 32 for n in seen["s390x"]) and any(n >= 68 for n in seen["s390x"])


def test_riscv64_dump_names_registers(capsys):
    obj = DATA / "llvm22" / "riscv64-linux-gnu" / "stackmap_register_widths.o"
    golden = (obj.with_suffix(".readobj.txt")).read_text()
    assert main(["dump", str(obj)]) == 0
    out = capsys.readouterr().out
    assert "riscv64" in out.splitlines()[0]
    # every register llvm-readobj shows appears named in our text
    import re
    for number in sorted({int(n) for n in re.findall(r"R#(\d+)", golden)}):
        assert f"R#{number} ({register_name('riscv64', number)})" in out


def test_dump_arch_names_the_registers_of_a_raw_blob(tmp_path, capsys):
    obj = DATA / "llvm22" / "riscv64-linux-gnu" / "stackmap_spills.o"
    blob = tmp_path / "blob.bin"
    blob.write_bytes(read_container(obj.read_bytes()).sections[0].data)
    assert main(["dump", str(blob), "--raw"]) == 0
    bare = capsys.readouterr().out
    assert "R#2 " in bare or "R#2]" in bare or "R#2," in bare or "R#2\n" in bare
    assert "(x2/sp)" not in bare
    assert main(["dump", str(blob), "--raw", "--arch", "riscv64"]) == 0
    named = capsys.readouterr().out
    assert "R#2 (x2/sp)" in named and "riscv64" in named.splitlines()[0]
    assert main(["explain", str(blob), "--raw", "--arch", "riscv"]) == 0
    assert "x2/sp" in capsys.readouterr().out


def test_dump_arch_rejects_an_unknown_architecture(tmp_path, capsys):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x03" + bytes(15))
    with pytest.raises(SystemExit) as e:
        main(["dump", str(blob), "--arch", "vax"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "unknown architecture 'vax'" in err and err.count("\n") == 1
