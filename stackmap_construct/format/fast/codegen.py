"""Functions generated from the derived layout (:mod:`.plan`).

The hot loops of the fast path are produced here from the plan, as Python
source compiled once per byte order, so that the layout (field offsets,
sizes, which words hold a count or a reserved field, the alignment of the
pads) appears as constants inside the loop without being typed by hand.
``source`` keeps the generated text for inspection and for the tests.
"""

from __future__ import annotations

from ...endian import endian_name

import struct
import sys
from _thread import _local
from array import array
from itertools import repeat, starmap

from .plan import Array, Element, Fixed, Leaf, Pad, Unsupported, cached_scanner

_NATIVE = sys.byteorder  # "little" or "big"


def _word_field(leaf: Leaf, part_offset_words: int, endian: str) -> tuple[int, int, int]:
    """(word index relative to the part start, shift, mask) of ``leaf`` read
    from a 32-bit word taken in the blob's byte order."""
    first, last = leaf.offset // 4, (leaf.offset + leaf.size - 1) // 4
    if first != last:
        raise Unsupported(f"{leaf.name} straddles two 32-bit words")
    inner = leaf.offset % 4
    shift = 8 * inner if endian == "<" else 8 * (4 - inner - leaf.size)
    return part_offset_words + first, shift, (1 << (8 * leaf.size)) - 1


def _expected_int(leaf: Leaf, endian: str) -> int:
    if leaf.expected is None:
        raise Unsupported(f"{leaf.name} has no expected value")
    return int.from_bytes(leaf.expected, endian_name(endian))


class RecordScanner:
    """The loop that walks the variable-size items of one Array (records).

    An item is made of segments, each some fixed fields (one word of them
    holding the count of the segment's array), the array, and a pad to the
    item's alignment (v3: the record's head, its locations, ``align_pad``;
    the live-out header, the live-outs, ``end_pad``).  Every segment then
    starts aligned, so its length in words is a function of its count alone:
    ``jumps[k][count]``, a table worked out from the plan (fixed sizes, item
    size, alignment) and grown on demand (:meth:`walk`).

    ``scan(buf, w, o, n)`` starts at word ``o`` of ``w`` (the buffer as
    32-bit words in the blob's byte order) and walks ``n`` items, reading
    one word per segment, the one that holds its count.  It returns
    ``(offsets, keys, end)``:

    * ``offsets``: byte offset of each item (array 'Q');
    * ``keys``: per segment, the word holding its count, of every item,
      raw (array 'I'): :meth:`counts` takes the counts out of them and
      checks the other fields they hold, all at once;
    * ``end``: the word after the last item (past the buffer: the last item
      is cut short; a read past the buffer raises IndexError).

    :meth:`gather` then cuts every item's elements out of the buffer with
    one ``struct`` call (a format made of one cached piece per distinct
    combination of counts), and takes the pads with it to check them all at
    once.  ``first_bad`` walks the same items one check at a time, to find
    the first item at fault when any of these bulk checks fails.
    """

    def __init__(self, element: Element, endian: str):
        self.element = element
        self.endian = endian
        self.arrays: list[Array] = [p for p in element.parts if isinstance(p, Array)]
        self.count_names = [a.count_field for a in self.arrays]
        self.terms: list[bytes] = [terminator(a.element) for a in self.arrays]
        #: per segment (= per inner array): (shift, mask) of its count in its key word
        self.count_fields: list[tuple[int, int]] = []
        #: (segment, shift, mask, expected) of the other checked fields of the key words
        self.word_checks: list[tuple[int, int, int, int]] = []
        #: per segment: (fixed words, words per element, alignment in words) of its length
        self._jump_rules: list[tuple[int, int, int]] = []
        #: per segment: how many counts its count field can hold (the full table's size)
        self._counts_possible: list[int] = []
        self.source = self._generate() + "\n" + self._generate_walk()
        # Compiled with the plan's cache module when that ships this very
        # source (start-up: no compile at each run); else compiled now.
        cached = cached_scanner(endian_name(endian), self.source)
        if cached is not None:
            walker, self.first_bad = cached
        else:
            namespace = {"array": array, "repeat": repeat}
            exec(compile(self.source, f"<stackmap fast scan {endian}>", "exec"), namespace)
            walker = namespace["walker"]
            self.first_bad = namespace["first_bad"]
        #: per segment: its length in words by count (the first counts; :meth:`walk` grows them)
        self.jumps: list[list[int]] = [_jump_table(*rule, min(possible, _JUMPS_FIRST))
                                       for rule, possible in zip(self._jump_rules, self._counts_possible)]
        self.scan = walker(*self.jumps)
        self._pieces = _Pieces(element)
        n_values = 0
        self._array_values: list[int] = []  # index of each array's value among an item's gathered values
        self._pad_values: list[int] = []  # index of each pad's value
        for part in element.parts:
            if isinstance(part, Array):
                self._array_values.append(n_values)
                n_values += 1
            elif isinstance(part, Pad):
                self._pad_values.append(n_values)
                n_values += 1
        self._per_item = n_values

    def walk(self, buf: bytes, w, o: int, n: int):
        """:meth:`scan`, growing the jump tables to every count possible when
        an item's count is beyond them (IndexError otherwise: a read past
        the buffer)."""
        while True:
            try:
                return self.scan(buf, w, o, n)
            except IndexError:
                if not self._grow():
                    raise

    def _grow(self) -> bool:
        grown = False
        for table, rule, possible in zip(self.jumps, self._jump_rules, self._counts_possible):
            if len(table) < possible:
                table[:] = _jump_table(*rule, possible)  # in place: the walker holds these lists
                grown = True
        return grown

    def counts(self, keys) -> tuple[list, bool]:
        """``(counts, ok)``: per inner array its count of every item (an
        array), from the keys ``scan`` kept, and whether the other fields of
        the words they hold are what they must be (reserved bytes zero)."""
        ok = all(field_is(keys[k], shift, mask, expected) for k, shift, mask, expected in self.word_checks)
        return [word_field(keys[k], shift, mask) for k, (shift, mask) in enumerate(self.count_fields)], ok

    def gather(self, buf: bytes, start: int, counts) -> tuple[list[bytes], bool]:
        """``(items, ok)``: per inner array, the elements of the consecutive
        items that start at byte ``start`` and have ``counts`` (from
        :meth:`counts`), back to back, and whether every pad of those items
        is zero; one ``struct`` call cuts them all out."""
        if not len(counts[0]):
            return [b"" for _ in self.arrays], True
        # (a Struct of its own: struct's cache of formats would keep these big ones)
        values = struct.Struct("<" + "".join(map(self._pieces.__getitem__, zip(*counts)))).unpack_from(buf, start)
        m = self._per_item
        # a pad is taken as one int (zero when clean) or as b"" where there is none
        ok = not any(any(values[i::m]) for i in self._pad_values)
        return [b"".join(values[i::m]) for i in self._array_values], ok

    def _generate(self) -> str:
        e = self.endian
        check_lines: list[tuple[int, str]] = []  # (indent, statement) shared by both loops
        counts_seen: dict[str, str] = {}
        arrays_seen = 0

        def emit(indent: int, text: str) -> None:
            check_lines.append((indent, text))

        emit(0, "p = o")
        for part in self.element.parts:
            if isinstance(part, Fixed):
                if part.size % 4:
                    raise Unsupported("fixed part not a multiple of 4 bytes")
                words: dict[int, list[tuple[Leaf, int, int]]] = {}
                for leaf in part.leaves:
                    wanted = leaf.rebuild and leaf.name in self.count_names
                    if leaf.adapter is not None:
                        raise Unsupported("adapter field inside a variable-size item")
                    if leaf.expect is None and not wanted:
                        continue
                    index, shift, mask = _word_field(leaf, 0, e)
                    words.setdefault(index, []).append((leaf, shift, mask))
                for index in sorted(words):
                    var = f"v{len(counts_seen)}_{index}_{arrays_seen}"
                    emit(0, f"{var} = w[p + {index}]" if index else f"{var} = w[p]")
                    for leaf, shift, mask in words[index]:
                        if shift and shift + 8 * leaf.size == 32:
                            value = f"({var} >> {shift})"  # the word's top bits: no mask needed
                        else:
                            value = f"(({var} >> {shift}) & {mask:#x})" if shift else f"({var} & {mask:#x})"
                        if leaf.expect is not None:
                            expected = _expected_int(leaf, e)
                            emit(0, f"BAD |= {value} ^ {expected:#x}" if expected else f"BAD |= {value}")
                        if leaf.rebuild and leaf.name in self.count_names:
                            cvar = f"c_{leaf.name}"
                            counts_seen[leaf.name] = cvar
                            emit(0, f"{cvar} = {value}")
                            emit(0, f"ap_count_{self.count_names.index(leaf.name)}({cvar})")
                emit(0, f"p += {part.size // 4}")
            elif isinstance(part, Array):
                fixed = part.element.fixed
                if fixed is None or fixed.size % 4:
                    raise Unsupported(f"{part.name}: items not a multiple of 4 bytes")
                if part.count_field not in counts_seen:
                    raise Unsupported(f"{part.name}: count field {part.count_field!r} not before it")
                k = self.arrays.index(part)
                step = fixed.size // 4
                scaled = counts_seen[part.count_field] + (f" * {step}" if step != 1 else "")
                emit(0, f"q = p + {scaled}")
                emit(0, f"ap_slice_{k}(buf[p << 2:q << 2])")
                emit(0, "p = q")
                emit(0, "CHECK_END")
                arrays_seen += 1
            elif isinstance(part, Pad):
                if part.alignment % 4:
                    raise Unsupported("alignment not a multiple of 4 bytes")
                words_ = part.alignment // 4
                if words_ == 2:
                    emit(0, "if p & 1:")
                    emit(1, "BAD |= w[p]")
                    emit(1, "p += 1")
                elif words_ > 2:
                    emit(0, f"for _pad in range(-p % {words_}):")
                    emit(1, "BAD |= w[p]")
                    emit(1, "p += 1")
        if len(counts_seen) != len(self.arrays):
            raise Unsupported("an array without its count")

        def loop(kind: str) -> str:
            lines = ["    for i in range(n):"]
            for indent, text in check_lines:
                if text == "CHECK_END":
                    text = "if (p << 2) > len(buf): return i"
                else:
                    text = text.replace("BAD |= ", "if ").rstrip()
                    if text.startswith("if ") and not text.endswith(":"):
                        text += ": return i"
                lines.append("        " + "    " * indent + text)
            lines.append("        o = p")
            return "\n".join(lines)

        n_arrays = len(self.arrays)
        # first_bad: the same walk, stopping at the first item that fails a
        # check made in the loop (or running off the buffer).
        bad_prologue = [
            *(f"    ap_count_{k} = ap_slice_{k} = _ignore" for k in range(n_arrays)),
        ]
        terms = "".join(f"TERM_{k} = {self.terms[k]!r}\n" for k in range(n_arrays))
        src = (
            "# generated from the construct definition by stackmap_construct.format.fast.codegen\n"
            f"{terms}"
            "def _ignore(x):\n    pass\n\n"
            "def first_bad(buf, w, o, n):\n"
            "    try:\n"
            + "\n".join("    " + line for line in bad_prologue) + "\n"
            + "\n".join("    " + line for line in loop("first_bad").splitlines()) + "\n"
            "    except IndexError:\n"
            "        return i\n"
            "    return n - 1 if n and (o << 2) > len(buf) else None\n"
        )
        return src

    def _generate_walk(self) -> str:
        """``walker(*jumps) -> scan``: the walk that reads one word per
        segment (the one holding its count) and keeps it (the item's keys);
        counts, the other fields of those words, the elements and the pads
        are taken out afterwards, in bulk (:meth:`counts`, :meth:`gather`)."""
        e = self.endian
        parts = self.element.parts
        pads = [p for p in parts if isinstance(p, Pad)]
        if not pads:
            raise Unsupported("a variable-size item without a pad")
        widest = max(p.alignment for p in pads)
        if widest not in (4, 8):
            # gather takes a pad as one int: 4 bytes at most (8-byte alignment)
            raise Unsupported("an item aligned to more than 8 bytes")
        body: list[str] = []
        i = 0
        segment = 0
        while i < len(parts):
            # a segment: fixed parts, the array whose count they hold, the pad
            fixed: list[Fixed] = []
            while i < len(parts) and isinstance(parts[i], Fixed):
                fixed.append(parts[i])  # type: ignore[arg-type]  # checked just above
                i += 1
            array_ = parts[i] if i < len(parts) else None
            pad = parts[i + 1] if i + 1 < len(parts) else None
            if not fixed or not isinstance(array_, Array) or not isinstance(pad, Pad) or pad.alignment != widest:
                raise Unsupported("a variable-size item that is not fixed fields, an array and a pad, repeated")
            i += 2
            assert array_.element.fixed is not None  # checked by _generate
            key: tuple[int, int, int] | None = None
            others: list[tuple[int, int, int, Leaf]] = []
            at = 0
            for part in fixed:
                for leaf in part.leaves:
                    if leaf.rebuild and leaf.name in self.count_names and leaf.name != array_.count_field:
                        raise Unsupported(f"{leaf.name}: the count of an array of another segment")
                    index, shift, mask = _word_field(leaf, at // 4, e) if leaf.size <= 4 else (-1, 0, 0)
                    if leaf.name == array_.count_field:
                        key = (index, shift, mask)
                    elif leaf.expect is not None:
                        if index < 0:
                            raise Unsupported(f"{leaf.name}: a checked field wider than a word")
                        others.append((index, shift, mask, leaf))
                at += part.size
            if key is None:
                raise Unsupported(f"{array_.name}: its count is not in the fixed fields before it")
            index, shift, mask = key
            for other, oshift, omask, leaf in others:
                if other != index:
                    raise Unsupported(f"{leaf.name}: a checked field outside the word of a count")
                self.word_checks.append((segment, oshift, omask, _expected_int(leaf, e)))
            self.count_fields.append((shift, mask))
            self._jump_rules.append((at // 4, array_.element.fixed.size // 4, widest // 4))
            self._counts_possible.append(mask + 1)
            var = f"v{segment}"
            if shift and shift + mask.bit_length() == 32:
                count = f"{var} >> {shift}"  # the word's top bits: no mask needed
            else:
                count = f"({var} >> {shift}) & {mask:#x}" if shift else f"{var} & {mask:#x}"
            body += [f"{var} = w[o + {index}]" if index else f"{var} = w[o]",
                     f"ap{segment}({var})",
                     f"o += J{segment}[{count}]"]
            segment += 1
        tables = ", ".join(f"J{k}" for k in range(segment))
        lines = [
            f"def walker({tables}):",
            "    def scan(buf, w, o, n):",
            "        offsets = array('Q'); ap_offset = offsets.append",
            *(f"        k{k} = array('I'); ap{k} = k{k}.append" for k in range(segment)),
            "        for _ in repeat(None, n):",
            "            ap_offset(o << 2)",
            *("            " + line for line in body),
            f"        return offsets, ({', '.join(f'k{k}' for k in range(segment))},), o",
            "    return scan",
        ]
        return "\n".join(lines) + "\n"


#: counts the jump tables cover at first (larger ones grow them to every count)
_JUMPS_FIRST = 4096


def _jump_table(fixed: int, step: int, align: int, size: int) -> list[int]:
    """Length in words of a segment of ``fixed`` words, then ``count``
    elements of ``step`` words, then a pad to ``align`` words (the segment
    starting aligned), for each ``count`` below ``size``.  Lengths of counts
    that differ by ``align`` differ by ``step * align`` (the pad is the
    same), so each residue class is one ``range``."""
    table = [0] * size
    for r in range(min(align, size)):
        first = fixed + step * r
        first += -first % align
        table[r::align] = range(first, first + step * align * len(range(r, size, align)), step * align)
    return table


class _Pieces(dict):
    """counts of one item's inner arrays -> the struct format piece that
    skips its fixed parts, takes each inner array's elements as one bytes
    value and each pad as one value too: an int (``I``, zero when the pad
    is clean) or ``b""`` (``0s``) where there is none (``"16x96s0s4x8sI"``):
    every item gives the same number of values.  The item starts aligned
    (see ``_generate_walk``)."""

    def __init__(self, element: Element):
        super().__init__()
        self.element = element

    def __missing__(self, counts: tuple[int, ...]) -> str:
        out: list[str] = []
        pos = skip = k = 0  # pos: bytes from the item's start; skip: not yet written as "x"
        for part in self.element.parts:
            if isinstance(part, Fixed):
                skip += part.size
                pos += part.size
            elif isinstance(part, Array):
                fixed = part.element.fixed
                assert fixed is not None
                if skip:
                    out.append(f"{skip}x")
                    skip = 0
                out.append(f"{fixed.size * counts[k]}s")
                pos += fixed.size * counts[k]
                k += 1
            elif isinstance(part, Pad):
                pad = -pos % part.alignment
                if skip:
                    out.append(f"{skip}x")
                    skip = 0
                out.append({0: "0s", 4: "I"}[pad])
                pos += pad
        if skip:
            out.append(f"{skip}x")
        piece = self[counts] = "".join(out)
        return piece


def word_field(words, shift: int, mask: int, width: int = 32) -> array:
    """Field ``(word >> shift) & mask`` of every value of ``words`` (an
    array of ``width``-bit values), as an array ('B' or 'H' for a whole
    byte or half-word: a strided copy; else 'L', one Python operation per
    value)."""
    bits = mask.bit_length()
    if mask == (1 << bits) - 1 and bits in (8, 16) and shift % bits == 0:
        per = width // bits
        i = shift // bits if _NATIVE == "little" else per - 1 - shift // bits
        code = "B" if bits == 8 else "H"
        return array(code, memoryview(words).cast("B").cast(code)[i::per].tobytes())  # type: ignore[call-overload]  # code is "B" or "H"
    return array("L", [(v >> shift) & mask for v in words])


def field_is(words, shift: int, mask: int, expected: int) -> bool:
    """Whether field ``(word >> shift) & mask`` of every 32-bit value of
    ``words`` is ``expected`` (for a whole byte or half-word: one
    comparison of its strided bytes)."""
    bits = mask.bit_length()
    if mask == (1 << bits) - 1 and bits in (8, 16) and shift % bits == 0:
        per = 32 // bits
        i = shift // bits if _NATIVE == "little" else per - 1 - shift // bits
        code = "B" if bits == 8 else "H"
        column = memoryview(words).cast("B").cast(code)[i::per]  # type: ignore[call-overload]  # code is "B" or "H"
        return column.tobytes() == array(code, [expected]).tobytes() * len(column)
    return word_field(words, shift, mask).count(expected) == len(words)


def terminator(element: Element) -> bytes:
    """The element that ends each item's run in the joined element bytes:
    expected values in the Expect fields, zero elsewhere, and in an adapter
    field the first raw value the adapter refuses (so it is never mistaken
    for a real element)."""
    fixed = element.fixed
    assert fixed is not None
    out = bytearray(fixed.size)
    for leaf in fixed.leaves:
        if leaf.expected is not None:
            out[leaf.offset:leaf.offset + leaf.size] = leaf.expected
        elif leaf.valid is not None:
            invalid = leaf.valid.find(0)
            if invalid >= 0:
                out[leaf.offset] = invalid
    return bytes(out)


class FixedItems:
    """Bulk checks and object making for an Array of fixed-size items."""

    def __init__(self, element: Element, endian: str):
        fixed = element.fixed
        if fixed is None:
            raise Unsupported("not a fixed-size element")
        self.element = element
        self.fixed = fixed
        self.size = fixed.size
        self.endian = endian
        self.term = terminator(element)
        self.checks: list[tuple[int, bytes]] = []  # (byte offset in item, expected byte)
        self.kinds: list[tuple[int, bytes, int]] = []  # (offset, delete-table of valid raws, term raw)
        for leaf in fixed.leaves:
            if leaf.expected is not None:
                self.checks.extend((leaf.offset + j, leaf.expected[j:j + 1]) for j in range(leaf.size))
            if leaf.valid is not None:
                if leaf.size != 1:
                    raise Unsupported("adapter field wider than one byte")
                valid = bytes(v for v in range(256) if leaf.valid[v])
                self.kinds.append((leaf.offset, valid, self.term[leaf.offset]))
        self.make = self._maker()

    # -- checks ----------------------------------------------------------
    def first_bad(self, data: bytes, counts=None) -> int | None:
        """The first item of ``data`` that fails a check, or None.

        With ``counts`` (items per record), ``data`` is the joined runs of
        several records, each followed by one terminator, and the answer is
        the index of the first record holding a bad item."""
        n = len(data) // self.size
        if not self.checks and not self.kinds:
            return None
        terms = 0 if counts is None else len(counts)
        ok = True
        for offset, byte in self.checks:
            if data[offset::self.size] != byte * n:
                ok = False
                break
        if ok:
            for offset, valid, term_raw in self.kinds:
                rest = data[offset::self.size].translate(None, valid)
                want = bytes([term_raw]) * terms if term_raw not in valid else b""
                if rest != want:
                    ok = False
                    break
        if ok:
            return None
        size = self.size
        if counts is None:
            for i in range(n):
                if not self.item_ok(data[i * size:(i + 1) * size]):
                    return i
            return n
        start = 0
        for record, count in enumerate(counts):
            for i in range(start, start + count):
                if not self.item_ok(data[i * size:(i + 1) * size]):
                    return record
            start += count + 1
        return len(counts)

    def item_ok(self, item: bytes) -> bool:
        """Whether one encoded item passes every derived check."""
        if any(item[offset:offset + 1] != byte for offset, byte in self.checks):
            return False
        return all(item[offset] in valid for offset, valid, _ in self.kinds)

    # -- objects -----------------------------------------------------------
    def _maker(self):
        """``make(data) -> list`` of model objects (or plain values)."""
        element, fixed, e = self.element, self.fixed, self.endian
        if element.cls is None:
            leaf = fixed.leaves[0]
            code = leaf.code
            return lambda data: list(struct.unpack(f"{e}{len(data) // leaf.size}{code}", data))
        model = element.model_leaves()
        s = fixed.fields_struct(element.names)
        in_part_order = [leaf for leaf in fixed.leaves if leaf.name in element.names]
        cls = element.cls
        plain = all(leaf.decoded is None for leaf in model)
        if [l.name for l in in_part_order] == list(element.names) and plain and not fields_only_init(cls, element.names):
            self.make_one = lambda data: cls(*s.unpack(data))
            return lambda data: list(starmap(cls, s.iter_unpack(data)))
        # Reorder / adapt with generated code: each object made and its
        # fields set in the loop itself (no function of ours per item).
        args = [f"a{i}" for i in range(len(in_part_order))]
        position = {leaf.name: args[i] for i, leaf in enumerate(in_part_order)}
        values = []
        namespace: dict = {"cls": cls, "items": s.iter_unpack, "one": s.unpack, "new": object.__new__}
        for leaf in model:
            if leaf.decoded is not None:
                namespace[f"T_{leaf.name}"] = leaf.decoded
                values.append(f"T_{leaf.name}[{position[leaf.name]}]")
            else:
                values.append(position[leaf.name])
        targets = ", ".join(args) + ("," if len(args) == 1 else "")
        if fields_only_init(cls, element.names):
            # The class's __init__ only sets its fields: set them here, at
            # C speed each, rather than through a Python call per object
            # (265 -> 213 ns a location).
            sets = "".join(f"        o.{name} = {value}\n" for name, value in zip(element.names, values))
            src = (f"def make(data):\n    out = []\n    append = out.append\n    for {targets} in items(data):\n"
                   f"        o = new(cls)\n{sets}        append(o)\n    return out\n"
                   f"def make_one(data):\n    {targets} = one(data)\n    o = new(cls)\n"
                   + sets.replace("        ", "    ") + "    return o\n")
        else:
            src = (f"def make(data):\n    return [cls({', '.join(values)}) for {targets} in items(data)]\n"
                   f"def make_one(data):\n    {targets} = one(data)\n    return cls({', '.join(values)})\n")
        exec(compile(src, f"<stackmap fast make {cls.__name__}>", "exec"), namespace)
        self.make_one = namespace["make_one"]
        return namespace["make"]


def fields_only_init(cls: type, names: tuple[str, ...] | list[str]) -> bool:
    """Whether an object of ``cls`` with these field values can be made by
    setting them on ``object.__new__(cls)``: the model's classes, whose
    ``__init__`` (written out as ``dataclasses`` writes it, checked by
    tests/test_model_dataclass.py) sets exactly their slots, in this order,
    and nothing else.  Marked by ``__fields_only_init__`` in the class
    itself (a subclass is not marked by its base's)."""
    own = cls.__dict__
    return bool(own.get("__fields_only_init__")) and tuple(own.get("__slots__", ())) == tuple(names)


# (buffer, its byte-swapped words): the last one made, per thread, so that
# threads parsing different buffers never see each other's copy.
# (threading.local is _thread._local; threading itself is not needed.)
_swapped = _local()


def native_words(buf: bytes, endian: str):  # endian: "little" or "big"
    """``buf`` as 32-bit words in the blob's byte order (a memoryview on the
    bytes when that is the machine's order, else a byte-swapped copy, kept
    for the next blob of the same buffer)."""
    usable = len(buf) - len(buf) % 4
    if endian == _NATIVE:
        return memoryview(buf)[:usable].cast("I")
    kept = getattr(_swapped, "kept", None)
    if kept is not None and kept[0] is buf:
        return kept[1]
    words = array("I", buf[:usable])
    words.byteswap()
    _swapped.kept = (buf, words)
    return words


def forget_words() -> None:
    """Drop this thread's kept byte-swapped copy (at the end of a parse)."""
    _swapped.kept = None
