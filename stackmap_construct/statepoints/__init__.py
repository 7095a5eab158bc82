"""GC roots and deopt state of statepoint records (LLVM ``gc.statepoint``),
decoded per ``docs/Statepoints.rst``, "Stack Map Format".

    >>> from stackmap_construct.statepoints import decode
    >>> for sp in decode(stackmap, "auto", arch="x86_64"):
    ...     sp.calling_convention, sp.flags, [d.value for d in sp.deopt], len(sp.gc_pointers)

This package consumes :class:`~stackmap_construct.model.StackMap` objects;
it never reads bytes or files.  See ``docs/statepoints.md``.
"""

from ..errors import StatepointError
from .checks import CODES, check
from .compare import compare_records, compare_statepoints
from .decode import (
    CALLING_CONVENTIONS,
    DEFAULT_STATEPOINT_ID,
    FLAG_NAMES,
    GCPointer,
    LayoutProblem,
    ResolvedLocation,
    Selection,
    Statepoint,
    StatepointColumns,
    decode,
    decode_record,
    decode_rows,
    is_statepoint,
    layout_problem,
    missing_ids,
    resolve,
    selection,
    signed32,
)
from .render import render_json, render_statepoint, render_text, to_json

__all__ = [
    "decode", "decode_record", "decode_rows", "is_statepoint", "layout_problem", "selection", "missing_ids", "resolve",
    "signed32", "Statepoint", "StatepointColumns", "GCPointer", "ResolvedLocation", "Selection", "LayoutProblem",
    "StatepointError", "CALLING_CONVENTIONS", "FLAG_NAMES", "DEFAULT_STATEPOINT_ID",
    "check", "CODES", "compare_statepoints", "compare_records",
    "render_text", "render_statepoint", "render_json", "to_json",
]
