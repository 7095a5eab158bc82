"""``stackmap-construct semantics STACKMAP --registry R.json ...``: map a
stackmap onto WebAssembly value semantics (wasmer's populate_msm) and print
the ModuleStateMap as JSON."""

from __future__ import annotations

import json
from dataclasses import replace

from ..errors import SemanticsError
from .common import add_input_options, load
from .output import write_output


def _int(text: str) -> int:
    return int(text, 0)


def _addresses(text: str) -> list[int]:
    return [int(part, 0) for part in text.split(",") if part.strip()]


def add_parser(sub) -> None:
    p = sub.add_parser("semantics", help="map a stackmap onto wasm value semantics (wasmer's LLVM backend)")
    p.add_argument("path", metavar="STACKMAP", help="the module's stackmap: an object file (ELF, Mach-O, COFF or PE) or a raw blob")
    p.add_argument("--registry", required=True, metavar="REGISTRY.json",
                   help="the stackmap registry: {\"entries\": [...]} as documented in docs/semantics.md")
    p.add_argument("--code-addr", required=True, type=_int, metavar="A", help="address of the module's code")
    p.add_argument("--code-size", required=True, type=_int, metavar="N", help="size of the module's code")
    p.add_argument("--function-addresses", required=True, type=_addresses, metavar="A0,A1,...",
                   help="address of each local function, in local function order")
    p.add_argument("--imported-globals", type=_int, default=0, metavar="G",
                   help="number of globals the module imports (default 0): global index i < G is Import(i), "
                        "else Local(i - G)")
    p.add_argument("--imported-tables", type=_int, default=0, metavar="T",
                   help="number of tables the module imports (default 0): table index i < T is Import(i), "
                        "else Local(i - T)")
    add_input_options(p, subject="STACKMAP")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def _with_resolved_addresses(blob):
    """The blob's stackmap with each function's address as the container
    resolves it (shared objects hold 0 there and a dynamic relocation)."""
    sm = blob.stackmap
    functions = [
        replace(fn, address=t.address) if t.address is not None else fn
        for fn, t in zip(sm.functions, blob.targets)
    ]
    return replace(sm, functions=functions)


def run(args, read) -> int:
    _, blobs = load(read(args.path), args)
    if len(blobs) > 1:
        raise SemanticsError(f"{len(blobs)} stackmaps in this file; a module has one", rule="argument")
    stackmap = _with_resolved_addresses(blobs[0]) if blobs else None
    registry_path = args.registry
    try:
        registry = json.loads(read(registry_path))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SemanticsError(f"registry {registry_path} is not valid JSON: {e}", rule="json") from None
    # Imported here, not at the top: every command's parser is built at
    # start-up, and the semantics package would add ~15 ms to each `dump`.
    from ..semantics.command import run_semantics

    result = run_semantics(stackmap, registry, args.code_addr, args.code_size, args.function_addresses,
                           args.imported_globals, args.imported_tables)
    write_output(args.output, json.dumps(result, indent=2) + "\n")
    return 0
