"""Arrow columns -> the Python cells a user logged (the inverse of codec/encode.py), and to pandas.

One decoder for every reader: `Table.data` and `Table.to_pandas()`, the query engine's results and the
Explorer's pages all turn stored values into cells here, so a cell reads back the same whichever way it is read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from .images import ClassesCache, MediaSource, image_from_record
from .media import MEDIA_KINDS, media_from_record
from .variant import decode_variant

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["column_to_pandas", "decode_cell", "decode_column", "table_to_pandas"]


def _loads(v: Any) -> Any:
    try:
        return json.loads(v)
    except ValueError:
        return v  # not JSON after all: the text as it is


def decode_cell(v: Any, meta: dict[str, Any] | None) -> Any:
    """One value as Arrow's `to_pylist` gives it -> the cell as logged (image cells stay structs here)."""
    if v is None:
        return None
    kind = (meta or {}).get("kind")
    if kind == "mixed":
        return decode_variant(v)
    if kind == "json" and isinstance(v, str):
        return _loads(v)
    if kind == "ndarray" and isinstance(v, list):
        try:
            return np.array(v, dtype=(meta or {}).get("dtype"))  # no dtype recorded: numpy infers it
        except (ValueError, TypeError):  # ragged nested lists (not written by tablelens): keep them as lists
            return v
    return v


def decode_column(arr: pa.Array | pa.ChunkedArray, meta: dict[str, Any], source: MediaSource | None) -> list[Any]:
    """A column's cells as Python values; image cells become `Image`s read lazily from `source`."""
    kind = meta.get("kind")
    if kind == "float":
        return [None if not valid else x for x, valid in zip(
            arr.to_numpy(zero_copy_only=False).tolist(), arr.is_valid().to_pylist())]
    if kind == "image":
        classes = ClassesCache(source)
        return [None if v is None else image_from_record(v, source, classes) for v in arr.to_pylist()]
    if kind in MEDIA_KINDS:
        return [None if v is None else media_from_record(kind, v, source) for v in arr.to_pylist()]
    if kind in ("mixed", "json", "ndarray"):
        return [decode_cell(v, meta) for v in arr.to_pylist()]
    return arr.to_pylist()


def column_to_pandas(col: pa.ChunkedArray | pa.Array, meta: dict[str, Any] | None,
                     source: MediaSource | None = None) -> pd.Series:
    """A column as a pandas Series of the logged cells.

    Columns without nulls keep their numpy dtype; with nulls, integers and booleans become pandas' nullable
    `Int64` / `boolean`, and floats an object Series so that null (None) stays apart from NaN. Image cells are
    `Image`s (and `Audio`, `Video`, ... for the other media) when `source` is given, else the stored structs.
    """
    import pandas as pd

    meta = meta or {}
    kind = meta.get("kind")
    typ = col.type
    if (kind == "image" or kind in MEDIA_KINDS) and source is not None:
        return pd.Series(decode_column(col, meta, source), dtype=object)
    if kind in ("mixed", "json", "ndarray"):
        return pd.Series([decode_cell(v, meta) for v in col.to_pylist()], dtype=object)
    if pa.types.is_nested(typ) or pa.types.is_null(typ) or pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return pd.Series(col.to_pylist(), dtype=object)
    if col.null_count:
        if pa.types.is_integer(typ):
            return pd.Series(pd.array(col.to_pylist(), dtype="Int64"))
        if pa.types.is_boolean(typ):
            return pd.Series(pd.array(col.to_pylist(), dtype="boolean"))
        if pa.types.is_floating(typ):
            return pd.Series(col.to_pylist(), dtype=object)  # keeps None (null) apart from NaN
    return col.to_pandas()


def table_to_pandas(tbl: pa.Table, metas: dict[str, dict[str, Any]], source: MediaSource | None = None,
                    ) -> pd.DataFrame:
    """A table as a DataFrame of the logged cells; `metas` maps a column name to its metadata entry."""
    import pandas as pd

    series = [column_to_pandas(c, metas.get(n), source) for n, c in zip(tbl.column_names, tbl.columns)]
    df = pd.DataFrame({i: pd.Series(s).reset_index(drop=True) for i, s in enumerate(series)})
    if not series:
        df = pd.DataFrame(index=range(tbl.num_rows))
    df.columns = list(tbl.column_names)
    return df
