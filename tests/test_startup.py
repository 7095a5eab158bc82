"""Start-up stays light (issue 12, "dump of examples/sample.o <= 3x
llvm-readobj's wall time"): the dump of an object imports none of the
modules that cost milliseconds and that it does not need.  Each check runs
a fresh interpreter without site (``-S``), so only what the package itself
imports is seen, whatever the test environment's .pth files load."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join("examples", "sample.o")

#: Never imported by a dump: typing and dataclasses (with inspect, ast,
#: dis, tokenize: ~20 ms together) are for type checkers and for the
#: construct path; construct and pyelftools only on the paths that need
#: them; threads, signals and copies only when a command uses them.
HEAVY = {"typing", "dataclasses", "inspect", "ast", "dis", "tokenize", "construct", "elftools",
         "threading", "signal", "copy", "shutil", "tempfile", "subprocess", "pathlib", "difflib"}

FORMATS = [["--format", "text"], ["--format", "llvm-readobj"], ["--format", "json"]]
FIRST_LINE = {"text": b"examples/sample.o: ELF64 relocatable, x86_64", "llvm-readobj": b"LLVM StackMap Version: 3",
              "json": b"{"}


def _run(code: str) -> tuple[bytes, dict]:
    """``code`` run by ``python -S`` in the repository; it prints a JSON
    report on stderr's last line (json, which imports re, imported after
    the modules are listed)."""
    proc = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, {ROOT!r})\n" + code],
                          cwd=ROOT, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout, json.loads(proc.stderr.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f[1])
def test_cli_dump_imports_nothing_heavy(fmt):
    # argparse (and what it imports: re, gettext, locale) is the CLI's; it is
    # loaded first so that what the package adds is seen.
    code = ("import argparse\nargparse.ArgumentParser().parse_args([])\nbefore = set(sys.modules)\n"
            "from stackmap_construct.cli.main import main\n"
            f"status = main(['dump', {SAMPLE!r}, *{fmt!r}])\nsys.stdout.flush()\n"
            "new = sorted(set(sys.modules) - before)\nimport json\n"
            "print(json.dumps({'status': status, 'new': new}), file=sys.stderr)\n")
    out, report = _run(code)
    assert report["status"] == 0 and out.startswith(FIRST_LINE[fmt[1]])
    new = set(report["new"])
    assert "stackmap_construct.cli.dump" in new and "stackmap_construct.format.fast" in new  # (it looked)
    assert not HEAVY & new, sorted(HEAVY & new)
    assert not {m for m in new if m.startswith(("stackmap_construct.format.constructs", "stackmap_construct.format.walk",
                                                "stackmap_construct.format.fast.builder",
                                                "stackmap_construct.generate", "stackmap_construct.docgen"))}


def test_library_load_imports_nothing_heavy_nor_re():
    """load() and the text rendering, without the CLI, do not import re
    either (the CLI's argparse does)."""
    code = ("before = set(sys.modules)\nimport stackmap_construct\n"
            "from stackmap_construct.render.text import render_text\n"
            f"f = stackmap_construct.load({SAMPLE!r})\n"
            "text = render_text(f.stackmaps[0])\n"
            "assert [fn.symbol for fn in f.stackmaps[0].functions] == ['collect', 'patch'], f.stackmaps[0].functions\n"
            "new = sorted(set(sys.modules) - before)\nimport json\nprint(json.dumps({'new': new}), file=sys.stderr)\n")
    _, report = _run(code)
    new = set(report["new"])
    assert "stackmap_construct.format.columns" in new  # (the text renderer's columns were made)
    assert not (HEAVY | {"re", "argparse", "json"}) & new, sorted((HEAVY | {"re", "argparse", "json"}) & new)


def test_module_entry_point_imports_nothing_heavy():
    """``python -m stackmap_construct dump`` as README's quick start runs it
    (every module imported, as -X importtime lists them)."""
    proc = subprocess.run([sys.executable, "-S", "-X", "importtime", "-m", "stackmap_construct", "dump", SAMPLE],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(FIRST_LINE["text"].decode())
    imported = {line.split("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "stackmap_construct.render.text" in imported
    assert not HEAVY & imported, sorted(HEAVY & imported)


def test_model_dataclass_facts_are_still_there_when_asked():
    """The dataclass machinery the light start-up leaves out comes back on
    demand (the full contract: tests/test_model_dataclass.py)."""
    code = ("import json\nimport stackmap_construct as s\nassert 'dataclasses' not in sys.modules\n"
            "import dataclasses\nsm = s.load('examples/sample.o').stackmaps[0]\n"
            "d = dataclasses.asdict(sm.records[0])\n"
            "print(json.dumps({'fields': [f.name for f in dataclasses.fields(sm)], 'loc': sorted(d['locations'][0])}),"
            " file=sys.stderr)\n")
    _, report = _run(code)
    assert report == {"fields": ["version", "functions", "constants", "records"],
                      "loc": ["dwarf_regnum", "kind", "offset_or_small_constant", "size"]}
