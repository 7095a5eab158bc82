"""``stackmap-construct semantics STACKMAP --registry R.json ...``: map a
stackmap onto WebAssembly value semantics (wasmer's populate_msm) and print
the ModuleStateMap as JSON."""

from __future__ import annotations

import argparse
import gc
import json

from ..errors import SemanticsError
from .common import add_input_options, load
from .jsonfile import read_json
from .output import write_output

U64_MAX = 2**64 - 1


def _u64(text: str) -> int:
    """An address, size or count: decimal or 0x/0o/0b, in [0, 2**64 - 1]
    (the original holds them in a usize)."""
    try:
        value = int(text.strip(), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value <= U64_MAX:
        raise argparse.ArgumentTypeError(f"{text} is outside [0, 2**64 - 1]")
    return value


def _addresses(text: str) -> list[int]:
    return [_u64(part) for part in text.split(",") if part.strip()]


def add_parser(sub) -> None:
    p = sub.add_parser("semantics", help="map a stackmap onto wasm value semantics (wasmer's LLVM backend)")
    p.add_argument("path", metavar="STACKMAP",
                   help="the module's stackmap: an object file or linked image (ELF, Mach-O, COFF or PE), or a raw blob")
    p.add_argument("--registry", required=True, metavar="REGISTRY.json",
                   help="the stackmap registry: {\"entries\": [...]} as documented in docs/semantics.md")
    p.add_argument("--code-addr", required=True, type=_u64, metavar="A", help="address of the module's code")
    p.add_argument("--code-size", required=True, type=_u64, metavar="N", help="size of the module's code")
    p.add_argument("--function-addresses", type=_addresses, metavar="A0,A1,...",
                   help="address of each local function, in local function order (default: the function "
                        "records' addresses as the file gives them; an object's text is laid out from 0)")
    p.add_argument("--imported-globals", type=_u64, default=0, metavar="G",
                   help="number of globals the module imports (default 0): global index i < G is Import(i), "
                        "else Local(i - G)")
    p.add_argument("--imported-tables", type=_u64, default=0, metavar="T",
                   help="number of tables the module imports (default 0): table index i < T is Import(i), "
                        "else Local(i - T)")
    add_input_options(p, subject="STACKMAP")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run)


def run(args, read) -> int:
    stackmap_path = args.path
    _, blobs = load(read, stackmap_path, args)
    if len(blobs) > 1:
        raise SemanticsError(f"{len(blobs)} stackmaps in this file; a module has one", rule="argument")
    # Imported here, not at the top: every command's parser is built at
    # start-up, and the semantics package would add ~15 ms to each `dump`.
    from ..semantics import registry_from_json, run_semantics

    # Errors in the registry name the registry file (the CLI reports the
    # file in args.path).
    args.path = args.registry
    data = read(args.registry)
    paused = gc.isenabled()
    gc.disable()  # a registry is many small acyclic objects: no collector passes while decoding
    try:
        document = read_json(data)
    except ValueError as e:  # also too deep, or an integer literal too long
        raise SemanticsError(f"not valid JSON: {e}", rule="json") from None
    finally:
        if paused:
            gc.enable()
    registry = registry_from_json(document)
    del document
    args.path = stackmap_path

    blob = blobs[0] if blobs else None
    result = run_semantics(blob.stackmap if blob else None, registry, args.code_addr, args.code_size,
                           args.function_addresses, args.imported_globals, args.imported_tables,
                           targets=blob.targets if blob else None)
    write_output(args.output, json.dumps(result, indent=2) + "\n")
    return 0
