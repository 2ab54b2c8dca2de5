"""`JoinedTable`: two tables shown and queried as their join on a key column (as `wandb.JoinedTable`)."""

from __future__ import annotations

from typing import Any

from . import display as _display
from .table import Table

__all__ = ["JoinedTable"]


class JoinedTable:
    """`JoinedTable(table1, table2, join_key)`; the key is a column name present in both tables."""

    def __init__(self, table1: Table, table2: Table, join_key: str | tuple[str, str] | list[str]) -> None:
        for i, t in ((1, table1), (2, table2)):
            if not isinstance(t, Table):
                raise TypeError(f"JoinedTable table{i} must be a tl.Table, got {type(t).__name__}")
        keys = (join_key, join_key) if isinstance(join_key, str) else tuple(join_key)
        if len(keys) != 2 or not all(isinstance(k, str) for k in keys):
            raise ValueError("join_key must be a column name, or a pair of names (one per table)")
        for i, (t, k) in enumerate(((table1, keys[0]), (table2, keys[1])), start=1):
            if k not in t.columns:
                raise ValueError(f"join key {k!r} is not a column of table{i}; its columns are {t.columns}")
        self.table1 = table1
        self.table2 = table2
        self.join_key: str | list[str] = join_key if isinstance(join_key, str) else list(keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JoinedTable):
            return NotImplemented
        return (self.join_key, self.table1, self.table2) == (other.join_key, other.table1, other.table2)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"JoinedTable({self.table1!r}, {self.table2!r}, join_key={self.join_key!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return _display.mimebundle(self, repr(self), **kwargs)
