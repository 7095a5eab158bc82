"""The benchmark's inputs: x86-64 objects whose ``.llvm_stackmaps`` section
is 1, 10 or 50 MB, made by ``llc`` from generated IR and cached.

The IR looks like what a large program compiled with a stackmap at every
call gives (a WebAssembly module through an LLVM backend, a JIT's code
cache): thousands of functions; in each, values loaded before a call are
live across it (in callee-saved registers or spilled: ``Register`` and
``Indirect`` locations), stack slots are passed by address (``Direct``),
small constants repeat (0, 1, -1, small ints, some arbitrary 32-bit
values: ``Constant``) and large ones come from a module-wide pool of 256
(``ConstantIndex``); every fourth function makes ``anyregcc`` patchpoints,
whose records list live-out registers.  About 7,200 records and 58,000
locations per MB: 360,000 and 2.9 million in 50 MB.

The generator is deterministic (seeded); the objects are cached under
``benchmarks/.cache`` (git-ignored), keyed by size, the generator's
version and llc's version.
"""

from __future__ import annotations

import hashlib
import pathlib
import random
import shutil
import subprocess

GENERATOR_VERSION = 3
CACHE = pathlib.Path(__file__).resolve().parent / ".cache"
#: functions per MB of stackmap section (36 records each on average)
FUNCTIONS_PER_MB = 200
#: the same for the dense mix (about 360 bytes a record)
DENSE_FUNCTIONS_PER_MB = 66


def _stackmap_function(out: list[str], rng: random.Random, f: int, records: int, first_id: int,
                       pool: list[int]) -> None:
    out.append(f"define i64 @f{f}(i64 %a, i64 %b, i32 %c, double %d, i64* %p) {{")
    out.append("entry:")
    out.append("  %slot = alloca [4 x i64]")
    out.append("  %slot2 = alloca i32")
    for i in range(8):
        out.append(f"  %g{i} = getelementptr i64, i64* %p, i64 {i}")
        out.append(f"  %v{i} = load volatile i64, i64* %g{i}")
    out.append("  call void @clobber()")
    values = ["i64 %a", "i64 %b", "i32 %c", "double %d", "[4 x i64]* %slot", "i32* %slot2"]
    values += [f"i64 %v{i}" for i in range(8)]
    for r in range(records):
        operands = []
        for _ in range(rng.choice([5, 6, 7, 8, 8, 9, 9, 10])):
            x = rng.random()
            if x < 0.72:
                operands.append(rng.choice(values))
            elif x < 0.92:
                y = rng.random()
                if y < 0.5:
                    value = rng.choice([0, 1, -1, 2, 3, 4, 8, 16, 42, 255, -2])
                elif y < 0.9:
                    value = rng.randint(0, 4096)
                else:
                    value = rng.randint(-2**31, 2**31 - 1)
                operands.append(f"i64 {value}")
            else:
                operands.append(f"i64 {rng.choice(pool)}")
        args = "".join(", " + o for o in operands)
        out.append(f"  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 {first_id + r}, i32 0{args})")
        if rng.random() < 0.3:
            out.append("  call void @clobber()")
    out.append("  %s0 = add i64 %a, %b")
    for i in range(8):
        out.append(f"  %s{i + 1} = add i64 %s{i}, %v{i}")
    out.append("  ret i64 %s8")
    out.append("}")


def _patchpoint_function(out: list[str], rng: random.Random, f: int, records: int, first_id: int,
                         pool: list[int]) -> None:
    # anyregcc patchpoints on integer values only: llc 14 crashes when an
    # XMM register is live across a patchpoint.
    out.append(f"define i64 @f{f}(i64 %a, i64 %b, i64 %c, i64 %d) {{")
    out.append("entry:")
    out.append("  %x0 = mul i64 %a, %b")
    out.append("  %y = mul i64 %c, %d")
    out.append("  %z = xor i64 %a, %d")
    for r in range(records):
        choices = ["i64 %a", "i64 %b", "i64 %c", "i64 %d", f"i64 %x{r}", "i64 %y", "i64 %z",
                   f"i64 {rng.choice([0, 1, 7, 64])}", f"i64 {rng.choice(pool)}"]
        operands = [rng.choice(choices) for _ in range(rng.randint(4, 12))]
        nargs = rng.randint(0, 3)
        args = "".join(", " + o for o in operands)
        out.append(f"  %r{r} = call anyregcc i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64("
                   f"i64 {first_id + r}, i32 16, i8* null, i32 {nargs}{args})")
        out.append(f"  %x{r + 1} = add i64 %r{r}, %x{r}")
    out.append(f"  %u = add i64 %x{records}, %y")
    out.append("  %w = add i64 %u, %z")
    out.append("  ret i64 %w")
    out.append("}")


def _dense_function(out: list[str], rng: random.Random, f: int, records: int, first_id: int,
                    pool: list[int]) -> None:
    # About 28 locations a record, with many distinct stack offsets (24
    # values spilled around calls, 12 allocas of different sizes passed by
    # address) and many distinct constants (small and 32-bit ones drawn
    # widely, large ones from the pool).
    out.append(f"define i64 @f{f}(i64 %a, i64 %b, i32 %c, double %d, i64* %p) {{")
    out.append("entry:")
    for s in range(12):
        out.append(f"  %slot{s} = alloca [{s + 1} x i64]")
    for i in range(24):
        out.append(f"  %g{i} = getelementptr i64, i64* %p, i64 {i}")
        out.append(f"  %v{i} = load volatile i64, i64* %g{i}")
    out.append("  call void @clobber()")
    values = ["i64 %a", "i64 %b", "i32 %c", "double %d"]
    values += [f"[{s + 1} x i64]* %slot{s}" for s in range(12)]
    values += [f"i64 %v{i}" for i in range(24)]
    for r in range(records):
        operands = []
        for _ in range(rng.randint(22, 34)):
            x = rng.random()
            if x < 0.70:
                operands.append(rng.choice(values))
            elif x < 0.93:
                value = rng.randint(-2**31, 2**31 - 1) if rng.random() < 0.5 else rng.randint(-100000, 100000)
                operands.append(f"i64 {value}")
            else:
                operands.append(f"i64 {rng.choice(pool)}")
        args = "".join(", " + o for o in operands)
        out.append(f"  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 {first_id + r}, i32 0{args})")
        if rng.random() < 0.3:
            out.append("  call void @clobber()")
    out.append("  %s0 = add i64 %a, %b")
    for i in range(24):
        out.append(f"  %s{i + 1} = add i64 %s{i}, %v{i}")
    out.append("  ret i64 %s24")
    out.append("}")


#: the mixes of records: "sparse" (about 8 locations a record, few distinct
#: lines) and "dense" (about 28, many distinct offsets and constants)
MIXES = ("sparse", "dense")


def module(megabytes: float, seed: int = 2024, mix: str = "sparse") -> str:
    """LLVM IR whose stackmap section is about ``megabytes`` MB."""
    if mix == "dense":
        return _dense_module(megabytes, seed)
    rng = random.Random(seed)
    pool = [rng.randint(2**33, 2**62) for _ in range(256)]
    out = [
        "; generated by benchmarks/inputs.py",
        "declare void @llvm.experimental.stackmap(i64, i32, ...)",
        "declare i64 @llvm.experimental.patchpoint.i64(i64, i32, i8*, i32, ...)",
        "declare void @clobber()",
    ]
    next_id = 0
    for f in range(max(1, round(megabytes * FUNCTIONS_PER_MB))):
        records = rng.randint(18, 54)
        make = _patchpoint_function if f % 4 == 0 else _stackmap_function
        make(out, rng, f, records, next_id, pool)
        next_id += records
    return "\n".join(out) + "\n"


def _dense_module(megabytes: float, seed: int) -> str:
    rng = random.Random(seed)
    pool = [rng.randint(2**33, 2**62) for _ in range(4096)]
    out = [
        "; generated by benchmarks/inputs.py (dense mix)",
        "declare void @llvm.experimental.stackmap(i64, i32, ...)",
        "declare void @clobber()",
    ]
    next_id = 0
    for f in range(max(1, round(megabytes * DENSE_FUNCTIONS_PER_MB))):
        records = rng.randint(18, 54)
        _dense_function(out, rng, f, records, next_id, pool)
        next_id += records
    return "\n".join(out) + "\n"


def llc_version(llc: str) -> str:
    text = subprocess.run([llc, "--version"], capture_output=True, text=True, check=True).stdout
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def find_tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(f"{name}-14")
    if path is None:
        raise SystemExit(f"{name} not found (Debian: apt-get install llvm)")
    return path


def object_file(megabytes: float, llc: str, log=print, mix: str = "sparse") -> pathlib.Path:
    """The cached object for ``megabytes`` of the ``mix``, made on first use."""
    CACHE.mkdir(exist_ok=True)
    tag = "" if mix == "sparse" else f"-{mix}"
    name = f"stackmaps-{megabytes:g}MB{tag}-v{GENERATOR_VERSION}-{llc_version(llc)}.o"
    path = CACHE / name
    if path.exists():
        return path
    ir = path.with_suffix(".ll")
    log(f"generating {path.name} with llc (once; cached)...")
    ir.write_text(module(megabytes, mix=mix))
    tmp = path.with_suffix(".tmp")
    subprocess.run([llc, "-O1", "-mtriple=x86_64-linux-gnu", "-filetype=obj", str(ir), "-o", str(tmp)], check=True)
    tmp.rename(path)
    ir.unlink()
    return path
