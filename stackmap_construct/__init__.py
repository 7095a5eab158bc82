"""stackmap-construct: LLVM's StackMap section (``.llvm_stackmaps``, v3) as one
declarative construct definition that parses and builds.

    >>> from stackmap_construct import parse, build
    >>> sm = parse(blob)                 # bytes -> StackMap
    >>> build(sm) == blob                # StackMap -> the same bytes
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
from .format import build, parse, parse_all, parse_spans, stackmap_format, view
from .model import (
    DYNAMIC_STACK_SIZE,
    Function,
    LiveOut,
    Location,
    LocationKind,
    Record,
    StackMap,
    from_dict,
    to_dict,
)

__version__ = "0.1.0"

__all__ = [
    "parse", "parse_all", "parse_spans", "view", "build", "stackmap_format", "to_dict", "from_dict",
    "StackMap", "Function", "Record", "Location", "LiveOut", "LocationKind", "DYNAMIC_STACK_SIZE",
    "StackMapError", "TruncatedError", "UnsupportedVersionError", "ReservedFieldError",
    "PaddingError", "BadLocationKindError", "TrailingDataError", "BuildError", "ContainerError", "SemanticsError", "GenerateError", "StatepointError",
]
