"""A long output rendered by two processes, written in order by one.

A renderer describes its output as consecutive *parts*: ``(units, part)``
where ``part(lo, hi)`` yields the text of units ``lo`` to ``hi`` (for a
stackmap: unit 0 its head, then one unit per record; a part's end, if any,
comes with its last unit), so that the text of ``part(0, m)`` followed by
``part(m, units)`` is the text of ``part(0, units)``.  :func:`concat` joins
several such descriptions into one (a document of several blobs).

:func:`render_in_two` gives the pieces of the whole, in order, as bytes:
where ``os.fork`` exists, the process has one thread, a second core is
idle (:func:`idle_core`) and the output is large enough, the units are cut into segments of :data:`SEGMENT`; the
parent renders the even ones and a forked child the odd ones, each whole
into a pipe, which the parent reads when it gets there.  Both work at once,
and neither holds more than a segment or so: memory stays that of one
process, and the first bytes come as soon as with one.  The parent alone
writes the output; the child writes nothing else, runs no cleanup of the
parent's (``os._exit``) and is always waited for: if the consumer stops
early (a closed pipe, an error), the child is killed and reaped.  If the
child fails, the parent renders the rest itself, so the bytes are the same
in every case.

With ``spliced=True`` the child's segments are not read into the parent:
each comes as a :class:`ChildSegment`, which the consumer writes to its
output with :meth:`ChildSegment.write_into` (``os.splice`` where there is
one: the kernel moves the bytes from the pipe to the output), before it
asks for the next piece.  The output of ``dump --format json`` of a 10 MB
stackmap is 115 MB, half of which the parent read and wrote again.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator

from ..processes import PROCESSES_VARIABLE, idle_core  # noqa: F401  (both part of this module's face)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Generator, Iterable, Sequence, Union

Render = Callable[[int, int], Iterator[str]]
Part = tuple[int, Render]
#: what :func:`render_in_two` takes: a part whose pieces may also be bytes
#: (UTF-8), as explain's are
AnyPart = tuple[int, Callable[[int, int], Iterator[str] | Iterator[bytes]]]

#: Fewer units than this (records) are rendered by one process: a fork
#: costs milliseconds, and the copy of the child's output more than a small
#: output's rendering.
MINIMUM = 20_000

#: Units (records) per segment: the parent renders the even segments, the
#: child the odd ones, each handed whole to the parent through a pipe.
SEGMENT = 1024

#: The pipe's size asked for (Linux): a segment's text or so.
PIPE = 1 << 20


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


def _encoded(pieces: Union[Iterable[str], Iterable[bytes]]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece if isinstance(piece, bytes) else piece.encode()


def render_in_two(part: AnyPart, *, minimum: int | None = None, segment: int | None = None,
                  when_idle: bool | None = None, spliced: bool = False) -> Generator[Union[bytes, ChildSegment], None, None]:
    """The bytes of the whole of ``part``, in pieces, rendered by two
    processes when it has at least ``minimum`` units (default
    :data:`MINIMUM`) and ``os.fork`` exists (see the module doc);
    ``segment``: units per segment (default :data:`SEGMENT`);
    ``when_idle``: only when a second core is idle (default: unless
    ``minimum`` is given); ``spliced``: the child's segments as
    :class:`ChildSegment` (see the module doc)."""
    units, render = part
    least = MINIMUM if minimum is None else minimum
    idle_only = minimum is None if when_idle is None else when_idle
    # Only a single-threaded process forks: another thread could hold a
    # lock the child would then wait for forever.  (threading, signal and
    # fcntl are imported only here: 1-2 ms of start-up for small outputs.)
    if units < max(least, 2) or not hasattr(os, "fork") or _threads() > 1 or (idle_only and not idle_core()):
        yield from _encoded(render(0, units))
        return
    yield from _forked(render, units, segment or SEGMENT, spliced)


def _threads() -> int:
    import threading

    return threading.active_count()


def _segments(units: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, units)) for lo in range(0, units, size)]


def _forked(render: Callable[[int, int], Union[Iterator[str], Iterator[bytes]]], units: int, size: int,
            spliced: bool = False) -> Iterator[Union[bytes, ChildSegment]]:
    import signal

    try:
        import fcntl
    except ImportError:  # pragma: no cover  (no fork there either)
        fcntl = None  # type: ignore[assignment]
    segments = _segments(units, size)
    try:
        read_end, write_end = os.pipe()
    except OSError:
        yield from _encoded(render(0, units))
        return
    if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        try:  # room for a whole segment of the child's ahead of the parent
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE)
        except OSError:
            pass
    sys.stdout.flush()  # nothing buffered is written twice
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        yield from _encoded(render(0, units))
        return
    if pid == 0:  # the child: the odd segments, each as its length then its bytes
        status = 1
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the parent gone: end here
            for lo, hi in segments[1::2]:
                pieces = list(_encoded(render(lo, hi)))  # (written as they are, not joined first)
                _write_all(write_end, [sum(map(len, pieces)).to_bytes(8, "little"), *pieces])
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    reaped = False
    try:
        alive = True
        for k, (lo, hi) in enumerate(segments):
            if k % 2 == 0 or not alive:
                yield from _encoded(render(lo, hi))
                continue
            size_ = _segment_size(read_end)
            if size_ is None:  # the child failed: the rest is rendered here
                alive = False
                yield from _encoded(render(lo, hi))
                continue
            got = ChildSegment(read_end, size_, _redo(render, lo, hi))
            if spliced:
                yield got
                if not got.done:
                    raise RuntimeError("a child's segment was not written before the next piece was asked for")
            else:
                yield got.read()
            alive = not got.short  # (its end missing: the child failed)
        os.close(read_end)
        read_end = -1
        _reap(pid)
        reaped = True
    finally:
        if read_end >= 0:
            os.close(read_end)
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # reaped already (SIGCHLD ignored)
        pass


def _write_all(fd: int, pieces: list[bytes]) -> None:
    """Write every piece, in order (``os.writev``: a few calls however many
    pieces, none copied into one first)."""
    views = [memoryview(p) for p in pieces if p]
    while views:
        batch = views[:512]  # (under any system's limit of buffers a call)
        written = os.writev(fd, batch)
        done = 0
        while done < len(batch) and written >= len(batch[done]):
            written -= len(batch[done])
            done += 1
        del views[:done]
        if written:  # the next one in part
            views[0] = views[0][written:]


def _redo(render: Callable[[int, int], Union[Iterator[str], Iterator[bytes]]], lo: int, hi: int) -> Callable[[], bytes]:
    """The bytes of units ``lo`` to ``hi``, rendered here when asked for."""
    return lambda: b"".join(_encoded(render(lo, hi)))


def _segment_size(fd: int) -> int | None:
    """The length the child sent before a segment, or None when it ended
    before (read unbuffered: the segment's bytes stay in the pipe)."""
    head = b""
    while len(head) < 8:
        got = os.read(fd, 8 - len(head))
        if not got:
            return None
        head += got
    return int.from_bytes(head, "little")


#: The files whose descriptor takes exactly what their write() takes.
_PLAIN_FILES = (io.BufferedWriter, io.BufferedRandom, io.FileIO)

#: Errors of ``os.splice`` that say it cannot join these two files (the
#: output opened for appending, a terminal...): written the usual way then.
_CANNOT_SPLICE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF, errno.EXDEV}


class ChildSegment:
    """A segment of ``len()`` bytes the child rendered, waiting in the pipe
    ``fd``, to be taken once: by :meth:`write_into` (straight to the output)
    or :meth:`read`.  Should the child end before all of it is in the pipe,
    the segment is rendered here again (``redo``: the same bytes) and only
    what is missing is written."""

    __slots__ = ("fd", "size", "redo", "taken", "short")

    def __init__(self, fd: int, size: int, redo: Callable[[], bytes]):
        self.fd, self.size, self.redo = fd, size, redo
        self.taken = 0  #: bytes taken from the pipe so far
        self.short = False  #: the pipe ended before the segment did

    def __len__(self) -> int:
        return self.size

    @property
    def done(self) -> bool:
        return self.taken == self.size

    def read(self) -> bytes:
        """The rest of the segment, as bytes."""
        chunks: list[bytes] = []
        while self.taken < self.size:
            got = os.read(self.fd, min(self.size - self.taken, PIPE))
            if not got:
                return b"".join(chunks) + self._missing()
            chunks.append(got)
            self.taken += len(got)
        return b"".join(chunks)

    def write_into(self, f: IO[bytes]) -> None:
        """Write the segment to the binary file ``f`` (flushed first): moved
        from the pipe by the kernel (``os.splice``), or read and written
        where that cannot be done."""
        f.flush()
        # Only into Python's own files: another object's descriptor may be
        # that of a file it writes something else to (a gzip.GzipFile's).
        splice = getattr(os, "splice", None) if type(f) in _PLAIN_FILES else None
        out = -1
        if splice is not None:
            try:
                out = f.fileno()
            except (OSError, ValueError):  # (io.UnsupportedOperation is both)
                splice = None
        while splice is not None and self.taken < self.size:
            try:
                moved = splice(self.fd, out, self.size - self.taken)
            except OSError as e:
                if e.errno not in _CANNOT_SPLICE or self.taken:
                    raise
                break  # (before anything moved) the usual way
            if not moved:  # the child ended early
                f.write(self._missing())
                return
            self.taken += moved
        if self.taken < self.size:
            f.write(self.read())

    def _missing(self) -> bytes:
        """The segment's bytes past those taken, rendered here."""
        self.short = True
        rest = self.redo()[self.taken:]
        self.taken = self.size
        return rest
