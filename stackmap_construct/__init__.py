"""stackmap-construct: LLVM's StackMap section (``.llvm_stackmaps``, v3) as one
declarative construct definition that parses and builds.

    >>> from stackmap_construct import load, build
    >>> f = load("examples/sample.o")           # any object file, or a raw blob
    >>> sm = f.stackmaps[0]                     # a StackMap
    >>> sm.functions[0].symbol, sm.functions[0].record_count
    ('collect', 2)
    >>> build(sm, endian=f.endian) == f.container.sections[0].data
    True
"""

from .errors import (
    BadLocationKindError,
    BuildError,
    ContainerError,
    GenerateError,
    PaddingError,
    ReservedFieldError,
    SemanticsError,
    StackMapError,
    StatepointError,
    TrailingDataError,
    TruncatedError,
    UnsupportedVersionError,
)
from .format import build, from_dict, parse_spans, stackmap_format, view
from .loader import StackMapFile, load, parse, parse_all
from .model import (
    DYNAMIC_STACK_SIZE,
    Function,
    LiveOut,
    Location,
    LocationKind,
    Record,
    StackMap,
    to_dict,
)

__version__ = "0.1.0"

__all__ = [
    "load", "StackMapFile", "parse", "parse_all", "parse_spans", "view", "build", "stackmap_format", "to_dict", "from_dict",
    "StackMap", "Function", "Record", "Location", "LiveOut", "LocationKind", "DYNAMIC_STACK_SIZE",
    "StackMapError", "TruncatedError", "UnsupportedVersionError", "ReservedFieldError",
    "PaddingError", "BadLocationKindError", "TrailingDataError", "BuildError", "ContainerError", "SemanticsError", "GenerateError", "StatepointError",
]
