"""Exactly the text ``llvm-readobj --stackmap`` (LLVM 14) prints, from its
line ``LLVM StackMap Version: 3`` to the end.

Reproduced from the behaviour of llvm-readobj's stackmap printer: two spaces
of indentation per level, decimal numbers, constants numbered from 1,
ConstantIndex numbered from 0, small constants printed as unsigned 32-bit
numbers and register offsets as signed ones (``Direct R#6 + -24``).
"""

from __future__ import annotations

from ..model import LocationKind, StackMap


def render_readobj(stackmap: StackMap) -> str:
    out = [
        f"LLVM StackMap Version: {stackmap.version}",
        f"Num Functions: {len(stackmap.functions)}",
    ]
    for f in stackmap.functions:
        out.append(f"  Function address: {f.address}, stack size: {f.stack_size}, callsite record count: {f.record_count}")
    out.append(f"Num Constants: {len(stackmap.constants)}")
    out.extend(f"  #{i}: {c}" for i, c in enumerate(stackmap.constants, 1))
    out.append(f"Num Records: {len(stackmap.records)}")
    for r in stackmap.records:
        out.append(f"  Record ID: {r.patchpoint_id}, instruction offset: {r.instruction_offset}")
        out.append(f"    {len(r.locations)} locations:")
        for i, loc in enumerate(r.locations, 1):
            out.append(f"      #{i}: {_location(stackmap, loc)}, size: {loc.size}")
        live = "".join(f"R#{lo.dwarf_regnum} ({lo.size}-bytes) " for lo in r.live_outs)
        out.append(f"    {len(r.live_outs)} live-outs: [ {live}]")
    return "\n".join(out) + "\n"


def _location(stackmap: StackMap, loc) -> str:
    kind, reg, off = loc.kind, loc.dwarf_regnum, loc.offset_or_small_constant
    if kind == LocationKind.Register:
        return f"Register R#{reg}"
    if kind == LocationKind.Direct:
        return f"Direct R#{reg} + {off}"
    if kind == LocationKind.Indirect:
        return f"Indirect [R#{reg} + {off}]"
    if kind == LocationKind.Constant:
        return f"Constant {off & 0xFFFFFFFF}"
    # ConstantIndex: llvm-readobj reads the constant without a bounds check;
    # we print what exists and say so when the index is out of range.
    index = off & 0xFFFFFFFF  # llvm-readobj reads the index as unsigned
    value = stackmap.constants[index] if index < len(stackmap.constants) else "out of range"
    return f"ConstantIndex #{index} ({value})"
