"""docs/semantics.md runs: each ```console block is run (commands after
``$ ``, continued by ``> ``; the rest of the block is the expected output,
stdout and stderr together, exactly), all blocks in order in one scratch
directory with this checkout's ``stackmap-construct``; the ```pycon blocks
are one doctest session.  Every other code block must be JSON that the
documented decoder accepts, so no example on the page can be a stale
synopsis."""

from __future__ import annotations

import doctest
import json
import os
import pathlib
import re
import subprocess
import sys

from stackmap_construct.semantics import registry_from_json, stackmap_entry_from_json

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "semantics.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def fenced(kind: str) -> list[tuple[int, str]]:
    text = PAGE.read_text()
    return [(text.count("\n", 0, m.start(2)) + 1, m.group(2)) for m in _FENCE.finditer(text) if m.group(1) == kind]


def steps(body: str, first_line: int) -> list[tuple[int, str, str]]:
    """(line, command, expected output) of a console block."""
    out: list[tuple[int, str, list[str]]] = []
    for n, line in enumerate(body.splitlines(), first_line):
        if line.startswith("$ "):
            out.append((n, line[2:], []))
        elif line.startswith("> ") and out and not out[-1][2]:
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line[2:], out[-1][2])
        else:
            assert out, f"docs/semantics.md:{n}: output before any command"
            out[-1][2].append(line)
    return [(n, cmd, "".join(line + "\n" for line in lines)) for n, cmd, lines in out]


def test_console_examples_print_what_the_page_shows(tmp_path):
    blocks = fenced("console")
    assert len(blocks) >= 2
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "stackmap-construct"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m stackmap_construct "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "HOME": str(tmp_path), "LC_ALL": "C.UTF-8",
    }
    for first, body in blocks:
        for line, command, expected in steps(body, first):
            res = subprocess.run(["bash", "-c", command], cwd=work, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=120)
            where = f"docs/semantics.md:{line}: $ {command.splitlines()[0]}"
            assert res.returncode == 0, f"{where}\nexited {res.returncode}\n{res.stdout}"
            assert res.stdout == expected, f"{where}\nthe page and the real output differ"


def test_python_examples_run(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    blocks = fenced("pycon")
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict = {"__name__": "semantics_md"}
    for line, body in blocks:
        test = parser.get_doctest(body, globs, f"docs/semantics.md:{line}", str(PAGE), line - 1)
        assert test.examples
        runner.run(test, clear_globs=False)
        globs = test.globs
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of docs/semantics.md failed"


def test_no_other_code_blocks_but_json_the_decoders_accept():
    for kind, check in (("", None), ("python", None), ("sh", None), ("bash", None)):
        assert not fenced(kind), f"docs/semantics.md: a ```{kind} block nobody runs: make it console or pycon"
    blocks = fenced("json")
    assert blocks
    for line, body in blocks:
        doc = json.loads(body)
        if "entries" in doc:
            registry_from_json(doc)
        elif "kind" in doc:
            stackmap_entry_from_json(doc)
        else:
            raise AssertionError(f"docs/semantics.md:{line}: a JSON block that is neither a registry nor an entry")


def test_every_rule_is_documented():
    """Each rule id the package can raise appears on the page."""
    src = "".join(p.read_text() for p in (ROOT / "stackmap_construct" / "semantics").glob("*.py"))
    rules = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', src)) & set(
        re.findall(r'(?:_fail\(|rule=|_checked\([^,]+, )\s*"([a-z0-9-]+)"', src))
    rules |= set(re.findall(r'_fail\(\s*"([a-z0-9-]+)"', src))
    text = PAGE.read_text()
    missing = sorted(r for r in rules if f"**{r}**" not in text)
    assert len(rules) > 30 and not missing, missing
