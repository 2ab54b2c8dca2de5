"""The columns of a result page, typed: what the engine returns and what a layout (the Explorer's) reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KEY", "PRESENCE", "ResultColumn"]

#: the page column holding each row's key (its position, or the compare/join key)
KEY = "_key"
#: the page column saying which tables a compared row is in ("both", "only0", "only1")
PRESENCE = "_presence"


@dataclass(frozen=True)
class ResultColumn:
    """One column of a result page.

    `name` is the column in `page()` frames (`0.x` and `1.x` for the two sides of a compared column `x`);
    `label` is the column as the user names it (both sides of a compared column share it). `role` says what it
    holds: "key" (the row key), "presence" (which tables a compared row is in), "value" (a source column's
    values), "group-key", "count", "aggregate" or "summary". `kind` is the storage kind of the values
    (docs/storage.md), the summary kind ("hist", "counts", "images", "none") of a summary, or "key"/"count".
    `table` is the table the values come from (0, 1, or None for computed values); `meta` the column's storage
    metadata (image layers and classes, ndarray dtype).
    """

    name: str
    kind: str
    table: int | None
    role: str
    label: str
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
