"""`ev.log(name)`: a version of an "evaluation" artifact, linked by lineage to the predictions and ground truth
versions it came from, whose table keeps the results (box statuses included) and names the media by reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tablelens as tl
from tablelens.evaluation import load_summary


def _log_inputs(store: Path) -> tl.Run:
    run = tl.init(project="t", job_type="data", dir=store)
    classes = tl.Classes([{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}])
    truth = tl.Table(columns=["id", "image"])
    preds = tl.Table(columns=["id", "pred"])
    rng = np.random.default_rng(0)
    for k in range(8):
        px = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
        boxes = [{"position": {"minX": 2.0 * k, "maxX": 2.0 * k + 10, "minY": 1.0, "maxY": 12.0}, "domain": "pixel",
                  "class_id": 1 + k % 2}]
        truth.add_data(k, tl.Image(px, classes=classes, boxes={"ground_truth": {"box_data": boxes}}))
        guess = [{**boxes[0], "class_id": 1, "scores": {"score": 0.1 * k}}]
        preds.add_data(k, tl.Image(px, classes=classes, boxes={"predictions": {"box_data": guess}}))
    for name, kind, t in (("scenes", "dataset", truth), ("scene-preds", "predictions", preds)):
        art = tl.Artifact(name, type=kind)
        art.add(t, "table")
        run.log_artifact(art)
    run.finish()
    return run


def test_log_links_the_evaluation_to_its_inputs(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    _log_inputs(store_dir)
    run = tl.init(project="t", job_type="evaluate", dir=store_dir)
    ev = tl.evaluate_detections("scene-preds:v0", gt="scenes:v0", pred_field="pred.boxes.predictions", key="id")
    logged = ev.log("eval-v3", aliases=["baseline"])
    assert (logged.qualified_name, logged.type) == ("eval-v3:v0", "evaluation")
    assert logged.metadata["mAP"] == ev.metrics()["mAP"] and logged.metadata["evaluation"] == "detection"
    store = tl.Store(store_dir)
    graph = store.lineage("eval-v3:v0")
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    run_id = f"run:{run.id}"
    assert ("scene-preds:v0", run_id) in edges and ("scenes:v0", run_id) in edges
    assert (run_id, "eval-v3:v0") in edges
    # the stored table is an ordinary table: the results are columns, the statuses box fields
    fps = tl.query("eval-v3:baseline", filter="{$gt: ['$fp', 0]}")
    assert fps.num_rows == int((ev.table.to_pandas().fp > 0).sum()) > 0
    fn_boxes = tl.query("eval-v3:v0", filter="{$in: ['fn', '$pred.boxes.ground_truth.status']}")
    assert fn_boxes.num_rows == int((ev.table.to_pandas().fn > 0).sum())
    # media are referenced from the predictions, not copied
    manifest = store.artifact("eval-v3:v0").manifest
    images = [e for p, e in manifest.items() if p.startswith("media/images/")]
    assert images and all(e.get("ref", "").startswith("scene-preds:v0/") for e in images)
    stored = store.artifact("eval-v3:v0").get("evaluation")
    first = stored.get_column("pred")[0]
    assert first.width == 40  # the image reads back through the reference
    summary = load_summary(store.artifact("eval-v3:v0"))
    assert summary["kind"] == "detection" and summary["metrics"]["tp"] == ev.metrics()["tp"]
    assert [s["artifact"] for s in summary["sources"]] == ["scene-preds:v0", "scenes:v0"]
    run.finish()


def test_log_of_unlogged_tables_copies_their_media(tmp_path: Path) -> None:
    classes = tl.Classes([{"id": 1, "name": "car"}])
    t = tl.Table(columns=["id", "image"])
    box = {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5}, "class_id": 1}
    t.add_data(0, tl.Image(np.zeros((10, 10, 3), np.uint8), classes=classes,
                           boxes={"ground_truth": {"box_data": [box]},
                                  "predictions": {"box_data": [{**box, "scores": {"score": 0.9}}]}}))
    run = tl.init(project="t", dir=tmp_path / "store")
    logged = tl.evaluate_detections(t).log("eval")
    run.finish()
    again = tl.Store(tmp_path / "store").artifact(logged.qualified_name).get("evaluation")
    assert again.get_column("tp") == [1]
    assert again.get_column("image")[0].width == 10
