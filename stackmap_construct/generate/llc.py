"""Running ``llc`` (LLVM 14) on generated IR, in a subprocess: LLVM aborts
the whole process on what it cannot compile, so it never runs in ours."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..errors import GenerateError

INSTALL_HINT = "install LLVM 14 (Debian/Ubuntu: apt-get install llvm) or pass --llc PATH"


def find_llc(explicit: str | None = None) -> str:
    """Path of llc: ``explicit`` when given, else ``llc`` or ``llc-14`` on PATH."""
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise GenerateError(f"llc not found at {explicit!r}; {INSTALL_HINT}")
        return found
    found = shutil.which("llc") or shutil.which("llc-14")
    if found is None:
        raise GenerateError(f"llc not found on PATH; {INSTALL_HINT}")
    return found


#: llc's register allocators.  "basic" spills whole live ranges, so an
#: operand planned as a spilled value always becomes an Indirect location;
#: "greedy" (llc's default at -O2) may split the range and reload the value
#: into a register just for the call site.
REGALLOCS = ("basic", "greedy")


def compile_ir(ir: str, triple: str, *, llc: str | None = None, regalloc: str = "basic") -> bytes:
    """The object file ``llc -O2`` makes from ``ir`` for ``triple``."""
    if regalloc not in REGALLOCS:
        raise GenerateError(f"unknown register allocator {regalloc!r} (expected {', '.join(REGALLOCS)})")
    tool = find_llc(llc)
    with tempfile.TemporaryDirectory(prefix="stackmap-gen-") as tmp:
        source, obj = os.path.join(tmp, "module.ll"), os.path.join(tmp, "module.o")
        with open(source, "w") as f:
            f.write(ir)
        cmd = [tool, "-O2", f"-regalloc={regalloc}", f"-mtriple={triple}", "-filetype=obj", source, "-o", obj]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            how = f"crashed (signal {-done.returncode})" if done.returncode < 0 else f"failed (exit {done.returncode})"
            detail = next((line.strip() for line in done.stderr.splitlines() if "error" in line.lower()), "")
            detail = detail or (done.stderr.strip().splitlines() or [""])[0]
            raise GenerateError(f"llc {how} for {triple}{': ' + detail if detail else ''}")
        with open(obj, "rb") as f:
            return f.read()
