"""The relation a query runs over: one source, or two joined, with the columns paths can name.

A Frame hides whether rows come from one table or from two matched tables: it knows the Ibis relation, the
columns with their table index, the row-key column and the tie-break order that makes paging stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from ._compile import Columns, Compiler
from ._tables import Source
from ._values import T, Val, type_from_ibis

__all__ = ["RESERVED", "Frame", "FrameColumn", "single_frame"]

#: names of page columns the engine adds; a source column with one of these names is shown as "NAME (column)"
RESERVED = ("_key", "_presence")


@dataclass(frozen=True)
class FrameColumn:
    """A source column inside a frame: `label` in result pages, `ref` in the relation, `side` for `$0/$1`."""

    label: str
    ref: str
    name: str
    side: int
    table: int | None
    kind: str
    meta: dict[str, Any]
    t: T


@dataclass
class Frame:
    """The relation, its columns, the row key and what makes an order total."""

    rel: ir.Table
    columns: list[FrameColumn]
    key: str
    order: list[str]
    sources: list[Source]
    mode: str  # "rows" (one table), "joined" (a JoinedTable) or "compare"
    ordered: bool  # rows come back in key order without ORDER BY
    missing: dict[int, Any]  # side -> expression true where that side has no row (or False)
    presence: str | None = None
    join_key: tuple[str, str] | None = None  # the key columns (table 0, table 1) rows were matched on

    def compiler(self, backend_name: str = "duckdb") -> Compiler:
        tables: dict[int, dict[str, Val]] = {}
        for col in self.columns:
            val = Compiler.column_val(self.rel[col.ref], col.t, self.missing.get(col.side, False)) \
                if col.t.kind != "unsupported" else Val(col.t, self.rel[col.ref])
            tables.setdefault(col.side, {})[col.name] = val
        for side in range(len(self.sources)):
            tables.setdefault(side, {})
        return Compiler(Columns(tables), strict_index=backend_name != "duckdb")

    def key_type(self) -> T:
        return type_from_ibis(self.rel[self.key].type())

    def side_columns(self, side: int) -> list[FrameColumn]:
        return [c for c in self.columns if c.side == side]


def single_frame(src: Source, backend: Any) -> Frame:
    """The frame of one table: the row key is its row position."""
    cols = []
    schema = src.table.schema()
    for info in src.columns:
        t = type_from_ibis(schema[info.name], info.kind)
        label = f"{info.name} (column)" if info.name in RESERVED else info.name
        cols.append(FrameColumn(label, info.name, info.name, 0, None, info.kind, info.meta, t))
    ordered = src.ordered and getattr(backend, "name", "") == "duckdb"
    return Frame(src.table, cols, src.rn, [src.rn], [src], "rows", ordered, {0: False})
