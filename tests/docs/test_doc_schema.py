"""schemas/stackmap.schema.json: JSON Schema 2020-12 of the JSON form,
generated from the definition.  The committed file is what the generator
writes; `dump --format json` output and `build` input validate against it;
its integer ranges, kinds and required keys agree with what `build` and
`from_dict` accept."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from conftest import CORPUS, CORPUS_IDS, SCHEMA, require_module
from stackmap_construct import BuildError, LocationKind, build, from_dict, to_dict
from stackmap_construct.cli.main import main
from stackmap_construct.docgen import describe, json_schema
from stackmap_construct.docgen.schema import DUMP_KEYS
from stackmap_construct.generate.strategies import stackmaps


@pytest.fixture(scope="module")
def validator():
    jsonschema = require_module("jsonschema", "jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_the_generated_one():
    assert json.loads(SCHEMA.read_text()) == json_schema()
    assert json.loads(SCHEMA.read_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("obj", CORPUS, ids=CORPUS_IDS)
def test_dump_json_validates_and_is_build_input(validator, obj, tmp_path, capsys):
    assert main(["dump", str(obj), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validator.validate(doc)
    for entry in doc["stackmaps"]:
        validator.validate({k: v for k, v in entry.items() if k != "endian"})  # one stackmap: build input too
    # The same document is what `build` reads back.
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    assert main(["build", str(src), "-o", str(tmp_path / "out.bin")]) == 0


@settings(max_examples=100, deadline=None)
@given(sm=stackmaps())
def test_plain_data_form_of_generated_stackmaps_validates(sm):
    jsonschema = require_module("jsonschema", "jsonschema")
    jsonschema.Draft202012Validator(json_schema()).validate(to_dict(sm))


def _one_of_everything() -> dict:
    return {
        "version": 3,
        "functions": [{"address": 0, "stack_size": 16, "record_count": 1}],
        "constants": [5],
        "records": [{
            "patchpoint_id": 1, "instruction_offset": 2,
            "locations": [{"kind": "Register", "size": 8, "dwarf_regnum": 3, "offset_or_small_constant": 0}],
            "live_outs": [{"dwarf_regnum": 7, "size": 8}],
        }],
    }


def _int_fields():
    """(path into the example document, integer type) for every integer of
    the JSON form, from the definition."""
    where = {"StackMap": (), "Function": ("functions", 0), "Record": ("records", 0),
             "Location": ("records", 0, "locations", 0), "LiveOut": ("records", 0, "live_outs", 0)}
    for block in describe():
        for name in block.model_names:
            f = block.field(name)
            if f.role == "int":
                yield where[block.name] + (name,), f.int_type
            elif f.role == "array" and f.element is None:
                yield where[block.name] + (name, 0), f.int_type


def _with(doc: dict, path: tuple, value) -> dict:
    doc = copy.deepcopy(doc)
    obj = doc
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value
    return doc


def _builds(doc: dict) -> bool:
    try:
        build(doc)
        build(doc, endian="big")
    except BuildError:
        return False
    return True


@pytest.mark.parametrize("path,itype", list(_int_fields()), ids=lambda x: ".".join(map(str, x)) if isinstance(x, tuple) else x.name)
def test_integer_ranges_agree_with_build(validator, path, itype):
    base = _one_of_everything()
    for value in (itype.minimum, itype.maximum):
        doc = _with(base, path, value)
        assert validator.is_valid(doc) and _builds(doc), (path, value)
    for value in (itype.minimum - 1, itype.maximum + 1):
        doc = _with(base, path, value)
        assert not validator.is_valid(doc) and not _builds(doc), (path, value)


def test_every_integer_type_is_covered():
    assert {t.name for _, t in _int_fields()} == {"u8", "u16", "u32", "u64", "i32"}


def test_location_kinds_are_the_enum(validator):
    schema = json.loads(SCHEMA.read_text())
    assert schema["$defs"]["Location"]["properties"]["kind"]["enum"] == [k.name for k in LocationKind]
    path = ("records", 0, "locations", 0, "kind")
    for kind in LocationKind:
        doc = _with(_one_of_everything(), path, kind.name)
        assert validator.is_valid(doc) and _builds(doc)
    doc = _with(_one_of_everything(), path, "Stack")
    assert not validator.is_valid(doc) and not _builds(doc)


def test_required_keys_agree_with_from_dict(validator):
    base = _one_of_everything()

    def objects(doc, path=()):
        if isinstance(doc, dict):
            yield path, doc
            for k, v in doc.items():
                yield from objects(v, path + (k,))
        elif isinstance(doc, list):
            for i, v in enumerate(doc):
                yield from objects(v, path + (i,))

    for path, obj in list(objects(base)):
        for key in obj:
            doc = copy.deepcopy(base)
            target = doc
            for step in path:
                target = target[step]
            del target[key]
            try:
                from_dict(doc)
                accepted = True
            except BuildError:
                accepted = False
            assert validator.is_valid(doc) == accepted, (path, key)


def test_descriptions_are_the_field_docs():
    schema = json_schema()
    for block in describe():
        props = schema["$defs"][block.name]["properties"]
        for name in block.model_names:
            assert props[name]["description"] == block.field(name).doc
        extra = {key for (name, key) in DUMP_KEYS if name == block.name}
        assert set(props) - extra == set(block.model_names)


def test_unknown_keys_and_bad_endian_are_rejected(validator):
    assert not validator.is_valid(_with(_one_of_everything(), ("records", 0, "liveouts"), []))
    doc = {"stackmaps": [dict(_one_of_everything(), endian="middle")]}
    assert not validator.is_valid(doc)
    doc = {"stackmaps": [_one_of_everything()]}  # dump always writes endian
    assert not validator.is_valid(doc)
    assert validator.is_valid({"stackmaps": [dict(_one_of_everything(), endian="big")]})
    version2 = dict(_one_of_everything(), version=2)
    assert not validator.is_valid(version2) and not _builds(version2)
