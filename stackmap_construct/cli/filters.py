"""``--pc ADDR``, ``--function NAME``, ``--id N``: the records a command
shows, found through :class:`~stackmap_construct.lookup.CallSiteIndex`."""

from __future__ import annotations

TYPE_CHECKING = False

from ..errors import StackMapError

if TYPE_CHECKING:
    from .common import Blob


def _address(text: str) -> int:
    return int(text, 0)


_address.__name__ = "address (0x-hex or decimal)"


def _id(text: str) -> int:
    return int(text, 0)


_id.__name__ = "id"


def add_filter_options(p) -> None:
    p.add_argument("--pc", type=_address, metavar="ADDR",
                   help="only the records whose absolute address (the return address after the call) is ADDR; linked images")
    p.add_argument("--function", metavar="NAME", help="only the records of function NAME")
    p.add_argument("--id", type=_id, action="append", metavar="N",
                   help="only the records with patchpoint id N (repeatable)")


def active(args) -> bool:
    return args.pc is not None or args.function is not None or bool(args.id)


def describe(args) -> str:
    parts = []
    if args.pc is not None:
        parts.append(f"--pc 0x{args.pc:x}")
    if args.function is not None:
        parts.append(f"--function {args.function}")
    for i in args.id or ():
        parts.append(f"--id {i}")
    return " ".join(parts)


def apply(blobs: list[Blob], args, *, linked: bool) -> list[tuple[int, Blob]]:
    """(original index, blob reduced to the matching records) for each blob
    with a match; a StackMapError when nothing matches."""
    from ..lookup import CallSiteIndex, select  # only when a filter is given (start-up)

    index = CallSiteIndex.from_blobs(blobs)
    if args.pc is not None and not index.has_addresses:
        why = "an object file: its function addresses are relocations" if not linked else "no function address is known"
        raise StackMapError(f"--pc needs absolute addresses and this file has none ({why}); "
                            "use --function NAME (and --id) instead")
    chosen: list[set[int] | None] = [None] * len(blobs)

    def narrow(si: int, records: set[int]) -> None:
        current = chosen[si]
        chosen[si] = records if current is None else current & records

    if args.pc is not None:
        hits: list[set[int]] = [set() for _ in blobs]
        for site in index.at(args.pc):
            hits[site.stackmap].add(site.record_index)
        for si, h in enumerate(hits):
            narrow(si, h)
    if args.function is not None:
        hits = [set() for _ in blobs]
        for si, fi in index.functions(args.function):
            hits[si].update(index.records_of(si, fi))
        for si, h in enumerate(hits):
            narrow(si, h)
    if args.id:
        for si in range(len(blobs)):
            narrow(si, set(index.with_ids(si, args.id)))
    out = []
    for si, b in enumerate(blobs):
        keep = chosen[si]
        if keep:
            sm, targets = select(b.stackmap, b.targets, keep)
            out.append((si, b._replace(stackmap=sm, targets=targets)))
    if not out:
        raise StackMapError(f"no record matches {describe(args)}")
    return out
