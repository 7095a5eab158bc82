"""JSON forms of the registry (input) and of the state maps (output), both ways.

Conventions (stable):

* enums: unit variants as the plain string ``"Ctx"``; variants with one
  field as ``{"Variant": payload}``; ``TwoHalves`` as
  ``{"TwoHalves": [major, minor]}``; ``VmctxDeref`` as
  ``{"VmctxDeref": [offsets...]}``;
* ``Option``: ``null`` or the value;
* ordered maps: a list of ``[key, value]`` pairs in ascending key order;
* registers: register-index integers;
* integers are JSON integers, exact (u64 values above 2**53 included;
  Python's ``json`` module keeps them exact).  Floats and booleans are never
  accepted where an integer is expected.

Every ``*_from_json`` raises :class:`SemanticsError` (rule ``"json"``) with
the path of the offending value.
"""

from __future__ import annotations

import gc
from typing import Any, Callable, Optional

from ..errors import SemanticsError
from .types import (
    FunctionStateMap,
    MachineState,
    MachineStateDiff,
    MachineValue,
    ModuleStateMap,
    OffsetInfo,
    RegisterIndex,
    StackmapEntry,
    StackmapEntryKind,
    StackmapRegistry,
    SuspendOffset,
    ValueSemantic,
    WasmAbstractValue,
)
from ._variants import Variant

__all__ = [
    "value_semantic_to_json", "value_semantic_from_json",
    "stackmap_entry_to_json", "stackmap_entry_from_json",
    "registry_to_json", "registry_from_json",
    "machine_value_to_json", "machine_value_from_json",
    "machine_state_to_json", "machine_state_from_json",
    "machine_state_diff_to_json", "machine_state_diff_from_json",
    "function_state_map_to_json", "function_state_map_from_json",
    "module_state_map_to_json", "module_state_map_from_json",
]

U64_MAX = 2**64 - 1

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _err(message: str, path: str) -> SemanticsError:
    return SemanticsError(message, rule="json", path=path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _int(value: Any, path: str, lo: int = 0, hi: int = U64_MAX) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _err(f"expected an integer, got {value!r}", path)
    if not lo <= value <= hi:
        raise _err(f"integer {value} out of range [{lo}, {hi}]", path)
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise _err(f"expected a list, got {type(value).__name__}", path)
    return value


def _object(value: Any, path: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _err(f"expected an object, got {type(value).__name__}", path)
    missing = [k for k in keys if k not in value]
    if missing:
        raise _err(f"missing key {missing[0]!r}", path)
    unknown = sorted(k for k in value if k not in keys)
    if unknown:
        raise _err(f"unknown key {unknown[0]!r} (expected {', '.join(keys)})", path)
    return value


def _pairs(value: Any, path: str, key: Callable[[Any, str], Any], val: Callable[[Any, str], Any]) -> dict:
    """An ordered map from its list of [key, value] pairs (keys ascending)."""
    out: dict = {}
    previous = None
    for i, pair in enumerate(_list(value, path)):
        p = f"{path}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise _err("expected a [key, value] pair", p)
        k = key(pair[0], f"{p}[0]")
        if previous is not None and not k > previous:
            raise _err(f"keys must be strictly ascending ({k} after {previous})", f"{p}[0]")
        previous = k
        out[k] = val(pair[1], f"{p}[1]")
    return out


def _to_pairs(mapping: dict, val: Callable[[Any], Any]) -> list:
    return [[int(k), val(v)] for k, v in sorted(mapping.items())]


def _optional(value: Any, path: str, inner: Callable[[Any, str], Any]) -> Any:
    return None if value is None else inner(value, path)


def _variant_to_json(value: Variant, payload: Callable[[Variant], Any] | None = None) -> Any:
    fields = value.payload()
    if not fields:
        return value.variant
    if payload is not None:
        return {value.variant: payload(value)}
    if len(fields) == 1:
        return {value.variant: int(fields[0])}
    raise TypeError(f"no JSON form for {value!r}")


def _variant_from_json(
    value: Any,
    path: str,
    enum: type,
    decoders: dict[str, Optional[Callable[[Any, str], Any]]],
) -> Any:
    """``decoders[name]`` is None for a unit variant, else builds the variant
    from its payload."""
    if isinstance(value, str):
        if value not in decoders:
            raise _err(f"unknown {enum.__name__} variant {value!r}", path)
        if decoders[value] is not None:
            raise _err(f"{enum.__name__}.{value} needs a payload: {{{value!r}: ...}}", path)
        return getattr(enum, value)
    if isinstance(value, dict) and len(value) == 1:
        (name, payload), = value.items()
        if name not in decoders:
            raise _err(f"unknown {enum.__name__} variant {name!r}", path)
        decoder = decoders[name]
        if decoder is None:
            raise _err(f"{enum.__name__}.{name} takes no payload: write {name!r}", path)
        return decoder(payload, _join(path, name))
    raise _err(f"expected a {enum.__name__}: a variant name or {{\"Variant\": payload}}, got {value!r}", path)


def _index_variant(enum: type, name: str) -> Callable[[Any, str], Any]:
    return lambda payload, path: getattr(enum, name)(_int(payload, path))


# --------------------------------------------------------------------------
# registry (input)
# --------------------------------------------------------------------------

_VALUE_SEMANTIC_DECODERS: dict = {
    name: (None if not isinstance(v, type) else _index_variant(ValueSemantic, name))
    for name, v in ValueSemantic._variants.items()
}


def value_semantic_to_json(value: ValueSemantic) -> Any:
    return _variant_to_json(value)


def value_semantic_from_json(value: Any, path: str = "") -> ValueSemantic:
    return _variant_from_json(value, path, ValueSemantic, _VALUE_SEMANTIC_DECODERS)


_ENTRY_KEYS = ("kind", "local_function_id", "opcode_offset", "value_semantics", "local_count", "stack_count", "is_start")


def stackmap_entry_to_json(entry: StackmapEntry) -> dict:
    return {
        "kind": entry.kind.value,
        "local_function_id": entry.local_function_id,
        "opcode_offset": entry.opcode_offset,
        "value_semantics": [value_semantic_to_json(v) for v in entry.value_semantics],
        "local_count": entry.local_count,
        "stack_count": entry.stack_count,
        "is_start": entry.is_start,
    }


def stackmap_entry_from_json(value: Any, path: str = "") -> StackmapEntry:
    obj = _object(value, path, _ENTRY_KEYS)
    kind = obj["kind"]
    if not isinstance(kind, str) or kind not in StackmapEntryKind.__members__:
        names = ", ".join(StackmapEntryKind.__members__)
        raise _err(f"unknown entry kind {kind!r} (expected one of {names})", _join(path, "kind"))
    is_start = obj["is_start"]
    if not isinstance(is_start, bool):
        raise _err(f"expected true or false, got {is_start!r}", _join(path, "is_start"))
    vs_path = _join(path, "value_semantics")
    return StackmapEntry(
        kind=StackmapEntryKind[kind],
        local_function_id=_int(obj["local_function_id"], _join(path, "local_function_id")),
        opcode_offset=_int(obj["opcode_offset"], _join(path, "opcode_offset")),
        value_semantics=tuple(
            value_semantic_from_json(v, f"{vs_path}[{i}]") for i, v in enumerate(_list(obj["value_semantics"], vs_path))
        ),
        local_count=_int(obj["local_count"], _join(path, "local_count")),
        stack_count=_int(obj["stack_count"], _join(path, "stack_count")),
        is_start=is_start,
    )


def registry_to_json(registry: StackmapRegistry) -> dict:
    """``{"entries": [entry, ...]}``."""
    return {"entries": [stackmap_entry_to_json(e) for e in registry.entries]}


def registry_from_json(value: Any) -> StackmapRegistry:
    """From ``{"entries": [...]}`` or from the bare list of entries.

    One pass, with every check of :func:`stackmap_entry_from_json`: the
    common shapes are recognised inline (equal value semantics decoded once
    and shared); anything else goes to :func:`stackmap_entry_from_json`,
    which gives the exact error.
    """
    if isinstance(value, dict):
        entries = _object(value, "", ("entries",))["entries"]
    else:
        entries = value
    return StackmapRegistry(_entries_from_json(_list(entries, "entries")))


_KINDS = {k.value: k for k in StackmapEntryKind}
_UNIT_SEMANTICS = {name: v for name, v in ValueSemantic._variants.items() if not isinstance(v, type)}
_INDEX_SEMANTICS = {name: v for name, v in ValueSemantic._variants.items() if isinstance(v, type)}


def _entries_from_json(items: list) -> tuple:
    """The entries of a registry; the fast path of :func:`registry_from_json`.

    Cyclic garbage collection is paused meanwhile: a registry is hundreds of
    thousands of small acyclic objects, and the collector's passes over them
    cost more than the decoding.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _decode_entries(items)
    finally:
        if paused:
            gc.enable()


def _decode_entries(items: list) -> tuple:
    units = _UNIT_SEMANTICS
    indexed = _INDEX_SEMANTICS
    kinds = _KINDS
    new = object.__new__
    set_attr = object.__setattr__
    entry_cls = StackmapEntry
    # variant name -> {index: the decoded variant}; equal semantics are shared.
    decoded: dict = {name: {} for name in indexed}
    out: list[StackmapEntry] = []
    append = out.append
    for i, e in enumerate(items):
        try:
            # Seven keys, each looked up below: exactly the entry's keys.
            if type(e) is not dict or len(e) != 7:
                raise _Slow
            kind = kinds[e["kind"]]
            fid, opcode, n_locals, n_stack, is_start = (
                e["local_function_id"], e["opcode_offset"], e["local_count"], e["stack_count"], e["is_start"])
            # Four ints in [0, 2**64): their OR is too (a negative one makes it negative).
            if not (type(fid) is type(opcode) is type(n_locals) is type(n_stack) is int
                    and type(is_start) is bool and (fid | opcode | n_locals | n_stack) >> 64 == 0):
                raise _Slow
            value_semantics = e["value_semantics"]
            if type(value_semantics) is not list:
                raise _Slow
            semantics: list = []
            for v in value_semantics:
                if type(v) is str:
                    semantics.append(units[v])
                    continue
                name, = v  # a dict of one key (anything else raises)
                index = v[name]
                if type(index) is not int:
                    raise _Slow
                cache = decoded[name]
                got = cache.get(index)
                if got is None:
                    if not 0 <= index <= U64_MAX:
                        raise _Slow
                    got = cache[index] = indexed[name](index)
                semantics.append(got)
        except (_Slow, KeyError, TypeError, ValueError):
            append(stackmap_entry_from_json(e, f"entries[{i}]"))
            continue
        # A frozen dataclass, filled in directly: its fields were checked above.
        entry = new(entry_cls)
        set_attr(entry, "__dict__", {
            "kind": kind, "local_function_id": fid, "opcode_offset": opcode, "value_semantics": tuple(semantics),
            "local_count": n_locals, "stack_count": n_stack, "is_start": is_start})
        append(entry)
    return tuple(out)


class _Slow(Exception):
    """Not the common shape: decode the entry the careful way."""


# --------------------------------------------------------------------------
# state maps (output)
# --------------------------------------------------------------------------


def machine_value_to_json(value: MachineValue) -> Any:
    if isinstance(value, MachineValue.VmctxDeref):
        return {"VmctxDeref": [int(x) for x in value.path]}
    if isinstance(value, MachineValue.TwoHalves):
        return {"TwoHalves": [machine_value_to_json(value.major), machine_value_to_json(value.minor)]}
    return _variant_to_json(value)


def _vmctx_deref(payload: Any, path: str) -> MachineValue:
    return MachineValue.VmctxDeref(tuple(_int(x, f"{path}[{i}]") for i, x in enumerate(_list(payload, path))))


def _two_halves(payload: Any, path: str) -> MachineValue:
    if not isinstance(payload, list) or len(payload) != 2:
        raise _err("expected [major, minor]", path)
    return MachineValue.TwoHalves(
        machine_value_from_json(payload[0], f"{path}[0]"), machine_value_from_json(payload[1], f"{path}[1]")
    )


_MACHINE_VALUE_DECODERS: dict = {
    "Undefined": None,
    "Vmctx": None,
    "VmctxDeref": _vmctx_deref,
    "PreserveRegister": lambda p, path: MachineValue.PreserveRegister(RegisterIndex(_int(p, path))),
    "CopyStackBPRelative": lambda p, path: MachineValue.CopyStackBPRelative(_int(p, path, -(2**31), 2**31 - 1)),
    "ExplicitShadow": None,
    "WasmStack": _index_variant(MachineValue, "WasmStack"),
    "WasmLocal": _index_variant(MachineValue, "WasmLocal"),
    "TwoHalves": _two_halves,
}


def machine_value_from_json(value: Any, path: str = "") -> MachineValue:
    return _variant_from_json(value, path, MachineValue, _MACHINE_VALUE_DECODERS)


def _wasm_value_to_json(value: WasmAbstractValue) -> Any:
    return _variant_to_json(value)


def _wasm_value_from_json(value: Any, path: str) -> WasmAbstractValue:
    return _variant_from_json(
        value, path, WasmAbstractValue, {"Runtime": None, "Const": _index_variant(WasmAbstractValue, "Const")}
    )


def _suspend_offset_from_json(value: Any, path: str) -> SuspendOffset:
    return _variant_from_json(
        value, path, SuspendOffset, {n: _index_variant(SuspendOffset, n) for n in ("Loop", "Call", "Trappable")}
    )


def _offset_info_to_json(info: OffsetInfo) -> dict:
    return {"end_offset": info.end_offset, "diff_id": info.diff_id, "activate_offset": info.activate_offset}


def _offset_info_from_json(value: Any, path: str) -> OffsetInfo:
    obj = _object(value, path, ("end_offset", "diff_id", "activate_offset"))
    return OffsetInfo(*(_int(obj[k], _join(path, k)) for k in ("end_offset", "diff_id", "activate_offset")))


def _values(value: Any, path: str, item: Callable[[Any, str], Any]) -> tuple:
    return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(_list(value, path)))


_STATE_KEYS = (
    "stack_values", "register_values", "prev_frame", "wasm_stack", "wasm_stack_private_depth", "wasm_inst_offset",
)


def machine_state_to_json(state: MachineState) -> dict:
    return {
        "stack_values": [machine_value_to_json(v) for v in state.stack_values],
        "register_values": [machine_value_to_json(v) for v in state.register_values],
        "prev_frame": _to_pairs(state.prev_frame, machine_value_to_json),
        "wasm_stack": [_wasm_value_to_json(v) for v in state.wasm_stack],
        "wasm_stack_private_depth": state.wasm_stack_private_depth,
        "wasm_inst_offset": state.wasm_inst_offset,
    }


def machine_state_from_json(value: Any, path: str = "") -> MachineState:
    obj = _object(value, path, _STATE_KEYS)
    j = lambda k: _join(path, k)  # noqa: E731
    return MachineState(
        stack_values=_values(obj["stack_values"], j("stack_values"), machine_value_from_json),
        register_values=_values(obj["register_values"], j("register_values"), machine_value_from_json),
        prev_frame=_pairs(obj["prev_frame"], j("prev_frame"), _int, machine_value_from_json),
        wasm_stack=_values(obj["wasm_stack"], j("wasm_stack"), _wasm_value_from_json),
        wasm_stack_private_depth=_int(obj["wasm_stack_private_depth"], j("wasm_stack_private_depth")),
        wasm_inst_offset=_int(obj["wasm_inst_offset"], j("wasm_inst_offset")),
    )


_DIFF_KEYS = (
    "last", "stack_push", "stack_pop", "reg_diff", "prev_frame_diff", "wasm_stack_push", "wasm_stack_pop",
    "wasm_inst_offset",
)


def machine_state_diff_to_json(diff: MachineStateDiff) -> dict:
    return {
        "last": diff.last,
        "stack_push": [machine_value_to_json(v) for v in diff.stack_push],
        "stack_pop": diff.stack_pop,
        "reg_diff": [[int(i), machine_value_to_json(v)] for i, v in diff.reg_diff],
        "prev_frame_diff": _to_pairs(
            diff.prev_frame_diff, lambda v: None if v is None else machine_value_to_json(v)
        ),
        "wasm_stack_push": [_wasm_value_to_json(v) for v in diff.wasm_stack_push],
        "wasm_stack_pop": diff.wasm_stack_pop,
        "wasm_inst_offset": diff.wasm_inst_offset,
    }


def _reg_diff_item(value: Any, path: str) -> tuple:
    if not isinstance(value, list) or len(value) != 2:
        raise _err("expected a [register index, value] pair", path)
    return (RegisterIndex(_int(value[0], f"{path}[0]")), machine_value_from_json(value[1], f"{path}[1]"))


def machine_state_diff_from_json(value: Any, path: str = "") -> MachineStateDiff:
    obj = _object(value, path, _DIFF_KEYS)
    j = lambda k: _join(path, k)  # noqa: E731
    return MachineStateDiff(
        last=_optional(obj["last"], j("last"), _int),
        stack_push=_values(obj["stack_push"], j("stack_push"), machine_value_from_json),
        stack_pop=_int(obj["stack_pop"], j("stack_pop")),
        reg_diff=_values(obj["reg_diff"], j("reg_diff"), _reg_diff_item),
        prev_frame_diff=_pairs(
            obj["prev_frame_diff"], j("prev_frame_diff"), _int,
            lambda v, p: _optional(v, p, machine_value_from_json),
        ),
        wasm_stack_push=_values(obj["wasm_stack_push"], j("wasm_stack_push"), _wasm_value_from_json),
        wasm_stack_pop=_int(obj["wasm_stack_pop"], j("wasm_stack_pop")),
        wasm_inst_offset=_int(obj["wasm_inst_offset"], j("wasm_inst_offset")),
    )


_FSM_KEYS = (
    "initial", "local_function_id", "locals", "shadow_size", "diffs", "wasm_function_header_target_offset",
    "wasm_offset_to_target_offset", "loop_offsets", "call_offsets", "trappable_offsets",
)


def function_state_map_to_json(fsm: FunctionStateMap) -> dict:
    header = fsm.wasm_function_header_target_offset
    return {
        "initial": machine_state_to_json(fsm.initial),
        "local_function_id": fsm.local_function_id,
        "locals": [_wasm_value_to_json(v) for v in fsm.locals],
        "shadow_size": fsm.shadow_size,
        "diffs": [machine_state_diff_to_json(d) for d in fsm.diffs],
        "wasm_function_header_target_offset": None if header is None else _variant_to_json(header),
        "wasm_offset_to_target_offset": _to_pairs(fsm.wasm_offset_to_target_offset, _variant_to_json),
        "loop_offsets": _to_pairs(fsm.loop_offsets, _offset_info_to_json),
        "call_offsets": _to_pairs(fsm.call_offsets, _offset_info_to_json),
        "trappable_offsets": _to_pairs(fsm.trappable_offsets, _offset_info_to_json),
    }


def function_state_map_from_json(value: Any, path: str = "") -> FunctionStateMap:
    obj = _object(value, path, _FSM_KEYS)
    j = lambda k: _join(path, k)  # noqa: E731
    return FunctionStateMap(
        initial=machine_state_from_json(obj["initial"], j("initial")),
        local_function_id=_int(obj["local_function_id"], j("local_function_id")),
        locals=list(_values(obj["locals"], j("locals"), _wasm_value_from_json)),
        shadow_size=_int(obj["shadow_size"], j("shadow_size")),
        diffs=list(_values(obj["diffs"], j("diffs"), machine_state_diff_from_json)),
        wasm_function_header_target_offset=_optional(
            obj["wasm_function_header_target_offset"], j("wasm_function_header_target_offset"),
            _suspend_offset_from_json,
        ),
        wasm_offset_to_target_offset=_pairs(
            obj["wasm_offset_to_target_offset"], j("wasm_offset_to_target_offset"), _int, _suspend_offset_from_json
        ),
        loop_offsets=_pairs(obj["loop_offsets"], j("loop_offsets"), _int, _offset_info_from_json),
        call_offsets=_pairs(obj["call_offsets"], j("call_offsets"), _int, _offset_info_from_json),
        trappable_offsets=_pairs(obj["trappable_offsets"], j("trappable_offsets"), _int, _offset_info_from_json),
    )


def module_state_map_to_json(msm: ModuleStateMap) -> dict:
    """``{"local_functions": [[target_offset, FunctionStateMap], ...], "total_size": n}``."""
    return {
        "local_functions": _to_pairs(msm.local_functions, function_state_map_to_json),
        "total_size": msm.total_size,
    }


def module_state_map_from_json(value: Any) -> ModuleStateMap:
    obj = _object(value, "", ("local_functions", "total_size"))
    return ModuleStateMap(
        local_functions=_pairs(obj["local_functions"], "local_functions", _int, function_state_map_from_json),
        total_size=_int(obj["total_size"], "total_size"),
    )
