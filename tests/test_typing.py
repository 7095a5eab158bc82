"""The package type-checks: ``mypy`` with the settings in pyproject.toml
reports nothing, and the package says it is typed (PEP 561 ``py.typed``)."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_py_typed_is_shipped():
    assert (ROOT / "stackmap_construct" / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^stackmap_construct = \["py.typed"\]', pyproject, re.M), "py.typed must be package data"


def test_no_blanket_ignores():
    """No file-wide ``# type: ignore`` or ``ignore_errors`` anywhere; the
    only override is for construct, which ships no type information."""
    for path in (ROOT / "stackmap_construct").rglob("*.py"):
        head = path.read_text().split("\n", 30)[:30]
        assert not any(line.strip() == "# type: ignore" for line in head), f"{path}: file-wide type: ignore"
        assert "# mypy: ignore-errors" not in path.read_text(), f"{path}: mypy ignore-errors"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "ignore_errors" not in pyproject
    overrides = re.findall(r"^module = (.*)$", pyproject, re.M)
    assert overrides == ['["construct", "construct.*"]']


def test_mypy_is_clean():
    try:
        import mypy  # noqa: F401
    except ImportError:
        message = "mypy is not installed (it is in the test extra: pip install -e '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found")
