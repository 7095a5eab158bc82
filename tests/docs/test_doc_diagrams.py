"""The byte-layout diagrams (docs/diagrams/*.svg) draw each field where
LLVM's StackMaps.rst puts it.

The expected layouts are written here by hand from LLVM ``docs/StackMaps.rst``
("Stack Map Format"); positions are read off the picture's geometry (the
byte ruler, the row grid and each box's rectangle), not from the generator.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"
DIAGRAMS = ROOT / "docs" / "diagrams"

# name: [(field, start, size)] for fixed fields, (field, None, None) for
# arrays and padding whose position depends on the counts, in spec order.
SPEC = {
    "stackmap": [("version", 0, 1), ("reserved", 1, 1), ("reserved2", 2, 2), ("num_functions", 4, 4),
                 ("num_constants", 8, 4), ("num_records", 12, 4), ("functions", 16, None),
                 ("constants", None, None), ("records", None, None)],
    "function": [("address", 0, 8), ("stack_size", 8, 8), ("record_count", 16, 8)],
    "record": [("patchpoint_id", 0, 8), ("instruction_offset", 8, 4), ("reserved", 12, 2),
               ("num_locations", 14, 2), ("locations", 16, None), ("align_pad", None, None),
               ("padding", None, 2), ("num_live_outs", None, 2), ("live_outs", None, None),
               ("end_pad", None, None)],
    "location": [("kind", 0, 1), ("reserved", 1, 1), ("size", 2, 2), ("dwarf_regnum", 4, 2),
                 ("reserved2", 6, 2), ("offset_or_small_constant", 8, 4)],
    "liveout": [("dwarf_regnum", 0, 2), ("reserved", 2, 1), ("size", 3, 1)],
}


def read(name: str):
    root = ET.parse(DIAGRAMS / f"{name}.svg").getroot()
    ruler = [t for t in root.iter(f"{SVG}text") if re.fullmatch(r"\+\d+", t.text or "")]
    width = len(ruler)  # bytes a row
    grid = [ln for ln in root.findall(f"{SVG}line") if ln.get("x1") == ln.get("x2") and ln.get("y1") != ln.get("y2")]
    xs = sorted(float(ln.get("x1")) for ln in grid)
    x0, byte_w = xs[0], xs[1] - xs[0]
    top = float(grid[0].get("y1"))
    boxes = []
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        row_h = h + 2  # boxes are inset by 1 px on each side
        col, row = round((x - 1 - x0) / byte_w), round((y - 1 - top) / row_h)
        boxes.append((g.get("data-field"), g.get("data-part"), row * width + col, round((w + 2) / byte_w),
                      g.find(f"{SVG}title").text))
    return width, boxes


@pytest.mark.parametrize("name", sorted(SPEC))
def test_diagram_matches_the_spec(name):
    width, boxes = read(name)
    assert width == (4 if name in ("location", "liveout") else 8)
    order = [f for f, part, *_ in boxes if part in (None, "start")]
    assert order == [f for f, _, _ in SPEC[name]], "fields missing or out of order"
    for field, start, size in SPEC[name]:
        pieces = [b for b in boxes if b[0] == field]
        if start is not None:
            first = pieces[0]
            assert first[2] == start, f"{name}.{field} drawn at byte {first[2]}, the spec says {start}"
        if size is not None:
            assert sum(p[3] for p in pieces) == size, f"{name}.{field} drawn {sum(p[3] for p in pieces)} bytes wide"


def test_reserved_fields_and_pads_are_marked():
    for name in SPEC:
        for field, part, _, _, title in read(name)[1]:
            assert title.startswith(f"{field}: "), "each box's tooltip is its field's doc"
    record = (DIAGRAMS / "record.svg").read_text()
    assert "4 bytes when num_locations is odd, otherwise absent" in record
    assert "4 bytes when num_live_outs is even (0 included), otherwise absent" in record
    assert "u16 = len(locations)" in record and "Location[num_locations], 12 bytes each" in record
    assert "u8 = 3" in (DIAGRAMS / "stackmap.svg").read_text()


def test_format_md_shows_each_diagram_above_its_table():
    text = (ROOT / "docs" / "format.md").read_text()
    for name in SPEC:
        image = text.index(f"](diagrams/{name}.svg)")
        table = text.index("| Offset | Field |", image)
        assert text.rfind("<!-- generated: table", 0, table) < image, f"{name}.svg is not in its table's region"
