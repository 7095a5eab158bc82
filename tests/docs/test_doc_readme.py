"""README.md runs as written: its ```python blocks, executed in order as one
program from the repository root, raise nothing."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import ROOT

README = ROOT / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)


def test_readme_python_blocks_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = README.read_text()
    found = [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]
    assert found, "README.md has no ```python block"
    namespace: dict = {"__name__": "readme"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for line, body in found:
            exec(compile("\n" * (line - 1) + body, str(README), "exec"), namespace)
    # The API block's printed line is the one its comment shows.
    assert "collect Register\n" in out.getvalue()


def test_readme_api_starts_from_load():
    text = README.read_text()
    first = _BLOCK.search(text)
    assert first is not None and "load(" in first.group(1).split("\n")[1]
