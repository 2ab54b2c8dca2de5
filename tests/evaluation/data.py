"""Generated detection sets for the evaluation tests, written as COCO files (cocodataset.org "Data format" and
"Results format") so both tablelens and pycocotools read the same thing."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

SIZES = [(640, 480), (100, 80), (1000, 1000), (33, 517)]


def generate(seed: int, *, n_images: int = 20, n_cats: int = 5, crowd: float = 0.0, duplicates: float = 0.1,
             max_gt: int = 8, max_dets: int = 12) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(ground truth dict, results list): several image sizes, boxes touching the borders, detections that are
    jittered copies of ground truth (some with the wrong class), random ones, exact duplicates, crowd regions,
    images without annotations and images without detections."""
    rng = np.random.default_rng(seed)
    images, anns, res = [], [], []
    ann_id = 1
    for k in range(n_images):
        w_img, h_img = SIZES[int(rng.integers(0, len(SIZES)))]
        image_id = int(3 * k + 7)  # ids with gaps, in an order unlike the rows'
        images.append({"id": image_id, "width": w_img, "height": h_img, "file_name": f"{image_id}.png"})
        truth = []
        for _ in range(int(rng.integers(0, max_gt + 1))):
            w, h = float(rng.uniform(1, w_img / 2)), float(rng.uniform(1, h_img / 2))
            x, y = float(rng.uniform(0, w_img - w)), float(rng.uniform(0, h_img - h))
            if rng.random() < 0.15:
                x = 0.0  # touching the left border
            if rng.random() < 0.15:
                x = w_img - w  # touching the right border
            if rng.random() < 0.1:
                y = h_img - h
            cat = int(rng.integers(1, n_cats + 1))
            is_crowd = int(rng.random() < crowd)
            anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "bbox": [x, y, w, h],
                         "area": float(w * h * rng.uniform(0.4, 1.0)), "iscrowd": is_crowd})
            ann_id += 1
            truth.append((x, y, w, h, cat))
        for _ in range(int(rng.integers(0, max_dets + 1))):
            if truth and rng.random() < 0.7:
                x, y, w, h, cat = truth[int(rng.integers(0, len(truth)))]
                x, y = x + rng.normal(0, w * 0.1), y + rng.normal(0, h * 0.1)
                w, h = w * rng.uniform(0.8, 1.2), h * rng.uniform(0.8, 1.2)
                if rng.random() < 0.2:
                    cat = int(rng.integers(1, n_cats + 1))
            else:
                w, h = float(rng.uniform(1, w_img / 2)), float(rng.uniform(1, h_img / 2))
                x, y = float(rng.uniform(0, w_img - w)), float(rng.uniform(0, h_img - h))
                cat = int(rng.integers(1, n_cats + 1))
            x, y = float(np.clip(x, 0, w_img - 1)), float(np.clip(y, 0, h_img - 1))
            res.append({"image_id": image_id, "category_id": cat, "bbox": [x, y, float(w), float(h)],
                        "score": float(np.round(rng.random(), 3))})
            if rng.random() < duplicates:
                res.append(dict(res[-1]))  # the same detection twice
    cats = [{"id": c, "name": f"cat{c}"} for c in range(1, n_cats + 1)]
    return {"images": images, "annotations": anns, "categories": cats}, res


def write(root: Path, gt: dict[str, Any], name: str = "instances.json") -> tuple[Path, Path]:
    """The annotation file and the (tiny, placeholder) image files `Table.from_coco` checks exist."""
    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    for im in gt["images"]:
        p = images / im["file_name"]
        if not p.exists():
            PILImage.new("RGB", (4, 4), (90, 90, 90)).save(p)
    path = root / name
    path.write_text(json.dumps(gt))
    return path, images


def cocoeval(gt: dict[str, Any] | str | Path, res: list[dict[str, Any]] | str | Path) -> Any:
    """pycocotools' COCOeval (bbox) run on the files or dicts; an empty results list is given as an empty
    COCO object (COCO.loadRes cannot load one)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        if isinstance(gt, (str, Path)):
            cg = COCO(str(gt))
            gt_dict = cg.dataset
        else:
            cg = COCO()
            cg.dataset = json.loads(json.dumps(gt))
            cg.createIndex()
            gt_dict = gt
        if isinstance(res, (str, Path)):
            res = json.loads(Path(res).read_text())
        if res:
            cd = cg.loadRes(json.loads(json.dumps(res)))
        else:
            cd = COCO()
            cd.dataset = {"images": gt_dict["images"], "annotations": [], "categories": gt_dict["categories"]}
            cd.createIndex()
        e = COCOeval(cg, cd, "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


def stats_of(ev: Any) -> np.ndarray:
    """Our twelve numbers in COCOeval.stats' order, -1 where undefined (as it prints them)."""
    return np.array([-1.0 if v is None else v for v in ev.stats().values()])
