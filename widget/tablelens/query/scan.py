"""What the engine scans: a small public protocol between whoever finds a table and the engine that reads it.

The engine never imports the store or the data model. The layer above it (`tablelens.sources`) turns artifact
specs, Tables, DataFrames and the like into a `ScanSource` (one table) or a `JoinedScan` (two on a key), and the
engine reads exactly what those say: a Parquet file or an in-memory Arrow table, the storage kind of each column
(docs/storage.md) and how to find the media files its cells name.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from .._core.errors import FilterError
from ..codec import kind_of_arrow_type, read_meta

__all__ = ["ColumnInfo", "JoinedScan", "Scan", "ScanSource"]


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a source: its name, storage kind (docs/storage.md) and metadata entry."""

    name: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def columns_of(schema: pa.Schema, meta: dict[str, Any] | None = None) -> tuple[ColumnInfo, ...]:
    """The columns of a schema, with kinds from the `tablelens` metadata (or inferred from the Arrow types)."""
    entries = {c.get("name"): c for c in (meta or read_meta(schema)).get("columns", []) if isinstance(c, dict)}
    out = []
    for f in schema:
        entry = entries.get(f.name, {})
        out.append(ColumnInfo(f.name, entry.get("kind") or kind_of_arrow_type(f.type), dict(entry)))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class ScanSource:
    """One table as the engine reads it: a Parquet file or an Arrow table, never Python rows.

    `identity` is a key for the engine's caches (registered scans, per-column facts): two sources with the same
    identity hold the same rows. `resolve_media` maps a media path found in a cell to a local file.
    `column_files` are (column name, Parquet file) pairs of an edited version: each file holds that column's
    values for every row of `parquet`, in place of the file's own (codec/overrides.py).
    """

    label: str
    columns: tuple[ColumnInfo, ...]
    num_rows: int | None
    parquet: str | None = None
    arrow: pa.Table | None = None
    resolve_media: Callable[[str], str] | None = None
    identity: str | None = None
    column_files: tuple[tuple[str, str], ...] = ()

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    @classmethod
    def from_parquet(cls, path: str, label: str | None = None, *, resolve_media: Callable[[str], str] | None = None,
                     identity: str | None = None, column_files: tuple[tuple[str, str], ...] = ()) -> ScanSource:
        """A Parquet file (with the column files of an edited version); its footer is read once per version of
        the file (a changed file is read again)."""
        try:
            st = os.stat(path)
            columns, num_rows = _footer(os.path.abspath(path), st.st_ino, st.st_size, st.st_mtime_ns)
            ident = identity or f"file:{os.path.abspath(path)}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
            for name, file in column_files:
                if name not in {c.name for c in columns}:
                    raise ValueError(f"a column file replaces {name!r}, which the table does not have")
                cst = os.stat(file)
                ident += f"|{name}={os.path.abspath(file)}:{cst.st_ino}:{cst.st_size}:{cst.st_mtime_ns}"
        except (OSError, ValueError) as exc:
            raise FilterError(f"Cannot read the Parquet file {path!r}: {exc}", control="source") from None
        return cls(label or os.path.basename(path), columns, num_rows, parquet=path, resolve_media=resolve_media,
                   identity=ident, column_files=tuple(column_files))

    @classmethod
    def from_arrow(cls, table: pa.Table, label: str = "Arrow table", *,
                   resolve_media: Callable[[str], str] | None = None) -> ScanSource:
        """An in-memory Arrow table (kinds from its `tablelens` metadata when it has some); `resolve_media` finds
        the files its image cells name."""
        return cls(label, columns_of(table.schema), table.num_rows, arrow=table, resolve_media=resolve_media)


@functools.lru_cache(maxsize=256)
def _footer(path: str, inode: int, size: int, mtime_ns: int) -> tuple[tuple[ColumnInfo, ...], int]:
    """The columns and row count of a Parquet file, keyed by what changes when the file does."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as pf:
        schema = pf.schema_arrow
        return columns_of(schema, read_meta(schema, path)), pf.metadata.num_rows


@dataclass(frozen=True, eq=False)
class JoinedScan:
    """Two sources matched on a key column (a JoinedTable)."""

    left: ScanSource
    right: ScanSource
    key: str | tuple[str, str]
    label: str = "JoinedTable"


Scan = ScanSource | JoinedScan
