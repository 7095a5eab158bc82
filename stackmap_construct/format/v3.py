"""LLVM StackMap format version 3, declared once, in the order of the spec.

Source: LLVM ``docs/StackMaps.rst``, section "Stack Map Format".  The same
definition parses and builds.  Every field has a one-line doc (``* "..."``);
reserved and padding fields are checked on parse and written as zero on
build; counts are rebuilt from the list lengths.

Alignment is relative to the start of the blob: parse and build each blob
from its own first byte (the API in :mod:`.api` does).

Endianness is a parameter: ppc64 and s390x emit big-endian stackmaps.
"""

from __future__ import annotations

from ..endian import ENDIANS, struct_prefix

from functools import lru_cache

from ..errors import PaddingError, ReservedFieldError, UnsupportedVersionError
from ..model import Function, LiveOut, Location, Record, StackMap


# Encoded sizes used to refuse impossible counts before parsing any item.
HEADER_SIZE = 16
FUNCTION_SIZE = 24
CONSTANT_SIZE = 8
LOCATION_SIZE = 12
LIVE_OUT_SIZE = 4
MIN_RECORD_SIZE = 24  # 16-byte record header + u16 padding + u16 count, aligned to 8


def check_endian(endian: str) -> None:
    """Refuse a byte order that is not "little" or "big" (ValueError)."""
    if endian not in ENDIANS:
        raise ValueError(f"endian must be 'little' or 'big', not {endian!r}")


@lru_cache(maxsize=None)
def stackmap_format(endian: str = "little"):
    """The construct for one whole ``.llvm_stackmaps`` blob in ``endian``
    byte order ("little" or "big").  It parses into, and builds from, a
    :class:`~stackmap_construct.model.StackMap`."""
    check_endian(endian)
    # construct is imported when the definition is first built, not with
    # this module: the fast path reads a cached description of it
    # (format/fast/_plan_cache.py), and start-up pays for construct only
    # when a command really parses or builds through it.
    from construct import FormatField, Rebuild, len_, this

    from .constructs import AlignPad, Block, Expect, Items, KindAdapter, Model

    e = struct_prefix(endian)
    u8, u16, u32, u64, i32 = (FormatField(e, c) for c in "BHLQl")

    def reserved(field):
        return Expect(field, 0, ReservedFieldError, "reserved field")

    def padding(field):
        return Expect(field, 0, PaddingError, "padding")

    location = Model(
        Block(
            "kind" / KindAdapter(u8) * "Location kind: 1 Register, 2 Direct, 3 Indirect, 4 Constant, 5 ConstantIndex",
            "reserved" / reserved(u8) * "Reserved, must be 0",
            "size" / u16 * "Size of the value in bytes",
            "dwarf_regnum" / u16 * "DWARF register number (Register, Direct, Indirect)",
            "reserved2" / reserved(u16) * "Reserved, must be 0",
            "offset_or_small_constant" / i32
            * "Offset from the register (Direct, Indirect), the value (Constant) or an index into constants (ConstantIndex)",
        ),
        Location,
    )

    live_out = Model(
        Block(
            "dwarf_regnum" / u16 * "DWARF register number of a register live across the call",
            "reserved" / reserved(u8) * "Reserved, must be 0",
            "size" / u8 * "Size of the live register in bytes",
        ),
        LiveOut,
    )

    record = Model(
        Block(
            "patchpoint_id" / u64 * "The ID given to the stackmap/patchpoint/statepoint intrinsic",
            "instruction_offset" / u32 * "Offset of the call site from the start of its function",
            "reserved" / reserved(u16) * "Reserved (record flags), must be 0",
            "num_locations" / Rebuild(u16, len_(this.locations)) * "Number of locations",
            "locations" / Items(location, "num_locations", LOCATION_SIZE) * "Where each live value is",
            "align_pad" / AlignPad(8) * "u32 of zero, only when needed to realign to 8 bytes (odd number of locations)",
            "padding" / padding(u16) * "Padding, must be 0",
            "num_live_outs" / Rebuild(u16, len_(this.live_outs)) * "Number of live-out registers",
            "live_outs" / Items(live_out, "num_live_outs", LIVE_OUT_SIZE) * "Registers live across the call",
            "end_pad" / AlignPad(8) * "Zero bytes up to the next multiple of 8",
        ),
        Record,
    )

    function = Model(
        Block(
            "address" / u64 * "Function address (0 plus a relocation in object files)",
            "stack_size" / u64 * "Stack frame size in bytes; 0xFFFFFFFFFFFFFFFF when dynamically sized",
            "record_count" / u64 * "Number of records that belong to this function, which follow in order",
        ),
        Function,
    )

    return Model(
        Block(
            # Header
            "version" / Expect(u8, 3, UnsupportedVersionError, "stackmap version") * "Stack map version, must be 3",
            "reserved" / reserved(u8) * "Reserved, must be 0",
            "reserved2" / reserved(u16) * "Reserved, must be 0",
            "num_functions" / Rebuild(u32, len_(this.functions)) * "Number of function (StkSizeRecord) entries",
            "num_constants" / Rebuild(u32, len_(this.constants)) * "Number of large constants",
            "num_records" / Rebuild(u32, len_(this.records)) * "Number of stackmap records",
            # StkSizeRecord[NumFunctions]
            "functions" / Items(function, "num_functions", FUNCTION_SIZE) * "One entry per function with records",
            # LargeConstants[NumConstants]
            "constants" / Items(u64, "num_constants", CONSTANT_SIZE) * "Constants too large for 32 bits",
            # StkMapRecord[NumRecords]
            "records" / Items(record, "num_records", MIN_RECORD_SIZE) * "One record per call site",
        ),
        StackMap,
    )
