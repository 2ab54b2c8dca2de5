"""Scan sources opened on a backend: Ibis tables over Parquet files or Arrow, each with a row-position column.

The Parquet files are registered with the backend (once per connection and source identity), never loaded into
Python. Each table gets a column holding the row's 0-based position, which becomes the stable row key: read from
the scan where the engine can tell it (DuckDB's `file_row_number`, Polars' row index, Spark's
`_metadata.row_index`), since a `row_number()` over no order is whatever order the engine's tasks happen to
finish in on a parallel engine. For a table of several parts (one that grew by appending) the position runs
across them: the part's offset (from the row counts of the parts) plus the row's number in its file. Files on
object storage are read in place through the store's fsspec filesystem, registered with DuckDB under its own
protocol (DuckDB's httpfs extension is not bundled with its wheel and nothing is downloaded at run time).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from .._core.errors import FilterError
from ._spark import is_spark, spark_arrow, spark_parquet
from .scan import ColumnInfo, ScanSource

__all__ = ["RN", "UNNAMED", "Source", "open_scan"]

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


#: how a column whose name is empty is shown and named in expressions (SQL cannot name a column '')
UNNAMED = "(unnamed)"


def open_scan(scan: ScanSource, backend: Any, lock: threading.RLock) -> Source:
    """`scan` as an Ibis table on `backend`; registering a file runs SQL, so it takes the connection's `lock`."""
    columns = _usable(scan.columns)
    if scan.arrow is not None:
        arrow = scan.arrow.rename_columns([c.name for c in columns]) if columns != scan.columns else scan.arrow
        with_rn = arrow.add_column(0, RN, pa.array(np.arange(arrow.num_rows, dtype=np.int64)))
        table = spark_arrow(backend, with_rn, lock) if is_spark(backend) else ibis.memtable(with_rn)
        return Source(table, columns, scan.label, scan.num_rows, scan.resolve_media, True, RN, scan.identity)
    if scan.parquet is None:
        raise ValueError(f"scan source {scan.label!r} has neither a Parquet file nor an Arrow table")
    with _guard:
        cache: dict[str, tuple[ir.Table, str, bool]] = backend.__dict__.setdefault("_tablelens_scans", {})
    key = scan.identity or "+".join(scan.files)
    hit = cache.get(key)
    if hit is None:
        with lock:
            hit = cache.get(key)
            if hit is None:
                try:
                    hit = _open_files(backend, scan, lock)
                except Exception as exc:  # e.g. DuckDB refusing a file whose column names clash once read
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise FilterError(f"Cannot open {scan.label!r}: {first}; if two column names clash (an "
                                      f"empty name is read as C0, C1, ...), rename the columns",
                                      control="source") from None
                hit = cache[key] = (_renamed(hit[0], hit[1], columns), hit[1], hit[2])
    table, rn, ordered = hit
    return Source(table, columns, scan.label, scan.num_rows, scan.resolve_media, ordered, rn, scan.identity)


def _usable(columns: tuple[ColumnInfo, ...]) -> tuple[ColumnInfo, ...]:
    """The columns with names SQL can hold: an empty name becomes UNNAMED (or "UNNAMED 2", ... if taken)."""
    if all(c.name for c in columns):
        return columns
    taken = {c.name for c in columns}
    out = []
    for c in columns:
        if not c.name:
            name, n = UNNAMED, 1
            while name in taken:
                n += 1
                name = f"{UNNAMED[:-1]} {n})"
            taken.add(name)
            c = replace(c, name=name)
        out.append(c)
    return tuple(out)


def _renamed(table: ir.Table, rn: str, columns: tuple[ColumnInfo, ...]) -> ir.Table:
    """The registered table with its columns named as `columns` (an engine names an empty column itself)."""
    actual = [c for c in table.columns if c != rn]
    wanted = [c.name for c in columns]
    if actual == wanted or len(actual) != len(wanted):
        return table
    return table.rename({w: a for w, a in zip(wanted, actual) if w != a})


def _open_files(backend: Any, scan: ScanSource, lock: threading.RLock) -> tuple[ir.Table, str, bool]:
    files = scan.files
    if scan.filesystem is not None:
        if getattr(backend, "name", "") != "duckdb":
            return _read_through(backend, scan, lock)
        _register_filesystem(backend, scan.filesystem)
    if scan.column_files:
        return _register_edited(backend, files, scan.part_rows, scan.names(), scan.column_files)
    if len(files) > 1:
        return _register_parts(backend, files, scan.part_rows, set(scan.names()))
    return _register(backend, files[0], set(scan.names()))


def _register_filesystem(backend: Any, fs: Any) -> None:
    """Make DuckDB read paths of `fs.protocol` through `fs` (one registration per database, shared by cursors)."""
    con = backend.con
    with _guard:
        if fs.protocol not in con.list_filesystems():
            con.register_filesystem(fs)


def _read_through(backend: Any, scan: ScanSource, lock: threading.RLock) -> tuple[ir.Table, str, bool]:
    """Another engine and files on object storage: read them with pyarrow through the store's filesystem into
    memory (DuckDB reads them in place; docs/scale-out.md says how to point a cluster engine at the store)."""
    import pyarrow.parquet as pq

    fs = scan.filesystem
    tables = []
    for path in scan.files:
        with fs.open(path, "rb") as f:
            tables.append(pq.read_table(f))
    arrow = pa.concat_tables(tables)
    for name, file in scan.column_files:
        with fs.open(file, "rb") as f:
            col = pq.read_table(f).column(0)
        arrow = arrow.set_column(arrow.column_names.index(name), arrow.schema.field(name), col)
    arrow = arrow.add_column(0, RN, pa.array(np.arange(arrow.num_rows, dtype=np.int64)))
    return (spark_arrow(backend, arrow, lock) if is_spark(backend) else ibis.memtable(arrow)), RN, True


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _position(alias: str, part_rows: tuple[int, ...]) -> str:
    """The global 0-based position of a row of a multi-file scan: its number in its file plus the rows of the
    parts before it (a constant list indexed by DuckDB's `file_index`)."""
    offsets = [0]
    for n in part_rows[:-1]:
        offsets.append(offsets[-1] + n)
    listed = f"CAST([{', '.join(map(str, offsets))}] AS BIGINT[])"
    return f"(CAST({alias}.file_row_number AS BIGINT) + {listed}[CAST({alias}.file_index AS BIGINT) + 1])"


def _files_sql(files: tuple[str, ...]) -> str:
    return f"[{', '.join(_q(f) for f in files)}]" if len(files) > 1 else _q(files[0])


def _register_parts(backend: Any, files: tuple[str, ...], part_rows: tuple[int, ...], names: set[str],
                    ) -> tuple[ir.Table, str, bool]:
    """A table of several parts. DuckDB scans the files in list order (rows come back in table order, so first
    pages stream); other engines read the list and number the rows (Polars' row index runs across files)."""
    name = getattr(backend, "name", "")
    if name == "duckdb" and not names & {"file_row_number", "file_index", RN}:
        view = f"__tl_parts_{uuid.uuid4().hex}"
        backend.raw_sql(f"CREATE OR REPLACE TEMPORARY VIEW {_ident(view)} AS SELECT {_position('b', part_rows)} "
                        f"AS {RN}, * EXCLUDE (file_row_number) FROM read_parquet({_files_sql(files)}, "
                        "file_row_number=true, can_have_nan=true) AS b")
        return backend.table(view), RN, True
    if name == "polars" and RN not in names:  # Polars' row index runs across the files of one scan
        import polars as pl

        view = f"__tl_parts_{uuid.uuid4().hex}"
        backend.create_table(view, pl.scan_parquet(list(files), row_index_name=RN))
        t = backend.table(view)
        return t.mutate(**{RN: t[RN].cast("int64")}), RN, False
    if is_spark(backend) and RN not in names:
        offsets = [0]
        for n in part_rows[:-1]:
            offsets.append(offsets[-1] + n)
        return spark_parquet(backend, list(files), offsets, RN), RN, False
    t = backend.read_parquet(list(files))
    return t.mutate(**{RN: ibis.row_number().cast("int64")}), RN, False


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


def _register_edited(backend: Any, files: tuple[str, ...], part_rows: tuple[int, ...], names: list[str],
                     column_files: tuple[tuple[str, str], ...]) -> tuple[ir.Table, str, bool]:
    """An edited version: the base files with some columns read from column files as long as the whole table,
    matched by position. DuckDB's POSITIONAL JOIN of two file scans is a positional scan — one source reading
    both in lockstep, not parallel, so rows come in table order as from a plain scan (first pages stream) — and
    needs no hash join (a join on row numbers costs 5-10x more per query). Other engines join on row numbers, in
    no order.
    """
    replaced = dict(column_files)
    if getattr(backend, "name", "") == "duckdb" and not set(names) & {"file_row_number", "file_index"}:
        pairs = list(replaced.items())
        cols = [f"c{pairs.index((n, replaced[n]))}.{_ident(n)}" if n in replaced else f"b.{_ident(n)}"
                for n in names]
        joins = " ".join(f"POSITIONAL JOIN read_parquet({_q(f)}) AS c{i}" for i, (_, f) in enumerate(pairs))
        view = f"__tl_edited_{uuid.uuid4().hex}"
        if len(files) > 1:
            rn, position = RN, f"{_position('b', part_rows)} AS {RN}"
        else:
            rn, position = "file_row_number", "b.file_row_number"
        backend.raw_sql(f"CREATE OR REPLACE TEMPORARY VIEW {_ident(view)} AS SELECT {position}, "
                        f"{', '.join(cols)} FROM read_parquet({_files_sql(files)}, file_row_number=true, "
                        f"can_have_nan=true) AS b {joins}")
        return backend.table(view), rn, True
    base, rn, _ = _register(backend, files[0], set(names)) if len(files) == 1 else \
        _register_parts(backend, files, part_rows, set(names))
    for name, file in column_files:
        col, col_rn, _ = _register(backend, file, {name})
        col = col.select(**{"__tl_pos": col[col_rn], name: col[name]})
        joined = base.left_join(col, base[rn] == col["__tl_pos"])
        base = joined.select(*[col[n].name(n) if n == name else base[n] for n in base.columns])
    return base, rn, False

