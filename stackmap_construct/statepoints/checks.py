"""Statepoint checks for ``validate``: each selected record against the
layout of LLVM ``Statepoints.rst`` and what a collector can use.

:func:`check` yields ``(code, message, path)`` like validate's own checks;
:data:`CODES` gives each code's severity.
"""

from __future__ import annotations

from typing import Iterator

from ..lookup import iter_records
from ..model import LocationKind, StackMap
from .decode import FLAGS_MASK, IdsArg, decode_record, layout_problem, selection

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
    """Findings about the statepoints of ``stackmap`` selected by ``ids``."""
    sel = selection(ids)
    seen: set[int] = set()
    for _, ri, record in iter_records(stackmap):
        if not sel.candidate(record):
            continue
        seen.add(record.patchpoint_id)
        problem = layout_problem(record)
        if problem is not None:
            if sel.strict:
                yield problem.code, f"record id {record.patchpoint_id}: {problem.message}", f"records[{ri}].{problem.path}"
            continue
        sp = decode_record(stackmap, record, record_index=ri, pointer_size=pointer_size)
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
