#!/usr/bin/env python3
"""Long fuzz run over parse, parse_all, dump, explain and validate.

    python3 scripts/fuzz.py --seconds 600            # ten minutes
    python3 scripts/fuzz.py --inputs 100000 --seed 7
    python3 scripts/fuzz.py --containers --seconds 3600   # whole ELF/Mach-O/COFF/PE files

Inputs come from the seeded generator (valid blobs, corruptions, mutations,
random bytes, ELF objects), so a run is reproducible from its seed; no
hypothesis or atheris needed.  Each failing input is saved to --failures
and the run goes on.  Exit status 1 when anything failed.

``--containers`` fuzzes whole files instead: structure-aware mutations of
the real objects and images in tests/data/hostile/seeds (see make.sh there),
run through dump, explain and validate; the report counts, per container,
inputs, internal errors, other exit statuses, multi-line messages, hangs,
memory failures and the peak traced memory.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from stackmap_construct.cli.main import main as cli_main  # noqa: E402
from stackmap_construct.generate.fuzz import FuzzFailure, check_input, fuzz_input, warm_up  # noqa: E402
from stackmap_construct.generate.rng import Rng  # noqa: E402

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "hostile", "seeds")


def containers(args) -> int:
    from stackmap_construct.generate.fuzz_containers import (
        CATEGORIES, ContainerFuzzFailure, check_container, fields, mutate_container,
    )

    names = sorted(n for n in os.listdir(args.seeds) if not n.endswith(".sh"))
    seeds = [open(os.path.join(args.seeds, n), "rb").read() for n in names]
    layouts = [fields(s) for s in seeds]
    rng = Rng(args.seed)
    stats = {n: collections.Counter() for n in names}
    peaks = {n: (0, 0) for n in names}  # (largest peak of traced memory, that input's size)
    tried = failures = 0
    start = last = time.monotonic()

    def report(final: bool) -> None:
        elapsed = time.monotonic() - start
        print(f"{'final' if final else 'progress'}: {tried} inputs in {elapsed:.0f} s ({tried / max(elapsed, 1e-9):.1f}/s), "
              f"seed {args.seed}, {failures} failures", flush=True)
        cols = ["inputs", "ok", "error", *CATEGORIES]
        print(f"  {'seed':22s}" + "".join(f"{c:>20s}" for c in cols) + "   peak memory", flush=True)
        for n in names:
            peak, size = peaks[n]
            print(f"  {n:22s}" + "".join(f"{stats[n][c]:20d}" for c in cols)
                  + f"   {peak / 1e6:.2f} MB (input of {size} bytes)", flush=True)

    with tempfile.TemporaryDirectory(prefix="stackmap-fuzz-") as tmp:
        scratch = os.path.join(tmp, "input.bin")
        for s in seeds:  # one-time costs (imports, compiled parsers) first
            check_container(s, scratch, cli_main, memory_limit=None)
        while time.monotonic() - start < args.seconds and (args.inputs is None or tried < args.inputs):
            k = rng.below(len(seeds))
            data = mutate_container(rng, seeds[k], layouts[k])
            tried += 1
            stats[names[k]]["inputs"] += 1
            try:
                outcome, peak = check_container(data, scratch, cli_main)
                stats[names[k]][outcome] += 1
                if peak > peaks[names[k]][0]:
                    peaks[names[k]] = (peak, len(data))
            except ContainerFuzzFailure as e:
                failures += 1
                stats[names[k]][e.category] += 1
                os.makedirs(args.failures, exist_ok=True)
                name = os.path.join(args.failures, f"containers-seed{args.seed}-input{tried}.bin")
                with open(name, "wb") as f:
                    f.write(data)
                print(f"FAIL #{tried} ({names[k]}): {e} -> {name}", file=sys.stderr, flush=True)
            if time.monotonic() - last > 300:
                last = time.monotonic()
                report(False)
    report(True)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long (default 60)")
    parser.add_argument("--inputs", type=int, help="stop after this many inputs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the input stream (default 0)")
    parser.add_argument("--no-cli", action="store_true", help="library targets only (faster)")
    parser.add_argument("--failures", default="fuzz-failures", help="directory for failing inputs")
    parser.add_argument("--containers", action="store_true", help="fuzz whole container files (see above)")
    parser.add_argument("--seeds", default=SEEDS, help=f"seed files for --containers (default {SEEDS})")
    args = parser.parse_args()
    if args.containers:
        return containers(args)

    rng = Rng(args.seed)
    outcomes: collections.Counter[str] = collections.Counter()
    failures = 0
    tried = 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stackmap-fuzz-") as tmp:
        scratch = os.path.join(tmp, "input.bin")
        warm_up(scratch, cli_main)
        while time.monotonic() - start < args.seconds and (args.inputs is None or tried < args.inputs):
            data = fuzz_input(rng)
            tried += 1
            try:
                outcomes[check_input(data, scratch, command_line=None if args.no_cli else cli_main)] += 1
            except FuzzFailure as e:
                failures += 1
                os.makedirs(args.failures, exist_ok=True)
                name = os.path.join(args.failures, f"seed{args.seed}-input{tried}.bin")
                with open(name, "wb") as f:
                    f.write(data)
                print(f"FAIL #{tried}: {e} -> {name}", file=sys.stderr)
    elapsed = time.monotonic() - start
    print(f"{tried} inputs in {elapsed:.1f} s ({tried / elapsed:.0f}/s), seed {args.seed}, {failures} failures")
    for outcome, n in outcomes.most_common():
        print(f"  {n:8d}  {outcome}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
