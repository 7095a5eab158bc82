"""What the streamed renderers (llvm-readobj, text, JSON) share: the text of
each distinct encoded item made once and in batches, and the assembly of a
run of records from per-record pieces and per-item texts, in C-level calls
(``struct``, ``map``, ``str.join``) rather than Python work per item.

A record renders as::

    open + sep[0] + item[0] + sep[1] + item[1] + ... + sep[n-1] + item[n-1] + sep[n] + close

where ``open`` and ``close`` are the record's own text (its head; its
live-outs and what follows), ``item[k]`` the text of its ``k``-th location
(the same for every equal encoding, hence :class:`Texts`) and ``sep`` the
renderer's :class:`Separators` for a record of ``n`` items (llvm-readobj's
``#1: ``, JSON's ``[``, ``,`` and ``]``).  :func:`join_records` joins a run of
records so with one ``str.join`` over the items and their separators: only
the few per-record pieces are touched in Python.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, chain, compress, repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator, Sequence


class Texts(dict):
    """Encoded item (bytes) -> its text; the items not seen yet are made
    together, by ``make(list of encoded items) -> (item, text) pairs`` (in
    any order: a maker that formats a kind at a time hands them back so).

    When more than :attr:`LIMIT` distinct items are held, the cache starts
    again: memory stays bounded on inputs with millions of distinct items,
    and the items that keep coming (a function's stack slots) are made
    again once per :attr:`LIMIT` new ones.  (An earlier version kept the
    previous generation to look in before making an item again; on the
    dense benchmark mix one item in nine was found there, and looking cost
    more than making those again.)"""

    LIMIT = 1 << 16

    def __init__(self, make: Callable[[list[bytes]], Iterable[tuple[bytes, str]]]):
        super().__init__()
        self.make = make

    def lookup(self, keys: Sequence[bytes]) -> list[str]:
        """The text of every item of ``keys``, in order."""
        if len(self) > self.LIMIT:
            self.clear()
        # One probe per item (the table is large and each probe a cache
        # miss or two): the missing ones come back as _MISSING, a str that
        # no text is, so finding them compares str with str in C.
        out = list(map(self.get, keys, repeat(_MISSING)))
        if _MISSING not in out:
            return out
        at: list[int] = []  # where they are: found by C-level scans (each found costs a call)
        find, i = out.index, -1
        try:
            while True:
                i = find(_MISSING, i + 1)
                at.append(i)
        except ValueError:
            pass
        wanted = list(map(keys.__getitem__, at))
        self.update(self.make(list(dict.fromkeys(wanted))))
        for i, text in zip(at, map(self.__getitem__, wanted)):
            out[i] = text
        return out


#: What :meth:`Texts.lookup` finds for an item not made yet (no text is
#: this string: texts are printable, and this one is a NUL then a private-use character).
_MISSING = "\0\U000f0000"


@lru_cache(maxsize=256)
def percent(template: str) -> tuple[str, tuple[int, ...]] | None:
    """``template`` (a ``str.format`` one with numbered fields, plain or
    ``:x``) as a %-template and the field numbers in the order it takes
    them: ``%`` over a tuple does the same work at half the cost of
    ``str.format``.  None for any other field (then ``str.format`` it is)."""
    # (read here rather than by string.Formatter: the string module imports re)
    out: list[str] = []
    order: list[int] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c in "{}" and template.startswith(c * 2, i):  # an escaped brace
            out.append(c)
            i += 2
        elif c == "}":
            return None  # (str.format raises on it)
        elif c == "{":
            end = template.find("}", i)
            name, _, spec = template[i + 1:end].partition(":")
            if end < 0 or not name.isdigit() or spec not in ("", "x"):
                return None
            out.append("%x" if spec else "%s")  # (the fields given are ints and strings: "%s" is str.format's "")
            order.append(int(name))
            i = end + 1
        else:
            out.append("%%" if c == "%" else c)
            i += 1
    return "".join(out), tuple(order)


def format_rows(template: str, *columns: Iterable | None) -> list[str]:
    """``template.format(*row)`` for every row of ``columns`` (a sequence
    each, of the same length; None for one the template does not show), by
    %-formatting (:func:`percent`)."""
    pct = percent(template)
    if pct is None or not pct[1]:  # (no field at all: zip would give no rows)
        if all(c is None for c in columns):
            return []
        return list(map(template.format, *(repeat(None) if c is None else c for c in columns)))
    text, order = pct
    picked = [columns[i] for i in order]
    return list(map(text.__mod__, zip(*picked)))


def by_kind(kinds: Sequence[int], keys: Sequence, fields: Callable[[list], Sequence[Sequence]]
            ) -> Iterator[tuple[int, list, Sequence[Sequence]]]:
    """``(kind, its keys, fields(its keys))`` for each kind among ``kinds``
    (``kinds[i]`` that of ``keys[i]``), so that each kind's template formats
    only its own items: the keys of a kind picked by one C-level pass, and
    only for them the columns of their fields (picking every column for
    every kind cost more than formatting them)."""
    present = set(kinds)
    if len(present) <= 1:
        if present:
            yield kinds[0], list(keys), fields(list(keys))
        return
    kind_bytes = _as_bytes(kinds)  # each kind's mask made by one C call (a kind is a byte)
    for kind in sorted(present):
        mask = bytes(map(kind.__eq__, kinds)) if kind_bytes is None else kind_bytes.translate(_ONE_BYTE[kind])
        its = list(compress(keys, mask))
        yield kind, its, fields(its)


def _as_bytes(values: Sequence[int]) -> bytes | None:
    """``values`` as bytes, or None when one is no byte (a hand-made model's
    kind); an array of wider items is read item by item, not as its buffer."""
    try:
        view = memoryview(values)  # type: ignore[arg-type]
    except TypeError:  # (a list)
        view = None
    try:
        return view.tobytes() if view is not None and view.format == "B" else bytes(
            values if view is None else view.tolist())
    except (ValueError, TypeError):
        return None


def picked(columns: Sequence[Sequence]) -> Callable[[Iterable[int]], list[list]]:
    """The ``fields`` of :func:`by_kind` for keys that are indexes into ``columns``."""
    return lambda at: [list(map(c.__getitem__, at)) for c in columns]


def in_order(pairs: Iterable[tuple[int, str]], n: int) -> list[str]:
    """The texts of ``(index, text)`` pairs (indexes ``0`` to ``n - 1``), in order."""
    out: list[str] = [""] * n
    for i, text in pairs:
        out[i] = text
    return out


#: For each byte value, the table that maps it to 1 and every other to 0.
_ONE_BYTE = [bytes(b == k for b in range(256)) for k in range(256)]


#: Items per ``Struct.unpack`` in :func:`item_keys`.
_BATCH = 4096


@lru_cache(maxsize=64)
def _keys_struct(size: int, count: int) -> struct.Struct:
    return struct.Struct(f"{size}s" * count)


def item_keys(data: bytes, size: int) -> list[bytes]:
    """The items of ``data`` (``size`` bytes each, back to back), one bytes
    object each: a few thousand per ``unpack`` call, no tuple per item."""
    n = len(data) // size
    out: list[bytes] = []
    full = n - n % _BATCH
    if full:
        whole = _keys_struct(size, _BATCH)
        step = size * _BATCH
        for pos in range(0, full * size, step):
            out.extend(whole.unpack_from(data, pos))
    # The rest in runs of powers of two (their Structs made once: one made
    # for each count would be parsed anew at every chunk).
    rest, pos = n - full, full * size
    while rest:
        k = 1 << (rest.bit_length() - 1)
        out.extend(_keys_struct(size, k).unpack_from(data, pos))
        pos += k * size
        rest -= k
    return out


def pieces(starts: Sequence[int], lo: int, hi: int, items: int, records: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges ``(r0, r1)`` of records, from ``lo`` to ``hi``,
    each of at most ``records`` records holding at most ``items`` items
    (or one record, if it alone holds more); ``starts``: the first item of
    each record, then the end (``ItemTable.starts``).  A renderer's piece of
    output is bounded so: pieces of megabytes, allocated and freed in turn,
    went back to the system each time (glibc's malloc) and every page was
    faulted in again (dense JSON, 4 KB a record: 148,000 faults in a 50 MB
    dump, 87,000 with pieces of 4,096 locations)."""
    r0 = lo
    while r0 < hi:
        last = min(hi, r0 + records)
        r1 = max(bisect_right(starts, starts[r0] + items, r0 + 1, last + 1) - 1, r0 + 1)
        yield r0, r1
        r0 = r1


def run_keys(data: bytes, starts: Sequence[int], size: int) -> list[bytes]:
    """Each record's run of items as one bytes object: ``starts`` are the
    first item of each record, then the end (``ItemTable.starts[r0:r1 + 1]``);
    ``data`` holds every item of the table."""
    bounds = list(map(size.__mul__, starts))
    return list(map(data.__getitem__, map(slice, bounds[:-1], bounds[1:])))


def split_runs(runs: list[bytes], size: int, items: list[str]) -> Iterator[list[str]]:
    """The texts ``items`` of the items of every run of ``runs`` (joined),
    run by run."""
    bounds = list(accumulate((len(run) // size for run in runs), initial=0))
    return map(items.__getitem__, map(slice, bounds[:-1], bounds[1:]))


class Separators(dict):
    """Item count ``n`` -> the ``n + 1`` separators of a record of ``n``
    items, ``sep(k, n)`` for ``k`` in ``0..n`` (see the module doc)."""

    def __init__(self, sep: Callable[[int, int], str]):
        super().__init__()
        self.sep = sep
        self.before: dict[int, tuple[str, ...]] = {}  #: n -> the first n separators

    def __missing__(self, n: int) -> tuple[str, ...]:
        seps = self[n] = tuple(self.sep(k, n) for k in range(n + 1))
        self.before[n] = seps[:n]
        return seps

    def leading(self, n: int) -> tuple[str, ...]:
        before = self.before.get(n)
        if before is None:
            self[n]
            before = self.before[n]
        return before


def join_records(opens: Sequence[str], closes: Sequence[str], counts: Sequence[int],
                 items: list[str], seps: Separators) -> str:
    """The text of a run of records (see the module doc): record ``i`` has
    ``counts[i]`` items, the next ones of ``items`` in order."""
    leading = seps.leading
    for n in set(counts):
        leading(n)
    before = seps.before
    # Items at the odd places, separators at the even ones; a record's
    # first separator carries everything since the previous record's last
    # item (that record's close, records without items, this record's open).
    n_items = len(items)
    flat = [""] * (2 * n_items + 1)
    flat[0:2 * n_items:2] = chain.from_iterable(map(before.__getitem__, counts))
    flat[1::2] = items
    pending = ""
    j = 0
    for n, open_, close in zip(counts, opens, closes):
        s = seps[n]
        if n:
            flat[j] = pending + open_ + s[0]
            pending = s[n] + close
            j += 2 * n
        else:
            pending += open_ + s[0] + close
    flat[j] = pending
    return "".join(flat)
