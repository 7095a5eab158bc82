"""Structural difference of two stackmaps, for comparing compilers or flags.

Functions are matched by symbol name when both sides know it, else by
position; records by (function, patchpoint id), several records with the same
id in one function in order of appearance.  Constants are compared as a
multiset (their order is an artefact of emission), and locations by value
with ConstantIndex resolved to the constant it designates, so that a
reordered constant pool is no difference.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from stackmap_construct.model import LocationKind, Record, StackMap
from stackmap_construct.render.text import describe_location
from stackmap_construct.statepoints import compare_records, is_statepoint, selection


def _function_keys(sm: StackMap, names: Sequence[str | None] | None) -> list[str]:
    keys = []
    for i, _ in enumerate(sm.functions):
        name = names[i] if names and i < len(names) else None
        keys.append(name if name else f"#{i}")
    return keys


def _records_by_key(sm: StackMap, keys: list[str]) -> dict[tuple[str, int, int], tuple[str, Record]]:
    out: dict[tuple[str, int, int], tuple[str, Record]] = {}
    seen: Counter = Counter()
    for key, (fn, records) in zip(keys + ["(no function)"], sm.records_by_function()):
        for r in records:
            n = seen[(key, r.patchpoint_id)]
            seen[(key, r.patchpoint_id)] += 1
            out[(key, r.patchpoint_id, n)] = (key, r)
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
    statepoints: str | object | None = "auto",
) -> list[str]:
    """Human-readable differences, one per line; [] when equivalent.

    Records that are statepoints on both sides (``statepoints``: "auto", the
    default, "all", ids, or None for none) are compared by role: calling
    convention, flags, deopt values, GC pointer pairs."""
    out: list[str] = []
    sel = selection(statepoints) if statepoints is not None else None  # type: ignore[arg-type]
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
        x, y = fa[key], fb[key]
        for attr in ("address", "stack_size", "record_count"):
            if getattr(x, attr) != getattr(y, attr):
                out.append(f"function {key}: {attr.replace('_', ' ')} {getattr(x, attr)} -> {getattr(y, attr)}")

    ca, cb = Counter(a.constants), Counter(b.constants)
    for c in sorted((ca - cb).elements()):
        out.append(f"constant {c} (0x{c:x}): only in A")
    for c in sorted((cb - ca).elements()):
        out.append(f"constant {c} (0x{c:x}): only in B")

    ra, rb = _records_by_key(a, keys_a), _records_by_key(b, keys_b)
    for k in [k for k in ra if k not in rb]:
        out.append(f"record {k[0]}/id {k[1]}{_nth(k)}: only in A")
    for k in [k for k in rb if k not in ra]:
        out.append(f"record {k[0]}/id {k[1]}{_nth(k)}: only in B")
    for k in [k for k in ra if k in rb]:
        (_, x), (_, y) = ra[k], rb[k]
        label = f"record {k[0]}/id {k[1]}{_nth(k)}"
        if x.instruction_offset != y.instruction_offset:
            out.append(f"{label}: instruction offset {x.instruction_offset} -> {y.instruction_offset}")
        if sel is not None and sel.candidate(x) and sel.candidate(y) and is_statepoint(x) and is_statepoint(y):
            out.extend(f"{label}: {line}" for line in compare_records(a, x, b, y, arch_a=arch_a, arch_b=arch_b))
        else:
            if len(x.locations) != len(y.locations):
                n = len(x.locations)
                out.append(f"{label}: {n} location{'' if n == 1 else 's'} -> {len(y.locations)}")
            for i, (lx, ly) in enumerate(zip(x.locations, y.locations)):
                if _loc(a, lx) != _loc(b, ly):
                    out.append(f"{label}: location {i}: {describe_location(a, lx, arch_a)}, size {lx.size}"
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
