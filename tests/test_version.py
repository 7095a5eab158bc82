"""--version on the installed command and on ``python -m``: the package's
version, which is also what the distribution's metadata says."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import stackmap_construct
from stackmap_construct.cli.main import main

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_version_is_written_once():
    assert re.fullmatch(r"\d+\.\d+\.\d+", stackmap_construct.__version__)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M), "the version is written in stackmap_construct/__init__.py only"
    assert importlib.metadata.version("stackmap-construct") == stackmap_construct.__version__


def test_main_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out == f"stackmap-construct {stackmap_construct.__version__}\n"


def test_python_m_version():
    proc = subprocess.run([sys.executable, "-m", "stackmap_construct", "--version"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"stackmap-construct {stackmap_construct.__version__}\n"


def test_console_script_version():
    script = shutil.which("stackmap-construct", path=str(pathlib.Path(sys.executable).parent))
    if script is None:
        pytest.skip("the stackmap-construct script is not installed next to this Python")
    proc = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"stackmap-construct {stackmap_construct.__version__}\n"
