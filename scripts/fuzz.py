#!/usr/bin/env python3
"""Long fuzz run over parse, parse_all, dump, explain and validate.

    python3 scripts/fuzz.py --seconds 600            # ten minutes
    python3 scripts/fuzz.py --inputs 100000 --seed 7

Inputs come from the seeded generator (valid blobs, corruptions, mutations,
random bytes, ELF objects), so a run is reproducible from its seed; no
hypothesis or atheris needed.  Each failing input is saved to --failures
and the run goes on.  Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from stackmap_construct.cli.main import main  # noqa: E402
from stackmap_construct.generate.fuzz import FuzzFailure, check_input, fuzz_input, warm_up  # noqa: E402
from stackmap_construct.generate.rng import Rng  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long (default 60)")
    parser.add_argument("--inputs", type=int, help="stop after this many inputs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the input stream (default 0)")
    parser.add_argument("--no-cli", action="store_true", help="library targets only (faster)")
    parser.add_argument("--failures", default="fuzz-failures", help="directory for failing inputs")
    args = parser.parse_args()

    rng = Rng(args.seed)
    outcomes: collections.Counter[str] = collections.Counter()
    failures = 0
    tried = 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stackmap-fuzz-") as tmp:
        scratch = os.path.join(tmp, "input.bin")
        warm_up(scratch, main)
        while time.monotonic() - start < args.seconds and (args.inputs is None or tried < args.inputs):
            data = fuzz_input(rng)
            tried += 1
            try:
                outcomes[check_input(data, scratch, command_line=None if args.no_cli else main)] += 1
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
