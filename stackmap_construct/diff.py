"""Structural difference of two stackmaps, for comparing compilers or flags.

Functions are matched by symbol name when both sides know it, else by
position; records by (function, patchpoint id), several records with the same
id in one function in order of appearance.  Constants are compared as a
multiset (their order is an artefact of emission), and locations by value
with ConstantIndex resolved to the constant it designates, so that a
reordered constant pool is no difference.

Records are matched over the columnar views of both stackmaps; a matched
pair whose encoded locations and live-outs are the same bytes (and whose
constants cannot differ) is equal without being made into objects.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from .format.api import view
from .format.columns import StackMapView
from .format.fast.lazy import RecordList
from .model import LocationKind, Record, StackMap
from .render.text import describe_location
from .statepoints import compare_records, is_statepoint, selection
from .statepoints.decode import IdsArg
from .wording import count


def _function_keys(sm: StackMap, names: Sequence[str | None] | None) -> list[str]:
    keys = []
    for i, _ in enumerate(sm.functions):
        name = names[i] if names and i < len(names) else None
        keys.append(name if name else f"#{i}")
    return keys


def _endian(sm: StackMap) -> str:
    index = sm.records.blob_index if isinstance(sm.records, RecordList) else None
    return index.endian if index is not None else "little"


def _records_by_key(v: StackMapView, keys: list[str]) -> dict[tuple[str, int, int], int]:
    """(function key, patchpoint id, n-th with that id) -> record index."""
    out: dict[tuple[str, int, int], int] = {}
    seen: Counter = Counter()
    names = keys + ["(no function)"]
    fkeys = [names[f] for f in v.function_of]
    for ri, key in enumerate(zip(fkeys, v.record_column("patchpoint_id"))):
        n = seen[key]
        seen[key] = n + 1
        out[key + (n,)] = ri
    return out


def _loc(sm: StackMap, loc) -> tuple:
    """A location's meaning: ConstantIndex by the value it designates."""
    value = loc.offset_or_small_constant
    if loc.kind == LocationKind.ConstantIndex and 0 <= value < len(sm.constants):
        value = ("constant", sm.constants[value])
    return (loc.kind, loc.size, loc.dwarf_regnum if loc.kind != LocationKind.Constant else 0, value)


def diff_stackmaps(
    a: StackMap,
    b: StackMap,
    *,
    names_a: Sequence[str | None] | None = None,
    names_b: Sequence[str | None] | None = None,
    arch_a: str | None = None,
    arch_b: str | None = None,
    statepoints: IdsArg | None = "auto",
) -> list[str]:
    """Human-readable differences, one per line; [] when equivalent.

    Records that are statepoints on both sides (``statepoints``: "auto", the
    default, "all", ids, or None for none) are compared by role: calling
    convention, flags, deopt values, GC pointer pairs."""
    out: list[str] = []
    sel = selection(statepoints) if statepoints is not None else None
    both_named = bool(names_a and names_b and all(names_a) and all(names_b))
    keys_a = _function_keys(a, names_a if both_named else None)
    keys_b = _function_keys(b, names_b if both_named else None)
    fa = dict(zip(keys_a, a.functions))
    fb = dict(zip(keys_b, b.functions))
    for key in sorted(fa.keys() - fb.keys()):
        out.append(f"function {key}: only in A")
    for key in sorted(fb.keys() - fa.keys()):
        out.append(f"function {key}: only in B")
    for key in [k for k in keys_a if k in fb]:
        fx, fy = fa[key], fb[key]
        for attr in ("address", "stack_size", "record_count"):
            if getattr(fx, attr) != getattr(fy, attr):
                out.append(f"function {key}: {attr.replace('_', ' ')} {getattr(fx, attr)} -> {getattr(fy, attr)}")

    ca, cb = Counter(a.constants), Counter(b.constants)
    for c in sorted((ca - cb).elements()):
        out.append(f"constant {c} (0x{c:x}): only in A")
    for c in sorted((cb - ca).elements()):
        out.append(f"constant {c} (0x{c:x}): only in B")

    va, vb = view(a, endian=_endian(a)), view(b, endian=_endian(b))
    ra, rb = _records_by_key(va, keys_a), _records_by_key(vb, keys_b)
    for k in [k for k in ra if k not in rb]:
        out.append(f"record {k[0]}/id {k[1]}{_nth(k)}: only in A")
    for k in [k for k in rb if k not in ra]:
        out.append(f"record {k[0]}/id {k[1]}{_nth(k)}: only in B")
    # Equal bytes are equal values when both are in one byte order; a
    # ConstantIndex designates the same value when the pools are equal.
    same_order = va.endian == vb.endian
    same_pool = list(a.constants) == list(b.constants)
    ci = bytes([int(LocationKind.ConstantIndex)])
    la, lb, oa, ob = va.locations, vb.locations, va.record_column("instruction_offset"), \
        vb.record_column("instruction_offset")
    kinds_a = la.column("kind").tobytes()
    for k, i in ra.items():
        j = rb.get(k)
        if j is None:
            continue
        if same_order and oa[i] == ob[j] and la.record_bytes(i) == lb.record_bytes(j) \
                and va.live_outs.record_bytes(i) == vb.live_outs.record_bytes(j) \
                and (same_pool or ci not in kinds_a[la.starts[i]:la.starts[i + 1]]):
            continue
        x, y = a.records[i], b.records[j]
        label = f"record {k[0]}/id {k[1]}{_nth(k)}"
        if x.instruction_offset != y.instruction_offset:
            out.append(f"{label}: instruction offset {x.instruction_offset} -> {y.instruction_offset}")
        if sel is not None and sel.candidate(x) and sel.candidate(y) and is_statepoint(x) and is_statepoint(y):
            out.extend(f"{label}: {line}" for line in compare_records(a, x, b, y, arch_a=arch_a, arch_b=arch_b))
        else:
            if len(x.locations) != len(y.locations):
                out.append(f"{label}: {count(len(x.locations), 'location')} -> {len(y.locations)}")
            for n, (lx, ly) in enumerate(zip(x.locations, y.locations)):
                if _loc(a, lx) != _loc(b, ly):
                    out.append(f"{label}: location {n}: {describe_location(a, lx, arch_a)}, size {lx.size}"
                               f" -> {describe_location(b, ly, arch_b)}, size {ly.size}")
        lives_x = [(lo.dwarf_regnum, lo.size) for lo in x.live_outs]
        lives_y = [(lo.dwarf_regnum, lo.size) for lo in y.live_outs]
        if lives_x != lives_y:
            out.append(f"{label}: live-outs {_lives(lives_x)} -> {_lives(lives_y)}")
    return out


def _nth(key: tuple) -> str:
    return f" (#{key[2] + 1} with this id)" if key[2] else ""


def _lives(lives: list[tuple[int, int]]) -> str:
    return "[" + ", ".join(f"R#{r} {s}B" for r, s in lives) + "]"
