"""DWARF register numbers -> register names, for human-readable output.

The numbers are the ones LLVM writes into stackmap locations and live-outs:
each target's ``DwarfRegNum``/``DwarfRegAlias`` in LLVM's
``lib/Target/*/*RegisterInfo.td`` (which follow the architecture's ABI or
DWARF supplement).  A sub-register without a number of its own (a 32-bit
GPR, a single-precision FPR) is reported by LLVM under its super-register's
number, so one name stands for all widths.  Unknown numbers have no name;
output then shows only ``R#n``.
"""

from __future__ import annotations


def _x86_64() -> dict[int, str]:
    # X86RegisterInfo.td, DWARF flavour 0 (x86-64).
    names = dict(enumerate(["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp"]))
    names.update({8 + i: f"r{8 + i}" for i in range(8)})
    names[16] = "rip"  # the return-address column
    names.update({17 + i: f"xmm{i}" for i in range(16)})  # also ymm/zmm 0-15
    names.update({33 + i: f"st{i}" for i in range(8)})
    names.update({41 + i: f"mm{i}" for i in range(8)})
    names[49] = "rflags"
    names.update({50 + i: s for i, s in enumerate(["es", "cs", "ss", "ds", "fs", "gs"])})
    names.update({58: "fs.base", 59: "gs.base", 64: "mxcsr", 65: "fcw", 66: "fsw"})
    names.update({67 + i: f"xmm{16 + i}" for i in range(16)})  # AVX-512: also ymm/zmm 16-31
    names.update({118 + i: f"k{i}" for i in range(8)})
    return names


def _aarch64() -> dict[int, str]:
    # AArch64RegisterInfo.td: W/X share 0-30, WSP/SP/WZR/XZR are 31; the
    # B/H/S/D/Q views of V share 64-95; SVE: VG 46, FFR 47, P 48-63, Z 96-127.
    names = {i: f"x{i}" for i in range(31)}
    names[31] = "sp"
    names.update({46: "vg", 47: "ffr"})
    names.update({48 + i: f"p{i}" for i in range(16)})
    names.update({64 + i: f"v{i}" for i in range(32)})
    names.update({96 + i: f"z{i}" for i in range(32)})
    return names


def _ppc64() -> dict[int, str]:
    # PPCRegisterInfo.td, 64-bit DWARF flavour.
    names = {i: f"r{i}" for i in range(32)}
    names.update({32 + i: f"f{i}" for i in range(32)})  # also VSX vs0-vs31
    names.update({65: "lr", 66: "ctr", 76: "xer", 109: "vrsave", 612: "spefscr"})
    names.update({68 + i: f"cr{i}" for i in range(8)})
    names.update({77 + i: f"v{i}" for i in range(32)})  # also VSX vs32-vs63
    # For a 32-bit value in GPR n, LLVM writes the DWARF number of the SPE
    # register that contains it, 1200+n (the 32-bit GPRs have none of their own
    # in the 64-bit flavour).
    names.update({1200 + i: f"r{i}" for i in range(32)})
    return names


def _s390x() -> dict[int, str]:
    # SystemZRegisterInfo.td (the s390x ELF ABI's numbering).
    names = {i: f"r{i}" for i in range(16)}
    # Floating-point registers are numbered in the ABI's interleaved order;
    # vector registers v0-v15 share the numbers of f0-f15.
    fpr_order = [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]
    names.update({16 + i: f"f{n}" for i, n in enumerate(fpr_order)})
    names.update({32 + i: f"c{i}" for i in range(16)})  # control registers
    names.update({48 + i: f"a{i}" for i in range(16)})  # access registers
    names.update({68 + i: f"v{16 + n}" for i, n in enumerate(fpr_order)})
    return names


_RISCV_X_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1"] + [f"a{i}" for i in range(8)] \
    + [f"s{i}" for i in range(2, 12)] + [f"t{i}" for i in range(3, 7)]
_RISCV_F_ABI = [f"ft{i}" for i in range(8)] + ["fs0", "fs1"] + [f"fa{i}" for i in range(8)] \
    + [f"fs{i}" for i in range(2, 12)] + [f"ft{i}" for i in range(8, 12)]


def _riscv() -> dict[int, str]:
    # RISCVRegisterInfo.td (the RISC-V DWARF specification): x0-x31 are 0-31,
    # f0-f31 (all widths) 32-63, v0-v31 (and the LMUL groups starting there)
    # 96-127, vlenb the CSR number 0xC22 + 4096.  Names "x10/a0": the
    # architectural name and the ABI name.
    names = {i: f"x{i}/{abi}" for i, abi in enumerate(_RISCV_X_ABI)}
    names.update({32 + i: f"f{i}/{abi}" for i, abi in enumerate(_RISCV_F_ABI)})
    names.update({96 + i: f"v{i}" for i in range(32)})
    names[4096 + 0xC22] = "vlenb"
    return names


#: What LLVM writes for a register that has no DWARF number of its own nor a
#: super-register with one (its -1 in the u16 field), e.g. a 4-byte live-out
#: of s390x patchpoints.
NO_DWARF_NUMBER = 0xFFFF

REGISTER_NAMES: dict[str, dict[int, str]] = {
    arch: {**table, NO_DWARF_NUMBER: "no DWARF number"}
    for arch, table in {
        "x86_64": _x86_64(),
        "aarch64": _aarch64(),
        "ppc64": _ppc64(),
        "s390x": _s390x(),
        "riscv64": _riscv(),
    }.items()
}

#: Other spellings of the architectures above (ELF readers, triples, users).
#: RISC-V numbers its registers the same way in 32- and 64-bit mode.
ARCH_ALIASES: dict[str, str] = {
    "x86-64": "x86_64", "amd64": "x86_64",
    "arm64": "aarch64",
    "ppc64le": "ppc64", "powerpc64": "ppc64", "powerpc64le": "ppc64",
    "systemz": "s390x",
    "riscv": "riscv64", "riscv32": "riscv64",
}

#: DWARF numbers of the stack pointer and frame pointer of each architecture,
#: the registers Direct and Indirect locations are expected to be based on.
FRAME_REGISTERS: dict[str, frozenset[int]] = {
    "x86_64": frozenset({7, 6}),  # rsp, rbp
    "aarch64": frozenset({31, 29}),  # sp, x29
    "ppc64": frozenset({1, 31}),  # r1, r31
    "s390x": frozenset({15, 11}),  # r15, r11
    "riscv64": frozenset({2, 8}),  # sp, s0/fp
}


def canonical_arch(arch: str | None) -> str | None:
    """The key of ``arch`` in :data:`REGISTER_NAMES` (``"riscv"`` ->
    ``"riscv64"``), or ``arch`` itself when it is not known."""
    if arch is None:
        return None
    key = arch.lower()
    return key if key in REGISTER_NAMES else ARCH_ALIASES.get(key, arch)


def register_name(arch: str | None, regnum: int) -> str | None:
    """The name of DWARF register ``regnum`` on ``arch``, or None."""
    return REGISTER_NAMES.get(canonical_arch(arch) or "", {}).get(regnum)


def frame_registers(arch: str | None) -> frozenset[int] | None:
    """The stack and frame pointer DWARF numbers of ``arch``, or None."""
    return FRAME_REGISTERS.get(canonical_arch(arch) or "")
