"""The function behind ``stackmap-construct semantics`` (the CLI wiring lives
in :mod:`stackmap_construct.cli`)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ..errors import SemanticsError
from ..model import StackMap
from .driver import build_module_state_map
from .jsonform import module_state_map_to_json, registry_from_json
from .layout import ModuleInfo

__all__ = ["run_semantics"]


def run_semantics(
    stackmap: Optional[StackMap],
    registry_json: object,
    code_addr: int,
    code_size: int,
    function_addresses: Sequence[int],
    imported_globals: int = 0,
    imported_tables: int = 0,
) -> Optional[dict[str, Any]]:
    """Map ``stackmap`` with the registry (its parsed JSON: ``{"entries":
    [...]}`` or the bare list) and return the ModuleStateMap's JSON-ready
    dict, or None when ``stackmap`` is None (no/empty stackmap section: no
    map; print ``null``).

    Raises :class:`~stackmap_construct.errors.SemanticsError` (a
    ``StackMapError``; ``describe()`` gives the one-line message) for a
    malformed registry or a failed rule.
    """
    registry = registry_from_json(registry_json)
    module_info = ModuleInfo(
        imported_globals=_count(imported_globals, "imported_globals"),
        imported_tables=_count(imported_tables, "imported_tables"),
    )
    msm = build_module_state_map(stackmap, registry, module_info, code_addr, code_size, list(function_addresses))
    return None if msm is None else module_state_map_to_json(msm)


def _count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SemanticsError(f"{name} must be a non-negative integer, got {value!r}", rule="argument")
    return value
