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

from array import array
from collections import Counter
from typing import NamedTuple, Sequence

from .format.api import view
from .format.columns import StackMapView
from .format.fast.lazy import RecordList
from .model import LocationKind, Record, StackMap, record_runs
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


def _groups(sm: StackMap, v: StackMapView, keys: list[str]) -> dict[str, list[range]]:
    """Function key -> the ranges of record indices it owns, in record order.

    Records follow their function in order, so each function owns one run;
    records beyond the functions' counts belong to "(no function)".  Two
    functions may share a key (a name): their runs are one group."""
    out: dict[str, list[range]] = {}
    *runs, rest = record_runs(sm.functions, v.record_count)
    for key, run in zip(keys, runs):
        out.setdefault(key, []).append(run)
    if rest:
        out.setdefault("(no function)", []).append(rest)
    return out


def _indices(ranges: list[range]) -> list[int] | range:
    return ranges[0] if len(ranges) == 1 else [i for r in ranges for i in r]


def _nths(ids, indices) -> list[int]:
    """For each record of a group, how many earlier ones share its id."""
    seen: Counter = Counter()
    out = []
    for i in indices:
        pid = ids[i]
        out.append(seen[pid])
        seen[pid] += 1
    return out


def _ids(ids: array, ranges: list[range]) -> array:
    """The ids of a group's records, in order (slices of the column)."""
    out = array(ids.typecode)
    for r in ranges:
        out += ids[r.start:r.stop]
    return out


class _Pairs(NamedTuple):
    """Matched records of one function key: A's ``xs[k]`` with B's ``ys[k]``;
    ``nths[k]`` the n-th with its id, or None to work out when needed."""

    key: str
    nths: list[int] | None
    xs: Sequence[int]
    ys: Sequence[int]


def _match(va: StackMapView, vb: StackMapView, ga: dict[str, list[range]], gb: dict[str, list[range]]):
    """Records matched by (function key, patchpoint id, n-th with that id):
    ``(only_a, only_b, pairs)``, the unmatched as ``(key, nth, index)`` in
    record order, the matched as :class:`_Pairs` by group.

    Where a group's ids run in the same order on both sides (the usual case)
    the pairs are its records position by position: no per-record key or
    tuple is made."""
    ids_a, ids_b = va.record_column("patchpoint_id"), vb.record_column("patchpoint_id")
    only_a: list[tuple[str, int, int]] = []
    only_b: list[tuple[str, int, int]] = []
    pairs: list[_Pairs] = []
    for key, ranges in ga.items():
        xs = _indices(ranges)
        if key not in gb:
            only_a.extend((key, n, i) for n, i in zip(_nths(ids_a, xs), xs))
            continue
        ys = _indices(gb[key])
        if _ids(ids_a, ranges) == _ids(ids_b, gb[key]):
            pairs.append(_Pairs(key, None, xs, ys))
            continue
        by_b = {(ids_b[j], n): j for n, j in zip(_nths(ids_b, ys), ys)}
        matched: _Pairs = _Pairs(key, [], [], [])
        for n, i in zip(_nths(ids_a, xs), xs):
            j = by_b.pop((ids_a[i], n), None)
            if j is None:
                only_a.append((key, n, i))
            else:
                matched.nths.append(n)  # type: ignore[union-attr]  # a list here
                matched.xs.append(i)  # type: ignore[attr-defined]
                matched.ys.append(j)  # type: ignore[attr-defined]
        pairs.append(matched)
        only_b.extend((key, n, j) for (_, n), j in by_b.items())
    for key, ranges in gb.items():
        if key not in ga:
            ys = _indices(ranges)
            only_b.extend((key, n, j) for n, j in zip(_nths(ids_b, ys), ys))
    only_a.sort(key=lambda t: t[2])
    only_b.sort(key=lambda t: t[2])
    return only_a, only_b, pairs


class _Nths(dict):
    """Function key -> {record index: n-th with its id}, worked out for a
    whole group at its first record that differs."""

    def __init__(self, v: StackMapView, groups: dict[str, list[range]]):
        super().__init__()
        self.ids, self.groups = v.record_column("patchpoint_id"), groups

    def __missing__(self, key: str) -> dict[int, int]:
        xs = _indices(self.groups[key])
        found = self[key] = dict(zip(xs, _nths(self.ids, xs)))
        return found


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
    ga, gb = _groups(a, va, keys_a), _groups(b, vb, keys_b)
    only_a, only_b, pairs = _match(va, vb, ga, gb)
    ids_a, ids_b = va.record_column("patchpoint_id"), vb.record_column("patchpoint_id")
    for key, n, i in only_a:
        out.append(f"record {key}/id {ids_a[i]}{_nth(n)}: only in A")
    for key, n, j in only_b:
        out.append(f"record {key}/id {ids_b[j]}{_nth(n)}: only in B")
    # Equal bytes are equal values when both are in one byte order; a
    # ConstantIndex designates the same value when the pools are equal.
    same_order = va.endian == vb.endian
    same_pool = list(a.constants) == list(b.constants)
    ci = bytes([int(LocationKind.ConstantIndex)])
    la, lb, oa, ob = va.locations, vb.locations, va.record_column("instruction_offset"), \
        vb.record_column("instruction_offset")
    kinds_a = la.column("kind").tobytes()
    record_a, record_b = va.record_bytes, vb.record_bytes
    nths = _Nths(va, ga)

    def same(i: int, j: int) -> bool:
        """Equal without making objects?"""
        return same_order and (same_pool or ci not in kinds_a[la.starts[i]:la.starts[i + 1]]) and (
            record_a(i) == record_b(j)
            or (oa[i] == ob[j] and la.record_bytes(i) == lb.record_bytes(j)
                and va.live_outs.record_bytes(i) == vb.live_outs.record_bytes(j)))

    found: list[tuple[int, list[str]]] = []
    for group in pairs:
        xs, ys = group.xs, group.ys
        if isinstance(xs, range) and isinstance(ys, range) and xs and same_order \
                and (same_pool or ci not in kinds_a[la.starts[xs.start]:la.starts[xs.stop]]) \
                and _same_bytes(va.buf, va.records_span(xs.start, xs.stop), vb.buf, vb.records_span(ys.start, ys.stop)):
            continue  # a whole function's records, the same bytes
        for k, (i, j) in enumerate(zip(xs, ys)):
            if same(i, j):
                continue
            x, y = a.records[i], b.records[j]
            lines = _record_lines(a, x, b, y, sel, arch_a, arch_b)
            if lines:
                nth = group.nths[k] if group.nths is not None else nths[group.key][i]
                label = f"record {group.key}/id {x.patchpoint_id}{_nth(nth)}"
                found.append((i, [f"{label}: {line}" for line in lines]))
    found.sort(key=lambda t: t[0])
    for _, lines in found:
        out.extend(lines)
    return out


def _same_bytes(x: bytes, span_x: tuple[int, int], y: bytes, span_y: tuple[int, int]) -> bool:
    """``x[span_x] == y[span_y]``, compared a megabyte at a time (no copy of
    the whole spans)."""
    (a, end), (b, end_y) = span_x, span_y
    if end - a != end_y - b:
        return False
    step = 1 << 20
    while a < end:
        n = min(step, end - a)
        if x[a:a + n] != y[b:b + n]:
            return False
        a, b = a + n, b + n
    return True


def _record_lines(a: StackMap, x: Record, b: StackMap, y: Record, sel, arch_a: str | None,
                  arch_b: str | None) -> list[str]:
    """How matched records ``x`` of ``a`` and ``y`` of ``b`` differ."""
    lines: list[str] = []
    if x.instruction_offset != y.instruction_offset:
        lines.append(f"instruction offset {x.instruction_offset} -> {y.instruction_offset}")
    if sel is not None and sel.candidate(x) and sel.candidate(y) and is_statepoint(x) and is_statepoint(y):
        lines.extend(compare_records(a, x, b, y, arch_a=arch_a, arch_b=arch_b))
    else:
        if len(x.locations) != len(y.locations):
            lines.append(f"{count(len(x.locations), 'location')} -> {len(y.locations)}")
        for m, (lx, ly) in enumerate(zip(x.locations, y.locations)):
            if _loc(a, lx) != _loc(b, ly):
                lines.append(f"location {m}: {describe_location(a, lx, arch_a)}, size {lx.size}"
                             f" -> {describe_location(b, ly, arch_b)}, size {ly.size}")
    lives_x = [(lo.dwarf_regnum, lo.size) for lo in x.live_outs]
    lives_y = [(lo.dwarf_regnum, lo.size) for lo in y.live_outs]
    if lives_x != lives_y:
        lines.append(f"live-outs {_lives(lives_x)} -> {_lives(lives_y)}")
    return lines


def _nth(n: int) -> str:
    return f" (#{n + 1} with this id)" if n else ""


def _lives(lives: list[tuple[int, int]]) -> str:
    return "[" + ", ".join(f"R#{r} {s}B" for r, s in lives) + "]"
