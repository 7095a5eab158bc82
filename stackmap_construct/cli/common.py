"""Pieces several commands share: reading a file's stackmaps and naming
their functions."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

from ..containers import Container, Section
from ..errors import StackMapError
from ..format import parse_spans
from ..frozen import Frozen, _fill
from ..loader import load_container
from ..model import StackMap
from ..symbols import FunctionTarget
from .inputs import explain_failure, open_container, warn_empty


class Blob(Frozen):
    """One stackmap of a file, with the section it sits in and what each of
    its function records points at."""

    __slots__ = ("stackmap", "section", "targets", "start")
    stackmap: StackMap
    section: Section
    targets: list[FunctionTarget]
    start: int  #: where the blob begins in the section

    def __init__(self, stackmap: StackMap, section: Section, targets: list[FunctionTarget], start: int = 0):
        _fill(self, stackmap, section, targets, start)

    @property
    def symbols(self) -> list[str | None]:
        return [t.symbol for t in self.targets]


def add_input_options(p, subject: str = "PATH", *, several: bool = False) -> None:
    """--raw and --endian, for commands that read an object file or a blob
    (``subject``: the inputs' metavars, as the help names them; ``several``
    when it names more than one)."""
    what = "bare stackmap blobs, not object files" if several else "a bare stackmap blob, not an object file"
    p.add_argument("--raw", action="store_true", help=f"read {subject} as {what}")
    p.add_argument("--endian", choices=["little", "big"], help="byte order of a raw blob (default: read from its header)")


def load(read: Callable[[str], bytes], path: str, args) -> tuple[Container, list[Blob]]:
    """The container of the file at ``path`` (its bytes are ``read(path)``)
    and every stackmap blob in it, in order.  The file's bytes are let go
    once the container has cut out its sections, before they are parsed."""
    data = read(path)
    container = open_container(data, args)  # an empty input, a raw blob's byte order
    del data
    for section in container.sections:
        if not section.data:
            warn_empty(section, args.path)
    try:
        loaded = load_container(container, raw=args.raw)
    except StackMapError as e:
        section = next((s for s in container.sections if _fails(s)), container.sections[0])
        explain_failure(e, container, section, args, raw_note=False)  # load() says "raw" itself
        raise
    blobs = [Blob(sm, section, targets, start)
             for sm, section, targets, start in zip(loaded.stackmaps, loaded.sections, loaded.targets, loaded.starts)]
    return loaded.container, blobs


def _fails(section: Section) -> bool:
    try:
        parse_spans(section.data, endian=section.endian)
    except StackMapError:
        return True
    return False
