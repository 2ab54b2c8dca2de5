"""The store the browser tests open: two versions of a predictions table and a table of images whose boxes and
masks sit at known places with known class colors, so the tests can check pixels."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

LABELS = ["cat", "dog", "bird"]
XSS = "<img src=x onerror=alert(1)>"
IMAGE_W, IMAGE_H = 200, 100
# class id -> (name, color); colors chosen to be told apart exactly in canvas pixels
CLASSES = {1: ("car", "#ff0000"), 2: ("person", "#00ff00"), 3: ("road", "#0000ff"), 4: (XSS, "#ff00ff")}
REL_BOX = (0.25, 0.75, 0.2, 0.8)  # minX, maxX, minY, maxY as fractions
# image rows (their _key is their position)
ROW_BOX, ROW_PIXEL_BOX, ROW_THRESHOLD, ROW_MASK, ROW_XSS = range(5)


def preds_frame(ids: range, shift: float = 0.0) -> pd.DataFrame:
    """id, label (cat/dog/bird), score = id/100 + shift (NaN at id 5, inf at id 6), text."""
    rows = []
    for i in ids:
        score = i / 100 + shift
        if i == 5:
            score = math.nan
        elif i == 6:
            score = math.inf
        rows.append({"id": i, "label": LABELS[i % 3], "score": round(score, 6), "text": f"row {i}"})
    return pd.DataFrame(rows)


def _box(rect: tuple[float, float, float, float], class_id: int, conf: float | None = None,
         pixel: bool = False) -> dict[str, Any]:
    x0, x1, y0, y1 = rect
    box: dict[str, Any] = {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}, "class_id": class_id}
    if pixel:
        box["position"] = {"minX": x0 * IMAGE_W, "maxX": x1 * IMAGE_W, "minY": y0 * IMAGE_H, "maxY": y1 * IMAGE_H}
        box["domain"] = "pixel"
    if conf is not None:
        box["scores"] = {"conf": conf}
    return box


def media_rows() -> list[list[Any]]:
    import tablelens as tl

    classes = tl.Classes([{"id": i, "name": n, "color": c} for i, (n, c) in CLASSES.items()])
    pixels = np.full((IMAGE_H, IMAGE_W, 3), 128, np.uint8)

    def image(caption: str, **kw: Any) -> Any:
        # each image gets its own pixels (a different gray) so that each has its own file
        shade = 100 + 10 * len(caption) % 100
        return tl.Image(np.full_like(pixels, shade), caption=caption, classes=classes, **kw)

    mask = np.zeros((IMAGE_H, IMAGE_W), np.uint8)
    mask[: IMAGE_H // 2, : IMAGE_W // 2] = 3  # road in the top-left quadrant
    return [
        [ROW_BOX, "relative box", image("relative box", boxes={
            "predictions": {"box_data": [_box(REL_BOX, 1)]}})],
        [ROW_PIXEL_BOX, "pixel box", image("pixel box!", boxes={
            "predictions": {"box_data": [_box(REL_BOX, 1, pixel=True)]}})],
        [ROW_THRESHOLD, "threshold", image("two scored boxes", boxes={
            "predictions": {"box_data": [_box((0.05, 0.45, 0.2, 0.8), 1, 0.9),
                                         _box((0.55, 0.95, 0.2, 0.8), 2, 0.3)]}})],
        [ROW_MASK, "mask", image("mask only", masks={"segmentation": {"mask_data": mask}})],
        [ROW_XSS, "xss", image(XSS, boxes={"predictions": {"box_data": [{**_box(REL_BOX, 4), "box_caption": XSS}]}})],
    ]


def build_store(store_dir: Path) -> dict[str, Any]:
    """Log `preds` v0 (ids 0..99) and v1 (ids 10..109, scores + 0.5), and `media` v0 (table `images`)."""
    import tablelens as tl

    run = tl.init(project="browser-tests", job_type="fixture", dir=str(store_dir))
    frames = {"v0": preds_frame(range(100)), "v1": preds_frame(range(10, 110), 0.5)}
    for df in frames.values():
        art = tl.Artifact("preds", type="predictions")
        art.add(tl.Table(dataframe=df), "predictions")
        run.log_artifact(art)
    art = tl.Artifact("media", type="dataset")
    art.add(tl.Table(columns=["id", "what", "image"], data=media_rows()), "images")
    run.log_artifact(art)
    from .media_types_data import build_media_types

    build_media_types(run, store_dir.parent)
    run.finish()
    return frames
