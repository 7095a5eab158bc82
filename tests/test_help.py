"""The help texts say what the tool reads and what each option means."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from stackmap_construct.cli.main import make_parser
from stackmap_construct.wording import count, there_are

ROOT = pathlib.Path(__file__).resolve().parent.parent


def help_of(*argv: str) -> str:
    parser = make_parser()
    for name in argv:
        parser = next(a for a in parser._subparsers._actions if a.choices and name in a.choices).choices[name]
    return " ".join(parser.format_help().split())  # argparse wraps lines; compare words


@pytest.mark.parametrize("command", ["dump", "explain", "validate", "diff", "semantics"])
def test_inputs_name_every_container(command):
    text = help_of(command)
    for container in ("ELF", "Mach-O", "COFF", "PE", "raw"):
        assert container in text, f"{command} --help does not name {container}"


def test_every_option_has_help():
    parser = make_parser()
    for name, sub in parser._subparsers._actions[-1].choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {'/'.join(action.option_strings) or action.dest} has no help text"


def test_semantics_imported_counts_are_explained():
    text = help_of("semantics")
    assert "--imported-globals G number of globals the module imports (default 0)" in text
    assert "--imported-tables T number of tables the module imports (default 0)" in text


def test_diff_raw_names_both_inputs():
    text = help_of("diff")
    assert "--raw read A and B as bare stackmap blobs" in text


def test_wording():
    assert [count(n, "record") for n in (0, 1, 2)] == ["0 records", "1 record", "2 records"]
    assert there_are(1, "constant") == "there is 1 constant"
    assert there_are(3, "constant") == "there are 3 constants"


def test_benchmark_help_describes_the_benchmark():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--help"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "issue 7" not in text
    assert "against llvm-readobj --stackmap" in text and "performance target" in text
    assert "--pairs N" in text and "--runs N" in text
