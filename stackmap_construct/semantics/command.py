"""The function behind ``stackmap-construct semantics`` (the CLI wiring lives
in :mod:`stackmap_construct.cli`), and where the function addresses come
from when the caller does not give them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional, Sequence

from ..errors import SemanticsError
from ..model import StackMap
from ..symbols import FunctionTarget
from .driver import _build
from .jsonform import module_state_map_to_json, registry_from_json
from .layout import USIZE_MAX, WASMER_VMCTX_LAYOUT, ModuleInfo
from .types import StackmapRegistry

__all__ = ["run_semantics", "place_functions"]


def place_functions(
    stackmap: StackMap, targets: Sequence[FunctionTarget]
) -> tuple[StackMap, list[Optional[int]], bool]:
    """Each function record's address as its file gives it.

    ``targets`` are the file's :class:`~stackmap_construct.symbols.FunctionTarget`
    for ``stackmap`` (``symbols.resolve_functions``; the CLI's
    ``load(...)`` gives them).  A linked image fixes each address (in a
    shared object the field holds 0 and a dynamic relocation supplies it).
    In an object file the text is laid out from address 0 and each
    relocation applied: the address is the offset of the relocation's
    target in its section, when every function is in the same section.

    Returns the stackmap with those addresses (records whose address the file
    does not give keep theirs), one address per function record (None when
    the file does not give it), and whether they are offsets in an object.
    """
    if len(targets) != len(stackmap.functions):
        raise SemanticsError(
            f"{len(targets)} function targets for {len(stackmap.functions)} function records", rule="argument"
        )
    sections = {t.section for t in targets if t.address is None and t.offset is not None}
    in_object = len(sections) == 1
    addresses: list[Optional[int]] = []
    for t in targets:
        if t.address is not None:
            addresses.append(t.address)
        elif in_object and t.offset is not None:
            addresses.append(t.offset)
        else:
            addresses.append(None)
    functions = [
        fn if a is None or a == fn.address else replace(fn, address=a)
        for fn, a in zip(stackmap.functions, addresses)
    ]
    return replace(stackmap, functions=functions), addresses, in_object and None not in addresses


def run_semantics(
    stackmap: Optional[StackMap],
    registry_json: object,
    code_addr: int,
    code_size: int,
    function_addresses: Optional[Sequence[int]] = None,
    imported_globals: int = 0,
    imported_tables: int = 0,
    *,
    targets: Optional[Sequence[FunctionTarget]] = None,
) -> Optional[dict[str, Any]]:
    """Map ``stackmap`` with the registry and return the ModuleStateMap's
    JSON-ready dict, or None when ``stackmap`` is None (no/empty stackmap
    section: no map; print ``null``).

    ``registry_json`` is the registry's parsed JSON (``{"entries": [...]}``
    or the bare list) or a :class:`StackmapRegistry`.

    ``targets`` (the file's function targets, see :func:`place_functions`)
    put each function record at the address its file gives.  Local function
    ``i`` is at ``function_addresses[i]``; when ``function_addresses`` is
    None they are taken from the file: the function records' addresses, in
    record order (LLVM writes them in the module's function order).  That
    needs ``targets`` and a file that gives every address (a linked image,
    or an object whose functions are in one section); otherwise a
    :class:`SemanticsError` (rule ``function-addresses``) says what is
    missing.

    Raises :class:`~stackmap_construct.errors.SemanticsError` (a
    ``StackMapError``; ``describe()`` gives the one-line message) for a
    malformed registry or a failed rule.
    """
    registry = registry_json if isinstance(registry_json, StackmapRegistry) else registry_from_json(registry_json)
    module_info = ModuleInfo(
        imported_globals=_count(imported_globals, "imported_globals"),
        imported_tables=_count(imported_tables, "imported_tables"),
    )
    from_object = False
    if stackmap is not None and targets is not None:
        stackmap, found, from_object = place_functions(stackmap, targets)
        if function_addresses is None:
            missing = [i for i, a in enumerate(found) if a is None]
            if missing:
                raise SemanticsError(
                    f"no function addresses were given and the file does not give the address of "
                    f"function record(s) {', '.join(map(str, missing))}: {_why(targets)}",
                    rule="function-addresses",
                )
            function_addresses = [a for a in found if a is not None]
        else:
            from_object = False  # the caller's addresses: a 0 there is a null pointer
    elif function_addresses is None and stackmap is not None:
        raise SemanticsError(
            "no function addresses: pass function_addresses, or targets= (symbols.resolve_functions for the "
            "stackmap's file) to take them from a linked image or an object file",
            rule="function-addresses",
        )
    msm = _build(stackmap, registry, module_info, code_addr, code_size, list(function_addresses or ()),
                 WASMER_VMCTX_LAYOUT, not from_object)
    return None if msm is None else module_state_map_to_json(msm)


def _why(targets: Sequence[FunctionTarget]) -> str:
    sections = sorted({t.section for t in targets if t.address is None and t.section is not None})
    if len(sections) > 1:
        return (f"its functions are in {len(sections)} sections ({', '.join(sections)}), whose layout an object "
                f"does not fix; pass the function addresses")
    return ("it is an object whose relocation targets are not defined in it, or a raw blob with zero "
            "addresses; pass the function addresses (or map the linked image)")


def _count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= USIZE_MAX:
        raise SemanticsError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}", rule="argument")
    return value
