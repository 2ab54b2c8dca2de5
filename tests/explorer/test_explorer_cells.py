"""Cell encoding (docs/protocol.md "Cells") without a widget: every value becomes strict JSON."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa

from tablelens.explorer._cells import Limits, encode_box, encode_value
from tablelens.explorer._layout import build_layout, encode_page
from tablelens.query import ResultColumn


def enc(value: object, kind: str | None = None) -> object:
    return encode_value(value, kind)[0]


def test_scalars_and_missing_values() -> None:
    assert enc(None) is None and enc(pd.NA) is None and enc(pd.NaT) is None
    assert enc(np.int64(3)) == 3 and enc(np.bool_(True)) is True
    assert enc(float("nan")) == {"$num": "NaN"}
    assert enc(np.float32("-inf")) == {"$num": "-Infinity"}
    assert enc(b"abc") == "<3 bytes>"


def test_dates_keep_their_zone() -> None:
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)) == {"$date": "2024-01-02T03:04:05Z"}
    tz = dt.timezone(dt.timedelta(hours=2))
    assert enc(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz)) == {"$date": "2024-01-02T03:04:05+02:00"}
    assert enc(pd.Timestamp("2024-01-02 03:04:05")) == {"$date": "2024-01-02T03:04:05"}
    assert enc(np.datetime64("2024-01-02T03:04:05")) == {"$date": "2024-01-02T03:04:05"}
    assert enc(dt.date(2024, 1, 2)) == {"$date": "2024-01-02"}


def test_json_mixed_and_nested() -> None:
    assert enc('{"a": [1, NaN]}', "json") == {"a": [1, {"$num": "NaN"}]}
    assert enc("not json", "json") == "not json"
    assert enc({"type": "double", "float": 2.5, "int": None}, "mixed") == 2.5
    assert enc({"type": "array", "json": "[1, 2]"}, "mixed") == [1, 2]
    assert enc({"a": np.array([1.0, np.inf])}) == {"a": [1.0, {"$num": "Infinity"}]}


def test_limits_cut_and_say_so() -> None:
    value, cut = encode_value({"s": "x" * 50}, limits=Limits(max_str=10))
    assert cut and value == {"s": "x" * 9 + "…"}
    value, cut = encode_value(np.ones((3, 3)), "ndarray", limits=Limits(max_ndarray=4))
    assert cut and value == {"$ndarray": {"shape": [3, 3], "dtype": "float64", "values": [1.0] * 4}}
    value, cut = encode_value(np.array([np.array([1, 2]), np.array([3])], dtype=object), "ndarray")
    assert not cut and value == [[1, 2], [3]]  # a ragged "ndarray" is shown as nested lists


def test_boxes_are_normalised_to_min_max() -> None:
    box = encode_box({"middle": [10, 20], "width": 4, "height": 6, "domain": "pixel", "class_id": 2,
                      "scores": {"conf": 0.5, "iou": None}})
    assert box == {"minX": 8, "maxX": 12, "minY": 17, "maxY": 23, "domain": "pixel", "class_id": 2,
                   "scores": {"conf": 0.5}}
    assert encode_box({"minX": 1 / 3, "maxX": 0.5, "minY": 0, "maxY": 1, "class_id": 1}) == {
        "minX": 0.333333, "maxX": 0.5, "minY": 0, "maxY": 1, "class_id": 1}  # six digits, empty fields left out
    assert encode_box("nope") is None
    assert encode_box({"minX": float("nan"), "maxX": 1, "minY": 0, "maxY": 1})["minX"] is None


def test_compare_pairs_and_presence() -> None:
    columns = [ResultColumn("_key", "key", None, "key", "_key"), ResultColumn("_presence", "str", None, "presence",
                                                                          "_presence"),
               ResultColumn("0.x", "float", 0, "value", "x"), ResultColumn("1.x", "float", 1, "value", "x")]
    layout = build_layout("compare", columns)
    assert layout.schema() == [{"name": "x", "kind": "float", "label": "x", "table": None}]
    page = pa.table({"_key": [1, 2], "_presence": ["both", "only0"], "0.x": [0.5, np.nan], "1.x": [1.5, None]})
    rows = encode_page(page, layout)
    assert rows[0]["cells"]["x"] == {"$cmp": [0.5, 1.5]}
    assert rows[1]["cells"]["x"] == {"$cmp": [{"$num": "NaN"}, {"$absent": True}]}
    json.dumps(rows, allow_nan=False)


def test_group_summaries() -> None:
    columns = [ResultColumn("k", "str", None, "group-key", "k"), ResultColumn("count", "count", None, "count", "count"),
               ResultColumn("v", "hist", None, "summary", "v"), ResultColumn("c", "counts", None, "summary", "c"),
               ResultColumn("n", "none", None, "summary", "n")]
    layout = build_layout("groups", columns)
    assert [c["kind"] for c in layout.schema()] == ["key", "count", "hist", "counts", "none"]
    records = [{"k": "a", "count": 3, "v": {"kind": "hist", "edges": [0.0, 1.0], "counts": [[3]]},
                "c": {"kind": "counts", "values": ["x", None], "counts": [[2, 1]]}, "n": None}]
    cells = encode_page(records, layout, offset=40)[0]
    assert cells["_key"] == 40
    assert cells["cells"] == {"k": "a", "count": 3, "v": {"$hist": {"edges": [0.0, 1.0], "counts": [[3]]}},
                              "c": {"$counts": {"values": ["x", None], "counts": [[2, 1]]}}, "n": None}
