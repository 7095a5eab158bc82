"""The shipped description of the layout (format/fast/_plan_cache.py): it
is what plan() derives from format/v3.py now, field by field, for both byte
orders; a stale one is never used; and parsing an object file needs
neither construct nor pyelftools (issue 12, "Start-up")."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import importlib
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# (By its module path: the package stackmap_construct.format.fast exports
# the function plan() under the module's name.)
plan_module = importlib.import_module("stackmap_construct.format.fast.plan")
from stackmap_construct.frozen import Frozen  # noqa: E402


def test_the_shipped_cache_is_current():
    """`python3 scripts/plan_cache.py` rewrites it after a change to the
    sources it depends on (plan.CACHE_SOURCES)."""
    with open(plan_module.CACHE_PATH, encoding="utf-8") as f:
        shipped = f.read()
    assert shipped == plan_module.render_cache(), "run python3 scripts/plan_cache.py and commit the result"
    status = subprocess.run([sys.executable, str(ROOT / "scripts" / "plan_cache.py"), "--check"],
                            capture_output=True, text=True)
    assert status.returncode == 0, status.stderr


def _pairs(a, b, path=""):
    """Every (cached, derived, path) pair of plan members, recursively."""
    if isinstance(a, Frozen):
        assert type(a) is type(b), path
        yield a, b, path
        for name in a._fields:
            if name not in ("ref", "struct"):
                yield from _pairs(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _pairs(x, y, f"{path}[{i}]")


@pytest.mark.parametrize("endian", ["little", "big"])
def test_cached_plan_equals_the_plan_derived_from_the_definition(endian):
    top = plan_module._cached_top(endian)
    assert top is not None, "the shipped cache is stale or missing"
    cached = plan_module._assemble(endian, top)
    derived = plan_module.derive(endian)
    assert cached == derived
    members = 0
    for a, b, path in _pairs(cached.top, derived.top):
        for name in a._fields:
            if name == "struct":  # compared through the format it was made from
                assert a.struct.format == b.struct.format, path
            elif name == "ref":
                # the cached member finds the definition's own construct object
                assert type(a.ref).__name__ == "_Cached" and a.node is b.node is b.ref, path
                members += 1
            else:
                assert getattr(a, name) == getattr(b, name), f"{path}.{name}"
    assert members > 20
    # a few values written out by hand from LLVM's StackMaps.rst
    assert [leaf.name for leaf in cached.header.leaves] == [
        "version", "reserved", "reserved2", "num_functions", "num_constants", "num_records"]
    assert cached.header.struct.format == ("<" if endian == "little" else ">") + "BBHLLL"
    location = cached.array("records").element.array("locations").element
    assert location.fixed.size == 12 and [leaf.offset for leaf in location.fixed.leaves] == [0, 1, 2, 4, 6, 8]


def test_a_stale_cache_is_not_used(monkeypatch):
    crcs = plan_module.source_crcs()
    assert plan_module._cache.__wrapped__() is not None  # (_cache itself: once per process)
    monkeypatch.setattr(plan_module, "source_crcs", lambda: {**crcs, "format/v3.py": crcs["format/v3.py"] ^ 1})
    assert plan_module._cache.__wrapped__() is None
    monkeypatch.setattr(plan_module, "source_crcs", lambda: None)  # a source that cannot be read
    assert plan_module._cache.__wrapped__() is None


def test_an_edited_definition_is_derived_not_read_from_the_cache(tmp_path):
    """A copy of the package whose v3.py says something else: plan() gives
    the edited definition, as construct reads it."""
    package = tmp_path / "stackmap_construct"
    shutil.copytree(ROOT / "stackmap_construct", package, ignore=shutil.ignore_patterns("__pycache__"))
    v3 = package / "format" / "v3.py"
    v3.write_text(v3.read_text().replace('"Stack map version, must be 3"', '"The version byte"'))
    code = ("import stackmap_construct, sys; "
            "from stackmap_construct.format.fast.plan import plan; p = plan('little'); "
            "print(stackmap_construct.__file__); print(p.header.leaves[0].doc); print(type(p.top.ref).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout.splitlines()
    assert out[0] == str(package / "__init__.py")
    assert out[1:] == ["The version byte", "Model"]  # derived: the ref is the construct itself


@pytest.mark.parametrize("argv", [
    ["dump", "examples/sample.o"],
    ["dump", "examples/sample.o", "--format", "llvm-readobj"],
    ["dump", "examples/sample.o", "--format", "json"],
    ["dump", "examples/sample.o", "--function", "collect"],
    ["validate", "examples/sample.o"],
    ["diff", "examples/sample.o", "examples/sample.o"],
])
def test_commands_on_an_object_import_neither_construct_nor_pyelftools(argv):
    code = ("import sys, contextlib, io\n"
            "from stackmap_construct.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    status = main({argv!r})\n"
            "print(status, sorted({m.split('.')[0] for m in sys.modules} & {'construct', 'elftools'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split(" ", 1)[1].strip() == "[]", out


@pytest.mark.parametrize("endian,prefix", [("little", "<"), ("big", ">")])
def test_the_record_scanners_are_shipped_compiled_and_scan_as_generated_ones(endian, prefix, monkeypatch):
    from stackmap_construct import load
    from stackmap_construct.format.fast.codegen import RecordScanner, native_words

    element = plan_module.plan(endian).array("records").element
    shipped = RecordScanner(element, prefix)
    assert shipped.scan.__code__.co_filename == plan_module.CACHE_PATH  # compiled with the cache module
    monkeypatch.setattr(plan_module, "_cache", lambda: None)  # as when the cache is stale
    generated = RecordScanner(element, prefix)
    assert generated.scan.__code__.co_filename.startswith("<stackmap fast scan")
    assert shipped.source == generated.source
    # a generator that writes something else now is not handed the shipped code
    monkeypatch.undo()
    assert plan_module.cached_scanner(endian, shipped.source) is not None
    assert plan_module.cached_scanner(endian, shipped.source + "\n# changed") is None
    target = "x86_64-linux-gnu" if endian == "little" else "powerpc64-unknown-linux-gnu"
    blobs = [s.data for p in sorted((ROOT / "tests" / "data" / target).glob("*.o")) for s in load(p).container.sections]
    assert len(blobs) > 5
    for blob in blobs:
        words = native_words(blob, endian)
        count = int.from_bytes(blob[12:16], endian)
        start = 16 + 24 * int.from_bytes(blob[4:8], endian) + 8 * int.from_bytes(blob[8:12], endian)
        assert shipped.scan(blob, words, start // 4, count) == generated.scan(blob, words, start // 4, count)
        for n in range(count + 1):  # every prefix, and a bad reserved field in the last record
            assert shipped.first_bad(blob, words, start // 4, n) == generated.first_bad(blob, words, start // 4, n)
        broken = bytearray(blob)
        broken[-8:] = b"\xff" * 8
        words = native_words(bytes(broken), endian)
        assert shipped.first_bad(bytes(broken), words, start // 4, count) == \
            generated.first_bad(bytes(broken), words, start // 4, count)
