"""The Explorer's evaluation panel, kernel side: the `evaluation` trait, clicks as filters, the threshold,
the boxes' statuses in page cells, logged evaluations and two versions compared."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import tablelens as tl

CLASSES = tl.Classes([{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}])


def _detections(seed: int, n: int = 24, noise: float = 0.0) -> tl.Table:
    rng = np.random.default_rng(seed)
    t = tl.Table(columns=["id", "weather", "image"])
    for k in range(n):
        truth, preds = [], []
        for _ in range(int(rng.integers(1, 4))):
            x, y = (float(v) for v in rng.uniform(0, 40, 2))
            c = int(rng.integers(1, 3))
            truth.append({"position": {"minX": x, "maxX": x + 10, "minY": y, "maxY": y + 10}, "domain": "pixel",
                          "class_id": c})
            if rng.random() < 0.8 - noise:
                dx = float(rng.normal(0, 1 + 4 * noise))
                preds.append({"position": {"minX": x + dx, "maxX": x + 10 + dx, "minY": y, "maxY": y + 10},
                              "domain": "pixel", "class_id": c if rng.random() > noise else 3 - c,
                              "scores": {"score": float(rng.uniform(0.3, 1))}})
        if rng.random() < 0.5:
            preds.append({"position": {"minX": 45.0, "maxX": 55.0, "minY": 45.0, "maxY": 55.0}, "domain": "pixel",
                          "class_id": 1, "scores": {"score": float(rng.uniform(0, 0.6))}})
        t.add_data(k, ["sun", "rain"][k % 2], tl.Image(np.zeros((60, 60, 3), np.uint8), classes=CLASSES, boxes={
            "ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}}))
    return t


def test_an_evaluation_shows_its_table_and_panel(make_explorer: Any) -> None:
    ev = tl.evaluate_detections(_detections(0))
    ex, cap = make_explorer(ev)
    state = ex.evaluation
    assert state["kind"] == "detection" and state["live"] is True
    assert dict(state["headline"])["mAP"] == ev.summary()["mAP"]
    assert state["layers"] == {"column": "image", "predictions": "predictions", "ground_truth": "ground_truth"}
    assert ex.num_rows == 24
    # page cells carry each box's status for the overlay
    page = cap.rows()
    boxes = page["rows"][0]["cells"]["image"]["$image"]["boxes"]
    assert {b["status"] for b in boxes["predictions"]} <= {"tp", "fp"}
    assert {b["status"] for b in boxes["ground_truth"]} <= {"tp", "fn"}
    # a confusion cell and a chip filter the table to exactly their rows
    cm = state["confusion"]
    a = cm["labels"].index("car")
    ex.filter = cm["filters"][a][a]
    ex._wait(60)
    assert ex.num_rows == cm["rows"][a][a] > 0
    chip = next(c for c in state["chips"] if c["name"] == "fp")
    ex.filter = chip["filter"]
    ex._wait(60)
    assert ex.num_rows == chip["count"] > 0


def test_the_threshold_recomputes_metrics_and_rows(make_explorer: Any) -> None:
    ev = tl.evaluate_detections(_detections(1))
    ex, cap = make_explorer(ev, filter="{$gt: ['$fp', 0]}")
    before = dict(ex.evaluation["headline"])
    rows_before = ex.num_rows
    ex.eval_threshold = 0.6
    ex._wait(60)
    after = dict(ex.evaluation["headline"])
    assert ex.evaluation["threshold"] == 0.6
    assert after == dict(ev.at(0.6).headline())
    assert after["fp"] < before["fp"] and ex.num_rows < rows_before
    page = cap.rows()
    for row in page["rows"]:
        scores = [b for b in row["cells"]["image"]["$image"]["boxes"]["predictions"] if b.get("status")]
        assert all(b["scores"]["score"] >= 0.6 for b in scores)
    ex.eval_threshold = None
    ex._wait(60)
    assert dict(ex.evaluation["headline"]) == before and ex.num_rows == rows_before


def test_a_logged_evaluation_and_two_versions_compared(run: Any, make_explorer: Any) -> None:
    for seed, noise in ((2, 0.0), (2, 0.5)):
        art = tl.Artifact("dets", type="predictions")
        art.add(_detections(seed, noise=noise), "table")
        run.log_artifact(art)
    good = tl.evaluate_detections("dets:v0")
    good.log("det-eval")
    worse = tl.evaluate_detections("dets:v1")
    worse.log("det-eval")
    # the logged evaluation opens with its panel (its threshold fixed)
    ex, _ = make_explorer("det-eval:v0")
    assert ex.evaluation["kind"] == "detection" and ex.evaluation["live"] is False
    assert dict(ex.evaluation["headline"])["mAP"] == good.summary()["mAP"]
    # A = the table shown (v0), B = the compared version (v1)
    ex.compare = "det-eval:v1"
    ex.group_by = ["weather"]
    ex._wait(60)
    cmp = ex.evaluation["compare"]
    metrics = {m[0]: m for m in cmp["metrics"]}
    assert metrics["mAP"][1] == good.summary()["mAP"] and metrics["mAP"][2] == worse.summary()["mAP"]
    assert metrics["mAP"][3] < 0
    deltas = [r["delta"] for r in cmp["regressions"] if r["delta"] is not None]
    assert deltas == sorted(deltas) and {r["kind"] for r in cmp["regressions"]} == {"class", "group"}
    # a regression's examples: right in A, wrong in B
    ex.group_by = []
    reg = next(r for r in cmp["regressions"] if r["kind"] == "group")
    ex.filter = reg["worse"]
    ex._wait(60)
    worse_rows = ex.view.to_pandas()
    assert len(worse_rows) > 0
    a_table, b_table = good.table.to_pandas(), worse.table.to_pandas()
    weather = reg["name"].split(" = ")[1]
    expected = ((a_table.fp + a_table.fn == 0) & (b_table.fp + b_table.fn > 0) & (a_table.weather == weather)).sum()
    assert len(worse_rows) == expected
    # a live evaluation compared with a logged one
    live, _ = make_explorer(good, compare="det-eval:v1")
    assert live.evaluation["compare"]["metrics"]


def test_classification_panel_cells_count_rows(make_explorer: Any) -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 90)
    p = np.where(rng.random(90) < 0.7, y, rng.integers(0, 3, 90))
    ev = tl.evaluate_classifications(pd.DataFrame({"id": range(90), "label": y, "pred": p}))
    ex, _ = make_explorer(ev)
    cm = ex.evaluation["confusion"]
    assert cm["unit"] == "rows"
    for a in range(3):
        for b in range(3):
            ex.filter = cm["filters"][a][b]
            ex._wait(60)
            assert ex.num_rows == cm["values"][a][b]


def test_the_slider_moved_away_and_back_shows_what_a_fresh_evaluation_shows(make_explorer: Any) -> None:
    # more thresholds than the evaluation keeps results for, then back to the first: the panel and the page
    # equal those of an evaluation made at that threshold (nothing stale, nothing evicted that is still shown)
    table = _detections(3)
    ev = tl.evaluate_detections(table)
    ex, cap = make_explorer(ev, filter="{$gt: ['$tp', 0]}")
    for t in (0.6, 0.2, 0.35, 0.5, 0.7, 0.45, 0.6):
        ex.eval_threshold = t
        ex._wait(60)
    fresh, fresh_cap = make_explorer(tl.evaluate_detections(table, threshold=0.6), filter="{$gt: ['$tp', 0]}")
    assert ex.evaluation == fresh.evaluation and ex.evaluation["threshold"] == 0.6
    assert ex.num_rows == fresh.num_rows
    assert cap.rows()["rows"] == fresh_cap.rows()["rows"]
