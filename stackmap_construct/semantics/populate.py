"""``populate_msm``: one start entry + its stackmap record -> one state diff.

A Python re-reading of wasmer's LLVM backend (``lib/llvm-backend/src/
stackmap.rs``, ``StackmapEntry::populate_msm``, 2019), same arithmetic and
same checks; every ``assert!``/``panic!``/``unwrap()`` of the original is a
:class:`~stackmap_construct.errors.SemanticsError` whose ``rule`` names the
check (see ``docs/semantics.md`` for the list).

Frame picture assumed by the original (System V x86-64 with a frame
pointer)::

    [rbp + 16 + 8k]   caller's frame: prev_frame slot k
    [rbp + 8]         return address
    [rbp]             saved rbp
    [rbp - 8(i+1), rbp - 8i)   stack slot i (stack_values[i]), i < (stack_size - 8) / 8

Stack locations are resolved in 4-byte halves: a location at ``rbp - off``
(off > 0) is half ``off // 4 - 1``; halves 2i+1 (8-aligned address,
"major") and 2i (4 bytes higher, "minor") form slot i.
"""

from __future__ import annotations

from typing import Optional

from .. import wording
from ..errors import SemanticsError
from ..model import Function, Location, LocationKind, Record, StackMap
from .layout import USIZE_MAX, WASMER_VMCTX_LAYOUT, ModuleInfo, VmctxLayout, machine_value_for
from .registers import DWARF_RBP, X64Register, new_machine_state, seed_register
from .types import (
    FunctionStateMap,
    MachineStateDiff,
    MachineValue,
    ModuleStateMap,
    OffsetInfo,
    StackmapEntry,
    StackmapEntryKind,
    SuspendOffset,
    ValueSemantic,
    WasmAbstractValue,
)

__all__ = ["populate_msm", "MAX_FRAME_HALVES"]

Undefined = MachineValue.Undefined

#: The largest halves table (4-byte halves of the frame below the saved
#: rbp, ``(stack_size - 8) / 4``) we build: 2**24 halves, a 64 MiB frame.
#: The original allocates that table (32 bytes a half) for every entry and
#: aborts out of memory on a huge frame; wasmer resumes frames on an 8 MiB
#: stack, so a larger frame could never run there.  Past this the entry is
#: refused (rule ``frame-too-large``) before anything is allocated.
MAX_FRAME_HALVES = 2**24

I32_MIN = -(2**31)


def _fail(rule: str, message: str, path: str) -> SemanticsError:
    return SemanticsError(message, rule=rule, path=path)


def populate_msm(
    entry: StackmapEntry,
    module_info: ModuleInfo,
    code_addr: int,
    stackmap: StackMap,
    size_record: Function,
    map_record: Record,
    end: Optional[tuple[StackmapEntry, Record]],
    msm: ModuleStateMap,
    *,
    layout: VmctxLayout = WASMER_VMCTX_LAYOUT,
    entry_id: Optional[int] = None,
    record_path: str = "record",
    end_record_path: str = "end record",
    size_record_path: str = "size record",
) -> None:
    """Add the state at ``entry`` (a start entry) to ``msm``.

    ``size_record`` is the stackmap's size record of the entry's function,
    ``map_record`` the record of the entry's stackmap call, ``end`` the end
    entry and its record when that record exists.  The ``*_path`` and
    ``entry_id`` arguments only label error messages (the driver passes
    ``records[i]``, ``functions[j]`` and the patchpoint id).
    """
    name = f"entry {entry_id}" if entry_id is not None else "entry"
    what = f"{name} ({entry.kind.name}, local function {entry.local_function_id})"

    # Code offsets are from the start of the code.
    func_base_addr = size_record.address - code_addr
    if func_base_addr < 0:
        raise _fail(
            "function-below-code",
            f"function address {size_record.address:#x} of {what} is below the code address {code_addr:#x}",
            size_record_path,
        )
    target_offset = func_base_addr + map_record.instruction_offset
    if target_offset > USIZE_MAX:
        raise _fail(
            "target-offset-overflow",
            f"function base offset {func_base_addr:#x} + instruction offset {map_record.instruction_offset:#x} "
            f"of {what} overflows usize",
            record_path,
        )
    if not entry.is_start:
        raise _fail("start-entry", f"{what} is not a start entry", record_path)

    # Local functions arrive in order, each opened by its function header.
    count = len(msm.local_functions)
    if count == entry.local_function_id:
        if entry.kind is not StackmapEntryKind.FunctionHeader:
            raise _fail(
                "function-header-first",
                f"{what} is the first entry of local function {entry.local_function_id} "
                f"but not a FunctionHeader",
                record_path,
            )
        msm.local_functions[target_offset] = FunctionStateMap.new(
            new_machine_state(), entry.local_function_id, 0, []
        )
    elif entry.local_function_id >= USIZE_MAX:
        # `self.local_function_id + 1` panics before it is compared.
        raise _fail(
            "local-function-id-overflow",
            f"{what}: local function id {entry.local_function_id} + 1 overflows usize",
            record_path,
        )
    elif entry.local_function_id < 0 or count != entry.local_function_id + 1:
        raise _fail(
            "unordered-local-functions",
            f"{what} belongs to local function {entry.local_function_id} but the map holds "
            f"{wording.count(count, 'local function')} (expected {entry.local_function_id} or {entry.local_function_id + 1})",
            record_path,
        )
    fsm = msm.last_function()

    if len(entry.value_semantics) != len(map_record.locations):
        raise _fail(
            "location-count",
            f"{what} has {len(entry.value_semantics)} value semantics but its record has "
            f"{wording.count(len(map_record.locations), 'location')}",
            record_path,
        )

    # System V: 16-byte aligned before each call; with the saved rbp the
    # frame size is 8 mod 16.
    stack_size = size_record.stack_size
    if stack_size % 16 != 8:
        raise _fail(
            "stack-size",
            f"stack size {stack_size} of the function of {what} is not 8 mod 16",
            size_record_path,
        )

    # The layout begins just below the saved rbp, in 4-byte halves.  Only
    # the halves set are kept (half number - 1 -> value); the original's
    # table is all Undefined elsewhere.
    half_count = (stack_size - 8) // 4
    if half_count > MAX_FRAME_HALVES:
        raise _fail(
            "frame-too-large",
            f"stack size {stack_size} of the function of {what} needs a table of {half_count} 4-byte halves; "
            f"at most {MAX_FRAME_HALVES} (a {MAX_FRAME_HALVES * 4 + 8}-byte frame) are built",
            size_record_path,
        )
    halves: dict[int, MachineValue] = {}
    regs: list = []
    prev_frame_diff: dict = {}
    wasm_locals: list = []
    wasm_stack: list = []

    for i, (semantic, loc) in enumerate(zip(entry.value_semantics, map_record.locations)):
        where = f"{record_path}.locations[{i}]"
        if isinstance(semantic, ValueSemantic.WasmLocal):
            if semantic.index != len(wasm_locals):
                raise _fail(
                    "unordered-locals",
                    f"{what}: location {i} is wasm local {semantic.index}, expected local {len(wasm_locals)}",
                    where,
                )
            wasm_locals.append(WasmAbstractValue.Runtime)
        elif isinstance(semantic, ValueSemantic.WasmStack):
            if semantic.index != len(wasm_stack):
                raise _fail(
                    "unordered-stack",
                    f"{what}: location {i} is wasm stack value {semantic.index}, "
                    f"expected stack value {len(wasm_stack)}",
                    where,
                )
            wasm_stack.append(WasmAbstractValue.Runtime)
        mv = machine_value_for(semantic, module_info, layout, what=f"{what}: location {i}", path=where)
        _place(loc, mv, i, what, where, stackmap, regs, halves, half_count, prev_frame_diff, wasm_stack)

    if len(wasm_stack) != entry.stack_count:
        raise _fail(
            "stack-count",
            f"{what} declares stack_count {entry.stack_count} but its record holds {len(wasm_stack)} stack values",
            record_path,
        )
    if len(wasm_locals) != entry.local_count:
        raise _fail(
            "local-count",
            f"{what} declares local_count {entry.local_count} but its record holds {len(wasm_locals)} locals",
            record_path,
        )

    # Pair the halves into 8-byte slots: slot i is halves 2i+1 (major,
    # address 0 mod 8) and 2i (minor, 4 mod 8); an odd last half is in no
    # slot.  Untouched slots are Undefined.
    stack_values = [Undefined] * (half_count // 2)
    for i in {h // 2 for h in halves if h // 2 < len(stack_values)}:
        major = halves.get(2 * i + 1, Undefined)
        minor = halves.get(2 * i, Undefined)
        stack_values[i] = major if minor == Undefined else MachineValue.TwoHalves(major, minor)

    diff_id = len(fsm.diffs)
    fsm.diffs.append(
        MachineStateDiff(
            last=None,
            stack_push=tuple(stack_values),
            stack_pop=0,
            reg_diff=tuple(regs),
            prev_frame_diff=prev_frame_diff,
            wasm_stack_push=tuple(wasm_stack),
            wasm_stack_pop=0,
            wasm_inst_offset=entry.opcode_offset,
        )
    )

    if entry.kind is StackmapEntryKind.FunctionHeader:
        fsm.locals = wasm_locals
    elif fsm.locals != wasm_locals:
        raise _fail(
            "locals-mismatch",
            f"{what} has locals {wasm_locals!r}, the function header has {fsm.locals!r}",
            record_path,
        )

    if end is not None:
        end_entry, end_record = end
        if end_entry.is_start:
            raise _fail("end-entry-is-start", f"the end entry of {what} is a start entry", end_record_path)
        if end_entry.opcode_offset != entry.opcode_offset:
            raise _fail(
                "end-opcode-offset",
                f"the end entry of {what} has opcode offset {end_entry.opcode_offset}, "
                f"the start has {entry.opcode_offset}",
                end_record_path,
            )
        end_offset = func_base_addr + end_record.instruction_offset
        if end_offset > USIZE_MAX:
            raise _fail(
                "end-offset-overflow",
                f"function base offset {func_base_addr:#x} + end instruction offset "
                f"{end_record.instruction_offset:#x} of {what} overflows usize",
                end_record_path,
            )
        if end_offset < target_offset:
            raise _fail(
                "end-before-start",
                f"the end record of {what} is at code offset {end_offset}, before the start at {target_offset}",
                end_record_path,
            )
    else:
        end_offset = target_offset + 1
        if end_offset > USIZE_MAX:
            raise _fail(
                "end-offset-overflow",
                f"{what} has no end record and its target offset {target_offset:#x} + 1 overflows usize",
                record_path,
            )

    kind = entry.kind
    if kind is StackmapEntryKind.Loop:
        fsm.wasm_offset_to_target_offset[entry.opcode_offset] = SuspendOffset.Loop(target_offset)
        fsm.loop_offsets[target_offset] = OffsetInfo(end_offset, diff_id, target_offset)
    elif kind is StackmapEntryKind.Call:
        # The return address is just after the call instruction: one more.
        if end_offset + 1 > USIZE_MAX:
            raise _fail(
                "call-end-overflow",
                f"the end offset {end_offset:#x} of call {what} + 1 (its return address) overflows usize",
                end_record_path if end is not None else record_path,
            )
        fsm.wasm_offset_to_target_offset[entry.opcode_offset] = SuspendOffset.Call(target_offset)
        fsm.call_offsets[target_offset] = OffsetInfo(end_offset + 1, diff_id, target_offset)
    elif kind is StackmapEntryKind.Trappable:
        fsm.wasm_offset_to_target_offset[entry.opcode_offset] = SuspendOffset.Trappable(target_offset)
        fsm.trappable_offsets[target_offset] = OffsetInfo(end_offset, diff_id, target_offset)
    else:  # FunctionHeader
        fsm.wasm_function_header_target_offset = SuspendOffset.Loop(target_offset)
        fsm.loop_offsets[target_offset] = OffsetInfo(end_offset, diff_id, target_offset)


def _place(
    loc: Location,
    mv: MachineValue,
    i: int,
    what: str,
    where: str,
    stackmap: StackMap,
    regs: list,
    halves: dict,
    half_count: int,
    prev_frame_diff: dict,
    wasm_stack: list,
) -> None:
    """Record where location ``i`` (holding ``mv``) lives."""
    kind = loc.kind
    if kind == LocationKind.Register:
        reg = seed_register(loc.dwarf_regnum)
        if reg is None:
            raise _fail(
                "invalid-regnum",
                f"{what}: location {i} is in DWARF register {loc.dwarf_regnum}, which has no "
                f"register (GPRs 0-15, XMM0-XMM15 = 17-32)",
                where,
            )
        regs.append((reg.to_index(), mv))
    elif kind in (LocationKind.Constant, LocationKind.ConstantIndex):
        if kind == LocationKind.Constant:
            value = loc.offset_or_small_constant & 0xFFFF_FFFF  # i32 -> u32 -> u64
        else:
            index = loc.offset_or_small_constant
            if not 0 <= index < len(stackmap.constants):
                raise _fail(
                    "constant-index",
                    f"{what}: location {i} refers to constant #{index} but the stackmap has "
                    f"{wording.count(len(stackmap.constants), 'constant')}",
                    where,
                )
            value = stackmap.constants[index]
        # Only wasm stack values record their constant; others are dropped.
        if isinstance(mv, MachineValue.WasmStack):
            wasm_stack[-1] = WasmAbstractValue.Const(value)
    elif kind == LocationKind.Direct:
        if not isinstance(mv, MachineValue.WasmLocal):
            raise _fail(
                "direct-not-local",
                f"{what}: location {i} is Direct but holds {mv!r}; only wasm locals may be Direct",
                where,
            )
        if loc.size != 8:
            raise _fail("direct-size", f"{what}: Direct location {i} has size {loc.size}, expected 8", where)
        _require_rbp(loc, i, what, where)
        offset = loc.offset_or_small_constant
        if offset >= 0:
            # In the caller's frame, above the saved rbp and return address.
            if offset < 16:
                raise _fail(
                    "prev-frame-offset",
                    f"{what}: Direct location {i} at rbp + {offset} overlaps the saved rbp / return address",
                    where,
                )
            if offset % 8 != 0:
                raise _fail(
                    "prev-frame-alignment",
                    f"{what}: Direct location {i} at rbp + {offset} is not 8-byte aligned",
                    where,
                )
            prev_frame_diff[(offset - 16) // 8] = mv
        else:
            _set_half(halves, half_count, offset, mv, i, what, where, "Direct")
    elif kind == LocationKind.Indirect:
        offset = loc.offset_or_small_constant
        if offset >= 0:
            raise _fail(
                "indirect-offset",
                f"{what}: Indirect location {i} at [rbp + {offset}] is not below the saved rbp",
                where,
            )
        _require_rbp(loc, i, what, where)
        _set_half(halves, half_count, offset, mv, i, what, where, "Indirect")
    else:
        raise _fail("location-kind", f"{what}: location {i} has unknown kind {kind!r}", where)


def _require_rbp(loc: Location, i: int, what: str, where: str) -> None:
    reg = X64Register.from_dwarf_regnum(loc.dwarf_regnum)
    if loc.dwarf_regnum != DWARF_RBP:
        name = repr(reg) if reg is not None else "no GPR/XMM register"
        raise _fail(
            "frame-register",
            f"{what}: {LocationKind(loc.kind).name} location {i} is based on DWARF register "
            f"{loc.dwarf_regnum} ({name}), not RBP (6)",
            where,
        )


def _set_half(
    halves: dict, half_count: int, offset: int, mv: MachineValue, i: int, what: str, where: str, kind: str
) -> None:
    if offset == I32_MIN:
        # `-loc.offset_or_small_constant` on an i32 panics.
        raise _fail(
            "stack-offset-overflow",
            f"{what}: {kind} location {i} at rbp - 2147483648: negating i32::MIN overflows",
            where,
        )
    half = -offset // 4  # offset < 0; truncating division of a positive number
    if not 0 < half <= half_count:
        raise _fail(
            "stack-slot-range",
            f"{what}: {kind} location {i} at rbp - {-offset} is outside the {half_count * 4}-byte "
            f"frame below the saved rbp",
            where,
        )
    halves[half - 1] = mv
