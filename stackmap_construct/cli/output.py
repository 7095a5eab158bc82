"""Writing command output: stdout for ``-``, otherwise atomically (a
temporary file beside the target, renamed over it only when complete), so a
failure never leaves a partial file."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Iterable


def write_output(path: str | None, data: str | bytes | Iterable[str | bytes]) -> None:
    """``data`` may also be an iterable of pieces, str or (UTF-8) bytes (a
    large dump), written as they come."""
    pieces = [data] if isinstance(data, (str, bytes)) else data
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
