"""Exactly the text ``llvm-readobj --stackmap`` (LLVM 14) prints, from its
line ``LLVM StackMap Version: 3`` to the end.

Reproduced from the behaviour of llvm-readobj's stackmap printer: two spaces
of indentation per level, decimal numbers, constants numbered from 1,
ConstantIndex numbered from 0, small constants printed as unsigned 32-bit
numbers and register offsets as signed ones (``Direct R#6 + -24``).

:func:`iter_render_readobj` gives the same text in pieces, over the
columnar view of the stackmap (:func:`~stackmap_construct.format.view`):
the same line functions below, each distinct location's text made once.
:func:`render_readobj_plain` is the object-by-object rendering.
"""

from __future__ import annotations

from typing import Iterator, Literal, overload

from .texts import Texts
from ..model import LocationKind, StackMap


def render_readobj(stackmap: StackMap, *, endian: str | None = None) -> str:
    return "".join(iter_render_readobj(stackmap, endian=endian))


@overload
def iter_render_readobj(stackmap: StackMap, *, encoded: Literal[False] = False,
                        endian: str | None = None) -> Iterator[str]: ...
@overload
def iter_render_readobj(stackmap: StackMap, *, encoded: Literal[True],
                        endian: str | None = None) -> Iterator[bytes]: ...
def iter_render_readobj(stackmap: StackMap, *, encoded: bool = False,
                        endian: str | None = None) -> Iterator[str] | Iterator[bytes]:
    """The text in pieces: str, or UTF-8 bytes with ``encoded``."""
    pieces = _pieces(stackmap, endian)
    return (piece.encode() for piece in pieces) if encoded else pieces


CHUNK = 2048  # records per piece



def _pieces(stackmap: StackMap, endian: str | None) -> Iterator[str]:
    import struct

    from ..format.columns import item_values, view_of

    v = view_of(stackmap, endian)
    yield head_lines(stackmap) + f"Num Records: {v.record_count}\n"
    locs, lives = v.locations, v.live_outs
    loc_values, live_values = item_values(locs), item_values(lives)
    loc_texts = Texts(lambda raw: location_tail(stackmap, loc_values(raw)))
    live_texts = Texts(lambda raw: live_out_item(live_values(raw)))
    prefixes: list[str] = []
    ids, offsets = v.record_column("patchpoint_id"), v.record_column("instruction_offset")
    lsize, vsize = locs.item_size, lives.item_size
    lstarts, vstarts = locs.starts, lives.starts
    loc_item, live_item = f"{lsize}s", f"{vsize}s"
    for r0 in range(0, v.record_count, CHUNK):
        r1 = min(v.record_count, r0 + CHUNK)
        l0, v0 = lstarts[r0], vstarts[r0]
        loc_lines = list(map(loc_texts.__getitem__,
                             struct.iter_unpack(loc_item, locs.data[l0 * lsize:lstarts[r1] * lsize])))
        live_lines = list(map(live_texts.__getitem__,
                              struct.iter_unpack(live_item, lives.data[v0 * vsize:vstarts[r1] * vsize])))
        out: list[str] = []
        ap = out.append
        for i in range(r0, r1):
            a, b = lstarts[i] - l0, lstarts[i + 1] - l0
            n = b - a
            ap(record_head(ids[i], offsets[i], n))
            if n:
                while len(prefixes) < n:
                    prefixes.append(f"      #{len(prefixes) + 1}: ")
                ap("".join(map(str.__add__, prefixes, loc_lines[a:b])))
            a, b = vstarts[i] - v0, vstarts[i + 1] - v0
            ap(live_outs_head(b - a) + "".join(live_lines[a:b]) + "]\n")
        loc_texts.bound()
        live_texts.bound()
        yield "".join(out)


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


def record_head(patchpoint_id, instruction_offset, num_locations: int) -> str:
    return (f"  Record ID: {patchpoint_id}, instruction offset: {instruction_offset}\n"
            f"    {num_locations} locations:\n")


def location_line(stackmap: StackMap, i: int, loc) -> str:
    """The line of the ``i``-th (from 1) location of a record."""
    return f"      #{i}: {location_tail(stackmap, loc)}"


def location_tail(stackmap: StackMap, loc) -> str:
    """A location line after its number."""
    return f"{_location(stackmap, loc)}, size: {loc.size}\n"


def live_out_item(lo) -> str:
    return f"R#{lo.dwarf_regnum} ({lo.size}-bytes) "


def live_outs_line(live_outs) -> str:
    return live_outs_head(len(live_outs)) + "".join(live_out_item(lo) for lo in live_outs) + "]\n"


def live_outs_head(count: int) -> str:
    return f"    {count} live-outs: [ "


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
