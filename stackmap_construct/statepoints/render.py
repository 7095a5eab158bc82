"""Statepoints as text (one block per call site, for a GC engineer) and as
the JSON document of ``statepoints --format json``."""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from ..model import DYNAMIC_STACK_SIZE, LocationKind
from .decode import ResolvedLocation, Statepoint


def _cc(sp: Statepoint) -> str:
    name = sp.calling_convention_name
    return f"{sp.calling_convention} ({name})" if name else f"{sp.calling_convention} (unknown)"


def _flags(sp: Statepoint) -> str:
    names = sp.flag_names
    if sp.flags == 0:
        return "0 (none)"
    return f"{sp.flags} ({', '.join(names) if names else 'no known flag'})"


def _where(sp: Statepoint) -> str:
    fn = sp.function or (f"function #{sp.function_index}" if sp.function_index is not None else "no function")
    return f"{fn} + 0x{sp.instruction_offset:x}"


def _stack(sp: Statepoint) -> str:
    if sp.stack_size is None:
        return "unknown"
    return "dynamic" if sp.stack_size == DYNAMIC_STACK_SIZE else f"{sp.stack_size} bytes"


def _loc(loc: ResolvedLocation) -> str:
    return f"{loc.meaning}  [location {loc.index}: {loc.kind.name}]"


def _null(loc: ResolvedLocation) -> bool:
    return loc.kind == LocationKind.Constant and loc.value == 0


def render_statepoint(sp: Statepoint, *, multi: bool = False) -> list[str]:
    """The lines of one call site."""
    head = f"statepoint id {sp.patchpoint_id}"
    if sp.patchpoint_id >= 2**16:
        head += f" (0x{sp.patchpoint_id:x})"
    head += f" at {_where(sp)}"
    head += f", return address 0x{sp.address:x}" if sp.address is not None else " (no absolute address: not linked)"
    record = f"record #{sp.record_index}" + (f" of stackmap #{sp.stackmap}" if multi else "")
    lines = [
        head + ":",
        f"  {record}, frame {_stack(sp)}, calling convention {_cc(sp)}, flags {_flags(sp)}",
    ]
    if sp.deopt:
        lines.append(f"  deopt state: {len(sp.deopt)} value{'s' if len(sp.deopt) != 1 else ''}")
        lines.extend(f"    [{i}] {_loc(d)}" for i, d in enumerate(sp.deopt))
    else:
        lines.append("  deopt state: none")
    if sp.gc_pointers:
        n = sum(p.pointers for p in sp.gc_pointers)
        lines.append(f"  gc pointers: {len(sp.gc_pointers)} relocation{'s' if len(sp.gc_pointers) != 1 else ''}"
                     + (f" ({n} pointers)" if n != len(sp.gc_pointers) else ""))
        for i, pair in enumerate(sp.gc_pointers):
            if _null(pair.base) and _null(pair.derived):
                lines.append(f"    [{i}] null pointer (Constant 0 as base and derived"
                             f" [locations {pair.base.index}, {pair.derived.index}]): nothing to relocate")
                continue
            lines.append(f"    [{i}] base    {_loc(pair.base)}")
            if pair.derived.same_place(pair.base):
                lines.append(f"        derived {_loc(pair.derived)} (the base itself)")
            else:
                lines.append(f"        derived {_loc(pair.derived)}")
    else:
        lines.append("  gc pointers: none")
    if sp.live_outs:
        lines.append(f"  live-outs: {sp.live_outs} (a statepoint record has none)")
    return lines


#: call sites per piece of the streamed renderings
CHUNK = 1024


def _batches(statepoints: Iterable[Statepoint]) -> Iterator[list[Statepoint]]:
    batch: list[Statepoint] = []
    for sp in statepoints:
        batch.append(sp)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def render_text(statepoints: Iterable[Statepoint], *, multi: bool = False) -> str:
    return "".join(iter_render_text(statepoints, multi=multi))


def iter_render_text(statepoints: Iterable[Statepoint], *, multi: bool = False) -> Iterator[str]:
    """:func:`render_text` in pieces, a batch of call sites each, taking
    the statepoints as they come (one blank line between blocks)."""
    sep = ""
    for batch in _batches(statepoints):
        yield sep + "\n".join("\n".join(render_statepoint(sp, multi=multi)) + "\n" for sp in batch)
        sep = "\n"


def to_json(statepoints: Iterable[Statepoint]) -> dict:
    """``{"statepoints": [...]}`` (see ``schemas/statepoints.schema.json``)."""
    return {"statepoints": [sp.to_json() for sp in statepoints]}


def render_json(statepoints: Iterable[Statepoint]) -> str:
    """The document with one call site per line (json's C encoder: its
    indenting encoder is pure Python, 6x slower on large files)."""
    return "".join(iter_render_json(statepoints))


def iter_render_json(statepoints: Iterable[Statepoint]) -> Iterator[str]:
    """:func:`render_json` in pieces, a batch of call sites each."""
    head = '{"statepoints": [\n  '
    for batch in _batches(statepoints):
        yield head + ",\n  ".join([json.dumps(sp.to_json()) for sp in batch])
        head = ",\n  "
    yield '{"statepoints": []}\n' if head.startswith("{") else "\n]}\n"
