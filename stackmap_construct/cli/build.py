"""``stackmap-construct build INPUT.json -o OUT``: the JSON form back to a blob."""

from __future__ import annotations

import os
import stat

from ..errors import BuildError
from ..format import build
from ..model import from_dict
from .jsonfile import read_json
from .output import write_output


def add_parser(sub) -> None:
    p = sub.add_parser("build", help="encode the JSON form (one stackmap, or dump's {\"stackmaps\": [...]}) as a blob")
    p.add_argument("path", metavar="INPUT", help="JSON file ('-' for stdin)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="blob to write ('-' for stdout), atomically")
    p.add_argument("--endian", choices=["little", "big"],
                   help="byte order (default: each stackmap's \"endian\" key, else little)")
    p.set_defaults(run=run)


def _endian_of(args):
    def endian_of(entry: dict):
        return args.endian or entry.get("endian") or "little"
    return endian_of


def run(args, read) -> int:
    if args.path != "-":
        # Dump's own layout, straight from the text to the blob.
        from ..format.jsonlayout import Declined, build_layout

        try:
            # A pipe can be opened and read once: it goes the ordinary way,
            # and is not opened here first (a stat does not open it).
            regular = stat.S_ISREG(os.stat(args.path).st_mode)
        except OSError:
            regular = False  # the ordinary way names the error
        if regular:
            try:
                with open(args.path, "rb") as fb:
                    blobs = build_layout(fb, _endian_of(args))
            except (Declined, OSError):
                pass
            else:
                write_output(args.output, b"".join(blobs))
                return 0
        # Streamed: dump's JSON of a 10 MB stackmap is 125 MB of text.
        from ..format.jsonstream import Unstreamable, build_stream

        try:
            with open(args.path, encoding="utf-8") as f:
                blobs = build_stream(f, _endian_of(args))
        except (Unstreamable, UnicodeDecodeError, ValueError, RecursionError):
            # Read whole below: the exact error (also for an integer literal
            # too long or nesting too deep), or what streaming does not take.
            pass
        else:
            write_output(args.output, b"".join(blobs))
            return 0
    try:
        doc = read_json(read(args.path))
    except ValueError as e:
        raise BuildError(f"not valid JSON: {e}") from None
    if isinstance(doc, dict) and "stackmaps" in doc:
        entries, prefix = doc["stackmaps"], "stackmaps"
        if not isinstance(entries, list):
            raise BuildError("\"stackmaps\" must be a list", path="stackmaps")
    else:
        entries, prefix = [doc], None
    blobs = []
    for i, entry in enumerate(entries):
        endian = args.endian or (entry.get("endian") if isinstance(entry, dict) else None) or "little"
        if endian not in ("little", "big"):
            raise BuildError(f"endian must be \"little\" or \"big\", got {endian!r}", path="endian")
        try:
            blobs.append(build(entry if isinstance(entry, dict) else from_dict(entry), endian=endian))
        except BuildError as e:
            if prefix:
                e.add_parent(f"{prefix}[{i}]")
            raise
    write_output(args.output, b"".join(blobs))
    return 0
