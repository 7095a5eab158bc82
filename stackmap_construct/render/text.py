"""The default human-readable dump: everything llvm-readobj shows, plus
register names, hexadecimal addresses, signed constants, and the records
grouped under the function they belong to."""

from __future__ import annotations

import struct
from typing import Iterator, Sequence

from .texts import Texts
from ..model import DYNAMIC_STACK_SIZE, Location, LocationKind, StackMap
from ..registers import register_name
from ..symbols import FunctionTarget
from ..wording import count


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
                targets: Sequence[FunctionTarget] | None = None, endian: str | None = None) -> str:
    return "".join(iter_render_text(stackmap, arch=arch, title=title, targets=targets, endian=endian))



CHUNK = 4096  # records per piece of output


def iter_render_text(stackmap: StackMap, *, arch: str | None = None, title: str = "stackmap",
                     targets: Sequence[FunctionTarget] | None = None, endian: str | None = None) -> Iterator[str]:
    """The text in pieces, over the columnar view of the stackmap: each
    distinct location (and live-out) is described once."""
    from ..format.api import view

    if endian is None:
        index = getattr(stackmap.records, "blob_index", None)
        endian = index.endian if index is not None else "little"
    v = view(stackmap, endian=endian)
    nf, nc, nr = len(stackmap.functions), len(stackmap.constants), v.record_count
    out = [f"{title}: version {stackmap.version}, {count(nf, 'function')}, {count(nc, 'constant')}, {count(nr, 'record')}"]
    if stackmap.constants:
        out.append("  constants:")
        out.extend(f"    #{i}: {c} (0x{c:x})" for i, c in enumerate(stackmap.constants))
    yield "\n".join(out) + "\n"
    locs, lives = v.locations, v.live_outs
    make_loc, make_live = locs.fixed.struct.unpack, lives.fixed.struct.unpack
    kind_of = locs.fixed.leaf("kind").decoded
    loc_names = [leaf.name for leaf in locs.fixed.leaves]
    live_names = [leaf.name for leaf in lives.fixed.leaves]

    def location_text(raw: bytes) -> str:
        values = dict(zip(loc_names, make_loc(raw)))
        loc = Location(kind_of[values["kind"]], values["size"], values["dwarf_regnum"],
                       values["offset_or_small_constant"])
        return f": {describe_location(stackmap, loc, arch)}, size {loc.size}\n"

    def live_text(raw: bytes) -> str:
        values = dict(zip(live_names, make_live(raw)))
        return f"{_reg(arch, values['dwarf_regnum'])} {values['size']} bytes"

    loc_texts, live_texts = Texts(location_text), Texts(live_text)
    loc_item = f"{locs.item_size}s"
    live_item = f"{lives.item_size}s"
    prefixes: list[str] = []
    ids, offsets = v.record_column("patchpoint_id"), v.record_column("instruction_offset")
    targets = list(targets or [])
    # Group headings, by record index: records_by_function's grouping.
    headings: dict[int, list[tuple[str, int | None]]] = {}
    bases: list[int | None] = [None] * nr
    start = 0
    groups = list(enumerate(stackmap.functions))
    for fi, fn in groups:
        end = min(start + fn.record_count, nr)
        target = targets[fi] if fi < len(targets) else None
        base = target.address if target else None
        name = f" {target.symbol}" if target and target.symbol else ""
        address = f"0x{fn.address:x}"
        if target is not None and target.descriptor is not None:
            # ppc64 ELFv1; in shared objects the field holds 0 and the
            # descriptor comes from a dynamic relocation
            where = "" if target.descriptor == fn.address else f" 0x{target.descriptor:x}"
            address += f" (function descriptor{where}; code entry 0x{base:x})"
        elif base is not None and base != fn.address:
            address += f" (relocated: 0x{base:x})"
        headings.setdefault(start, []).append(
            (f"  function #{fi}{name}: address {address}, stack size {_stack_size(fn.stack_size)}, "
             f"{count(fn.record_count, 'record')}\n", None))
        if base is not None:
            bases[start:end] = [base] * (end - start)
        start = end
    if start < nr:
        headings.setdefault(start, []).append(
            (f"  records not covered by any function's record count ({nr - start}):\n", None))
    trailing = headings.pop(nr, [])
    for r0 in range(0, nr, CHUNK):
        r1 = min(nr, r0 + CHUNK)
        s0, s1 = locs.starts[r0], locs.starts[r1]
        loc_lines = list(map(loc_texts.__getitem__,
                             struct.iter_unpack(loc_item, locs.data[s0 * locs.item_size:s1 * locs.item_size])))
        out = []
        ap = out.append
        for i in range(r0, r1):
            for heading, _ in headings.get(i, ()):
                ap(heading)
            off = offsets[i]
            base = bases[i]
            at = f" = 0x{base + off:x}" if base is not None else ""
            ap(f"    record id {ids[i]} at offset 0x{off:x} ({off}){at}:\n")
            a, b = locs.starts[i] - s0, locs.starts[i + 1] - s0
            n = b - a
            while len(prefixes) < n:
                prefixes.append(f"      location {len(prefixes)}")
            ap("".join(map(str.__add__, prefixes[:n], loc_lines[a:b])))
            la, lb = lives.starts[i], lives.starts[i + 1]
            if lb > la:
                raw = lives.data[la * lives.item_size:lb * lives.item_size]
                ap("      live-outs: " + ", ".join(map(live_texts.__getitem__, struct.iter_unpack(live_item, raw)))
                   + "\n")
        loc_texts.bound()
        live_texts.bound()
        yield "".join(out)
    if trailing:
        yield "".join(h for h, _ in trailing)
