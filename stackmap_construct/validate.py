"""Semantic checks of a parsed stackmap: things that parse but are wrong or
suspicious.  Structural problems (truncation, non-zero reserved bytes…) are
parse errors and never reach here.

The checks run over the columnar view of the stackmap
(:func:`~stackmap_construct.format.view`): columns of every location at once,
offsets from the view, never a walk of the bytes.

Each finding has a severity ("error" or "warning"), a stable code, a message,
the field path and the byte offset of that field in the blob.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from .format.api import view
from .format.columns import StackMapView
from .format.v3 import HEADER_SIZE
from .model import DYNAMIC_STACK_SIZE, LocationKind, StackMap
from .registers import frame_registers, register_name
from .statepoints import checks as statepoint_checks
from .statepoints.decode import IdsArg
from .wording import there_are


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


def validate(
    stackmap: StackMap,
    *,
    arch: str | None = None,
    linked: bool = False,
    resolved_functions: Sequence[bool] | None = None,
    endian: str = "little",
    statepoints: IdsArg | None = None,
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
    v = view(stackmap, endian=endian)
    raw = list(_check(stackmap, v, arch, linked, resolved_functions))
    if statepoints is not None:
        raw.extend((code, message, path, None) for code, message, path in
                   statepoint_checks.check(stackmap, statepoints, pointer_size=pointer_size))
    findings = [Finding(CODES[code], code, message, path, _offset(v, path) if offset is None else offset)
                for code, message, path, offset in raw]
    return sorted(findings, key=lambda f: (f.offset is None, f.offset))


def _offset(v: StackMapView, path: str) -> int:
    try:
        return v.offset_of(path)
    except (KeyError, IndexError):
        return HEADER_SIZE  # a path the blob has no field for


_Raw = tuple[str, str, str, "int | None"]  # code, message, path, offset (None: from the path)


def _check(stackmap: StackMap, v: StackMapView, arch, linked, resolved) -> Iterable[_Raw]:
    total = sum(f.record_count for f in stackmap.functions)
    if total != v.record_count:
        yield ("record-count-sum",
               f"the functions' record counts sum to {total} but {there_are(v.record_count, 'record')}",
               "functions", None)
    for i, fn in enumerate(stackmap.functions):
        if fn.stack_size == DYNAMIC_STACK_SIZE:
            yield ("dynamic-stack-size",
                   "stack size 0xFFFFFFFFFFFFFFFF: LLVM's marker for a dynamically sized frame (e.g. dynamic alloca)",
                   f"functions[{i}].stack_size", None)
        if linked and fn.address == 0 and not (resolved and i < len(resolved) and resolved[i]):
            yield ("zero-function-address",
                   "function address is 0 in a linked image and no relocation supplies it",
                   f"functions[{i}].address", None)
    yield from _duplicates(v)
    yield from _locations(stackmap, v, arch)


def _duplicates(v: StackMapView) -> Iterable[_Raw]:
    keys = list(zip(v.function_of, v.record_column("instruction_offset"), v.record_column("patchpoint_id")))
    if len(set(keys)) == len(keys):
        return
    seen: Counter = Counter()
    for ri, key in enumerate(keys):
        seen[key] += 1
        if seen[key] == 2:
            _, offset, pid = key
            yield ("duplicate-record",
                   f"another record of the same function has id {pid} at instruction offset {offset}",
                   f"records[{ri}]", v.record_offsets[ri])


def _locations(stackmap: StackMap, v: StackMapView, arch) -> Iterable[_Raw]:
    table = v.locations
    if not len(table):
        return
    kinds, sizes = table.column("kind"), table.column("size")
    starts = table.starts
    fixed = table.fixed

    def where(row: int, field: str) -> tuple[str, int]:
        ri = bisect_right(starts, row) - 1
        li = row - starts[ri]
        return (f"records[{ri}].locations[{li}].{field}",
                table.offset(ri, li) + fixed.leaf(field).offset)

    # ConstantIndex out of range: only the ConstantIndex rows are looked at.
    n_constants = len(stackmap.constants)
    values = table.column("offset_or_small_constant")
    raw_kinds = kinds.tobytes()
    ci = int(LocationKind.ConstantIndex)
    row = raw_kinds.find(ci)
    while row >= 0:
        value = values[row]
        if not 0 <= value < n_constants:
            path, offset = where(row, "offset_or_small_constant")
            yield ("constant-index-range", f"ConstantIndex {value} but {there_are(n_constants, 'constant')}", path, offset)
        row = raw_kinds.find(ci, row + 1)
    # Sizes: the distinct values first; rows only for a bad one.
    bad_sizes = {s for s in set(sizes) if s == 0 or s & (s - 1)}
    if bad_sizes:
        for row, size in enumerate(sizes):
            if size in bad_sizes:
                path, offset = where(row, "size")
                if size == 0:
                    yield ("zero-location-size", "location size is 0", path, offset)
                else:
                    yield ("unusual-location-size",
                           f"location size {size} is not a power of two (no register or slot has that width)",
                           path, offset)
    # Direct/Indirect not based on the stack or frame pointer.
    frame_regs = frame_registers(arch)
    if frame_regs:
        based = (int(LocationKind.Direct), int(LocationKind.Indirect))
        regnums = table.column("dwarf_regnum")
        bad = {(k, r) for k, r in _pairs(kinds, regnums) if k in based and r not in frame_regs}
        if bad:
            bases = ", ".join(f"R#{r} ({register_name(arch, r)})" for r in sorted(frame_regs))
            for row, pair in enumerate(zip(kinds, regnums)):
                if pair in bad:
                    kind, reg = pair
                    name = register_name(arch, reg) or "?"
                    path, offset = where(row, "dwarf_regnum")
                    yield ("frame-register",
                           f"{LocationKind(kind).name} location based on R#{reg} ({name}), "
                           f"not the stack or frame pointer ({bases})",
                           path, offset)


def _pairs(kinds: array, regnums: array) -> set[tuple[int, int]]:
    """The distinct (kind, register) pairs of the locations.  Each row is
    packed into one machine word, ``register << 16 | kind``, by strided
    copies, so that the set is made of words rather than a tuple per row."""
    if kinds.itemsize != 1 or regnums.itemsize != 2:  # pragma: no cover  (the definition's widths)
        return set(zip(kinds, regnums))
    # where the kind byte and the register's two (machine-order) bytes go
    k, r = (0, 2) if sys.byteorder == "little" else (3, 0)
    packed = bytearray(4 * len(kinds))
    regs = regnums.tobytes()
    packed[k::4] = kinds.tobytes()
    packed[r::4], packed[r + 1::4] = regs[0::2], regs[1::2]
    return {(w & 0xFF, w >> 16) for w in set(memoryview(packed).cast("I"))}
