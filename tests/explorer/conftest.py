"""Fixtures of the Explorer tests: a store with two versions of a predictions table and a table of images.

The widget is used without a browser: its traits are set from Python and its message handler is called with
the messages the browser would send; `send` is replaced to capture the answers.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tablelens as tl

LABELS = ["cat", "dog", "bird"]


def preds_frame(ids: range, shift: float = 0.0) -> pd.DataFrame:
    rows = []
    for i in ids:
        score = i / 100 + shift
        if i == 5:
            score = math.nan
        elif i == 6:
            score = math.inf
        rows.append({
            "id": i,
            "label": LABELS[i % 3],
            "score": score,
            "when": dt.datetime(2024, 1, 1) + dt.timedelta(hours=i),
            "meta": {"a": i, "b": [i, i + 1]},
            "text": f"row {i}",
        })
    return pd.DataFrame(rows)


@pytest.fixture
def preds(run: Any) -> dict[str, Any]:
    """Artifact `preds` v0 (ids 0..99) and v1 (ids 10..109, scores shifted); returns both frames."""
    v0, v1 = preds_frame(range(100)), preds_frame(range(10, 110), 0.5)
    for df in (v0, v1):
        art = tl.Artifact("preds", type="predictions")
        art.add(tl.Table(dataframe=df), "predictions")
        run.log_artifact(art)
    return {"v0": v0, "v1": v1, "store": run.store}


@pytest.fixture
def images(run: Any) -> dict[str, Any]:
    """Artifact `media` v0 with a table of 4 images: boxes in two layers, a mask, one row without an image."""
    classes = tl.Classes([{"id": 1, "name": "car", "color": "#ff0000"}, {"id": 2, "name": "person"},
                          {"id": 3, "name": "<img src=x onerror=alert(1)>"}])
    rows = []
    for i in range(3):
        pixels = np.full((40, 60, 3), 30 * i, np.uint8)
        mask = np.zeros((40, 60), np.uint8)
        mask[10:20, 10:30] = 3
        img = tl.Image(pixels, caption=f"image {i}", classes=classes, boxes={
            "predictions": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6},
                                          "class_id": 1, "scores": {"conf": 0.9}, "box_caption": "car"}]},
            "ground_truth": {"box_data": [{"position": {"middle": [30, 20], "width": 10, "height": 8},
                                           "domain": "pixel", "class_id": 2}]},
        }, masks={"seg": {"mask_data": mask}})
        rows.append([i, img])
    rows.append([3, None])
    art = tl.Artifact("media", type="dataset")
    art.add(tl.Table(columns=["id", "image"], data=rows), "images")
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
        self.ex._wait(60)
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
