"""Reading a JSON input (``build``'s document, ``semantics --registry``):
whatever the text, a clean one-line reason, never an internal error."""

from __future__ import annotations

import json
import sys
TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up: only for type checkers)
    from typing import Any


def read_json(data: bytes) -> Any:
    """The document in ``data``; ValueError with a one-line reason when it
    is not valid JSON, is nested too deeply for Python's parser, or holds an
    integer literal too long to convert."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"nested too deeply (Python's JSON parser stops near {sys.getrecursionlimit()} levels)") \
            from None
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text: {e}") from None
    except json.JSONDecodeError as e:
        raise ValueError(str(e)) from None
    except ValueError:
        # Python refuses to convert integer literals of more than 4300 digits.
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise ValueError(f"an integer literal is too long (more than {limit} digits)") from None
