"""The annotated hex dump of ``explain``: one line per field with offset,
raw bytes, path, value, and what the field is (from the definition's docs).

A line is made of four columns, each written once here
(:func:`offset_column`, :func:`bytes_column`, :func:`path_column`, and the
value with its doc, :func:`tail_text`); :func:`explain_line` joins them
for one :class:`~..format.walk.FieldEvent`.  :class:`ExplainRenderer`
makes the same lines for a whole valid blob from its columnar view, in
bytes, a chunk at a time, with memory independent of the blob: the text of
a location (or live-out) depends only on its encoded bytes apart from its
offset and indices, so the columns of each distinct field value are made
once (from the same column functions) and every occurrence is one join of
those with its offsets and path, by loops generated from the record's
layout.  Records can be rendered in any order of ranges, so that two
processes can share them out (``cli/explain.py``)."""

from __future__ import annotations

import enum
import struct
import sys
from array import array
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from ..format.walk import FieldEvent
from ..model import LocationKind
from ..registers import register_name

_ROLE_NOTE = {"reserved": "reserved, must be 0", "padding": "padding, must be 0", "count": "count"}
_NO_REGISTER = (LocationKind.Constant, LocationKind.ConstantIndex)


def int_text(v: int) -> str:
    """A plain integer value: beyond one digit, its hex too (of the
    unsigned value; a negative one is shown as is)."""
    return f"{v} (0x{v & 0xFFFFFFFFFFFFFFFF:x})" if v > 9 else str(v)


def _plain_int(name: str, role: str, names_register: bool) -> bool:
    """Is a field's value column :func:`int_text` of its integer?"""
    return role != "padding" and not (names_register and name.endswith("dwarf_regnum"))


def value_text(name: str, value: Any, role: str, size: int, arch: str | None, names_register: bool) -> str:
    """The value column of field ``name`` (its path, or its last segment)."""
    v = value
    if names_register and name.endswith("dwarf_regnum") and (reg := register_name(arch, v)):
        return f"{v} ({reg})"
    if role == "padding":
        return f"{size} zero bytes" if value is None else str(v)
    if isinstance(v, enum.IntEnum):
        return f"{v.name} ({int(v)})"
    if isinstance(v, int):
        return int_text(v)
    return str(v)


def note_text(role: str, doc: str, docs: bool) -> str:
    """What follows the value: its doc line (without docs, still the role
    of a reserved, padding or count field)."""
    # The doc line already says "must be 0"; without docs, still flag the role.
    note = doc if docs else _ROLE_NOTE.get(role, "")
    return f"  # {note}" if note else ""


def tail_text(name: str, value: Any, role: str, size: int, doc: str, arch: str | None, docs: bool,
              names_register: bool) -> str:
    """What follows the path: the value, then the doc line."""
    return value_text(name, value, role, size, arch, names_register) + note_text(role, doc, docs)


def _tail(event: FieldEvent, arch: str | None, docs: bool, names_register: bool) -> str:
    return tail_text(event.path, event.value, event.role, len(event.raw), event.doc, arch, docs, names_register)


def offset_column(offset: int) -> str:
    return f"0x{offset:06x}"


def bytes_column(raw: bytes) -> str:
    """The raw bytes, with the gaps around them."""
    return f"  {raw.hex(' '):<23}  "


def path_column(path: str) -> str:
    """The path, padded, and the gap before the value."""
    return f"{path:<46} "


def explain_line(event: FieldEvent, *, arch: str | None = None, docs: bool = True,
                 names_register: bool = True) -> str:
    return offset_column(event.offset) + bytes_column(event.raw) + path_column(event.path) + \
        _tail(event, arch, docs, names_register)


def in_range(event: FieldEvent, start: int | None, end: int | None) -> bool:
    """Does the field overlap the byte range [start, end)?"""
    lo, hi = event.offset, event.offset + max(len(event.raw), 1)
    return (start is None or hi > start) and (end is None or lo < end)


HEADER = f"{'offset':<8}  {'bytes':<23}  {'field':<46} value"


def _names_register(path: str, kind) -> bool:
    return not (path.endswith("].dwarf_regnum") and ".locations[" in path and kind in _NO_REGISTER)


def render_explain(events: Iterable[FieldEvent], *, start: int | None = None, end: int | None = None,
                   arch: str | None = None, docs: bool = True) -> Iterator[str]:
    yield HEADER
    kind = None  # the kind of the location being walked: constants use no register
    for event in events:
        if event.path.endswith(".kind"):
            kind = event.value
        if in_range(event, start, end):
            yield explain_line(event, arch=arch, docs=docs, names_register=_names_register(event.path, kind))


# -- the whole of a valid blob, from its columns -------------------------------

class _Offsets:
    """The offset columns of a buffer of ``size`` bytes, in two pieces:
    ``high[o >> 16] + low[o & 0xFFFF]`` is :func:`offset_column` of ``o``
    (its zero-padded hex, cut before the last four digits)."""

    _full: list[bytes] = []  # the whole low table, once made

    def __init__(self, size: int):
        n = min(size, 0x10000)
        if n == 0x10000 and self._full:
            self.low = self._full
        else:
            words = array("H", range(n))
            if sys.byteorder == "little":
                words.byteswap()
            digits = words.tobytes().hex().encode()  # every 16-bit number's four hex digits, in one go
            self.low = [digits[i:i + 4] for i in range(0, 4 * n, 4)]
            if n == 0x10000:
                _Offsets._full = self.low
        self.high = [offset_column(h << 16)[:-4].encode() for h in range((size >> 16) + 1)]
        for o in (0, 0xA, n - 1, size - 1):  # the split is offset_column's
            if o & 0xFFFF < n:
                assert self.column(o).decode() == offset_column(o)

    def column(self, o: int) -> bytes:
        return self.high[o >> 16] + self.low[o & 0xFFFF]


@lru_cache(maxsize=64)
def _compiled(src: str, name: str) -> Any:
    return compile(src, name, "exec")


def _made(src: str, name: str, env: dict[str, Any], function: str) -> Callable:
    """The function ``function`` defined by ``src`` over the names of
    ``env`` (compiled once per source); taken out of ``env``, so that the
    two do not refer to each other (no cycle left for the collector)."""
    exec(_compiled(src, name), env)
    return env.pop(function)


class _Limited(dict):
    """A dict of at most ``limit`` entries, so that memory stays bounded
    whatever the input: when full, its entries become the ``old``
    generation (looked up on a miss) and it starts empty."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.old: dict = {}

    def put(self, key, value):
        if len(self) >= self.limit:
            self.old = dict(self)
            self.clear()
        self[key] = value
        return value


class _Field:
    """One leaf of a fixed-size part: its bytes column and its tail per
    distinct raw value, and its name column per path length."""

    def __init__(self, leaf, doc: str, fmt: str, arch: str | None, docs: bool, names_register: bool,
                 limit: int = 1 << 14):
        self.leaf, self.doc, self.arch, self.docs, self.names = leaf, leaf.doc or doc, arch, docs, names_register
        self.unpack = struct.Struct(fmt).unpack
        self.suffix = f".{leaf.name}" if leaf.name else ""
        self.texts = _Limited(limit)  #: raw -> (bytes column, tail + newline)
        self.after: dict[int, bytes] = {}  #: path length -> the suffix, padded
        self.plain = leaf.decoded is None and _plain_int(self.suffix, leaf.role, names_register)
        self.end = note_text(leaf.role, self.doc, docs) + "\n"

    def text(self, raw: bytes) -> tuple[bytes, bytes]:
        t = self.texts.get(raw)
        if t is None:
            t = self.texts.old.get(raw)
            t = self.texts.put(raw, t if t is not None else self.make(raw))
        return t

    def make(self, raw: bytes) -> tuple[bytes, bytes]:
        """(bytes column, tail) of the field holding ``raw``."""
        (value,) = self.unpack(raw)
        leaf = self.leaf
        if self.plain:
            text = int_text(value)
        else:
            if leaf.decoded is not None:
                value = leaf.decoded[value]
            text = value_text(self.suffix, value, leaf.role, len(raw), self.arch, self.names)
        return bytes_column(raw).encode(), (text + self.end).encode()

    def padded(self, length: int) -> bytes:
        """What follows a path prefix of ``length`` characters: the leaf's
        own segment, padded, and the gap before the value."""
        t = self.after.get(length)
        if t is None:
            t = self.after[length] = path_column("\0" * length + self.suffix)[length:].encode()
        return t


class _Pad:
    """An alignment pad: a field only when it has bytes."""

    def __init__(self, part, arch, docs):
        self.part, self.arch, self.docs = part, arch, docs
        self.suffix = f".{part.name}"
        self.texts: dict[bytes, tuple[bytes, bytes]] = {}
        self.after: dict[int, bytes] = {}

    def text(self, raw: bytes) -> tuple[bytes, bytes]:
        t = self.texts.get(raw)
        if t is None:
            tail = tail_text(self.suffix, None, "padding", len(raw), self.part.doc, self.arch, self.docs, True)
            t = self.texts[raw] = (bytes_column(raw).encode(), (tail + "\n").encode())
        return t

    padded = _Field.padded


_KEY_CODES = {1: "B", 2: "H", 4: "L", 8: "Q"}

#: a field this wide or wider is looked up on its own (its values are many:
#: offsets, constants); the narrower fields of an item are looked up together
WIDE = 4


class _Items:
    """The items of one item table (locations, live-outs).  The fields are
    looked up in groups: each run of narrow fields by its bytes together
    (a location's kind, size and register: few distinct), each wide field
    on its own; a group gives the ``(bytes column, tail)`` of each of its
    fields (shared with every group holding the same field value)."""

    def __init__(self, part, fixed, prefix_code: str, arch, docs, limit: int = 1 << 15):
        self.size = fixed.size
        self.deltas = tuple(leaf.offset for leaf in fixed.leaves)
        kind = next((leaf for leaf in fixed.leaves if leaf.name == "kind"), None)
        self.kind_leaf = kind  # the kind decides whether a location's register number names a register
        fields = []
        for leaf in fixed.leaves:
            named = _Field(leaf, part.doc, prefix_code + leaf.code, arch, docs, True)
            plain = named
            if kind is not None and leaf.name == "dwarf_regnum" and part.name == "locations":
                plain = _Field(leaf, part.doc, prefix_code + leaf.code, arch, docs, False)
            fields.append((leaf, named, plain))
        self.fields = fields
        # Groups: (first byte, end byte, [field indices], wide field or None).
        groups: list[list] = []
        for k, (leaf, named, plain) in enumerate(fields):
            wide = leaf.size >= WIDE and plain is named
            if wide or not groups or groups[-1][3] is not None:
                groups.append([leaf.offset, leaf.offset + leaf.size, [k], named if wide else None])
            else:
                groups[-1][1] = leaf.offset + leaf.size
                groups[-1][2].append(k)
        if kind is not None and any(kind.offset >= g[1] or kind.offset < g[0] for g in groups
                                    if any(fields[k][2] is not fields[k][1] for k in g[2])):
            groups = [[0, self.size, list(range(len(fields))), None]]  # the kind with the register it names
        self.groups = [tuple(g) for g in groups]
        self.limit = limit
        # Each group is looked up by its bytes as one number (or the bytes
        # themselves when no integer is that wide): cheaper to cut and hash.
        codes, self.packs, pos = [], [], 0
        for lo, hi, _, _ in self.groups:
            code = _KEY_CODES.get(hi - lo, f"{hi - lo}s")
            codes.append(f"{lo - pos}x{code}" if lo > pos else code)
            self.packs.append(struct.Struct("<" + code).pack if code in "BHLQ" else None)
            pos = hi
        if pos < self.size:
            codes.append(f"{self.size - pos}x")
        self.keys = struct.Struct("<" + "".join(codes))
        assert self.keys.size == self.size
        self._wide: dict[int, tuple] = {}  # group -> (lookup, miss) of a wide field, for every path length
        self._after: dict[int, tuple[bytes, ...]] = {}
        self._runs: dict[int, list] = {}  # path length -> each group's (lookup, miss)
        self._run = self._runner()

    def after(self, length: int) -> tuple[bytes, ...]:
        """Each field's own path segment, padded, after a path prefix of
        ``length`` characters."""
        t = self._after.get(length)
        if t is None:
            t = self._after[length] = tuple(named.padded(length) for _, named, _ in self.fields)
        return t

    def _lookups(self, length: int) -> list:
        """Each group's (lookup, miss) for paths of ``length`` characters:
        a group of narrow fields (few distinct) keeps its fields' padded
        path segments with their tails, so per path length; a wide field
        its own texts."""
        found = self._runs.get(length)
        if found is None:
            found = []
            for g, group in enumerate(self.groups):
                if group[3] is None:
                    cache = _Limited(self.limit)
                    found += [cache.get, self._misser(g, group, cache, self.after(length))]
                else:
                    if g not in self._wide:
                        cache = _Limited(group[3].texts.limit)
                        self._wide[g] = (cache.get, self._wide_misser(g, group[3], cache))
                    found += self._wide[g]
            self._runs[length] = found
        return found

    def _wide_misser(self, g: int, field: "_Field", cache: "_Limited") -> Callable:
        """``miss(key)``: the pieces of a wide field's value not in its cache."""
        pack, make = self.packs[g], field.make

        def miss(key):
            u = cache.old.get(key)
            return cache.put(key, u if u is not None else make(pack(key) if pack is not None else key))

        return miss

    def _misser(self, g: int, group: tuple, cache: "_Limited", after: tuple[bytes, ...]) -> Callable:
        """``miss(key)``: the pieces of a group of fields not in its cache,
        made for this layout (one lookup per field)."""
        first, _, members, _ = group
        env: dict[str, Any] = {"cache": cache, "pack": self.packs[g]}
        lines = []
        for k in members:
            leaf, named, plain = self.fields[k]
            lo, hi = leaf.offset - first, leaf.offset - first + leaf.size
            env[f"g{k}"], env[f"t{k}"], env[f"s{k}"] = named.texts.get, named.text, after[k]
            if plain is named:
                lines.append(f"        r = raw[{lo}:{hi}]; h{k}, t{k}_ = g{k}(r) or t{k}(r)")
            else:
                env[f"pg{k}"], env[f"pt{k}"] = plain.texts.get, plain.text
                lines.append(f"        r = raw[{lo}:{hi}]\n"
                             f"        h{k}, t{k}_ = (g{k}(r) or t{k}(r)) if names else (pg{k}(r) or pt{k}(r))")
        kind = self.kind_leaf
        if kind is not None and kind.offset - first in range(0, group[1] - first):
            env["names_of"] = tuple(d not in _NO_REGISTER for d in kind.decoded) + (True,) * 256
            lines.insert(0, f"        names = names_of[raw[{kind.offset - first}]]")
        src = ("def miss(key):\n"
               "    u = cache.old.get(key)\n"
               "    if u is None:\n"
               f"        raw = {'pack(key)' if self.packs[g] is not None else 'key'}\n" + "\n".join(lines) + "\n"
               f"        u = ({', '.join(f'h{k}, s{k} + t{k}_' for k in members)},)\n"
               "    return cache.put(key, u)\n")
        return _made(src, "<explain item pieces>", env, "miss")

    def runner(self) -> tuple[Callable, Callable[[int], tuple]]:
        """``(run, args)``: ``run(out, buf, a, j0, j1, rpath, js, high, low,
        col, *args(length))`` appends the lines of items ``j0`` to ``j1``
        (indices of as many digits, so paths of ``length`` characters)
        from buffer offset ``a`` to ``out`` and returns the offset after."""
        made: dict[int, tuple] = {}

        def args(length: int) -> tuple:
            found = made.get(length)
            if found is None:
                found = made[length] = (self.after(length), *self._lookups(length))
            return found

        return self._run, args

    def _runner(self) -> Callable:
        """The loop over a run of items, made for this layout: per item,
        one lookup per group and one extend with its offsets and path.
        A run within one 64 KB step of offsets (most) takes its items'
        keys in one ``iter_unpack`` and keeps the offsets' high digits."""
        deltas = self.deltas
        span, size = max(deltas), self.size
        keys = ", ".join(f"k{g}" for g in range(len(self.groups))) + ","
        look, line, slow = [], [], []
        for g, (lo, hi, members, wide) in enumerate(self.groups):
            look.append(f"u{g} = c{g}(k{g}) or m{g}(k{g})")
            for n, k in enumerate(members):
                d = deltas[k]
                rest = f"u{g}[{2 * n}], p, s[{k}], u{g}[{2 * n + 1}]" if wide else f"u{g}[{2 * n}], p, u{g}[{2 * n + 1}]"
                line.append(f"h, o[{d}], {rest}")
                slow.append(f"col(a + {d}), {rest}")
        args = ", ".join(f"c{g}, m{g}" for g in range(len(self.groups)))
        lookups = "\n".join(" " * 12 + x for x in look)
        src = f"""
def run(out, buf, a, j0, j1, rpath, js, high, low, col, s, {args}):
    x = a & 0xFFFF
    end = a + {size} * (j1 - j0)
    if x + (end - a) + {span - size} <= 0xFFFF:  # within one step of the offsets' high digits
        h = high[a >> 16]
        j = j0
        for {keys} in iter_unpack(buf[a:end]):
{lookups}
            p = rpath + js[j]
            o = low[x:x + {span + 1}]
            out += ({", ".join(line)})
            x += {size}
            j += 1
        return end
    for j in range(j0, j1):
        {keys} = unpack_from(buf, a)
{lookups.replace(" " * 12, " " * 8)}
        p = rpath + js[j]
        x = a & 0xFFFF
        if x <= {0xFFFF - span}:
            h = high[a >> 16]
            o = low[x:x + {span + 1}]
            out += ({", ".join(line)})
        else:
            out += ({", ".join(slow)})
        a += {size}
    return a
"""
        env = {"iter_unpack": self.keys.iter_unpack, "unpack_from": self.keys.unpack_from}
        return _made(src, f"<explain items {size}:{deltas}>", env, "run")


#: lines per chunk of output (a chunk is a few hundred kilobytes)
CHUNK_PIECES = 1 << 14


class ExplainRenderer:
    """The lines :func:`render_explain` gives for ``walk_view(v)`` (the
    whole of a valid blob), UTF-8 encoded, in chunks of a few hundred
    kilobytes: :meth:`head` (header, functions, constants), then
    :meth:`records` of any range of records, in any order (so that the
    records can be shared out between workers)."""

    def __init__(self, v, *, prefix: str = "", arch: str | None = None, docs: bool = True):
        from ..format.fast.plan import Array, Fixed
        from ..format.walk import _join

        self.v, self.prefix, self.arch, self.docs = v, prefix, arch, docs
        self.record_count = v.record_count
        plan = v.plan
        records = plan.records
        prefix_code = plan.header.struct.format[0]
        buf = v.buf
        self.buf = buf if isinstance(buf, bytes) else bytes(buf)
        self.offsets = _Offsets(len(self.buf) + 16)
        # Each part of a record: ("fixed", size, [(delta, size, field)]) / ("items", ...) / ("pad", ...)
        steps: list[tuple] = []
        for part in v.record_element.parts:
            if isinstance(part, Fixed):
                fields = [(leaf.offset, leaf.size, _Field(leaf, "", prefix_code + leaf.code, arch, docs, True))
                          for leaf in part.leaves]
                steps.append(("fixed", part.size, fields))
            elif isinstance(part, Array):
                table = v.tables[part.name]
                items = _Items(part, table.fixed, prefix_code, arch, docs)
                steps.append(("items", part.name, table.counts, items, items.runner()))
            else:
                steps.append(("pad", part.alignment, _Pad(part, arch, docs)))
        self.steps = steps
        self.rpath = _join(prefix, records.name)
        self.js = [f"{j}]".encode() for j in range(10)]
        self._records: Callable[[int, int], Iterator[bytes]] | None = None

    def head(self) -> bytes:
        """The lines before the first record (the plain way: they are few)."""
        from ..format.walk import walk_view

        v = self.v
        head_end = v.start + (v.record_offsets[0] if v.record_count else v.end - v.start)
        out: list[bytes] = []
        for event in walk_view(v, start=v.start, end=head_end, prefix=self.prefix):
            if event.offset >= head_end:
                break
            out.append((explain_line(event, arch=self.arch, docs=self.docs) + "\n").encode())
        return b"".join(out)

    def records(self, first: int, last: int) -> Iterator[bytes]:
        """The lines of records ``first`` to ``last`` (exclusive)."""
        if self._records is None:
            self._records = self._record_loop()
        yield from self._records(first, last)

    def _record_loop(self) -> Callable[[int, int], Iterator[bytes]]:
        """The loop over records, made for the record's layout: its fixed
        fields and pads inline, its item runs by their runners."""
        from ..format.walk import _join

        env: dict[str, Any] = {"buf": self.buf, "base": self.v.start, "offs": self.v.record_offsets,
                               "high": self.offsets.high, "low": self.offsets.low, "col": self.offsets.column,
                               "js": self.js, "rpath": self.rpath, "CHUNK": CHUNK_PIECES}
        body: list[str] = []
        names = iter(range(1 << 30))

        def line(field, at: str, size: str) -> None:
            k = next(names)
            env[f"g{k}"], env[f"t{k}"] = field.texts.get, field.text
            env[f"a{k}"], env[f"af{k}"] = field.after, field.padded
            body.extend([f"        o = {at}",
                         f"        r = buf[o:o + {size}]",
                         f"        t = g{k}(r) or t{k}(r)",
                         f"        out += (high[o >> 16], low[o & 0xFFFF], t[0], path, "
                         f"a{k}.get(length) or af{k}(length), t[1])"])

        for step in self.steps:
            if step[0] == "fixed":
                for delta, size, field in step[2]:
                    line(field, f"a + {delta}", str(size))
                body.append(f"        a += {step[1]}")
            elif step[0] == "items":
                _, name, counts, _, (runner, args) = step
                k = next(names)
                env[f"n{k}"], env[f"run{k}"], env[f"args{k}"] = counts, runner, args
                env[f"seg{k}"] = (_join("r", name) + "[")[1:].encode()  # ".locations["
                body.extend([f"        n = n{k}[i]",
                             "        if n:",
                             "            if n > len(js):",
                             "                js.extend(b'%d]' % j for j in range(len(js), n))",
                             f"            ip = path + seg{k}",
                             "            j0, bound = 0, 10",
                             "            while j0 < n:  # runs of indices with as many digits: one padding each",
                             "                j1 = min(n, bound)",
                             f"                a = run{k}(out, buf, a, j0, j1, ip, js, high, low, col, "
                             f"*args{k}(len(ip) + len(js[j0])))",
                             "                j0, bound = j1, bound * 10"])
            else:
                body.append(f"        pad = (base - a) % {step[1]}")
                body.append("        if pad:")
                start = len(body)
                line(step[2], "a", "pad")
                body[start:] = ["    " + b for b in body[start:]]
                body.append("            a += pad")
        src = ("def records(first, last):\n"
               "    out = []\n"
               "    prefix = rpath.encode() + b'['\n"
               "    for i in range(first, last):\n"
               "        a = base + offs[i]\n"
               "        path = prefix + b'%d]' % i\n"
               "        length = len(path)\n" + "\n".join(body) + "\n"
               "        if len(out) > CHUNK:\n"
               "            yield b''.join(out)\n"
               "            out.clear()\n"
               "    if out:\n"
               "        yield b''.join(out)\n")
        return _made(src, "<explain records>", env, "records")


def render_explain_chunks(v, *, prefix: str = "", arch: str | None = None, docs: bool = True) -> Iterator[bytes]:
    """The lines :func:`render_explain` gives for ``walk_view(v)`` (the
    whole blob), UTF-8 encoded, in chunks of a few hundred kilobytes."""
    renderer = ExplainRenderer(v, prefix=prefix, arch=arch, docs=docs)
    yield renderer.head()
    yield from renderer.records(0, renderer.record_count)


def render_explain_view(v, *, prefix: str = "", arch: str | None = None, docs: bool = True) -> Iterable[str]:
    """:func:`render_explain_chunks` as text."""
    for chunk in render_explain_chunks(v, prefix=prefix, arch=arch, docs=docs):
        yield chunk.decode()
