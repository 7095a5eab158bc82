"""The default human-readable dump: everything llvm-readobj shows, plus
register names, hexadecimal addresses, signed constants, and the records
grouped under the function they belong to."""

from __future__ import annotations

from typing import Sequence

from stackmap_construct.model import DYNAMIC_STACK_SIZE, LocationKind, StackMap
from stackmap_construct.registers import register_name
from stackmap_construct.symbols import FunctionTarget


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _reg(arch: str | None, regnum: int) -> str:
    name = register_name(arch, regnum)
    return f"R#{regnum} ({name})" if name else f"R#{regnum}"


def _signed(n: int) -> str:
    return f"+ {n}" if n >= 0 else f"- {-n}"


def describe_location(stackmap: StackMap, loc, arch: str | None) -> str:
    """One location in words, e.g. ``Indirect [R#6 (rbp) - 24]``."""
    kind, off = loc.kind, loc.offset_or_small_constant
    if kind == LocationKind.Register:
        return f"Register {_reg(arch, loc.dwarf_regnum)}"
    if kind == LocationKind.Direct:
        return f"Direct {_reg(arch, loc.dwarf_regnum)} {_signed(off)}"
    if kind == LocationKind.Indirect:
        return f"Indirect [{_reg(arch, loc.dwarf_regnum)} {_signed(off)}]"
    if kind == LocationKind.Constant:
        return f"Constant {off}"
    if 0 <= off < len(stackmap.constants):
        value = stackmap.constants[off]
        return f"ConstantIndex #{off} = {value} (0x{value:x})"
    return f"ConstantIndex #{off} (out of range: {len(stackmap.constants)} constants)"


def _stack_size(n: int) -> str:
    return "dynamic (0xffffffffffffffff)" if n == DYNAMIC_STACK_SIZE else str(n)


def render_text(stackmap: StackMap, *, arch: str | None = None, title: str = "stackmap",
                targets: Sequence[FunctionTarget] | None = None) -> str:
    nf, nc, nr = len(stackmap.functions), len(stackmap.constants), len(stackmap.records)
    out = [f"{title}: version {stackmap.version}, {_n(nf, 'function')}, {_n(nc, 'constant')}, {_n(nr, 'record')}"]
    if stackmap.constants:
        out.append("  constants:")
        out.extend(f"    #{i}: {c} (0x{c:x})" for i, c in enumerate(stackmap.constants))
    targets = list(targets or [])
    for fi, (fn, records) in enumerate(stackmap.records_by_function()):
        target = targets[fi] if fn is not None and fi < len(targets) else None
        base = target.address if target else None
        if fn is None:
            out.append(f"  records not covered by any function's record count ({len(records)}):")
        else:
            name = f" {target.symbol}" if target and target.symbol else ""
            address = f"0x{fn.address:x}"
            if target is not None and target.descriptor is not None:
                # ppc64 ELFv1; in shared objects the field holds 0 and the
                # descriptor comes from a dynamic relocation
                where = "" if target.descriptor == fn.address else f" 0x{target.descriptor:x}"
                address += f" (function descriptor{where}; code entry 0x{base:x})"
            elif base is not None and base != fn.address:
                address += f" (relocated: 0x{base:x})"
            out.append(
                f"  function #{fi}{name}: address {address}, stack size {_stack_size(fn.stack_size)}, "
                f"{_n(fn.record_count, 'record')}"
            )
        for r in records:
            at = f" = 0x{base + r.instruction_offset:x}" if base is not None else ""
            out.append(f"    record id {r.patchpoint_id} at offset 0x{r.instruction_offset:x} ({r.instruction_offset}){at}:")
            for li, loc in enumerate(r.locations):
                out.append(f"      location {li}: {describe_location(stackmap, loc, arch)}, size {loc.size}")
            if r.live_outs:
                live = ", ".join(f"{_reg(arch, lo.dwarf_regnum)} {lo.size} bytes" for lo in r.live_outs)
                out.append(f"      live-outs: {live}")
    return "\n".join(out) + "\n"
