"""QueryResult: a lazily evaluated query, and the typed description of its columns.

Nothing runs until a count or a page is asked for: a caller (the Explorer) can hold the result before the
engine starts, and cancel it from another thread while a count or a page is being computed.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ..codec import column_to_pandas, kind_of_arrow_type, with_meta
from ._exec import Runner
from ._export import export
from ._frame import Frame
from ._group import GroupPlan
from ._rows import RowsPlan
from .columns import KEY, ResultColumn

if TYPE_CHECKING:
    from .spec import QuerySpec

__all__ = ["QueryResult", "group_columns"]

_KIND_OF_T = {"int": "int", "float": "float", "str": "str", "bool": "bool", "date": "datetime", "mixed": "mixed",
              "null": "null", "array": "list", "object": "dict"}
_COUNTS = ("count", "count_0", "count_1")


def group_columns(plan: GroupPlan) -> list[ResultColumn]:
    """The columns of a grouped result: keys, counts, aggregates, then one summary per other column."""
    cols = [ResultColumn(k.label, _KIND_OF_T.get(k.t.kind, k.t.kind), None, "group-key", k.label) for k in plan.keys]
    cols.append(ResultColumn("count", "count", None, "count", "count"))
    if plan.compare:
        cols += [ResultColumn("count_0", "count", 0, "count", "count"),
                 ResultColumn("count_1", "count", 1, "count", "count")]
    cols += [ResultColumn(name, "float", None, "aggregate", name) for name in plan.aggs]
    cols += [ResultColumn(s.label, s.kind, s.table, "summary", s.label) for s in plan.summaries]
    return cols


class QueryResult:
    """The rows (or groups) a query selects.

    `num_rows` counts groups when grouped, else rows, after the filter and quick filter; `total_rows` counts
    the source rows before filtering. `page(offset, limit)` returns one window as a DataFrame in a stable
    order; `expr` is the Ibis expression behind it, for users who want to go further.
    """

    def __init__(self, plan: RowsPlan | GroupPlan, frame: Frame, runner: Runner, mode: str,
                 columns: list[ResultColumn], total: Any, spec: QuerySpec) -> None:
        self._plan, self._frame, self._runner = plan, frame, runner
        self.mode = mode
        self.columns = columns
        self.spec = spec
        self._total = total
        self._num_rows: int | None = None
        self._total_rows: int | None = None
        self._lock = threading.Lock()

    @property
    def join_key(self) -> tuple[str, str] | None:
        """The columns (of table 0, of table 1) a compare or join matched rows on; None for row position."""
        return self._frame.join_key

    @property
    def grouped(self) -> bool:
        return isinstance(self._plan, GroupPlan)

    # ------------------------------------------------------------------------------------------ figures
    @property
    def num_rows(self) -> int:
        """Groups (grouped) or rows matching the filter and quick filter; computed on first access."""
        if self._num_rows is None:
            n = self._plan.count()
            with self._lock:
                self._num_rows = n
        return self._num_rows

    @property
    def total_rows(self) -> int:
        """Rows of the source (of the matched pair of tables when comparing) before filtering."""
        if self._total_rows is None:
            n = self._total() if callable(self._total) else int(self._total)
            with self._lock:
                self._total_rows = int(n)
        return self._total_rows

    @property
    def expr(self) -> Any:
        """The Ibis expression of the whole (ordered) result."""
        return self._plan.expr()

    @property
    def backend(self) -> Any:
        return self._runner.backend

    # -------------------------------------------------------------------------------------------- data
    def page(self, offset: int, limit: int) -> pd.DataFrame:
        """Rows `offset` to `offset + limit` of the result, in a stable order, as the cells were logged."""
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if isinstance(self._plan, GroupPlan):
            rows, names = self._plan.page(offset, limit)
            return _records_frame(rows, names)
        return self._frame_of(self._plan.page(offset, limit))

    def page_arrow(self, offset: int, limit: int) -> pa.Table:
        """A window of a row result as Arrow, cells in their stored form (decode them with `tablelens.codec`)."""
        if isinstance(self._plan, GroupPlan):
            raise TypeError("a grouped result has no Arrow pages; use group_records()")
        return self._plan.page(max(0, int(offset)), max(0, int(limit)))

    def group_records(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """A window of a grouped result: one dict per group (keys, counts, aggregates, summary dicts)."""
        if not isinstance(self._plan, GroupPlan):
            raise TypeError("a row result has no group records; use page_arrow()")
        return self._plan.page(max(0, int(offset)), max(0, int(limit)))[0]

    def rows_by_key(self, keys: Sequence[Any]) -> pd.DataFrame:
        """The rows whose `_key` is in `keys`, in the order of `keys` (groups: by their position)."""
        keys = [k for k in keys if isinstance(k, (int, str)) and not isinstance(k, bool)]
        if isinstance(self._plan, GroupPlan):
            n = self.num_rows
            frames = [self.page(k, 1) for k in keys if isinstance(k, int) and 0 <= k < n]
            return pd.concat(frames, ignore_index=True) if frames else self.page(0, 0)
        if not keys:
            return self.page(0, 0)
        table = self._plan.rows_by_key(list(dict.fromkeys(keys)))
        order = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        got = table.column(KEY).to_pylist()
        take = sorted(range(len(got)), key=lambda i: order.get(got[i], len(order)))
        return self._frame_of(table.take(pa.array(take, pa.int64())))

    def to_pandas(self) -> pd.DataFrame:
        """The whole result as a DataFrame (it is materialised: mind the size)."""
        if isinstance(self._plan, GroupPlan):
            return self.page(0, max(self.num_rows, 1))
        return self._frame_of(self._plan.all())

    def to_arrow(self) -> pa.Table:
        """The whole result as an Arrow table.

        Rows carry the `tablelens` metadata (docs/storage.md), so `tablelens.codec` decodes their cells as logged;
        summaries of grouped results are JSON text.
        """
        if isinstance(self._plan, GroupPlan):
            rows, names = self._plan.page(0, max(self.num_rows, 1))
            data: dict[str, list[Any]] = {n: [] for n in names}
            for r in rows:
                for n in names:
                    v = r[n]
                    data[n].append(json.dumps(v, default=str) if isinstance(v, (dict, list)) else v)
            return pa.table(data)
        return self._with_meta(self._plan.all())

    # ------------------------------------------------------------------------------------------- exports
    def to_parquet(self, path: str | os.PathLike[str], *, key: bool = True, keys: Sequence[Any] | None = None,
                   ) -> str:
        """Write the whole result to a Parquet file, streamed by the engine (any size; cells as stored, with the
        `tablelens` metadata, so `tl.query(path)` and `tablelens.codec` read them as logged). Returns the path.

        The rows and columns are those of `to_pandas()`; `key=False` leaves out `_key` (each row's position in
        its table) and `keys` keeps only the rows whose `_key` is in it (in the result's order).
        """
        return export(self, path, "parquet", key=key, keys=keys)

    def to_csv(self, path: str | os.PathLike[str], *, key: bool = True, keys: Sequence[Any] | None = None) -> str:
        """Write the whole result to a CSV file with a header, streamed by the engine; nested cells (lists,
        dicts, images, arrays) are JSON text. `key` and `keys` as for `to_parquet`. Returns the path."""
        return export(self, path, "csv", key=key, keys=keys)

    def to_json(self, path: str | os.PathLike[str], *, key: bool = True, keys: Sequence[Any] | None = None) -> str:
        """Write the whole result as JSON lines (one object per row), streamed by the engine. `key` and `keys`
        as for `to_parquet`. Returns the path."""
        return export(self, path, "json", key=key, keys=keys)

    def _metas(self) -> dict[str, dict[str, Any]]:
        return {c.name: {**c.meta, "kind": c.kind} for c in self.columns if c.role == "value"}

    def _with_meta(self, tbl: pa.Table) -> pa.Table:
        metas = self._metas()
        entries = [{"name": n, **metas.get(n, {"kind": kind_of_arrow_type(f.type)})}
                   for n, f in zip(tbl.column_names, tbl.schema)]
        return with_meta(tbl, entries)

    def _frame_of(self, tbl: pa.Table) -> pd.DataFrame:
        metas = self._metas()
        series = [column_to_pandas(c, metas.get(n)) for n, c in zip(tbl.column_names, tbl.columns)]
        df = pd.DataFrame({i: s.reset_index(drop=True) for i, s in enumerate(series)}, index=range(tbl.num_rows))
        df.columns = list(tbl.column_names)
        return df

    # ----------------------------------------------------------------------------------------- control
    def resolve_media(self, table_index: int, logical_path: str) -> str:
        """The local file of an image or mask path found in a cell of table `table_index`."""
        sources = self._frame.sources
        if not 0 <= table_index < len(sources):
            raise IndexError(f"This result has {len(sources)} table(s); no table {table_index}")
        resolve = sources[table_index].resolve
        if resolve is None:
            raise LookupError(f"Table {table_index} ({sources[table_index].label}) was not loaded from an "
                              f"artifact, so its media paths cannot be resolved")
        return resolve(logical_path)

    def cancel(self) -> None:
        """Interrupt the running engine query (DuckDB); later calls raise QueryCancelled."""
        self._runner.cancel()

    @property
    def cancelled(self) -> bool:
        return self._runner.cancelled

    def __repr__(self) -> str:
        done = f"{self._num_rows} of " if self._num_rows is not None else ""
        return f"<QueryResult {self.mode}: {done}{self._frame.sources[0].label}>"


def _records_frame(rows: list[dict[str, Any]], names: list[str]) -> pd.DataFrame:
    """Group rows as a DataFrame; object columns keep None and the summary dicts as they are."""
    series = {}
    for i, name in enumerate(names):
        values = [r[name] for r in rows]
        series[i] = pd.Series(values, dtype="int64" if name in _COUNTS else object)
    df = pd.DataFrame(series, index=range(len(rows)))
    df.columns = names
    return df
