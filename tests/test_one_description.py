"""The layout is described once (format/fast/plan.py, derived from
format/v3.py); every other module reads that description and never walks
the construct tree itself (issue 12, "one description of the layout")."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "stackmap_construct"
#: The module that derives the description, and the one defining the
#: definition's building blocks (whose own parse/build methods use their subcon).
ALLOWED = {"format/fast/plan.py", "format/constructs.py"}
#: construct's classes and ours that make up the v3 tree.
TREE_CLASSES = {"Model", "Struct", "FormatField", "Items", "AlignPad", "Expect", "Rebuild", "Renamed", "_Field",
                "Adapter", "KindAdapter", "Subconstruct", "Construct", "Block"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in ALLOWED and not rel.startswith("containers/"):  # containers: file headers, not v3
            yield rel, ast.parse(path.read_text())


def _names(node: ast.AST) -> set[str]:
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))}


@pytest.mark.parametrize("rel,tree", list(_modules()), ids=lambda x: x if isinstance(x, str) else "")
def test_no_module_but_the_plan_switches_on_construct_classes(rel, tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance" \
                and len(node.args) == 2:
            assert not (_names(node.args[1]) & TREE_CLASSES), f"{rel}:{node.lineno} switches on a construct class"
        if isinstance(node, ast.Attribute) and node.attr in ("subcon", "subcons"):
            raise AssertionError(f"{rel}:{node.lineno} walks the construct tree (.{node.attr})")


def test_the_walkers_read_the_one_description():
    from stackmap_construct.docgen.layout import describe
    from stackmap_construct.format.fast.plan import plan
    from stackmap_construct.generate.layout import array_min_sizes, field_templates

    p = plan("little")
    assert [t.path for t in field_templates()] == [t.path for t in p.field_templates()]
    # Written out by hand from LLVM's StackMaps.rst.
    assert array_min_sizes() == {"functions": ("num_functions", 24), "constants": ("num_constants", 8),
                                 "records": ("num_records", 24), "locations": ("num_locations", 12),
                                 "live_outs": ("num_live_outs", 4)}
    counts = {t.path: t.member.length_of for t in p.field_templates() if t.role == "count"}
    assert counts == {"num_functions": "functions", "num_constants": "constants", "num_records": "records",
                      "records[].num_locations": "locations", "records[].num_live_outs": "live_outs"}
    assert [b.name for b in describe()] == ["StackMap", "Function", "Record", "Location", "LiveOut"]
