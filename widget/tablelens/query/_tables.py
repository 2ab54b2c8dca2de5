"""Scan sources opened on a backend: Ibis tables over Parquet files or Arrow, each with a row-position column.

The Parquet file is registered with the backend (once per connection and source identity), never loaded into
Python. Each table gets a column holding the row's 0-based position, which becomes the stable row key: read from
the scan where the engine can tell it (DuckDB's `file_row_number`, Polars' row index, Spark's
`_metadata.row_index`), since a `row_number()` over no order is whatever order the engine's tasks happen to
finish in on a parallel engine.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from ._spark import is_spark, spark_arrow, spark_parquet
from .scan import ColumnInfo, ScanSource

__all__ = ["RN", "Source", "open_scan"]

RN = "__tl_rn"


@dataclass
class Source:
    """One table ready to query: an Ibis table with a row-position column (`rn`)."""

    table: ir.Table
    columns: tuple[ColumnInfo, ...]
    label: str
    total_rows: int | None
    resolve: Callable[[str], str] | None
    ordered: bool  # the backend returns rows in file order without ORDER BY (DuckDB scans)
    rn: str  # the column holding the 0-based row position
    identity: str | None  # equal identity, equal rows: the key of per-column facts

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_guard = threading.Lock()


def open_scan(scan: ScanSource, backend: Any, lock: threading.RLock) -> Source:
    """`scan` as an Ibis table on `backend`; registering a file runs SQL, so it takes the connection's `lock`."""
    if scan.arrow is not None:
        with_rn = scan.arrow.add_column(0, RN, pa.array(np.arange(scan.arrow.num_rows, dtype=np.int64)))
        table = spark_arrow(backend, with_rn, lock) if is_spark(backend) else ibis.memtable(with_rn)
        return Source(table, scan.columns, scan.label, scan.num_rows, scan.resolve_media, True, RN, scan.identity)
    if scan.parquet is None:
        raise ValueError(f"scan source {scan.label!r} has neither a Parquet file nor an Arrow table")
    with _guard:
        cache: dict[str, tuple[ir.Table, str, bool]] = backend.__dict__.setdefault("_tablelens_scans", {})
    key = scan.identity or scan.parquet
    hit = cache.get(key)
    if hit is None:
        with lock:
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = _register(backend, scan.parquet, set(scan.names())) if not scan.column_files \
                    else _register_edited(backend, scan.parquet, scan.names(), scan.column_files)
    table, rn, ordered = hit
    return Source(table, scan.columns, scan.label, scan.num_rows, scan.resolve_media, ordered, rn, scan.identity)


def _register(backend: Any, path: str, names: set[str]) -> tuple[ir.Table, str, bool]:
    """Register the file: the table, its row-position column, and whether rows come back in file order."""
    name = getattr(backend, "name", "")
    if name == "duckdb" and "file_row_number" not in names:
        try:  # Parquet min/max statistics leave NaN out: without can_have_nan DuckDB folds isnan() to false
            t = backend.read_parquet(path, file_row_number=True, can_have_nan=True)
        except Exception:  # a DuckDB without the option
            t = backend.read_parquet(path, file_row_number=True)
        return t, "file_row_number", True  # no renaming: every layer costs SQL-generation time per query
    if name == "polars" and RN not in names:
        t = backend.read_parquet(path, row_index_name=RN)
        return t.mutate(**{RN: t[RN].cast("int64")}), RN, False
    if is_spark(backend) and RN not in names:
        return spark_parquet(backend, [path], [0], RN), RN, False
    t = backend.read_parquet(path)
    return t.mutate(**{RN: ibis.row_number().cast("int64")}), RN, False


def _register_edited(backend: Any, path: str, names: list[str], column_files: tuple[tuple[str, str], ...],
                     ) -> tuple[ir.Table, str, bool]:
    """An edited version: the base file with some columns read from column files of the same length, matched by
    position. DuckDB's POSITIONAL JOIN of two file scans is a positional scan — one source reading both files in
    lockstep, not parallel, so rows come in file order as from a plain scan (first pages stream) — and needs no
    hash join (a join on row numbers costs 5-10x more per query). Other engines join on row numbers, in no order.
    """
    replaced = dict(column_files)
    if getattr(backend, "name", "") == "duckdb" and "file_row_number" not in names:
        def q(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        def ident(text: str) -> str:
            return '"' + text.replace('"', '""') + '"'

        files = list(replaced.items())
        cols = [f"c{files.index((n, replaced[n]))}.{ident(n)}" if n in replaced else f"b.{ident(n)}" for n in names]
        joins = " ".join(f"POSITIONAL JOIN read_parquet({q(f)}) AS c{i}" for i, (_, f) in enumerate(files))
        view = f"__tl_edited_{uuid.uuid4().hex}"
        backend.raw_sql(f"CREATE OR REPLACE TEMPORARY VIEW {ident(view)} AS SELECT b.file_row_number, "
                        f"{', '.join(cols)} FROM read_parquet({q(path)}, file_row_number=true, can_have_nan=true) "
                        f"AS b {joins}")
        return backend.table(view), "file_row_number", True
    base, rn, _ = _register(backend, path, set(names))
    for name, file in column_files:
        col, col_rn, _ = _register(backend, file, {name})
        col = col.select(**{"__tl_pos": col[col_rn], name: col[name]})
        joined = base.left_join(col, base[rn] == col["__tl_pos"])
        base = joined.select(*[col[n].name(n) if n == name else base[n] for n in base.columns])
    return base, rn, False

