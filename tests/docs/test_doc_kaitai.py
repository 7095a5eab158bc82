"""schemas/llvm_stackmap.ksy is proven, not just written: compiled to Python
with the Kaitai Struct compiler (npm kaitai-struct-compiler, through its
JavaScript API), run with the kaitaistruct runtime over every fixture, and
compared with our parse field by field: every field of the walk (reserved,
counts and padding included) with its offset and size, and every attribute
of the parsed model.  Its validity checks refuse what our parser refuses.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import CORPUS, CORPUS_IDS, KSY, import_file, require_module, sections
from stackmap_construct import StackMapError, build, parse
from stackmap_construct.docgen import describe
from stackmap_construct.format.walk import walk
from stackmap_construct.generate.strategies import stackmaps


@pytest.fixture(scope="module")
def ks(kaitai_compiler, tmp_path_factory):
    """The compiled spec: (runtime module, debug-mode class, normal class)."""
    runtime = require_module("kaitaistruct", "kaitaistruct")
    out = tmp_path_factory.mktemp("kaitai")
    assert kaitai_compiler(KSY, out / "debug", debug=True) == ["llvm_stackmap.py"]
    assert kaitai_compiler(KSY, out / "plain") == ["llvm_stackmap.py"]
    debug = import_file(out / "debug" / "llvm_stackmap.py", "ksy_llvm_stackmap_debug").LlvmStackmap
    plain = import_file(out / "plain" / "llvm_stackmap.py", "ksy_llvm_stackmap_plain").LlvmStackmap
    return runtime, debug, plain


def kaitai_parse(cls, data: bytes, endian: str, *, debug: bool):
    from kaitaistruct import KaitaiStream

    obj = cls(endian, KaitaiStream(io.BytesIO(data)))
    if debug:
        obj._read()
    assert obj._io.is_eof(), "the spec did not consume the whole blob"
    return obj


def kaitai_fields(obj, path: str = ""):
    """(path, start, end, value) of every leaf field of a debug-mode parse,
    in the order of the spec."""
    from kaitaistruct import KaitaiStruct

    for name, pos in obj._debug.items():
        value = getattr(obj, name)
        p = f"{path}.{name}" if path else name
        if "arr" in pos:
            for i, (item, ipos) in enumerate(zip(value, pos["arr"])):
                if isinstance(item, KaitaiStruct):
                    yield from kaitai_fields(item, f"{p}[{i}]")
                else:
                    yield f"{p}[{i}]", ipos["start"], ipos["end"], item
        else:
            yield p, pos["start"], pos["end"], value


def plain(value):
    """Kaitai enums and our LocationKind compare as their numbers."""
    return int(value) if hasattr(value, "value") and not isinstance(value, bytes) else value


def assert_same_fields(kobj, data: bytes, endian: str):
    ours = list(walk(data, endian=endian))
    # An absent alignment pad is no field for walk; in Kaitai it is b"".
    theirs = [f for f in kaitai_fields(kobj) if f[2] > f[1] or not isinstance(f[3], bytes)]
    assert [e.path for e in ours] == [t[0] for t in theirs]
    for e, (path, start, end, value) in zip(ours, theirs):
        assert (e.offset, e.offset + len(e.raw)) == (start, end), path
        if isinstance(value, bytes):  # padding: compare the bytes
            assert e.raw == value, path
        else:
            assert plain(e.value) == plain(value), path


def assert_same_model(kobj, sm, block=None):
    """Every attribute of the parsed model equals the Kaitai attribute."""
    block = block or describe()[0]
    for name in block.model_names:
        ours, theirs = getattr(sm, name), getattr(kobj, name)
        f = block.field(name)
        if f.role == "array":
            assert len(ours) == len(theirs), name
            for o, t in zip(ours, theirs):
                if f.element is not None:
                    assert_same_model(t, o, f.element)
                else:
                    assert o == t, name
        else:
            assert plain(ours) == plain(theirs), name


@pytest.mark.parametrize("obj", CORPUS, ids=CORPUS_IDS)
def test_kaitai_parse_equals_ours_on_every_fixture(ks, obj):
    _, debug, normal = ks
    for section in sections(obj):
        data, endian = section.data, section.endian
        k = kaitai_parse(debug, data, endian, debug=True)
        assert_same_fields(k, data, endian)
        sm = parse(data, endian=endian)
        assert_same_model(k, sm)
        assert_same_model(kaitai_parse(normal, data, endian, debug=False), sm)


def test_corpus_has_both_byte_orders_and_the_example():
    endians = {s.endian for obj in CORPUS for s in sections(obj)}
    assert endians == {"little", "big"}
    assert any(p.parent.name == "examples" for p in CORPUS)
    assert len(CORPUS) >= 50


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sm=stackmaps())
def test_kaitai_parse_equals_ours_on_generated_stackmaps(ks, sm):
    _, debug, _ = ks
    for endian in ("little", "big"):
        data = build(sm, endian=endian)
        k = kaitai_parse(debug, data, endian, debug=True)
        assert_same_fields(k, data, endian)
        assert_same_model(k, sm)


def _checked_fields(data: bytes):
    """Fields whose value the format constrains: version, reserved,
    padding, location kinds."""
    for e in walk(data):
        if e.role in ("reserved", "padding") or e.path in ("version",) or e.path.endswith(".kind"):
            yield e


@pytest.fixture(scope="module")
def sample():
    return sections(next(p for p in CORPUS if p.name == "sample.o"))[0].data


def test_kaitai_refuses_what_we_refuse(ks, sample):
    runtime, debug, _ = ks
    fields = list(_checked_fields(sample))
    assert {e.role for e in fields} >= {"reserved", "padding"}
    assert any(e.path.endswith("align_pad") for e in fields) and any(e.path.endswith("end_pad") for e in fields)
    for e in fields:
        bad = bytearray(sample)
        bad[e.offset] = 9 if e.path.endswith(".kind") else (2 if e.path == "version" else 1)
        with pytest.raises(StackMapError):
            parse(bytes(bad))
        with pytest.raises(runtime.KaitaiStructError):
            kaitai_parse(debug, bytes(bad), "little", debug=True)


def test_big_endian_sample_and_wrong_byte_order(ks, sample):
    runtime, debug, _ = ks
    big = build(parse(sample), endian="big")
    assert_same_fields(kaitai_parse(debug, big, "big", debug=True), big, "big")
    # Read in the wrong byte order, both refuse it (the counts are absurd).
    with pytest.raises(StackMapError):
        parse(big)
    with pytest.raises(Exception):
        kaitai_parse(debug, big, "little", debug=True)
