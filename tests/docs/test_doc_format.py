"""docs/format.md and the generator: the committed files are what
`stackmap-construct doc` writes now; the tables say what the definition
says (checked against real builds); hand-written excerpts are verbatim."""

from __future__ import annotations

import re
import shutil

import pytest
from construct import Struct

from conftest import ROOT
from stackmap_construct import LiveOut, Location, LocationKind, Record, StackMap, build
from stackmap_construct.cli.main import main
from stackmap_construct.docgen import OUTPUTS, DocGenError, describe, generate, stale
from stackmap_construct.docgen.layout import _describe_block
from stackmap_construct.cli.doc import run_in_process
from stackmap_construct.docgen.markdown import regions
from stackmap_construct.format.walk import walk

FORMAT_MD = ROOT / "docs" / "format.md"


def test_doc_check_passes_on_the_repository(capsys):
    """The test behind `stackmap-construct doc --check`: fails when a
    committed generated file differs from what the generator writes now."""
    status = main(["doc", "--check", "--root", str(ROOT)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert stale(ROOT, generate(ROOT, run_in_process)) == []
    assert captured.out == f"up to date: {', '.join(OUTPUTS)}\n"


@pytest.fixture
def checkout(tmp_path):
    """A copy of what the generator reads and writes."""
    for d in ("docs", "schemas", "examples"):
        shutil.copytree(ROOT / d, tmp_path / d)
    return tmp_path


def test_check_names_stale_files_and_doc_rewrites_only_generated_parts(checkout, capsys):
    md = checkout / "docs" / "format.md"
    text = md.read_text()
    edited = text.replace("| `patchpoint_id` |", "| `patchpoint_ID` |").replace(
        "## Pitfalls", "## Pitfalls\n\nA hand-written line survives.")
    md.write_text(edited)
    (checkout / "schemas" / "llvm_stackmap.ksy").unlink()
    record_svg = checkout / "docs" / "diagrams" / "record.svg"
    record_svg.write_text(record_svg.read_text().replace('data-size="4"', 'data-size="2"', 1))
    (checkout / "docs" / "diagrams" / "location.svg").unlink()
    assert main(["doc", "--check", "--root", str(checkout)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert ("out of date: docs/format.md, schemas/llvm_stackmap.ksy, docs/diagrams/record.svg, "
            "docs/diagrams/location.svg") in err
    assert main(["doc", "--root", str(checkout)]) == 0
    assert capsys.readouterr().out == (
        "wrote docs/format.md\nunchanged schemas/stackmap.schema.json\nwrote schemas/llvm_stackmap.ksy\n"
        "unchanged docs/diagrams/stackmap.svg\nunchanged docs/diagrams/function.svg\n"
        "wrote docs/diagrams/record.svg\nwrote docs/diagrams/location.svg\nunchanged docs/diagrams/liveout.svg\n")
    assert record_svg.read_text() == (ROOT / "docs" / "diagrams" / "record.svg").read_text()
    assert md.read_text() == text.replace("## Pitfalls", "## Pitfalls\n\nA hand-written line survives.")
    assert main(["doc", "--check", "--root", str(checkout)]) == 0


def test_a_missing_or_unknown_region_is_an_error(checkout, capsys):
    md = checkout / "docs" / "format.md"
    text = md.read_text()
    md.write_text(text.replace("<!-- generated: table LiveOut -->", "").replace(
        "<!-- end generated: table LiveOut -->", "<!-- generated: table Bogus -->\n<!-- end generated: table Bogus -->"))
    assert main(["doc", "--check", "--root", str(checkout)]) == 1
    err = capsys.readouterr().err
    assert "missing `<!-- generated: table LiveOut -->`" in err and "unknown 'table Bogus'" in err
    assert main(["doc", "--root", str(checkout / "nowhere")]) == 1
    assert "no docs/format.md under" in capsys.readouterr().err


def test_every_block_and_field_is_in_the_tables():
    text = FORMAT_MD.read_text()
    for block in describe():
        body = text.split(f"<!-- generated: table {block.name} -->")[1].split("<!-- end generated")[0]
        for f in block.fields:
            row = next(line for line in body.splitlines() if line.startswith("| ") and f"| `{f.name}` |" in line)
            assert f.doc.replace("|", "\\|") in row
            assert f.size_text in row


def test_tables_state_the_definition():
    record = {b.name: b for b in describe()}["Record"]
    assert record.field("align_pad").pad_rule == "4 bytes when `num_locations` is odd, otherwise absent"
    assert record.field("end_pad").pad_rule == "4 bytes when `num_live_outs` is even (0 included), otherwise absent"
    assert record.min_size == 24 and record.ends_aligned
    assert [b.name for b in describe()] == ["StackMap", "Function", "Record", "Location", "LiveOut"]
    sizes = {b.name: b.size for b in describe()}
    assert sizes == {"StackMap": None, "Function": 24, "Record": None, "Location": 12, "LiveOut": 4}
    location = {b.name: b for b in describe()}["Location"]
    assert [(f.name, f.offset, f.int_type.name) for f in location.fields] == [
        ("kind", 0, "u8"), ("reserved", 1, "u8"), ("size", 2, "u16"),
        ("dwarf_regnum", 4, "u16"), ("reserved2", 6, "u16"), ("offset_or_small_constant", 8, "i32")]
    assert not location.field("kind").int_type.endian_dependent
    assert location.field("size").int_type.endian_dependent


@pytest.mark.parametrize("n_locations", range(4))
@pytest.mark.parametrize("n_live_outs", range(4))
def test_pad_rules_match_real_builds(n_locations, n_live_outs):
    """The pad rules the tables state (derived from positions) against the
    bytes `build` writes."""
    loc = Location(LocationKind.Register, 8, 0, 0)
    sm = StackMap(3, [], [], [Record(1, 0, [loc] * n_locations, [LiveOut(0, 8)] * n_live_outs)])
    pads = {e.path.split(".")[-1]: len(e.raw) for e in walk(build(sm)) if e.path.endswith("_pad")}
    assert pads.get("align_pad", 0) == (4 if n_locations % 2 else 0)
    assert pads.get("end_pad", 0) == (0 if n_live_outs % 2 else 4)
    size = 16 + 12 * n_locations + 4 * (n_locations % 2) + 4 + 4 * n_live_outs + 4 * (1 - n_live_outs % 2)
    assert len(build(sm)) == 16 + size  # the arithmetic of "Alignment arithmetic"


def test_worked_example_is_explain_output():
    body = regions(ROOT, run_in_process)["worked example"]
    assert body.startswith("```console\n$ stackmap-construct explain examples/sample.o --no-docs\n")
    assert "0x000094  00 00 00 00              records[0].align_pad" in body
    assert body in FORMAT_MD.read_text()


def test_excerpts_are_verbatim():
    text = FORMAT_MD.read_text()
    excerpts = re.findall(r"<!-- excerpt: (\S+) -->\n```\n(.*?)```\n", text, re.S)
    assert excerpts
    for path, body in excerpts:
        assert body in (ROOT / path).read_text(), path


def test_relative_links_in_the_docs_resolve():
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text()):
            if "://" in target:
                continue
            assert (md.parent / target).exists(), f"{md.name}: {target}"


def test_generator_refuses_what_it_cannot_document():
    from construct import Int8ul
    from stackmap_construct.format.constructs import Block, Model

    undocumented = Model(Block("address" / Int8ul, "stack_size" / Int8ul * "x", "record_count" / Int8ul * "y"),
                         __import__("stackmap_construct").Function)
    with pytest.raises(DocGenError, match="Function.address has no doc"):
        _describe_block(undocumented, undocumented, {})
    strange = Model(Block("address" / Struct() * "a", "stack_size" / Int8ul * "x", "record_count" / Int8ul * "y"),
                    __import__("stackmap_construct").Function)
    with pytest.raises(DocGenError, match="does not know"):
        _describe_block(strange, strange, {})


def test_generate_is_deterministic():
    assert generate(ROOT, run_in_process) == generate(ROOT, run_in_process)
