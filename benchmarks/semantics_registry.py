#!/usr/bin/env python3
"""Registry loading of ``stackmap-construct semantics`` (issue 10), in one
command:

    python3 benchmarks/semantics_registry.py [--entries N] [--runs N]

Writes two 60,000-entry registries (a light mix: 7 value semantics per start
entry; a heavy one: 24-32, as a function with 20 locals has) and times, in
this process, alternately and taking the best CPU time of each:

* the reference, measured in the same run: the careful decoder, entry by
  entry (``stackmap_entry_from_json``, which ``registry_from_json`` ran on
  every entry before), after ``json.loads`` with the garbage collector on;
* ``registry_from_json`` now (its one-pass fast path);
* the whole load as the command does it: ``json.loads`` (collector paused)
  and ``registry_from_json``.

Both decoders are checked to give equal registries.  Target: decoding >= 10x
faster than the reference on both mixes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from stackmap_construct.semantics import registry_from_json, stackmap_entry_from_json  # noqa: E402
from stackmap_construct.semantics.types import StackmapRegistry  # noqa: E402


def light(n: int) -> dict:
    sem = ["Ctx", {"WasmLocal": 0}, {"WasmLocal": 1}, {"WasmStack": 0}, {"Global": 3}, "MemoryBase",
           {"ImportedFuncPointer": 2}]
    return {"entries": [
        {"kind": "Call" if i % 4 else "Loop", "local_function_id": i // 1000, "opcode_offset": i,
         "value_semantics": sem if i % 2 == 0 else [], "local_count": 2 if i % 2 == 0 else 0,
         "stack_count": 1 if i % 2 == 0 else 0, "is_start": i % 2 == 0}
        for i in range(n)]}


def heavy(n: int) -> dict:
    entries = []
    for i in range(n):
        start = i % 2 == 0
        fid, depth = i // 200, (i // 2) % 9
        sem = (["Ctx", "MemoryBase", {"Global": fid % 5}, {"ImportedFuncCtx": i % 3}]
               + [{"WasmLocal": k} for k in range(20)] + [{"WasmStack": k} for k in range(depth)]) if start else []
        entries.append({"kind": "FunctionHeader" if i % 200 < 2 else ["Loop", "Call", "Trappable"][(i // 2) % 3],
                        "local_function_id": fid, "opcode_offset": 3 * (i // 2), "value_semantics": sem,
                        "local_count": 20 if start else 0, "stack_count": depth if start else 0,
                        "is_start": start})
    return {"entries": entries}


def careful(document: dict) -> StackmapRegistry:
    """What registry_from_json did before: the careful decoder on each entry."""
    return StackmapRegistry(tuple(stackmap_entry_from_json(e, f"entries[{i}]")
                                  for i, e in enumerate(document["entries"])))


def load_before(text: bytes) -> StackmapRegistry:
    return careful(json.loads(text))


def load_now(text: bytes) -> StackmapRegistry:
    gc.disable()
    try:
        document = json.loads(text)
    finally:
        gc.enable()
    return registry_from_json(document)


def best(fn, arg, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn(arg)
        times.append(time.process_time() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=60_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    failed = 0
    for name, make in (("light", light), ("heavy", heavy)):
        document = make(args.entries)
        text = json.dumps(document).encode()
        semantics = sum(len(e["value_semantics"]) for e in document["entries"])
        assert registry_from_json(document) == careful(document)
        t_ref = t_new = t_load_ref = t_load_new = float("inf")
        for _ in range(args.runs):  # alternate, so both see the same conditions
            t_ref = min(t_ref, best(careful, document, 1))
            t_new = min(t_new, best(registry_from_json, document, 1))
            t_load_ref = min(t_load_ref, best(load_before, text, 1))
            t_load_new = min(t_load_new, best(load_now, text, 1))
        n = args.entries
        print(f"{name} mix: {n:,} entries, {semantics:,} value semantics, {len(text) / 1e6:.1f} MB of JSON")
        print(f"  decode, reference (entry by entry)   {t_ref:7.3f} s  {t_ref / n * 1e6:6.2f} us/entry")
        print(f"  decode, registry_from_json now       {t_new:7.3f} s  {t_new / n * 1e6:6.2f} us/entry"
              f"  {t_ref / t_new:5.1f}x faster")
        print(f"  load (json.loads + decode), before   {t_load_ref:7.3f} s  {t_load_ref / n * 1e6:6.2f} us/entry")
        print(f"  load (json.loads + decode), now      {t_load_new:7.3f} s  {t_load_new / n * 1e6:6.2f} us/entry"
              f"  {t_load_ref / t_load_new:5.1f}x faster")
        ok = t_ref / t_new >= 10
        failed += not ok
        print(f"  target: decode >= 10x the reference: {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
