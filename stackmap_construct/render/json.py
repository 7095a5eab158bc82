"""The ``dump --format json`` document: ``{"stackmaps": [...]}``, one entry
per blob, each the plain-data form of :func:`stackmap_construct.to_dict`
plus ``"endian"``."""

from __future__ import annotations

import json
from typing import Iterable

from ..model import StackMap, to_dict


def stackmap_entry(stackmap: StackMap, endian: str) -> dict:
    entry = to_dict(stackmap)
    entry["endian"] = endian
    return entry


def render_json(blobs: Iterable[tuple[StackMap, str]]) -> str:
    doc = {"stackmaps": [stackmap_entry(sm, endian) for sm, endian in blobs]}
    return json.dumps(doc, indent=2) + "\n"
