"""Locating LLVM's command-line tools for the tests: LLVM 14 (Debian's
default ``llvm``: ``llc``, ``llc-14``) and every version in
:data:`LLVM_VERSIONS` (``llc-22``, ``/usr/lib/llvm-22/bin/llc``).

Under ``CI=true`` a missing tool is a test failure (CI installs both LLVMs);
elsewhere it is a visible skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _find(name: str) -> str | None:
    return shutil.which(name) or shutil.which(f"{name}-14")


def require(name: str) -> str:
    """Path of LLVM tool ``name`` (``llc``, ``llvm-readobj``…), or skip/fail."""
    path = _find(name)
    if path is None:
        message = f"{name} (Debian package 'llvm') is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must install it", pytrace=False)
        pytest.skip(message)
    return path


#: The LLVM versions the suite runs against; CI installs all of them
#: (Debian packages ``llvm`` and ``llvm-22``).
LLVM_VERSIONS = (14, 22)
_PACKAGE = {14: "llvm", 22: "llvm-22"}


def find_versioned(name: str, version: int) -> str | None:
    """Path of LLVM ``version``'s tool ``name``: ``name-version`` on PATH, or
    in ``/usr/lib/llvm-version/bin``."""
    path = shutil.which(f"{name}-{version}")
    if path is None and os.access(f"/usr/lib/llvm-{version}/bin/{name}", os.X_OK):
        path = f"/usr/lib/llvm-{version}/bin/{name}"
    return path


def require_versioned(name: str, version: int) -> str:
    """Path of LLVM ``version``'s ``name``, or skip (fail under CI=true)."""
    path = find_versioned(name, version)
    if path is None:
        message = f"{name} of LLVM {version} (Debian package '{_PACKAGE.get(version, f'llvm-{version}')}') is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must install it", pytrace=False)
        pytest.skip(message)
    return path


class Llvm:
    """One installed LLVM: its major version and the paths of its tools
    (missing: skip, or fail under CI=true)."""

    def __init__(self, version: int):
        self.version = version
        self.llc = require_versioned("llc", version)
        self.readobj = require_versioned("llvm-readobj", version)

    def __repr__(self) -> str:
        return f"LLVM {self.version}"


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, **kw)


def readobj_stackmap_block(text: str) -> str:
    """The part of ``llvm-readobj --stackmap`` output from the line
    ``LLVM StackMap Version: 3`` to the end (the part we reproduce)."""
    start = text.index("LLVM StackMap Version:")
    return text[start:]
