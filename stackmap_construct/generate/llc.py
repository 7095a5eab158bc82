"""Finding and running ``llc`` on generated IR, in a subprocess: LLVM aborts
the whole process on what it cannot compile, so it never runs in ours.

Several LLVMs can be installed side by side (Debian: ``llvm`` is LLVM 14 with
``llc`` and ``llc-14`` on PATH; ``llvm-22`` puts its tools in
``/usr/lib/llvm-22/bin/``).  Without ``--llc`` the newest one is used; its
major version decides the IR dialect (typed pointers for 14, ``ptr`` from 15
on) and what the target can compile (:mod:`.llvm_ir`)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache

from ..errors import GenerateError

INSTALL_HINT = ("install LLVM (Debian/Ubuntu: apt-get install llvm for LLVM 14, llvm-22 for LLVM 22) "
                "or pass --llc PATH")
_VERSION = re.compile(r"LLVM version (\d+)\.(\d+)\.(\d+)")
#: Where versioned LLVM installations keep their llc (Debian, Ubuntu, apt.llvm.org).
VERSIONED_LLC = "/usr/lib/llvm-[0-9]*/bin/llc"


@dataclass(frozen=True)
class Llc:
    """One installed llc."""

    path: str
    version: str  #: "22.1.8"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def describe(self) -> str:
        return f"{self.path} (LLVM {self.version})"


@lru_cache(maxsize=None)
def _version_of(path: str) -> str | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(done.stdout)
    return ".".join(found.groups()) if found else None


def llc_at(path: str) -> Llc:
    """The llc at ``path`` (a path, or a name looked up on PATH)."""
    found = shutil.which(path)
    if found is None:
        raise GenerateError(f"llc not found at {path!r}; {INSTALL_HINT}")
    version = _version_of(found)
    if version is None:
        raise GenerateError(f"{found} is not an llc: '{found} --version' names no LLVM version")
    return Llc(path, version)  # as the user spelled it


def installed_llcs() -> list[Llc]:
    """Every llc found: ``llc`` and ``llc-N`` on PATH, ``/usr/lib/llvm-N/bin/llc``;
    one entry per file, newest LLVM first."""
    candidates = [shutil.which("llc")]
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidates += sorted(glob.glob(os.path.join(folder or ".", "llc-[0-9]*")))
    candidates += sorted(glob.glob(VERSIONED_LLC))
    seen: set[str] = set()
    out = []
    for path in candidates:
        if not path or not os.access(path, os.X_OK):
            continue
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        version = _version_of(path)
        if version is not None:
            out.append(Llc(path, version))
    out.sort(key=lambda t: tuple(int(p) for p in t.version.split(".")), reverse=True)
    return out


def find_llc(explicit: str | None = None) -> Llc:
    """``explicit`` when given, else the newest llc installed."""
    if explicit:
        return llc_at(explicit)
    found = installed_llcs()
    if not found:
        raise GenerateError(f"llc not found on PATH nor in /usr/lib/llvm-*/bin; {INSTALL_HINT}")
    return found[0]


#: llc's register allocators.  "basic" spills whole live ranges, so an
#: operand planned as a spilled value always becomes an Indirect location;
#: "greedy" (llc's default at -O2) may split the range and reload the value
#: into a register just for the call site.
REGALLOCS = ("basic", "greedy")


def compile_ir(ir: str, triple: str, *, llc: Llc | str | None = None, regalloc: str = "basic",
               flags: tuple[str, ...] = ()) -> bytes:
    """The object file ``llc -O2`` makes from ``ir`` for ``triple``."""
    if regalloc not in REGALLOCS:
        raise GenerateError(f"unknown register allocator {regalloc!r} (expected {', '.join(REGALLOCS)})")
    tool = llc if isinstance(llc, Llc) else find_llc(llc)
    with tempfile.TemporaryDirectory(prefix="stackmap-gen-") as tmp:
        source, obj = os.path.join(tmp, "module.ll"), os.path.join(tmp, "module.o")
        with open(source, "w") as f:
            f.write(ir)
        cmd = [tool.path, "-O2", f"-regalloc={regalloc}", f"-mtriple={triple}", *flags, "-filetype=obj",
               source, "-o", obj]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            how = f"crashed (signal {-done.returncode})" if done.returncode < 0 else f"failed (exit {done.returncode})"
            detail = next((line.strip() for line in done.stderr.splitlines() if "error" in line.lower()), "")
            detail = detail or (done.stderr.strip().splitlines() or [""])[0]
            raise GenerateError(f"llc {tool.version} {how} for {triple}{': ' + detail if detail else ''}")
        with open(obj, "rb") as f:
            return f.read()
