"""The row view of a filtered frame: sorted, projected to the page layout, paged with a stable order."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from ._exec import Runner
from ._frame import Frame
from ._sort import sort_exprs
from ._values import Val, typed_null

__all__ = ["RowsPlan", "page_layout"]


def page_layout(frame: Frame) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The projection of a result page and the description of its columns."""
    rel = frame.rel
    proj: dict[str, Any] = {"_key": rel[frame.key]}
    cols: list[dict[str, Any]] = [{"name": "_key", "kind": "key", "table": None}]
    if frame.mode != "compare":
        for c in frame.columns:
            proj[c.label] = rel[c.ref]
            cols.append({"name": c.label, "kind": c.kind, "table": c.table})
        return proj, cols
    proj["_presence"] = rel[frame.presence]
    cols.append({"name": "_presence", "kind": "str", "table": None})
    by_side: list[dict[str, Any]] = [{}, {}]
    for c in frame.columns:
        by_side[c.side][c.name] = c
    names = list(by_side[0]) + [n for n in by_side[1] if n not in by_side[0]]
    for name in names:
        pair = [by_side[0].get(name), by_side[1].get(name)]
        for side in (0, 1):
            c, other = pair[side], pair[1 - side]
            label = f"{side}.{name}"
            if c is not None:
                proj[label] = rel[c.ref]
                cols.append({"name": label, "kind": c.kind, "table": side})
            else:
                assert other is not None
                proj[label] = typed_null(rel[other.ref].type())
                cols.append({"name": label, "kind": other.kind, "table": side})
    return proj, cols


class RowsPlan:
    """Rows of a filtered frame in the requested order."""

    def __init__(self, frame: Frame, rel: ir.Table, sort: list[tuple[Val, bool]], runner: Runner) -> None:
        self.frame, self.rel, self.runner = frame, rel, runner
        keys: list[Any] = []
        for val, desc in sort:
            keys += sort_exprs(val, desc)
        keys += [rel[c].asc(nulls_first=False) for c in frame.order]
        keys = _dedupe(keys)
        proj, self.columns = page_layout(frame)
        # re-bind the projection to the filtered relation (same columns)
        self.proj = {k: rel[v.get_name()] if _is_column(v) else v for k, v in proj.items()}
        self.sorted = rel.order_by(keys).select(**self.proj)
        # DuckDB keeps file order without ORDER BY; skipping the sort lets a first page stop early
        self.paged = rel.select(**self.proj) if (frame.ordered and not sort) else self.sorted

    def count(self) -> int:
        return int(self.runner.scalar(self.rel.count()))

    def page(self, offset: int, limit: int) -> pa.Table:
        return self.runner.arrow(self.paged.limit(limit, offset=offset))

    def all(self) -> pa.Table:
        return self.runner.arrow(self.sorted)

    def expr(self) -> ir.Table:
        return self.sorted


def _dedupe(keys: list[Any]) -> list[Any]:
    """Drop repeated sort keys (an engine rejects sorting twice by the same expression)."""
    seen, out = set(), []
    for k in keys:
        name = k.op().expr.name if hasattr(k.op(), "expr") else k.get_name()
        if name not in seen:
            seen.add(name)
            out.append(k)
    return out


def _is_column(v: Any) -> bool:
    import ibis.expr.operations as ops

    return isinstance(v.op(), ops.Field)
