"""Turn whatever the user passed as a source into Ibis tables over Parquet or Arrow.

Accepted: a pandas DataFrame, a pyarrow Table, a Parquet path, a `"name:version"` spec, a tablelens Table,
JoinedTable or Artifact (with `table=`). Tables are only ever scanned by the engine: the Parquet file is
registered with the backend, never loaded into Python. Each source gets a `__tl_rn` column holding the row's
0-based position, which becomes the stable row key.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tablelens.errors import FilterError

from ..formats.parquet import encode_dataframe, kind_of_arrow_type
from ._exec import _backend_lock

__all__ = ["RN", "ColumnInfo", "Joined", "Source", "default_backend", "resolve_source"]

RN = "__tl_rn"
_META_KEY = b"tablelens"
_default: list[Any] = []
_default_guard = threading.Lock()


def default_backend() -> Any:
    """The process-wide embedded DuckDB connection (created on first use)."""
    with _default_guard:
        if _default:
            return _default[0]
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")  # DuckDB's bar would print into notebook cell outputs
        _default.append(con)
    return _default[0]


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a source: its name, storage kind (docs/storage.md) and metadata entry."""

    name: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Source:
    """One table ready to query: an Ibis table with a row-position column (`rn`)."""

    table: ir.Table
    columns: list[ColumnInfo]
    label: str
    total_rows: int | None = None
    resolve: Callable[[str], str] | None = None
    ordered: bool = False  # the backend returns rows in file order without ORDER BY (DuckDB scans)
    rn: str = RN  # the column holding the 0-based row position
    cache_key: tuple[str, float] | None = None  # (path, mtime) of an immutable file, for per-column facts

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Joined:
    """A JoinedTable: two sources joined on a key."""

    left: Source
    right: Source
    key: str | tuple[str, str]


# ------------------------------------------------------------------------------------------- resolution
def resolve_source(obj: Any, table: str | None, backend: Any, role: str = "source") -> Source | Joined:
    """Resolve any accepted source object into a Source (or Joined for a JoinedTable)."""
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return _from_arrow(_arrow_from_pandas(obj), "DataFrame")
    if isinstance(obj, pa.Table):
        return _from_arrow(obj, "Arrow table")
    if isinstance(obj, (str, os.PathLike)):
        text = os.fspath(obj)
        if text.endswith(".parquet") or os.path.isfile(text):
            if not os.path.isfile(text):
                raise FilterError(f"No Parquet file at {text!r}", path=role)
            return _from_parquet(text, backend, Path(text).name, None, None)
        if ":" in text or "/" not in text:
            from tablelens import artifacts  # lazily: the store is another stage

            try:
                resolved = artifacts.resolve(text)
            except FilterError:
                raise
            except Exception as exc:
                raise FilterError(f"Cannot resolve {text!r}: {exc}", path=role) from None
            return resolve_source(resolved, table, backend, role)
        raise FilterError(f"{text!r} is neither a Parquet file nor a 'name:version' artifact spec", path=role)
    if hasattr(obj, "table1") and hasattr(obj, "table2") and hasattr(obj, "join_key"):
        left = resolve_source(obj.table1, None, backend, role)
        right = resolve_source(obj.table2, None, backend, role)
        if isinstance(left, Joined) or isinstance(right, Joined):
            raise FilterError("A JoinedTable of JoinedTables is not supported", path=role)
        return Joined(left, right, obj.join_key)
    if hasattr(obj, "_stored"):
        stored = obj._stored()
        label = getattr(obj, "name", None) or Path(stored.parquet_path).name
        return _from_parquet(stored.parquet_path, backend, str(label), stored.meta, stored.resolve)
    if hasattr(obj, "tables") and hasattr(obj, "get"):
        names = list(obj.tables())
        if table is None:
            if len(names) != 1:
                listing = ", ".join(names) or "none"
                raise FilterError(f"The artifact holds {len(names)} tables ({listing}); pass table=NAME",
                                  path=role)
            table = names[0]
        elif table not in names:
            raise FilterError(f"The artifact has no table {table!r} (tables: {', '.join(names) or 'none'})",
                              path=role)
        return resolve_source(obj.get(table), None, backend, role)
    raise TypeError(f"Cannot query a {type(obj).__name__}: pass a tablelens Table, JoinedTable or Artifact, "
                    f"a 'name:version' spec, a Parquet path, a pandas DataFrame or a pyarrow Table")


def _from_parquet(path: str, backend: Any, label: str, meta: dict[str, Any] | None,
                  resolve: Callable[[str], str] | None) -> Source:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise FilterError(f"Cannot read the Parquet file {path!r}: {exc}") from None
    schema = pf.schema_arrow
    if meta is None:
        meta = _meta_of(schema)
    table, rn, ordered = _scan(backend, path, schema)
    return Source(table, _columns(schema, meta), label, pf.metadata.num_rows, resolve, ordered, rn,
                  (os.path.abspath(path), os.path.getmtime(path)))


def _scan(backend: Any, path: str, schema: pa.Schema) -> tuple[ir.Table, str, bool]:
    """Register the file with the backend (cached per backend): the table, its row-position column, and whether
    rows come back in file order without ORDER BY."""
    cache: dict[tuple[str, float], tuple[ir.Table, str, bool]] = backend.__dict__.setdefault(
        "_tablelens_scans", {})
    key = (os.path.abspath(path), os.path.getmtime(path))
    if key in cache:
        return cache[key]
    # registering a file runs SQL on the connection: take the same turn as queries (see _exec._backend_lock)
    with _backend_lock(backend):
        if key not in cache:
            cache[key] = _register(backend, path, schema)
    return cache[key]


def _register(backend: Any, path: str, schema: pa.Schema) -> tuple[ir.Table, str, bool]:
    name = getattr(backend, "name", "")
    result: tuple[ir.Table, str, bool]
    if name == "duckdb" and "file_row_number" not in schema.names:
        try:  # Parquet min/max statistics leave NaN out: without can_have_nan DuckDB folds isnan() to false
            t = backend.read_parquet(path, file_row_number=True, can_have_nan=True)
        except Exception:  # a DuckDB without the option
            t = backend.read_parquet(path, file_row_number=True)
        result = (t, "file_row_number", True)  # no renaming: every layer costs SQL-generation time per query
    elif name == "polars" and RN not in schema.names:
        t = backend.read_parquet(path, row_index_name=RN)
        result = (t.mutate(**{RN: t[RN].cast("int64")}), RN, False)
    else:
        t = backend.read_parquet(path)
        result = (t.mutate(**{RN: ibis.row_number().cast("int64")}), RN, False)
    return result


def _from_arrow(table: pa.Table, label: str) -> Source:
    meta = _meta_of(table.schema)
    cols = _columns(table.schema, meta)
    import numpy as np

    with_rn = table.add_column(0, RN, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    return Source(ibis.memtable(with_rn), cols, label, table.num_rows, None, True)


def _meta_of(schema: pa.Schema) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(_META_KEY)
    if not raw:
        return {}
    try:
        meta = json.loads(raw)
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _columns(schema: pa.Schema, meta: dict[str, Any]) -> list[ColumnInfo]:
    entries = {c.get("name"): c for c in meta.get("columns", []) if isinstance(c, dict)}
    out = []
    for f in schema:
        entry = entries.get(f.name, {})
        kind = entry.get("kind") or kind_of_arrow_type(f.type)
        out.append(ColumnInfo(f.name, kind, entry))
    return out




# ------------------------------------------------------------------------------------- pandas -> arrow
def _arrow_from_pandas(df: Any) -> pa.Table:
    """Convert a DataFrame exactly as the store would (same kinds, variant structs for mixed columns)."""
    try:
        return encode_dataframe(df, None)
    except TypeError as e:
        raise FilterError(f"This DataFrame cannot be queried: {e}", path="source") from None
