"""``stackmap-construct doc [--check]``: write (or verify) the documentation
generated from the construct definition: docs/format.md's generated regions,
schemas/stackmap.schema.json and schemas/llvm_stackmap.ksy."""

from __future__ import annotations

import sys
from pathlib import Path

from .output import write_output


def add_parser(sub) -> None:
    p = sub.add_parser("doc", help="write the docs generated from the definition (format.md tables, JSON Schema, .ksy)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when a generated file differs from what would be written")
    p.add_argument("--root", metavar="DIR", default=".",
                   help="repository root holding docs/ and schemas/ (default: the current directory)")
    p.set_defaults(run=run)


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """A command line run in this process: (status, stdout, stderr)."""
    import contextlib
    import io

    from .main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def run(args, read) -> int:
    from ..docgen import DocGenError, generate, stale  # only this command needs it

    root = Path(args.root)
    try:
        outputs = generate(root, run_in_process)
    except DocGenError as e:
        print(f"stackmap-construct: error: doc: {e}", file=sys.stderr)
        return 1
    changed = stale(root, outputs)
    if args.check:
        if changed:
            print(f"stackmap-construct: error: doc: out of date: {', '.join(changed)}"
                  " (run `stackmap-construct doc` and commit the result)", file=sys.stderr)
            return 1
        print(f"up to date: {', '.join(outputs)}")
        return 0
    for rel, text in outputs.items():
        if rel in changed:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            write_output(str(root / rel), text)
    lines = [f"{'wrote' if rel in changed else 'unchanged'} {rel}" for rel in outputs]
    print("\n".join(lines))
    return 0
