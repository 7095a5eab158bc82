#!/usr/bin/env python3
"""Measures every stackmap-construct command's wall time and peak memory
against llvm-readobj --stackmap on the same objects (two mixes, 10 and 50 MB),
and the library's in-process rates, and checks each performance target:
each command within its ratio of llvm-readobj's time and memory, throughput
at 50 MB against 1 MB, parse and build rates.  Every comparison is with a
reference measured in the same run, on the same machine.

    python3 benchmarks/run.py [--quick] [--pairs N] [--runs N]

1. Makes (once, cached in benchmarks/.cache) x86-64 objects whose stackmap
   section is about 1, 10 and 50 MB, with llc from generated IR
   (benchmarks/inputs.py), in two mixes: "sparse" (about 8 locations a
   record, few distinct lines) and "dense" (about 28, many distinct stack
   offsets and constants).
2. For every command (dump in its three formats, validate, diff A A,
   explain --range of 16 bytes, the whole explain, build of dump's JSON)
   runs it as a user runs it after README's quick start (the console script
   of a fresh venv; ``--this-interpreter``: ``python -m stackmap_construct``
   by the interpreter running the benchmark, whose site may load .pth files
   a user's venv does not) and ``llvm-readobj --stackmap`` on the same file alternately
   (the order flips every pair), output to /dev/null; every figure is the
   ratio of medians of whole-process wall times measured in the same run.
   Peak memory is the child's maximum resident set size (wait4).
3. Throughput of every command at 50 MB against its 1 MB figure, the dump
   of examples/sample.o (by the console script of a fresh venv, as README's
   quick start installs it, and by this interpreter, each beside the
   interpreter's own start-up, ``python -c pass``; the package is
   byte-compiled first, as pip installs it), and
   in-process figures, best of --runs (parse, the view's
   columns, the objects, to_dict, build of the plain-data form).
4. Prints every figure and PASS or FAIL per target; the worse mix counts.

``--quick``: 10 MB only, 3 pairs, both mixes (a few minutes).
``--in-process``: only the in-process figures and the sample object.  The whole
``explain`` of 50 MB runs one pair (it takes minutes).  Other
programs running at the same time make timings noisy; the pairs are
alternated so both tools see the same conditions.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import inputs  # noqa: E402

from stackmap_construct import build, from_dict, parse, to_dict, view  # noqa: E402
from stackmap_construct.containers import read_container  # noqa: E402

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
    """(runs of a, runs of b), alternated pairs."""
    ta, tb = [], []
    for i in range(pairs):
        order = [(a, ta), (b, tb)] if i % 2 == 0 else [(b, tb), (a, ta)]
        for argv, out in order:
            out.append(run_child(argv))
    return ta, tb


def compile_package() -> None:
    """Byte-compile the package, as pip does when it installs it: the
    figures are then a user's, not those of an interpreter that compiles
    every module again at each start (PYTHONDONTWRITEBYTECODE set, or a
    checkout whose __pycache__ cannot be written)."""
    import compileall

    import stackmap_construct

    compileall.compile_dir(os.path.dirname(stackmap_construct.__file__), quiet=1)


def fresh_install(tmp: str) -> tuple[str, str]:
    """(console script, interpreter) of a fresh venv holding this source
    tree, as ``pip install`` leaves one: no system site-packages, the tree
    on a .pth line (a compat editable install: no import finder), and the
    console script pip writes for ``[project.scripts]``.  Checked to print
    what this interpreter prints."""
    import venv

    home = os.path.join(tmp, "fresh-venv")
    venv.create(home, with_pip=False, symlinks=True)
    python = os.path.join(home, "bin", "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The tree, then where this interpreter has the project's dependencies
    # (construct, pyelftools: as pip would install them; a directory on a
    # .pth line is searched, its own .pth files are not run).
    import importlib.util

    places = [ROOT]
    for dependency in ("construct", "elftools"):
        spec = importlib.util.find_spec(dependency)
        if spec is not None and spec.origin:
            place = os.path.dirname(os.path.dirname(spec.origin))
            if place not in places:
                places.append(place)
    with open(os.path.join(site, "stackmap_construct.pth"), "w") as f:
        f.write("".join(p + "\n" for p in places))
    # The entry point pip writes the script for (pyproject's [project.scripts]).
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        entry = re.search(r'^stackmap-construct\s*=\s*"([\w.]+):(\w+)"', f.read(), re.M)
    if entry is None:
        raise SystemExit("pyproject.toml names no stackmap-construct script")
    module, function = entry.groups()
    script = os.path.join(home, "bin", "stackmap-construct")
    with open(script, "w") as f:  # pip's template for console scripts
        f.write(f"#!{python}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                f"from {module} import {function}\n"
                "if __name__ == '__main__':\n"
                "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                f"    sys.exit({function}())\n")
    os.chmod(script, 0o755)
    sample = os.path.join(ROOT, "examples", "sample.o")
    # Every command works there (explain needs construct).
    subprocess.run([script, "explain", sample, "-o", os.devnull], check=True)
    mine = subprocess.run([script, "dump", sample], capture_output=True, check=True).stdout
    theirs = subprocess.run([sys.executable, "-m", "stackmap_construct", "dump", sample],
                            capture_output=True, check=True).stdout
    if mine != theirs:
        raise SystemExit("the fresh venv's dump of examples/sample.o differs from this interpreter's")
    return script, python


def median(values) -> float:
    return statistics.median(values)


def timed(fn, runs: int) -> tuple[float, float]:
    """(best, median) seconds of ``runs`` calls.  In process there is no
    reference run alongside to take a ratio to, and on a shared or virtual
    machine a run is only ever slowed (the same parse of 10 MB took 42 to
    112 ms on an idle 2-core VM here): the best run is the code's figure,
    as ``timeit`` takes it; the median is printed beside it."""
    times = []
    for _ in range(max(runs, 3)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), median(times)


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


#: How ours is started in the whole-process figures (set in main()).
OURS: list[str] = [sys.executable, "-m", "stackmap_construct"]


def commands(path: str, json_path: str, size: int) -> dict[str, list[str]]:
    """Every command measured, by name, on the object at ``path``."""
    ours = OURS
    mid = (size // 2) & ~7
    return {
        "dump --format llvm-readobj": ours + ["dump", path, "--format", "llvm-readobj"],
        "dump (text)": ours + ["dump", path],
        "dump --format json": ours + ["dump", path, "--format", "json"],
        "validate": ours + ["validate", path],
        "diff A A": ours + ["diff", path, path],
        "explain --range (16 bytes)": ours + ["explain", path, "--range", f"{mid:#x}:{mid + 16:#x}"],
        "explain (everything)": ours + ["explain", path],
        "build of dump's JSON": ours + ["build", json_path, "-o", os.devnull],
    }


#: ratio to llvm-readobj's wall time each command must stay within
LIMITS = {
    "dump --format llvm-readobj": 1.3, "dump (text)": 1.5, "dump --format json": 1.5, "validate": 1.5,
    "diff A A": 3.0, "explain --range (16 bytes)": 1.0, "explain (everything)": 10.0, "build of dump's JSON": 4.0,
}
#: ratio to llvm-readobj's peak memory (explain of everything: 2x)
MEMORY = {name: 3.0 for name in LIMITS} | {"explain (everything)": 2.0}


def measure(readobj: str, path: str, size: int, pairs: int, tmp: str, only=None) -> dict[str, tuple]:
    """name -> (our median s, readobj median s, our peak KB, readobj peak KB, all our times)."""
    json_path = os.path.join(tmp, os.path.basename(path) + ".json")
    if not os.path.exists(json_path):
        subprocess.run([sys.executable, "-m", "stackmap_construct", "dump", path, "--format", "json",
                        "-o", json_path], check=True, cwd=ROOT)
    out = {}
    for name, argv in commands(path, json_path, size).items():
        if only and name not in only:
            continue
        # The whole explain of 50 MB takes minutes: one pair there.
        n = 1 if name == "explain (everything)" and size > 20 * MB else pairs
        t_ref, t_ours = alternate([readobj, "--stackmap", path], argv, n)
        out[name] = (median(t for t, _ in t_ours), median(t for t, _ in t_ref),
                     max(m for _, m in t_ours), max(m for _, m in t_ref), [round(t, 2) for t, _ in t_ours])
    return out


class _Bare:
    """A location as bare as a Python object can be (see ``bare_objects``)."""

    __slots__ = ("kind", "size", "dwarf_regnum", "offset_or_small_constant")


def in_process(data: bytes, runs: int) -> dict[str, tuple[float, float]]:
    """(best, median) MB/s of the in-process figures on one blob."""
    size = len(data) / MB

    def every_field_objects():
        for r in parse(data).records:
            for loc in r.locations:
                loc.kind, loc.size, loc.dwarf_regnum, loc.offset_or_small_constant

    lv = view(parse(data)).locations
    assert lv.names == ("kind", "size", "dwarf_regnum", "offset_or_small_constant"), lv.names
    # (the four fields in the part's order, which is that of lv.names; reserved bytes skipped)
    assert [leaf.name for leaf in lv.fixed.leaves if leaf.name in lv.names] == list(lv.names)
    unpack = lv.fixed.fields_struct(lv.names).iter_unpack

    def bare_objects():
        """The least that a pure-Python model with an object per location
        costs here: parse(), then for each location a bare slotted object of its
        four fields (set on object.__new__ in the tightest loop, the cyclic
        collector paused meanwhile as parse's records are made; no records,
        no checks, no enum), kept in a list as a model keeps them, then read."""
        locations = view(parse(data)).locations.data
        new, out = object.__new__, []
        append = out.append
        gc.disable()
        try:
            for kind, size, regnum, offset in unpack(locations):
                o = new(_Bare)
                o.kind = kind
                o.size = size
                o.dwarf_regnum = regnum
                o.offset_or_small_constant = offset
                append(o)
        finally:
            gc.enable()
        for loc in out:
            loc.kind, loc.size, loc.dwarf_regnum, loc.offset_or_small_constant

    def every_field_columns():
        v = view(parse(data))
        for name in ("kind", "size", "dwarf_regnum", "offset_or_small_constant"):
            v.locations.column(name)
        for name in ("dwarf_regnum", "size"):
            v.live_outs.column(name)
        v.record_column("patchpoint_id"), v.record_column("instruction_offset")

    sm = parse(data)
    doc = to_dict(sm)
    assert build(doc) == data
    figures = {
        "parse()": timed(lambda: parse(data), runs),
        "parse() + every location field, by columns (view)": timed(every_field_columns, runs),
        "parse() + every location field, by objects": timed(every_field_objects, runs),
        "  the same, bare objects (floor of a pure-Python object model)": timed(bare_objects, runs),
        "to_dict(parsed)": timed(lambda: to_dict(sm), runs),
        "build(plain-data dict)": timed(lambda: build(doc), runs),
        "from_dict() then build()": timed(lambda: build(from_dict(doc)), runs),
        "build(parsed)": timed(lambda: build(sm), runs),
    }
    return {k: (size / best, size / middle) for k, (best, middle) in figures.items()}


# -- statepoints and call-site lookup (issue 13) ------------------------------
# A linked x86-64 executable whose stackmap is about 12 MB of 100,000
# generated statepoint records (gen --statepoints, linked by ld.lld so
# that records have absolute addresses for --pc); the commands that read
# statepoints and the call-site index, each as a ratio to llvm-readobj
# --stackmap on the same file in the same alternated pairs.

STATEPOINT_RECORDS = 100_000


def statepoint_input(log=print) -> str:
    """The cached linked image of generated statepoint records."""
    inputs.CACHE.mkdir(exist_ok=True)
    path = inputs.CACHE / f"statepoints-{STATEPOINT_RECORDS}.exe"
    if not path.exists():
        log(f"making {path.name} (gen --statepoints, ld.lld)")
        obj = str(path) + ".o"
        subprocess.run([sys.executable, "-m", "stackmap_construct", "gen", "--statepoints", "--seed", "7",
                        "--functions", "1000", "--records", str(STATEPOINT_RECORDS), "--container", "elf",
                        "--triple", "x86_64-linux-gnu", "-o", obj], check=True, cwd=ROOT)
        subprocess.run([inputs.find_tool("ld.lld"), "-e", "0", obj, "-o", str(path)], check=True)
        os.unlink(obj)
    return str(path)


def statepoint_figures(readobj: str, pairs: int) -> None:
    """Whole-process ratios of the statepoint commands and ``dump --pc``."""
    from stackmap_construct.lookup import CallSiteIndex
    from stackmap_construct.symbols import resolve_functions

    path = statepoint_input()
    container = read_container(open(path, "rb").read())
    section = container.sections[0]
    sm = parse(section.data)
    index = CallSiteIndex([sm], [resolve_functions(container, section, sm)])
    pc = hex(index.at_offset((0, 500), sm.records[index.records_of(0, 500)[0]].instruction_offset)[0].address)
    ours = OURS
    rows = {
        "statepoints (text)": ours + ["statepoints", path],
        "statepoints --format json": ours + ["statepoints", path, "--format", "json"],
        "statepoints --pc": ours + ["statepoints", path, "--pc", pc],
        "dump --pc": ours + ["dump", path, "--pc", pc],
        "dump --pc --format json": ours + ["dump", path, "--pc", pc, "--format", "json"],
    }
    print(f"statepoints: {os.path.basename(path)}, section {len(section.data) / MB:.1f} MB, "
          f"{len(sm.records):,} statepoint records; median of {pairs} alternated pairs:")
    for name, argv in rows.items():
        t_ref, t_ours = alternate([readobj, "--stackmap", path], argv, pairs)
        ours_s, ref_s = median(t for t, _ in t_ours), median(t for t, _ in t_ref)
        peak, peak_ref = max(m for _, m in t_ours), max(m for _, m in t_ref)
        print(f"  {name:28} {ours_s:7.3f} s ({ours_s / ref_s:5.2f}x of {ref_s:.3f} s)  "
              f"peak {peak / 1024:6.1f} MiB ({peak / peak_ref:4.2f}x of {peak_ref / 1024:.1f})")
    print()


def main() -> int:
    intro, _usage, *steps = (__doc__ or "").split("\n\n")
    ap = argparse.ArgumentParser(description="\n\n".join([intro, *steps]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 MB only, 3 pairs (a few minutes)")
    ap.add_argument("--pairs", type=int, default=5, metavar="N", help="alternated process pairs per comparison (default 5)")
    ap.add_argument("--runs", type=int, default=5, metavar="N", help="in-process repetitions (default 5)")
    ap.add_argument("--mix", choices=inputs.MIXES, action="append", help="only this mix (repeatable)")
    ap.add_argument("--in-process", action="store_true",
                    help="only the in-process figures and the dump of examples/sample.o (a minute)")
    ap.add_argument("--only", action="append", metavar="COMMAND",
                    help="only this command's figures, named as in the table (repeatable), e.g. 'explain (everything)'")
    ap.add_argument("--size", type=int, action="append", choices=(10, 50), metavar="MB",
                    help="only this size besides 1 MB (10 or 50; repeatable)")
    ap.add_argument("--statepoints-only", action="store_true", help="only the statepoint and --pc figures")
    ap.add_argument("--this-interpreter", action="store_true",
                    help="run ours as python -m stackmap_construct by this interpreter, not as the console script "
                         "of a fresh venv (the sample object is measured both ways regardless)")
    args = ap.parse_args()
    pairs = 3 if args.quick else args.pairs
    sizes = tuple(args.size) if args.size else (10,) if args.quick else (10, 50)
    mixes = args.mix or list(inputs.MIXES)

    compile_package()
    llc, readobj = inputs.find_tool("llc"), inputs.find_tool("llvm-readobj")
    version = subprocess.run([readobj, "--version"], capture_output=True, text=True).stdout
    version = next((line.strip() for line in version.splitlines() if "version" in line.lower()), "?")
    print(f"stackmap-construct benchmark, {datetime.datetime.now().isoformat(timespec='minutes')}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    report = Report()
    global OURS
    with tempfile.TemporaryDirectory() as venv_home:
        # As a user runs it after README's quick start (see fresh_install).
        script, bare = fresh_install(venv_home)
        if not args.this_interpreter:
            OURS = [script]
        print(f"llvm-readobj: {version}; ours: {' '.join(OURS)}")
        for python in (bare, sys.executable):
            t_ref, t_bare = alternate([readobj, "--version"], [python, "-c", "pass"], 5)
            print(f"  start-up: {python} -c pass {median(t for t, _ in t_bare) * 1000:.0f} ms "
                  f"(llvm-readobj --version {median(t for t, _ in t_ref) * 1000:.0f} ms)")
        if args.statepoints_only:
            statepoint_figures(readobj, pairs)
            return 0
        return _run(args, report, readobj, llc, pairs, sizes, mixes, script, bare)


def _run(args, report: Report, readobj: str, llc: str, pairs: int, sizes, mixes, script: str, bare: str) -> int:
    worst: dict[str, tuple[float, str]] = {}
    worst_mem: dict[str, tuple[float, str]] = {}
    rates: dict[tuple[str, str], dict[int, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mix in ([] if args.in_process else mixes):
            files = {mb: inputs.object_file(mb, llc, mix=mix) for mb in (1, *sizes)}
            for mb, path in files.items():
                data = read_container(path.read_bytes()).sections[0].data
                v = view(parse(data))
                print(f"input {mix} {mb:>2} MB: {path.name}: section {len(data) / MB:.1f} MB, {v.record_count:,} records, "
                      f"{len(v.locations):,} locations ({len(v.locations) / max(v.record_count, 1):.1f} a record), "
                      f"{len(set(v.locations.column('offset_or_small_constant'))):,} distinct offsets/constants")
            print()
            for mb in (1, *sizes):
                path = str(files[mb])
                size = len(read_container(files[mb].read_bytes()).sections[0].data)
                results = measure(readobj, path, size, pairs if mb != 1 else 3, tmp, args.only)
                print(f"{mix} mix, {mb} MB, whole process, median of {pairs if mb != 1 else 3} alternated pairs "
                      f"(ratio to llvm-readobj --stackmap in the same pairs):")
                for name, (ours, ref, peak, peak_ref, times) in results.items():
                    rates.setdefault((mix, name), {})[mb] = size / MB / ours
                    print(f"  {name:28} {ours:7.3f} s ({ours / ref:5.2f}x of {ref:.3f} s)  "
                          f"peak {peak / 1024:6.1f} MiB ({peak / peak_ref:4.2f}x of {peak_ref / 1024:.1f})  {times}")
                    if mb == 1:
                        continue
                    if ours / ref > worst.get(name, (0, ""))[0]:
                        worst[name] = (ours / ref, f"{mix} {mb} MB")
                    if peak / peak_ref > worst_mem.get(name, (0, ""))[0]:
                        worst_mem[name] = (peak / peak_ref, f"{mix} {mb} MB")
                print()
        sample = os.path.join(ROOT, "examples", "sample.o")
        # As a user runs it after README's quick start: the console script of
        # a fresh venv.  Then as this interpreter runs it, whose site may load
        # .pth files (an editable install's finder, a sandbox's certificate
        # hook) that a user's venv does not; each beside its bare start-up.
        sample_ratio = 0.0
        for label, ours, python in [("installed in a fresh venv", [script], bare),
                                    (f"{sys.executable} -m stackmap_construct",
                                     [sys.executable, "-m", "stackmap_construct"], sys.executable)]:
            t_ref, t_ours = alternate([readobj, "--stackmap", sample], [*ours, "dump", sample], max(pairs, 5))
            ratio = median(t for t, _ in t_ours) / median(t for t, _ in t_ref)
            sample_ratio = sample_ratio or ratio  # the first (the user's) counts
            print(f"dump examples/sample.o, {label}: {median(t for t, _ in t_ours):.3f} s vs llvm-readobj "
                  f"{median(t for t, _ in t_ref):.3f} s ({ratio:.2f}x)")
            # The floor under that figure: the interpreter alone (site and .pth files included).
            t_ref, t_bare = alternate([readobj, "--stackmap", sample], [python, "-c", "pass"], max(pairs, 5))
            print(f"  ({python} -c pass: {median(t for t, _ in t_bare):.3f} s, "
                  f"{median(t for t, _ in t_bare) / median(t for t, _ in t_ref):.2f}x, in the same way)")
        print()

    if not args.only:  # --only narrows to the named commands
        statepoint_figures(readobj, pairs)

    print(f"in process, MB/s: best of {max(args.runs, 3)} (median):")
    inproc: dict[str, list[tuple[float, str]]] = {}
    for mix in mixes:
        data = read_container(inputs.object_file(10, llc, mix=mix).read_bytes()).sections[0].data
        for name, (rate, middle) in in_process(data, args.runs).items():
            inproc.setdefault(name, []).append((rate, mix))
            print(f"  {mix:6} 10 MB  {name:52} {rate:8.1f} MB/s ({middle:.1f})")
        gc.collect()
    print()

    print("targets (the worse mix and size):")
    for name, limit in LIMITS.items():
        if name not in worst:  # --in-process
            continue
        ratio, where = worst[name]
        report.target(f"{name} <= {limit}x llvm-readobj", f"{ratio:.2f}x ({where})", ratio <= limit)
    for name, limit in MEMORY.items():
        if name not in worst_mem:
            continue
        ratio, where = worst_mem[name]
        report.target(f"peak memory of {name} <= {limit}x llvm-readobj's", f"{ratio:.2f}x ({where})", ratio <= limit)
    top = max(sizes)
    for (mix, name), by_size in rates.items():
        if top in by_size and 1 in by_size:
            a, b = by_size[1], by_size[top]
            report.target(f"{name}, {mix}: throughput at {top} MB >= 80% of 1 MB (whole process)",
                          f"{a:.1f} -> {b:.1f} MB/s ({b / a:.0%})", b >= 0.8 * a)
    report.target("dump of examples/sample.o <= 3x llvm-readobj's wall time (fresh venv)", f"{sample_ratio:.2f}x",
                  sample_ratio <= 3)
    for name, floor in [("parse()", 200), ("parse() + every location field, by columns (view)", 50),
                        ("to_dict(parsed)", 30), ("build(plain-data dict)", 30)]:
        rate, mix = min(inproc[name])
        report.target(f"{name} >= {floor} MB/s", f"{rate:.1f} MB/s ({mix})", rate >= floor)
    rate, mix = min(inproc["from_dict() then build()"])
    report.target("from_dict() then build() >= 30 MB/s (objects made)", f"{rate:.1f} MB/s ({mix})", rate >= 30)
    rate, mix = min(inproc["parse() + every location field, by objects"])
    floor = dict((m, r) for r, m in inproc["  the same, bare objects (floor of a pure-Python object model)"])[mix]
    report.target("parse() + every location field by objects >= 50 MB/s",
                  f"{rate:.1f} MB/s ({mix}; bare objects, the floor of a pure-Python object model here: {floor:.1f})", rate >= 50)
    failed = [name for name, ok in report.results if not ok]
    print()
    print(f"{len(report.results) - len(failed)} of {len(report.results)} targets met"
          + (f"; not met: {'; '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
