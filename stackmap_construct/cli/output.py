"""Writing command output to ``-o PATH`` (or stdout for ``-`` / no path).

What happens to ``PATH``:

* a new path, or an existing regular file: the output goes to a temporary
  file beside it, which replaces it (``rename``) only once complete, so a
  failure leaves the old file as it was and never a partial one.  The file
  keeps the existing file's permission bits (a new one gets the umask's:
  ``0666 & ~umask``, like any file the shell creates).  A file with several
  hard links is rewritten in place once the output is complete, so that
  every link sees it; so is a writable file in a directory we cannot create
  files in (the output is staged in the temporary directory first).
* a symbolic link: its target is written, as above; the link stays.
* a FIFO, a device (``/dev/null``, ``/dev/stdout``, ``/dev/full``) or any
  other file that is not regular: written through directly; nothing is
  created or replaced beside it.
* a directory, or a path in a directory that does not exist: an error.

Errors name the path as the user gave it, never a temporary file.
"""

from __future__ import annotations

import os
import stat
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from typing import IO, Iterable, Union

    from ..render.parallel import ChildSegment

    Pieces = Union[str, bytes, Iterable[Union[str, bytes, ChildSegment]]]


class _Progress:
    """After about two seconds, a line on stderr saying how much was
    written, updated every second; only when stderr is a terminal, and
    wiped at the end, so that nothing extra is printed otherwise."""

    DELAY = 2.0

    def __init__(self, pieces: Iterable[Union[str, bytes, ChildSegment]], stream=None):
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
        import threading  # (here: the commands that write at once do not need it)

        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0

    def set(self, what: str) -> None:
        """What the command is doing now, e.g. ``validating stackmap 2 of 3``."""
        self.what = what

    def __enter__(self) -> "Activity":
        tty = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        if tty:
            import threading

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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(f: IO[bytes], data: Pieces) -> None:
    pieces = [data] if isinstance(data, (str, bytes)) else data
    for piece in pieces:
        if isinstance(piece, bytes):
            f.write(piece)
        elif isinstance(piece, str):
            f.write(piece.encode())
        else:  # a segment a child process rendered (render.parallel.ChildSegment)
            piece.write_into(f)


def _stdout(data: Pieces) -> None:
    pieces = [data] if isinstance(data, (str, bytes)) else data
    out = sys.stdout
    if out is None:  # started with descriptor 1 closed (``>&-``)
        raise OSError(9, os.strerror(9))  # EBADF
    binary = getattr(out, "buffer", None)  # none on a text-only stream (io.StringIO)
    for piece in pieces:
        if isinstance(piece, str):
            out.write(piece)
            continue
        if binary is None:
            out.write((piece if isinstance(piece, bytes) else piece.read()).decode())
            continue
        out.flush()  # text written before goes first
        if isinstance(piece, bytes):
            binary.write(piece)
        else:  # a segment a child process rendered (render.parallel.ChildSegment)
            piece.write_into(binary)
    out.flush()


def write_output(path: str | None, data: Pieces) -> None:
    """Write ``data`` (str, bytes, or an iterable of such pieces or of
    :class:`~stackmap_construct.render.parallel.ChildSegment`, written as
    they come; str as UTF-8) to ``path`` as described above; a long one
    shows its progress on a terminal's stderr.  An iterator of pieces is
    closed at the end, however it ends (a closed pipe, an error): a
    generator still producing, and a child process rendering for it, stop
    then rather than whenever the generator is collected."""
    source = data
    if not isinstance(data, (str, bytes)):
        data = _Progress(data)
    try:
        if path is None or path == "-":
            try:
                _stdout(data)
            except BrokenPipeError:
                raise
            except OSError as e:  # (a full disk): named as the output it is, not the input
                if e.filename is not None:
                    raise
                raise OSError(e.errno, e.strerror or str(e), "<stdout>") from None
            return
        try:
            _write_file(path, data)
        except OSError as e:
            # Name the user's path, not the temporary file or the link's target.
            raise OSError(e.errno, e.strerror or str(e), path) from None
    finally:
        close = getattr(source, "close", None)
        if close is not None and not isinstance(source, (str, bytes)):
            close()


def _write_file(path: str, data: Pieces) -> None:
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "Is a directory", path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(target, "wb") as f:  # a FIFO or device: written through
            _write(f, data)
        return
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, "No such file or directory", path)
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    in_place = st is not None and (st.st_nlink > 1 or not os.access(directory, os.W_OK | os.X_OK))
    if in_place and not os.access(target, os.W_OK):
        raise PermissionError(13, "Permission denied", path)
    import shutil  # (only for a file: start-up of the commands writing to stdout)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".stackmap-", dir=None if in_place else directory)
    try:
        with os.fdopen(fd, "wb") as f:
            _write(f, data)
            if in_place:
                # Complete: now copy it over the file, which keeps its inode.
                f.flush()
                with open(tmp, "rb") as src, open(target, "r+b") as dst:
                    shutil.copyfileobj(src, dst)
                    dst.truncate()
        if in_place:
            os.unlink(tmp)
            return
        os.chmod(tmp, mode)
        if st is not None and os.geteuid() == 0:
            try:  # keep the owner of a file root rewrites
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
