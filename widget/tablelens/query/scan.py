"""What the engine scans: a small public protocol between whoever finds a table and the engine that reads it.

The engine never imports the store or the data model. The layer above it (`tablelens.sources`) turns artifact
specs, Tables, DataFrames and the like into a `ScanSource` (one table) or a `JoinedScan` (two on a key), and the
engine reads exactly what those say: a Parquet file or an in-memory Arrow table, the storage kind of each column
(docs/storage.md) and how to find the media files its cells name.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from .._core.errors import FilterError
from ..codec import kind_of_arrow_type, open_parquet, read_meta

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
    """One table as the engine reads it: Parquet files or an Arrow table, never Python rows.

    `identity` is a key for the engine's caches (registered scans, per-column facts): two sources with the same
    identity hold the same rows. `resolve_media` maps a media path found in a cell to a local file.
    A table that grew by appending is a list of Parquet `parts` (the table is their concatenation, in order;
    `parquet` is the first); `part_rows` are their row counts, so a row's position is global across parts.
    `column_files` are (column name, Parquet file) pairs of an edited version: each file holds that column's
    values for every row of the table (all parts), in place of the table's own (codec/overrides.py).
    `filesystem` is the fsspec filesystem the paths are read through when they are not local files (a store on
    object storage): its `protocol` prefixes them, and the engine registers it with DuckDB.
    """

    label: str
    columns: tuple[ColumnInfo, ...]
    num_rows: int | None
    parquet: str | None = None
    arrow: pa.Table | None = None
    resolve_media: Callable[[str], str] | None = None
    identity: str | None = None
    column_files: tuple[tuple[str, str], ...] = ()
    parts: tuple[str, ...] = ()
    part_rows: tuple[int, ...] = ()
    filesystem: Any = None

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def files(self) -> tuple[str, ...]:
        """Every Parquet file of the table, in row order (one for a table that never grew)."""
        if self.parts:
            return self.parts
        return (self.parquet,) if self.parquet is not None else ()

    @classmethod
    def from_parquet(cls, path: str | Sequence[str], label: str | None = None, *,
                     resolve_media: Callable[[str], str] | None = None, identity: str | None = None,
                     column_files: tuple[tuple[str, str], ...] = (), filesystem: Any = None,
                     part_rows: Sequence[int] | None = None, schema: pa.Schema | None = None) -> ScanSource:
        """A Parquet file, or the parts of a table in order (with the column files of an edited version).

        Footers are read once per version of a local file (a changed file is read again); `part_rows` and
        `schema`, when the caller knows them (a table's parts descriptor), spare reading every part's footer.
        `filesystem` reads paths that are not local files (see the class docstring).
        """
        paths = [path] if isinstance(path, str) else list(path)
        if not paths:
            raise FilterError("A table needs at least one Parquet file", control="source")
        try:
            if filesystem is None:
                stats = [(os.path.abspath(p), os.stat(p)) for p in paths]
                footers = [_footer(p, st.st_ino, st.st_size, st.st_mtime_ns) for p, st in stats] \
                    if part_rows is None or schema is None else None
                ident = identity or "file:" + "+".join(f"{p}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
                                                        for p, st in stats)
            else:
                footers = [_remote_footer(filesystem, p) for p in paths] if part_rows is None or schema is None \
                    else None
                ident = identity or f"{filesystem.protocol}:" + "+".join(paths)
            if footers is not None:
                columns = footers[-1][0]  # appended parts carry the table's column metadata (docs/storage.md)
                rows = [n for _, n in footers]
            else:
                assert schema is not None and part_rows is not None
                columns = columns_of(schema)
                rows = list(part_rows)
            if schema is not None:
                columns = columns_of(schema)
            names = {c.name for c in columns}
            for name, file in column_files:
                if name not in names:
                    raise ValueError(f"a column file replaces {name!r}, which the table does not have")
                if filesystem is None:
                    cst = os.stat(file)
                    ident += f"|{name}={os.path.abspath(file)}:{cst.st_ino}:{cst.st_size}:{cst.st_mtime_ns}"
                else:
                    ident += f"|{name}={file}"
        except (OSError, ValueError) as exc:
            raise FilterError(f"Cannot read the Parquet file {paths[0]!r}: {exc}", control="source") from None
        default = os.path.basename(paths[0]) if filesystem is None else paths[0].rsplit("/", 1)[-1]
        return cls(label or default, columns, sum(rows), parquet=paths[0], resolve_media=resolve_media,
                   identity=ident, column_files=tuple(column_files),
                   parts=tuple(paths) if len(paths) > 1 else (), part_rows=tuple(rows) if len(paths) > 1 else (),
                   filesystem=filesystem)

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


@functools.lru_cache(maxsize=1024)
def _remote_footer(filesystem: Any, path: str) -> tuple[tuple[ColumnInfo, ...], int]:
    """The columns and row count of a Parquet file read through `filesystem` (the footer only: a range read).
    Keyed by path: a store's objects are named by their content, so the same path is the same bytes."""
    with open_parquet(path, filesystem) as pf:  # a local path (a cached part) is opened as a file
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
