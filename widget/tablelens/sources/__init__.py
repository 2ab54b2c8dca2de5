"""Sources: whatever a user passes (spec strings, artifacts, tables, DataFrames, Arrow, Parquet paths) resolved
once into what the engine scans, and `tl.query`, which resolves and runs."""

from __future__ import annotations

from .query import evaluate, query, resolve_for_query
from .resolve import ResolvedSource, resolve

__all__ = ["ResolvedSource", "evaluate", "query", "resolve", "resolve_for_query"]
