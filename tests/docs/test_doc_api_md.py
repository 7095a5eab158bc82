"""docs/api.md runs: its ```pycon blocks are one doctest session, executed
in order from the repository root."""

from __future__ import annotations

import doctest
import re

from conftest import ROOT, require_module

PAGE = ROOT / "docs" / "api.md"
_BLOCK = re.compile(r"^```pycon\n(.*?)^```$", re.M | re.S)


def blocks(text: str) -> list[tuple[int, str]]:
    """(line of the first line, text) of every ```pycon block."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def test_api_page_examples_run(monkeypatch):
    require_module("jsonschema", "jsonschema")  # one example validates against the schema
    monkeypatch.chdir(ROOT)
    text = PAGE.read_text()
    found = blocks(text)
    assert len(found) >= 8
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict = {"__name__": "api_md"}
    for line, body in found:
        test = parser.get_doctest(body, globs, f"docs/api.md:{line}", str(PAGE), line - 1)
        assert test.examples, f"docs/api.md:{line}: a pycon block without examples"
        runner.run(test, clear_globs=False)
        globs = test.globs  # DocTest works on a copy: carry the session on
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of docs/api.md failed (see above)"


def test_api_page_covers_the_public_api():
    import stackmap_construct

    text = PAGE.read_text()
    for name in stackmap_construct.__all__:
        assert name in text, f"docs/api.md does not mention {name}"
