"""Pieces several commands share: reading a file's stackmaps and naming
their functions."""

from __future__ import annotations

from dataclasses import dataclass

from ..containers import Container, Section
from ..errors import StackMapError
from ..format import parse_spans
from ..model import StackMap
from ..symbols import FunctionTarget, resolve_functions
from .inputs import explain_failure, open_container, warn_empty


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


def add_input_options(p) -> None:
    """--raw and --endian, for commands that read an object file or a blob."""
    p.add_argument("--raw", action="store_true", help="read PATH as a bare stackmap blob, not an object file")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of a raw blob (default: read from its header)")


def load(data: bytes, args) -> tuple[Container, list[Blob]]:
    """The container of ``data`` and every stackmap blob in it, in order."""
    container = open_container(data, args)
    blobs = []
    for section in container.sections:
        if not section.data:
            warn_empty(section, args.path)
        try:
            spans = parse_spans(section.data, endian=section.endian)
        except StackMapError as e:
            explain_failure(e, container, section, args)
            raise
        for span in spans:
            blobs.append(Blob(span.stackmap, section, resolve_functions(container, section, span.stackmap, span.start),
                              span.start))
    return container, blobs
