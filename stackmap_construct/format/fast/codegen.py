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

    ``scan(buf, w, o, n)`` starts at word ``o`` of ``w`` (the buffer as
    32-bit words in the blob's byte order) and walks ``n`` items, reading
    only the words that hold a count (and checking the pads on the way).
    It returns ``(offsets, words, end, bad)``:

    * ``offsets``: byte offset of each item (array 'Q');
    * ``words``: per word that holds a count, that word of every item,
      raw (array 'I'): :meth:`counts` takes the counts out of them and
      checks the other fields they hold, all at once;
    * ``end``: the word after the last item;
    * ``bad``: non-zero when a pad (or a reserved field outside a count's
      word) read in the loop is wrong (``first_bad`` then finds which item).

    A read past the buffer raises IndexError; ``end`` past the buffer means
    the last item is cut short.  :meth:`gather` then cuts every item's
    elements out of the buffer with one ``struct`` call (a format made of
    one cached piece per distinct combination of counts), instead of a
    slice per item.
    """

    def __init__(self, element: Element, endian: str):
        self.element = element
        self.endian = endian
        self.arrays: list[Array] = [p for p in element.parts if isinstance(p, Array)]
        self.count_names = [a.count_field for a in self.arrays]
        self.terms: list[bytes] = [terminator(a.element) for a in self.arrays]
        #: the words of one item that hold a count, packed in one int (its key)
        self.slots = 0
        #: per inner array: (shift, mask) of its count in an item's key
        self.count_fields: list[tuple[int, int]] = []
        #: (shift, mask, expected) of the other checked fields of the key's words
        self.word_checks: list[tuple[int, int, int]] = []
        self.source = self._generate() + "\n" + self._generate_walk()
        # Compiled with the plan's cache module when that ships this very
        # source (start-up: no compile at each run); else compiled now.
        cached = cached_scanner(endian_name(endian), self.source)
        if cached is not None:
            self.scan, self.first_bad = cached
        else:
            namespace = {"array": array, "repeat": repeat}
            exec(compile(self.source, f"<stackmap fast scan {endian}>", "exec"), namespace)
            self.scan = namespace["scan"]
            self.first_bad = namespace["first_bad"]
        self._pieces = _Pieces(element, self.count_fields)

    def counts(self, keys) -> tuple[list, bool]:
        """``(counts, ok)``: per inner array its count of every item (an
        array), from the keys ``scan`` kept, and whether the other fields of
        the words they hold are what they must be (reserved bytes zero)."""
        width = 32 * self.slots
        ok = all(word_field(keys, shift, mask, width).count(expected) == len(keys)
                 for shift, mask, expected in self.word_checks)
        return [word_field(keys, shift, mask, width) for shift, mask in self.count_fields], ok

    def gather(self, buf: bytes, start: int, keys) -> list[bytes]:
        """Per inner array, the elements of the consecutive items that start
        at byte ``start`` and have ``keys`` (from ``scan``), back to back:
        one ``struct`` call cuts them all out."""
        n = len(self.arrays)
        if not len(keys):
            return [b"" for _ in range(n)]
        # (a Struct of its own: struct's cache of formats would keep these big ones)
        values = struct.Struct("<" + "".join(map(self._pieces.__getitem__, keys))).unpack_from(buf, start)
        return [b"".join(values[k::n]) for k in range(n)]

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
        """``scan``: the walk that reads only the words holding a count and
        the pads, and keeps those words of each item packed in one int (its
        key); counts, the other fields of those words and the elements are
        taken out afterwards, in bulk (:meth:`counts`, :meth:`gather`)."""
        e = self.endian
        body: list[str] = []
        counts: dict[str, str] = {}
        found: list[tuple[int, list]] = []  # (slot, fields) of each word holding a count
        last = self.element.parts[-1] if self.element.parts else None
        if not isinstance(last, Pad) or any(isinstance(q, Pad) and last.alignment % q.alignment
                                            for q in self.element.parts):
            # gather's pieces assume each item starts aligned, as a final pad makes it
            raise Unsupported("a variable-size item that does not end with its widest pad")
        n_words = 0
        for part in self.element.parts:
            if isinstance(part, Fixed):
                for leaf in part.leaves:
                    if leaf.rebuild and leaf.name in self.count_names:
                        n_words += 1
        if n_words not in (1, 2):
            raise Unsupported("the walk keeps one or two count words per item")
        for part in self.element.parts:
            if isinstance(part, Fixed):
                words: dict[int, list[tuple[Leaf, int, int]]] = {}
                for leaf in part.leaves:
                    wanted = leaf.rebuild and leaf.name in self.count_names
                    if leaf.expect is None and not wanted:
                        continue
                    index, shift, mask = _word_field(leaf, 0, e)
                    words.setdefault(index, []).append((leaf, shift, mask))
                for index in sorted(words):
                    fields = words[index]
                    at = f"w[o + {index}]" if index else "w[o]"
                    if not any(leaf.rebuild and leaf.name in self.count_names for leaf, _, _ in fields):
                        for leaf, shift, mask in fields:  # checked in the loop
                            value = f"(({at} >> {shift}) & {mask:#x})"
                            expected = _expected_int(leaf, e)
                            body.append(f"BAD |= {value} ^ {expected:#x}" if expected else f"BAD |= {value}")
                        continue
                    slot = len(found)
                    if slot >= 2:
                        raise Unsupported("more than two count words in an item")
                    var = f"v{slot}"
                    body.append(f"{var} = {at}")
                    found.append((slot, fields))
                    if slot == n_words - 1:
                        key = " | ".join(f"(v{s} << {32 * (n_words - 1 - s)})" if n_words - 1 - s else f"v{s}"
                                         for s in range(n_words))
                        body.append(f"ap_key({key})")
                    for leaf, shift, mask in fields:
                        if leaf.rebuild and leaf.name in self.count_names:
                            if shift and shift + 8 * leaf.size == 32:
                                counts[leaf.name] = f"({var} >> {shift})"
                            else:
                                counts[leaf.name] = f"(({var} >> {shift}) & {mask:#x})" if shift else f"({var} & {mask:#x})"
                body.append(f"o += {part.size // 4}")
            elif isinstance(part, Array):
                fixed = part.element.fixed
                assert fixed is not None  # checked by _generate
                step = fixed.size // 4
                body.append(f"o += {counts[part.count_field]}" + (f" * {step}" if step != 1 else ""))
            elif isinstance(part, Pad):
                words_ = part.alignment // 4
                if words_ == 2:
                    body += ["if o & 1:", "    BAD |= w[o]", "    o += 1"]
                elif words_ > 2:
                    body += [f"for _pad in range(-o % {words_}):", "    BAD |= w[o]", "    o += 1"]
        self.slots = n_words
        at_count: dict[str, tuple[int, int]] = {}
        for slot, fields in found:
            up = 32 * (n_words - 1 - slot)  # the word's place in the key
            for leaf, shift, mask in fields:
                if leaf.rebuild and leaf.name in self.count_names:
                    at_count[leaf.name] = (shift + up, mask)
                if leaf.expect is not None:
                    self.word_checks.append((shift + up, mask, _expected_int(leaf, e)))
        self.count_fields[:] = [at_count[name] for name in self.count_names]
        merged: list[str] = []
        for line in body:  # "o += 4" then "o += (v0 >> 16) * 3": one statement
            if line.startswith("o += ") and merged and merged[-1].startswith("o += "):
                merged[-1] += " + " + line[5:]
            else:
                merged.append(line)
        lines = [
            "def scan(buf, w, o, n):",
            "    offsets = array('Q'); ap_offset = offsets.append",
            f"    keys = array('{'I' if n_words == 1 else 'Q'}'); ap_key = keys.append",
            "    BAD = 0",
            "    for _ in repeat(None, n):",
            "        ap_offset(o << 2)",
            *("        " + line for line in merged),
            "    return offsets, keys, o, BAD",
        ]
        return "\n".join(lines) + "\n"


class _Pieces(dict):
    """key of one item (its count words, see ``scan``) -> the struct format
    piece that skips its fixed parts and pads and takes each inner array's
    elements (``"16x96s4x4x8s"``); the item starts aligned (see
    ``_generate_walk``)."""

    def __init__(self, element: Element, count_fields: list[tuple[int, int]]):
        super().__init__()
        self.element = element
        self.count_fields = count_fields

    def __missing__(self, key: int) -> str:
        counts = [(key >> shift) & mask for shift, mask in self.count_fields]
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
                skip += pad
                pos += pad
        if skip:
            out.append(f"{skip}x")
        piece = self[key] = "".join(out)
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
        if [l.name for l in in_part_order] == list(element.names) and all(l.decoded is None for l in model):
            self.make_one = lambda data: cls(*s.unpack(data))
            return lambda data: list(starmap(cls, s.iter_unpack(data)))
        # Reorder / adapt with a generated function.
        args = [f"a{i}" for i in range(len(in_part_order))]
        position = {leaf.name: args[i] for i, leaf in enumerate(in_part_order)}
        values = []
        namespace: dict = {"cls": cls}
        for leaf in model:
            if leaf.decoded is not None:
                namespace[f"T_{leaf.name}"] = leaf.decoded
                values.append(f"T_{leaf.name}[{position[leaf.name]}]")
            else:
                values.append(position[leaf.name])
        src = f"def mk({', '.join(args)}):\n    return cls({', '.join(values)})\n"
        exec(compile(src, f"<stackmap fast make {cls.__name__}>", "exec"), namespace)
        mk = namespace["mk"]
        self.make_one = lambda data: mk(*s.unpack(data))
        return lambda data: list(starmap(mk, s.iter_unpack(data)))


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
