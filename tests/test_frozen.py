"""stackmap_construct.frozen: the value classes of the layout description
and the container facts behave as frozen dataclasses do."""

from __future__ import annotations

import copy
import pickle

import pytest

from stackmap_construct.containers.base import Container, Relocation, Section, Symbol
from stackmap_construct.frozen import Frozen, _fill


class Point(Frozen):
    __slots__ = ("x", "y", "note")
    _uncompared = ("note",)
    x: int
    y: int
    note: object

    def __init__(self, x: int, y: int = 0, note: object = None):
        _fill(self, x, y, note)


def test_fields_compare_hash_and_print_by_name():
    assert Point._fields == ("x", "y", "note") and Point._compared == ("x", "y")
    a, b = Point(1, 2, note="a"), Point(1, 2, note="b")
    assert a == b and hash(a) == hash(b) and a != Point(1, 3)
    assert repr(a) == "Point(x=1, y=2)"
    assert a != (1, 2) and (a == (1, 2)) is False  # another type is never equal


def test_immutable_and_replace():
    a = Point(1, 2)
    with pytest.raises(AttributeError, match="immutable"):
        a.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del a.y
    b = a._replace(y=7)
    assert (b.x, b.y, a.y) == (1, 7, 2)
    with pytest.raises(TypeError, match="no field 'z'"):
        a._replace(z=1)


def test_copy_pickle_and_wrong_arity():
    a = Point(1, [2])
    assert copy.copy(a) is a
    deep = copy.deepcopy(a)
    assert deep == a and deep.y is not a.y
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(ValueError):
        _fill(a, 1, 2)  # fewer values than fields


def test_container_classes():
    r = Relocation(16, "R_X86_64_64", "f", 0)
    assert r == Relocation(16, "R_X86_64_64", "f", 0, False) and hash(r) == hash(Relocation(16, "R_X86_64_64", "f", 0))
    assert {r, Relocation(16, "R_X86_64_64", "f", 0)} == {r}
    assert Symbol("f", 0).section is None and Symbol("f", 0).size == 0
    s = Section(".llvm_stackmaps", b"\x03", "little", relocations=(r,))
    assert s.file_offset is None and s.relocations == (r,)
    c, d = Container("ELF64", "x86_64"), Container("ELF64", "x86_64")
    assert c.sections == [] and c.code_entries == {} and c.sections is not d.sections  # a new list each
    assert c == d and not c.linked and Container("ELF64", None, kind="executable").linked
