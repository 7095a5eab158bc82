"""Documentation derived from the one construct definition
(:mod:`stackmap_construct.format.v3`).

``stackmap-construct doc``
writes, and with ``--check`` verifies:

* ``docs/format.md``: hand-written prose around generated regions (one table
  per block, and the worked example made with ``explain``);
* ``schemas/stackmap.schema.json``: JSON Schema 2020-12 of the JSON form;
* ``schemas/llvm_stackmap.ksy``: Kaitai Struct spec of one blob.

:mod:`.layout` reads the definition; :mod:`.markdown`, :mod:`.schema` and
:mod:`.ksy` render it.
"""

from __future__ import annotations

from pathlib import Path

from .ksy import KSY_PATH, ksy_spec, render_ksy
from .layout import Block, DocGenError, Field, describe
from .markdown import render_format_md
from .schema import SCHEMA_PATH, json_schema, render_schema

FORMAT_MD = "docs/format.md"

#: Every generated file, relative to the repository root, in the order written.
OUTPUTS = (FORMAT_MD, SCHEMA_PATH, KSY_PATH)


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
    "generate", "stale", "OUTPUTS", "FORMAT_MD", "SCHEMA_PATH", "KSY_PATH",
    "describe", "Block", "Field", "DocGenError", "json_schema", "ksy_spec",
]
