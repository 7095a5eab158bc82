"""Exactly the text ``llvm-readobj --stackmap`` (LLVM 14) prints, from its
line ``LLVM StackMap Version: 3`` to the end.

Reproduced from the behaviour of llvm-readobj's stackmap printer: two spaces
of indentation per level, decimal numbers, constants numbered from 1,
ConstantIndex numbered from 0, small constants printed as unsigned 32-bit
numbers and register offsets as signed ones (``Direct R#6 + -24``).

:func:`iter_render_readobj` gives the same text in pieces; for a stackmap
parsed by the fast path it renders straight from the parsed bytes
(:mod:`.fast`), line by line identical to :func:`render_readobj_plain`.
"""

from __future__ import annotations

from typing import Iterator, Literal, overload

from ..model import LiveOut, Location, LocationKind, StackMap


def render_readobj(stackmap: StackMap) -> str:
    return "".join(iter_render_readobj(stackmap))


@overload
def iter_render_readobj(stackmap: StackMap, *, encoded: Literal[False] = False) -> Iterator[str]: ...
@overload
def iter_render_readobj(stackmap: StackMap, *, encoded: Literal[True]) -> Iterator[bytes]: ...
def iter_render_readobj(stackmap: StackMap, *, encoded: bool = False) -> Iterator[str] | Iterator[bytes]:
    """The text in pieces: str, or UTF-8 bytes with ``encoded``."""
    from .fast import readobj_chunks

    chunks = readobj_chunks(stackmap)
    if chunks is None:
        text = render_readobj_plain(stackmap)
        return iter([text.encode()]) if encoded else iter([text])
    return chunks if encoded else (chunk.decode() for chunk in chunks)


def render_readobj_plain(stackmap: StackMap) -> str:
    out = [head_lines(stackmap)]
    out.append(f"Num Records: {len(stackmap.records)}\n")
    for r in stackmap.records:
        out.append(record_head(r.patchpoint_id, r.instruction_offset, len(r.locations)))
        for i, loc in enumerate(r.locations, 1):
            out.append(location_line(stackmap, i, loc))
        out.append(live_outs_line(r.live_outs))
    return "".join(out)


def head_lines(stackmap: StackMap) -> str:
    """Version, functions and constants: everything before ``Num Records``."""
    out = [
        f"LLVM StackMap Version: {stackmap.version}",
        f"Num Functions: {len(stackmap.functions)}",
    ]
    for f in stackmap.functions:
        out.append(f"  Function address: {f.address}, stack size: {f.stack_size}, callsite record count: {f.record_count}")
    out.append(f"Num Constants: {len(stackmap.constants)}")
    out.extend(f"  #{i}: {c}" for i, c in enumerate(stackmap.constants, 1))
    return "\n".join(out) + "\n"


# The line makers also take template slots (str) for the fast renderer.
def record_head(patchpoint_id: int | str, instruction_offset: int | str, num_locations: int | str) -> str:
    return (f"  Record ID: {patchpoint_id}, instruction offset: {instruction_offset}\n"
            f"    {num_locations} locations:\n")


def location_line(stackmap: StackMap, i: int | str, loc: Location) -> str:
    """The line of the ``i``-th (from 1) location of a record."""
    return f"      #{i}: {_location(stackmap, loc)}, size: {loc.size}\n"


def live_out_item(lo: LiveOut) -> str:
    return f"R#{lo.dwarf_regnum} ({lo.size}-bytes) "


def live_outs_line(live_outs: list[LiveOut]) -> str:
    return live_outs_head(len(live_outs)) + "".join(live_out_item(lo) for lo in live_outs) + "]\n"


def live_outs_head(count: int | str) -> str:
    return f"    {count} live-outs: [ "


def _location(stackmap: StackMap, loc: Location) -> str:
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
    value: int | str = stackmap.constants[index] if index < len(stackmap.constants) else "out of range"
    return f"ConstantIndex #{index} ({value})"
