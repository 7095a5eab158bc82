"""The StackMap v3 format: the declarative layout (:mod:`.v3`) and the
bytes <-> StackMap API (:mod:`.api`).  Knows nothing of files or containers."""

from .api import Span, build, from_dict, parse, parse_all, parse_spans, view
from .v3 import ENDIANS, stackmap_format

__all__ = ["parse", "parse_all", "parse_spans", "Span", "view", "build", "from_dict", "stackmap_format", "ENDIANS"]
