"""The model classes (written out by hand for start-up, see
stackmap_construct/model.py) are what ``@dataclass(slots=True)`` makes:
checked against the dataclass definitions they replaced, copied here
verbatim as the reference."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from stackmap_construct import model
from stackmap_construct.model import NOT_IN_FORMAT, LocationKind


class reference:  # the definitions as they were (a namespace, so the qualnames match)
    @dataclass(slots=True)
    class Location:
        kind: LocationKind
        size: int
        dwarf_regnum: int
        offset_or_small_constant: int

    @dataclass(slots=True)
    class LiveOut:
        dwarf_regnum: int
        size: int

    @dataclass(slots=True)
    class Record:
        patchpoint_id: int
        instruction_offset: int
        locations: list[Location] = field(default_factory=list)
        live_outs: list[LiveOut] = field(default_factory=list)

    @dataclass(slots=True)
    class Function:
        address: int
        stack_size: int
        record_count: int
        symbol: str | None = field(default=None, compare=False, metadata={NOT_IN_FORMAT: True})

        def __repr__(self) -> str:
            named = "" if self.symbol is None else f", symbol={self.symbol!r}"
            return (f"Function(address={self.address!r}, stack_size={self.stack_size!r}, "
                    f"record_count={self.record_count!r}{named})")

    @dataclass(slots=True)
    class StackMap:
        version: int = 3
        functions: list[Function] = field(default_factory=list)
        constants: list[int] = field(default_factory=list)
        records: list[Record] = field(default_factory=list)


NAMES = ["Location", "LiveOut", "Record", "Function", "StackMap"]

#: Arguments for one instance of each class (positional; the last ones
#: are optional where the class has defaults).
ARGS = {
    "Location": (LocationKind.Indirect, 8, 7, -24),
    "LiveOut": (7, 8),
    "Record": (5, 0x30),
    "Function": (0x10, 24, 2, "collect"),
    "StackMap": (3,),
}


def _pair(name):
    return getattr(model, name), getattr(reference, name)


def _field_facts(cls):
    return [(f.name, f.type.replace("reference.", ""), f.default, f.default_factory, f.init, f.repr, f.hash,
             f.compare, dict(f.metadata), f.kw_only, f._field_type) for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("name", NAMES)
def test_class_facts_are_the_dataclass_ones(name):
    ours, ref = _pair(name)
    assert dataclasses.is_dataclass(ours)
    assert _field_facts(ours) == _field_facts(ref)
    assert repr(ours.__dataclass_params__) == repr(ref.__dataclass_params__)
    assert ours.__slots__ == ref.__slots__
    assert ours.__match_args__ == ref.__match_args__
    assert ours.__hash__ is None and ref.__hash__ is None
    assert not hasattr(ours, "__dict__") or "__dict__" not in ours.__dict__
    assert "__weakref__" not in ours.__dict__
    ours_sig, ref_sig = inspect.signature(ours), inspect.signature(ref)
    assert [(p.name, p.kind, repr(p.default)) for p in ours_sig.parameters.values()] == \
        [(p.name, p.kind, repr(p.default)) for p in ref_sig.parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_instances_behave_as_the_dataclass_ones(name):
    ours, ref = _pair(name)
    args = ARGS[name]
    for n in range(len(args) + 1):
        try:
            ref(*args[:n])
        except TypeError as e:
            with pytest.raises(TypeError):
                ours(*args[:n])
            continue
        a, b = ours(*args[:n]), ref(*args[:n])
        assert repr(a) == repr(b).replace("reference.", "")
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert a == ours(*args[:n]) and not (a != ours(*args[:n]))
        assert a != b and b != a  # another class: never equal (as between two dataclasses)
        assert a.__eq__(b) is NotImplemented and a.__eq__(object()) is NotImplemented
        with pytest.raises(TypeError):
            hash(a)
        with pytest.raises(AttributeError):
            a.not_a_field = 1
        kw = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)}
        assert ours(**kw) == a
        assert copy.deepcopy(a) == a and pickle.loads(pickle.dumps(a)) == a
    # every field changed breaks equality (but Function.symbol: compare=False)
    a = ours(*args)
    for f in dataclasses.fields(a):
        changed = dataclasses.replace(a, **{f.name: ["changed"]})
        assert type(changed) is ours and getattr(changed, f.name) == ["changed"]
        assert (changed == a) is (not f.compare)


def test_defaults_are_fresh_and_explicit_values_kept():
    r1, r2 = model.Record(1, 2), model.Record(1, 2)
    assert r1.locations == [] and r1.locations is not r2.locations and r1.live_outs is not r2.live_outs
    assert model.Record(1, 2, None, None).locations is None  # as a dataclass: only an omitted field gets []
    sm = model.StackMap()
    assert sm == model.StackMap(3, [], [], []) and sm.functions is not model.StackMap().functions
    assert model.Function(1, 2, 3).symbol is None
    assert model.Function(1, 2, 3, "f") == model.Function(1, 2, 3, "g")


def test_recursive_repr_as_a_dataclass():
    ours, ref = model.Record(1, 2), reference.Record(1, 2)
    ours.locations.append(ours)
    ref.locations.append(ref)
    assert repr(ours) == repr(ref).replace("reference.", "") == "Record(patchpoint_id=1, instruction_offset=2, locations=[...], live_outs=[])"


def test_subclass_and_match():
    class Mine(model.LiveOut):
        __slots__ = ()

    m = Mine(1, 8)
    assert repr(m).startswith("test_subclass_and_match.<locals>.Mine(dwarf_regnum=1")
    assert m != model.LiveOut(1, 8) and dataclasses.fields(m) == dataclasses.fields(model.LiveOut)
    match model.Location(LocationKind.Register, 8, 3, 0):
        case model.Location(LocationKind.Register, size, reg):
            assert (size, reg) == (8, 3)
        case _:
            pytest.fail("no match")


def test_fields_are_made_by_dataclasses_on_first_use():
    """Importing the model does not import dataclasses; asking for the
    fields does (in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import sys\nimport stackmap_construct.model as m\nassert 'dataclasses' not in sys.modules\n"
            "import dataclasses\nassert [f.name for f in dataclasses.fields(m.Record)] == "
            "['patchpoint_id', 'instruction_offset', 'locations', 'live_outs']\n"
            "assert type(m.Record.__dict__['__dataclass_fields__']) is dict\n")
    subprocess.run([sys.executable, "-c", code], check=True)
