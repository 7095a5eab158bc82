"""The ``dump --format json`` document: ``{"stackmaps": [...]}``, one entry
per blob, each the plain-data form of :func:`stackmap_construct.to_dict`
plus ``"endian"``, a ``"symbol"`` and an ``"entry"`` on each function (its
name, and the address of its code: the relocated address, or on ppc64 ELFv1
the code entry of the function descriptor that ``"address"`` holds; null
when unknown, as in objects) and an ``"address"`` on each record (its
function's entry plus the instruction offset; null when that is unknown).

:func:`iter_render_json` gives the same text in pieces; for stackmaps parsed
by the fast path it renders straight from the parsed bytes (:mod:`.fast`),
byte for byte the text of :func:`render_json_plain`."""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Literal, Sequence, overload

from ..model import StackMap, to_dict
from ..symbols import FunctionTarget


def stackmap_entry(stackmap: StackMap, endian: str, targets: Sequence[FunctionTarget] | None = None) -> dict:
    entry = to_dict(stackmap)
    entry["endian"] = endian
    targets = list(targets or [])
    for i, fn in enumerate(entry["functions"]):
        fn["symbol"] = targets[i].symbol if i < len(targets) else None
        fn["entry"] = targets[i].address if i < len(targets) else None
    index = 0
    for fi, (_, records) in enumerate(stackmap.records_by_function()):
        base = targets[fi].address if fi < len(targets) else None
        for r in records:
            entry["records"][index]["address"] = base + r.instruction_offset if base is not None else None
            index += 1
    return entry


def render_json(blobs: Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]) -> str:
    return "".join(iter_render_json(blobs))


Blobs = Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]


@overload
def iter_render_json(blobs: Blobs, *, encoded: Literal[False] = False) -> Iterator[str]: ...
@overload
def iter_render_json(blobs: Blobs, *, encoded: Literal[True]) -> Iterator[bytes]: ...
def iter_render_json(blobs: Blobs, *, encoded: bool = False) -> Iterator[str] | Iterator[bytes]:
    """The document in pieces: str, or UTF-8 bytes with ``encoded``."""
    from .fast import json_chunks

    listed = list(blobs)
    chunks = json_chunks(listed)
    if chunks is None:
        text = render_json_plain(listed)
        return iter([text.encode()]) if encoded else iter([text])
    return chunks if encoded else (chunk.decode() for chunk in chunks)


def render_json_plain(blobs: Iterable[tuple[StackMap, str, Sequence[FunctionTarget] | None]]) -> str:
    doc = {"stackmaps": [stackmap_entry(sm, endian, targets) for sm, endian, targets in blobs]}
    return json.dumps(doc, indent=2) + "\n"
