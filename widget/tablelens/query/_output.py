"""Arrow results to pandas frames whose cells are the Python values a user logged.

Nested values (images with boxes and masks, dicts, lists) become dicts and lists, mixed columns their scalar
values, JSON columns the parsed value, ndarray columns numpy arrays; null stays distinct from NaN.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pyarrow as pa

__all__ = ["decode_value", "to_pandas"]


def decode_value(v: Any, t: Any) -> Any:
    """A result cell as the Python value it stands for, given its static type (mixed parts decoded)."""
    from ._group import decode_variant

    if v is None:
        return None
    if t.kind == "mixed":
        return decode_variant(v)
    if t.kind == "array" and t.elem is not None:
        return [decode_value(x, t.elem) for x in v]
    if t.kind == "object" and isinstance(v, dict):
        return {k: decode_value(v.get(k), sub) for k, sub in t.fields}
    return v


def _decode_json(v: Any) -> Any:
    if v is None:
        return None
    try:
        return json.loads(v)
    except ValueError:
        return v


def _column(col: pa.ChunkedArray, kind: str | None, meta: dict[str, Any] | None) -> pd.Series | list[Any]:
    from ._group import decode_variant

    typ = col.type
    if kind == "mixed" and pa.types.is_struct(typ):
        return pd.Series([decode_variant(v) for v in col.to_pylist()], dtype=object)
    if kind == "json" and pa.types.is_string(typ):
        return pd.Series([_decode_json(v) for v in col.to_pylist()], dtype=object)
    if kind == "ndarray" and (pa.types.is_list(typ) or pa.types.is_large_list(typ)):
        import numpy as np

        dtype = (meta or {}).get("dtype")
        return pd.Series([None if v is None else np.asarray(v, dtype=dtype) for v in col.to_pylist()],
                         dtype=object)
    if pa.types.is_nested(typ) or pa.types.is_null(typ):
        return pd.Series(col.to_pylist(), dtype=object)
    if col.null_count and (pa.types.is_floating(typ) or pa.types.is_integer(typ) or pa.types.is_boolean(typ)):
        if pa.types.is_integer(typ):
            return pd.Series(pd.array(col.to_pylist(), dtype="Int64"))
        if pa.types.is_boolean(typ):
            return pd.Series(pd.array(col.to_pylist(), dtype="boolean"))
        return pd.Series(col.to_pylist(), dtype=object)  # keeps None (null) apart from NaN
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return pd.Series(col.to_pylist(), dtype=object)
    return col.to_pandas()


def to_pandas(tbl: pa.Table, kinds: dict[str, str], metas: dict[str, dict[str, Any]] | None = None) -> pd.DataFrame:
    """Convert a result table; `kinds` maps column name -> storage kind (docs/storage.md)."""
    metas = metas or {}
    series = [_column(c, kinds.get(n), metas.get(n)) for n, c in zip(tbl.column_names, tbl.columns)]
    df = pd.DataFrame({i: pd.Series(s).reset_index(drop=True) for i, s in enumerate(series)})
    if not series:
        df = pd.DataFrame(index=range(tbl.num_rows))
    df.columns = list(tbl.column_names)
    return df
