"""Tables of several Parquet parts: a table that grew by appending is the concatenation of its parts, in order.

A version of such a table keeps every part of the version it grew from (the same objects) and adds a part with
the new rows, plus a small descriptor listing the parts with their row counts and the table's schema
(docs/storage.md, "Tables that grow"). New rows are conformed to the table's schema before they are written:
a column that is all null in the new rows, an int column where the table has floats, a struct (an image) without
a box layer or a field the table has, are filled in; a new column, a missing one or another type is refused
(`AppendError`, naming the column and both types). Reading concatenates the parts, with the column files of an
edited table (which cover every row of every part) put in place.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .._core.errors import AppendError, CorruptFileError
from .kinds import META_KEY, read_meta
from .overrides import apply_columns
from .variant import VARIANT_TYPE, encode_variant, json_dumps

__all__ = ["PARTS_FORMAT", "conform", "merge_meta", "open_parquet", "parse_parts", "parts_descriptor",
           "read_parts", "schema_of"]

PARTS_FORMAT = 1


def parts_descriptor(parts: Sequence[tuple[str, int]], schema: pa.Schema) -> bytes:
    """The descriptor of a table's parts: `{"format", "rows", "parts": [{"path", "rows"}], "schema"}` (the Arrow
    schema with its `tablelens` metadata, as base64 IPC)."""
    return json.dumps({"format": PARTS_FORMAT, "rows": sum(n for _, n in parts),
                       "parts": [{"path": p, "rows": n} for p, n in parts],
                       "schema": base64.b64encode(schema.serialize().to_pybytes()).decode()},
                      sort_keys=True, separators=(",", ":")).encode()


def parse_parts(data: Any, where: str) -> tuple[list[tuple[str, int]], pa.Schema]:
    """The (logical path, rows) of each part and the table's schema, from a descriptor (checked)."""
    if not isinstance(data, Mapping) or data.get("format") != PARTS_FORMAT or not isinstance(data.get("parts"), list):
        raise CorruptFileError(f"{where!r} is not a parts descriptor (format {PARTS_FORMAT} with 'parts')")
    parts = []
    for p in data["parts"]:
        if not isinstance(p, Mapping) or not isinstance(p.get("path"), str) or not isinstance(p.get("rows"), int) \
                or p["rows"] < 0:
            raise CorruptFileError(f"{where!r}: part {p!r} has no path or row count")
        parts.append((p["path"], p["rows"]))
    if not parts or data.get("rows") != sum(n for _, n in parts):
        raise CorruptFileError(f"{where!r}: its row count {data.get('rows')!r} is not the sum of its parts'")
    try:
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
    except (KeyError, TypeError, ValueError, pa.ArrowInvalid) as e:
        raise CorruptFileError(f"{where!r}: its schema cannot be read ({e})") from None
    read_meta(schema, where)
    return parts, schema


def open_parquet(path: str, filesystem: Any = None) -> pq.ParquetFile:
    """A Parquet file: local, or read through an fsspec filesystem when the path has its protocol (range reads:
    the footer, then what is read)."""
    if filesystem is None or not path.startswith(f"{filesystem.protocol}://"):
        return pq.ParquetFile(path)
    return pq.ParquetFile(filesystem.open(path, "rb"))


def schema_of(path: str, filesystem: Any = None) -> pa.Schema:
    with open_parquet(path, filesystem) as pf:
        return pf.schema_arrow


def read_parts(paths: Sequence[str], columns: Sequence[tuple[str, str]] = (), filesystem: Any = None,
               schema: pa.Schema | None = None, where: str = "table") -> tuple[pa.Table, dict[str, Any]]:
    """The table made of `paths` (in order), with its column files in place; returns (table, tablelens metadata).
    `schema` (a parts descriptor's) gives the metadata of the whole table."""
    tables = []
    for p in paths:
        try:
            with open_parquet(p, filesystem) as pf:
                tables.append(pf.read())
        except (OSError, pa.ArrowInvalid) as e:
            raise CorruptFileError(f"table file {where!r} is not a readable Parquet file: {e}") from None
    if schema is None:
        schema = tables[-1].schema
    try:
        table = pa.concat_tables([t.replace_schema_metadata(schema.metadata) for t in tables]) \
            if len(tables) > 1 else tables[0].replace_schema_metadata(schema.metadata)
    except pa.ArrowInvalid as e:
        raise CorruptFileError(f"{where}: its parts do not share one schema ({e})") from None
    if columns and filesystem is not None:
        table = _apply_remote(table, columns, filesystem, where)
    elif columns:
        table = apply_columns(table, columns, where)
    return table, read_meta(table.schema, where)


def _apply_remote(table: pa.Table, columns: Sequence[tuple[str, str]], filesystem: Any, where: str) -> pa.Table:
    """`apply_columns` for column files that may be read through `filesystem`."""
    for name, path in columns:
        with open_parquet(path, filesystem) as pf:
            col = pf.read().column(0)
        i = table.column_names.index(name)
        if len(col) != table.num_rows or col.type != table.schema.field(i).type:
            raise CorruptFileError(f"{where}: the column file of {name!r} has {len(col)} rows of {col.type}; the "
                                   f"table has {table.num_rows} rows of {table.schema.field(i).type}")
        table = table.set_column(i, table.schema.field(i), col)
    return table


# ------------------------------------------------------------------------------------------- new rows
def conform(new: pa.Table, schema: pa.Schema, where: str) -> pa.Table:
    """The new rows with the table's schema (same columns, same types), or AppendError naming what differs."""
    names, have = schema.names, new.column_names
    extra = [c for c in have if c not in names]
    missing = [c for c in names if c not in have]
    if extra or missing:
        parts = []
        if extra:
            parts.append(f"the new rows have column(s) {extra} that {where} does not have")
        if missing:
            parts.append(f"they lack column(s) {missing}")
        raise AppendError(f"cannot append to {where}: {'; '.join(parts)}. Appended rows need the table's columns "
                          f"{names}: rename or drop columns, or log a new table (a new artifact or table name)")
    new_meta = {c["name"]: c for c in read_meta(new.schema)["columns"]}
    table_meta = {c["name"]: c for c in read_meta(schema)["columns"]}
    arrays = []
    for field in schema:
        col = new.column(field.name).combine_chunks()
        try:
            arrays.append(_conform(col, field.type, table_meta[field.name]["kind"],
                                   new_meta[field.name]["kind"]))
        except _Mismatch as e:
            raise AppendError(f"cannot append to {where}: column {field.name!r} holds {new_meta[field.name]['kind']} "
                              f"cells of type {col.type} in the new rows, but {table_meta[field.name]['kind']} cells "
                              f"of type {field.type} in the table ({e}); convert the new values, or log a new "
                              "table") from None
    return pa.Table.from_arrays(arrays, schema=merge_meta(schema, new.schema))


class _Mismatch(Exception):
    pass


def _conform(arr: pa.Array, target: pa.DataType, kind: str, new_kind: str) -> pa.Array:
    if arr.type == target:
        return arr
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), target)
    if target == VARIANT_TYPE and kind == "mixed" and new_kind != "mixed":
        return encode_variant("column", arr.to_pylist())  # scalar cells of one kind become variants
    if kind == "json" and pa.types.is_string(target) and new_kind in ("list", "dict"):
        return pa.array([None if v is None else json_dumps(v) for v in arr.to_pylist()], pa.string())
    if pa.types.is_integer(arr.type) and pa.types.is_floating(target):
        return arr.cast(target)
    if pa.types.is_struct(arr.type) and pa.types.is_struct(target):
        names = [target.field(i).name for i in range(target.num_fields)]
        extra = [arr.type.field(i).name for i in range(arr.type.num_fields) if arr.type.field(i).name not in names]
        if extra:
            raise _Mismatch(f"fields {extra} are new")
        children = []
        for i in range(target.num_fields):
            f = target.field(i)
            idx = arr.type.get_field_index(f.name)
            child = arr.field(idx) if idx >= 0 else pa.nulls(len(arr), f.type)
            children.append(_conform(child, f.type, "", ""))
        return pa.StructArray.from_arrays(children, fields=list(target), mask=arr.is_null())
    if pa.types.is_list(arr.type) and pa.types.is_list(target):
        values = _conform(arr.flatten(), target.value_type, "", "")
        offsets = pc.subtract(arr.offsets, arr.offsets[0])  # a slice's offsets start where the slice does
        return pa.ListArray.from_arrays(offsets, values, type=target, mask=arr.is_null())
    raise _Mismatch(f"{arr.type} cannot become {target}")


def merge_meta(table: pa.Schema, new: pa.Schema) -> pa.Schema:
    """The table's schema, its `tablelens` column entries marked as long text where the new rows' are."""
    meta = read_meta(table)
    added = {c["name"]: c for c in read_meta(new)["columns"]}
    for c in meta["columns"]:
        if added.get(c["name"], {}).get("text") and c.get("kind") == "str":
            c["text"] = True
    return table.with_metadata({**(table.metadata or {}), META_KEY: json.dumps(meta).encode()})
