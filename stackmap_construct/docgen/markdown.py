"""The generated parts of ``docs/format.md``.

The file is hand-written prose with generated regions between marker
comments::

    <!-- generated: table Record -->
    ...rewritten by `stackmap-construct doc`...
    <!-- end generated: table Record -->

:func:`render_format_md` rewrites every region and keeps everything outside
them as it is.  The set of regions is fixed by the definition (one table per
block, plus the worked example): a region missing from the file, or one the
generator does not know, is a :class:`~.layout.DocGenError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from .layout import Block, DocGenError, Field, describe
from .svg import diagram_path

#: The sample whose ``explain`` output is the worked example.
SAMPLE = "examples/sample.o"
EXPLAIN_ARGS = ["explain", SAMPLE, "--no-docs"]

_REGION = re.compile(
    r"(<!-- generated: (?P<name>[^>]+?) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)", re.S
)


def anchor(block: Block) -> str:
    return f"block-{block.name.lower()}"


def constraint(f: Field) -> str:
    if f.role == "expect":
        label = {"reserved field": "reserved, ", "padding": "padding, "}.get(f.expect_what or "", "")
        return f"{label}must be {f.expect_value} (else `{f.expect_error}`); written as {f.expect_value}"
    if f.role == "count":
        return f"number of items of `{f.counts}`; rebuilt from its length on build"
    if f.role == "kind":
        names = ", ".join(f"{n} {member.name}" for n, member in (f.enum_values or {}).items())
        return f"one of {names}; any other value is `{f.error}`"
    if f.role == "array":
        return f"`{f.count_field}` items, in order"
    if f.role == "pad":
        return (
            f"alignment to {f.alignment} bytes (counted from the start of the blob): {f.pad_rule}; "
            f"must be zero (else `{f.error}`); written as zeros"
        )
    return "—"


def type_cell(f: Field) -> str:
    if f.role == "array":
        if f.element is not None:
            inner = f"[`{f.element.name}`](#{anchor(f.element)})"
        else:
            inner = f"`{f.int_of.name}`"
        text = f"{inner}[`{f.count_field}`]"
        if f.int_type is not None and f.int_type.endian_dependent:
            text += ", target-endian"
        return text
    if f.role == "pad":
        return "zero bytes"
    text = f"`{f.int_of.name}`"
    if f.role == "kind":
        text += " enum"
    if f.int_of.endian_dependent:
        text += ", target-endian"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(block: Block) -> str:
    """The block's diagram (docs/diagrams/, relative to docs/format.md), then
    its table."""
    diagram = diagram_path(block).removeprefix("docs/")
    rows = [
        f'<a id="{anchor(block)}"></a>',
        "",
        f"![Byte layout of {block.name}]({diagram})",
        "",
        "| Offset | Field | Type | Size (bytes) | Constraint | Description |",
        "|---:|---|---|---|---|---|",
    ]
    for f in block.fields:
        rows.append(
            f"| {f.offset_text} | `{f.name}` | {type_cell(f)} | {f.size_text} | {_cell(constraint(f))} | {_cell(f.doc)} |"
        )
    rows.append("")
    if block.size is not None:
        rows.append(f"Size: {block.size} bytes.")
    else:
        size = f"Size: variable, at least {block.min_size} bytes"
        if block.ends_aligned:
            size += f", always a multiple of {block.alignment}"
        rows.append(size + ".")
    rows.append("")
    kept = ", ".join(f"`{n}`" for n in block.model_names)
    dropped = [f.name for f in block.fields if not f.in_model]
    line = f"JSON form ([`{block.name}`](../schemas/stackmap.schema.json)): {kept}"
    if dropped:
        why = []
        if any(f.role == "count" for f in block.fields):
            why.append("counts are rebuilt from the list lengths")
        if any(f.role in ("expect", "pad") and not f.in_model for f in block.fields):
            why.append("reserved and padding bytes are written as zero")
        line += f". Not stored: {', '.join(f'`{n}`' for n in dropped)} ({'; '.join(why)})"
    rows.append(line + ".")
    return "\n".join(rows) + "\n"


def render_overview(top: Block) -> str:
    """The blob at a glance: the run of fixed fields (the header), then each array."""
    rows = ["| Offset | Part | Type | Size (bytes) |", "|---:|---|---|---|"]
    run: list[Field] = []

    def flush():
        if run:
            names = f"`{run[0].name}` … `{run[-1].name}`" if len(run) > 1 else f"`{run[0].name}`"
            rows.append(f"| {run[0].offset_text} | header: {names} | [`{top.name}`](#{anchor(top)}) | {sum(f.size or 0 for f in run)} |")
            run.clear()

    for f in top.fields:
        if f.role != "array" and f.size is not None:
            run.append(f)
            continue
        flush()
        offset = f.offset_text
        size = f.size_text
        if f.element is not None and f.element.size is None:
            size = f"≥ {f.element.min_size} each"
            if f.element.ends_aligned:
                size += f", each a multiple of {f.element.alignment}"
        rows.append(f"| {offset} | `{f.name}` | {type_cell(f)} | {size} |")
    flush()
    return "\n".join(rows) + "\n"


#: runs a command line in-process: argv -> (exit status, stdout, stderr); the
#: CLI hands one to docgen (the library never imports the CLI)
Runner = Callable[[list[str]], "tuple[int, str, str]"]


def render_worked_example(root: Path, run: Runner) -> str:
    """The ``explain`` output of the sample, exactly as the command prints it."""
    args = [EXPLAIN_ARGS[0], str(root / SAMPLE), *EXPLAIN_ARGS[2:]]
    status, out, err = run(args)
    if status != 0:
        raise DocGenError(f"`stackmap-construct {' '.join(EXPLAIN_ARGS)}` failed: {err.strip()}")
    return f"```console\n$ stackmap-construct {' '.join(EXPLAIN_ARGS)}\n{out}```\n"


def regions(root: Path, run: Runner) -> dict[str, str]:
    """Every generated region of docs/format.md, by name."""
    blocks = describe()
    out = {"overview": render_overview(blocks[0])}
    out.update({f"table {b.name}": render_table(b) for b in blocks})
    out["worked example"] = render_worked_example(root, run)
    return out


def render_format_md(current: str, root: Path, run: Runner) -> str:
    """``current`` (the committed docs/format.md) with every generated
    region rewritten."""
    wanted = regions(root, run)
    found = [m.group("name") for m in _REGION.finditer(current)]
    dupes = sorted({n for n in found if found.count(n) > 1})
    missing = [n for n in wanted if n not in found]
    unknown = [n for n in found if n not in wanted]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"`<!-- generated: {n} -->`" for n in missing))
    if unknown:
        problems.append("unknown " + ", ".join(repr(n) for n in unknown))
    if dupes:
        problems.append("repeated " + ", ".join(repr(n) for n in dupes))
    if problems:
        raise DocGenError(
            "docs/format.md generated regions: " + "; ".join(problems)
            + " (each region is `<!-- generated: NAME -->` … `<!-- end generated: NAME -->`)"
        )
    # A blank line on each side keeps the generated blocks apart from the
    # marker comments in every Markdown renderer.
    return _REGION.sub(lambda m: m.group(1) + "\n" + wanted[m.group("name")] + "\n" + m.group(4), current)
