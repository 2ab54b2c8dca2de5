"""QueryResult: a lazily evaluated query. Nothing runs until a count or a page is asked for.

Keeping the work lazy lets a caller (the Explorer) hold the result before the engine starts, and cancel it
from another thread while a count or a page is being computed.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pandas as pd
import pyarrow as pa

from ._exec import Runner
from ._frame import Frame
from ._group import GroupPlan
from ._output import to_pandas
from ._rows import RowsPlan

__all__ = ["QueryResult"]


class QueryResult:
    """The rows (or groups) a query selects.

    `num_rows` counts groups when grouped, else rows, after the filter and quick filter; `total_rows` counts
    the source rows before filtering. `page(offset, limit)` returns one window as a DataFrame in a stable
    order; `expr` is the Ibis expression behind it, for users who want to go further.
    """

    def __init__(self, plan: RowsPlan | GroupPlan, frame: Frame, runner: Runner, mode: str,
                 columns: list[dict[str, Any]], total: Any) -> None:
        self._plan, self._frame, self._runner = plan, frame, runner
        self.mode = mode
        self.columns = columns
        self._total = total
        self._num_rows: int | None = None
        self._total_rows: int | None = None
        self._lock = threading.Lock()

    @property
    def join_key(self) -> tuple[str, str] | None:
        """The columns (of table 0, of table 1) a compare or join matched rows on; None for row position."""
        return self._frame.join_key

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
        """Rows `offset` to `offset + limit` of the result, in a stable order."""
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if isinstance(self._plan, GroupPlan):
            rows, names = self._plan.page(offset, limit)
            return _records_frame(rows, names)
        return self._frame_of(self._plan.page(offset, limit))

    def to_pandas(self) -> pd.DataFrame:
        """The whole result as a DataFrame (it is materialised: mind the size)."""
        if isinstance(self._plan, GroupPlan):
            return self.page(0, max(self.num_rows, 1))
        return self._frame_of(self._plan.all())

    def to_arrow(self) -> pa.Table:
        """The whole result as an Arrow table (summaries of grouped results as JSON text)."""
        if isinstance(self._plan, GroupPlan):
            rows, names = self._plan.page(0, max(self.num_rows, 1))
            data: dict[str, list[Any]] = {n: [] for n in names}
            for r in rows:
                for n in names:
                    v = r[n]
                    data[n].append(json.dumps(v, default=str) if isinstance(v, (dict, list)) else v)
            return pa.table(data)
        return self._plan.all()

    def _frame_of(self, tbl: pa.Table) -> pd.DataFrame:
        kinds = {c["name"]: c["kind"] for c in self.columns}
        metas = {}
        for c in self._frame.columns:
            metas[c.label] = c.meta
            if self.mode == "compare":
                metas[f"{c.side}.{c.name}"] = c.meta
        return to_pandas(tbl, kinds, metas)

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
        if name in ("count", "count_0", "count_1"):
            series[i] = pd.Series(values, dtype="int64")
        else:
            series[i] = pd.Series(values, dtype=object)
    df = pd.DataFrame(series, index=range(len(rows)))
    df.columns = names
    return df
