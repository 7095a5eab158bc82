"""docs/cli.md is checked, not just written: every ```console block is run
and its output compared with the page, and every command has an example.

The page's conventions (stated at its end): in a ```console block, ``$ ``
starts a command, ``> `` continues it, anything else is the expected output
(stdout and stderr together, exactly).  The blocks of one ``##`` section run
in order in one fresh scratch directory holding copies of examples/,
tests/data/, docs/ and schemas/.  A command exiting non-zero must show it
(``; echo "exit status $?"``).  ``stackmap-construct`` is this checkout's,
run as ``python -m stackmap_construct``.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import pytest

from conftest import ROOT
from stackmap_construct.cli.main import COMMANDS

PAGE = ROOT / "docs" / "cli.md"
COPIED = ("examples", "tests/data", "docs", "schemas")


@dataclass
class Step:
    command: str
    line: int  #: line of the page where the command starts
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    start: int  #: line of the opening fence
    end: int  #: line of the closing fence
    steps: list[Step] = field(default_factory=list)


@dataclass
class Section:
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def steps(self) -> list[Step]:
        return [step for block in self.blocks for step in block.steps]


def read_page(text: str) -> list[Section]:
    sections: list[Section] = []
    block = None
    for n, line in enumerate(text.splitlines(), 1):
        if block is None and line.startswith("## "):
            sections.append(Section(line[3:].strip(), n))
        elif block is None and line.strip() == "```console":
            if not sections:
                sections.append(Section("(top)", n))
            block = Block(n, n)
        elif block is not None and line.strip() == "```":
            block.end = n
            sections[-1].blocks.append(block)
            block = None
        elif block is not None:
            steps = block.steps
            if line.startswith("$ "):
                steps.append(Step(line[2:], n))
            elif not steps:
                raise AssertionError(f"cli.md:{n}: output before any `$ ` command")
            elif line.startswith("> ") and not steps[-1].output:
                steps[-1].command += "\n" + line[2:]
            else:
                steps[-1].output.append(line)
    assert block is None, "cli.md: a ```console block is not closed"
    return [s for s in sections if s.steps]


def make_shell(tmp: pathlib.Path):
    """Run one command line as the page's reader would: bash, in a scratch
    copy of the repository's data, with this checkout's stackmap-construct."""
    scratch = tmp / "work"
    for d in COPIED:
        shutil.copytree(ROOT / d, scratch / d)
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "stackmap-construct"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m stackmap_construct "$@"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "HOME": str(tmp),
        "LC_ALL": "C.UTF-8",
        "COLUMNS": "80",
    }

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=scratch, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)

    return run


SECTIONS = read_page(PAGE.read_text())


@pytest.fixture
def shell(tmp_path):
    return make_shell(tmp_path)


@pytest.mark.parametrize("section", SECTIONS, ids=[s.title for s in SECTIONS])
def test_every_example_prints_what_the_page_shows(shell, section):
    for step in section.steps:
        res = shell(step.command)
        expected = "".join(line + "\n" for line in step.output)
        where = f"docs/cli.md:{step.line}: $ {step.command.splitlines()[0]}"
        assert res.returncode == 0, (
            f"{where}\nexited {res.returncode}; show it on the page with `; echo \"exit status $?\"`\n{res.stdout}")
        assert res.stdout == expected, f"{where}\nthe page and the real output differ"


def test_every_command_has_an_example():
    commands = [step.command for s in SECTIONS for step in s.steps]
    for name in COMMANDS:
        pattern = re.compile(rf"(^|[;&|(]\s*)stackmap-construct\s+{re.escape(name)}(\s|$)", re.M)
        assert any(pattern.search(c) for c in commands), (
            f"docs/cli.md has no example of `stackmap-construct {name}`: add a "
            f"`## \\`stackmap-construct {name}\\`` section with a ```console block (see the end of docs/cli.md)")


def test_the_page_reader():
    page = "## a\n```console\n$ cat > x <<'EOF'\n> 1\n> EOF\n$ cat x\n1\n> not a continuation\n```\n## b\ntext\n"
    (a,) = read_page(page)
    assert [(s.command, s.output) for s in a.steps] == [
        ("cat > x <<'EOF'\n1\nEOF", []), ("cat x", ["1", "> not a continuation"])]


def update_page() -> None:
    """Rewrite the outputs shown on the page with the real ones; review the
    diff before committing it: ``python3 tests/docs/test_doc_cli_md.py --update``."""
    text = PAGE.read_text()
    new: list[tuple[Block, list[str]]] = []
    for section in read_page(text):
        with tempfile.TemporaryDirectory() as tmp:
            run = make_shell(pathlib.Path(tmp))
            for block in section.blocks:
                body = []
                for step in block.steps:
                    first, *rest = step.command.split("\n")
                    body += [f"$ {first}"] + [f"> {line}" for line in rest]
                    res = run(step.command)
                    body += res.stdout.splitlines()
                    if res.returncode:
                        print(f"docs/cli.md:{step.line}: exits {res.returncode}; add `; echo \"exit status $?\"`")
                new.append((block, body))
    lines = text.splitlines()
    for block, body in reversed(new):  # bottom-up: earlier line numbers stay valid
        lines[block.start:block.end - 1] = body
    PAGE.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python3 tests/docs/test_doc_cli_md.py --update")
    update_page()
