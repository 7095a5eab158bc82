"""Test stackmaps on demand: a seeded generator (no hypothesis needed),
deliberate corruptions with the error a strict reader must report, and LLVM
IR whose compilation by ``llc`` yields real stackmaps.

    >>> from stackmap_construct.generate import generate_blob, corrupt
    >>> blob = generate_blob(7, functions=2, records=5, endian="big")
    >>> broken = corrupt(blob, "reserved:records.reserved", seed=1, endian="big")
    >>> broken.error, broken.path, broken.offset    # what parse() must raise
"""

from .corrupt import Corruption, CorruptionKind, corrupt, corruption_kinds
from ..errors import GenerateError
from .rng import Rng
from .seeded import generate, generate_blob

__all__ = [
    "generate", "generate_blob", "corrupt", "corruption_kinds", "Corruption", "CorruptionKind",
    "GenerateError", "Rng",
]
