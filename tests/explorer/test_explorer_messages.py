"""The answers to the browser's messages: pages of encoded cells, thumbnails and masks as binary buffers."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

import tablelens as tl


def test_rows_window_and_cell_encoding(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0")
    msg = cap.rows(offset=4, limit=3)
    assert msg["result_version"] == ex.result_version
    assert msg["offset"] == 4 and msg["total"] == 100
    rows = msg["rows"]
    assert [r["_key"] for r in rows] == [4, 5, 6]
    cells = [r["cells"] for r in rows]
    assert cells[0]["score"] == 0.04
    assert cells[1]["score"] == {"$num": "NaN"}
    assert cells[2]["score"] == {"$num": "Infinity"}
    assert cells[0]["when"] == {"$date": "2024-01-01T04:00:00"}
    assert cells[0]["meta"] == {"a": 4, "b": [4, 5]}
    json.dumps(msg, allow_nan=False)  # strict JSON: no NaN or Infinity literals
    assert cap.rows(offset=98, limit=50)["rows"][-1]["_key"] == 99
    assert cap.rows(offset=500, limit=50)["rows"] == []


def test_negative_infinity_ndarray_and_long_values(make_explorer: Any) -> None:
    df = pd.DataFrame({
        "x": [-np.inf, 1.5],
        "arr": [np.arange(100, dtype=np.float32).reshape(10, 10), np.zeros((2, 2), np.float32)],
        "long": ["y" * 5000, "short"],
        "many": [list(range(2000)), [1]],
    })
    _ex, cap = make_explorer(tl.Table(dataframe=df))
    rows = cap.rows()["rows"]
    assert rows[0]["cells"]["x"] == {"$num": "-Infinity"}
    nd = rows[0]["cells"]["arr"]["$ndarray"]
    assert nd["shape"] == [10, 10] and nd["dtype"] == "float32" and nd["values"] == list(range(64))
    assert len(rows[0]["cells"]["long"]) == 2000 and rows[0]["cells"]["long"].endswith("…")
    assert len(rows[0]["cells"]["many"]) == 500
    assert set(rows[0]["truncated"]) == {"arr", "long", "many"}
    assert "truncated" not in rows[1]


def test_image_cells_carry_boxes_masks_and_classes(images: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("media:v0")
    column = next(c for c in ex.schema if c["name"] == "image")
    assert column["kind"] == "image"
    # the legend can list layers, scores and classes before any image is drawn
    assert set(column["layers"]["boxes"]) == {"predictions", "ground_truth"}
    assert column["layers"]["masks"] == ["seg"]
    assert column["scores"] == {"predictions": ["conf"]}
    assert {c["id"] for c in column["classes"]} == {1, 2, 3}
    rows = cap.rows()["rows"]
    img = rows[0]["cells"]["image"]["$image"]
    assert img["width"] == 60 and img["height"] == 40 and img["caption"] == "image 0"
    assert img["key"].startswith("img:")
    assert img["boxes"]["predictions"] == [{"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6, "class_id": 1,
                                            "box_caption": "car", "scores": {"conf": 0.9}}]
    gt = img["boxes"]["ground_truth"][0]
    assert (gt["minX"], gt["maxX"], gt["minY"], gt["maxY"], gt["domain"]) == (25, 35, 16, 24, "pixel")
    assert set(img["masks"]) == {"seg"}
    assert {c["id"]: c["name"] for c in img["classes"]} == {1: "car", 2: "person", 3: "<img src=x onerror=alert(1)>"}
    assert img["classes"][0]["color"] == "#ff0000"
    assert rows[3]["cells"]["image"] is None
    # the same picture in another row has the same key (one thumbnail cached by the browser)
    assert rows[1]["cells"]["image"]["$image"]["key"] != img["key"]


def test_thumbs_masks_and_image_are_binary_buffers(images: dict[str, Any], make_explorer: Any) -> None:
    _ex, cap = make_explorer("media:v0")
    rows = cap.rows()["rows"]
    keys = [r["cells"]["image"]["$image"]["key"] for r in rows[:3]]
    msg, buffers = cap.request({"type": "thumbs", "items": [{"key": k, "size": 32} for k in keys]
                                + [{"key": "img:unknown", "size": 32}]})
    assert msg["type"] == "thumbs"
    assert [it["key"] for it in msg["items"]] == [*keys, "img:unknown"]
    assert len(buffers) == 3  # ONE answer with every thumbnail
    for it in msg["items"][:3]:
        assert max(it["width"], it["height"]) == 32
        with Image.open(io.BytesIO(buffers[it["buffer"]])) as im:
            assert im.size == (it["width"], it["height"])
    assert "unknown image key" in msg["items"][3]["error"]
    assert all(isinstance(v, (str, int, float)) for it in msg["items"] for v in it.values())  # no bytes in JSON

    mask_key = rows[0]["cells"]["image"]["$image"]["masks"]["seg"]
    msg, buffers = cap.request({"type": "masks", "items": [{"key": mask_key}]})
    item = msg["items"][0]
    with Image.open(io.BytesIO(buffers[item["buffer"]])) as im:
        arr = np.asarray(im)
    assert im.mode == "L" and arr.shape == (40, 60)
    assert arr[15, 20] == 3 and arr[0, 0] == 0

    msg, buffers = cap.request({"type": "image", "key": keys[0]})
    item = msg["items"][0]
    assert (item["width"], item["height"]) == (60, 40)
    with Image.open(io.BytesIO(buffers[0])) as im:
        assert im.size == (60, 40)


def test_plotly_asset_and_bad_requests(preds: dict[str, Any], make_explorer: Any) -> None:
    _ex, cap = make_explorer("preds:v0")
    msg, buffers = cap.request({"type": "asset", "name": "plotly"})
    assert msg == {"type": "asset", "id": msg["id"], "name": "plotly", "buffer": 0}
    assert len(buffers[0]) > 100_000
    msg, _ = cap.request({"type": "asset", "name": "../../etc/passwd"})
    assert msg["type"] == "error"
    msg, _ = cap.request({"type": "rows", "offset": "x", "limit": 5})
    assert msg["type"] == "error" and "offset" in msg["message"]
    msg, _ = cap.request({"type": "thumbs", "items": "nope"})
    assert msg["type"] == "error"
    msg, _ = cap.request({"type": "frobnicate"})
    assert msg["type"] == "error" and "frobnicate" in msg["message"]


def test_page_payload_of_a_wide_table_stays_under_200kb(make_explorer: Any) -> None:
    rng = np.random.default_rng(0)
    n = 60
    data: dict[str, Any] = {"id": range(n)}
    for j in range(20):
        data[f"f{j}"] = rng.normal(size=n)
    for j in range(10):
        data[f"s{j}"] = ["lorem ipsum " * 400] * n  # 4,800 characters each
    for j in range(5):
        data[f"l{j}"] = [list(range(300))] * n
    for j in range(5):
        data[f"d{j}"] = [{"k": "v" * 300, "n": list(range(50))}] * n
    _ex, cap = make_explorer(pd.DataFrame(data))
    msg = cap.rows(0, 50)
    size = len(json.dumps(msg, separators=(",", ":")).encode())
    assert size < 200_000, size
    assert len(msg["rows"]) == 50
    assert "s0" in msg["rows"][0]["truncated"]
    assert msg["rows"][0]["cells"]["f0"] == data["f0"][0]  # numbers are never cut


def test_rows_before_the_first_result_are_empty(preds: dict[str, Any]) -> None:
    from tablelens.explorer._handlers import answer_rows
    from tablelens.explorer._media import MediaIndex

    msg, _ = answer_rows(None, {"type": "rows", "id": 3, "offset": 0, "limit": 10}, [], MediaIndex())
    assert msg == {"type": "rows", "id": 3, "result_version": 0, "offset": 0, "total": 0, "rows": []}


def _thumb_answer(cap: Any, column: str) -> tuple[list[dict[str, Any]], list[bytes]]:
    rows = cap.rows()["rows"]
    keys = [r["cells"][column]["$image"]["key"] for r in rows if r["cells"][column]]
    msg, buffers = cap.request({"type": "thumbs", "items": [{"key": k, "size": 24} for k in keys]})
    return msg["items"], buffers


def test_thumbnails_of_referenced_images_and_of_a_wandb_folder(run: Any, tmp_path: Any, make_explorer: Any) -> None:
    ds = tl.Artifact("ds", "dataset")
    ds.add(tl.Table(columns=["id", "img"], data=[[i, tl.Image(np.full((30, 40, 3), 60 * i, np.uint8))]
                                                for i in range(3)]), "data")
    run.log_artifact(ds)
    data = run.use_artifact("ds:v0").get("data")
    preds = tl.Table(columns=["id", "pred"], data=[[i, tl.Image(row[1])] for i, row in data.iterrows()])
    pa = tl.Artifact("refs", "predictions")
    pa.add(preds, "predictions")
    run.log_artifact(pa)
    assert all("ref" in e for p, e in pa.manifest.items() if p.startswith("media/images/"))
    _ex, cap = make_explorer("refs:v0")
    items, buffers = _thumb_answer(cap, "pred")
    assert len(items) == 3 and all("error" not in it for it in items) and len(buffers) == 3

    folder = tmp_path / "exported"
    run.use_artifact("ds:v0").export(str(folder), format="wandb")
    opened = tl.Artifact.from_dir(str(folder))
    _ex, cap = make_explorer(opened)
    items, buffers = _thumb_answer(cap, "img")
    assert len(items) == 3 and all("error" not in it for it in items) and len(buffers) == 3


def test_a_missing_image_file_is_an_explained_thumbnail_not_a_failure(tmp_path: Any, run: Any,
                                                                    make_explorer: Any) -> None:
    ds = tl.Artifact("gone", "dataset")
    ds.add(tl.Table(columns=["img"], data=[[tl.Image(np.full((30, 40, 3), 9 * i, np.uint8))] for i in range(2)]),
           "t")
    run.log_artifact(ds)
    folder = tmp_path / "w"
    run.use_artifact("gone:v0").export(str(folder), format="wandb")
    victim = sorted((folder / "media" / "images").glob("*.png"))[0]
    victim.unlink()  # a W&B folder with one image file missing (and no manifest to say so)
    (folder / "wandb_manifest.json").unlink()
    _ex, cap = make_explorer(tl.Artifact.from_dir(str(folder)))
    items, buffers = _thumb_answer(cap, "img")
    errors = [it for it in items if "error" in it]
    assert len(errors) == 1 and len(buffers) == 1  # the other row still gets its thumbnail
    assert errors[0]["error"]  # a human message for the placeholder
