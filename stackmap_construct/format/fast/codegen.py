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
import threading
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
    32-bit words in the blob's byte order) and walks ``n`` items.  It
    returns ``(offsets, counts, slices, end, bad)``:

    * ``offsets``: byte offset of each item (array 'Q');
    * ``counts``: per inner array, its count per item (array 'L');
    * ``slices``: per inner array, the bytes of every item's elements (a
      run; ``terms[k].join(slices[k]) + terms[k]`` puts one terminator
      element after each run, even an empty one);
    * ``end``: the word after the last item;
    * ``bad``: non-zero when a reserved field or a pad read in the loop is
      wrong (``first_bad`` then finds which item).

    A read past the buffer raises IndexError; ``end`` past the buffer means
    the last item is cut short.
    """

    def __init__(self, element: Element, endian: str):
        self.element = element
        self.endian = endian
        self.arrays: list[Array] = [p for p in element.parts if isinstance(p, Array)]
        self.count_names = [a.count_field for a in self.arrays]
        self.terms: list[bytes] = [terminator(a.element) for a in self.arrays]
        # Shipped ready-compiled with the plan's cache when that is current
        # (start-up); else generated and compiled now.
        cached = cached_scanner(element, endian_name(endian))
        if cached is not None:
            self.source, self.scan, self.first_bad = cached
            return
        self.source = self._generate()
        namespace = {"array": array, "repeat": repeat}
        exec(compile(self.source, f"<stackmap fast scan {endian}>", "exec"), namespace)
        self.scan = namespace["scan"]
        self.first_bad = namespace["first_bad"]

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
            lines = ["    for i in range(n):" if kind == "first_bad" else "    for _ in repeat(None, n):"]
            if kind == "scan":
                lines.append("        ap_offset(o << 2)")
            for indent, text in check_lines:
                if text == "CHECK_END":
                    if kind != "first_bad":
                        continue
                    text = "if (p << 2) > len(buf): return i"
                elif kind == "first_bad":
                    text = text.replace("BAD |= ", "if ").rstrip()
                    if text.startswith("if ") and not text.endswith(":"):
                        text += ": return i"
                lines.append("        " + "    " * indent + text)
            lines.append("        o = p")
            return "\n".join(lines)

        n_arrays = len(self.arrays)
        prologue = [
            "    offsets = array('Q'); ap_offset = offsets.append",
            *(f"    counts_{k} = array('L'); ap_count_{k} = counts_{k}.append" for k in range(n_arrays)),
            *(f"    slices_{k}: list = []; ap_slice_{k} = slices_{k}.append" for k in range(n_arrays)),
            "    BAD = 0",
        ]
        counts_t = ", ".join(f"counts_{k}" for k in range(n_arrays))
        slices_t = ", ".join(f"slices_{k}" for k in range(n_arrays))
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
            "def scan(buf, w, o, n):\n"
            + "\n".join(prologue) + "\n"
            + loop("scan") + "\n"
            + f"    return offsets, ({counts_t},), ({slices_t},), o, BAD\n\n"
            "def first_bad(buf, w, o, n):\n"
            "    try:\n"
            + "\n".join("    " + line for line in bad_prologue) + "\n"
            + "\n".join("    " + line for line in loop("first_bad").splitlines()) + "\n"
            "    except IndexError:\n"
            "        return i\n"
            "    return n - 1 if n and (o << 2) > len(buf) else None\n"
        )
        return src


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
_swapped = threading.local()


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
