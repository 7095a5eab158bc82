"""DWARF register numbers -> register names, for human-readable output.

Numbering per each architecture's ABI/DWARF supplement (the numbers LLVM
writes into stackmap locations and live-outs).  Unknown numbers have no name;
output then shows only ``R#n``.
"""

from __future__ import annotations


def _x86_64() -> dict[int, str]:
    names = dict(enumerate(["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp"]))
    names.update({8 + i: f"r{8 + i}" for i in range(8)})
    names[16] = "rip"  # the return-address column
    names.update({17 + i: f"xmm{i}" for i in range(16)})
    names.update({33 + i: f"st{i}" for i in range(8)})
    names.update({41 + i: f"mm{i}" for i in range(8)})
    names[49] = "rflags"
    names.update({50 + i: s for i, s in enumerate(["es", "cs", "ss", "ds", "fs", "gs"])})
    names.update({58: "fs.base", 59: "gs.base", 64: "mxcsr", 65: "fcw", 66: "fsw"})
    names.update({67 + i: f"xmm{16 + i}" for i in range(16)})
    names.update({118 + i: f"k{i}" for i in range(8)})
    return names


def _aarch64() -> dict[int, str]:
    names = {i: f"x{i}" for i in range(31)}
    names[31] = "sp"
    names.update({64 + i: f"v{i}" for i in range(32)})
    return names


def _ppc64() -> dict[int, str]:
    names = {i: f"r{i}" for i in range(32)}
    names.update({32 + i: f"f{i}" for i in range(32)})
    names.update({65: "lr", 66: "ctr", 76: "xer", 109: "vrsave"})
    names.update({68 + i: f"cr{i}" for i in range(8)})
    names.update({77 + i: f"v{i}" for i in range(32)})
    # For a 32-bit value in GPR n, LLVM 14 writes the DWARF number of the SPE
    # register that contains it, 1200+n (the 32-bit GPRs have none of their own).
    names.update({1200 + i: f"r{i}" for i in range(32)})
    return names


def _s390x() -> dict[int, str]:
    names = {i: f"r{i}" for i in range(16)}
    # Floating-point registers are numbered in the ABI's interleaved order.
    fpr_order = [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]
    names.update({16 + i: f"f{n}" for i, n in enumerate(fpr_order)})
    names.update({48 + i: f"a{i}" for i in range(16)})
    names.update({68 + i: f"v{16 + n}" for i, n in enumerate(fpr_order)})
    return names


REGISTER_NAMES: dict[str, dict[int, str]] = {
    "x86_64": _x86_64(),
    "aarch64": _aarch64(),
    "ppc64": _ppc64(),
    "s390x": _s390x(),
}

#: DWARF numbers of the stack pointer and frame pointer of each architecture,
#: the registers Direct and Indirect locations are expected to be based on.
FRAME_REGISTERS: dict[str, frozenset[int]] = {
    "x86_64": frozenset({7, 6}),  # rsp, rbp
    "aarch64": frozenset({31, 29}),  # sp, x29
    "ppc64": frozenset({1, 31}),  # r1, r31
    "s390x": frozenset({15, 11}),  # r15, r11
}


def register_name(arch: str | None, regnum: int) -> str | None:
    """The name of DWARF register ``regnum`` on ``arch``, or None."""
    return REGISTER_NAMES.get(arch or "", {}).get(regnum)
