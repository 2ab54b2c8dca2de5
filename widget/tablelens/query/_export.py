"""Writing a whole result to a file — Parquet, CSV or JSON lines — streamed by the engine, never through Python rows.

On DuckDB the result's SQL goes into one `COPY (...) TO` statement, so any size is written at the engine's speed
with flat memory; Parquet files carry the `tablelens` metadata (docs/storage.md) so the codec reads their cells
back as logged. Other Ibis backends stream Arrow batches. CSV and JSON cannot hold every kind as is: nested
values (lists, dicts, images, ndarrays) are JSON text in CSV, `json` columns become JSON values in JSON lines
and `mixed` columns their plain value. Grouped results are small and are written from their records.

Files are written beside the target and renamed into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..codec import column_to_pandas, kind_of_arrow_type, with_meta
from .columns import KEY

if TYPE_CHECKING:
    from .result import QueryResult

__all__ = ["FORMATS", "export"]

FORMATS = ("parquet", "csv", "json")
_NESTED = ("list", "dict", "image", "ndarray")


def export(result: QueryResult, path: str | os.PathLike[str], fmt: str, *, key: bool = True,
           keys: Sequence[Any] | None = None) -> str:
    """Write every row (or group) of `result` to `path` in `fmt`; returns the path written. `key=False` leaves
    out the `_key` column (each row's position in its table); `keys` keeps only the rows whose `_key` is in it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot export to {target!r}: the folder {folder!r} does not exist")
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if result.grouped:
            if keys is not None:
                raise TypeError("a grouped result has no row keys to choose rows by")
            _write_groups(result, tmp, fmt, key)
        elif result._runner.name == "duckdb":
            _copy_duckdb(result, _rows_expr(result, key, keys), tmp, fmt)
        else:
            _write_batches(result, _rows_expr(result, key, keys), tmp, fmt)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


# ------------------------------------------------------------------------------------------------ columns
def _entries(result: QueryResult, schema: pa.Schema) -> list[dict[str, Any]]:
    """The `tablelens` metadata entry of each column (its kind and kind-specific facts), named as in `schema`."""
    metas = {c.name: {**c.meta, "kind": c.kind} for c in result.columns if c.role == "value"}
    return [{**metas.get(f.name, {"kind": kind_of_arrow_type(f.type)}), "name": f.name} for f in schema]


def _sql_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_sql(name: str, kind: str, fmt: str) -> str:
    """The expression a CSV or JSON-lines export writes for a column of `kind`."""
    c = _ident(name)
    if kind == "mixed":  # the variant struct (docs/storage.md) as its plain value
        if fmt == "json":
            return (f"CASE {c}.type WHEN 'null' THEN NULL WHEN 'bool' THEN to_json({c}.bool) "
                    f"WHEN 'int' THEN to_json({c}.int) WHEN 'double' THEN to_json({c}.float) "
                    f"WHEN 'string' THEN to_json({c}.str) WHEN 'date' THEN to_json({c}.datetime) "
                    f"ELSE json({c}.json) END AS {c}")
        return (f"CASE {c}.type WHEN 'null' THEN NULL WHEN 'bool' THEN CAST({c}.bool AS VARCHAR) "
                f"WHEN 'int' THEN CAST({c}.int AS VARCHAR) WHEN 'double' THEN CAST({c}.float AS VARCHAR) "
                f"WHEN 'string' THEN {c}.str WHEN 'date' THEN CAST({c}.datetime AS VARCHAR) "
                f"ELSE {c}.json END AS {c}")
    if kind == "json":
        return f"json({c}) AS {c}" if fmt == "json" else c
    if fmt == "csv" and kind in _NESTED:
        return f"CAST(to_json({c}) AS VARCHAR) AS {c}"
    return c


# ------------------------------------------------------------------------------------------------ DuckDB
def _rows_expr(result: QueryResult, key: bool, keys: Sequence[Any] | None) -> Any:
    """The ordered rows expression of a row result, restricted to `keys` and without `_key` as asked."""
    plan = result._plan
    if keys is None:
        expr = plan.paged  # DuckDB keeps file order without a sort: no ORDER BY over every row when unsorted
    else:
        wanted = list(dict.fromkeys(k for k in keys if isinstance(k, (int, str)) and not isinstance(k, bool)))
        rel = plan.rel.filter(plan.rel[plan.frame.key].isin(wanted)) if wanted else plan.rel.limit(0)
        expr = rel.select(**plan.proj) if plan.streams else rel.order_by(plan.keys).select(**plan.proj)
    return expr if key else expr.drop(KEY)


def _copy_duckdb(result: QueryResult, expr: Any, tmp: str, fmt: str) -> None:
    runner = result._runner
    schema = expr.schema().to_pyarrow()
    entries = _entries(result, schema)

    def run() -> None:
        backend = runner.backend
        backend._run_pre_execute_hooks(expr)  # registers in-memory (Arrow) tables the query reads
        sql = runner.connection.sql(expr)
        if fmt == "parquet":
            meta = json.dumps({"format": 1, "columns": entries})
            options = ("FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576, "
                       f"KV_METADATA {{tablelens: {_sql_quote(meta)}}}")
            query = sql
        else:
            cols = ", ".join(_column_sql(e["name"], e["kind"], fmt) for e in entries)
            query = f"SELECT {cols} FROM ({sql}) AS __tl_export"
            options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT json"
        backend.con.execute(f"COPY ({query}) TO {_sql_quote(tmp)} ({options})")

    runner._run(run)


# ------------------------------------------------------------------------------------------------ other engines
def _write_batches(result: QueryResult, expr: Any, tmp: str, fmt: str) -> None:
    """Another Ibis backend: its Arrow batches written one at a time (on the connection, under its lock)."""
    runner = result._runner
    schema = expr.schema().to_pyarrow()
    entries = _entries(result, schema)
    runner._run(lambda: _write_stream(runner.batches(expr), schema, entries, tmp, fmt))


def _write_stream(batches: Iterable[pa.RecordBatch], schema: pa.Schema, entries: list[dict[str, Any]], tmp: str,
                  fmt: str) -> None:
    if fmt == "parquet":
        meta_schema = with_meta(schema.empty_table(), entries).schema
        with pq.ParquetWriter(tmp, meta_schema, compression="zstd") as writer:
            for b in batches:
                writer.write_table(pa.Table.from_batches([b]).cast(meta_schema), row_group_size=1 << 20)
        return
    kinds = {e["name"]: e for e in entries}
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f) if fmt == "csv" else None
        if out is not None:
            out.writerow(schema.names)
        for b in batches:
            cols = [column_to_pandas(b.column(i), kinds[n]).tolist() for i, n in enumerate(b.schema.names)]
            for row in zip(*cols):
                if out is not None:
                    out.writerow([_csv_cell(v) for v in row])
                else:
                    f.write(json.dumps(dict(zip(b.schema.names, (_plain(v) for v in row))), default=str) + "\n")


def _plain(v: Any) -> Any:
    import numpy as np

    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "isoformat"):
        return v.isoformat(sep=" ")
    return v


def _csv_cell(v: Any) -> Any:
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return v


# ------------------------------------------------------------------------------------------------ groups
def _write_groups(result: QueryResult, tmp: str, fmt: str, key: bool) -> None:
    if fmt == "parquet":
        pq.write_table(result.to_arrow(), tmp, compression="zstd")
        return
    records = result.group_records(0, max(result.num_rows, 1))
    names = [c.name for c in result.columns if key or c.name != KEY]
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            out = csv.writer(f)
            out.writerow(names)
            for r in records:
                out.writerow([_csv_cell(r.get(n)) for n in names])
        else:
            for r in records:
                f.write(json.dumps({n: _plain(r.get(n)) for n in names}, default=str) + "\n")
