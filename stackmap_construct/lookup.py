"""Finding the record of a call site: by absolute (return) address, as a
stack walker does, or by (function, instruction offset).

:class:`CallSiteIndex` is built once over one or several parsed stackmaps
(a linked image holds one per object file) and answers each query in
O(log n): addresses and offsets are kept in sorted arrays and searched with
:func:`bisect`.  Records are materialised only for the answers.

:func:`select` keeps the records that match filters (address, function,
ids) as a smaller stackmap that every renderer prints as usual.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from .model import Function, Record, StackMap
from .symbols import FunctionTarget


@dataclass(frozen=True)
class CallSite:
    """One record found by a lookup; the record itself is made on access."""

    stackmap: int  #: index of the stackmap (blob) in the index
    record_index: int  #: index in that stackmap's records
    function_index: int | None  #: its function record (None: beyond every record count)
    function: str | None  #: the function's symbol, when known
    instruction_offset: int
    address: int | None  #: function address + instruction offset, when the address is known
    source: StackMap = field(repr=False, compare=False)

    @property
    def record(self) -> Record:
        return self.source.records[self.record_index]


def iter_records(stackmap: StackMap) -> Iterator[tuple[int | None, int, Record]]:
    """(function index or None, record index, record) of every record, in
    order, the function from the record counts.  Records of a lazily parsed
    stackmap are made one at a time and not kept (``records.peek()``)."""
    records = stackmap.records
    it = records.peek() if hasattr(records, "peek") else iter(records)
    counts = [fn.record_count for fn in stackmap.functions]
    fi, left = 0, counts[0] if counts else 0
    for ri, record in enumerate(it):
        while fi < len(counts) and left == 0:
            fi += 1
            left = counts[fi] if fi < len(counts) else 0
        if fi < len(counts):
            left -= 1
            yield fi, ri, record
        else:
            yield None, ri, record


def _offsets(stackmap: StackMap) -> Iterator[tuple[int | None, int, int]]:
    """(function index, record index, instruction offset) of every record."""
    for fi, ri, record in iter_records(stackmap):
        yield fi, ri, record.instruction_offset


class CallSiteIndex:
    """Records by absolute address and by (function, offset).

    ``stackmaps``: the parsed stackmaps; ``targets``: for each, one entry per
    function record with ``.symbol`` and ``.address`` (what
    :func:`stackmap_construct.symbols.resolve_functions` returns), or None to
    take each function record's own address (linked images, raw blobs read
    from memory) and no names.  Set ``use_function_addresses=False`` when
    the addresses in the function records are not final (object files).
    """

    def __init__(self, stackmaps: Sequence[StackMap], targets: Sequence[Sequence[Any] | None] | None = None, *,
                 use_function_addresses: bool = True):
        self.stackmaps = list(stackmaps)
        self._names: list[list[str | None]] = []
        self._bases: list[list[int | None]] = []
        for i, sm in enumerate(self.stackmaps):
            t = targets[i] if targets is not None and i < len(targets) else None
            if t is not None:
                self._names.append([getattr(x, "symbol", None) for x in t])
                self._bases.append([getattr(x, "address", None) for x in t])
            else:
                self._names.append([None] * len(sm.functions))
                self._bases.append([fn.address if use_function_addresses else None for fn in sm.functions])
        # Sorted parallel arrays: address -> (stackmap, record); (function key, offset) -> record.
        rows: list[tuple[int, int, int]] = []
        frows: list[tuple[int, int, int, int]] = []
        self._function_of: list[array] = []
        self._offset_of: list[array] = []
        for si, sm in enumerate(self.stackmaps):
            fof, oof = array("q"), array("L")
            for fi, ri, off in _offsets(sm):
                fof.append(-1 if fi is None else fi)
                oof.append(off)
                base = self._bases[si][fi] if fi is not None and fi < len(self._bases[si]) else None
                if base is not None:
                    rows.append((base + off, si, ri))
                if fi is not None:
                    frows.append((si, fi, off, ri))
            self._function_of.append(fof)
            self._offset_of.append(oof)
        rows.sort()
        frows.sort()
        self._addr = [r[0] for r in rows]
        self._addr_at = [(r[1], r[2]) for r in rows]
        self._fkey = [(r[0], r[1], r[2]) for r in frows]
        self._fkey_rec = array("q", (r[3] for r in frows))
        self._by_name: dict[str, list[tuple[int, int]]] = {}
        for si, names in enumerate(self._names):
            for fi, name in enumerate(names):
                if name:
                    self._by_name.setdefault(name, []).append((si, fi))

    @classmethod
    def from_blobs(cls, blobs: Iterable[Any]) -> "CallSiteIndex":
        """From objects with ``.stackmap`` and ``.targets`` (the CLI's loaded blobs)."""
        blobs = list(blobs)
        return cls([b.stackmap for b in blobs], [b.targets for b in blobs])

    def __len__(self) -> int:
        return sum(len(sm.records) for sm in self.stackmaps)

    @property
    def has_addresses(self) -> bool:
        """Some record has an absolute address (a linked image)."""
        return len(self._addr) > 0

    def _site(self, si: int, ri: int) -> CallSite:
        sm = self.stackmaps[si]
        fi = self._function_of[si][ri]
        offset = self._offset_of[si][ri]
        if fi < 0:
            return CallSite(si, ri, None, None, offset, None, sm)
        base = self._bases[si][fi] if fi < len(self._bases[si]) else None
        name = self._names[si][fi] if fi < len(self._names[si]) else None
        return CallSite(si, ri, fi, name, offset, base + offset if base is not None else None, sm)

    def at(self, address: int) -> list[CallSite]:
        """The records whose absolute address is ``address`` (the return
        address after the call), in stackmap and record order."""
        lo = bisect_left(self._addr, address)
        hi = bisect_right(self._addr, address, lo)
        return [self._site(*self._addr_at[k]) for k in range(lo, hi)]

    def functions(self, name: str) -> list[tuple[int, int]]:
        """(stackmap, function index) of every function record named ``name``."""
        return list(self._by_name.get(name, []))

    def at_offset(self, function: str | int | tuple[int, int], offset: int) -> list[CallSite]:
        """The records at instruction ``offset`` of ``function``: a symbol,
        a function index (of stackmap 0), or (stackmap, function index)."""
        if isinstance(function, str):
            keys = self.functions(function)
        elif isinstance(function, tuple):
            keys = [function]
        else:
            keys = [(0, function)]
        out: list[CallSite] = []
        for si, fi in keys:
            lo = bisect_left(self._fkey, (si, fi, offset))
            hi = bisect_right(self._fkey, (si, fi, offset), lo)
            out.extend(self._site(si, self._fkey_rec[k]) for k in range(lo, hi))
        return out


def select(stackmap: StackMap, targets: Sequence[Any] | None, keep: Iterable[int]) -> tuple[StackMap, list[Any]]:
    """A stackmap of just the records ``keep`` (indices) and the functions
    they belong to, each function's ``record_count`` the number kept; all
    constants stay, so ConstantIndex locations keep their meaning.
    Returns it with the matching ``targets`` (one per kept function)."""
    wanted = sorted(set(keep))
    kept: dict[int | None, list[Record]] = {}
    chosen = set(wanted)
    for fi, ri, record in iter_records(stackmap) if wanted else ():
        if ri in chosen:
            kept.setdefault(fi, []).append(record)
    functions: list[Function] = []
    kept_targets: list[Any] = []
    records: list[Record] = []
    for fi, mine in kept.items():
        if fi is None:
            continue
        fn = stackmap.functions[fi]
        functions.append(Function(fn.address, fn.stack_size, len(mine)))
        kept_targets.append(targets[fi] if targets is not None and fi < len(targets) else FunctionTarget(None, None))
        records.extend(mine)
    records.extend(kept.get(None, []))
    return StackMap(stackmap.version, functions, list(stackmap.constants), records), kept_targets
