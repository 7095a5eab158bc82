"""Whether a second process is worth starting: a second core, idle now.

The renderers (:mod:`.render.parallel`) and the reader of dump's JSON
(:mod:`.format.jsonlayout`) both ask :func:`idle_core` before they fork.
"""

from __future__ import annotations

import os
import time

#: For measuring: ``1`` works in one process, ``2`` in two whenever the
#: work is long enough, whatever the load (unset: :func:`idle_core` decides).
PROCESSES_VARIABLE = "STACKMAP_CONSTRUCT_PROCESSES"


def idle_core() -> bool:
    """Whether a second core is there and idle: nothing but this process
    running or waiting to run on the cores there are, now (Linux's
    /proc/loadavg), or elsewhere the load average of the last minute
    leaving half a core free.  On a busy machine a second process only adds
    its overhead.  (The load average alone counts the work of the minute
    before: ``dump`` run over many files, each in two processes, kept it
    above the line and the later files went in one.)  A second task seen
    is looked for again, twice, a millisecond apart: one that runs for a
    moment does not make the core busy.
    :data:`PROCESSES_VARIABLE` overrides the answer (for measuring)."""
    forced = os.environ.get(PROCESSES_VARIABLE)
    if forced in ("1", "2"):
        return forced == "2"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover  (not Linux)
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    running = running_now()
    if running is not None:
        # A task that runs for a moment (a kernel thread, the shell that
        # started us) is not a busy core: read again, twice, a millisecond
        # apart (one reading in ten here saw such a task).
        for _ in range(2):
            if running is None or running <= cores - 1:
                break
            time.sleep(0.001)
            running = running_now()
        return running is not None and running <= cores - 1
    try:
        return os.getloadavg()[0] < cores - 0.5
    except OSError:  # pragma: no cover
        return True


def running_now() -> int | None:
    """Tasks running or runnable on the machine now, this one among them
    (the fourth field of /proc/loadavg, ``running/total``), or None where
    that is not known."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return int(f.read().split()[3].split(b"/")[0])
    except (OSError, IndexError, ValueError):
        return None
