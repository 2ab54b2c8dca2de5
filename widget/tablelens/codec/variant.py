"""Variant cells: the one encoding of a column whose cells have different types (kind `mixed`).

A variant cell is a struct `{type, bool, int, float, str, datetime, json}`: `type` is the MongoDB type name of
the value (`null`, `bool`, `int`, `double`, `string`, `date`, `array`, `object`) and exactly the field of that
type holds it. Arrays and objects are JSON text; a numpy array is `{"$ndarray": [...], "dtype": "..."}` in JSON;
datetimes are stored in UTC and a naive datetime is marked `json = "naive"`, so it reads back naive.

The store, the query engine (which builds variant structs for values whose type is known only per row) and the
Explorer all decode variants with `decode_variant`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pyarrow as pa

from .kinds import cell_kind, plain_nested, to_datetime

__all__ = ["FIELD_OF_TAG", "VARIANT_TYPE", "decode_variant", "encode_variant", "json_dumps"]

VARIANT_TYPE = pa.struct([
    ("type", pa.string()), ("bool", pa.bool_()), ("int", pa.int64()), ("float", pa.float64()),
    ("str", pa.string()), ("datetime", pa.timestamp("us", tz="UTC")), ("json", pa.string()),
])
#: the struct field that holds the value of each type tag
FIELD_OF_TAG = {"bool": "bool", "int": "int", "long": "int", "double": "float", "string": "str", "date": "datetime",
                "array": "json", "object": "json"}
_NAIVE = "naive"


class _JSONEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, (dt.datetime, dt.date)):
            return {"$date": o.isoformat()}
        if isinstance(o, np.generic):
            return o.item()
        return super().default(o)


def json_dumps(v: Any) -> str:
    """Compact JSON of a nested value (NaN kept as the `NaN` token, datetimes as `{"$date": iso}`)."""
    return json.dumps(v, cls=_JSONEncoder, allow_nan=True, separators=(",", ":"))


def _variant_cell(v: Any) -> dict[str, Any]:
    k = cell_kind(v)
    if k is None:
        return {"type": "null"}
    if k == "bool":
        return {"type": "bool", "bool": bool(v)}
    if k == "int":
        return {"type": "int", "int": int(v)}
    if k == "float":
        return {"type": "double", "float": float(v)}
    if k == "str":
        return {"type": "string", "str": v}
    if k == "datetime":
        d = to_datetime(v)
        naive = d.tzinfo is None
        d = d.replace(tzinfo=dt.timezone.utc) if naive else d.astimezone(dt.timezone.utc)
        return {"type": "date", "datetime": d, "json": _NAIVE if naive else None}
    if k == "ndarray":
        return {"type": "array", "json": json_dumps({"$ndarray": v.tolist(), "dtype": str(v.dtype)})}
    p = plain_nested(v)
    return {"type": "array" if isinstance(p, list) else "object", "json": json_dumps(p)}


def encode_variant(name: str, values: list[Any]) -> pa.Array:
    """The variant structs of a column's cells; TypeError names the column when a cell cannot be stored."""
    cells = []
    for i, v in enumerate(values):
        try:
            cells.append(_variant_cell(v))
        except TypeError as e:  # nested too deep, or an image inside a list
            raise TypeError(f"column {name!r}, row {i}: {e}") from None
    try:
        return pa.array(cells, VARIANT_TYPE)
    except (pa.ArrowInvalid, OverflowError) as e:
        raise TypeError(f"column {name!r}: cannot store its mixed cells: {e}") from None


def decode_variant(v: Any) -> Any:
    """The Python value of a variant struct (as Arrow's `to_pylist` gives it), exactly as it was logged."""
    if not isinstance(v, dict):
        return v
    tag = v.get("type")
    if tag in (None, "null"):
        return None
    field = FIELD_OF_TAG.get(str(tag))
    if field is None:
        return None
    if field == "datetime":
        d = v.get("datetime")
        if isinstance(d, dt.datetime) and v.get("json") == _NAIVE and d.tzinfo is not None:
            return d.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return d
    if field != "json":
        return v.get(field)
    text = v.get("json")
    if text is None:
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    if isinstance(obj, dict) and len(obj) == 2 and "$ndarray" in obj and "dtype" in obj:
        return np.array(obj["$ndarray"], dtype=obj["dtype"])
    return obj
