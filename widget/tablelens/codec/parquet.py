"""Table files: Arrow tables with `tablelens` metadata written and read as Parquet, errors naming the file."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .._core.errors import CorruptFileError
from .kinds import read_meta

__all__ = ["read_parquet", "read_schema", "write_parquet"]


def write_parquet(table: pa.Table, path: str) -> None:
    """Write a table; large row groups keep DuckDB scans fast, zstd keeps files small."""
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20, write_statistics=True)


def _read(read: Any, path: str, where: str) -> Any:
    try:
        return read(path)
    except (OSError, pa.ArrowInvalid) as e:
        raise CorruptFileError(f"table file {where!r} is not a readable Parquet file: {e}") from None


def read_parquet(path: str, where: str | None = None) -> tuple[pa.Table, dict[str, Any]]:
    """Read a table file, with errors that name the file and the fault."""
    table = _read(pq.read_table, path, where or path)
    return table, read_meta(table.schema, where or path)


def read_schema(path: str, where: str | None = None) -> tuple[pa.Schema, dict[str, Any]]:
    """Read only a table file's schema and metadata (cheap: the footer)."""
    schema = _read(pq.read_schema, path, where or path)
    return schema, read_meta(schema, where or path)
