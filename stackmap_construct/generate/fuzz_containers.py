"""The fuzz target for whole container files: ELF (32/64-bit, both byte
orders, objects and linked images), Mach-O, COFF and PE.

Mutations are structure-aware: :func:`fields` maps a seed file's header
fields, section / segment / load-command tables, symbol, string and
relocation tables (and the PE export directory) to (offset, width) slots,
and :func:`mutate_container` sets such slots to the values that break
readers (0, 1, all ones, the file's size, a neighbour's value, ...), cuts
the file at a structure's boundary, or changes bytes inside a section.

:func:`check_container` runs the command line (dump in its three formats,
explain, validate) on a file holding the input and classifies any broken
contract: an internal error (exit 3), another exit status but 0/1/2, an
error message of more than one line, a hang, or memory beyond
``MEMORY_PER_BYTE`` per input byte.
"""

from __future__ import annotations

import contextlib
import io
import signal
import tracemalloc
from dataclasses import dataclass
from typing import Callable

from .fuzz import MEMORY_BASE, MEMORY_PER_BYTE, TIME_LIMIT, FuzzFailure, _OutOfTime, _TimeLimit
from .rng import Rng

#: Wall-clock seconds an input may take, whatever the machine's load (the
#: hang check proper counts CPU seconds: a starved process is not hung).
WALL_LIMIT = 120.0

#: (offset, width in bytes, byte order "<" or ">")
Slot = tuple[int, int, str]

#: Table entries mapped per table (the first ones): enough to reach every
#: kind of field without making the map as large as the file.
MAX_ENTRIES = 48


@dataclass
class Layout:
    """What :func:`fields` found in a file: the slots and the byte ranges of
    section contents (where byte-level changes go)."""

    kind: str
    slots: list[Slot]
    regions: list[tuple[int, int]]
    boundaries: list[int]


def container_kind(data: bytes) -> str:
    """A short name for reporting: elf32le, elf64be, macho, coff, pe, ..."""
    if data[:4] == b"\x7fELF" and len(data) > 5:
        return f"elf{32 if data[4] == 1 else 64}{'le' if data[5] == 1 else 'be'}"
    if data[:4] == b"\xcf\xfa\xed\xfe":
        return "macho"
    if data[:2] == b"MZ":
        return "pe"
    return "coff"


def _u(data: bytes, at: int, width: int, e: str) -> int:
    if at < 0 or at + width > len(data):
        return 0
    return int.from_bytes(data[at:at + width], "little" if e == "<" else "big")


def _elf(data: bytes, lay: Layout) -> None:
    is64, e = data[4] == 2, "<" if data[5] == 1 else ">"
    w = 8 if is64 else 4
    add = lay.slots.append
    add((4, 1, e)), add((5, 1, e))
    # e_type .. e_shstrndx
    if is64:
        hdr = [(16, 2), (18, 2), (20, 4), (24, 8), (32, 8), (40, 8), (48, 4), (52, 2), (54, 2), (56, 2), (58, 2),
               (60, 2), (62, 2)]
    else:
        hdr = [(16, 2), (18, 2), (20, 4), (24, 4), (28, 4), (32, 4), (36, 4), (40, 2), (42, 2), (44, 2), (46, 2),
               (48, 2), (50, 2)]
    for at, width in hdr:
        add((at, width, e))
    phoff, shoff = _u(data, hdr[4][0], w, e), _u(data, hdr[5][0], w, e)
    phnum, shnum = _u(data, hdr[9][0], 2, e), _u(data, hdr[11][0], 2, e)
    phsize, shsize = (56, 64) if is64 else (32, 40)
    lay.boundaries += [phoff, shoff]
    for i in range(min(phnum, MAX_ENTRIES)):
        at = phoff + phsize * i
        lay.boundaries.append(at)
        cols = [(0, 4), (4, 4), (8, 8), (16, 8), (32, 8), (40, 8)] if is64 else [(0, 4), (4, 4), (8, 4), (16, 4), (20, 4), (24, 4)]
        lay.slots += [(at + o, s, e) for o, s in cols]
    for i in range(min(shnum, MAX_ENTRIES)):
        at = shoff + shsize * i
        if at + shsize > len(data):
            break
        lay.boundaries.append(at)
        if is64:
            cols = [(0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 4), (44, 4), (48, 8), (56, 8)]
            stype, flags, off, size, entsize = (_u(data, at + 4, 4, e), _u(data, at + 8, 8, e), _u(data, at + 24, 8, e),
                                                _u(data, at + 32, 8, e), _u(data, at + 56, 8, e))
        else:
            cols = [(o, 4) for o in range(0, 40, 4)]
            stype, flags, off, size, entsize = (_u(data, at + 4, 4, e), _u(data, at + 8, 4, e), _u(data, at + 16, 4, e),
                                                _u(data, at + 20, 4, e), _u(data, at + 36, 4, e))
        lay.slots += [(at + o, s, e) for o, s in cols]
        if stype == 8 or off + size > len(data):  # NOBITS, or broken already
            continue
        lay.boundaries += [off, off + size]
        lay.regions.append((off, size))
        if flags & 0x800:  # SHF_COMPRESSED: ch_type, ch_size
            lay.slots += [(off, 4, e), (off + (8 if is64 else 4), w, e)]
            continue
        if stype in (2, 11):  # SYMTAB, DYNSYM
            cols = [(0, 4), (4, 1), (6, 2), (8, 8), (16, 8)] if is64 else [(0, 4), (4, 4), (8, 4), (12, 1), (14, 2)]
            step = entsize or (24 if is64 else 16)
        elif stype in (4, 9):  # RELA, REL
            cols = [(0, w), (w, w)] + ([(2 * w, w)] if stype == 4 else [])
            step = entsize or w * (3 if stype == 4 else 2)
        elif stype == 6:  # DYNAMIC
            cols, step = [(0, w), (w, w)], 2 * w
        else:
            continue
        for j in range(min(size // max(step, 1), MAX_ENTRIES)):
            lay.slots += [(off + step * j + o, s, e) for o, s in cols]


def _macho(data: bytes, lay: Layout) -> None:
    e = "<"
    add = lay.slots.append
    for at in (4, 12, 16, 20, 24):
        add((at, 4, e))
    ncmds, pos = _u(data, 16, 4, e), 32
    for _ in range(min(ncmds, MAX_ENTRIES)):
        cmd, size = _u(data, pos, 4, e), _u(data, pos + 4, 4, e)
        if size < 8 or pos + size > len(data):
            break
        lay.boundaries.append(pos)
        add((pos, 4, e)), add((pos + 4, 4, e))
        if cmd == 0x19:  # LC_SEGMENT_64
            lay.slots += [(pos + o, s, e) for o, s in ((24, 8), (32, 8), (40, 8), (48, 8), (64, 4))]
            for k in range(min(_u(data, pos + 64, 4, e), MAX_ENTRIES)):
                sec = pos + 72 + 80 * k
                if sec + 80 > pos + size:
                    break
                lay.slots += [(sec + o, s, e) for o, s in ((32, 8), (40, 8), (48, 4), (52, 4), (56, 4), (60, 4), (64, 4))]
                off, sz = _u(data, sec + 48, 4, e), _u(data, sec + 40, 8, e)
                if off + sz <= len(data):
                    lay.regions.append((off, sz))
                    lay.boundaries += [off, off + sz]
                reloff, nreloc = _u(data, sec + 56, 4, e), _u(data, sec + 60, 4, e)
                for j in range(min(nreloc, MAX_ENTRIES)):
                    lay.slots += [(reloff + 8 * j, 4, e), (reloff + 8 * j + 4, 4, e)]
        elif cmd == 0x2:  # LC_SYMTAB
            lay.slots += [(pos + o, 4, e) for o in (8, 12, 16, 20)]
            symoff, nsyms = _u(data, pos + 8, 4, e), _u(data, pos + 12, 4, e)
            stroff, strsize = _u(data, pos + 16, 4, e), _u(data, pos + 20, 4, e)
            lay.boundaries += [symoff, stroff, stroff + strsize]
            lay.regions.append((stroff, strsize))
            for j in range(min(nsyms, MAX_ENTRIES)):
                lay.slots += [(symoff + 16 * j + o, s, e) for o, s in ((0, 4), (4, 1), (5, 1), (8, 8))]
        pos += size


def _coff(data: bytes, lay: Layout, start: int) -> None:
    e = "<"
    add = lay.slots.append
    lay.slots += [(start + o, s, e) for o, s in ((0, 2), (2, 2), (8, 4), (12, 4), (16, 2), (18, 2))]
    nsec, symptr, nsyms, optsize = (_u(data, start + 2, 2, e), _u(data, start + 8, 4, e), _u(data, start + 12, 4, e),
                                    _u(data, start + 16, 2, e))
    opt = start + 20
    headers = []
    if optsize:
        lay.slots += [(opt + o, s, e) for o, s in ((0, 2), (24, 8), (108, 4), (112, 4), (116, 4))]
    table = opt + optsize
    for i in range(min(nsec, MAX_ENTRIES)):
        at = table + 40 * i
        if at + 40 > len(data):
            break
        lay.boundaries.append(at)
        lay.slots += [(at + o, s, e) for o, s in ((0, 8), (8, 4), (12, 4), (16, 4), (20, 4), (24, 4), (32, 2), (36, 4))]
        vsize, vaddr, rawsize, rawptr, relptr, nrel = (_u(data, at + 8, 4, e), _u(data, at + 12, 4, e),
                                                       _u(data, at + 16, 4, e), _u(data, at + 20, 4, e),
                                                       _u(data, at + 24, 4, e), _u(data, at + 32, 2, e))
        headers.append((vaddr, max(vsize, rawsize), rawptr))
        if rawptr + rawsize <= len(data):
            lay.regions.append((rawptr, rawsize))
            lay.boundaries += [rawptr, rawptr + rawsize]
        for j in range(min(nrel, MAX_ENTRIES)):
            lay.slots += [(relptr + 10 * j + o, s, e) for o, s in ((0, 4), (4, 4), (8, 2))]
    if symptr:
        lay.boundaries += [symptr, symptr + 18 * nsyms]
        for j in range(min(nsyms, MAX_ENTRIES)):
            lay.slots += [(symptr + 18 * j + o, s, e) for o, s in ((0, 4), (4, 4), (8, 4), (12, 2), (14, 2), (16, 1), (17, 1))]
        add((symptr + 18 * nsyms, 4, e))  # the string table's size
    if optsize >= 120:
        rva = _u(data, opt + 112, 4, e)
        for vaddr, size, rawptr in headers:
            if vaddr <= rva < vaddr + size:
                at = rawptr + rva - vaddr
                lay.slots += [(at + o, 4, e) for o in (12, 20, 24, 28, 32, 36)]
                names = _u(data, at + 32, 4, e) - vaddr + rawptr
                lay.slots += [(names + 4 * j, 4, e) for j in range(min(_u(data, at + 24, 4, e), 8))]


def fields(data: bytes) -> Layout:
    """The slots of ``data`` (a well-formed seed), best effort."""
    kind = container_kind(data)
    lay = Layout(kind, [], [], [0, len(data)])
    if kind.startswith("elf"):
        _elf(data, lay)
    elif kind == "macho":
        _macho(data, lay)
    elif kind == "pe":
        lay.slots.append((0x3C, 4, "<"))
        _coff(data, lay, _u(data, 0x3C, 4, "<") + 4)
    else:
        _coff(data, lay, 0)
    size = len(data)
    lay.slots = [s for s in lay.slots if 0 <= s[0] and s[0] + s[1] <= size]
    lay.regions = [r for r in lay.regions if r[1] > 0]
    lay.boundaries = sorted({b for b in lay.boundaries if 0 <= b <= size})
    return lay


def _interesting(rng: Rng, data: bytes, slot: Slot, lay: Layout) -> int:
    at, width, e = slot
    top = (1 << (8 * width)) - 1
    current = _u(data, at, width, e)
    choice = rng.below(12)
    if choice == 0:
        return 0
    if choice == 1:
        return top
    if choice == 2:
        return top >> 1
    if choice == 3:
        return (top >> 1) + 1
    if choice == 4:
        return len(data) + rng.integer(-16, 16)
    if choice == 5:
        return current + rng.integer(-8, 8)
    if choice == 6:
        return current * 2 + rng.below(2)
    if choice == 7:
        return rng.choice(lay.boundaries) + rng.integer(-4, 4) if lay.boundaries else 0
    if choice == 8:  # another slot's value
        o, w, oe = rng.choice(lay.slots)
        return _u(data, o, w, oe)
    if choice == 9:
        return rng.integer(1, 16)
    if choice == 10:
        return 1 << rng.below(8 * width)
    return rng.below(top + 1)


def _set(data: bytearray, slot: Slot, value: int) -> None:
    at, width, e = slot
    data[at:at + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little" if e == "<" else "big")


def mutate_container(rng: Rng, seed: bytes, lay: Layout | None = None) -> bytes:
    """One to four structure-aware changes of ``seed``."""
    from .fuzz import mutate

    lay = lay or fields(seed)
    data = bytearray(seed)
    for _ in range(rng.integer(1, 4)):
        how = rng.below(20)
        if how < 13 and lay.slots:
            slot = rng.choice(lay.slots)
            if slot[0] + slot[1] <= len(data):
                _set(data, slot, _interesting(rng, bytes(data), slot, lay))
        elif how < 15 and lay.regions:  # bytes inside a section (a compressed stream, a stackmap, a table)
            off, size = rng.choice(lay.regions)
            for _ in range(rng.integer(1, 4)):
                i = off + rng.below(size)
                if i < len(data):
                    data[i] = rng.below(256)
        elif how < 17:  # cut at (or near) a structure's boundary
            cut = rng.choice(lay.boundaries) + rng.integer(-8, 8)
            del data[max(cut, 0):]
        elif how < 18 and lay.slots:  # a table entry copied over another
            (a, wa, _), (b, wb, _) = rng.choice(lay.slots), rng.choice(lay.slots)
            n = min(wa, wb)
            data[b:b + n] = data[a:a + n]
        else:
            data = bytearray(mutate(rng, bytes(data)))
    return bytes(data)


# -- the check ---------------------------------------------------------------

_RUNS = (["dump", "--format", "text"], ["dump", "--format", "llvm-readobj"], ["dump", "--format", "json"],
         ["explain"], ["validate"])

#: Failure categories, as reported.
CATEGORIES = ("internal error", "exit status", "multi-line message", "hang", "memory")


class _CpuLimit(_TimeLimit):
    """Interrupt after ``seconds`` of this process's CPU time (SIGPROF)."""

    def __enter__(self):
        if self.usable:
            try:
                self.previous = signal.signal(signal.SIGPROF, self._expire)
            except ValueError:  # not the main thread
                self.usable = False
                return self
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.usable:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous)
        return False


class ContainerFuzzFailure(FuzzFailure):
    def __init__(self, category: str, message: str, data: bytes):
        super().__init__(f"{category}: {message}", data)
        self.category = category


def _console() -> tuple[io.TextIOWrapper, io.BytesIO]:
    """A stand-in for stdout/stderr that also takes bytes (``.buffer``), and its bytes."""
    raw = io.BytesIO()
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", write_through=True), raw


def check_container(data: bytes, scratch_path: str, main: Callable[[list[str]], int], *,
                    time_limit: float = TIME_LIMIT, memory_limit: int | None = -1,
                    _again: bool = True) -> tuple[str, int]:
    """Run the commands (``main``: the command line's entry point; the
    library never imports the CLI) on a file holding ``data``; return (outcome, peak
    traced bytes), outcome "ok" when every command succeeded, else the
    first error's message class ("error").  Raises
    :class:`ContainerFuzzFailure` naming the broken contract."""
    with open(scratch_path, "wb") as f:
        f.write(data)
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    outcome = "ok"
    try:
        with _TimeLimit(WALL_LIMIT, data), _CpuLimit(time_limit, data):
            for command in _RUNS:
                argv = [command[0], scratch_path, *command[1:]]
                (out, _), (err, err_bytes) = _console(), _console()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    status = main(argv)
                text = err_bytes.getvalue().decode("utf-8", "replace")
                if status == 3:
                    raise ContainerFuzzFailure("internal error", f"{' '.join(argv)}: {text.strip()}", data)
                if status not in (0, 1, 2):
                    raise ContainerFuzzFailure("exit status", f"{' '.join(argv)} exited {status}: {text.strip()}", data)
                errors = [line for line in text.splitlines() if not line.startswith("stackmap-construct: warning:")]
                if len(errors) > 1:
                    raise ContainerFuzzFailure("multi-line message", f"{' '.join(argv)}: {text!r}", data)
                if status:
                    outcome = "error"
        _, peak = tracemalloc.get_traced_memory()
    except _OutOfTime:
        raise ContainerFuzzFailure("hang", f"took more than {time_limit} s of CPU time "
                                           f"(or {WALL_LIMIT} s in all)", data) from None
    finally:
        if not started:
            tracemalloc.stop()
    limit = MEMORY_PER_BYTE * len(data) + MEMORY_BASE if memory_limit == -1 else memory_limit
    if limit is not None and peak - base > limit and _again:
        # A one-time cost (a module imported, a parser compiled on first
        # use of a path) is not the input's: it does not recur.
        return check_container(data, scratch_path, main, time_limit=time_limit, memory_limit=memory_limit,
                               _again=False)
    if limit is not None and peak - base > limit:
        raise ContainerFuzzFailure("memory", f"peak memory {peak - base} bytes exceeds {limit}", data)
    return outcome, peak - base

