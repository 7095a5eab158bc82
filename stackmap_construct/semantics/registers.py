"""x86-64 registers as wasmer's state maps number them.

Two numberings meet here:

* DWARF register numbers (what LLVM writes into stackmap locations):
  0 RAX, 1 RDX, 2 RCX, 3 RBX, 4 RSI, 5 RDI, 6 RBP, 7 RSP, 8-15 R8-R15,
  16 the return-address column (no register), 17-32 XMM0-XMM15.
* wasmer's register index (``RegisterIndex``, the position in
  ``MachineState.register_values``): GPRs in encoding order RAX RCX RDX RBX
  RSP RBP RSI RDI R8..R15 -> 0..15, then XMMn -> 16 + n.

Quirk of the original, kept: at the reference commit (confio/wasmer
6035bd2d, ``lib/runtime-core/src/state.rs``) ``from_dwarf_regnum`` maps all
of DWARF 17-32 to XMM0-XMM15, so a Register location in XMM8-XMM15 gives
register index 24-31 in ``reg_diff``, while ``new_machine_state()`` still
has only 24 register slots (16 GPR + 8 XMM): those indices have no slot in
``register_values``.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Optional

from ._variants import Variant, enum_base, tuple_variant
from .types import MachineState, MachineValue, RegisterIndex

__all__ = [
    "GPR", "XMM", "X64Register", "REGISTER_SLOTS", "new_machine_state", "seed_register",
    "DWARF_RBP",
]

#: Number of register slots in a machine state (16 GPR + 8 XMM), although
#: register indices go up to 31 (XMM15): the original's quirk.
REGISTER_SLOTS = 16 + 8

#: DWARF number of RBP, the frame register every stack location must use.
DWARF_RBP = 6

#: ``wasm_inst_offset`` of a fresh machine state (Rust ``usize::MAX`` on 64-bit).
USIZE_MAX = 2**64 - 1


class GPR(enum.IntEnum):
    """General-purpose registers; the value is wasmer's register index."""

    RAX = 0
    RCX = 1
    RDX = 2
    RBX = 3
    RSP = 4
    RBP = 5
    RSI = 6
    RDI = 7
    R8 = 8
    R9 = 9
    R10 = 10
    R11 = 11
    R12 = 12
    R13 = 13
    R14 = 14
    R15 = 15

    def __repr__(self) -> str:
        return f"GPR.{self.name}"


class XMM(enum.IntEnum):
    """XMM registers; the value is n (the register index is 16 + n)."""

    XMM0 = 0
    XMM1 = 1
    XMM2 = 2
    XMM3 = 3
    XMM4 = 4
    XMM5 = 5
    XMM6 = 6
    XMM7 = 7
    XMM8 = 8
    XMM9 = 9
    XMM10 = 10
    XMM11 = 11
    XMM12 = 12
    XMM13 = 13
    XMM14 = 14
    XMM15 = 15

    def __repr__(self) -> str:
        return f"XMM.{self.name}"


# DWARF numbers 0..15 in GPR terms (DWARF order differs from encoding order).
_DWARF_GPRS = (
    GPR.RAX, GPR.RDX, GPR.RCX, GPR.RBX, GPR.RSI, GPR.RDI, GPR.RBP, GPR.RSP,
    GPR.R8, GPR.R9, GPR.R10, GPR.R11, GPR.R12, GPR.R13, GPR.R14, GPR.R15,
)


@enum_base
class X64Register(Variant):
    """An x86-64 register: ``X64Register.GPR(GPR.RBX)`` or
    ``X64Register.XMM(XMM.XMM3)``."""

    __slots__ = ()

    GPR: ClassVar[Any]
    XMM: ClassVar[Any]
    reg: Any  # the variant's one field (a GPR or an XMM)

    def to_index(self) -> RegisterIndex:
        """wasmer's register index: GPR -> 0..15, XMMn -> 16 + n."""
        if isinstance(self, X64Register.GPR):
            return RegisterIndex(int(self.reg))
        return RegisterIndex(16 + int(self.reg))

    @staticmethod
    def from_dwarf_regnum(regnum: int) -> Optional["X64Register"]:
        """The register with DWARF number ``regnum`` (0-15 GPRs, 17-32
        XMM0-XMM15), or None (16 is the return-address column, others are
        not GPR/XMM registers)."""
        if 0 <= regnum <= 15:
            return X64Register.GPR(_DWARF_GPRS[regnum])
        if 17 <= regnum <= 32:
            return X64Register.XMM(XMM(regnum - 17))
        return None


tuple_variant(X64Register, "GPR", ("reg", GPR))
tuple_variant(X64Register, "XMM", ("reg", XMM))


def seed_register(regnum: int) -> Optional[X64Register]:
    """wasmer's own ``X64Register::from_dwarf_regnum`` at 6035bd2d, the one
    ``populate_msm`` uses: DWARF 0-15 GPRs, 17-32 XMM0-XMM15 (the same table
    as :meth:`X64Register.from_dwarf_regnum`; other wasmer commits stopped
    at 24).  XMM8-XMM15 have indices 24-31, past the 24 register slots of a
    machine state: the original's quirk, kept."""
    return X64Register.from_dwarf_regnum(regnum)


def new_machine_state() -> MachineState:
    """The seed's ``x64::new_machine_state()``: no stack values, 24
    ``Undefined`` register values, an empty previous frame, an empty wasm
    stack, private depth 0 and ``wasm_inst_offset`` = ``usize::MAX``."""
    return MachineState(
        stack_values=(),
        register_values=(MachineValue.Undefined,) * REGISTER_SLOTS,
        prev_frame={},
        wasm_stack=(),
        wasm_stack_private_depth=0,
        wasm_inst_offset=USIZE_MAX,
    )
