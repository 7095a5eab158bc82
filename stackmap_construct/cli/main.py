"""``stackmap-construct`` command line.

Exit status: 0 success, 1 bad input (one line on stderr naming the file, the
problem, the field path and the offset), 2 usage error.  Never a traceback.

Each command lives in a module of this package with ``add_parser(sub)`` (which
sets ``run(args, read) -> int`` as the parser's default) and is listed in
``COMMANDS``.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys

from .. import __version__
from ..errors import StackMapError

PROG = "stackmap-construct"

#: Modules of this package that each add one subcommand, in help order.
COMMANDS = ["dump", "explain", "validate", "build", "diff", "semantics", "statepoints", "doc", "gen"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2
        self.exit(2, f"{self.prog}: usage error: {message}\n")

    def _get_formatter(self):
        # argparse makes a formatter for every add_argument (to check the
        # metavar), and its default width imports shutil (with bz2 and lzma,
        # 3 ms of every command's start-up) for get_terminal_size: the same
        # width, found as shutil finds it.
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)  # type: ignore[call-arg]


def _terminal_columns() -> int:
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal's
    width, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just that command (its module
    alone is imported and its parser alone is made: each command's imports
    and parser are its own start-up cost, and ``argv[0]`` names it)."""
    parser = _Parser(prog=PROG, description="Parse, print and build LLVM StackMap (.llvm_stackmaps v3) sections.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        if only is None or name == only:
            importlib.import_module(f"{__package__}.{name}").add_parser(sub)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command ``argv`` names, when its first word is one (anything else,
    ``--help`` included, gets the whole parser)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


@functools.lru_cache(maxsize=None)
def _parser(only: str | None) -> argparse.ArgumentParser:
    # Built once per process and command: in-process callers (tests, the
    # fuzzer) run main() thousands of times, and building takes ~15 ms;
    # parse_args leaves the parser as it was.
    return make_parser(only)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _subject(args) -> str:
    """The file an error is about: the input the command was reading (a
    command reading several updates ``args.path`` as it goes)."""
    return getattr(args, "path", None) or args.command


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = _parser(_command(argv)).parse_args(argv)
    try:
        return args.run(args, _read)
    except StackMapError as e:
        print(f"{PROG}: error: {_subject(args)}: {e.describe()}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as cat does; the
        # interpreter's own flush at exit must not complain either.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            finally:
                os.close(devnull)  # (the duplicate stays: a library caller runs main() again and again)
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    except OSError as e:
        name = e.filename if e.filename is not None else _subject(args)
        print(f"{PROG}: error: {name}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug of ours: still one line, never a traceback
        print(f"{PROG}: internal error: {type(e).__name__}: {e} (please report this)", file=sys.stderr)
        return 3


def console() -> int:
    """The entry of the ``stackmap-construct`` script: :func:`main`, then
    the end of the process once stdout and stderr are flushed, without the
    interpreter's teardown (which frees the objects of everything still
    loaded one by one: 15-25 ms after a 10 MB dump, and nothing to show for
    it).  Under a profiler or a tracer (cProfile, coverage), which write
    their results at exit, the status is returned instead, for the script's
    ``sys.exit``.  ``python -m stackmap_construct`` (which ``runpy`` may run
    inside another program) and library callers use :func:`main`."""
    status = main()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # (started with that descriptor closed)
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away at the very end: as main() does
            status = status or 1
        except (OSError, ValueError) as e:  # (a full disk; a stream closed meanwhile)
            if stream is sys.stdout and sys.stderr is not None:
                try:
                    print(f"{PROG}: error: <stdout>: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
                except (OSError, ValueError):
                    pass
            status = status or 1
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return status
    os._exit(status)
