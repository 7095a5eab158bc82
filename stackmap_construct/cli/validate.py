"""``stackmap-construct validate PATH``: structural errors and semantic
findings, one per line with path and offset; exit 1 when any error."""

from __future__ import annotations

import argparse

from ..errors import StackMapError
from ..statepoints import missing_ids, selection
from .arch import add_arch_option
from .common import add_input_options, load
from .output import Activity, write_output


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="check a file's stackmaps: structure, counts, constant indices, registers")
    p.add_argument("path", metavar="PATH", help="an object file (ELF, Mach-O, COFF or PE) or a raw stackmap blob ('-' for stdin)")
    add_input_options(p)
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    add_arch_option(p, "the frame-register checks")
    p.add_argument("--statepoints", nargs="?", const="auto", type=_statepoints, metavar="auto|all|ID,...",
                   help="check statepoint records too: auto (the default when given without a value: those laid "
                        "out as one), all (every record must be one), or ids such as 101,0xABCDEF00")
    p.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT instead of stdout (atomically)")
    p.set_defaults(run=run, validate_parser=p)


def _statepoints(text: str):
    try:
        return selection(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run(args, read) -> int:
    from ..validate import validate  # imported when the command runs (start-up of the others)

    structure: StackMapError | None = None
    with Activity(f"reading {args.path}") as activity:
        try:
            container, blobs = load(read, args.path, args)
        except StackMapError as e:
            if args.output not in (None, "-"):
                raise  # no report file for an input that cannot be read: the error, on stderr
            structure = e
        else:
            if args.arch and container.arch and args.arch != container.arch:
                args.validate_parser.error(f"--arch {args.arch} contradicts the {container.format} file's own "
                                           f"machine ({container.arch}); --arch is for raw blobs")
            lines, errors, warnings = _report(args, container, blobs, validate, activity)
    if structure is not None:
        # A structural error is a finding too: report it in the same form.
        write_output(args.output, f"error: structure: {structure.describe()}\n")
        return 1
    write_output(args.output, "\n".join(lines) + "\n")
    return 1 if errors or (args.strict and warnings) else 0


def _report(args, container, blobs, validate, activity: Activity) -> tuple[list[str], int, int]:
    arch = args.arch or container.arch
    lines, errors, warnings = [], 0, 0
    for i, b in enumerate(blobs):
        activity.set(f"validating stackmap {i + 1} of {len(blobs)} ({len(b.stackmap.records):,} records)")
        prefix = f"stackmap #{i}: " if len(blobs) > 1 else ""
        resolved = [t.address is not None and t.address != 0 for t in b.targets]
        for f in validate(b.stackmap, arch=arch, linked=container.linked, resolved_functions=resolved,
                          endian=b.section.endian, statepoints=args.statepoints,
                          pointer_size=4 if container.format == "ELF32" else 8):
            if f.code == "statepoint-missing-id" and len(blobs) > 1:
                continue  # reported once for the whole file, below
            lines.append(prefix + f.describe())
            errors += f.severity == "error"
            warnings += f.severity == "warning"
    if args.statepoints is not None and len(blobs) > 1:
        activity.set("checking statepoint ids across stackmaps")
        for missing in missing_ids([b.stackmap for b in blobs], args.statepoints):
            lines.append(f"error: statepoint-missing-id: no record of any stackmap has id {missing}")
            errors += 1
    lines.append(f"{args.path}: {len(blobs)} stackmap(s), {errors} error(s), {warnings} warning(s)")
    return lines, errors, warnings
