"""A small COCO instance-segmentation dataset written as the format specifies (cocodataset.org, "Data format"):
images with gaps in their ids, categories with gaps in theirs, polygons (several per object), compressed and
uncompressed RLE (crowd regions), overlapping objects, an image without annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage
from pycocotools import mask as mask_utils

CATEGORIES = [{"id": 1, "name": "person", "supercategory": "person"},
              {"id": 3, "name": "car", "supercategory": "vehicle"},
              {"id": 18, "name": "dog", "supercategory": "animal"},
              {"id": 90, "name": "toothbrush", "supercategory": "indoor"}]


def _circle(cx: float, cy: float, r: float, n: int = 12) -> list[float]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return [round(float(v), 2) for xy in zip(cx + r * np.cos(t), cy + r * np.sin(t)) for v in xy]


def _bbox_of(segm: Any, h: int, w: int) -> list[float]:
    rle = mask_utils.merge(mask_utils.frPyObjects(segm, h, w)) if isinstance(segm, list) else (
        mask_utils.frPyObjects(segm, h, w) if isinstance(segm.get("counts"), list) else segm)
    return [round(float(v), 2) for v in mask_utils.toBbox(rle)]


def _area_of(segm: Any, h: int, w: int) -> float:
    rle = mask_utils.merge(mask_utils.frPyObjects(segm, h, w)) if isinstance(segm, list) else (
        mask_utils.frPyObjects(segm, h, w) if isinstance(segm.get("counts"), list) else segm)
    return float(mask_utils.area(rle))


def uncompressed_rle(mask: np.ndarray) -> dict[str, Any]:
    """Column-major run lengths starting with a run of 0s, as COCO's crowd annotations hold them."""
    flat = np.asfortranarray(mask).flatten(order="F")
    counts, value, run = [], 0, 0
    for v in flat:
        if v == value:
            run += 1
        else:
            counts.append(run)
            value, run = v, 1
    counts.append(run)
    return {"size": list(mask.shape), "counts": [int(c) for c in counts]}


def make_coco(root: Path, seed: int = 0, n_images: int = 6) -> tuple[Path, Path]:
    """Write `root/images/*.png` and `root/annotations.json`; returns (annotations path, images folder)."""
    rng = np.random.default_rng(seed)
    images_dir = root / "images"
    images_dir.mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    ann_id = 100
    for k in range(n_images):
        image_id = 10 + 7 * k  # ids with gaps
        w, h = int(rng.integers(40, 80)), int(rng.integers(30, 60))
        name = f"{image_id:012d}.png"
        PILImage.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(images_dir / name)
        images.append({"id": image_id, "file_name": name, "width": w, "height": h, "license": 1})
        if k == n_images - 1:
            continue  # an image without annotations
        for _ in range(int(rng.integers(1, 5))):
            kind = rng.choice(["polygon", "two-polygons", "compressed"])
            cx, cy, r = rng.uniform(5, w - 5), rng.uniform(5, h - 5), rng.uniform(3, min(w, h) / 2)
            if kind == "polygon":
                segm: Any = [_circle(cx, cy, r)]
            elif kind == "two-polygons":
                segm = [_circle(cx, cy, r / 2, 6), _circle(w - cx, h - cy, r / 3, 8)]
            else:
                m = np.zeros((h, w), np.uint8)
                yy, xx = np.mgrid[0:h, 0:w]
                m[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = 1
                enc = mask_utils.encode(np.asfortranarray(m))
                segm = {"size": [h, w], "counts": enc["counts"].decode("ascii")}
            cat = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]["id"]
            anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "segmentation": segm,
                         "area": _area_of(segm, h, w), "bbox": _bbox_of(segm, h, w), "iscrowd": 0})
            ann_id += 1
        if k == 1:  # a crowd region in uncompressed RLE, under the objects
            m = np.zeros((h, w), np.uint8)
            m[h // 3: h // 3 + 8, 2: w - 2] = 1
            segm = uncompressed_rle(m)
            anns.append({"id": ann_id, "image_id": image_id, "category_id": 1, "segmentation": segm,
                         "area": _area_of(segm, h, w), "bbox": _bbox_of(segm, h, w), "iscrowd": 1})
            ann_id += 1
    path = root / "annotations.json"
    path.write_text(json.dumps({"info": {"description": "test"}, "licenses": [{"id": 1, "name": "x"}],
                                "images": images, "annotations": anns, "categories": CATEGORIES}))
    return path, images_dir


def make_results(annotations: Path, seed: int = 1, per_image: int = 5, decimals: int | None = 2
                 ) -> list[dict[str, Any]]:
    """Detections for the images of `annotations`, as a detector writes them for COCO.loadRes."""
    data = json.loads(annotations.read_text())
    rng = np.random.default_rng(seed)
    cats = [c["id"] for c in data["categories"]]
    out = []
    for im in data["images"]:
        for _ in range(per_image):
            x, y = rng.uniform(0, im["width"] - 5), rng.uniform(0, im["height"] - 5)
            bw, bh = rng.uniform(1, im["width"] - x), rng.uniform(1, im["height"] - y)
            vals = [x, y, bw, bh]
            if decimals is not None:
                vals = [round(v, decimals) for v in vals]
            out.append({"image_id": im["id"], "category_id": int(rng.choice(cats)), "bbox": [float(v) for v in vals],
                        "score": round(float(rng.random()), 3)})
    return out
