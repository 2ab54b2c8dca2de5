"""The evaluated table and the confusion matrix: ordinary columns and box fields the engine filters, groups and
sorts; counts that add up for any set of boxes (property tests); thresholds that cut without matching again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tablelens as tl
from tablelens.sources import evaluate

from .data import generate, write

CLASSES = tl.Classes([{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}, {"id": 3, "name": "person"}])


def _box(x: float, y: float, w: float, h: float, c: int, score: float | None = None) -> dict:
    b = {"position": {"minX": x, "maxX": x + w, "minY": y, "maxY": y + h}, "domain": "pixel", "class_id": c}
    if score is not None:
        b["scores"] = {"score": score}
    return b


def _table(rows: list[tuple[list[dict], list[dict]]]) -> tl.Table:
    t = tl.Table(columns=["id", "image"])
    for k, (truth, preds) in enumerate(rows):
        t.add_data(k, tl.Image(np.zeros((40, 60, 3), np.uint8), classes=CLASSES,
                               boxes={"ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}}))
    return t


def _box_strategy(scored: bool) -> st.SearchStrategy:
    coord = st.integers(0, 50)
    size = st.integers(1, 20)
    score = st.floats(0, 1, allow_nan=False) if scored else st.none()
    return st.builds(lambda x, y, w, h, c, s: _box(float(x), float(y), float(w), float(h), c, s),
                     coord, coord, size, size, st.integers(1, 3), score)


ROWS = st.lists(st.tuples(st.lists(_box_strategy(False), max_size=6), st.lists(_box_strategy(True), max_size=8)),
                min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, iou=st.sampled_from([0.3, 0.5, 0.75]), threshold=st.one_of(st.none(), st.floats(0, 1)))
def test_status_counts_add_up(rows: list, iou: float, threshold: float | None) -> None:
    ev = tl.evaluate_detections(_table(rows), iou=iou, threshold=threshold)
    n_truth = sum(len(t) for t, _ in rows)
    n_preds = sum(1 for _, p in rows for b in p if threshold is None or b["scores"]["score"] >= threshold)
    m = ev.metrics()
    assert m["tp"] + m["fn"] == n_truth
    assert m["tp"] + m["fp"] == n_preds  # no crowd regions, fewer than 100 per image: nothing is ignored
    pc = ev.per_class()
    assert (pc.tp + pc.fn == pc.ground_truth).all() and (pc.tp + pc.fp == pc.predictions).all()
    cm = ev.confusion()
    # every ground-truth box in one cell of its class's row, every counted prediction in one cell of its column
    assert cm.drop(index="none").sum(axis=1).tolist() == pc.ground_truth.tolist()
    assert cm.drop(columns="none").sum(axis=0).tolist() == pc.predictions.tolist()
    assert np.trace(cm.values[:-1, :-1]) >= m["tp"] and cm.loc["none", "none"] == 0
    df = ev.table.to_pandas()
    assert (df.tp.sum(), df.fp.sum(), df.fn.sum()) == (m["tp"], m["fp"], m["fn"])
    for k, (_truth, preds) in enumerate(rows):
        statuses = [s for s in _statuses(ev, k, "predictions") if s is not None]
        assert len(statuses) == sum(1 for b in preds if threshold is None or b["scores"]["score"] >= threshold)
        assert statuses.count("tp") == df.tp[k] and statuses.count("fp") == df.fp[k]
        assert _statuses(ev, k, "ground_truth").count("fn") == df.fn[k]


def _statuses(ev: tl.DetectionEvaluation, row: int, layer: str) -> list:
    r = tl.query(ev.table, filter={"$eq": ["$id", row]})
    return [b.get("status") for b in r.to_arrow().column("image")[0].as_py()["boxes"][layer] or []]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_a_threshold_is_a_cut_of_the_same_matching(rows: list) -> None:
    """Raising the threshold only drops predictions: matches above it never change, counts never grow."""
    ev = tl.evaluate_detections(_table(rows))
    last = None
    for t in (None, 0.2, 0.5, 0.8, 1.01):
        m = ev.at(t).metrics()
        if last is not None:
            assert m["tp"] <= last["tp"] and m["predictions"] <= last["predictions"]
            assert m["fn"] >= last["fn"]
        last = m
    assert last is not None and last["predictions"] == 0 and last["fn"] == last["ground_truth"]


@pytest.fixture(scope="module")
def coco_eval(tmp_path_factory: pytest.TempPathFactory) -> tl.DetectionEvaluation:
    root = tmp_path_factory.mktemp("coco")
    gt, res = generate(11, n_images=30)
    ann, images = write(root, gt)
    return tl.evaluate_detections(tl.Table.from_coco(ann, images, results=res, masks=False), key="image_id")


def test_results_are_columns_the_engine_filters_groups_and_sorts(coco_eval: tl.DetectionEvaluation) -> None:
    ev = coco_eval
    df = ev.table.to_pandas()
    # {$gt: ['$fp', 0]} is an ordinary filter
    assert tl.query(ev.table, filter="{$gt: ['$fp', 0]}").num_rows == int((df.fp > 0).sum()) > 0
    # box status is visible to filters over the boxes
    has_fn = ("{$anyElementTrue: [{$map: {input: '$image.boxes.ground_truth', as: 'box', "
              "in: {$eq: ['$$box.status', 'fn']}}}]}")
    assert tl.query(ev.table, filter=has_fn).num_rows == int((df.fn > 0).sum())
    count_tp = {"$size": {"$filter": {"input": "$image.boxes.predictions", "as": "box",
                                      "cond": {"$eq": ["$$box.status", "tp"]}}}}
    got = evaluate(ev.table, count_tp)
    assert [v for v, _ in got] == df.tp.tolist()
    # sort by matched IoU
    top = tl.query(ev.table, sort=[("iou", "desc")]).to_pandas()
    ious = top.iou.dropna().tolist()
    assert ious == sorted(ious, reverse=True) and ious
    # group by a status
    groups = tl.query(ev.table, group_by="{$gt: ['$fn', 0]}").to_pandas()
    assert sorted(groups["count"].tolist()) == sorted([(df.fn > 0).sum(), (df.fn == 0).sum()])


def test_a_confusion_cell_filters_exactly_its_examples(coco_eval: tl.DetectionEvaluation) -> None:
    cells = coco_eval.confusion_cells()
    k = len(cells["labels"])
    checked = 0
    for a in range(k):
        for b in range(k):
            if a == k - 1 and b == k - 1:
                continue
            n = tl.query(coco_eval.table, filter=cells["filters"][a][b]).num_rows
            assert n == cells["rows"][a][b]
            assert (cells["values"][a][b] > 0) == (n > 0)
            checked += n > 0
    assert checked > 5


def test_class_filters_and_chips(coco_eval: tl.DetectionEvaluation) -> None:
    pc = coco_eval.per_class()
    df = coco_eval.table.to_pandas()
    for chip in coco_eval.chips():
        n = int((df[chip["name"]] > 0).sum())
        assert tl.query(coco_eval.table, filter=chip["filter"]).num_rows == chip["count"] == n
    k = int(np.argmax(pc.fp.to_numpy()))
    rows = tl.query(coco_eval.table, filter=coco_eval.class_filter(k, "fp")).to_pandas()
    assert 0 < len(rows) <= pc.fp[k]
    assert all(pc["class"][k] in e for e in rows.errors)


def test_threshold_changes_table_and_confusion(coco_eval: tl.DetectionEvaluation) -> None:
    high = coco_eval.at(0.8)
    assert high.metrics()["predictions"] < coco_eval.metrics()["predictions"]
    assert high.table.to_pandas().fp.sum() < coco_eval.table.to_pandas().fp.sum()
    assert high.confusion().values.sum() < coco_eval.confusion().values.sum()
    # the metrics at a threshold are COCO's on the predictions above it
    assert high.stats()["AR100"] <= coco_eval.stats()["AR100"]


def test_ground_truth_in_another_table_is_copied_beside_the_predictions(tmp_path: Path) -> None:
    rows = [([_box(1, 1, 10, 10, 1), _box(30, 5, 8, 8, 2)],
             [_box(1, 1, 10, 11, 1, 0.9), _box(40, 20, 5, 5, 3, 0.4)]),
            ([_box(0, 0, 20, 20, 3)], [_box(0, 0, 20, 19, 3, 0.8)])]
    truth = tl.Table(columns=["key", "photo"])
    preds = tl.Table(columns=["key", "pred"])
    for k, (t, p) in enumerate(rows):
        truth.add_data(f"k{k}", tl.Image(np.zeros((40, 60, 3), np.uint8), classes=CLASSES,
                                         boxes={"truth": {"box_data": t}}))
        preds.add_data(f"k{k}", tl.Image(np.zeros((40, 60, 3), np.uint8), classes=CLASSES,
                                         boxes={"det": {"box_data": p}}))
    ev = tl.evaluate_detections(preds, gt=truth, pred_field="pred.boxes.det", gt_field="photo.boxes.truth", key="key")
    m = ev.metrics()
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 1)
    image = ev.table.to_arrow().column("pred")[0].as_py()
    assert [b["status"] for b in image["boxes"]["truth"]] == ["tp", "fn"]
    assert [b["status"] for b in image["boxes"]["det"]] == ["tp", "fp"]
    assert ev.layers() == {"column": "pred", "predictions": "det", "ground_truth": "truth"}


def test_a_recut_equals_a_fresh_evaluation_at_that_threshold(tmp_path: Path) -> None:
    """A threshold's results come from the one matching and a per-threshold cache that keeps a few thresholds:
    after a walk through more thresholds than it keeps, every result at a threshold equals those of an
    evaluation made at that threshold (metrics, confusion, panel, and the evaluated table cell for cell)."""
    gt, res = generate(12, n_images=40)
    ann, images = write(tmp_path, gt)
    table = tl.Table.from_coco(ann, images, results=res, masks=False)
    ev = tl.evaluate_detections(table, key="image_id")
    walk = [0.3, 0.9, 0.1, 0.6, 0.45, None, 0.75, 0.3, 0.6]
    seen = [ev.at(t) for t in walk]
    for t, cut in zip(walk, seen):
        fresh = tl.evaluate_detections(table, key="image_id", threshold=t)
        assert cut.metrics() == fresh.metrics(), t
        assert cut.panel() == fresh.panel(), t
        assert cut.confusion().equals(fresh.confusion()), t
        assert cut.table.to_arrow().equals(fresh.table.to_arrow()), t
