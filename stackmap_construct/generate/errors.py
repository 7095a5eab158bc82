"""The generator's own error."""

from __future__ import annotations

from ..errors import StackMapError


class GenerateError(StackMapError):
    """The generator cannot do what was asked: impossible options, a
    corruption that does not apply to the blob, a target llc cannot compile
    for, llc missing or failing."""
