"""Finding the record of a call site: by absolute (return) address, as a
stack walker does, or by (function, instruction offset).

:class:`CallSiteIndex` is built once over one or several parsed stackmaps
(a linked image holds one per object file) and answers each query in
O(log n): addresses and offsets are kept in sorted arrays and searched with
:func:`bisect`.  It is built from the columns of the stackmaps'
:func:`~stackmap_construct.format.columns.view` (instruction offsets, the
function of each record, ids); records are made only for the answers.

:func:`select` keeps the records that match filters (address, function,
ids) as a smaller stackmap that every renderer prints as usual.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import add
from typing import Any, Iterable, Sequence

from .format.columns import view_of
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


class CallSiteIndex:
    """Records by absolute address and by (function, offset).

    ``stackmaps``: the parsed stackmaps; ``targets``: for each, one entry per
    function record with ``.symbol`` and ``.address`` (what
    :func:`stackmap_construct.symbols.resolve_functions` returns), or None to
    take each function record's own address (linked images, raw blobs read
    from memory) and no names.  Set ``use_function_addresses=False`` when
    the addresses in the function records are not final (object files).

    Built from the columns of each stackmap's :func:`view` (record offsets,
    the function of each record, ids): no record is made to build it.
    """

    def __init__(self, stackmaps: Sequence[StackMap], targets: Sequence[Sequence[Any] | None] | None = None, *,
                 use_function_addresses: bool = True):
        self.stackmaps = list(stackmaps)
        self._names: list[list[str | None]] = []
        self._bases: list[list[int | None]] = []
        for i, sm in enumerate(self.stackmaps):
            t = targets[i] if targets is not None and i < len(targets) else None
            nf = len(sm.functions)
            if t is not None:
                names = [getattr(x, "symbol", None) for x in t]
                bases = [getattr(x, "address", None) for x in t]
            else:
                names = [None] * nf
                bases = [fn.address if use_function_addresses else None for fn in sm.functions]
            # One entry per function record (a record's function index is < nf).
            self._names.append((names + [None] * nf)[:nf])
            self._bases.append((bases + [None] * nf)[:nf])
        self._views = [view_of(sm) for sm in self.stackmaps]
        self._function_of: list[array] = [v.function_of for v in self._views]
        self._offset_of: list[array] = [v.record_column("instruction_offset") for v in self._views]
        # address -> (stackmap, record): every record with a known base, in
        # (stackmap, record) order, then sorted by address (a stable sort keeps
        # that order among equal addresses).
        addrs: list[int] = []
        addr_si = array("L")
        addr_ri = array("L")
        # (function, offset) -> record, per stackmap: the key fi * 2**32 + offset
        # (offsets are u32) of the records that belong to a function, sorted.
        self._fkeys: list[list[int]] = []
        self._frec: list[array] = []
        for si, (fof, oof, bases) in enumerate(zip(self._function_of, self._offset_of, self._bases)):
            m = _owned(fof)  # records 0..m-1 belong to a function (fof is non-decreasing)
            fof_m, oof_m = fof[:m], oof[:m]
            if all(b is not None for b in bases):
                ris: Iterable[int] = range(m)
                addrs.extend(map(add, map(bases.__getitem__, fof_m), oof_m))
            else:
                known = [b is not None for b in bases]
                ris = list(compress(range(m), map(known.__getitem__, fof_m)))
                addrs.extend(bases[fof_m[r]] + oof_m[r] for r in ris)
            before = len(addr_ri)
            addr_ri.extend(ris)
            addr_si.extend(repeat(si, len(addr_ri) - before))
            keys = list(map(add, map(_SHIFT.__mul__, fof_m), oof_m))
            order = sorted(range(m), key=keys.__getitem__)
            self._fkeys.append(list(map(keys.__getitem__, order)))
            self._frec.append(array("L", order))
        order = sorted(range(len(addrs)), key=addrs.__getitem__)
        self._addr = list(map(addrs.__getitem__, order))
        self._addr_si = array("L", map(addr_si.__getitem__, order))
        self._addr_ri = array("L", map(addr_ri.__getitem__, order))
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
        base = self._bases[si][fi]
        name = self._names[si][fi]
        return CallSite(si, ri, fi, name, offset, base + offset if base is not None else None, sm)

    def at(self, address: int) -> list[CallSite]:
        """The records whose absolute address is ``address`` (the return
        address after the call), in stackmap and record order."""
        lo = bisect_left(self._addr, address)
        hi = bisect_right(self._addr, address, lo)
        return [self._site(self._addr_si[k], self._addr_ri[k]) for k in range(lo, hi)]

    def functions(self, name: str) -> list[tuple[int, int]]:
        """(stackmap, function index) of every function record named ``name``."""
        return list(self._by_name.get(name, []))

    def records_of(self, stackmap: int, function: int) -> range:
        """The record indices of function record ``function`` of ``stackmap``
        (consecutive, from the record counts)."""
        fof = self._function_of[stackmap]
        m = _owned(fof)
        return range(bisect_left(fof, function, 0, m), bisect_right(fof, function, 0, m))

    def with_ids(self, stackmap: int, ids: Iterable[int]) -> list[int]:
        """The record indices of ``stackmap`` whose patchpoint id is one of ``ids``."""
        wanted = set(ids)
        col = self._views[stackmap].record_column("patchpoint_id")
        return list(compress(range(len(col)), map(wanted.__contains__, col)))

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
            if not 0 <= si < len(self._fkeys) or fi < 0 or not 0 <= offset < _SHIFT:
                continue
            key = fi * _SHIFT + offset
            found = self._fkeys[si]
            lo = bisect_left(found, key)
            hi = bisect_right(found, key, lo)
            out.extend(self._site(si, self._frec[si][k]) for k in range(lo, hi))
        return out


#: (function, offset) keys: function index times this plus the u32 offset
_SHIFT = 1 << 32


def _owned(function_of: array) -> int:
    """How many records belong to a function record: a prefix, since
    ``function_of`` is non-decreasing there and -1 (beyond the counts' sum)
    after it."""
    n = len(function_of)
    if not n or function_of[n - 1] >= 0:
        return n
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if function_of[mid] < 0:
            hi = mid
        else:
            lo = mid + 1
    return lo


def select(stackmap: StackMap, targets: Sequence[Any] | None, keep: Iterable[int]) -> tuple[StackMap, list[Any]]:
    """A stackmap of just the records ``keep`` (indices) and the functions
    they belong to, each function's ``record_count`` the number kept; all
    constants stay, so ConstantIndex locations keep their meaning.
    Returns it with the matching ``targets`` (one per kept function).
    Only the kept records are made into objects (the function of each
    comes from the view's column)."""
    records = stackmap.records
    n = len(records)
    wanted = sorted(ri for ri in set(keep) if 0 <= ri < n)
    kept: dict[int | None, list[Record]] = {}
    if wanted:
        function_of = view_of(stackmap).function_of
        for ri in wanted:
            fi = function_of[ri]
            kept.setdefault(fi if fi >= 0 else None, []).append(records[ri])
    functions: list[Function] = []
    kept_targets: list[Any] = []
    out: list[Record] = []
    for fi, mine in kept.items():
        if fi is None:
            continue
        fn = stackmap.functions[fi]
        functions.append(Function(fn.address, fn.stack_size, len(mine)))
        kept_targets.append(targets[fi] if targets is not None and fi < len(targets) else FunctionTarget(None, None))
        out.extend(mine)
    out.extend(kept.get(None, []))
    return StackMap(stackmap.version, functions, list(stackmap.constants), out), kept_targets
