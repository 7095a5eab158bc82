"""The byte offset of a field path in a parsed stackmap, for errors and
findings that name a field.  Learnt from the definition (``build`` and
``walk``), never restated: the record's start is the length of the blob
built with the records before it (counts are fixed-size fields, so the
header keeps its size), and the field's place inside the record comes from
walking a blob of that one record."""

from __future__ import annotations

import re

from ..format import build
from ..format.walk import walk
from ..model import StackMap

_RECORD = re.compile(r"^records\[(\d+)\](.*)$")


def field_offset(stackmap: StackMap, path: str, endian: str = "little") -> int | None:
    """Offset of ``path`` (``records[3].locations[2].kind``, ``records[3]``)
    from the start of the blob, or None when the path names nothing."""
    m = _RECORD.match(path)
    if not m:
        return None
    index, rest = int(m.group(1)), m.group(2)
    if not 0 <= index < len(stackmap.records):
        return None
    head = StackMap(stackmap.version, list(stackmap.functions), list(stackmap.constants),
                    list(stackmap.records[:index]))
    start = len(build(head, endian=endian))
    one = StackMap(stackmap.version, [], [], [stackmap.records[index]])
    record_start = None
    for event in walk(build(one, endian=endian), endian=endian):
        if record_start is None and event.path.startswith("records[0]"):
            record_start = event.offset
        if event.path == "records[0]" + rest or event.path.startswith("records[0]" + rest + ".") \
                or event.path.startswith("records[0]" + rest + "["):
            return start + event.offset - (record_start or 0)
    return None
