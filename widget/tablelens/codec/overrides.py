"""Column files: a table version whose edited columns are whole new Parquet files beside its unchanged base file.

Editing cells of a stored table never rewrites the table: the new version keeps the base Parquet file (the same
object, by digest) and gets one Parquet file per edited column holding that column's values for every row (the
base column with the edits applied), plus a small JSON descriptor naming them (docs/storage.md, "Edited
tables"). Readers put the column files in place of the base's columns, by position: the query engine with a
positional join, Python readers here. Writing a column file streams the source column one row group at a time,
so memory stays flat whatever the row count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .._core.errors import CorruptFileError
from .parquet import read_parquet

__all__ = ["COLUMNS_FORMAT", "apply_columns", "columns_descriptor", "parse_descriptor", "read_with_columns",
           "write_patched_column"]

COLUMNS_FORMAT = 1


def parse_descriptor(data: Any, where: str) -> dict[str, str]:
    """The `{column name: logical path}` map of a table's column-file descriptor (checked)."""
    if not isinstance(data, Mapping) or data.get("format") != COLUMNS_FORMAT or \
            not isinstance(data.get("columns"), Mapping):
        raise CorruptFileError(f"{where!r} is not a column-file descriptor (format {COLUMNS_FORMAT} with 'columns')")
    out = {}
    for name, path in data["columns"].items():
        if not isinstance(name, str) or not isinstance(path, str):
            raise CorruptFileError(f"{where!r}: column {name!r} names no file")
        out[name] = path
    return out


def columns_descriptor(columns: Mapping[str, str], rows: int) -> bytes:
    return json.dumps({"format": COLUMNS_FORMAT, "rows": rows, "columns": dict(sorted(columns.items()))},
                      sort_keys=True, separators=(",", ":")).encode()


def _column_of(path: str, name: str, where: str) -> pa.ChunkedArray:
    try:
        t = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as e:
        raise CorruptFileError(f"column file {where!r} is not a readable Parquet file: {e}") from None
    if t.num_columns != 1:
        raise CorruptFileError(f"column file {where!r} holds {t.num_columns} columns; it must hold only {name!r}")
    return t.column(0)


def apply_columns(table: pa.Table, columns: Sequence[tuple[str, str]], where: str = "table") -> pa.Table:
    """`table` with the columns named in `columns` ((name, local Parquet file) pairs) read from their files."""
    for name, path in columns:
        if name not in table.column_names:
            raise CorruptFileError(f"{where}: a column file replaces {name!r}, which the table does not have")
        col = _column_of(path, name, f"{where}: {name}")
        i = table.column_names.index(name)
        if len(col) != table.num_rows or col.type != table.schema.field(i).type:
            raise CorruptFileError(f"{where}: the column file of {name!r} has {len(col)} rows of {col.type}; the "
                                   f"table has {table.num_rows} rows of {table.schema.field(i).type}")
        table = table.set_column(i, table.schema.field(i), col)
    return table


def read_with_columns(path: str, columns: Sequence[tuple[str, str]], where: str | None = None,
                      ) -> tuple[pa.Table, dict[str, Any]]:
    """Read a base table file with its column files in place; returns (table, tablelens metadata)."""
    table, meta = read_parquet(path, where)
    return apply_columns(table, columns, where or path), meta


def write_patched_column(source: str, name: str, rows: np.ndarray, values: pa.Array, out: str) -> None:
    """Write column `name` of Parquet file `source` to `out` (a one-column Parquet file) with `values[i]` in row
    `rows[i]`. `rows` must be sorted and unique; the column is streamed a row group at a time."""
    pf = pq.ParquetFile(source)
    field = pf.schema_arrow.field(name)
    if values.type != field.type:
        values = values.cast(field.type)
    schema = pa.schema([field])
    offset = 0
    with pq.ParquetWriter(out, schema, compression="zstd", write_statistics=True) as writer:
        for g in range(pf.num_row_groups):
            col = pf.read_row_group(g, columns=[name]).column(0).combine_chunks()
            n = len(col)
            lo, hi = np.searchsorted(rows, [offset, offset + n])
            if hi > lo:
                # take from [old values..., replacements...]: the one way that works for every Arrow type
                index = np.arange(n, dtype=np.int64)
                index[rows[lo:hi] - offset] = n + np.arange(hi - lo, dtype=np.int64)
                col = pa.concat_arrays([col, values.slice(lo, hi - lo)]).take(pa.array(index))
            writer.write_table(pa.Table.from_arrays([col], schema=schema), row_group_size=1 << 20)
            offset += n
