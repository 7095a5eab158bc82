"""Writing command output: stdout for ``-``, otherwise atomically (a
temporary file beside the target, renamed over it only when complete), so a
failure never leaves a partial file."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from typing import Iterable


class _Progress:
    """After about two seconds, a line on stderr saying how much was
    written, updated every second; only when stderr is a terminal, and
    wiped at the end, so that nothing extra is printed otherwise."""

    DELAY = 2.0

    def __init__(self, pieces: Iterable[str | bytes], stream=None):
        self.pieces = pieces
        self.stream = stream if stream is not None else sys.stderr
        self.shown = False

    def __iter__(self):
        tty = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        if not tty:
            yield from self.pieces
            return
        start = time.monotonic()
        next_at = start + self.DELAY
        written = 0
        try:
            for piece in self.pieces:
                written += len(piece)
                yield piece
                now = time.monotonic()
                if now >= next_at:
                    self.stream.write(f"\r{PROGRESS_PREFIX}{written / 1e6:,.0f} MB written, {now - start:.0f} s")
                    self.stream.flush()
                    self.shown = True
                    next_at = now + 1.0
        finally:
            if self.shown:
                self.stream.write("\r\033[K")
                self.stream.flush()


PROGRESS_PREFIX = "stackmap-construct: "


class Activity:
    """The same progress line for a command that works before it writes
    (validate, diff): after :attr:`_Progress.DELAY` seconds, a line on
    stderr saying what it is doing (:meth:`set`) and for how long, updated
    every second by a timer thread; only when stderr is a terminal, and
    wiped when the work ends, so that nothing extra is printed otherwise.

    Use it as a context manager around the work, and write the output
    after it (the line is wiped by then)."""

    def __init__(self, what: str, stream=None):
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0

    def set(self, what: str) -> None:
        """What the command is doing now, e.g. ``validating stackmap 2 of 3``."""
        self.what = what

    def __enter__(self) -> "Activity":
        tty = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        if tty:
            self._start = time.monotonic()
            self._thread = threading.Thread(target=self._tick, name="stackmap-construct progress", daemon=True)
            self._thread.start()
        return self

    def _tick(self) -> None:
        if self._stop.wait(_Progress.DELAY):
            return
        while not self._stop.is_set():
            self.stream.write(f"\r\033[K{PROGRESS_PREFIX}{self.what}, {time.monotonic() - self._start:.0f} s")
            self.stream.flush()
            self.shown = True
            if self._stop.wait(1.0):
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def write_output(path: str | None, data: str | bytes | Iterable[str | bytes]) -> None:
    """``data`` may also be an iterable of pieces, str or (UTF-8) bytes (a
    large dump), written as they come; a long one shows its progress on a
    terminal's stderr."""
    pieces = [data] if isinstance(data, (str, bytes)) else _Progress(data)
    if path is None or path == "-":
        for piece in pieces:
            if isinstance(piece, bytes):
                sys.stdout.flush()  # text written before goes first
                sys.stdout.buffer.write(piece)
            else:
                sys.stdout.write(piece)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".stackmap-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                f.write(piece if isinstance(piece, bytes) else piece.encode())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
