"""Cell kinds: what a Python cell is, what an Arrow column holds, and the `tablelens` schema metadata.

Every stored column has a `kind` (docs/storage.md) recorded in the schema metadata under the key `tablelens`,
so readers know image columns, ndarray dtypes and variant columns without reading a row.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pyarrow as pa

from .._core.errors import CorruptFileError
from ..media import FILE_MEDIA
from ..media.image import Image

__all__ = [
    "ARROW_MAX_DEPTH",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "META_KEY",
    "VARIANT_FIELDS",
    "cell_kind",
    "check_cell",
    "kind_of_arrow_type",
    "plain_nested",
    "read_meta",
    "to_datetime",
    "type_depth",
    "with_meta",
]

META_KEY = b"tablelens"
FORMAT_VERSION = 1
#: the fields of a variant struct (a `mixed` column's cells); see codec/variant.py
VARIANT_FIELDS = frozenset({"type", "bool", "int", "float", "str", "datetime", "json"})
#: lists and dicts nested deeper than this are refused (naming the column and row): nothing logged may be
#: unreadable, and every reader (Python's JSON, the engine, the Explorer) handles this depth
MAX_DEPTH = 100
#: nested cells whose Arrow type is deeper than this are stored as JSON text (kind `json`): Parquet readers refuse
#: schemas more than 100 nodes deep, and a list level takes two nodes (pyarrow cannot read lists 50 deep)
ARROW_MAX_DEPTH = 32


_FILE_KINDS = {cls: kind for kind, cls in FILE_MEDIA.items()}


def cell_kind(v: Any) -> str | None:
    """The storage kind of one Python cell (None for None, "?" for a type that cannot be stored)."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, (dt.datetime, dt.date, np.datetime64)):
        return "datetime"
    if isinstance(v, Image):
        return "image"
    kind = _FILE_KINDS.get(type(v))
    if kind is not None:
        return kind
    if isinstance(v, np.ndarray):
        return "ndarray"
    if isinstance(v, (list, tuple, dict)):
        return "nested"
    return "?"


def check_cell(column: str, row: int, v: Any) -> None:
    """Raise TypeError naming the column and row when a cell cannot be stored."""
    kind = cell_kind(v)
    if kind == "?":
        raise TypeError(
            f"column {column!r}, row {row}: cells of type {type(v).__name__} are not supported; use None, bool, "
            "int, float, str, list, dict, datetime, a numpy array or a media cell (tl.Image, tl.Audio, tl.Video, "
            "tl.Html, tl.Object3D, tl.Plotly, tl.Molecule)"
        )
    if kind == "nested":
        try:
            plain_nested(v)
        except TypeError as e:
            raise TypeError(f"column {column!r}, row {row}: {e}") from None
    elif kind == "ndarray" and v.ndim > ARROW_MAX_DEPTH:
        raise TypeError(f"column {column!r}, row {row}: numpy arrays of more than {ARROW_MAX_DEPTH} dimensions are "
                        f"not supported (this one has {v.ndim}); reshape it")


def to_datetime(v: Any) -> dt.datetime:
    """A datetime, date or numpy datetime64 as a `datetime.datetime` (dates at midnight)."""
    if isinstance(v, np.datetime64):
        import pandas as pd

        return pd.Timestamp(v).to_pydatetime()
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime(v.year, v.month, v.day)


def plain_nested(v: Any, _depth: int = 0) -> Any:
    """A nested value with numpy scalars, arrays and tuples turned into their Python equivalents.

    TypeError when lists and dicts nest deeper than MAX_DEPTH (checked before Python's recursion limit is near).
    """
    if isinstance(v, (dict, list, tuple, np.ndarray)) and _depth >= MAX_DEPTH:
        raise TypeError(f"the value nests lists or dicts more than {MAX_DEPTH} levels deep, which tablelens does "
                        "not store; flatten it, or store it as a JSON string yourself")
    if isinstance(v, dict):
        return {k: plain_nested(x, _depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain_nested(x, _depth + 1) for x in v]
    if isinstance(v, np.ndarray):
        return [plain_nested(x, _depth + 1) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Image) or type(v) in _FILE_KINDS:
        raise TypeError(f"{type(v).__name__} cells inside lists or dicts are not supported; put each one in its own "
                        "column")
    return v


def type_depth(t: pa.DataType) -> int:
    """How many list and struct levels an Arrow type nests."""
    if pa.types.is_struct(t):
        return 1 + max((type_depth(t.field(i).type) for i in range(t.num_fields)), default=0)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return 1 + type_depth(t.value_type)
    return 0


def kind_of_arrow_type(typ: pa.DataType) -> str:
    """The storage kind of an Arrow type, for tables written without tablelens metadata."""
    if pa.types.is_boolean(typ):
        return "bool"
    if pa.types.is_integer(typ):
        return "int"
    if pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return "float"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "str"
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        return "datetime"
    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ):
        return "list"
    if pa.types.is_struct(typ):
        names = {typ.field(i).name for i in range(typ.num_fields)}
        if names == VARIANT_FIELDS:
            return "mixed"
        if {"path", "width", "height"} <= names and ({"digest", "boxes"} & names):
            return "image"
        return "dict"
    if pa.types.is_null(typ):
        return "null"
    return "unknown"


def with_meta(table: pa.Table, metas: list[dict[str, Any]]) -> pa.Table:
    """`table` with the `tablelens` metadata listing each column's kind (and kind-specific facts)."""
    meta = {"format": FORMAT_VERSION, "columns": metas}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()})


def read_meta(schema: pa.Schema, where: str = "table") -> dict[str, Any]:
    """The `tablelens` metadata of a schema; tables without it get kinds inferred from Arrow types."""
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        columns = [{"name": f.name, "kind": kind_of_arrow_type(f.type)} for f in schema]
        return {"format": FORMAT_VERSION, "columns": columns}
    try:
        meta = json.loads(raw)
    except ValueError as e:
        raise CorruptFileError(f"{where}: the tablelens metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION or not isinstance(meta.get("columns"), list):
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise CorruptFileError(f"{where}: unknown tablelens table format {found!r}")
    names = [c.get("name") if isinstance(c, dict) else None for c in meta["columns"]]
    if names != schema.names:
        raise CorruptFileError(f"{where}: metadata lists columns {names} but the file has {schema.names}")
    return meta
