"""The row view of a filtered frame: sorted, projected to the page layout, paged with a stable order."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from ._exec import Runner
from ._frame import Frame
from ._sort import sort_exprs
from ._values import Val, typed_null
from .columns import KEY, PRESENCE, ResultColumn

__all__ = ["RowsPlan", "page_layout"]


def page_layout(frame: Frame) -> tuple[dict[str, Any], list[ResultColumn]]:
    """The projection of a result page and the description of its columns."""
    rel = frame.rel
    proj: dict[str, Any] = {KEY: rel[frame.key]}
    cols: list[ResultColumn] = [ResultColumn(KEY, "key", None, "key", KEY)]
    if frame.mode != "compare":
        for c in frame.columns:
            proj[c.label] = rel[c.ref]
            cols.append(ResultColumn(c.label, c.kind, c.table, "value", c.label, c.meta))
        return proj, cols
    proj[PRESENCE] = rel[frame.presence]
    cols.append(ResultColumn(PRESENCE, "str", None, "presence", PRESENCE))
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
                cols.append(ResultColumn(label, c.kind, side, "value", name, c.meta))
            else:
                assert other is not None
                proj[label] = typed_null(rel[other.ref].type())
                cols.append(ResultColumn(label, other.kind, side, "value", name, other.meta))
    return proj, cols


#: pages up to this many rows are fetched in two steps: row ids first, then the rows' columns by id
TWO_STEP_LIMIT = 10_000


class RowsPlan:
    """Rows of a filtered frame in the requested order.

    A sorted page of two joined tables is computed in two steps: the engine first joins and sorts only what
    the order needs and returns each side's row positions for the page, then reads the page's full rows by
    position (DuckDB skips row groups by `file_row_number`), so wide or nested columns (boxes, images) are never
    carried through a join. One table is paged in one query: the engine's top-N already reads few rows.
    """

    def __init__(self, frame: Frame, rel: ir.Table, sort: list[tuple[Val, bool]], runner: Runner) -> None:
        self.frame, self.rel, self.runner, self.sort = frame, rel, runner, sort
        proj, self.columns = page_layout(frame)
        # re-bind the projection to the filtered relation (same columns)
        self.proj = {k: rel[v.get_name()] if _is_column(v) else v for k, v in proj.items()}
        # DuckDB keeps file order without ORDER BY; skipping the sort lets a first page stop early
        self.streams = frame.ordered and not sort
        self.rn_cols = [c for c in frame.order if c != frame.key] or [frame.key]
        self.sources = self._sources()

    @cached_property
    def keys(self) -> list[Any]:
        return self._keys(planning=False)

    def _keys(self, planning: bool) -> list[Any]:
        keys: list[Any] = []
        for val, desc in self.sort:
            keys += sort_exprs(val, desc, no_nan=not planning and self._no_nan(val))
        keys += [self.rel[c].asc(nulls_first=False) for c in self.frame.order]
        return _dedupe(keys)

    def _no_nan(self, val: Val) -> bool:
        """Whether a double sort key is a source column known to hold no NaN (asked once per file and column)."""
        if val.t.kind != "float" or self.frame.mode != "rows" or not _is_column(val.e):
            return False
        src, name = self.frame.sources[0], val.e.get_name()
        if name not in src.table.columns:
            return False
        facts: dict[Any, bool] = self.runner.backend.__dict__.setdefault("_tablelens_no_nan", {})
        key = (src.identity, name) if src.identity else None
        if key in facts:
            return facts[key]
        col = src.table[name]
        found = self.runner.arrow(src.table.filter(col.isnan()).select(col).limit(1)).num_rows
        if key is not None:
            facts[key] = not found
        return not found

    @cached_property
    def sorted(self) -> ir.Table:
        return self.rel.order_by(self.keys).select(**self.proj)

    @cached_property
    def paged(self) -> ir.Table:
        return self.rel.select(**self.proj) if self.streams else self.sorted

    @cached_property
    def ids(self) -> ir.Table:
        rel, frame = self.rel, self.frame
        ids = {"_key": rel[frame.key], **{c: rel[c] for c in self.rn_cols if c != frame.key}}
        if frame.mode == "compare":
            ids["_presence"] = rel[frame.presence]
        return rel.order_by(self.keys).select(**ids)

    def _sources(self) -> dict[str, tuple[int, str] | None]:
        """Page column label -> (side, column name in that side's source), None for an absent compare side."""
        out: dict[str, tuple[int, str] | None] = {}
        if self.frame.mode != "compare":
            for c in self.frame.columns:
                out[c.label] = (c.side, c.ref if self.frame.mode == "rows" else c.name)
            return out
        names = [{c.name for c in self.frame.side_columns(s)} for s in (0, 1)]
        for col in self.columns:
            if col.role == "value" and col.table is not None:
                out[col.name] = (col.table, col.label) if col.label in names[col.table] else None
        return out

    def count(self) -> int:
        return int(self.runner.scalar(self.rel.count()))

    def page(self, offset: int, limit: int) -> pa.Table:
        # one table: the engine's own top-N reads the few rows it keeps; joins: two steps (see the class doc)
        if self.streams or limit > TWO_STEP_LIMIT or self.frame.mode == "rows":
            return self.runner.arrow(self.paged.limit(limit, offset=offset), whole=limit > TWO_STEP_LIMIT)
        ids = self.runner.arrow(self.ids.limit(limit, offset=offset))
        return self._rows_of(ids)

    def _rows_of(self, ids: pa.Table) -> pa.Table:
        """Read the full rows named by `ids` (row positions per side) and lay them out as a page."""
        rn_of_side = {s: ("_key" if c == self.frame.key else c)
                      for s, c in ((0, self.rn_cols[0]), (1, self.rn_cols[-1]))}
        fetched: dict[int, tuple[pa.Table, dict[int, int]]] = {}
        for side in sorted({v[0] for v in self.sources.values() if v is not None}):
            rns = [v for v in ids.column(rn_of_side[side]).to_pylist() if v is not None]
            src = self.frame.sources[side]
            names = sorted({v[1] for v in self.sources.values() if v is not None and v[0] == side})
            t, rn_col = src.table, src.rn
            got = self.runner.arrow(t.filter(t[rn_col].isin(sorted(set(rns)))).select(
                __tl_id=t[rn_col], **{n: t[n] for n in names})) if rns else None
            if got is None:
                got = pa.table({"__tl_id": pa.array([], pa.int64()), **{n: pa.array([], _arrow_type(t[n]))
                                                                         for n in names}})
            fetched[side] = (got, {rn: i for i, rn in enumerate(got.column("__tl_id").to_pylist())})
        n = ids.num_rows
        arrays: dict[str, pa.Array] = {"_key": ids.column("_key").combine_chunks()}
        if "_presence" in ids.column_names:
            arrays["_presence"] = ids.column("_presence").combine_chunks()
        takes = {side: pa.array([index.get(rn) for rn in ids.column(rn_of_side[side]).to_pylist()], pa.int64())
                 for side, (_, index) in fetched.items()}
        for col in self.columns:
            label = col.name
            if label in arrays:
                continue
            where = self.sources.get(label)
            if where is None:
                assert col.table is not None
                other = self.sources[f"{1 - col.table}.{col.label}"]
                assert other is not None
                typ = fetched[other[0]][0].schema.field(other[1]).type
                arrays[label] = pa.nulls(n, typ)
                continue
            side, name = where
            arrays[label] = fetched[side][0].column(name).take(takes[side]).combine_chunks()
        return pa.Table.from_arrays(list(arrays.values()), names=list(arrays))

    def all(self) -> pa.Table:
        return self.runner.arrow(self.sorted, whole=True)

    def rows_by_key(self, keys: list[Any]) -> pa.Table:
        """The page rows whose key is in `keys` (in no particular order), computed by the engine."""
        return self.runner.arrow(self.rel.filter(self.rel[self.frame.key].isin(keys)).select(**self.proj))

    def expr(self) -> ir.Table:
        return self.sorted

    def check_expr(self) -> ir.Table:
        """The plan as planned, without asking the engine anything (for compile checks)."""
        return self.rel.order_by(self._keys(planning=True)).select(**self.proj)


def _arrow_type(col: Any) -> pa.DataType:
    return col.type().to_pyarrow()


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
