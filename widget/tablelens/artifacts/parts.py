"""Versions made against the latest one: appended rows (tables that grow) and incremental artifacts.

An append never rewrites a table. The new version keeps every file of the version it follows (the same objects)
and changes only the table appended to: its parts are the old parts plus one Parquet part holding the new rows,
listed with their row counts and the table's schema in `NAME.table.parts.json` (docs/storage.md, "Tables that
grow"). What "the version it follows" is gets decided when the version slot is claimed (`Store.log(on_base=)`):
when another writer publishes first, the new part is written again against the winner, so appends made at once
each get a version and the latest holds every row of all of them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .._core.errors import CorruptFileError
from .._core.hashing import sha256_file
from .._core.paths import check_logical_path
from ..codec import (
    columns_descriptor,
    conform,
    open_parquet,
    parse_descriptor,
    parse_parts,
    parts_descriptor,
    write_parquet,
)
from .staging import checked_bytes

if TYPE_CHECKING:
    from .store import Store

__all__ = ["COLUMNS", "PARTS", "PARTS_DIR", "TABLE", "follow", "table_parts"]

TABLE = ".table.parquet"
PARTS = ".table.parts.json"
PARTS_DIR = ".table.parts"
COLUMNS = ".table.columns.json"


def table_parts(store: Store, manifest: Mapping[str, Any], name: str) -> tuple[list[tuple[str, int]], pa.Schema]:
    """The (logical path, rows) of each part of table `name` in a logged version, and the table's schema.

    A table that never grew is its one file: its footer is read from the checked object (hashed once per process
    in a folder store, once per object version in place on object storage)."""
    contents = manifest["contents"]
    label = f"{manifest['name']}:{manifest['version']}"
    if name + PARTS in contents:
        entry = store.entry(name + PARTS, contents[name + PARTS])
        try:
            data = json.loads(checked_bytes(entry, label))
        except ValueError as e:
            raise CorruptFileError(f"{name + PARTS!r} of {label} is not valid JSON ({e})") from None
        parts, schema = parse_parts(data, f"{label}/{name + PARTS}")
        for p, _ in parts:
            check_logical_path(p, f"{name + PARTS}: part")
            if p not in contents:
                raise CorruptFileError(f"{name + PARTS!r} of {label} names the part {p!r}, which the version lacks")
        return parts, schema
    path, fs = store.object_store.scan(contents[name + TABLE]["digest"])
    with open_parquet(path, fs) as pf:
        return [(name + TABLE, pf.metadata.num_rows)], pf.schema_arrow


def _store_file(store: Store, tmp: str) -> tuple[dict[str, Any], int]:
    """Store a file this process wrote (hashed now) as an object; (its manifest entry, bytes written)."""
    digest = sha256_file(tmp)
    size = os.path.getsize(tmp)
    written = store.put_object(tmp, digest, move=True)
    return {"digest": digest, "size": size}, written


def _tmp(store: Store, suffix: str) -> str:
    return os.path.join(store.tmp_dir, f"{suffix}-{uuid.uuid4().hex}.parquet")


def _append(store: Store, base: Mapping[str, Any] | None, name: str, rows: pa.Table,
            ) -> tuple[dict[str, dict[str, Any]], int]:
    """The files of table `name` once `rows` are appended to it in `base` (a first part when `base` lacks it)."""
    contents = base["contents"] if base is not None else {}
    written = 0
    out: dict[str, dict[str, Any]] = {}
    tmp = _tmp(store, "part")
    try:
        if name + TABLE not in contents:  # the table's first rows: a table like any other
            write_parquet(rows, tmp)
            out[name + TABLE], written = _store_file(store, tmp)
            return out, written
        assert base is not None
        label = f"table {name!r} of {base['name']}:{base['version']}"
        parts, schema = table_parts(store, base, name)
        new = conform(rows, schema, label)
        if new.num_rows == 0:
            return {}, 0
        part = f"{name}{PARTS_DIR}/{len(parts):05d}.parquet"
        write_parquet(new, tmp)
        out[part], written = _store_file(store, tmp)
        parts = [*parts, (part, new.num_rows)]
        descriptor = parts_descriptor(parts, new.schema)
        total = sum(n for _, n in parts)
        written += _put_bytes(store, out, name + PARTS, descriptor)
        if name + COLUMNS in contents:  # an edited table: its column files grow with it
            written += _extend_columns(store, base, name, new, total, out)
        return out, written
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _put_bytes(store: Store, out: dict[str, dict[str, Any]], path: str, data: bytes) -> int:
    tmp = _tmp(store, "json")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        out[path], n = _store_file(store, tmp)
        return n
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _extend_columns(store: Store, base: Mapping[str, Any], name: str, new: pa.Table, total: int,
                    out: dict[str, dict[str, Any]]) -> int:
    """Each column file of an edited table, followed by the new rows' values: column files always cover every
    row of the table (the cost is one streamed copy of each edited column, not of the table)."""
    label = f"{base['name']}:{base['version']}"
    contents = base["contents"]
    entry = store.entry(name + COLUMNS, contents[name + COLUMNS])
    columns = parse_descriptor(json.loads(checked_bytes(entry, label)), name + COLUMNS)
    written = 0
    grown = {}
    for column, path in sorted(columns.items()):
        if path not in contents or column not in new.column_names:
            raise CorruptFileError(f"{name + COLUMNS!r} of {label} names the column file {path!r} of {column!r}, "
                                   "which the version or the table lacks")
        src, fs = store.object_store.scan(contents[path]["digest"])
        tmp = _tmp(store, "column")
        try:
            field = new.schema.field(column)
            with open_parquet(src, fs) as pf, pq.ParquetWriter(tmp, pa.schema([field]), compression="zstd",
                                                               write_statistics=True) as writer:
                for g in range(pf.num_row_groups):
                    col = pf.read_row_group(g).column(0)
                    writer.write_table(pa.Table.from_arrays([col.cast(field.type)], schema=pa.schema([field])))
                writer.write_table(pa.Table.from_arrays([new.column(column)], schema=pa.schema([field])))
            entry_json, n = _store_file(store, tmp)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        written += n
        grown_path = f"{name}.table.columns/{entry_json['digest'][:20]}.parquet"
        out[grown_path] = entry_json
        grown[column] = grown_path
    written += _put_bytes(store, out, name + COLUMNS, columns_descriptor(grown, total))
    return written


def follow(appends: Mapping[str, pa.Table], carry: bool) -> Any:
    """The `on_base` of `Store.log` for an artifact with appended tables (`appends`: table name -> new rows, media
    already staged) or an incremental one (`carry`: every file of the latest version is kept unless replaced).

    Appending carries the latest version's files too: the old rows' images, class sets and other tables stay
    in the version the rows are appended to."""

    def on_base(store: Store, base: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any], int]:
        carried: dict[str, Any] = {}
        if base is not None and (carry or appends):
            carried = dict(base["contents"])
        updates: dict[str, Any] = {}
        written = 0
        for name, rows in appends.items():
            files, n = _append(store, base, name, rows)
            written += n
            if files and base is not None and name + COLUMNS in base["contents"]:
                for p in [p for p in carried if p.startswith(f"{name}.table.columns/")]:
                    del carried[p]  # superseded by the grown column files
            updates.update(files)
        return carried, updates, written

    return on_base
