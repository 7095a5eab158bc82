"""Statepoint corruptions: the blob still parses, but a record laid out as a
statepoint no longer is one.  A consumer that takes those records as
statepoints (``validate --statepoints all``, ``statepoints --ids all``, or
their ids) must report the error predicted here, at the field predicted.
Registered with the other kinds of :mod:`.corrupt` (``gen --list``)."""

from __future__ import annotations

from ..format import parse
from ..errors import GenerateError
from ..statepoints.decode import HEADER_LOCATIONS, NUM_DEOPT_INDEX, is_statepoint, signed32
from .corrupt import Corruption, _register, _Target
from .recipe import I32_MAX


def _targets(t: _Target) -> list[tuple[int, str, int, int]]:
    """(record index, selection, N, locations after the header) of each
    statepoint record whose breakage the selection would show alone:
    "all" when every record is a statepoint, else the record's id when every
    record with that id is one."""
    sm = parse(t.blob, endian=t.layout.endian)
    records = list(sm.records)
    fits = [is_statepoint(r) for r in records]
    out = []
    for i, r in enumerate(records):
        if not fits[i]:
            continue
        if all(fits):
            chosen = "all"
        elif all(f for f, other in zip(fits, records) if other.patchpoint_id == r.patchpoint_id):
            chosen = str(r.patchpoint_id)
        else:  # pragma: no cover - a record with this id is not a statepoint: fits[i] contradicts
            continue
        n = signed32(r.locations[NUM_DEOPT_INDEX].offset_or_small_constant)
        out.append((i, chosen, n, len(r.locations) - HEADER_LOCATIONS))
    return out


def _semantic(kind: str, t: _Target, ri: int, value: int, chosen: str, finding: str, path: str, change: str) -> Corruption:
    field = t.layout.field(f"records[{ri}].locations[{NUM_DEOPT_INDEX}].offset_or_small_constant")
    where = t.layout.field(path)
    return Corruption(kind, t.patch(field, value, signed=True), change, None, finding, path, where.offset,
                      statepoints=chosen)


def _deopt_count(t: _Target) -> Corruption:
    options = _targets(t)
    if not options:
        raise GenerateError("this stackmap has no statepoint record to corrupt (gen --statepoints makes some)")
    ri, chosen, n, rest = t.rng.choice(options)
    value = t.rng.choice([rest + 1, rest + t.rng.integer(2, 1000), I32_MAX, -1])
    path = f"records[{ri}].locations[{NUM_DEOPT_INDEX}].offset_or_small_constant"
    return _semantic("statepoint-deopt-count", t, ri, value, chosen, "statepoint-deopt-count", path,
                     f"records[{ri}]: N changed from {n} to {value} ({rest} locations follow the constants)")


def _odd_remainder(t: _Target) -> Corruption:
    options = [(o, v) for o in _targets(t) for v in (o[2] + 1, o[2] - 1) if 0 <= v <= o[3]]
    if not options:
        raise GenerateError("this stackmap has no statepoint record with a deopt value or a GC pointer pair to corrupt")
    (ri, chosen, n, rest), value = t.rng.choice(options)
    path = f"records[{ri}].num_locations"
    return _semantic("statepoint-odd-remainder", t, ri, value, chosen, "statepoint-odd-remainder", path,
                     f"records[{ri}]: N changed from {n} to {value}, leaving {rest - value} locations for the pairs")


_register("statepoint-deopt-count", "validate: statepoint-deopt-count",
          "a statepoint's N (number of deopt locations) set past the end of its locations", _deopt_count)
_register("statepoint-odd-remainder", "validate: statepoint-odd-remainder",
          "a statepoint's N moved by one: an odd number of locations is left for the (base, derived) pairs",
          _odd_remainder)
