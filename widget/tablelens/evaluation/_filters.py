"""Filter texts the Explorer puts in its editor when a confusion cell, a chip or a regression is clicked: ordinary
filters of the filter language (docs/filters.md), written the way a person would type them."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["render"]

_BARE_KEY = re.compile(r"^\$?[A-Za-z_][A-Za-z0-9_]*$")


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def render(value: Any) -> str:
    """A filter expression as relaxed JSON text: `{$in: ['car → truck', '$confusion']}`."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            key = k if _BARE_KEY.match(k) else _string(k)
            parts.append(f"{key}: {render(v)}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return repr(value)
    return json.dumps(value)


def path(column: str) -> str:
    """`$column`, or `$0.column` forms are the engine's; names with dots or odd characters stay as they are
    (the longest prefix that is a column name wins)."""
    return f"${column}"
