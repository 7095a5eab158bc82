"""Where records lie in the text of dump's JSON (for the tests that change
one record of it)."""

from __future__ import annotations

import re


def record_span(text: str, index: int) -> tuple[int, int]:
    """Where record ``index`` (counted from the first) lies in ``text``:
    from its opening brace to the next record's."""
    starts = [m.start() for m in re.finditer(r'\{\s*"patchpoint_id"', text)]
    return starts[index], starts[index + 1]
