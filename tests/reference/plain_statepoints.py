"""Plain reference code for the statepoint decoder and the call-site
index: straightforward loops over record objects (what the library did
before it read the columnar view), for tests/test_statepoints_columns.py."""

from __future__ import annotations

from typing import Any, Sequence

from stackmap_construct import StatepointError, build
from stackmap_construct.format.walk import walk
from stackmap_construct.model import StackMap
from stackmap_construct.statepoints import Statepoint, decode_record, layout_problem, selection


def function_of(stackmap: StackMap) -> list[int | None]:
    """The function record of every record, counting the record counts."""
    out: list[int | None] = []
    for fi, fn in enumerate(stackmap.functions):
        out.extend([fi] * fn.record_count)
    out = out[:len(stackmap.records)]
    return out + [None] * (len(stackmap.records) - len(out))


def field_offset(stackmap: StackMap, path: str, endian: str) -> int | None:
    """The offset of ``records[i]...`` from building the records before it
    and walking a blob of that one record (field by field, the definition's walk)."""
    head, _, rest = path.partition("]")
    index = int(head[len("records["):])
    before = StackMap(stackmap.version, list(stackmap.functions), list(stackmap.constants),
                      list(stackmap.records[:index]))
    start = len(build(before, endian=endian))
    one = build(StackMap(stackmap.version, [], [], [stackmap.records[index]]), endian=endian)
    record_start = None
    for event in walk(one, endian=endian):
        if record_start is None and event.path.startswith("records[0]"):
            record_start = event.offset
        if event.path == "records[0]" + rest or event.path.startswith(("records[0]" + rest + ".",
                                                                        "records[0]" + rest + "[")):
            return start + event.offset - (record_start or 0)
    return None


def decode(stackmap: StackMap, ids: Any = "auto", *, arch: str | None = None, pointer_size: int = 8,
           targets: Sequence[Any] | None = None, blob: int = 0, endian: str = "little") -> list[Statepoint]:
    sel = selection(ids)
    out = []
    for ri, (record, fi) in enumerate(zip(stackmap.records, function_of(stackmap))):
        if sel.mode == "ids" and record.patchpoint_id not in sel.ids:
            continue
        problem = layout_problem(record)
        if problem is not None:
            if not sel.strict:
                continue
            path = f"records[{ri}].{problem.path}"
            raise StatepointError(f"record #{ri} (id {record.patchpoint_id}) is not a statepoint: {problem.message}",
                                  code=problem.code, path=path, offset=field_offset(stackmap, path, endian))
        out.append(decode_record(stackmap, record, record_index=ri, function_index=fi, arch=arch,
                                 pointer_size=pointer_size, targets=targets, blob=blob))
    return out


def at(stackmaps: Sequence[StackMap], bases: Sequence[Sequence[int | None]], address: int) -> list[tuple[int, int]]:
    """(stackmap, record) of every record whose function base + offset is ``address``, in order."""
    out = []
    for si, sm in enumerate(stackmaps):
        for ri, (record, fi) in enumerate(zip(sm.records, function_of(sm))):
            if fi is not None and fi < len(bases[si]) and bases[si][fi] is not None \
                    and bases[si][fi] + record.instruction_offset == address:
                out.append((si, ri))
    return out


def at_offset(stackmap: StackMap, function: int, offset: int) -> list[int]:
    return [ri for ri, (record, fi) in enumerate(zip(stackmap.records, function_of(stackmap)))
            if fi == function and record.instruction_offset == offset]


# validate's statepoint checks, record by record over objects
from stackmap_construct.model import LocationKind  # noqa: E402
from stackmap_construct.statepoints.decode import FLAGS_MASK  # noqa: E402
from typing import Iterator  # noqa: E402
IdsArg = Any


def check(stackmap: StackMap, ids: IdsArg = "auto", *, pointer_size: int = 8) -> Iterator[tuple[str, str, str]]:
    """Findings about the statepoints of ``stackmap`` selected by ``ids``."""
    sel = selection(ids)
    seen: set[int] = set()
    for ri, record in enumerate(stackmap.records):
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
