"""Semantic checks of a parsed stackmap: things that parse but are wrong or
suspicious.  Structural problems (truncation, non-zero reserved bytes…) are
parse errors and never reach here.

Each finding has a severity ("error" or "warning"), a stable code, a message,
the field path and the byte offset of that field in the blob.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from stackmap_construct.format import build
from stackmap_construct.format.v3 import HEADER_SIZE
from stackmap_construct.format.walk import walk
from stackmap_construct.model import DYNAMIC_STACK_SIZE, LocationKind, StackMap
from stackmap_construct.registers import frame_registers, register_name
from stackmap_construct.statepoints import checks as statepoint_checks


@dataclass(frozen=True)
class Finding:
    severity: str  #: "error" or "warning"
    code: str  #: stable identifier, e.g. "record-count-sum"
    message: str
    path: str
    offset: int | None

    def describe(self) -> str:
        where = f"offset {self.offset} (0x{self.offset:x})" if self.offset is not None else "no offset"
        return f"{self.severity}: {self.code}: {self.message} [at {self.path}, {where}]"


#: Every code validate() can report, with its severity.
CODES = {
    "record-count-sum": "error",
    "constant-index-range": "error",
    "zero-location-size": "error",
    "zero-function-address": "error",
    "dynamic-stack-size": "warning",
    "frame-register": "warning",
    "unusual-location-size": "warning",
    "duplicate-record": "warning",
}
#: Statepoint checks, made when asked (``validate(..., statepoints=...)``).
CODES.update(statepoint_checks.CODES)


def _offsets(stackmap: StackMap, endian: str) -> dict[str, int]:
    """Offset of every field path and of every enclosing path (its first
    field).  ``build`` reproduces the blob exactly, so walking the built
    bytes gives the offsets of the original."""
    offsets: dict[str, int] = {}
    for event in walk(build(stackmap, endian=endian), endian=endian):
        path = event.path
        offsets.setdefault(path, event.offset)
        while True:
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
            offsets.setdefault(path, event.offset)
    return offsets


def validate(
    stackmap: StackMap,
    *,
    arch: str | None = None,
    linked: bool = False,
    resolved_functions: Sequence[bool] | None = None,
    endian: str = "little",
    statepoints: str | object | None = None,
    pointer_size: int = 8,
) -> list[Finding]:
    """Check ``stackmap``; return the findings in blob order.

    ``arch`` ("x86_64", "aarch64", "ppc64", "s390x") enables the register
    checks.  ``linked``: the blob comes from a linked image, where a function
    address of 0 is wrong unless a dynamic relocation supplies it; pass
    ``resolved_functions[i]`` True for the functions whose address a
    relocation supplies (shared objects).  ``statepoints`` ("auto", "all",
    ids such as "101,0xABCDEF00" or a set of ints) adds the statepoint
    checks of :mod:`stackmap_construct.statepoints.checks` for those records.
    """
    raw: list[tuple[str, str, str]] = list(_check(stackmap, arch, linked, resolved_functions))
    if statepoints is not None:
        raw.extend(statepoint_checks.check(stackmap, statepoints, pointer_size=pointer_size))  # type: ignore[arg-type]
    if not raw:
        return []
    offsets = _offsets(stackmap, endian)
    findings = [
        Finding(CODES[code], code, message, path, offsets.get(path, offsets.get("num_" + path, HEADER_SIZE)))
        for code, message, path in raw
    ]
    return sorted(findings, key=lambda f: (f.offset is None, f.offset))


def _check(stackmap: StackMap, arch, linked, resolved) -> Iterable[tuple[str, str, str]]:
    total = sum(f.record_count for f in stackmap.functions)
    if total != len(stackmap.records):
        yield ("record-count-sum",
               f"the functions' record counts sum to {total} but "
               + ("there is 1 record" if len(stackmap.records) == 1 else f"there are {len(stackmap.records)} records"),
               "functions")
    for i, fn in enumerate(stackmap.functions):
        if fn.stack_size == DYNAMIC_STACK_SIZE:
            yield ("dynamic-stack-size",
                   "stack size 0xFFFFFFFFFFFFFFFF: LLVM's marker for a dynamically sized frame (e.g. dynamic alloca)",
                   f"functions[{i}].stack_size")
        if linked and fn.address == 0 and not (resolved and i < len(resolved) and resolved[i]):
            yield ("zero-function-address",
                   "function address is 0 in a linked image and no relocation supplies it",
                   f"functions[{i}].address")

    frame_regs = frame_registers(arch)
    seen: Counter = Counter()
    # The function of each record, from the record counts; walked group by
    # group, since a corrupt count can be far larger than the records.
    function_of: list[int | None] = []
    for fi, (fn, records) in enumerate(stackmap.records_by_function()):
        function_of.extend([fi if fn is not None else None] * len(records))
    for ri, rec in enumerate(stackmap.records):
        key = (function_of[ri], rec.instruction_offset, rec.patchpoint_id)
        seen[key] += 1
        if seen[key] == 2:
            yield ("duplicate-record",
                   f"another record of the same function has id {rec.patchpoint_id} "
                   f"at instruction offset {rec.instruction_offset}",
                   f"records[{ri}]")
        for li, loc in enumerate(rec.locations):
            path = f"records[{ri}].locations[{li}]"
            if loc.kind == LocationKind.ConstantIndex and not 0 <= loc.offset_or_small_constant < len(stackmap.constants):
                yield ("constant-index-range",
                       f"ConstantIndex {loc.offset_or_small_constant} but "
                       + ("there is 1 constant" if len(stackmap.constants) == 1
                          else f"there are {len(stackmap.constants)} constants"),
                       f"{path}.offset_or_small_constant")
            if loc.size == 0:
                yield ("zero-location-size", "location size is 0", f"{path}.size")
            elif loc.size & (loc.size - 1):
                yield ("unusual-location-size",
                       f"location size {loc.size} is not a power of two (no register or slot has that width)",
                       f"{path}.size")
            if frame_regs and loc.kind in (LocationKind.Direct, LocationKind.Indirect) \
                    and loc.dwarf_regnum not in frame_regs:
                name = register_name(arch, loc.dwarf_regnum) or "?"
                bases = ", ".join(f"R#{r} ({register_name(arch, r)})" for r in sorted(frame_regs))
                yield ("frame-register",
                       f"{loc.kind.name} location based on R#{loc.dwarf_regnum} ({name}), "
                       f"not the stack or frame pointer ({bases})",
                       f"{path}.dwarf_regnum")
