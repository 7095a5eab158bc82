#!/usr/bin/env python3
"""(Re)write stackmap_construct/format/fast/_plan_cache.py, the description
of format/v3.py that the fast path reads at start-up instead of deriving it
from the construct tree (see stackmap_construct.format.fast.plan.plan).

    python3 scripts/plan_cache.py [--check]

Run it after changing any of the sources it lists (plan.CACHE_SOURCES);
``--check`` writes nothing and exits 1 when the file is out of date (the
test suite checks the same: tests/test_plan_cache.py).  An out-of-date
cache is never used: the description is then derived, only more slowly.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import importlib  # noqa: E402

# (By its module path: the package stackmap_construct.format.fast exports
# the function plan() under the module's name.)
plan = importlib.import_module("stackmap_construct.format.fast.plan")


def main(argv: list[str]) -> int:
    text = plan.render_cache()
    try:
        with open(plan.CACHE_PATH, encoding="utf-8") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if "--check" in argv:
        if current != text:
            print(f"out of date: {plan.CACHE_PATH} (run python3 scripts/plan_cache.py)", file=sys.stderr)
            return 1
        print(f"up to date: {plan.CACHE_PATH}")
        return 0
    if current == text:
        print(f"unchanged {plan.CACHE_PATH}")
        return 0
    print(f"wrote {plan.write_cache()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
