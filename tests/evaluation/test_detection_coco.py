"""COCO detection metrics against pycocotools' COCOeval (the oracle), read and written through the COCO converters.

Sets include empty predictions, empty ground truth, duplicate detections, crowd regions, several image sizes and
boxes touching the border; every one of COCOeval's twelve numbers and its precision per class must agree to 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tablelens as tl

from .data import cocoeval, generate, stats_of, write

CASES = [
    ("plain", {}),
    ("crowd regions", {"crowd": 0.2}),
    ("many duplicates", {"duplicates": 0.5}),
    ("dense images", {"max_gt": 20, "max_dets": 40, "n_cats": 2}),
    ("one class", {"n_cats": 1}),
    ("many classes", {"n_cats": 30, "n_images": 30}),
]


@pytest.mark.parametrize("name,options", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_equal_cocoeval(tmp_path: Path, name: str, options: dict, seed: int) -> None:
    gt, res = generate(seed, **options)
    ann, images = write(tmp_path, gt)
    table = tl.Table.from_coco(ann, images, results=res, masks=False)
    ev = tl.evaluate_detections(table, key="image_id")
    ref = cocoeval(ann, res)
    np.testing.assert_allclose(stats_of(ev), ref.stats, atol=1e-6)
    # per class too: COCO's precision array averaged per class (area all, 100 detections)
    p = ref.eval["precision"][:, :, :, 0, 2]
    for k, row in enumerate(ev.per_class().itertuples()):
        defined = p[:, :, k][p[:, :, k] > -1]
        expected = float(np.mean(defined)) if defined.size else None
        assert (row.AP is None or np.isnan(row.AP)) if expected is None else pytest.approx(expected, abs=1e-6) == row.AP


def test_empty_predictions_and_empty_ground_truth(tmp_path: Path) -> None:
    gt, res = generate(3)
    ann, images = write(tmp_path, gt)
    ev = tl.evaluate_detections(tl.Table.from_coco(ann, images, results=[], masks=False), key="image_id")
    np.testing.assert_allclose(stats_of(ev), cocoeval(ann, []).stats, atol=1e-6)
    m = ev.metrics()
    assert m["tp"] == 0 and m["fp"] == 0 and m["fn"] == m["ground_truth"] > 0
    assert m["mAP"] == 0.0

    empty = {**gt, "annotations": []}
    ann2, _ = write(tmp_path, empty, "empty.json")
    ev2 = tl.evaluate_detections(tl.Table.from_coco(ann2, images, results=res, masks=False), key="image_id")
    ref = cocoeval(ann2, res)
    assert (ref.stats == -1).all()
    assert all(v is None for v in ev2.stats().values())
    assert ev2.metrics()["fp"] == len(res)  # every prediction is a false positive


def test_predictions_and_ground_truth_in_two_logged_versions(tmp_path: Path) -> None:
    """Ground truth and predictions as two artifact versions, matched on a key; results written back with the
    converters and evaluated by pycocotools give the same numbers."""
    gt, res = generate(4, crowd=0.1)
    ann, images = write(tmp_path, gt)
    run = tl.init(project="t", dir=tmp_path / "store")
    truth = tl.Table.from_coco(ann, images, masks=False)
    art = tl.Artifact("coco-truth", type="dataset")
    art.add(truth, "instances")
    run.log_artifact(art)
    preds = tl.Table.from_coco(ann, images, results=res, masks=False, layer="unused", results_layer="predictions")
    art = tl.Artifact("coco-preds", type="predictions")
    art.add(preds, "preds")
    run.log_artifact(art)
    ev = tl.evaluate_detections("coco-preds:v0", gt="coco-truth:v0", key="image_id")
    np.testing.assert_allclose(stats_of(ev), cocoeval(ann, res).stats, atol=1e-6)
    # written back through the converters, read by pycocotools: the same numbers
    stored = run.store.artifact("coco-preds:v0").get("preds")
    results = stored.to_coco(tmp_path / "results.json", layer="predictions", score="score")
    truth_json = run.store.artifact("coco-truth:v0").get("instances").to_coco(tmp_path / "truth.json")
    assert truth_json["annotations"]
    np.testing.assert_allclose(stats_of(ev), cocoeval(tmp_path / "truth.json", results).stats, atol=1e-6)
    run.finish()


def test_relative_and_centre_size_boxes_are_normalised(tmp_path: Path) -> None:
    """A table logged by hand with relative boxes (corners and middle/width/height mixed with pixel boxes)
    evaluates as the pixel boxes COCO gets when the same table is written with to_coco."""
    rng = np.random.default_rng(7)
    classes = tl.Classes([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    table = tl.Table(columns=["image_id", "image"])
    for k in range(12):
        w, h = [(64, 48), (200, 100), (37, 91)][k % 3]
        truth, preds = [], []
        for _ in range(int(rng.integers(0, 6))):
            x0, y0 = rng.uniform(0, 0.7, 2)
            bw, bh = rng.uniform(0.05, 0.3, 2)
            c = int(rng.integers(1, 3))
            forms = rng.integers(0, 3)
            if forms == 0:
                truth.append({"position": {"minX": x0, "maxX": x0 + bw, "minY": y0, "maxY": y0 + bh}, "class_id": c})
            elif forms == 1:
                truth.append({"position": {"middle": [x0 + bw / 2, y0 + bh / 2], "width": bw, "height": bh},
                              "class_id": c})
            else:
                truth.append({"position": {"minX": x0 * w, "maxX": (x0 + bw) * w, "minY": y0 * h,
                                           "maxY": (y0 + bh) * h}, "domain": "pixel", "class_id": c})
            jx, jy = rng.normal(0, 0.01, 2)
            preds.append({"position": {"minX": (x0 + jx) * w, "maxX": (x0 + jx + bw) * w, "minY": (y0 + jy) * h,
                                       "maxY": (y0 + jy + bh) * h}, "domain": "pixel", "class_id": c,
                          "scores": {"score": float(rng.random())}})
        image = tl.Image(np.zeros((h, w, 3), np.uint8), classes=classes,
                         boxes={"ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}})
        table.add_data(100 + k, image)
    gt_json = table.to_coco(tmp_path / "gt.json")
    res = table.to_coco(tmp_path / "res.json", score="score")
    ev = tl.evaluate_detections(table, key="image_id")
    ref = cocoeval(tmp_path / "gt.json", res)
    assert gt_json["annotations"]
    np.testing.assert_allclose(stats_of(ev), ref.stats, atol=1e-6)


def test_another_iou_threshold_sets_statuses_not_map(tmp_path: Path) -> None:
    gt, res = generate(5)
    ann, images = write(tmp_path, gt)
    table = tl.Table.from_coco(ann, images, results=res, masks=False)
    ev50 = tl.evaluate_detections(table, key="image_id")
    ev70 = tl.evaluate_detections(table, key="image_id", iou=0.7)
    assert ev50.stats() == ev70.stats()  # mAP is COCO's, over 0.50:0.95, whatever iou= says
    assert ev70.metrics()["tp"] < ev50.metrics()["tp"]
    # the statuses at 0.75 are COCO's matches at 0.75: the true positives COCOeval counts at that threshold
    ev75 = tl.evaluate_detections(table, key="image_id", iou=0.75)
    ref = cocoeval(ann, res)
    t = int(np.flatnonzero(np.isclose(ref.params.iouThrs, 0.75))[0])
    tp_ref = sum(int(np.sum((e["dtMatches"][t] > 0) & ~e["dtIgnore"][t].astype(bool)))
                 for e in ref.evalImgs if e is not None and e["aRng"] == [0, 1e10])
    assert ev75.metrics()["tp"] == tp_ref


def test_results_file_round_trip_keeps_scores(tmp_path: Path) -> None:
    gt, res = generate(6)
    ann, images = write(tmp_path, gt)
    table = tl.Table.from_coco(ann, images, results=res, masks=False)
    written = table.to_coco(None, score="score")
    assert sorted(json.dumps(r["score"]) for r in written) == sorted(json.dumps(r["score"]) for r in res)


def test_boxes_on_a_pixel_grid_tie_exactly_as_pycocotools(tmp_path: Path) -> None:
    """Relative boxes on a pixel grid overlap by exactly 1/2 or 3/4 and have areas of exactly 32 x 32: the last bit
    of the arithmetic decides. The evaluation decides as pycocotools does on the files to_coco writes."""
    rng = np.random.default_rng(3)
    classes = tl.Classes([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    table = tl.Table(columns=["image_id", "image"])
    ties = 0
    for k in range(30):
        w, h = [(128, 96), (100, 75), (37, 60)][k % 3]
        truth, preds = [], []
        for _ in range(4):
            x, y = int(rng.integers(0, w - 34)), int(rng.integers(0, h - 34))
            bw, bh = [(32, 32), (4, 2), (8, 8), (2, 4)][int(rng.integers(0, 4))]
            c = int(rng.integers(1, 3))
            truth.append({"position": {"minX": x / w, "maxX": (x + bw) / w, "minY": y / h, "maxY": (y + bh) / h},
                          "class_id": c})
            dx = [0, bw // 2, bw // 4, 1][int(rng.integers(0, 4))]  # half / three-quarter overlaps
            preds.append({"position": {"minX": (x + dx) / w, "maxX": (x + dx + bw) / w, "minY": y / h,
                                       "maxY": (y + bh) / h}, "class_id": c,
                          "scores": {"score": round(float(rng.random()), 2)}})
            ties += dx == bw // 2
        table.add_data(k, tl.Image(np.zeros((h, w, 3), np.uint8), classes=classes,
                                   boxes={"ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}}))
    assert ties > 10
    table.to_coco(tmp_path / "gt.json")
    res = table.to_coco(tmp_path / "res.json", score="score")
    ev = tl.evaluate_detections(table, key="image_id")
    ref = cocoeval(tmp_path / "gt.json", res)
    np.testing.assert_allclose(stats_of(ev), ref.stats, atol=1e-12)
