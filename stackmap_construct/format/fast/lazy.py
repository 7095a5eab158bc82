"""Records materialized on access.

A parsed blob of 50 MB holds about 360,000 records and 2.9 million
locations; as Python objects they take a gigabyte.  :class:`RecordList`
keeps the validated bytes and an index of where each record starts (in the
spirit of LLVM's own ``StackMapParser``) and makes a
:class:`~stackmap_construct.model.Record` (with plain lists of Location and
LiveOut objects) the first time an index is read.

It behaves as a list of records: ``len``, indexing, slicing, iteration,
``==`` with plain lists and other RecordLists, and the mutating methods.
Records, once made, are kept, so changing one (``sm.records[0].locations.
append(...)``) changes the stackmap, exactly as with a plain list; the first
structural change (``append``, ``sm.records[0] = ...``) turns the list into
a plain one inside.
"""

from __future__ import annotations

import operator
from collections.abc import MutableSequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

from ...model import Record


class RecordList(MutableSequence):
    """A list of :class:`~stackmap_construct.model.Record` backed by a
    validated blob (see the module doc)."""

    __slots__ = ("_blob", "_cache", "_items")
    __hash__ = None  # type: ignore[assignment]  # lists are not hashable

    def __init__(self, blob):
        self._blob = blob  #: the BlobIndex the records are read from
        self._cache: dict[int, Record] = {}  #: records made so far, by index
        self._items: list | None = None  #: the plain list, after a structural change

    # -- the public face (for build, the renderers and the view) -------------
    @property
    def blob_index(self):
        """The parsed bytes the records are read from (a
        :class:`~.parser.BlobIndex`), or None once the list was changed
        structurally (it is then a plain list inside)."""
        return self._blob if self._items is None else None

    def materialized(self) -> dict[int, Record]:
        """The records made into objects so far, by index (they may have
        been changed); empty after a structural change (see :attr:`index`)."""
        return dict(self._cache) if self._items is None else {}

    def plain_data(self) -> list[dict] | None:
        """The plain-data form of the records, made from the bytes in bulk
        (see :func:`~stackmap_construct.model.to_dict`); None when records
        were changed since parsing."""
        if self._items is not None or not self.unchanged():
            return None
        from ..columns import records_plain_data

        return records_plain_data(self._blob)

    # -- reading -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items) if self._items is not None else self._blob.count

    def _get(self, i: int) -> Record:
        record = self._cache.get(i)
        if record is None:
            record = self._cache[i] = self._blob.record(i)
        return record

    def __getitem__(self, index):
        if self._items is not None:
            return self._items[index]
        if isinstance(index, slice):
            wanted = range(*index.indices(self._blob.count))
            cache = self._cache
            if len(wanted) > 1 and wanted.step == 1 and wanted.start not in cache:
                for i, record in enumerate(self._blob.records(wanted.start, wanted.stop), wanted.start):
                    cache.setdefault(i, record)
            return [self._get(i) for i in wanted]
        i = operator.index(index)
        n = self._blob.count
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return self._get(i)

    def __iter__(self) -> Iterator[Record]:
        # Like a list iterator: by index, until the index runs past the end;
        # the records not made yet are made a run at a time.
        i = 0
        while True:
            if self._items is None and i not in self._cache and i < self._blob.count:
                self._make_run(i)
            try:
                item = self[i]
            except IndexError:
                return
            yield item
            i += 1

    #: records made together when iterating
    RUN = 1024

    def _make_run(self, start: int) -> None:
        """Make records ``start`` on (up to :attr:`RUN`) at once, keeping any
        already made (they may have been changed)."""
        stop = min(self._blob.count, start + self.RUN)
        cache = self._cache
        for i, record in enumerate(self._blob.records(start, stop), start):
            cache.setdefault(i, record)

    def __reversed__(self) -> Iterator[Record]:
        for i in range(len(self) - 1, -1, -1):
            yield self[i]

    def __contains__(self, value) -> bool:
        return any(r is value or r == value for r in self.peek())

    def peek(self) -> Iterator[Record]:
        """The records in order, without keeping the ones not made yet
        (for comparing and printing a large stackmap)."""
        if self._items is not None:
            yield from self._items
            return
        cache, blob = self._cache, self._blob
        for start in range(0, blob.count, self.RUN):
            stop = min(blob.count, start + self.RUN)
            made = blob.records(start, stop)
            for i in range(start, stop):
                record = cache.get(i)
                yield record if record is not None else made[i - start]

    @property
    def pristine(self) -> bool:
        """Nothing was made or changed: the records are exactly the bytes."""
        return self._items is None and not self._cache

    def unchanged(self) -> bool:
        """The records still equal the bytes they were read from (records
        made so far are compared with a fresh reading)."""
        if self._items is not None:
            return False
        blob = self._blob
        return all(record == blob.record(i) for i, record in list(self._cache.items()))

    # -- comparing -----------------------------------------------------------
    def __eq__(self, other: Any):
        if isinstance(other, RecordList):
            if self is other:
                return True
            if len(self) != len(other):
                return False
            if self.unchanged() and other.unchanged() and self._blob.same_encoding(other._blob):
                return self._blob.records_bytes() == other._blob.records_bytes()
            return all(a == b for a, b in zip(self.peek(), other.peek()))
        if isinstance(other, list):
            if len(self) != len(other):
                return False
            return all(a == b for a, b in zip(self.peek(), other))
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self.peek()))

    # -- changing ----------------------------------------------------------
    def _thaw(self) -> list:
        if self._items is None:
            self._items = [self._get(i) for i in range(self._blob.count)]
            self._cache = {}
        return self._items

    def __setitem__(self, index, value) -> None:
        self._thaw()[index] = value

    def __delitem__(self, index) -> None:
        del self._thaw()[index]

    def insert(self, index: int, value) -> None:
        self._thaw().insert(index, value)

    def append(self, value) -> None:
        self._thaw().append(value)

    def extend(self, values) -> None:
        self._thaw().extend(values)

    def __iadd__(self, values):
        self._thaw().extend(values)
        return self

    def clear(self) -> None:
        self._thaw().clear()

    def sort(self, *args, **kwargs) -> None:
        self._thaw().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._thaw().reverse()

    def copy(self) -> list:
        return list(self)

    def __add__(self, other):
        if isinstance(other, (list, RecordList)):
            return list(self) + list(other)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, list):
            return other + list(self)
        return NotImplemented

    def __mul__(self, n):
        return list(self) * n

    __rmul__ = __mul__

    # -- copying -----------------------------------------------------------
    def __copy__(self) -> "RecordList":
        # A shallow copy of a list holds the same records: the copy shares
        # the records made so far and those made later, through one cache.
        new = RecordList(self._blob)
        if self._items is not None:
            new._items = list(self._items)
        else:
            new._cache = self._cache
        return new

    def __deepcopy__(self, memo) -> "RecordList":
        import copy

        new = RecordList(self._blob)  # the bytes are immutable: shared
        memo[id(self)] = new
        if self._items is not None:
            new._items = copy.deepcopy(self._items, memo)
        else:
            new._cache = copy.deepcopy(self._cache, memo)
        return new

    def __reduce__(self):
        return (list, (list(self.peek()),))
