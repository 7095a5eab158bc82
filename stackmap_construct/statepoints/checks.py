"""Statepoint checks for ``validate``: each selected record against the
layout of LLVM ``Statepoints.rst`` and what a collector can use.

:func:`check` yields ``(code, message, path)`` like validate's own checks;
:data:`CODES` gives each code's severity.
"""

from __future__ import annotations

from typing import Iterator

from ..model import LocationKind, StackMap
from .decode import FLAGS_MASK, IdsArg, StatepointColumns, selection

CODES = {
    "statepoint-layout": "error",  # fewer than three leading Constants
    "statepoint-deopt-count": "error",  # N past the end of the locations
    "statepoint-odd-remainder": "error",  # an unpaired location after the deopt values
    "statepoint-gc-size": "error",  # base and derived of different sizes, or not k × the pointer size
    "statepoint-missing-id": "error",  # an id asked for that no record has
    "statepoint-gc-constant": "warning",  # a constant GC pointer other than null
    "statepoint-flags": "warning",  # flag bits LLVM does not define
    "statepoint-live-outs": "warning",  # a statepoint record has no live-outs
}

def check(stackmap: StackMap, ids: IdsArg = "auto", *, pointer_size: int = 8) -> Iterator[tuple[str, str, str]]:
    """Findings about the statepoints of ``stackmap`` selected by ``ids``
    (read from the stackmap's columns: see :class:`StatepointColumns`)."""
    sel = selection(ids)
    cols = StatepointColumns(stackmap, pointer_size=pointer_size)
    fits = cols.fits
    ids_of = cols.view.record_column("patchpoint_id")
    seen: set[int] = set()
    for ri in cols.candidates(sel):
        if sel.mode == "ids":
            seen.add(ids_of[ri])
        if not fits[ri]:
            if sel.strict:
                problem = cols.problem(ri)
                assert problem is not None
                yield problem.code, f"record id {ids_of[ri]}: {problem.message}", f"records[{ri}].{problem.path}"
            continue
        sp = cols.decode(ri)
        at = f"records[{ri}]"
        if sp.flags & ~FLAGS_MASK:
            yield ("statepoint-flags",
                   f"flags {sp.flags} has bits LLVM does not define (1 GCTransition, 2 DeoptLiveIn)",
                   f"{at}.locations[1].offset_or_small_constant")
        if sp.live_outs:
            yield ("statepoint-live-outs", f"{sp.live_outs} live-out(s): a statepoint record has none",
                   f"{at}.live_outs")
        for k, pair in enumerate(sp.gc_pointers):
            for role, loc in (("base", pair.base), ("derived", pair.derived)):
                path = f"{at}.locations[{loc.index}]"
                # Register, Direct (a stack object) and Indirect (a spill slot) are
                # places a collector updates; a constant can only be null.
                if loc.kind in (LocationKind.Constant, LocationKind.ConstantIndex):
                    if loc.value != 0:
                        yield ("statepoint-gc-constant",
                               f"gc pointer pair {k}: {role} is {loc.meaning}; a GC pointer is a place to "
                               "update, or the constant null",
                               f"{path}.kind")
                if loc.size == 0 or loc.size % pointer_size:
                    yield ("statepoint-gc-size",
                           f"gc pointer pair {k}: {role} is {loc.size} bytes, not a multiple of the "
                           f"pointer size ({pointer_size})",
                           f"{path}.size")
            if pair.base.size != pair.derived.size and pair.base.size and pair.derived.size:
                yield ("statepoint-gc-size",
                       f"gc pointer pair {k}: base is {pair.base.size} bytes, derived {pair.derived.size}: "
                       "both locations of a pair have the same size",
                       f"{at}.locations[{pair.derived.index}].size")
    if sel.mode == "ids":
        for missing in sorted(sel.ids - seen):
            yield "statepoint-missing-id", f"no record has id {missing}", "records"
