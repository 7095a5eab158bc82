"""Shared pieces of the documentation tests (tests/docs/)."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
#: Every LLVM-made object of the repository: the fixture corpus and the examples.
CORPUS = sorted(ROOT.glob("tests/data/*/*.o")) + sorted(ROOT.glob("tests/data/llvm22/*/*.o")) + sorted(ROOT.glob("examples/*.o"))
CORPUS_IDS = [str(p.relative_to(ROOT)) for p in CORPUS]
KSY = ROOT / "schemas" / "llvm_stackmap.ksy"
SCHEMA = ROOT / "schemas" / "stackmap.schema.json"
#: Where .ci/run installs the Kaitai compiler (npm install --prefix .ci/node …).
NODE_MODULES = ROOT / ".ci" / "node" / "node_modules"


def missing(message: str):
    """A test-time tool is missing: a failure under CI=true, else a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must install it (see .ci/run)", pytrace=False)
    pytest.skip(message)


def require_module(name: str, hint: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"Python package {hint!r} is not installed (pip install -e '.[test]')")


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [os.environ.get("KAITAI_NODE_MODULES", ""), str(NODE_MODULES), os.environ.get("NODE_PATH", "")]
    env["NODE_PATH"] = os.pathsep.join(p for p in paths if p)
    return env


@pytest.fixture(scope="session")
def kaitai_compiler():
    """A function compiling a .ksy to Python with the npm Kaitai compiler,
    through tests/docs/kaitai_compile.js."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        missing("node is not installed (Debian: apt-get install nodejs npm)")
    driver = HERE / "kaitai_compile.js"
    probe = subprocess.run([node, str(driver), "--version"], capture_output=True, text=True, env=_node_env())
    if probe.returncode != 0:
        missing("the Kaitai Struct compiler (npm kaitai-struct-compiler + js-yaml) is not installed: "
                + probe.stderr.strip())
    info = json.loads(probe.stdout)
    assert "python" in info["languages"]

    def compile_ksy(spec: pathlib.Path, outdir: pathlib.Path, *, debug: bool = False) -> list[str]:
        args = [node, str(driver), str(spec), str(outdir), "python"] + (["--debug"] if debug else [])
        res = subprocess.run(args, capture_output=True, text=True, env=_node_env())
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    compile_ksy.version = info["version"]
    return compile_ksy


def import_file(path: pathlib.Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def sections(path: pathlib.Path):
    from stackmap_construct.containers import read_container

    return read_container(path.read_bytes()).sections
