#!/usr/bin/env python3
"""Measures stackmap-construct's speed and memory against llvm-readobj's on
the same inputs, and checks the performance targets: parse >= 200 MB/s;
build of a parsed stackmap >= 100 MB/s (and of plain objects); dump --format
llvm-readobj no slower than llvm-readobj, --format json within 2x, peak
memory within 3x; throughput at 50 MB >= 80% of that at 1 MB.  Comparisons
are with references measured in the same run, on the same machine.

    python3 benchmarks/run.py [--pairs N] [--runs N]

1. Makes (once, cached in benchmarks/.cache) x86-64 objects whose stackmap
   section is about 1, 10 and 50 MB, with llc from generated IR
   (benchmarks/inputs.py).
2. Runs ``llvm-readobj --stackmap`` and ``stackmap-construct dump`` on the
   same file alternately (the order flips every pair), output to /dev/null,
   and takes medians of the whole-process wall times; peak memory is the
   child's maximum resident set size (wait4).
3. Times parse() and build() in this process (medians), and the
   throughput of parse and of parse + llvm-readobj text at 1 MB and 50 MB.
4. Prints every figure, every ratio, and PASS or FAIL per target.

Other programs running at the same time make timings noisy; the pairs are
alternated so both tools see the same conditions.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import inputs  # noqa: E402

from stackmap_construct import build, parse  # noqa: E402
from stackmap_construct.containers import read_container  # noqa: E402
from stackmap_construct.model import StackMap  # noqa: E402
from stackmap_construct.render.readobj import iter_render_readobj  # noqa: E402

MB = 1_000_000


# A small launcher forks the measured program from itself: the child's peak
# resident set (wait4's ru_maxrss) then starts from the launcher's few MB,
# not from this process's hundreds (Linux counts the memory a child had
# before exec).  It times fork to exit and prints "seconds maxrss_kb status".
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    out = os.open(os.devnull, os.O_WRONLY)
    os.dup2(out, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_child(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB) of one process, stdout to /dev/null."""
    done = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, *argv], capture_output=True, text=True, cwd=ROOT)
    try:
        seconds, peak, status = done.stdout.split()
    except ValueError:
        raise SystemExit(f"launching {argv} failed: {done.stderr}") from None
    if int(status) != 0:
        raise SystemExit(f"{argv[0]} failed ({status}): {done.stderr}")
    return float(seconds), int(peak)


def alternate(a: list[str], b: list[str], pairs: int) -> tuple[list, list]:
    ta, tb = [], []
    for i in range(pairs):
        order = [(a, ta), (b, tb)] if i % 2 == 0 else [(b, tb), (a, ta)]
        for argv, out in order:
            out.append(run_child(argv))
    return ta, tb


def median(values) -> float:
    return statistics.median(values)


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


class Report:
    def __init__(self):
        self.results: list[tuple[str, bool]] = []

    def target(self, name: str, value: str, ok: bool) -> None:
        self.results.append((name, ok))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value}")


def main() -> int:
    intro, _usage, *steps = (__doc__ or "").split("\n\n")
    ap = argparse.ArgumentParser(description="\n\n".join([intro, *steps]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=5, metavar="N", help="alternated process pairs per comparison (default 5)")
    ap.add_argument("--runs", type=int, default=7, metavar="N", help="in-process repetitions (default 7)")
    args = ap.parse_args()
    if args.pairs < 5:
        ap.error("at least 5 pairs")

    llc, readobj = inputs.find_tool("llc"), inputs.find_tool("llvm-readobj")
    version = subprocess.run([readobj, "--version"], capture_output=True, text=True).stdout
    version = next((line.strip() for line in version.splitlines() if "version" in line.lower()), "?")
    print(f"stackmap-construct benchmark, {datetime.date.today().isoformat()}")
    print(f"machine: {machine()}")
    print(f"llvm-readobj: {version}; ours: {sys.executable} -m stackmap_construct dump")
    files = {mb: inputs.object_file(mb, llc) for mb in (1, 10, 50)}
    sections = {}
    for mb, path in files.items():
        container = read_container(path.read_bytes())
        data = container.sections[0].data
        sm = parse(data)
        n_loc = sum(sm.records._blob.counts[0])
        sections[mb] = data
        print(f"input {mb:>2} MB: {path.name}: section {len(data) / MB:.1f} MB, {len(sm.records):,} records, "
              f"{n_loc:,} locations, {len(sm.functions):,} functions, {len(sm.constants):,} constants")
    print()
    report = Report()
    ours = [sys.executable, "-m", "stackmap_construct", "dump"]

    # -- whole processes -----------------------------------------------------
    peaks = {}
    for mb in (10, 50):
        path = str(files[mb])
        size = len(sections[mb]) / MB
        t_ref, t_ours = alternate([readobj, "--stackmap", path], ours + [path, "--format", "llvm-readobj"], args.pairs)
        t_ref2, t_json = alternate([readobj, "--stackmap", path], ours + [path, "--format", "json"], args.pairs)
        r = median(t for t, _ in t_ref)
        r_all = median(t for t, _ in t_ref + t_ref2)
        o = median(t for t, _ in t_ours)
        j = median(t for t, _ in t_json)
        peak_ref = max(m for _, m in t_ref + t_ref2)
        peak_ours = max(m for _, m in t_ours)
        peak_json = max(m for _, m in t_json)
        peaks[mb] = (peak_ref, peak_ours)
        print(f"{mb} MB object, whole process, median of {args.pairs} alternated pairs:")
        print(f"  llvm-readobj --stackmap        {r:6.3f} s  {size / r:6.1f} MB/s  peak {peak_ref / 1024:6.1f} MiB")
        print(f"  dump --format llvm-readobj     {o:6.3f} s  {size / o:6.1f} MB/s  peak {peak_ours / 1024:6.1f} MiB"
              f"  ({o / r:.2f}x)")
        print(f"  dump --format json             {j:6.3f} s  {size / j:6.1f} MB/s  peak {peak_json / 1024:6.1f} MiB"
              f"  ({j / r_all:.2f}x)")
        print(f"  all times: readobj {[round(t, 3) for t, _ in t_ref]}, ours {[round(t, 3) for t, _ in t_ours]}, "
              f"json {[round(t, 3) for t, _ in t_json]}")
        report.target(f"dump --format llvm-readobj, {mb} MB, <= 1.0x llvm-readobj", f"{o / r:.2f}x", o <= r)
        report.target(f"dump --format json, {mb} MB, <= 2.0x llvm-readobj", f"{j / r_all:.2f}x", j <= 2 * r_all)
        if mb == 50:
            report.target("peak memory of dump, 50 MB, <= 3x llvm-readobj's",
                          f"{peak_ours / 1024:.1f} MiB vs {peak_ref / 1024:.1f} MiB = {peak_ours / peak_ref:.2f}x",
                          peak_ours <= 3 * peak_ref)
        print()

    # -- in process ------------------------------------------------------------
    data = sections[10]
    size = len(data) / MB
    t_parse = timed(lambda: parse(data), args.runs)
    sm = parse(data)
    t_build = timed(lambda: build(sm), args.runs)
    assert build(sm) == data
    records = list(sm.records)  # every record made into objects: a plain model
    plain = StackMap(sm.version, list(sm.functions), list(sm.constants), records)
    t_plain = timed(lambda: build(plain), max(3, args.runs // 2))
    assert build(plain) == data
    print(f"10 MB blob in process, median of {args.runs} runs:")
    print(f"  parse()                              {t_parse:6.3f} s  {size / t_parse:7.1f} MB/s")
    print(f"  build(parse(blob)): records copied   {t_build:6.3f} s  {size / t_build:7.1f} MB/s")
    print(f"  build(plain model): every record an object  {t_plain:6.3f} s  {size / t_plain:7.1f} MB/s")
    report.target("parse() of 10 MB, every check made, >= 200 MB/s", f"{size / t_parse:.0f} MB/s", size / t_parse >= 200)
    report.target("build() of the parsed 10 MB stackmap, >= 100 MB/s", f"{size / t_build:.0f} MB/s", size / t_build >= 100)
    report.target("build() of a 10 MB model of plain objects, >= 100 MB/s", f"{size / t_plain:.0f} MB/s",
                  size / t_plain >= 100)
    del sm, records, plain
    gc.collect()
    print()

    # -- throughput at 1 MB and 50 MB --------------------------------------------
    def dump_in_process(blob):
        with open(os.devnull, "wb") as out:
            for piece in iter_render_readobj(parse(blob), encoded=True):
                out.write(piece)

    rates = {}
    for mb in (1, 50):
        blob = sections[mb]
        runs = args.runs
        rates[mb] = (len(blob) / MB / timed(lambda: parse(blob), runs),
                     len(blob) / MB / timed(lambda: dump_in_process(blob), runs))
    print("throughput in process (median), 1 MB -> 50 MB:")
    for i, what in enumerate(["parse()", "parse() + llvm-readobj text"]):
        a, b = rates[1][i], rates[50][i]
        print(f"  {what:28} {a:7.1f} MB/s -> {b:7.1f} MB/s  ({b / a:.0%})")
        report.target(f"{what} throughput at 50 MB >= 80% of 1 MB", f"{b / a:.0%}", b >= 0.8 * a)
    print()
    failed = [name for name, ok in report.results if not ok]
    print(f"{len(report.results) - len(failed)} of {len(report.results)} targets met"
          + (f"; not met: {'; '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
