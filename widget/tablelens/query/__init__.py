"""The query engine: MongoDB-expression filters, grouping with histograms, sorting, comparing and joining
tables stored as Parquet, compiled to Ibis and run on DuckDB (or another Ibis backend).

    r = query(table, filter="{$gt: ['$0.road', 0.05]}", group_by="dominant_pred", sort=[("count", "desc")])
    r.num_rows, r.page(0, 50)

The filter language is described in docs/filters.md.
"""

from __future__ import annotations

from tablelens.errors import FilterError

from ._exec import QueryCancelled
from .engine import Canceller, query
from .result import QueryResult

__all__ = ["Canceller", "FilterError", "QueryCancelled", "QueryResult", "query"]
