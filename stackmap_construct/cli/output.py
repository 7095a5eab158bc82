"""Writing command output: stdout for ``-``, otherwise atomically (a
temporary file beside the target, renamed over it only when complete), so a
failure never leaves a partial file."""

from __future__ import annotations

import os
import sys
import tempfile


def write_output(path: str | None, data: str | bytes) -> None:
    if path is None or path == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".stackmap-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
