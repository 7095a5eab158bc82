"""The fuzz target: every reader, on any input, either succeeds or raises a
:class:`~stackmap_construct.errors.StackMapError`; nothing else escapes,
and memory stays bounded by the input size.

:func:`check_input` runs ``parse`` and ``parse_all`` (both byte orders),
``explain`` (the field walk and its rendering), ``validate`` on whatever
parsed, and, given the command line's entry point (``command_line``: the library
never imports the CLI), its ``dump`` (text, llvm-readobj, json),
``explain`` and ``validate`` on a file holding the input, as a raw blob and
as whatever container it looks like.  :func:`fuzz_input` makes inputs from
a seed without hypothesis (valid blobs, their corruptions and mutations,
random bytes, ELF objects), for long runs (``scripts/fuzz.py``).
"""

from __future__ import annotations

import contextlib
import io
import signal
import tracemalloc
import zlib
from typing import Callable

from ..containers.elf_writer import write_elf
from ..errors import StackMapError
from ..format import build, parse, parse_all
from ..format.api import BACKENDS as PARSERS  # the parser implementations: every input goes through each
from ..format.api import backend as _backend
from ..format.walk import walk
from ..render.explain import render_explain
from ..model import to_dict
from ..validate import validate
from .corrupt import corrupt, corruption_kinds
from ..errors import GenerateError
from .rng import Rng
from .seeded import generate

#: Peak traced memory allowed: this many bytes per input byte, plus a base.
#: Measured: about 120 bytes per input byte at most (text renderings, with
#: a line per field, are the largest consumers) and 0.5 MB in all for small
#: inputs.  A reader that sized anything by a declared count would need
#: gigabytes for a 40-byte input.
MEMORY_PER_BYTE = 512
MEMORY_BASE = 1024 * 1024
#: Seconds one input may take through every target.
TIME_LIMIT = 5.0

ENDIANS = ("little", "big")


def _parser(name: str | None) -> contextlib.AbstractContextManager[None]:
    """Use parser implementation ``name`` (None: the default) inside ``with``."""
    return contextlib.nullcontext() if name is None else _backend(name)


_CLI_RUNS = (
    ["dump", "--format", "text"], ["dump", "--format", "llvm-readobj"], ["dump", "--format", "json"],
    ["explain"], ["validate"],
)


class FuzzFailure(AssertionError):
    """A reader broke its contract on ``data``."""

    def __init__(self, message: str, data: bytes):
        super().__init__(f"{message} (input of {len(data)} bytes: {data[:64].hex()}{'…' if len(data) > 64 else ''})")
        self.data = data


class _OutOfTime(BaseException):
    """Raised by the timer; a BaseException, so that no ``except Exception``
    of the code under test (the command line's last resort) swallows it."""


class _TimeLimit:
    """Interrupt the run after ``seconds`` (SIGALRM; a no-op where unavailable)."""

    def __init__(self, seconds: float, data: bytes):
        self.seconds, self.data = seconds, data
        self.usable = hasattr(signal, "setitimer")

    def _expire(self, signum, frame):
        raise _OutOfTime()

    def __enter__(self):
        if self.usable:
            try:
                self.previous = signal.signal(signal.SIGALRM, self._expire)
            except ValueError:  # not the main thread
                self.usable = False
                return self
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def _run(name: str, action, data: bytes) -> tuple:
    """``("ok", stackmaps)`` or ``(error class name, path, offset)``; anything
    but a StackMapError is a failure."""
    try:
        return ("ok", action())
    except StackMapError as e:
        if e.offset is not None and not 0 <= e.offset <= len(data):
            raise FuzzFailure(f"{name}: error offset {e.offset} outside the input", data) from None
        return (type(e).__name__, e.path, e.offset)
    except Exception as e:
        raise FuzzFailure(f"{name} raised {type(e).__name__}: {e}", data) from e


def _library(data: bytes) -> list[str]:
    """The library readers in both byte orders, with every parser
    implementation (they must agree); the outcome of each."""
    outcomes = []
    for endian in ENDIANS:
        targets = (
            ("parse", lambda: [parse(data, endian=endian)], PARSERS),
            ("parse_all", lambda: parse_all(data, endian=endian), PARSERS),
            ("explain", lambda: list(render_explain(walk(data, endian=endian))) and [], (None,)),
        )
        for name, action, parsers in targets:
            results = []
            for parser in parsers:
                with _parser(parser):
                    results.append(_run(f"{name} ({endian}{', ' + parser if parser else ''})", action, data))
            keys = [r if r[0] != "ok" else ("ok", [to_dict(sm) for sm in r[1]]) for r in results]
            if any(k != keys[0] for k in keys):
                raise FuzzFailure(f"{name} ({endian}): the parsers disagree: "
                                  + "; ".join(f"{p}: {str(k)[:120]}" for p, k in zip(parsers, keys)), data)
            outcomes.append(results[0][0])
            for sm in results[0][1] if results[0][0] == "ok" else []:
                _run(f"validate ({endian})", lambda: validate(sm, endian=endian), data)
    return outcomes


_READ_AS: tuple[list[str], ...] = (["--raw", "--endian", "little"], ["--raw", "--endian", "big"], [])


def _command_line(main: Callable[[list[str]], int], data: bytes, path: str, every_mode: bool) -> None:
    """The commands on a file holding ``data``: exit 0 or 1, never 3.  The
    file is read raw in either byte order and as whatever container it
    looks like; unless ``every_mode``, the input's checksum picks one of
    the three, so that a stream of inputs covers all at a third of the cost."""
    with open(path, "wb") as f:
        f.write(data)
    modes = _READ_AS if every_mode else [_READ_AS[zlib.crc32(data) % 3]]
    for command, extra in ((c, m) for c in _CLI_RUNS for m in modes):
        argv = [command[0], path, *command[1:], *extra]
        out, err = _console(), _console()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
        if status not in (0, 1):
            raise FuzzFailure(f"{' '.join(argv)} exited {status}: {_text(err)}", data)


def _text(console: io.TextIOWrapper) -> str:
    """What was written to a :func:`_console`."""
    raw = console.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode(errors="replace").strip()


def _console() -> io.TextIOWrapper:
    """A stand-in for stdout/stderr that, like the real ones, also takes
    bytes through ``.buffer``."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)


def warm_up(scratch_path: str, command_line: Callable[[list[str]], int] | None = None) -> None:
    """Run every target once on valid blobs and objects, so that one-time
    costs (imports, compiled parsers, caches) are not counted against the
    first fuzz input's memory bound."""
    for endian, triple in (("little", "x86_64-linux-gnu"), ("big", "s390x-linux-gnu")):
        blob = build(generate(0, functions=2, records=3), endian=endian)
        for data in (blob, write_elf(blob, triple)):
            check_input(data, scratch_path, command_line=command_line, every_mode=True, memory_limit=None)


def check_input(data: bytes, scratch_path: str, *, command_line: Callable[[list[str]], int] | None = None, every_mode: bool = False,
                time_limit: float = TIME_LIMIT, memory_limit: int | None = -1) -> str:
    """Run every target on ``data`` (``scratch_path``: a file the command
    line may use); return a short outcome, raise :class:`FuzzFailure` when
    a contract is broken.  ``every_mode``: the commands read the file in
    all three ways, not one.  ``memory_limit``: peak bytes allowed (default
    ``MEMORY_PER_BYTE * len(data) + MEMORY_BASE``; None: not checked).
    Call :func:`warm_up` once first."""
    data = bytes(data)
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        with _TimeLimit(time_limit, data):
            outcomes = _library(data)
            if command_line:
                _command_line(command_line, data, scratch_path, every_mode)
        _, peak = tracemalloc.get_traced_memory()
    except _OutOfTime:
        raise FuzzFailure(f"took more than {time_limit} s", data) from None
    finally:
        if not started:
            tracemalloc.stop()
    limit = MEMORY_PER_BYTE * len(data) + MEMORY_BASE if memory_limit == -1 else memory_limit
    if limit is not None and peak - base > limit:
        raise FuzzFailure(f"peak memory {peak - base} bytes exceeds {limit}", data)
    return outcomes[0]


# -- inputs without hypothesis ----------------------------------------------

def _valid_blob(rng: Rng) -> tuple[bytes, str]:
    endian = rng.choice(ENDIANS)
    sm = generate(rng.next64(), functions=(0, 3), records=(0, 6), constants=(0, 3),
                  locations=(0, 6), live_outs=(0, 4))
    return build(sm, endian=endian), endian


def mutate(rng: Rng, data: bytes) -> bytes:
    """One random change: a byte flipped or set to 0/0xFF, a 16- or 32-bit
    field set to its maximum, a cut, an insertion, a deletion, a repeat."""
    buf = bytearray(data)
    how = rng.below(8)
    if not buf:
        return bytes(rng.bytes(rng.integer(1, 16)))
    i = rng.below(len(buf))
    if how == 0:
        buf[i] ^= rng.integer(1, 255)
    elif how == 1:
        buf[i] = rng.choice([0, 0xFF])
    elif how == 2:
        width = rng.choice([2, 4])
        buf[i & ~(width - 1): (i & ~(width - 1)) + width] = b"\xff" * width
    elif how == 3:
        del buf[i:]
    elif how == 4:
        buf[i:i] = rng.bytes(rng.integer(1, 16))
    elif how == 5:
        del buf[i: i + rng.integer(1, 16)]
    elif how == 6:
        buf.extend(bytes(buf))
    else:
        buf[i] = rng.below(256)
    return bytes(buf)


def fuzz_input(rng: Rng) -> bytes:
    """One input: a valid blob, a corruption of one, a mutated one, two
    concatenated, random bytes, or an ELF object holding any of those."""
    choice = rng.below(6)
    if choice == 0:
        return rng.bytes(rng.integer(0, 256))
    blob, endian = _valid_blob(rng)
    if choice == 1:
        kind = rng.choice(corruption_kinds()).name
        try:
            blob = corrupt(blob, kind, rng.next64(), endian=endian).data
        except GenerateError:
            pass  # the kind does not apply to this blob: keep it valid
    elif choice == 2:
        other, _ = _valid_blob(rng)
        blob += other
    for _ in range(rng.integer(0, 3) if choice < 5 else 0):
        blob = mutate(rng, blob)
    if choice == 5 or rng.chance(1, 8):
        blob = write_elf(blob, "s390x-linux-gnu" if endian == "big" else "x86_64-linux-gnu")
        for _ in range(rng.integer(0, 2)):
            blob = mutate(rng, blob)
    return blob
