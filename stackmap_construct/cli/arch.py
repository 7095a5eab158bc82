"""``--arch ARCH``: the architecture whose register names a command uses
(dump, explain, validate).  Objects say theirs; raw blobs need the option."""

from __future__ import annotations

import argparse

from ..registers import ARCH_ALIASES, REGISTER_NAMES, canonical_arch

ARCHES = tuple(REGISTER_NAMES)


def _arch(text: str) -> str:
    arch = canonical_arch(text)
    if arch not in REGISTER_NAMES:
        spellings = ", ".join(list(ARCHES) + sorted(ARCH_ALIASES))
        raise argparse.ArgumentTypeError(f"unknown architecture {text!r} (expected one of {spellings})")
    return arch


_arch.__name__ = "architecture"  # argparse names the type in its error


def add_arch_option(p, what: str) -> None:
    p.add_argument("--arch", type=_arch, metavar="ARCH",
                   help=f"architecture for {what}: {', '.join(ARCHES)} (default: the object's; a raw blob has none)")
