"""The query engine: MongoDB-expression filters, grouping with histograms, sorting, comparing and joining
tables stored as Parquet, compiled to Ibis and run on DuckDB (or another Ibis backend).

The engine reads `ScanSource`s (a Parquet file or an Arrow table with the kinds of its columns) and never
imports the store or the data model; `tablelens.query(...)` (in `tablelens.sources`) finds the scan source of
whatever it is given and calls `run`:

    r = run(ScanSource.from_parquet(path), QuerySpec.normalize(filter="{$gt: ['$0.road', 0.05]}"))
    r.num_rows, r.page(0, 50)

The filter language is described in docs/filters.md.
"""

from __future__ import annotations

# the operator modules register their operators once, here (the compiler only looks them up)
from . import _ops_array, _ops_logic, _ops_math, _ops_text, _ops_type  # noqa: F401
from ._exec import Connection, EngineSettings, QueryCancelled, configure, connect, default_connection
from .columns import KEY, PRESENCE, ResultColumn
from .engine import evaluate, run
from .result import QueryResult
from .scan import ColumnInfo, JoinedScan, Scan, ScanSource
from .spec import QUICK_FILTERS, QuerySpec, normalize_group_by, normalize_sort

__all__ = [
    "KEY",
    "PRESENCE",
    "QUICK_FILTERS",
    "ColumnInfo",
    "Connection",
    "EngineSettings",
    "JoinedScan",
    "QueryCancelled",
    "QueryResult",
    "QuerySpec",
    "ResultColumn",
    "Scan",
    "ScanSource",
    "configure",
    "connect",
    "default_connection",
    "evaluate",
    "normalize_group_by",
    "normalize_sort",
    "run",
]
