"""``schemas/stackmap.schema.json``: JSON Schema (draft 2020-12) of the
plain-data (JSON) form, generated from the construct definition.

One ``$defs`` entry per block; its properties are the model's attributes
(what :func:`~stackmap_construct.to_dict` writes and
:func:`~stackmap_construct.from_dict` reads), each with the integer range of
its field (u8/u16/u32/u64/i32), the location kinds as an enum, list lengths
bounded by their count field, and the field's doc as description.  Which
keys are required is asked of :func:`~stackmap_construct.from_dict` itself.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ..errors import BuildError
from ..format.v3 import ENDIANS
from ..model import Function, LiveOut, Location, LocationKind, Record, StackMap, from_dict, to_dict
from .layout import Block, DocGenError, Field, IntType, describe

SCHEMA_PATH = "schemas/stackmap.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _int(t: IntType) -> dict[str, Any]:
    return {"type": "integer", "minimum": t.minimum, "maximum": t.maximum}


def _property(f: Field, block: Block) -> dict[str, Any]:
    prop: dict[str, Any]
    if f.role == "kind":
        prop = {"enum": [member.name for member in (f.enum_values or {}).values()]}
    elif f.role == "expect":
        prop = {"type": "integer", "const": f.expect_value}
    elif f.role == "int":
        prop = _int(f.int_of)
    elif f.role == "array":
        if f.element is not None:
            items: dict[str, Any] = {"$ref": f"#/$defs/{f.element.name}"}
        else:
            items = _int(f.int_of)
        # The count field bounds the length.
        prop = {"type": "array", "items": items, "maxItems": block.field(f.count_field or "").int_of.maximum}
    else:
        raise DocGenError(f"{block.name}.{f.name}: a {f.role} field cannot be part of the JSON form")
    return {"description": f.doc, **prop}


#: Keys that `dump --format json` writes beside the plain-data form
#: (stackmap_construct/render/json.py); `build` reads "endian" and ignores
#: the others.  :func:`_check_dump_keys` holds this list to the renderer.
DUMP_KEYS: dict[tuple[str, str], dict[str, Any]] = {
    ("StackMap", "endian"): {
        "description": "Byte order of the blob: \"little\" (x86-64, AArch64, ppc64le) or \"big\" (ppc64, s390x). "
        "Written by `dump --format json`; `build` uses it unless --endian is given.",
        "enum": list(ENDIANS),
    },
    ("Function", "symbol"): {
        "description": "Written by `dump --format json`: the function's symbol as the container names it, "
        "null when unknown. Not part of the section; `build` ignores it.",
        "type": ["string", "null"],
    },
    ("Function", "entry"): {
        "description": "Written by `dump --format json`: the address of the function's code, null when the "
        "container does not fix it (object files). The relocated address in linked images (shared objects hold 0 "
        "in `address`); on ppc64 ELFv1 `address` is the function descriptor in .opd and this is the code entry "
        "it holds. Records' addresses are this plus their instruction_offset. Not part of the section; "
        "`build` ignores it.",
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
    },
    ("Record", "address"): {
        "description": "Written by `dump --format json`: the call site's address (the function's entry plus "
        "instruction_offset), null when the function's address is not known (as in object files). "
        "Not part of the section; `build` ignores it.",
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
    },
}


def _check_dump_keys() -> None:
    """The keys the JSON renderer adds to the plain-data form are exactly
    :data:`DUMP_KEYS`."""
    from ..render.json import stackmap_entry

    plain = _example()
    dumped = stackmap_entry(from_dict(plain), "little")
    paths = _block_paths()
    added = set()
    for name, path in paths.items():
        a, b = plain, dumped
        for step in path:
            a, b = a[step], b[step]
        added |= {(name, key) for key in b if key not in a}
    if added != set(DUMP_KEYS):
        raise DocGenError(
            f"dump --format json adds {sorted(added)} to the plain-data form, the schema describes "
            f"{sorted(DUMP_KEYS)}: update DUMP_KEYS in stackmap_construct/docgen/schema.py"
        )


def _example() -> dict[str, Any]:
    """A document with one of everything, to probe :func:`from_dict`."""
    loc = Location(LocationKind.ConstantIndex, 8, 0, 0)
    sm = StackMap(3, [Function(0, 16, 1)], [1], [Record(1, 2, [loc], [LiveOut(0, 8)])])
    return to_dict(sm)


def _paths(doc: Any, path: tuple = ()):
    """(path, key) of every key of every object in ``doc``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield path, key
            yield from _paths(value, path + (key,))
    elif isinstance(doc, list) and doc:
        yield from _paths(doc[0], path + (0,))


def _required_by_from_dict() -> dict[tuple, set[str]]:
    """For each object of the example (by path), the keys without which
    :func:`from_dict` refuses it."""
    base = _example()
    required: dict[tuple, set[str]] = {}
    for path, key in _paths(base):
        doc = copy.deepcopy(base)
        obj = doc
        for step in path:
            obj = obj[step]
        del obj[key]
        try:
            from_dict(doc)
        except BuildError:
            required.setdefault(path, set()).add(key)
        else:
            required.setdefault(path, set())
    return required


def _block_paths() -> dict[str, tuple]:
    """Where each block's object sits in the example document."""
    out = {"StackMap": ()}

    def visit(block: Block, path: tuple):
        for f in block.fields:
            if f.role == "array" and f.element is not None:
                p = path + (f.name, 0)
                out[f.element.name] = p
                visit(f.element, p)

    visit(describe()[0], ())
    return out


def _object(block: Block, required: set[str]) -> dict[str, Any]:
    props = {}
    for name in block.model_names:
        props[name] = _property(block.field(name), block)
    for (name, key), prop in DUMP_KEYS.items():
        if name == block.name:
            props[key] = prop
    order = [n for n in block.model_names if n in required]
    obj = {
        "title": block.name,
        "description": block.doc,
        "type": "object",
        "properties": props,
        "required": order,
        "additionalProperties": False,
    }
    for name in block.model_names:  # a fixed value from_dict lets you leave out
        f = block.field(name)
        if f.role == "expect" and name not in required:
            props[name]["default"] = f.expect_value
    return obj


def json_schema() -> dict[str, Any]:
    blocks = describe()
    _check_dump_keys()
    required = _required_by_from_dict()
    paths = _block_paths()
    defs: dict[str, Any] = {}
    for block in blocks:
        if block.name not in paths:
            raise DocGenError(f"{block.name}: not reachable in the JSON form")
        defs[block.name] = _object(block, required.get(paths[block.name], set()))
    top = blocks[0].name
    defs["document"] = {
        "title": "dump --format json",
        "description": "The document `stackmap-construct dump --format json` prints (and `build` reads): "
        "one entry per stackmap blob, in order.",
        "type": "object",
        "properties": {
            "stackmaps": {
                "type": "array",
                "items": {"$ref": f"#/$defs/{top}", "required": ["endian"]},
            }
        },
        "required": ["stackmaps"],
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT,
        "title": "stackmap-construct JSON form of an LLVM StackMap (.llvm_stackmaps, version 3)",
        "description": "Generated by `stackmap-construct doc` from the construct definition "
        "(stackmap_construct/format/v3.py); do not edit. Either the whole `dump --format json` document "
        "or one stackmap (the plain-data form of to_dict/from_dict, which `build` also accepts).",
        "anyOf": [{"$ref": "#/$defs/document"}, {"$ref": f"#/$defs/{top}"}],
        "$defs": defs,
    }


def render_schema() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
