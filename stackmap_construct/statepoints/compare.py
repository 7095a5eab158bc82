"""Two statepoint records compared by role, for ``diff``: calling
convention and flags by value, deopt values as a sequence (one removed
value is reported as exactly that, not as a change of every later
location), GC pointer pairs as a multiset (their order is an artefact of
lowering; each unique pair appears at least once)."""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher

from ..model import Record, StackMap
from .decode import ResolvedLocation, Statepoint, decode_record


def _meaning(loc: ResolvedLocation) -> tuple:
    """What a location denotes: ConstantIndex by its value, so a reordered
    constant pool is no difference."""
    if loc.value is not None:
        return ("constant", loc.value, loc.size)
    return (loc.kind, loc.size, loc.dwarf_regnum, loc.offset_or_small_constant)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def compare_statepoints(a: Statepoint, b: Statepoint) -> list[str]:
    """The differences of two decoded statepoints, one per line."""
    out: list[str] = []
    if a.calling_convention != b.calling_convention:
        out.append(f"statepoint calling convention {a.calling_convention} -> {b.calling_convention}")
    if a.flags != b.flags:
        out.append(f"statepoint flags {a.flags} -> {b.flags}")

    da, db = [_meaning(x) for x in a.deopt], [_meaning(x) for x in b.deopt]
    if da != db:
        summary = f" ({_plural(len(da), 'deopt value')} -> {len(db)})" if len(da) != len(db) else ""
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, da, db, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    out.append(f"deopt value {i}: {a.deopt[i].meaning} -> {b.deopt[j].meaning}")
                continue
            for i in range(i1, i2):
                out.append(f"deopt value {i} removed: {a.deopt[i].meaning}{summary}")
            for j in range(j1, j2):
                out.append(f"deopt value {j} added: {b.deopt[j].meaning}{summary}")

    def pairs(sp: Statepoint) -> Counter:
        return Counter((_meaning(p.base), _meaning(p.derived)) for p in sp.gc_pointers)

    def first(sp: Statepoint) -> dict:
        found: dict = {}
        for p in sp.gc_pointers:
            found.setdefault((_meaning(p.base), _meaning(p.derived)), p)
        return found

    pa, pb = pairs(a), pairs(b)
    if pa != pb:
        fa, fb = first(a), first(b)
        total = f" ({_plural(len(a.gc_pointers), 'gc pointer pair')} -> {len(b.gc_pointers)})" \
            if len(a.gc_pointers) != len(b.gc_pointers) else ""
        for key in (pa - pb).elements():
            p = fa[key]
            out.append(f"gc pointer pair only in A: base {p.base.meaning}, derived {p.derived.meaning}{total}")
        for key in (pb - pa).elements():
            p = fb[key]
            out.append(f"gc pointer pair only in B: base {p.base.meaning}, derived {p.derived.meaning}{total}")
    return out


def compare_records(a: StackMap, x: Record, b: StackMap, y: Record, *,
                    arch_a: str | None = None, arch_b: str | None = None) -> list[str]:
    """Both records decoded as statepoints and compared by role (both must fit)."""
    return compare_statepoints(decode_record(a, x, arch=arch_a), decode_record(b, y, arch=arch_b))
