"""Documentation derived from the one construct definition
(:mod:`stackmap_construct.format.v3`).

``stackmap-construct doc``
writes, and with ``--check`` verifies:

* ``docs/format.md``: hand-written prose around generated regions (one table
  per block, and the worked example made with ``explain``);
* ``schemas/stackmap.schema.json``: JSON Schema 2020-12 of the JSON form;
* ``schemas/llvm_stackmap.ksy``: Kaitai Struct spec of one blob;
* ``docs/diagrams/*.svg``: a byte-layout diagram of each block, shown in
  ``docs/format.md`` above its table.

:mod:`.layout` reads the definition; :mod:`.markdown`, :mod:`.schema`,
:mod:`.ksy` and :mod:`.svg` render it.
"""

from __future__ import annotations

from pathlib import Path

from .ksy import KSY_PATH, ksy_spec, render_ksy
from .layout import Block, DocGenError, Field, describe
from .markdown import render_format_md
from .schema import SCHEMA_PATH, json_schema, render_schema
from .svg import DIAGRAM_DIR, diagram_path, render_diagrams

FORMAT_MD = "docs/format.md"



def outputs() -> tuple[str, ...]:
    """Every generated file, relative to the repository root, in the order
    written (also as ``OUTPUTS``)."""
    return (FORMAT_MD, SCHEMA_PATH, KSY_PATH, *(diagram_path(b) for b in describe()))


def __getattr__(name: str) -> tuple[str, ...]:
    # OUTPUTS needs the definition walked (describe()): only when asked, not
    # on import (every command's parser imports this package at start-up).
    if name == "OUTPUTS":
        return outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def generate(root: Path | str, run) -> dict[str, str]:
    """The text each generated file should have now, by path relative to
    ``root`` (the repository root: docs/format.md's hand-written parts are
    read from there).  ``run(argv) -> (status, stdout, stderr)`` runs a
    command line for the worked example (the CLI passes its own)."""
    root = Path(root)
    md = root / FORMAT_MD
    if not md.is_file():
        raise DocGenError(f"no {FORMAT_MD} under {root}: run from the repository root or pass --root")
    current = md.read_text(encoding="utf-8")
    return {
        FORMAT_MD: render_format_md(current, root, run),
        SCHEMA_PATH: render_schema(),
        KSY_PATH: render_ksy(),
        **render_diagrams(describe()),
    }


def stale(root: Path | str, outputs: dict[str, str]) -> list[str]:
    """The generated files whose committed text differs from ``outputs``
    (what :func:`generate` gives)."""
    root = Path(root)
    out = []
    for rel, text in outputs.items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


__all__ = [
    "generate", "stale", "outputs", "OUTPUTS", "FORMAT_MD", "SCHEMA_PATH", "KSY_PATH", "DIAGRAM_DIR",
    "describe", "Block", "Field", "DocGenError", "json_schema", "ksy_spec",
]
