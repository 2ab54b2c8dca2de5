"""`evaluate_detections`: COCO detection metrics, per-box match status, confusion matrices, as tables.

DuckDB flattens the boxes, checks them and finds candidate pairs (`_boxes.py`); numpy matches them greedily
and accumulates precision exactly as pycocotools' `COCOeval` does (`_coco.py`). Everything that depends on a
confidence threshold — metrics, statuses, the confusion matrix, the table's columns — is derived from one
matching: dropping the lowest-scored predictions never changes how the others matched (each prediction takes
what higher-scored ones left), so a threshold is a cut, not a new evaluation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from .._core.errors import EvaluationError
from . import _boxes, _coco
from ._arrays import unique
from ._base import Cache, Evaluation, EvaluationWarning, check_threshold, shown, shown_rows
from ._classes import NONE, ClassInfo, class_info
from ._filters import path, render
from ._inputs import ROW, Field, KeySpec, Session, Side, key_spec, open_side, parse_field, result_prefix
from ._table import (
    MediaFiles,
    add_columns,
    codes_to_strings,
    lists_from_keys,
    lists_of,
    nullable_floats,
    nullable_ints,
    row_keys,
    row_lists,
    schema_of,
    set_layer,
    to_table,
)

__all__ = ["DetectionEvaluation", "evaluate_detections"]

METHODS = ("coco",)
# status codes of boxes; strings in the table
_NULL, _TP, _FP, _IGNORED, _FN = 0, 1, 2, 3, 4
STATUS = [None, "tp", "fp", "ignored", "fn"]
ROW_COLUMNS = ("tp", "fp", "fn", "iou", "confusion", "errors")
STAT_NAMES = ("mAP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


@dataclass
class _Data:
    """One matching of predictions against ground truth; every threshold's results derive from it."""

    params: dict[str, Any]
    classes: ClassInfo
    dets: _coco.Detections
    gts: _coco.GroundTruth
    d_row: np.ndarray  # predictions row of each detection
    d_box: np.ndarray  # its position in the row's list
    g_row: np.ndarray  # predictions row of each ground-truth box (-1: no predictions row)
    g_box: np.ndarray
    matches: list[_coco.Matches]  # per area range (all, small, medium, large)
    thresholds: np.ndarray  # IoU thresholds matched: COCO's ten, plus the chosen one when it is not among them
    coco: np.ndarray  # positions of COCO's ten in `thresholds`
    keep: int  # position of the chosen IoU in `thresholds`
    cross_d: np.ndarray  # cross-class pairs of the confusion matrix: detection ...
    cross_g: np.ndarray  # ... and ground truth
    n_rows: int
    n_images: int
    pred_lengths: np.ndarray
    missing_gt_rows: np.ndarray
    n_missing_pred: int
    missing_pred_keys: list[Any]
    preds: Side
    gt: Side
    pf: Field
    gf: Field
    key: KeySpec
    prefix: str
    ranked: bool  # predictions carry scores (AP is defined)
    gt_lists: pa.ListArray | None = None  # ground truth per predictions row, when it lives in another column
    cache: Cache = field(default_factory=Cache)


def evaluate_detections(
    preds: Any,
    gt: Any = None,
    *,
    pred_field: str = "image.boxes.predictions",
    gt_field: str = "image.boxes.ground_truth",
    key: str | tuple[str, str] | None = "id",
    iou: float = 0.5,
    method: str = "coco",
    score: str | None = "score",
    threshold: float | None = None,
    max_dets: int = 100,
    annotations: str | None = "annotations",
    table: str | None = None,
    gt_table: str | None = None,
    prefix: str | None = None,
) -> DetectionEvaluation:
    """Evaluate predicted boxes against ground truth, COCO-style (`method="coco"`, as pycocotools' COCOeval).

    `preds` (and `gt`, when the ground truth is another table) is a Table, an artifact spec such as
    `"preds:v3"`, an Artifact, a DataFrame, a Parquet path; `pred_field` / `gt_field` name the box layers
    (`column.boxes.layer`). Two tables meet on `key` (a column of both, or a pair); one table needs no key (it
    orders images for COCO's tie-breaks when given). `iou` is the threshold the statuses (tp / fp / fn), counts,
    precision, recall and the confusion matrix use; mAP is COCO's mean over IoU 0.50:0.95. `score` is the key
    of the boxes' `scores` that ranks predictions; `score=None` evaluates unranked predictions (precision,
    recall, F1 and counts; AP undefined). `threshold` keeps only predictions scoring at least that (change it
    with `ev.at(t)`). `annotations` names the COCO per-box records (`iscrowd`, `area`) of the ground truth
    (`Table.from_coco`'s column; used when present). Result columns get `prefix` (default: none, or `eval_`
    when the predictions already have a column of a result's name).

    Faults raise EvaluationError naming the row, key and field; see docs/evaluation.md.
    """
    if method not in METHODS:
        raise EvaluationError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(iou, bool) or not isinstance(iou, (int, float)) or not 0 < float(iou) <= 1:
        raise EvaluationError(f"iou must be a number in (0, 1], got {iou!r}")
    if isinstance(max_dets, bool) or not isinstance(max_dets, int) or max_dets < 1:
        raise EvaluationError(f"max_dets must be a positive integer, got {max_dets!r}")
    threshold = check_threshold(threshold)
    session = Session()
    try:
        p_side = open_side(preds, session, "predictions", table)
        g_side = open_side(gt, session, "ground truth", gt_table) if gt is not None else p_side
        pf = parse_field(pred_field, p_side, "pred_field", "boxes")
        gf = parse_field(gt_field, g_side, "gt_field", "boxes")
        if g_side is p_side and (pf.column, pf.layer) == (gf.column, gf.layer):
            raise EvaluationError(f"pred_field and gt_field name the same boxes ({pred_field!r})")
        keys = key_spec(key, p_side, g_side if g_side is not p_side else None)
        prefix = result_prefix(prefix, p_side, ROW_COLUMNS)
        data = _evaluate(session, p_side, g_side, pf, gf, keys, float(iou), score, max_dets, annotations, prefix)
    finally:
        session.close()
    ev = DetectionEvaluation(data, threshold)
    ev._warn_missing()
    return ev


def _evaluate(session: Session, p_side: Side, g_side: Side, pf: Field, gf: Field, keys: KeySpec, iou: float,
              score: str | None, max_dets: int, annotations: str | None, prefix: str) -> _Data:
    flat = _boxes.extract(session, p_side, g_side, pf, gf, keys, score, annotations, max_dets)
    sets = [g_side.meta(gf.column).get("classes"), p_side.meta(pf.column).get("classes")]
    d, g = flat.d, flat.g
    classes = class_info(sets, unique(np.concatenate([unique(d["cls"]), unique(g["cls"])])))
    d_cls = classes.index(d["cls"])
    rank = _coco.group_ranks(d["img"], d_cls, len(classes))
    dets = _coco.Detections(d["img"], d_cls, d["score"].astype(np.float64), d["area"].astype(np.float64), rank)
    gts = _coco.GroundTruth(g["img"], classes.index(g["cls"]), g["crowd"].astype(bool), g["area"].astype(np.float64))
    thresholds = _coco.IOU_THRESHOLDS.copy()
    hit = np.flatnonzero(np.isclose(thresholds, iou, rtol=0, atol=1e-12))
    if len(hit):
        keep = int(hit[0])
    else:
        thresholds = np.sort(np.append(thresholds, iou))
        keep = int(np.searchsorted(thresholds, iou))
    coco = np.array([int(np.flatnonzero(thresholds == t)[0]) for t in _coco.IOU_THRESHOLDS])
    cand = _boxes.pairs(session, flat, thresholds)
    matcher = _coco.Matcher(dets, gts, _coco.Pairs(cand["d"], cand["g"], cand["iou"]), thresholds, keep=keep,
                            max_det=max_dets)
    del cand
    matches = [matcher.match(r, partners=a == 0) for a, r in enumerate(_coco.AREA_RANGES)]
    del matcher
    # the confusion matrix's cross-class pairs: left over by the class-wise matching, found once, at every score
    m = matches[0]
    active = dets.rank < max_dets
    fp = np.flatnonzero(active & ~m.matched(keep) & ~m.ignored(keep))
    gt_taken = np.zeros(len(gts), bool)
    gt_taken[m.partner[m.partner >= 0]] = True
    fn = np.flatnonzero(~gt_taken & ~m.gt_ignore)
    cross_d, cross_g = _cross(session, flat, dets, fp, fn, iou)
    gt_lists = None
    if g_side is not p_side or gf.column != pf.column:
        gt_lists = _gt_lists(session, flat, g_side, gf)
    params = {"method": "coco", "iou": iou, "score": score, "max_dets": max_dets, "pred_field": pf.text,
              "gt_field": gf.text, "key": keys.pred if keys.pred == keys.gt else [keys.pred, keys.gt],
              "annotations": annotations, "prefix": prefix}
    img_row = flat.img_row
    return _Data(params, classes, dets, gts, img_row[d["img"]], d["i"], img_row[g["img"]], g["i"], matches,
                 thresholds, coco, keep, cross_d, cross_g, flat.n_rows, flat.n_images, flat.pred_layer_len,
                 flat.missing_gt_rows, flat.n_missing_pred, flat.missing_pred_keys, p_side, g_side, pf, gf, keys,
                 prefix, score is not None, gt_lists)


def _cross(session: Session, flat: _boxes.Flat, dets: _coco.Detections, fp: np.ndarray, fn: np.ndarray,
           iou: float) -> tuple[np.ndarray, np.ndarray]:
    """Greedy matching, per image and by score, of unmatched predictions to unmatched ground truth of another
    class: the off-diagonal cells of the confusion matrix."""
    empty = np.zeros(0, np.int64)
    if not len(fp) or not len(fn):
        return empty, empty
    out = _boxes.cross_pairs(session, flat, fp, fn, iou)
    if not len(out["d"]):
        return empty, empty
    # the unmatched predictions of an image ranked by score (ties in COCO's order): one group per image
    order = np.lexsort((fp, -dets.score[fp], dets.image[fp]))
    ranked = fp[order]
    img = dets.image[ranked]
    starts = np.flatnonzero(np.concatenate([[True], img[1:] != img[:-1]]))
    rank_sorted = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.append(starts, len(ranked))))
    local_d = np.searchsorted(fp, out["d"])  # fp is sorted (np.flatnonzero)
    sub_rank = np.empty(len(fp), np.int64)
    sub_rank[order] = rank_sorted
    local_g = np.searchsorted(fn, out["g"])
    sub_d = _coco.Detections(dets.image[fp], np.zeros(len(fp), np.int64), dets.score[fp], dets.area[fp], sub_rank)
    sub_g = _coco.GroundTruth(np.zeros(len(fn), np.int64), np.zeros(len(fn), np.int64), np.zeros(len(fn), bool),
                              np.zeros(len(fn)))
    m = _coco.Matcher(sub_d, sub_g, _coco.Pairs(local_d, local_g, out["iou"]), np.array([iou]),
                      max_det=1 << 62).match((-np.inf, np.inf))
    hit = np.flatnonzero(m.partner >= 0)
    return fp[hit], fn[m.partner[hit]]


def _gt_lists(session: Session, flat: _boxes.Flat, g_side: Side, gf: Field) -> pa.ListArray:
    """The ground-truth boxes of each predictions row (None where it has none), in the stored box layout."""
    img = flat.tables["img"]
    lists = session.arrow(f"""SELECT {gf.sql('g')} AS boxes FROM {img} im
        LEFT JOIN {g_side.view} g ON g.{ROW} = im.gr WHERE im.r IS NOT NULL ORDER BY im.r""").column("boxes")
    target = schema_of(g_side).field(gf.column).type.field("boxes").type.field(gf.layer or "").type
    arr = lists.combine_chunks() if lists.num_chunks != 1 else lists.chunk(0)
    try:
        return arr.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return arr


class DetectionEvaluation(Evaluation):
    """The result of `evaluate_detections`: metrics, per-class results, confusion matrix and the evaluated
    table, at a confidence threshold (`threshold`, None = every prediction; `at(t)` for another)."""

    kind = "detection"

    # -- what it was made from ---------------------------------------------------------------------------------
    @property
    def iou(self) -> float:
        return float(self._data.params["iou"])

    def at(self, threshold: float | None) -> DetectionEvaluation:
        """The same evaluation with another confidence threshold (nothing is matched again)."""
        return DetectionEvaluation(self._data, check_threshold(threshold))

    def _sources(self) -> list[Side]:
        data = self._data
        return [data.preds] if data.gt is data.preds else [data.preds, data.gt]

    def _warn_missing(self) -> None:
        data = self._data
        if len(data.missing_gt_rows):
            rows = ", ".join(str(int(r)) for r in data.missing_gt_rows[:5])
            warnings.warn(f"{len(data.missing_gt_rows)} predictions rows have no ground truth (key "
                          f"{data.key.pred!r}; rows {rows}{', ...' if len(data.missing_gt_rows) > 5 else ''}): they "
                          "are left out of the metrics and their tp/fp/fn are null (ev.missing_ground_truth)",
                          EvaluationWarning, stacklevel=3)
        if data.n_missing_pred:
            warnings.warn(f"{data.n_missing_pred} ground-truth rows have no predictions row (keys "
                          f"{data.missing_pred_keys[:5]}): their boxes count as false negatives "
                          "(ev.missing_predictions)", EvaluationWarning, stacklevel=3)
        if data.classes.unknown:
            warnings.warn(f"class ids {data.classes.unknown[:10]} are not in the class set: evaluated as "
                          f"'class N'", EvaluationWarning, stacklevel=3)

    @property
    def missing_ground_truth(self) -> list[int]:
        """Predictions rows whose key has no ground-truth row (left out of the metrics)."""
        return [int(r) for r in self._data.missing_gt_rows]

    @property
    def missing_predictions(self) -> int:
        """Ground-truth rows without a predictions row (their boxes are false negatives)."""
        return int(self._data.n_missing_pred)

    # -- statuses at this threshold ------------------------------------------------------------------------------
    def _uncut(self) -> dict[str, np.ndarray]:
        """The statuses with every prediction counted, and what a threshold cut needs (its partner's score per
        ground-truth box): computed once per evaluation, as none of it depends on the threshold."""
        return self._data.cache.get_or_make("uncut", self._uncut_now)

    def _uncut_now(self) -> dict[str, np.ndarray]:
        data = self._data
        dets, gts, keep = data.dets, data.gts, data.keep
        m = data.matches[0]
        active = dets.rank < data.params["max_dets"]
        matched, ignored = m.matched(keep), m.ignored(keep)
        d_code = np.where(~active | ignored, _IGNORED, np.where(matched, _TP, _FP)).astype(np.int8)
        gt_partner = np.full(len(gts), -1, np.int64)
        regular = (m.partner >= 0) & ~ignored & active
        gt_partner[m.partner[regular]] = np.flatnonzero(regular)
        g_tp = gt_partner >= 0
        d_iou = np.where((d_code == _TP) | ((d_code == _IGNORED) & (m.partner >= 0)), m.partner_iou, np.nan)
        return {
            "d": d_code, "g_tp": g_tp, "d_iou": d_iou, "g_iou": _gather(m.partner_iou, gt_partner, np.nan),
            "partner_score": _gather(dets.score, gt_partner, -np.inf), "g_partner": gt_partner}

    @cached_property
    def _status(self) -> dict[str, np.ndarray]:
        return self._data.cache.get_or_make(("status", self.threshold), self._status_now)

    def _status_now(self) -> dict[str, np.ndarray]:
        data, s = self._data, self.threshold
        base = self._uncut()
        # a cut: predictions scoring below it are not counted, ground truth whose partner is cut is missed
        d_code, g_tp, d_iou = base["d"], base["g_tp"], base["d_iou"]
        if s is not None:
            cut = ~(data.dets.score >= s)  # (as a NaN score would be: not counted)
            d_code = np.where(cut, np.int8(_NULL), d_code)
            d_iou = np.where(cut, np.nan, d_iou)
            g_tp = g_tp & (base["partner_score"] >= s)
        g_code = np.where(data.matches[0].gt_ignore, _IGNORED, np.where(g_tp, _TP, _FN)).astype(np.int8)
        g_iou = np.where(g_code == _TP, base["g_iou"], np.nan)
        return {"d": d_code, "g": g_code, "d_iou": d_iou, "g_iou": g_iou, "g_partner": base["g_partner"]}

    # -- metrics ---------------------------------------------------------------------------------------------------
    def _accumulate(self, area: int = 0, max_det: int | None = None, precision: bool = True) -> _coco.Accumulated:
        data = self._data
        return data.cache.get_or_make(("acc", self.threshold, area, max_det, precision), lambda: _coco.accumulate(
            data.dets, data.matches[area], len(data.classes), data.gts.cls, max_det=max_det or data.params["max_dets"],
            min_score=self.threshold, precision=precision))

    def stats(self) -> dict[str, float | None]:
        """COCOeval's twelve summary numbers (`COCOeval.stats`, None where it prints -1): mAP (AP@[.5:.95]), AP50,
        AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl."""
        data = self._data
        if not data.ranked:
            return {k: None for k in STAT_NAMES}
        coco = data.coco
        out: dict[str, float | None] = {}
        acc = [self._accumulate(a) for a in range(4)]
        p_all = acc[0].precision[coco]
        out["mAP"] = _coco.summarize(p_all)
        out["AP50"] = _coco.summarize(p_all[:1])
        out["AP75"] = _coco.summarize(p_all[5:6])
        for name, a in (("APs", 1), ("APm", 2), ("APl", 3)):
            out[name] = _coco.summarize(acc[a].precision[coco])
        for name, md in (("AR1", 1), ("AR10", 10)):
            out[name] = _coco.summarize(self._accumulate(0, md, precision=False).recall[coco])
        out["AR100"] = _coco.summarize(acc[0].recall[coco])
        for name, a in (("ARs", 1), ("ARm", 2), ("ARl", 3)):
            out[name] = _coco.summarize(acc[a].recall[coco])
        return out

    def _class_counts(self) -> dict[str, np.ndarray]:
        return self._data.cache.get_or_make(("counts", self.threshold), self._class_counts_now)

    def _class_counts_now(self) -> dict[str, np.ndarray]:
        data, st = self._data, self._status
        k = len(data.classes)
        d = np.bincount(data.dets.cls * 5 + st["d"], minlength=5 * k).reshape(k, 5)  # one pass per side
        g = np.bincount(data.gts.cls * 5 + st["g"], minlength=5 * k).reshape(k, 5)
        return {"tp": d[:, _TP], "fp": d[:, _FP], "fn": g[:, _FN], "ground_truth": g[:, _TP] + g[:, _FN],
                "predictions": d[:, _TP] + d[:, _FP] + d[:, _IGNORED]}

    def per_class(self) -> Any:
        """One row per class: AP (COCO's, mean over IoU .50:.95), AP50, AP75, and at the chosen IoU precision,
        recall, F1 and the counts of tp, fp, fn, ground truth (not crowd) and predictions (at the threshold)."""
        import pandas as pd

        return pd.DataFrame(self._class_rows())

    def _class_rows(self) -> list[dict[str, Any]]:
        data = self._data
        counts = self._class_counts()
        ap = ap50 = ap75 = [None] * len(data.classes)
        if data.ranked:
            p = self._accumulate(0).precision[data.coco]
            ap = [_coco.summarize(p[:, :, k]) for k in range(len(data.classes))]
            ap50 = [_coco.summarize(p[:1, :, k]) for k in range(len(data.classes))]
            ap75 = [_coco.summarize(p[5:6, :, k]) for k in range(len(data.classes))]
        rows = []
        for k, name in enumerate(data.classes.names):
            tp, fp, fn = (int(counts[c][k]) for c in ("tp", "fp", "fn"))
            precision, recall, f1 = _prf(tp, fp, fn)
            rows.append({"class_id": int(data.classes.ids[k]), "class": name, "AP": ap[k], "AP50": ap50[k],
                         "AP75": ap75[k], "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp,
                         "fn": fn, "ground_truth": int(counts["ground_truth"][k]),
                         "predictions": int(counts["predictions"][k])})
        return rows

    def metrics(self) -> dict[str, Any]:
        """mAP (COCO's AP@[.50:.95]), AP50, AP75 and the other COCOeval numbers; at the chosen IoU: precision,
        recall, F1 and counts of tp, fp, fn; per class the same (`classes`); what was left out."""
        data = self._data
        counts = self._class_counts()
        tp, fp, fn = (int(counts[c].sum()) for c in ("tp", "fp", "fn"))
        precision, recall, f1 = _prf(tp, fp, fn)
        out: dict[str, Any] = {"kind": "detection", "method": "coco", "iou": self.iou, "threshold": self.threshold,
                               **self.stats(), "precision": precision, "recall": recall, "f1": f1, "tp": tp,
                               "fp": fp, "fn": fn, "ground_truth": int(counts["ground_truth"].sum()),
                               "predictions": int(counts["predictions"].sum()),
                               "ignored": int((self._status["d"] == _IGNORED).sum()),
                               "images": data.n_images, "rows": data.n_rows,
                               "missing_ground_truth": len(data.missing_gt_rows),
                               "missing_predictions": data.n_missing_pred,
                               "unknown_classes": list(data.classes.unknown), "classes": self._class_rows()}
        return out

    def summary(self) -> dict[str, Any]:
        """The headline numbers (what the Explorer's panel shows first), cheaper than `metrics()`."""
        data = self._data
        counts = self._class_counts()
        tp, fp, fn = (int(counts[c].sum()) for c in ("tp", "fp", "fn"))
        precision, recall, f1 = _prf(tp, fp, fn)
        out: dict[str, Any] = {"mAP": None, "AP50": None, "AP75": None}
        if data.ranked:
            p = self._accumulate(0).precision[data.coco]
            out = {"mAP": _coco.summarize(p), "AP50": _coco.summarize(p[:1]), "AP75": _coco.summarize(p[5:6])}
        return {**out, "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}

    # -- confusion -------------------------------------------------------------------------------------------------
    def _confusion_boxes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each counted box's cell (true class index, predicted class index; K = none) and its predictions row."""
        return self._data.cache.get_or_make(("confusion", self.threshold), self._confusion_boxes_now)

    def _confusion_boxes_now(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        data, st = self._data, self._status
        k = len(data.classes)
        dc, gc = data.dets.cls, data.gts.cls
        d_code, g_code = st["d"], st["g"]
        # cross-class pairs count while the prediction is counted (an unmatched one stays unmatched above it)
        pair_ok = d_code[data.cross_d] == _FP
        cd, cg = data.cross_d[pair_ok], data.cross_g[pair_ok]
        used_d = np.zeros(len(dc), bool)
        used_d[cd] = True
        used_g = np.zeros(len(gc), bool)
        used_g[cg] = True
        tp = np.flatnonzero(d_code == _TP)
        fp = np.flatnonzero((d_code == _FP) & ~used_d)
        fn = np.flatnonzero((g_code == _FN) & ~used_g)
        truth = np.concatenate([dc[tp], gc[cg], np.full(len(fp), k), gc[fn]])
        pred = np.concatenate([dc[tp], dc[cd], dc[fp], np.full(len(fn), k)])
        rows = np.concatenate([data.d_row[tp], data.d_row[cd], data.d_row[fp], data.g_row[fn]])
        return truth, pred, rows

    def confusion(self) -> Any:
        """Boxes by true class (rows) and predicted class (columns), with a "none" row (predictions that match
        nothing: false positives) and column (ground truth nothing matched: false negatives). The diagonal is the
        true positives; an off-diagonal cell counts an unmatched prediction that overlaps (IoU >= iou) unmatched
        ground truth of another class (paired greedily by score). Ignored boxes are left out."""
        import pandas as pd

        labels = [*self._data.classes.names, NONE]
        counts, _ = self._confusion_counts()
        return pd.DataFrame(counts, index=pd.Index(labels, name="truth"), columns=pd.Index(labels, name="predicted"))

    def _row_cells(self) -> np.ndarray:
        """The distinct (row, cell) pairs of the counted boxes, as sorted keys row * (K+1)^2 + cell."""
        def make() -> np.ndarray:
            k = len(self._data.classes) + 1
            truth, pred, rows = self._confusion_boxes()
            on_row = rows >= 0
            return row_keys(rows[on_row], (truth * k + pred)[on_row], k * k)

        return self._data.cache.get_or_make(("row_cells", self.threshold), make)

    def _confusion_counts(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self._data.classes) + 1
        truth, pred, _ = self._confusion_boxes()
        boxes = np.bincount(truth * k + pred, minlength=k * k).reshape(k, k)
        examples = np.bincount(self._row_cells() % (k * k), minlength=k * k).reshape(k, k)
        return boxes, examples

    def confusion_cells(self) -> dict[str, Any]:
        """The confusion matrix as the Explorer draws it: labels, box counts, rows per cell and each cell's filter."""
        labels = [*self._data.classes.names, NONE]
        boxes, examples = self._confusion_counts()
        col = self._data.prefix + "confusion"
        filters = [[render({"$in": [_cell_label(a, b), path(col)]}) for b in labels] for a in labels]
        return shown({"labels": labels, "values": boxes.tolist(), "rows": examples.tolist(), "filters": filters,
                      "unit": "boxes"}, has_none=True)

    # -- the table -------------------------------------------------------------------------------------------------
    def _layout(self) -> dict[str, Any]:
        """Where each evaluated box sits in the table's flattened layers, the ground-truth lists and the rows
        with ground truth: the same at every threshold, so computed once."""
        return self._data.cache.get_or_make("layout", self._layout_now)

    def _layout_now(self) -> dict[str, Any]:
        data = self._data
        arrow = self._base_arrow()
        pf, gf = data.pf, data.gf
        offsets = np.concatenate([[0], np.cumsum(data.pred_lengths)])
        gt_layer = gf.layer or "ground_truth"
        if data.gt_lists is not None:
            lists = data.gt_lists
            if gt_layer == pf.layer:
                gt_layer = "ground_truth" if pf.layer != "ground_truth" else "ground_truth_"
        else:
            lists = lists_of(arrow, gf.column, gt_layer)
        g_off = np.concatenate([[0], np.cumsum(_lengths(lists))])
        on_row = data.g_row >= 0
        has_gt = np.ones(data.n_rows, bool)
        has_gt[data.missing_gt_rows] = False
        return {
            "pred_lists": lists_of(arrow, pf.column, pf.layer or ""), "n_boxes": int(offsets[-1]),
            "d_pos": offsets[data.d_row] + data.d_box, "gt_layer": gt_layer, "gt_lists": lists,
            "n_gt": int(g_off[-1]), "on_row": on_row, "g_pos": g_off[data.g_row[on_row]] + data.g_box[on_row],
            "has_gt": has_gt}

    def _build_table(self) -> Any:
        data, st = self._data, self._status
        arrow = self._base_arrow()
        lay = self._layout()
        n = data.n_rows
        pf = data.pf
        names = data.classes.names
        # the predictions layer: each box's status and IoU
        n_boxes, d_pos = lay["n_boxes"], lay["d_pos"]
        codes = np.zeros(n_boxes, np.int8)
        codes[d_pos] = st["d"]
        ious = np.full(n_boxes, np.nan)
        ious[d_pos] = st["d_iou"]
        arrow = set_layer(arrow, pf.column, pf.layer or "", lay["pred_lists"],
                          {"status": codes_to_strings(codes, STATUS), "iou": nullable_floats(ious)})
        # the ground-truth layer, in the same image column (copied there when it lives elsewhere)
        on_row, g_pos = lay["on_row"], lay["g_pos"]
        g_codes = np.zeros(lay["n_gt"], np.int8)
        g_codes[g_pos] = st["g"][on_row]
        g_ious = np.full(lay["n_gt"], np.nan)
        g_ious[g_pos] = st["g_iou"][on_row]
        arrow = set_layer(arrow, pf.column, lay["gt_layer"], lay["gt_lists"],
                          {"status": codes_to_strings(g_codes, STATUS), "iou": nullable_floats(g_ious)})
        # row columns
        has_gt = lay["has_gt"]
        tp, fp, fn = (self._row_counts()[c] for c in ("tp", "fp", "fn"))
        d_tp = st["d"] == _TP
        iou_sum = np.bincount(data.d_row[d_tp], weights=st["d_iou"][d_tp], minlength=n)
        mean_iou = np.where(tp > 0, iou_sum / np.maximum(tp, 1), np.nan)
        k = len(names)
        labels = [*names, NONE]
        cell_names = [_cell_label(labels[a], labels[b]) for a in range(k + 1) for b in range(k + 1)]
        cells = self._row_cells()
        confusion = lists_from_keys(cells, (k + 1) ** 2, n, cell_names)
        # a row's classes with errors, from its off-diagonal cells: the truth's class missed, the predicted class wrong
        row, cell = cells // (k + 1) ** 2, cells % (k + 1) ** 2
        a, b = cell // (k + 1), cell % (k + 1)
        off = a != b
        fn_side, fp_side = off & (a < k), off & (b < k)
        errors = row_lists(np.concatenate([row[fn_side], row[fp_side]]), np.concatenate([a[fn_side], b[fp_side]]),
                           n, names)
        p = data.prefix
        arrow = add_columns(arrow, {
            p + "tp": (nullable_ints(tp, has_gt), "int"),
            p + "fp": (nullable_ints(fp, has_gt), "int"),
            p + "fn": (nullable_ints(fn, has_gt), "int"),
            p + "iou": (nullable_floats(np.where(has_gt, mean_iou, np.nan)), "float"),
            p + "confusion": (confusion, "list"),
            p + "errors": (errors, "list"),
        })
        return to_table(arrow, MediaFiles(data.preds))

    # -- the Explorer ----------------------------------------------------------------------------------------------
    def layers(self) -> dict[str, Any]:
        """Where the evaluated boxes are in `table`: the image column and its predictions and truth layers."""
        data = self._data
        gt_layer = data.gf.layer or "ground_truth"
        if data.gt_lists is not None and gt_layer == data.pf.layer:
            gt_layer = "ground_truth" if data.pf.layer != "ground_truth" else "ground_truth_"
        return {"column": data.pf.column, "predictions": data.pf.layer, "ground_truth": gt_layer}

    def headline(self) -> list[list[Any]]:
        s = self.summary()
        names = ["mAP", "AP50", "AP75"] if self._data.ranked else []
        return [[n, s[n]] for n in [*names, "precision", "recall", "f1", "tp", "fp", "fn"]]

    def _row_counts(self) -> dict[str, np.ndarray]:
        """Per predictions row its counts of tp, fp and fn boxes (the table's columns, the chips' rows)."""
        def make() -> dict[str, np.ndarray]:
            data, st = self._data, self._status
            n = data.n_rows
            return {"tp": np.bincount(data.d_row[st["d"] == _TP], minlength=n),
                    "fp": np.bincount(data.d_row[st["d"] == _FP], minlength=n),
                    "fn": np.bincount(data.g_row[(st["g"] == _FN) & (data.g_row >= 0)], minlength=n)}

        return self._data.cache.get_or_make(("row_counts", self.threshold), make)

    def chips(self) -> list[dict[str, Any]]:
        p = self._data.prefix
        return [{"name": s, "count": int(np.count_nonzero(r)), "filter": render({"$gt": [path(p + s), 0]})}
                for s, r in self._row_counts().items()]

    def class_filter(self, class_index: int, status: str) -> str:
        """Rows with a box of class `class_index` whose status is `status` (tp, fp or fn)."""
        lay = self.layers()
        layer = lay["ground_truth"] if status == "fn" else lay["predictions"]
        cid = int(self._data.classes.ids[class_index])
        return render({"$anyElementTrue": [{"$map": {
            "input": path(f"{lay['column']}.boxes.{layer}"), "as": "b",
            "in": {"$and": [{"$eq": ["$$b.class_id", cid]}, {"$eq": ["$$b.status", status]}]}}}]})

    def class_panel(self) -> dict[str, Any]:
        columns = ["class", "AP", "AP50", "precision", "recall", "tp", "fp", "fn", "ground_truth"]
        rows = self._class_rows()
        return shown_rows({"columns": columns, "rows": [[r[c] for c in columns] for r in rows],
                           "filters": [{s: self.class_filter(k, s) for s in ("tp", "fp", "fn")}
                                       for k in range(len(rows))],
                           "values": [r["class_id"] for r in rows], "metric": "AP" if self._data.ranked else "f1"},
                          "ground_truth", "fp")

    def threshold_range(self) -> dict[str, Any] | None:
        if not self._data.ranked or not len(self._data.dets):
            return None
        s = self._data.dets.score
        return {"min": float(np.min(s)), "max": float(np.max(s)), "score": self._data.params["score"]}


def _gather(values: np.ndarray, index: np.ndarray, missing: float) -> np.ndarray:
    """values[index] where index >= 0, else `missing`."""
    out = np.full(len(index), missing)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def _lengths(lists: pa.ListArray) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _cell_label(truth: str, pred: str) -> str:
    return f"{truth} → {pred}"


def _prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall) if precision is not None and recall is not None
          and precision + recall > 0 else (0.0 if precision is not None and recall is not None else None))
    return precision, recall, f1
