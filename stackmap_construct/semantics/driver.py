"""``build_module_state_map``: the loop wasmer's LLVM backend ran over a
module's stackmap (``lib/llvm-backend/src/backend.rs``, ``LLVMBackend::new``,
2019) to build its :class:`ModuleStateMap`."""

from __future__ import annotations

from typing import Optional, Sequence

from ..errors import SemanticsError
from ..model import Function, Record, StackMap
from .layout import USIZE_MAX, WASMER_VMCTX_LAYOUT, ModuleInfo, VmctxLayout
from .populate import populate_msm
from .types import ModuleStateMap, StackmapRegistry

__all__ = ["build_module_state_map"]


def _usize(value: object, name: str) -> int:
    """An argument the original holds in a ``usize``: 0 .. 2**64 - 1."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= USIZE_MAX:
        raise SemanticsError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}", rule="argument")
    return value


def build_module_state_map(
    stackmap: Optional[StackMap],
    registry: StackmapRegistry,
    module_info: ModuleInfo,
    code_addr: int,
    code_size: int,
    local_function_addresses: Sequence[int],
    *,
    layout: VmctxLayout = WASMER_VMCTX_LAYOUT,
) -> Optional[ModuleStateMap]:
    """The module's state map, or None when there is no stackmap.

    ``stackmap`` is the parsed ``.llvm_stackmaps`` section, with function
    addresses as loaded (``None`` for an empty/absent section: no map);
    ``code_addr``/``code_size`` locate the module's code; entry
    ``local_function_addresses[i]`` is the address of local function ``i``.

    Rules, in the original's order: size records are looked up by function
    address and records by patchpoint id (the last duplicate wins); registry
    entries are taken in pairs (0, 1), (2, 3), ... (an odd trailing entry is
    ignored); a pair whose start record is absent was optimized out and is
    skipped; otherwise the start entry must be a start and the end entry
    must not be; the end record (patchpoint id of the end entry) may be
    absent; the size record is the one at the address of the entry's local
    function (absent: error); then :func:`populate_msm`.  Finally every
    local function address must lie in ``[code_addr, code_addr + code_size)``.
    The size records' record counts are not used.  A null local function
    address is refused first (``null-function-address``), and
    ``code_addr + code_size`` past ``usize::MAX`` is refused when the range
    check computes it (``code-range-overflow``).
    """
    return _build(stackmap, registry, module_info, code_addr, code_size, local_function_addresses, layout, True)


def _build(
    stackmap: Optional[StackMap],
    registry: StackmapRegistry,
    module_info: ModuleInfo,
    code_addr: int,
    code_size: int,
    local_function_addresses: Sequence[int],
    layout: VmctxLayout,
    refuse_null: bool,
) -> Optional[ModuleStateMap]:
    """The driver.  ``refuse_null=False`` when the addresses are offsets of
    an object's text laid out from 0, each found in the file (the original's
    null test means "symbol not found", which cannot happen then)."""
    if stackmap is None:
        return None
    _usize(code_addr, "code_addr")
    _usize(code_size, "code_size")
    addresses = [_usize(a, f"local function address {i}") for i, a in enumerate(local_function_addresses)]
    for i, address in enumerate(addresses):
        # `assert!(!ptr.is_null())` on each local function's symbol, first.
        if address == 0 and refuse_null:
            raise SemanticsError(
                f"local function {i} has a null address (the original asserts that each local "
                f"function's symbol resolves to a non-null pointer)",
                rule="null-function-address",
            )

    msm = ModuleStateMap(local_functions={}, total_size=code_size)

    size_records: dict[int, tuple[int, Function]] = {}
    for j, fn in enumerate(stackmap.functions):
        size_records[fn.address] = (j, fn)
    records: dict[int, tuple[int, Record]] = {}
    for i, rec in enumerate(stackmap.records):
        records[rec.patchpoint_id] = (i, rec)

    entries = registry.entries
    for start_id in range(0, len(entries) - 1, 2):
        end_id = start_id + 1
        start, end = entries[start_id], entries[end_id]
        found = records.get(start_id)
        if found is None:
            continue  # the stackmap call was optimized out
        record_index, record = found
        record_path = f"records[{record_index}]"
        if not start.is_start:
            raise SemanticsError(
                f"entry {start_id} (the first of pair ({start_id}, {end_id})) is not a start entry",
                rule="start-entry", path=record_path,
            )
        if end.is_start:
            raise SemanticsError(
                f"entry {end_id} (the second of pair ({start_id}, {end_id})) is a start entry",
                rule="end-entry-is-start", path=f"entries[{end_id}]",
            )
        end_found = records.get(end_id)

        fid = start.local_function_id
        if not 0 <= fid < len(addresses):
            raise SemanticsError(
                f"entry {start_id} belongs to local function {fid} but only {len(addresses)} "
                f"local function addresses were given",
                rule="local-function-id", path=f"entries[{start_id}]",
            )
        address = addresses[fid]
        size_found = size_records.get(address)
        if size_found is None:
            raise SemanticsError(
                f"no size record (function) at address {address:#x} of local function {fid} "
                f"(entry {start_id})",
                rule="size-record-not-found", path=record_path,
            )
        size_index, size_record = size_found

        populate_msm(
            start,
            module_info,
            code_addr,
            stackmap,
            size_record,
            record,
            (end, end_found[1]) if end_found is not None else None,
            msm,
            layout=layout,
            entry_id=start_id,
            record_path=record_path,
            end_record_path=f"records[{end_found[0]}]" if end_found is not None else f"entries[{end_id}]",
            size_record_path=f"functions[{size_index}]",
        )

    for i, address in enumerate(addresses):
        # `x >= code_ptr && x < code_ptr + code_len`: the sum (which panics
        # on overflow) is only computed when the first test holds.
        if address >= code_addr and code_addr + code_size > USIZE_MAX:
            raise SemanticsError(
                f"code address {code_addr:#x} + code size {code_size:#x} overflows usize "
                f"(checking local function {i} at {address:#x})",
                rule="code-range-overflow",
            )
        if not code_addr <= address < code_addr + code_size:
            raise SemanticsError(
                f"local function {i} at {address:#x} is outside the code "
                f"[{code_addr:#x}, {code_addr + code_size:#x})",
                rule="function-address-range",
            )
    return msm
