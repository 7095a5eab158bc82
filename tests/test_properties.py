"""Round-trip properties over generated stackmaps, both byte orders."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackmap_construct import StackMapError, build, from_dict, parse, parse_all, to_dict
from stackmap_construct.generate.strategies import stackmaps

# Every test here runs against both implementations (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("format_backend")

ENDIANS = pytest.mark.parametrize("endian", ["little", "big"])


@ENDIANS
@settings(max_examples=150, deadline=None)
@given(sm=stackmaps())
def test_parse_build_roundtrip(endian, sm):
    blob = build(sm, endian=endian)
    assert len(blob) % 8 == 0
    assert parse(blob, endian=endian) == sm
    assert build(parse(blob, endian=endian), endian=endian) == blob


@ENDIANS
@settings(max_examples=100, deadline=None)
@given(sm=stackmaps())
def test_dict_form_roundtrip(endian, sm):
    assert from_dict(to_dict(sm)) == sm
    assert build(to_dict(sm), endian=endian) == build(sm, endian=endian)


@settings(max_examples=50, deadline=None)
@given(sms=st.lists(stackmaps(max_records=3), max_size=4))
def test_parse_all_of_concatenation(sms):
    assert parse_all(b"".join(build(s) for s in sms)) == sms


@settings(max_examples=200, deadline=None)
@given(sm=stackmaps(min_records=1), data=st.data())
def test_any_single_byte_change_either_parses_or_raises_a_stackmap_error(sm, data):
    blob = bytearray(build(sm))
    i = data.draw(st.integers(0, len(blob) - 1))
    blob[i] ^= data.draw(st.integers(1, 255))
    try:
        parse(bytes(blob))
    except StackMapError as e:
        assert e.offset is not None and 0 <= e.offset <= len(blob)
