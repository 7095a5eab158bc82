"""Locating LLVM 14's command-line tools for the tests.

Under ``CI=true`` a missing tool is a test failure (CI installs LLVM);
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


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, **kw)


def readobj_stackmap_block(text: str) -> str:
    """The part of ``llvm-readobj --stackmap`` output from the line
    ``LLVM StackMap Version: 3`` to the end (the part we reproduce)."""
    start = text.index("LLVM StackMap Version:")
    return text[start:]
