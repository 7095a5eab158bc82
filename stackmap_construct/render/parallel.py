"""A long output rendered by two processes, written in order by one.

A renderer describes its output as consecutive *parts*: ``(units, part)``
where ``part(lo, hi)`` yields the text of units ``lo`` to ``hi`` (for a
stackmap: unit 0 its head, then one unit per record; a part's end, if any,
comes with its last unit), so that the text of ``part(0, m)`` followed by
``part(m, units)`` is the text of ``part(0, units)``.  :func:`concat` joins
several such descriptions into one (a document of several blobs).

:func:`render_in_two` gives the pieces of the whole, in order, as bytes:
where ``os.fork`` exists, the process has one thread and the output is
large enough, a child process
renders the second half into an unnamed temporary file meanwhile, and the
parent, once it has given its own first half, gives the child's from that
file.  The parent alone writes the output; the child writes nothing else,
runs no cleanup of the parent's (``os._exit``) and is always waited for: if
the consumer stops early (a closed pipe, an error), the child is killed and
reaped.  If the child fails, the parent renders the second half itself, so
the bytes are the same in every case.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from typing import IO, Callable, Generator, Iterable, Iterator, Sequence, Tuple

Render = Callable[[int, int], Iterator[str]]
Part = Tuple[int, Render]

#: Fewer units than this (records) are rendered by one process: a fork
#: costs milliseconds, and the copy of the child's output more than a small
#: output's rendering.
MINIMUM = 20_000

#: Bytes per piece read back from the child's output.
READ = 1 << 20


def concat(parts: Sequence[Part]) -> Part:
    """Several parts, one after the other, as one."""
    bounds = [0]
    for units, _ in parts:
        bounds.append(bounds[-1] + units)

    def render(lo: int, hi: int) -> Iterator[str]:
        for (units, part), base in zip(parts, bounds):
            a, b = max(lo - base, 0), min(hi - base, units)
            if a < b:
                yield from part(a, b)

    return bounds[-1], render


def fixed(text: str) -> Part:
    """A part of one unit that is always ``text``."""
    def render(lo: int, hi: int) -> Iterator[str]:
        yield text

    return 1, render


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode()


def render_in_two(part: Part, *, minimum: int | None = None) -> Generator[bytes, None, None]:
    """The bytes of the whole of ``part``, in pieces, rendered by two
    processes when it has at least ``minimum`` units (default
    :data:`MINIMUM`) and ``os.fork`` exists (see the module doc)."""
    units, render = part
    least = MINIMUM if minimum is None else minimum
    # Only a single-threaded process forks: another thread could hold a
    # lock the child would then wait for forever.
    if units < max(least, 2) or not hasattr(os, "fork") or threading.active_count() > 1:
        yield from _encoded(render(0, units))
        return
    yield from _forked(render, units, units // 2)


def _forked(render: Render, units: int, mid: int) -> Iterator[bytes]:
    try:
        spool: IO[bytes] = tempfile.TemporaryFile(prefix="stackmap-")
    except OSError:
        yield from _encoded(render(0, units))
        return
    with spool:
        sys.stdout.flush()  # nothing buffered is written twice
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            yield from _encoded(render(0, units))
            return
        if pid == 0:  # the child: the second half into the spool, then out
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                for piece in render(mid, units):
                    spool.write(piece.encode())
                spool.flush()
                status = 0
            finally:
                os._exit(status)
        reaped = False
        try:
            yield from _encoded(render(0, mid))
            _, status = os.waitpid(pid, 0)
            reaped = True
            if os.waitstatus_to_exitcode(status) != 0:
                yield from _encoded(render(mid, units))  # the child failed: render it here
                return
            spool.seek(0)
            while True:
                data = spool.read(READ)
                if not data:
                    break
                yield data
        finally:
            if not reaped:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
