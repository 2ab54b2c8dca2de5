"""Python cells -> Arrow columns with `tablelens` metadata (the inverse is codec/decode.py).

The kind of a column is inferred from its cells: one scalar kind gives a plain Arrow column, lists and dicts a
nested Arrow type (or JSON text when Arrow cannot type them exactly), numpy arrays a list column with their
dtype in the metadata, several kinds a variant column (codec/variant.py), images a struct (codec/images.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .images import MediaSink, encode_images
from .kinds import ARROW_MAX_DEPTH, cell_kind, check_cell, plain_nested, to_datetime, type_depth, with_meta
from .media import MEDIA_KINDS, encode_media
from .variant import encode_variant, json_dumps

__all__ = ["TEXT_CHARS", "Encoded", "encode_columns", "encode_dataframe", "encode_values"]


@dataclass
class Encoded:
    """One encoded column: its Arrow array and its metadata entry (without the name)."""

    array: pa.Array
    meta: dict[str, Any] = field(default_factory=dict)


def encode_columns(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], sink: MediaSink | None, *, workers: int | None = None
) -> pa.Table:
    """Encode row-major Python cells as an Arrow table with `tablelens` metadata; media go to `sink`."""
    arrays = []
    metas = []
    for j, name in enumerate(columns):
        enc = encode_values(name, [r[j] for r in rows], sink, workers=workers)
        arrays.append(enc.array)
        metas.append({"name": name, **enc.meta})
    return with_meta(pa.Table.from_arrays(arrays, names=list(columns)), metas)


def encode_dataframe(df: Any, sink: MediaSink | None, *, workers: int | None = None) -> pa.Table:
    """Encode a pandas DataFrame; typed columns go straight to Arrow, object columns cell by cell."""
    import pandas as pd

    arrays = []
    metas = []
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique, got {names}")
    for name, col in zip(names, df.columns):
        series = df[col]
        enc = None
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            series = series.astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            enc = Encoded(pa.array(series, type=pa.bool_(), from_pandas=True), {"kind": "bool"})
        elif pd.api.types.is_integer_dtype(dtype):
            enc = Encoded(pa.array(series, type=pa.int64(), from_pandas=True), {"kind": "int"})
        elif pd.api.types.is_float_dtype(dtype):
            # from_pandas=False keeps NaN as NaN instead of turning it into null
            enc = Encoded(pa.array(series.to_numpy(dtype="float64", na_value=np.nan), type=pa.float64()),
                          {"kind": "float"})
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            arr = pa.array(series, from_pandas=True)
            unit_type = pa.timestamp("us", tz=getattr(arr.type, "tz", None))
            enc = Encoded(arr.cast(unit_type), {"kind": "datetime"})
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            enc = _encode_str(pa.array(series, type=pa.string(), from_pandas=True))
        if enc is None:
            values = series.tolist()
            if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
                values = [None if _is_pandas_missing(v) else v for v in values]
            enc = encode_values(name, values, sink, workers=workers)
        arrays.append(enc.array)
        metas.append({"name": name, **enc.meta})
    return with_meta(pa.Table.from_arrays(arrays, names=names), metas)


def _is_pandas_missing(v: Any) -> bool:
    if v is None:
        return True
    import pandas as pd

    return v is pd.NA or v is pd.NaT


def encode_values(name: str, values: list[Any], sink: MediaSink | None, *, workers: int | None = None) -> Encoded:
    """Encode one column's cells; the kind is inferred from the cells."""
    kinds: set[str] = set()
    for i, v in enumerate(values):
        k = cell_kind(v)
        if k == "?" or k == "ndarray":
            check_cell(name, i, v)
        if k is not None:
            kinds.add(k)
    if kinds == {"int", "float"}:
        kinds = {"float"}
    if not kinds:
        return Encoded(pa.nulls(len(values)), {"kind": "null"})
    if len(kinds) > 1:
        first = next((v for v in values if cell_kind(v) == "image" or cell_kind(v) in MEDIA_KINDS), None)
        if first is not None:  # the first media cell of the column says what the column holds
            row = next(i for i, v in enumerate(values) if v is not None and type(v) is not type(first))
            raise TypeError(
                f"column {name!r}, row {row}: a column of {type(first).__name__} cells can hold only those and None; "
                f"found {type(values[row]).__name__}"
            )
        return Encoded(encode_variant(name, values), {"kind": "mixed"})
    kind = kinds.pop()
    try:
        if kind == "bool":
            return Encoded(pa.array([None if v is None else bool(v) for v in values], pa.bool_()), {"kind": "bool"})
        if kind == "int":
            return Encoded(pa.array([None if v is None else int(v) for v in values], pa.int64()), {"kind": "int"})
        if kind == "float":
            return Encoded(pa.array([None if v is None else float(v) for v in values], pa.float64()),
                           {"kind": "float"})
        if kind == "str":
            return _encode_str(pa.array(values, pa.string()))
        if kind == "datetime":
            conv = [None if v is None else to_datetime(v) for v in values]
            if len({d.tzinfo is None for d in conv if d is not None}) > 1:
                # naive and zoned times in one column: one Arrow type would lose which were naive
                return Encoded(encode_variant(name, values), {"kind": "mixed"})
            arr = pa.array(conv)
            return Encoded(arr.cast(pa.timestamp("us", tz=arr.type.tz)), {"kind": "datetime"})
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
        raise TypeError(f"column {name!r}: cannot store its {kind} cells: {e}") from None
    if kind == "nested":
        return _encode_nested(name, values)
    if kind == "ndarray":
        return _encode_ndarray(name, values)
    if kind == "image":
        if sink is None:
            raise TypeError(f"column {name!r} holds images; add the table to an artifact to store them")
        array, meta = encode_images(values, sink, workers=workers)
        return Encoded(array, meta)
    if kind in MEDIA_KINDS:
        if sink is None:
            raise TypeError(f"column {name!r} holds images or other media files ({kind}); add the table to an "
                            "artifact to store them")
        array, meta = encode_media(kind, values, sink, workers=workers)
        return Encoded(array, meta)
    raise AssertionError(kind)  # pragma: no cover


#: a str column with a cell longer than this many characters is long text (docs/storage.md)
TEXT_CHARS = 200


def _encode_str(arr: pa.Array) -> Encoded:
    """A str column; `"text": true` in its metadata when it holds long text (grouped: a histogram of lengths)."""
    import pyarrow.compute as pc

    longest = pc.max(pc.utf8_length(arr)).as_py() if len(arr) else None
    return Encoded(arr, {"kind": "str", "text": True} if longest is not None and longest > TEXT_CHARS else
                   {"kind": "str"})


def _has_empty_struct(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return t.num_fields == 0 or any(_has_empty_struct(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_empty_struct(t.value_type)
    return False


def _encode_nested(name: str, values: list[Any]) -> Encoded:
    plain = []
    for i, v in enumerate(values):
        try:
            plain.append(None if v is None else plain_nested(v))
        except TypeError as e:
            raise TypeError(f"column {name!r}, row {i}: {e}") from None
    try:
        arr = pa.array(plain)
        # too deep for Parquet readers, or not typed exactly: JSON text below
        if type_depth(arr.type) <= ARROW_MAX_DEPTH and not _has_empty_struct(arr.type) and arr.to_pylist() == plain:
            kind = "dict" if pa.types.is_struct(arr.type) else "list"
            return Encoded(arr, {"kind": kind})
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    # Arrow cannot type these cells exactly (keys differ, element types mix): keep them as JSON text.
    kind = "dict" if all(isinstance(v, dict) for v in plain if v is not None) else "list"
    return Encoded(pa.array([None if v is None else json_dumps(v) for v in plain], pa.string()),
                   {"kind": "json", "nested": kind})


def _encode_ndarray(name: str, values: list[Any]) -> Encoded:
    arrays = [v for v in values if v is not None]
    dtype = np.result_type(*arrays) if arrays else np.dtype("float64")
    if dtype.kind not in "biufU":
        raise TypeError(f"column {name!r}: numpy arrays of dtype {dtype} are not supported; use numbers or strings")
    ndims = {a.ndim for a in arrays}
    if len(ndims) != 1 or 0 in ndims:
        raise TypeError(f"column {name!r}: numpy arrays in one column must have the same number of dimensions (>=1)")
    ndim = ndims.pop()
    if ndim == 1 and dtype.kind != "U":
        # fast path: flat values and offsets, no Python lists
        lengths = np.array([0 if v is None else len(v) for v in values], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        flat = np.concatenate([a.astype(dtype) for a in arrays]) if arrays else np.array([], dtype=dtype)
        mask = pa.array([v is None for v in values])
        arr = pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat), mask=mask)
    else:
        arr = pa.array([None if v is None else v.astype(dtype).tolist() for v in values])
    return Encoded(arr, {"kind": "ndarray", "dtype": str(dtype), "ndim": ndim})
