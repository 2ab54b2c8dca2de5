"""Test data for the query-engine tests: a small table of every kind, written the way storage writes it."""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

VARIANT = pa.struct([("type", pa.string()), ("bool", pa.bool_()), ("int", pa.int64()), ("float", pa.float64()),
                     ("str", pa.string()), ("datetime", pa.timestamp("us")), ("json", pa.string())])
OBJ = pa.struct([("x", pa.int64()), ("y", pa.string())])

#: one Python dict per row; None is null. Chosen to hit nulls, NaN, infinities, empties and mixed types.
ROWS: list[dict[str, Any]] = [
    {"i": 1, "f": 0.5, "s": "a", "b": True, "m": 1, "l": [1, 2, 3], "o": {"x": 1, "y": "a"}},
    {"i": -2, "f": -1.25, "s": "B", "b": False, "m": 2.5, "l": [], "o": {"x": None, "y": "b"}},
    {"i": 0, "f": math.nan, "s": "", "b": None, "m": "x", "l": None, "o": None},
    {"i": None, "f": None, "s": None, "b": True, "m": None, "l": [None, 4], "o": {"x": 3, "y": None}},
    {"i": 5, "f": math.inf, "s": "ab", "b": False, "m": True, "l": [5], "o": {"x": -1, "y": "ab"}},
    {"i": 3, "f": -math.inf, "s": "héllo", "b": True, "m": -3, "l": [0, -1], "o": {"x": 0, "y": ""}},
    {"i": -1, "f": 2.0, "s": "B", "b": None, "m": 0.0, "l": [2, 2], "o": {"x": 2, "y": "B"}},
    {"i": 2, "f": 0.0, "s": "a b", "b": False, "m": "", "l": [3, None, 1], "o": None},
]

DATES = [_dt.datetime(2024, 1, 2, 3, 4, 5), _dt.datetime(2023, 12, 31), None,
         _dt.datetime(2024, 1, 2, 3, 4, 5, 250000), _dt.datetime(1970, 1, 1), _dt.datetime(2030, 6, 1, 12), None,
         _dt.datetime(2001, 2, 3)]
for _row, _date in zip(ROWS, DATES):
    _row["d"] = _date

TYPES = {"i": pa.int64(), "f": pa.float64(), "s": pa.string(), "b": pa.bool_(), "l": pa.list_(pa.int64()),
         "d": pa.timestamp("us"), "o": OBJ}


def variant(v: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"type": "null", "bool": None, "int": None, "float": None, "str": None,
                            "datetime": None, "json": None}
    if isinstance(v, bool):
        cell.update(type="bool", bool=v)
    elif isinstance(v, int):
        cell.update(type="int", int=v)
    elif isinstance(v, float):
        cell.update(type="double", float=v)
    elif isinstance(v, str):
        cell.update(type="string", str=v)
    elif isinstance(v, _dt.datetime):
        cell.update(type="date", datetime=v)
    elif isinstance(v, (list, dict)):
        cell.update(type="array" if isinstance(v, list) else "object", json=json.dumps(v))
    return cell


def arrow_table(rows: list[dict[str, Any]] = ROWS) -> pa.Table:
    """The rows as an Arrow table with tablelens metadata (the mixed column as a variant struct)."""
    cols = {name: pa.array([r[name] for r in rows], type=typ) for name, typ in TYPES.items()}
    cols["m"] = pa.array([variant(r["m"]) for r in rows], type=VARIANT)
    order = ["i", "f", "s", "b", "m", "l", "d", "o"]
    meta = {"format": 1, "columns": [
        {"name": n, "kind": {"i": "int", "f": "float", "s": "str", "b": "bool", "m": "mixed", "l": "list",
                             "d": "datetime", "o": "dict"}[n]} for n in order]}
    table = pa.table({n: cols[n] for n in order})
    return table.replace_schema_metadata({b"tablelens": json.dumps(meta).encode()})


def write_parquet(table: pa.Table, path: Path) -> str:
    pq.write_table(table, path)
    return str(path)


# ------------------------------------------------------------------------------------------- images
BOX = pa.struct([("minX", pa.float64()), ("maxX", pa.float64()), ("minY", pa.float64()), ("maxY", pa.float64()),
                 ("middle", pa.list_(pa.float64())), ("width", pa.float64()), ("height", pa.float64()),
                 ("domain", pa.string()), ("class_id", pa.int64()), ("box_caption", pa.string()),
                 ("scores", pa.struct([("conf", pa.float64())]))])
MASK = pa.struct([("path", pa.string()), ("digest", pa.string())])
IMAGE = pa.struct([("path", pa.string()), ("digest", pa.string()), ("format", pa.string()),
                   ("width", pa.int32()), ("height", pa.int32()), ("caption", pa.string()),
                   ("classes", pa.string()),
                   ("boxes", pa.struct([("ground_truth", pa.list_(BOX)), ("predictions", pa.list_(BOX))])),
                   ("masks", pa.struct([("ground_truth", MASK)]))])


def box(class_id: int, conf: float | None = None, caption: str | None = None) -> dict[str, Any]:
    return {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6, "middle": None, "width": None, "height": None,
            "domain": None, "class_id": class_id, "box_caption": caption, "scores": {"conf": conf}}


def image(i: int, gt: list[dict[str, Any]] | None, preds: list[dict[str, Any]] | None,
          mask: bool = True) -> dict[str, Any]:
    return {"path": f"media/images/{i:04d}.png", "digest": f"d{i}", "format": "png", "width": 64 + i,
            "height": 48, "caption": f"img {i}", "classes": "media/classes/c.classes.json",
            "boxes": {"ground_truth": gt, "predictions": preds},
            "masks": {"ground_truth": {"path": f"media/images/mask/{i:04d}.mask.png", "digest": f"m{i}"}}
            if mask else None}


IMAGE_ROWS = [
    {"id": 0, "road": 0.10, "dominant_pred": "road", "pred_mask": image(0, [box(13), box(2)], [box(13, 0.9, "car")])},
    {"id": 1, "road": 0.01, "dominant_pred": "sky", "pred_mask": image(1, [box(2)], [box(2, 0.4)])},
    {"id": 2, "road": 0.30, "dominant_pred": "road", "pred_mask": image(2, [box(13), box(13)], None)},
    {"id": 3, "road": None, "dominant_pred": None, "pred_mask": image(3, None, [], mask=False)},
    {"id": 4, "road": 0.06, "dominant_pred": "car", "pred_mask": None},
]


def image_table() -> pa.Table:
    meta = {"format": 1, "columns": [
        {"name": "id", "kind": "int"}, {"name": "road", "kind": "float"}, {"name": "dominant_pred", "kind": "str"},
        {"name": "pred_mask", "kind": "image", "layers": {"boxes": ["ground_truth", "predictions"],
                                                          "masks": ["ground_truth"]},
         "scores": {"predictions": ["conf"]}, "classes": [{"id": 13, "name": "car"}]}]}
    table = pa.table({
        "id": pa.array([r["id"] for r in IMAGE_ROWS], pa.int64()),
        "road": pa.array([r["road"] for r in IMAGE_ROWS], pa.float64()),
        "dominant_pred": pa.array([r["dominant_pred"] for r in IMAGE_ROWS], pa.string()),
        "pred_mask": pa.array([r["pred_mask"] for r in IMAGE_ROWS], IMAGE),
    })
    return table.replace_schema_metadata({b"tablelens": json.dumps(meta).encode()})
