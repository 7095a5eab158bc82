"""Pieces several commands share: reading a file's stackmaps and naming
their functions."""

from __future__ import annotations

from dataclasses import dataclass

from ..containers import Container, Section
from ..loader import load as load_file
from ..model import StackMap
from ..symbols import FunctionTarget


@dataclass
class Blob:
    """One stackmap of a file, with the section it sits in and what each of
    its function records points at."""

    stackmap: StackMap
    section: Section
    targets: list[FunctionTarget]
    start: int = 0  #: where the blob begins in the section
    @property
    def symbols(self) -> list[str | None]:
        return [t.symbol for t in self.targets]


def add_input_options(p, subject: str = "PATH", *, several: bool = False) -> None:
    """--raw and --endian, for commands that read an object file or a blob
    (``subject``: the inputs' metavars, as the help names them; ``several``
    when it names more than one)."""
    what = "bare stackmap blobs, not object files" if several else "a bare stackmap blob, not an object file"
    p.add_argument("--raw", action="store_true", help=f"read {subject} as {what}")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of a raw blob (default little)")


def load(data: bytes, args) -> tuple[Container, list[Blob]]:
    """The container of ``data`` and every stackmap blob in it, in order."""
    loaded = load_file(data, raw=args.raw, endian=args.endian)
    blobs = [Blob(sm, section, targets, start)
             for sm, section, targets, start in zip(loaded.stackmaps, loaded.sections, loaded.targets, loaded.starts)]
    return loaded.container, blobs
