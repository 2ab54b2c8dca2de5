"""Fixtures of the views / edits / subsets / exports / reports tests: a store with two versions of a predictions
table (the second without the `iou` column) and a table of images; Explorers driven without a browser (their
`send` captured, their message handler called with what the browser would send)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tablelens as tl

LABELS = ["cat", "dog", "bird"]


def preds_frame(ids: range, shift: float = 0.0, iou: bool = True) -> pd.DataFrame:
    rows = []
    for i in ids:
        row = {"id": i, "label": LABELS[i % 3], "score": round(i / 100 + shift, 6), "text": f"row {i}",
               "when": dt.datetime(2024, 1, 1) + dt.timedelta(hours=i), "tags": [LABELS[i % 3], "t"][: i % 3],
               "meta": {"a": i, "b": float(i) / 2}, "flag": i % 2 == 0}
        if iou:
            row["iou"] = round(1 - i / 100, 6)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def preds(run: Any) -> dict[str, Any]:
    """`preds` v0 (ids 0..99, with `iou`) and v1 (ids 10..109, scores + 0.5, no `iou`)."""
    v0, v1 = preds_frame(range(100)), preds_frame(range(10, 110), 0.5, iou=False)
    for df in (v0, v1):
        art = tl.Artifact("preds", type="predictions")
        art.add(tl.Table(dataframe=df), "predictions")
        run.log_artifact(art)
    return {"v0": v0, "v1": v1, "store": run.store}


@pytest.fixture
def images(run: Any) -> dict[str, Any]:
    """`media` v0: 6 images with a box each (class car or person, conf 0..1) and a mask; label car/person."""
    classes = tl.Classes([{"id": 1, "name": "car", "color": "#ff0000"}, {"id": 2, "name": "person",
                                                                         "color": "#00ff00"}])
    rows = []
    for i in range(6):
        mask = np.zeros((40, 60), np.uint8)
        mask[:20, :30] = 1
        img = tl.Image(np.full((40, 60, 3), 20 + 30 * i, np.uint8), caption=f"image {i}", classes=classes,
                       boxes={"predictions": {"box_data": [{
                           "position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                           "class_id": 1 + i % 2, "scores": {"conf": i / 5}}]}},
                       masks={"seg": {"mask_data": mask}})
        rows.append([i, "car" if i % 2 == 0 else "person", img])
    art = tl.Artifact("media", type="dataset")
    art.add(tl.Table(columns=["id", "label", "image"], data=rows), "images")
    run.log_artifact(art)
    return {"store": run.store}


class Capture:
    """The messages an Explorer sends (its `send` replaced)."""

    def __init__(self, ex: Any) -> None:
        self.ex = ex
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []
        self.next_id = 0
        ex.send = lambda msg, buffers=None: self.sent.append((msg, list(buffers or [])))

    def request(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        """Send `msg` as the browser would and return the answer with the same id."""
        self.next_id += 1
        msg = {**msg, "id": self.next_id}
        self.ex._on_custom(self.ex, msg, [])
        self.ex._wait(120)
        answers = [(m, b) for m, b in self.sent if m.get("id") == self.next_id]
        assert len(answers) == 1, f"expected one answer to {msg}, got {answers}"
        return answers[0]

    def rows(self, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        msg, _ = self.request({"type": "rows", "result_version": self.ex.result_version, "offset": offset,
                               "limit": limit})
        assert msg["type"] == "rows", msg
        return msg


@pytest.fixture
def make_explorer():
    """Build Explorers, wait for their first query, and close them after the test."""
    made: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> tuple[Any, Capture]:
        ex = tl.Explorer(*args, **kwargs)
        made.append(ex)
        cap = Capture(ex)
        ex._wait(120)
        return ex, cap

    yield make
    for ex in made:
        ex.close()
