"""Write a folder in the W&B artifact layout (docs: wandb-table-format.md), as `wandb` 0.2x would stage it.

The from_wandb notebook opens it with `tl.Artifact.from_dir`: this stands in for a real download from W&B,
so the demo needs neither an account nor the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .scenes import CLASSES, make_scenes

__all__ = ["write_wandb_example"]


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


class _Writer:
    def __init__(self, root: str) -> None:
        self.root = root
        self.contents: dict[str, dict[str, Any]] = {}

    def put(self, path: str, data: bytes) -> None:
        full = os.path.join(self.root, *path.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        self.contents[path] = {"digest": base64.b64encode(hashlib.md5(data).digest()).decode(), "size": len(data)}

    def put_json(self, path: str, obj: Any) -> None:
        self.put(path, json.dumps(obj, sort_keys=True).encode())

    def manifest(self) -> None:
        self.put_json("wandb_manifest.json", {
            "version": 1, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"}, "contents": dict(sorted(self.contents.items())),
        })


def _image_cell(w: _Writer, image: np.ndarray, mask: np.ndarray, boxes: list[dict[str, Any]],
                classes_ref: dict[str, str], caption: str) -> dict[str, Any]:
    data = _png(image)
    path = f"media/images/{hashlib.md5(data).hexdigest()[:20]}.png"
    w.put(path, data)
    mdata = _png(mask)
    mpath = f"media/images/mask/{hashlib.md5(mdata).hexdigest()[:20]}.mask.png"
    w.put(mpath, mdata)
    return {
        "_type": "image-file", "path": path, "sha256": hashlib.sha256(data).hexdigest(), "format": "png",
        "width": int(image.shape[1]), "height": int(image.shape[0]), "caption": caption,
        "boxes": {"ground_truth": boxes},
        "masks": {"ground_truth": {"_type": "mask", "path": mpath, "sha256": hashlib.sha256(mdata).hexdigest()}},
        "classes": classes_ref,
    }


def _types(scalars: dict[str, str]) -> dict[str, Any]:
    """`column_types` as the SDK writes it: a typedDict of optional (union with none) column types."""
    optional = {c: {"params": {"allowed_types": [{"wb_type": "none"}, {"wb_type": t}]}, "wb_type": "union"}
                for c, t in scalars.items()}
    return {"params": {"type_map": optional}, "wb_type": "typedDict"}


def write_wandb_example(root: str | os.PathLike[str], n_scenes: int = 24, seed: int = 7) -> str:
    """Write `street-scenes` as W&B would: `scenes.table.json` (images with boxes and masks) and
    `stats.table.json` (numbers, dicts, nulls), media files, a class set and the manifest."""
    root = os.fspath(root)
    os.makedirs(root, exist_ok=True)
    w = _Writer(root)
    class_set = {"_type": "classes", "class_set": [{"id": c["id"], "name": c["name"]} for c in CLASSES]}
    cdata = json.dumps(class_set, sort_keys=True).encode()
    cpath = f"media/classes/{hashlib.md5(cdata).hexdigest()}_cls.classes.json"
    w.put(cpath, cdata)
    classes_ref = {"type": "classes-file", "path": cpath,
                   "digest": base64.b64encode(hashlib.md5(cdata).digest()).decode()}

    scenes = make_scenes(n_scenes, seed=seed)
    start = dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc)
    rows, pred_rows = [], []
    for s in scenes:
        cell = _image_cell(w, s.image, s.mask, s.boxes, classes_ref, f"scene {s.index}")
        captured = int((start + dt.timedelta(minutes=17 * s.index)).timestamp() * 1000)
        tags = [s.time_of_day] + (["no-road"] if not s.has_road else [])
        rows.append([s.index, cell, s.time_of_day, s.count("car"), s.count("person"), tags, captured])
        road = float(np.mean(s.mask == 0))
        pred_rows.append([s.index, round(road, 4) if s.has_road else None,
                          {"cars": s.count("car"), "people": s.count("person")}])
    w.put_json("scenes.table.json", {
        "_type": "table", "columns": ["id", "image", "time_of_day", "cars", "people", "tags", "captured_at"],
        "data": rows, "ncols": 7, "nrows": len(rows), "log_mode": "IMMUTABLE",
        "column_types": _types({"id": "number", "time_of_day": "string", "cars": "number", "people": "number",
                                "captured_at": "timestamp"}),
    })
    w.put_json("stats.table.json", {
        "_type": "table", "columns": ["id", "road_fraction", "counts"], "data": pred_rows, "ncols": 3,
        "nrows": len(pred_rows), "log_mode": "IMMUTABLE",
        "column_types": _types({"id": "number", "road_fraction": "number"}),
    })
    w.manifest()
    return root
