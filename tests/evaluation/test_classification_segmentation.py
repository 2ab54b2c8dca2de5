"""Classification metrics against scikit-learn; segmentation IoU and confusion against a plain numpy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, top_k_accuracy_score

import tablelens as tl


def _predictions(seed: int, n: int = 400, k: int = 7, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    s = rng.random((n, k))
    s[np.arange(n), y] += rng.random(n) * 1.5
    s = s / s.sum(1, keepdims=True)
    if ties:
        s = np.round(s, 1)  # many equal scores: ranks follow scikit-learn's tie order
    return y, s


@pytest.mark.parametrize("seed,ties", [(0, False), (1, True), (2, False)])
def test_classification_equals_scikit_learn(seed: int, ties: bool) -> None:
    y, s = _predictions(seed, ties=ties)
    k = s.shape[1]
    p = s.argmax(1)
    df = pd.DataFrame({"id": np.arange(len(y)), "label": y, "pred": p, **{f"s{j}": s[:, j] for j in range(k)}})
    ev = tl.evaluate_classifications(df, scores=[f"s{j}" for j in range(k)])
    labels = list(range(k))
    assert (ev.confusion().values[:k, :k] == confusion_matrix(y, p, labels=labels)).all()
    for avg in (None, "macro", "micro", "weighted"):
        ref = precision_recall_fscore_support(y, p, labels=labels, average=avg, zero_division=0)
        if avg is None:
            pc = ev.per_class()
            np.testing.assert_allclose(pc[["precision", "recall", "f1"]].to_numpy().T, np.array(ref[:3]), atol=1e-12)
            assert pc.support.tolist() == ref[3].tolist()
        else:
            m = ev.metrics()
            prefix = "" if avg == "macro" else f"{avg}_"
            got = [m[f"{prefix}precision"], m[f"{prefix}recall"], m[f"{prefix}f1"]]
            np.testing.assert_allclose(got, ref[:3], atol=1e-12)
    for kk in (1, 2, 3, 5):
        assert ev.top_k(kk) == pytest.approx(top_k_accuracy_score(y, s, k=kk, labels=labels), abs=1e-12)


def test_expected_calibration_error_by_its_definition() -> None:
    y, s = _predictions(3)
    df = pd.DataFrame({"id": np.arange(len(y)), "label": y, "scores": list(s)})
    ev = tl.evaluate_classifications(df, pred=None, scores="scores")
    conf, pred = s.max(1), s.argmax(1)
    total = 0.0
    for b in range(15):  # bins (b/15, (b+1)/15]
        inside = (conf > b / 15) & (conf <= (b + 1) / 15)
        if inside.any():
            total += inside.sum() / len(y) * abs((pred[inside] == y[inside]).mean() - conf[inside].mean())
    assert ev.ece() == pytest.approx(total, abs=1e-12)


def test_string_labels_two_tables_and_a_threshold() -> None:
    y, s = _predictions(4, k=3)
    names = np.array(["cat", "dog", "eel"])
    truth = pd.DataFrame({"key": np.arange(len(y))[::-1], "label": names[y][::-1]})
    preds = pd.DataFrame({"key": np.arange(len(y)), "guess": names[s.argmax(1)], "scores": list(s)})
    ev = tl.evaluate_classifications(preds, truth=truth, key="key", pred="guess", scores="scores")
    assert (ev.confusion().values[:3, :3] == confusion_matrix(names[y], names[s.argmax(1)], labels=names)).all()
    high = ev.at(0.6)
    abstained = (s.max(1) < 0.6).sum()
    assert high.confusion()["none"].sum() == abstained > 0
    assert high.summary()["accuracy"] == pytest.approx(((s.argmax(1) == y) & (s.max(1) >= 0.6)).mean())
    table = high.table.to_pandas()
    assert table.correct.sum() == ((s.argmax(1) == y) & (s.max(1) >= 0.6)).sum()


def test_confusion_cells_filter_their_rows() -> None:
    y, s = _predictions(5, k=4, n=200)
    df = pd.DataFrame({"id": np.arange(len(y)), "label": y, "pred": s.argmax(1), "scores": list(s)})
    ev = tl.evaluate_classifications(df, scores="scores").at(0.4)
    cells = ev.confusion_cells()
    for a in range(4):
        for b in range(5):
            assert tl.query(ev.table, filter=cells["filters"][a][b]).num_rows == cells["values"][a][b]


def _masks(seed: int, n: int = 10, k: int = 4) -> tuple[tl.Table, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    classes = tl.Classes([{"id": c, "name": f"c{c}"} for c in range(k)])
    t = tl.Table(columns=["id", "mask"])
    truth, pred = [], []
    for i in range(n):
        h, w = (int(v) for v in rng.integers(8, 40, 2))
        g = rng.integers(0, k, (h, w))
        p = np.where(rng.random((h, w)) < 0.6, g, rng.integers(0, k, (h, w)))
        if i == 0:
            p[p == 3] = 2  # a class present in truth only, in this row
        truth.append(g)
        pred.append(p)
        t.add_data(i, tl.Image(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), classes=classes,
                               masks={"ground_truth": {"mask_data": g}, "predictions": {"mask_data": p}}))
    return t, truth, pred


def test_segmentation_equals_a_numpy_reference() -> None:
    t, truth, pred = _masks(0)
    ev = tl.evaluate_segmentations(t)
    k = 4
    ref = np.zeros((k, k), np.int64)
    for g, p in zip(truth, pred):
        for a in range(k):
            for b in range(k):
                ref[a, b] += int(np.sum((g == a) & (p == b)))
    assert (ev.confusion().values == ref).all()
    for c in range(k):
        inter = sum(int(np.sum((g == c) & (p == c))) for g, p in zip(truth, pred))
        union = sum(int(np.sum((g == c) | (p == c))) for g, p in zip(truth, pred))
        assert ev.iou()[f"c{c}"] == pytest.approx(inter / union, abs=1e-12)
    assert ev.summary()["pixel_accuracy"] == pytest.approx(np.trace(ref) / ref.sum())
    rows = ev.table.to_pandas()
    g, p = truth[0], pred[0]
    assert rows.iou[0]["c3"] == 0.0  # in the truth, never predicted
    assert rows.iou[0]["c1"] == pytest.approx(np.sum((g == 1) & (p == 1)) / np.sum((g == 1) | (p == 1)))
    cells = ev.confusion_cells()
    assert tl.query(ev.table, filter=cells["filters"][3][3]).num_rows == cells["rows"][3][3] == 9


def test_segmentation_ignore_and_two_tables() -> None:
    t, truth, pred = _masks(1, n=6)
    ev = tl.evaluate_segmentations(t, ignore=0)
    assert ev.confusion().loc["c0"].sum() == 0
    assert ev.confusion().values.sum() == sum(int(np.sum(g != 0)) for g in truth)
    # the true masks in another table, rows in another order, met on the key
    classes = tl.Classes([{"id": c, "name": f"c{c}"} for c in range(4)])
    truth_table = tl.Table(columns=["key", "photo"])
    pred_table = tl.Table(columns=["key", "out"])
    for i in reversed(range(len(truth))):
        g = truth[i]
        truth_table.add_data(f"k{i}", tl.Image(np.zeros((*g.shape, 3), np.uint8), classes=classes,
                                               masks={"truth": {"mask_data": g}}))
    for i, p in enumerate(pred):
        pred_table.add_data(f"k{i}", tl.Image(np.zeros((*p.shape, 3), np.uint8), classes=classes,
                                              masks={"seg": {"mask_data": p}}))
    two = tl.evaluate_segmentations(pred_table, truth=truth_table, key="key", gt="photo.masks.truth",
                                    pred="out.masks.seg")
    assert (two.confusion().values == tl.evaluate_segmentations(t).confusion().values).all()
