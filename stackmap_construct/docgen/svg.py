"""Byte-layout diagrams (SVG) of each block, drawn from :func:`.layout.describe`.

One picture per block of the definition (the header with its arrays, a
function, a record, a location, a live-out), in the style of an RFC packet
diagram: rows of 8 bytes (one 64-bit word; a block smaller than that gets
one row of its own size), byte columns numbered along the top, each field a
box over the bytes it occupies.  Fixed values and must-be-zero fields, the
counts rebuilt on build, arrays and alignment padding are told apart by
colour (a legend says which).

Every box carries ``data-field``, ``data-start`` and ``data-size`` (bytes
from the start of the block; ``data-start`` is absent where the position
depends on the counts) and its field's doc as a tooltip.  The output is
deterministic: ``stackmap-construct doc --check`` compares it byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .layout import Block, DocGenError, Field

DIAGRAM_DIR = "docs/diagrams"

BYTE_W = 96  #: width of one byte column, px
ROW_H = 58  #: height of one row, px
LEFT = 64  #: margin for the row offsets, px
PAD = 16  #: outer margin, px
TITLE_H = 50
RULER_H = 22
LEGEND_H = 30

#: role -> (fill, stroke, legend text)
STYLES = {
    "int": ("#dbeafe", "#1e3a8a", "value"),
    "fixed": ("#fde68a", "#92400e", "fixed value (checked on parse)"),
    "zero": ("#e5e7eb", "#4b5563", "reserved or padding: must be 0"),
    "count": ("#dcfce7", "#166534", "count: rebuilt from the array's length"),
    "array": ("#ffedd5", "#9a3412", "array (size depends on its count)"),
    "pad": ("#ffffff", "#6b7280", "alignment padding: zero bytes, 0 or more"),
}


def diagram_path(block: Block) -> str:
    """Where the diagram of ``block`` lives, relative to the repository root."""
    return f"{DIAGRAM_DIR}/{block.name.lower()}.svg"


@dataclass
class _Box:
    field: Field
    style: str
    row: int
    col: int  #: first byte column
    width: int  #: in byte columns
    lines: tuple[str, ...]
    start: Optional[int]  #: offset in the block, when fixed
    size: Optional[int]  #: size in bytes, when fixed
    dashed: bool = False
    part: str = ""  #: "" for a whole field, "start"/"middle"/"end" for a piece of one


def escape(text: str) -> str:
    """Text for an SVG element or attribute."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _plain(text: str) -> str:
    return text.replace("`", "")


def _style(f: Field) -> str:
    if f.role == "expect":
        return "zero" if f.expect_value == 0 else "fixed"
    if f.role == "kind":
        return "int"
    return f.role


def _describe_field(f: Field) -> str:
    """The second line of a box: the field's type and what it holds."""
    if f.role == "array":
        if f.element is not None:
            each = f"{f.element.size} bytes" if f.element.size is not None else f"≥ {f.element.min_size} bytes"
            return f"{f.element.name}[{f.count_field}], {each} each"
        assert f.int_type is not None
        return f"{f.int_type.name}[{f.count_field}]"
    if f.role == "pad":
        return _plain(f.pad_rule or "")
    assert f.int_type is not None
    t = f.int_type.name
    if f.role == "expect":
        return f"{t} = {f.expect_value}"
    if f.role == "count":
        return f"{t} = len({f.counts})"
    if f.role == "kind":
        values = sorted(f.enum_values or {})
        return f"{t} enum {values[0]}–{values[-1]}" if values else f"{t} enum"
    return t


def _layout(block: Block, width: int) -> tuple[list[_Box], dict[int, str], int]:
    """Boxes, the offset label of each row that starts at a known offset,
    and the number of rows."""
    boxes: list[_Box] = []
    labels: dict[int, str] = {}
    row, col = 0, 0
    col_known = True  # is the position within the row known?

    def new_row() -> None:
        nonlocal row, col, col_known
        if any(b.row == row for b in boxes):
            row += 1
        col, col_known = 0, True

    def label_row(f: Field) -> None:
        if col == 0 and f.offset is not None:
            labels[row] = str(f.offset)

    for f in block.fields:
        style, text = _style(f), (f.name, _describe_field(f))
        if f.role == "pad":
            most = max(int(s) for s in f.size_text.split(" or "))
            if most == 0:
                continue
            # The pad ends on the alignment boundary: draw it at the end of a row.
            boxes.append(_Box(f, style, row, width - most, most, text, None, None, dashed=True))
            row += 1
            col, col_known = 0, True
            continue
        if f.size is not None:  # a fixed-size field
            if not col_known:
                new_row()
            label_row(f)
            left, first = f.size, True
            while left:
                take = min(left, width - col)
                part = "" if take == f.size else ("start" if first else ("end" if take == left else "middle"))
                boxes.append(_Box(f, style, row, col, take, text, f.offset, f.size, part=part))
                left -= take
                first = False
                col += take
                if col == width:
                    row, col = row + 1, 0
                    if left and f.offset is not None:
                        labels[row] = str(f.offset + f.size - left)
            continue
        if f.role != "array":
            raise DocGenError(f"{block.name}.{f.name}: no diagram for a variable-size {f.role}")
        # An array: the rest of the current row, then a band of its own.
        if not col_known:
            new_row()
        label_row(f)
        start_col = col
        if col:
            boxes.append(_Box(f, style, row, col, width - col, (f.name, "…"), f.offset, None, part="start"))
            row += 1
        boxes.append(_Box(f, style, row, 0, width, text, f.offset if start_col == 0 else None, None,
                          part="" if start_col == 0 else "end"))
        row += 1
        col = 0
        item = f.element.size if f.element is not None else (f.int_type.size if f.int_type else None)
        if item is not None and item % width == 0 and start_col:
            # Whole rows of items: the next field starts where this array did.
            boxes.append(_Box(f, style, row, 0, start_col, ("…", ""), None, None, part="end"))
            col = start_col
        elif item is None or item % width:
            col_known = False
    rows = row + (1 if any(b.row == row for b in boxes) else 0)
    return boxes, labels, rows


def _fit(text: str, room: float, size: float, char_w: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``room`` px."""
    while size > 7 and len(text) * size * char_w > room:
        size -= 0.5
    return size


def _fmt(x: float) -> str:
    return f"{x:g}"


def _row_width(block: Block) -> int:
    """Bytes a row: a 64-bit word, or for a block whose size is no multiple
    of 8 (a 12-byte location, a 4-byte live-out) the largest of 4, 2, 1 that
    divides it, so that rows tile the block as its items tile an array."""
    if block.size is None or block.size % 8 == 0:
        return 8
    return next(n for n in (4, 2, 1) if block.size % n == 0)


def render_svg(block: Block) -> str:
    """The diagram of ``block`` as an SVG document."""
    width = _row_width(block)
    boxes, labels, rows = _layout(block, width)
    used = [s for s in STYLES if any(b.style == s for b in boxes)]
    body_w = width * BYTE_W
    total_w = PAD + LEFT + body_w + PAD
    top = PAD + TITLE_H + RULER_H
    legend_rows = (len(used) + 1) // 2
    total_h = top + rows * ROW_H + 14 + legend_rows * LEGEND_H + PAD
    size = (f"{block.size} bytes" if block.size is not None
            else f"variable, at least {block.min_size} bytes"
            + (f", a multiple of {block.alignment}" if block.ends_aligned else ""))
    title = f"{block.name}: {size}"
    subtitle = block.doc.replace("``", "")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'viewBox="0 0 {total_w} {total_h}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        f"<title>{escape(title)}. {escape(subtitle)}</title>",
        "<defs>",
        '<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#9ca3af" stroke-width="2"/></pattern>',
        "</defs>",
        f'<rect width="{total_w}" height="{total_h}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="{PAD + 16}" font-size="{_fmt(_fit(title, total_w - 2 * PAD, 16, 0.6))}" '
        f'font-weight="bold" fill="#111827">{escape(title)}</text>',
        f'<text x="{PAD}" y="{PAD + 36}" font-size="{_fmt(_fit(subtitle, total_w - 2 * PAD, 13, 0.55))}" '
        f'fill="#374151">{escape(subtitle)}</text>',
    ]
    x0 = PAD + LEFT
    # The byte ruler, and faint lines at every byte boundary.
    out.append(f'<text x="{PAD}" y="{top - 7}" font-size="11" fill="#6b7280">offset</text>')
    for c in range(width):
        cx = x0 + c * BYTE_W + BYTE_W / 2
        out.append(f'<text x="{_fmt(cx)}" y="{top - 7}" font-size="11" fill="#6b7280" text-anchor="middle">+{c}</text>')
    for c in range(width + 1):
        x = x0 + c * BYTE_W
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + rows * ROW_H}" stroke="#e5e7eb"/>')
    for r, text in sorted(labels.items()):
        out.append(f'<text x="{PAD + LEFT - 8}" y="{top + r * ROW_H + ROW_H / 2 + 4:g}" font-size="12" '
                   f'fill="#374151" text-anchor="end">{escape(text)}</text>')
    for b in boxes:
        fill, stroke, _ = STYLES[b.style]
        x, y = x0 + b.col * BYTE_W, top + b.row * ROW_H
        w, h = b.width * BYTE_W, ROW_H
        attrs = [f'data-field="{escape(b.field.name)}"']
        if b.start is not None and b.part in ("", "start"):
            attrs.append(f'data-start="{b.start}"')
        if b.size is not None:
            attrs.append(f'data-size="{b.size}"')
        if b.part:
            attrs.append(f'data-part="{b.part}"')
        out.append(f"<g {' '.join(attrs)}>")
        out.append(f"<title>{escape(b.field.name)}: {escape(b.field.doc)}</title>")
        dash = ' stroke-dasharray="6 4"' if b.dashed or b.style == "array" else ""
        out.append(f'<rect x="{x + 1}" y="{y + 1}" width="{w - 2}" height="{h - 2}" rx="3" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="1.5"{dash}/>')
        if b.style in ("zero", "pad"):
            out.append(f'<rect x="{x + 1}" y="{y + 1}" width="{w - 2}" height="{h - 2}" rx="3" fill="url(#hatch)" '
                       f'opacity="0.35"/>')
        name, detail = b.lines
        cx = x + w / 2
        fs = _fit(name, w - 10, 13, 0.62)
        if detail:
            out.append(f'<text x="{_fmt(cx)}" y="{y + 24}" font-size="{_fmt(fs)}" font-family="DejaVu Sans Mono, '
                       f'Menlo, Consolas, monospace" font-weight="bold" fill="#111827" text-anchor="middle">'
                       f"{escape(name)}</text>")
            ds = _fit(detail, w - 10, 11, 0.56)
            out.append(f'<text x="{_fmt(cx)}" y="{y + 42}" font-size="{_fmt(ds)}" fill="#374151" '
                       f'text-anchor="middle">{escape(detail)}</text>')
        else:
            out.append(f'<text x="{_fmt(cx)}" y="{y + ROW_H / 2 + 5}" font-size="{_fmt(fs)}" font-family="DejaVu '
                       f'Sans Mono, Menlo, Consolas, monospace" font-weight="bold" fill="#111827" '
                       f'text-anchor="middle">{escape(name)}</text>')
        out.append("</g>")
    # The legend: two entries a line.
    ly = top + rows * ROW_H + 14
    column_w = (total_w - 2 * PAD) / 2
    for i, style in enumerate(used):
        fill, stroke, text = STYLES[style]
        lx = PAD + (i % 2) * column_w
        y = ly + (i // 2) * LEGEND_H
        dash = ' stroke-dasharray="4 3"' if style in ("array", "pad") else ""
        out.append(f'<rect x="{_fmt(lx)}" y="{y + 4}" width="22" height="16" rx="2" fill="{fill}" stroke="{stroke}"'
                   f' stroke-width="1.5"{dash}/>')
        if style in ("zero", "pad"):
            out.append(f'<rect x="{_fmt(lx)}" y="{y + 4}" width="22" height="16" rx="2" fill="url(#hatch)" '
                       f'opacity="0.35"/>')
        out.append(f'<text x="{_fmt(lx + 30)}" y="{y + 17}" font-size="12" fill="#374151">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_diagrams(blocks: tuple[Block, ...]) -> dict[str, str]:
    """Every block's diagram, by path relative to the repository root."""
    return {diagram_path(b): render_svg(b) for b in blocks}
