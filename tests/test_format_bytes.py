"""Hand-written, annotated byte fixtures, written from LLVM's StackMaps.rst.

Each reserved and padding field is corrupted in turn; the error class, the
field path and the byte offset are asserted.
"""

import mmap

import pytest

from stackmap_construct import (
    BadLocationKindError,
    BuildError,
    Function,
    LiveOut,
    Location,
    LocationKind,
    PaddingError,
    Record,
    ReservedFieldError,
    StackMap,
    StackMapError,
    TrailingDataError,
    TruncatedError,
    UnsupportedVersionError,
    build,
    parse,
    parse_all,
)

# Every test here runs against both implementations (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("format_backend")

# One function, one large constant, one record with ONE location (odd: the
# u32 alignment pad is present) and one live-out (the record ends aligned).
ODD = bytes.fromhex(
    # header
    "03"                 # 0x00 version = 3
    "00"                 # 0x01 reserved
    "0000"               # 0x02 reserved2
    "01000000"           # 0x04 num_functions = 1
    "01000000"           # 0x08 num_constants = 1
    "01000000"           # 0x0c num_records = 1
    # functions[0]
    "0010000000000000"   # 0x10 address = 0x1000
    "1000000000000000"   # 0x18 stack_size = 16
    "0100000000000000"   # 0x20 record_count = 1
    # constants[0]
    "2a00000000000001"   # 0x28 = 0x010000000000002a
    # records[0]
    "0700000000000000"   # 0x30 patchpoint_id = 7
    "20000000"           # 0x38 instruction_offset = 0x20
    "0000"               # 0x3c reserved (record flags)
    "0100"               # 0x3e num_locations = 1
    "01"                 # 0x40 locations[0].kind = Register
    "00"                 # 0x41 locations[0].reserved
    "0800"               # 0x42 locations[0].size = 8
    "0600"               # 0x44 locations[0].dwarf_regnum = 6
    "0000"               # 0x46 locations[0].reserved2
    "00000000"           # 0x48 locations[0].offset_or_small_constant = 0
    "00000000"           # 0x4c align_pad (0x4c is not 8-aligned: 4 bytes)
    "0000"               # 0x50 padding
    "0100"               # 0x52 num_live_outs = 1
    "0300"               # 0x54 live_outs[0].dwarf_regnum = 3
    "00"                 # 0x56 live_outs[0].reserved
    "08"                 # 0x57 live_outs[0].size = 8
)                        # 0x58 end: aligned, no end_pad
ODD_MODEL = StackMap(
    3,
    [Function(0x1000, 16, 1)],
    [0x010000000000002A],
    [Record(7, 0x20, [Location(LocationKind.Register, 8, 6, 0)], [LiveOut(3, 8)])],
)

# No functions or constants; one record with TWO locations (even: no align
# pad) and no live-outs (the record needs a 4-byte end pad).
EVEN = bytes.fromhex(
    "03" "00" "0000"     # 0x00 version, reserved, reserved2
    "00000000"           # 0x04 num_functions = 0
    "00000000"           # 0x08 num_constants = 0
    "01000000"           # 0x0c num_records = 1
    "ffffffffffffffff"   # 0x10 records[0].patchpoint_id = 2**64-1
    "ffffffff"           # 0x18 instruction_offset = 2**32-1
    "0000"               # 0x1c reserved
    "0200"               # 0x1e num_locations = 2
    "02" "00" "0800" "0700" "0000" "f0ffffff"  # 0x20 Direct R#7 - 16, size 8
    "04" "00" "0400" "0000" "0000" "ffffffff"  # 0x2c Constant -1, size 4
    "0000"               # 0x38 padding (0x38 is aligned: no align_pad)
    "0000"               # 0x3a num_live_outs = 0
    "00000000"           # 0x3c end_pad
)                        # 0x40 end
EVEN_MODEL = StackMap(
    3,
    [],
    [],
    [
        Record(
            2**64 - 1,
            2**32 - 1,
            [Location(LocationKind.Direct, 8, 7, -16), Location(LocationKind.Constant, 4, 0, -1)],
            [],
        )
    ],
)


def _set(data: bytes, offset: int, value: int) -> bytes:
    b = bytearray(data)
    b[offset] = value
    return bytes(b)


def test_odd_fixture_parses_to_spec_values():
    assert len(ODD) == 0x58
    assert parse(ODD) == ODD_MODEL


def test_even_fixture_parses_to_spec_values():
    assert len(EVEN) == 0x40
    assert parse(EVEN) == EVEN_MODEL


@pytest.mark.parametrize("blob,model", [(ODD, ODD_MODEL), (EVEN, EVEN_MODEL)])
def test_build_writes_the_hand_written_bytes(blob, model):
    assert build(model) == blob


def test_big_endian_is_the_byte_swapped_layout():
    big = bytes.fromhex(
        "03" "00" "0000" "00000001" "00000001" "00000001"
        "0000000000001000" "0000000000000010" "0000000000000001"
        "010000000000002a"
        "0000000000000007" "00000020" "0000" "0001"
        "01" "00" "0008" "0006" "0000" "00000000"
        "00000000" "0000" "0001"
        "0003" "00" "08"
    )
    assert parse(big, endian="big") == ODD_MODEL
    assert build(ODD_MODEL, endian="big") == big


@pytest.mark.parametrize(
    "blob,offset,error,path",
    [
        (ODD, 0x01, ReservedFieldError, "reserved"),
        (ODD, 0x02, ReservedFieldError, "reserved2"),
        (ODD, 0x03, ReservedFieldError, "reserved2"),
        (ODD, 0x3C, ReservedFieldError, "records[0].reserved"),
        (ODD, 0x41, ReservedFieldError, "records[0].locations[0].reserved"),
        (ODD, 0x46, ReservedFieldError, "records[0].locations[0].reserved2"),
        (ODD, 0x56, ReservedFieldError, "records[0].live_outs[0].reserved"),
        (ODD, 0x4C, PaddingError, "records[0].align_pad"),
        (ODD, 0x4F, PaddingError, "records[0].align_pad"),
        (ODD, 0x50, PaddingError, "records[0].padding"),
        (EVEN, 0x38, PaddingError, "records[0].padding"),
        (EVEN, 0x3C, PaddingError, "records[0].end_pad"),
        (EVEN, 0x3F, PaddingError, "records[0].end_pad"),
    ],
)
def test_every_reserved_and_padding_byte_is_checked(blob, offset, error, path):
    with pytest.raises(error) as info:
        parse(_set(blob, offset, 0x5A))
    # The offset is that of the field's first byte.
    field_start = {0x03: 0x02, 0x4F: 0x4C, 0x3F: 0x3C}.get(offset, offset)
    assert info.value.path == path
    assert info.value.offset == field_start


@pytest.mark.parametrize("version", [0, 1, 2, 4, 255])
def test_only_version_3_is_accepted(version):
    with pytest.raises(UnsupportedVersionError) as info:
        parse(_set(ODD, 0, version))
    assert (info.value.path, info.value.offset) == ("version", 0)
    assert f"found {version}" in info.value.message


@pytest.mark.parametrize("kind", [0, 6, 255])
def test_unknown_location_kind_is_an_error(kind):
    with pytest.raises(BadLocationKindError) as info:
        parse(_set(ODD, 0x40, kind))
    assert (info.value.path, info.value.offset) == ("records[0].locations[0].kind", 0x40)


@pytest.mark.parametrize(
    "cut,path,offset",
    [
        (0, "version", 0x00),
        (3, "reserved2", 0x02),
        (0x0E, "num_records", 0x0C),
        # The first field that runs out of bytes is named, also where its
        # array's count cannot fit in what is left.
        (0x1B, "functions[0].stack_size", 0x18),
        (0x20, "functions[0].record_count", 0x20),
        (0x2F, "constants[0]", 0x28),
        (0x40, "records[0].locations[0].kind", 0x40),
        (0x48, "records[0].locations[0].offset_or_small_constant", 0x48),
        (0x55, "records[0].live_outs[0].dwarf_regnum", 0x54),
    ],
)
def test_truncation_names_the_field_and_offset(cut, path, offset):
    with pytest.raises(TruncatedError) as info:
        parse(ODD[:cut])
    assert (info.value.path, info.value.offset) == (path, offset)
    assert info.value.message.startswith(f"data ends at offset {cut} (0x{cut:x}): ")


@pytest.mark.parametrize("cut", range(len(ODD)))
def test_every_truncation_point_is_a_truncation_error(cut):
    with pytest.raises(TruncatedError):
        parse(ODD[:cut])


def test_truncated_alignment_pad_is_reported_at_the_pad():
    # Cut EVEN so the record's end pad is missing.
    with pytest.raises(TruncatedError) as info:
        parse(EVEN[:0x3E])
    assert (info.value.path, info.value.offset) == ("records[0].end_pad", 0x3C)


def test_huge_declared_count_stops_where_the_data_ends():
    blob = bytes.fromhex(
        "03000000" "00000000" "00000000"
        "ffffffff"  # 0x0c num_records = 2**32-1
    ) + bytes(24)   # 0x10..0x28: one empty record (24 bytes with its end pad)
    assert len(blob) == 40
    with pytest.raises(TruncatedError) as info:
        parse(blob)
    assert (info.value.path, info.value.offset) == ("records[1].patchpoint_id", 0x28)


def test_huge_fixed_size_count_is_refused_at_once_at_the_cut_field():
    blob = bytes.fromhex(
        "03000000"
        "ffffffff"  # 0x04 num_functions = 2**32-1: 24-byte items
        "00000000" "00000000"
    ) + bytes(36)   # 0x10..0x34: one function, then 12 bytes of the next
    with pytest.raises(TruncatedError) as info:
        parse(blob)
    assert (info.value.path, info.value.offset) == ("functions[1].stack_size", 0x30)
    assert info.value.message == ("data ends at offset 52 (0x34): field needs 8 bytes, only 4 left "
                                  "(num_functions = 4294967295: 4294967295 items of 24 bytes from offset 16)")


def test_trailing_bytes_are_an_error():
    with pytest.raises(TrailingDataError) as info:
        parse(ODD + bytes(8))
    assert info.value.offset == len(ODD)


def test_every_error_is_a_stackmap_error():
    for cls in (TruncatedError, ReservedFieldError, PaddingError, BadLocationKindError,
                UnsupportedVersionError, TrailingDataError, BuildError):
        assert issubclass(cls, StackMapError)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_parse_accepts_buffer_types(wrap):
    assert parse(wrap(ODD)) == ODD_MODEL


def test_parse_accepts_mmap(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(ODD)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert parse(m) == ODD_MODEL


def test_parse_all_splits_concatenated_blobs_and_reports_absolute_offsets():
    assert parse_all(ODD + EVEN + ODD) == [ODD_MODEL, EVEN_MODEL, ODD_MODEL]
    assert parse_all(b"") == []
    with pytest.raises(ReservedFieldError) as info:
        parse_all(ODD + _set(EVEN, 0x1C, 1))
    assert info.value.offset == len(ODD) + 0x1C
    assert info.value.path == "records[0].reserved"
    assert info.value.blob_index == 1


def test_counts_are_rebuilt_from_list_lengths():
    model = StackMap(3, [Function(1, 2, 5)], [], [])
    blob = build(model)
    assert blob[4:16] == bytes.fromhex("01000000" "00000000" "00000000")
    # record_count is data, not a count of anything in the blob: kept as given.
    assert parse(blob).functions[0].record_count == 5


@pytest.mark.parametrize(
    "model,path",
    [
        (StackMap(3, [], [], [Record(1, 2, [Location(LocationKind.Register, 70000, 0, 0)])]),
         "records[0].locations[0].size"),
        (StackMap(3, [Function(-1, 0, 0)], [], []), "functions[0].address"),
        (StackMap(3, [], [2**64], []), "constants[0]"),
        (StackMap(3, [], [], [Record(1, 2, [], [LiveOut(1, 256)])]), "records[0].live_outs[0].size"),
        (StackMap(3, [], [], [Record(1, 2, [Location(9, 8, 0, 0)])]), "records[0].locations[0].kind"),
        (StackMap(3, [], [], [Record(1, 2, [Location(1, 8, 0, 2**31)])]),
         "records[0].locations[0].offset_or_small_constant"),
        (StackMap(2, [], [], []), "version"),
        # A model of the wrong shape: no list where the count is rebuilt from one.
        (StackMap(3, [], [], [Record(1, 2, None, [])]), "records[0].num_locations"),
    ],
)
def test_build_refuses_out_of_range_values_with_the_path(model, path):
    with pytest.raises(BuildError) as info:
        build(model)
    assert info.value.path == path


def test_parse_all_calls_junk_after_the_last_blob_trailing_data():
    with pytest.raises(TrailingDataError) as info:
        parse_all(ODD + bytes(3))
    assert info.value.offset == len(ODD)
    assert "after the end of stackmap #0" in info.value.message
    # A second blob that is broken past its header is reported as broken.
    with pytest.raises(PaddingError) as info:
        parse_all(ODD + _set(EVEN, 0x3C, 1))
    assert info.value.offset == len(ODD) + 0x3C
