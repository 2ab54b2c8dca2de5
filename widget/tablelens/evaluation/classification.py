"""`evaluate_classifications`: confusion matrix, precision / recall / F1, top-k accuracy and calibration (ECE).

DuckDB reads the label, prediction and score columns (joining two tables on the key); the metrics are bincounts
over those columns (one pass, no Python per row), defined as scikit-learn defines them (tests hold them to
`confusion_matrix`, `precision_recall_fscore_support`, `top_k_accuracy_score`). A confidence threshold turns
predictions below it into abstentions (the confusion matrix's "none" column) without reading anything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._core.errors import EvaluationError
from ._base import Cache, Evaluation, check_threshold, shown, shown_rows
from ._classes import NONE, ClassInfo
from ._filters import path, render
from ._inputs import ROW, Field, KeySpec, Session, Side, ident, key_spec, open_side, parse_field, result_prefix
from ._table import MediaFiles, add_columns, nullable_floats, nullable_ints, to_table

__all__ = ["ClassificationEvaluation", "evaluate_classifications"]

ROW_COLUMNS = ("correct", "confidence", "label_rank")
ECE_BINS = 15


@dataclass
class _Data:
    params: dict[str, Any]
    classes: ClassInfo
    labels_are_ids: bool
    y: np.ndarray  # true class index per evaluated row
    p: np.ndarray  # predicted class index (-1: no prediction)
    conf: np.ndarray | None  # confidence of the prediction (NaN: none)
    scores: np.ndarray | None  # (n, K) score matrix, columns in class order
    rows: np.ndarray  # predictions row of each evaluated row
    n_rows: int
    missing_gt_rows: np.ndarray
    preds: Side
    truth: Side
    label: Field
    pred: Field | None
    key: KeySpec
    prefix: str
    cache: Cache = field(default_factory=Cache)


def evaluate_classifications(
    preds: Any,
    *,
    label: str = "label",
    pred: str | None = "pred",
    scores: str | Sequence[str] | Mapping[Any, str] | None = None,
    truth: Any = None,
    key: str | tuple[str, str] | None = "id",
    classes: Any = None,
    threshold: float | None = None,
    table: str | None = None,
    truth_table: str | None = None,
    prefix: str | None = None,
) -> ClassificationEvaluation:
    """Evaluate predicted labels against true labels.

    `label` and `pred` are columns (ints or strings); `label` may live in another table `truth` (met on
    `key`). `scores` gives each class's score: a column of lists (class order: `classes`), a list of columns
    (one per class, in `classes` order) or `{class: column}`; with scores, `pred=None` takes the best-scored
    class, and top-k accuracy, the true label's rank and ECE are computed. `classes` is a list of labels or a
    `tl.Classes` (default: every label and prediction seen, sorted). `threshold` turns predictions whose
    confidence (the score of the predicted class) is below it into abstentions.
    """
    threshold = check_threshold(threshold)
    if pred is None and scores is None:
        raise EvaluationError("give pred= (the predicted label column) or scores= (to predict the best-scored class)")
    session = Session()
    try:
        p_side = open_side(preds, session, "predictions", table)
        t_side = open_side(truth, session, "ground truth", truth_table) if truth is not None else p_side
        label_f = parse_field(label, t_side, "label", None)
        pred_f = parse_field(pred, p_side, "pred", None) if pred is not None else None
        keys = key_spec(key, p_side, t_side if t_side is not p_side else None)
        prefix = result_prefix(prefix, p_side, ROW_COLUMNS)
        data = _read(session, p_side, t_side, label_f, pred_f, scores, keys, classes, prefix)
    finally:
        session.close()
    return ClassificationEvaluation(data, threshold)


def _score_columns(scores: Any, side: Side, classes: list[Any] | None) -> tuple[str, list[str] | str | None,
                                                                               list[Any] | None]:
    """("list", column, None) | ("columns", [columns], class labels or None) | ("none", None, None)."""
    if scores is None:
        return "none", None, None
    if isinstance(scores, str):
        f = parse_field(scores, side, "scores", None)
        return "list", f.column, None
    if isinstance(scores, Mapping):
        cols = [parse_field(c, side, "scores", None).column for c in scores.values()]
        return "columns", cols, list(scores.keys())
    if isinstance(scores, Sequence):
        cols = [parse_field(c, side, "scores", None).column for c in scores]
        return "columns", cols, None
    raise EvaluationError(f"scores must be a column of lists, a list of columns or {{class: column}}, got {scores!r}")


def _read(session: Session, p_side: Side, t_side: Side, label_f: Field, pred_f: Field | None, scores: Any,
          keys: KeySpec, classes: Any, prefix: str) -> _Data:
    pk = ident(keys.pred) if keys.pred is not None else ROW
    tk = ident(keys.gt) if keys.gt is not None else ROW
    kind, score_cols, score_labels = _score_columns(scores, p_side, None)
    t = "p" if t_side is p_side else "t"
    sel = [f"p.{ROW} AS r", f"{t}.{ident(label_f.column)} AS label", f"{t}.{ROW} AS tr"]
    if pred_f is not None:
        sel.append(f"p.{ident(pred_f.column)} AS pred")
    if kind == "list":
        sel.append(f"p.{ident(score_cols)} AS scores")  # type: ignore[arg-type]
    elif kind == "columns":
        sel.append("[" + ", ".join(f"p.{ident(c)}::DOUBLE" for c in score_cols) + "] AS scores")  # type: ignore[union-attr]
    if t_side is p_side:
        sql = f"SELECT {', '.join(sel)} FROM {p_side.view} p"
    else:
        for side, k, name in ((p_side, pk, keys.pred), (t_side, tk, keys.gt)):
            dup = session.one(f"SELECT {k}, list({ROW} ORDER BY {ROW})[:2] FROM {side.view} GROUP BY {k} "
                              f"HAVING count(*) > 1 LIMIT 1")
            if dup is not None:
                raise EvaluationError(f"the key {name!r} has the value {dup[0]!r} in rows {dup[1][0]} and "
                                      f"{dup[1][1]} of the {side.role}; keys must be unique", row=int(dup[1][1]),
                                      field=name, key=dup[0])
        sql = f"SELECT {', '.join(sel)} FROM {p_side.view} p LEFT JOIN {t_side.view} t ON p.{pk} = t.{tk}"
    try:
        arrow = session.arrow(sql + " ORDER BY r")
    except Exception as e:
        raise EvaluationError(f"the columns cannot be read together: {str(e).splitlines()[0]}") from None
    n_rows = arrow.num_rows
    tr = arrow.column("tr").to_numpy(zero_copy_only=False)
    has_truth = ~np.isnan(tr.astype(float)) if arrow.column("tr").null_count else np.ones(n_rows, bool)
    label_col = arrow.column("label").combine_chunks()
    null_label = np.asarray(label_col.is_null()) & has_truth
    if null_label.any():
        r = int(np.flatnonzero(null_label)[0])
        raise EvaluationError("the true label is null; every row needs one", row=r, field=label_f.text)
    pred_col = arrow.column("pred").combine_chunks() if pred_f is not None else None
    # classes: given, or every label and prediction seen
    info, labels_are_ids = _classes(classes, label_col.filter(pa.array(has_truth)), pred_col,
                                    score_labels, len(score_cols) if kind == "columns" else None)  # type: ignore[arg-type]
    values = pa.array(info.ids.tolist()) if labels_are_ids else pa.array(info.names)
    rows = np.flatnonzero(has_truth)
    y = _indices(label_col, values, labels_are_ids).take(pa.array(rows))
    if y.null_count:
        r = int(rows[np.flatnonzero(np.asarray(y.is_null()))[0]])
        raise EvaluationError(f"the label {label_col[r].as_py()!r} is not one of the classes "
                              f"({', '.join(map(str, info.names[:10]))}{', ...' if len(info) > 10 else ''})", row=r,
                              field=label_f.text)
    y = y.to_numpy(zero_copy_only=False).astype(np.int64)
    score_mat = None
    if kind != "none":
        lists = arrow.column("scores").combine_chunks().take(pa.array(rows))
        width = len(info)
        lengths = pc.fill_null(pc.list_value_length(lists), -1).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(lengths != width)
        if len(bad):
            got = int(lengths[bad[0]])
            raise EvaluationError(f"the scores hold {got if got >= 0 else 'no'} values; there are {width} classes "
                                  f"({', '.join(map(str, info.names[:10]))}), one score each, in that order",
                                  row=int(rows[bad[0]]), field=str(scores))
        flat = pc.cast(lists.flatten(), pa.float64())
        if flat.null_count:
            j = int(np.flatnonzero(np.asarray(flat.is_null()))[0]) // max(width, 1)
            raise EvaluationError("a score is null", row=int(rows[j]), field=str(scores))
        score_mat = flat.to_numpy(zero_copy_only=False).reshape(len(rows), width)
        if np.isnan(score_mat).any():
            r = int(rows[np.flatnonzero(np.isnan(score_mat).any(axis=1))[0]])
            raise EvaluationError("a score is NaN", row=r, field=str(scores))
    if pred_col is not None:
        pi = _indices(pred_col, values, labels_are_ids).take(pa.array(rows))
        unknown = np.asarray(pi.is_null()) & ~np.asarray(pred_col.take(pa.array(rows)).is_null())
        if unknown.any():
            r = int(rows[np.flatnonzero(unknown)[0]])
            raise EvaluationError(f"the prediction {pred_col[r].as_py()!r} is not one of the classes", row=r,
                                  field=pred_f.text if pred_f else "pred")
        p = pc.fill_null(pi, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        assert score_mat is not None
        # the best-scored class; ties to the later class, as scikit-learn's top-k ranking orders them
        p = score_mat.shape[1] - 1 - np.argmax(score_mat[:, ::-1], axis=1)
    conf = None
    if score_mat is not None:
        conf = np.where(p >= 0, score_mat[np.arange(len(p)), np.maximum(p, 0)], np.nan)
    params = {"label": label_f.text, "pred": pred_f.text if pred_f else None,
              "scores": scores if isinstance(scores, (str, type(None))) else list(scores.values()) if isinstance(
                  scores, Mapping) else list(scores),
              "key": keys.pred if keys.pred == keys.gt else [keys.pred, keys.gt], "prefix": prefix}
    return _Data(params, info, labels_are_ids, y, p, conf, score_mat, rows, n_rows, np.flatnonzero(~has_truth),
                 p_side, t_side, label_f, pred_f, keys, prefix)


def _indices(col: pa.Array, values: pa.Array, are_ids: bool) -> pa.Array:
    """Each cell's position among the classes (null: not a class, or null)."""
    if are_ids and not pa.types.is_integer(col.type):
        if pa.types.is_floating(col.type):  # integral floats (a column with nulls read through pandas)
            col = pc.cast(col, pa.int64(), safe=False)
        else:
            return pa.nulls(len(col), pa.int32())
    return pc.index_in(pc.cast(col, pa.int64() if are_ids else pa.string()), value_set=values)


def _classes(classes: Any, labels: pa.Array, predicted: pa.Array | None, score_labels: list[Any] | None,
             n_score_columns: int | None) -> tuple[ClassInfo, bool]:
    from ..media.classes import Classes

    if isinstance(classes, Classes):
        entries = classes.class_set
        ids = np.array([e["id"] for e in entries], dtype=np.int64)
        order = np.argsort(ids)
        return ClassInfo(ids[order], [entries[i]["name"] for i in order], [entries[i].get("color") for i in order]
                         ), True
    if classes is None:
        classes = score_labels
    if classes is None:
        seen = {v for v in pc.unique(labels).to_pylist() if v is not None}
        if predicted is not None:
            seen |= {v for v in pc.unique(predicted).to_pylist() if v is not None}
        if not seen and n_score_columns:
            seen = set(range(n_score_columns))
        try:
            classes = sorted(seen)
        except TypeError:
            raise EvaluationError("labels and predictions mix types (numbers and strings, say); pass classes=[...]"
                                  ) from None
        if n_score_columns is not None and len(classes) != n_score_columns:
            raise EvaluationError(f"{n_score_columns} score columns but {len(classes)} classes seen "
                                  f"({classes[:10]}); pass classes=[...] in the score columns' order")
    values = list(classes)
    if len(set(values)) != len(values):
        raise EvaluationError(f"classes must be distinct, got {values!r}")
    are_ids = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    names = [str(v) for v in values]
    ids = np.array([int(v) for v in values] if are_ids else list(range(len(values))), dtype=np.int64)
    if are_ids and np.any(np.diff(ids) <= 0):
        order = np.argsort(ids)
        ids, names = ids[order], [names[i] for i in order]
    return ClassInfo(ids, [n if n != NONE else f"{n} ({k})" for k, n in enumerate(names)], [None] * len(names)), are_ids


class ClassificationEvaluation(Evaluation):
    """The result of `evaluate_classifications`, at a confidence threshold (`threshold`; `at(t)`)."""

    kind = "classification"

    def at(self, threshold: float | None) -> ClassificationEvaluation:
        if threshold is not None and self._data.conf is None:
            raise EvaluationError("a threshold needs scores= (the confidence of each prediction)")
        return ClassificationEvaluation(self._data, check_threshold(threshold))

    def _sources(self) -> list[Side]:
        d = self._data
        return [d.preds] if d.truth is d.preds else [d.preds, d.truth]

    @property
    def missing_ground_truth(self) -> list[int]:
        return [int(r) for r in self._data.missing_gt_rows]

    def _predicted(self) -> np.ndarray:
        """Predicted class per row at this threshold (K = abstained: none)."""
        d = self._data
        k = len(d.classes)
        p = np.where(d.p >= 0, d.p, k)
        if self.threshold is not None and d.conf is not None:
            p = np.where(d.conf >= self.threshold, p, k)
        return p

    def _matrix(self) -> np.ndarray:
        k = len(self._data.classes)
        cell = self._data.y * (k + 1) + self._predicted()
        return np.bincount(cell, minlength=(k + 1) * (k + 1)).reshape(k + 1, k + 1)

    def confusion(self) -> Any:
        """Rows by true class, columns by predicted class (and "none": no prediction, or below the threshold)."""
        import pandas as pd

        labels = [*self._data.classes.names, NONE]
        m = self._matrix()
        return pd.DataFrame(m, index=pd.Index(labels, name="truth"), columns=pd.Index(labels, name="predicted"))

    def _rank(self) -> np.ndarray | None:
        """1-based rank of the true class among the scores, ties ordered as scikit-learn's top_k_accuracy_score
        orders them (a stable ascending sort, reversed: the later class first)."""
        d = self._data
        if d.scores is None:
            return None
        s = d.scores
        true = s[np.arange(len(d.y)), d.y]
        higher = (s > true[:, None]).sum(axis=1)
        later_tie = ((s == true[:, None]) & (np.arange(s.shape[1])[None, :] > d.y[:, None])).sum(axis=1)
        return higher + later_tie + 1

    def top_k(self, k: int) -> float | None:
        """Top-k accuracy (scikit-learn's `top_k_accuracy_score`): the true class among the k best scores."""
        rank = self._rank()
        if rank is None or not len(rank):
            return None
        return float(np.mean(rank <= k))

    def ece(self, bins: int = ECE_BINS) -> float | None:
        """Expected calibration error: confidences in `bins` equal-width bins of (0, 1]; the mean over rows of
        |accuracy - mean confidence| of each row's bin (rows abstained at the threshold are left out)."""
        d = self._data
        if d.conf is None:
            return None
        p = self._predicted()
        keep = p < len(d.classes)
        conf, correct = d.conf[keep], (p == d.y)[keep]
        if not len(conf):
            return None
        b = np.clip(np.ceil(conf * bins).astype(np.int64) - 1, 0, bins - 1)
        # sum over bins of n_b / N * |accuracy_b - confidence_b| = |sum of correct - sum of confidences| / N
        acc = np.bincount(b, weights=correct.astype(float), minlength=bins)
        cs = np.bincount(b, weights=conf, minlength=bins)
        return float(np.sum(np.abs(acc - cs)) / len(conf))

    def _class_rows(self) -> list[dict[str, Any]]:
        m = self._matrix()
        k = len(self._data.classes)
        rows = []
        for c, name in enumerate(self._data.classes.names):
            tp = int(m[c, c])
            fp = int(m[:k, c].sum() - tp)
            fn = int(m[c, :].sum() - tp)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append({"class_id": int(self._data.classes.ids[c]), "class": name, "precision": precision,
                         "recall": recall, "f1": f1, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn})
        return rows

    def per_class(self) -> Any:
        """Per class: precision, recall, F1 (scikit-learn's, zero where undefined) and support."""
        import pandas as pd

        return pd.DataFrame(self._class_rows())

    def summary(self) -> dict[str, Any]:
        rows = self._class_rows()
        m = self._matrix()
        n = int(m.sum())
        k = len(self._data.classes)
        correct = int(np.trace(m[:k, :k]))
        macro = {x: float(np.mean([r[x] for r in rows])) if rows else None for x in ("precision", "recall", "f1")}
        return {"accuracy": correct / n if n else None, "precision": macro["precision"], "recall": macro["recall"],
                "f1": macro["f1"], "top5": self.top_k(5), "abstained": int(m[:, k].sum())}

    def metrics(self) -> dict[str, Any]:
        """Accuracy; macro, micro and support-weighted precision / recall / F1; top-1/3/5 accuracy; ECE; per class."""
        rows = self._class_rows()
        m = self._matrix()
        k = len(self._data.classes)
        support = np.array([r["support"] for r in rows], dtype=float)
        tp = sum(r["tp"] for r in rows)
        fp = sum(r["fp"] for r in rows)
        fn = sum(r["fn"] for r in rows)
        micro_p = tp / (tp + fp) if tp + fp else 0.0
        micro_r = tp / (tp + fn) if tp + fn else 0.0
        out: dict[str, Any] = {"kind": "classification", "threshold": self.threshold, **self.summary(),
                               "micro_precision": micro_p, "micro_recall": micro_r,
                               "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0}
        for x in ("precision", "recall", "f1"):
            vals = np.array([r[x] for r in rows])
            out[f"weighted_{x}"] = float(np.sum(vals * support) / support.sum()) if support.sum() else 0.0
        for kk in (1, 3, 5):
            out[f"top{kk}"] = self.top_k(kk) if kk <= k else None
        out["ece"] = self.ece()
        out["rows"] = int(self._data.n_rows)
        out["evaluated"] = int(m.sum())
        out["missing_ground_truth"] = len(self._data.missing_gt_rows)
        out["classes"] = rows
        return out

    # -- the table and the Explorer --------------------------------------------------------------------------------
    def _value(self, k: int) -> Any:
        d = self._data
        return int(d.classes.ids[k]) if d.labels_are_ids else d.classes.names[k]

    def _build_table(self) -> Any:
        d = self._data
        arrow = self._base_arrow()
        n = d.n_rows
        evaluated = np.zeros(n, bool)
        evaluated[d.rows] = True
        correct = np.zeros(n, bool)
        correct[d.rows] = self._predicted() == d.y
        cols: dict[str, tuple[pa.Array, str]] = {
            d.prefix + "correct": (pa.array(correct, mask=~evaluated), "bool")}
        if d.conf is not None:
            conf = np.full(n, np.nan)
            conf[d.rows] = d.conf
            cols[d.prefix + "confidence"] = (nullable_floats(conf), "float")
            rank = np.zeros(n, np.int64)
            rank[d.rows] = self._rank()  # type: ignore[assignment]
            cols[d.prefix + "label_rank"] = (nullable_ints(rank, evaluated), "int")
        if d.pred is None:
            pred = [None] * n
            predicted = d.p
            for r, v in zip(d.rows.tolist(), predicted.tolist()):
                pred[r] = self._value(v)
            cols[d.prefix + "predicted"] = (pa.array(pred), "int" if d.labels_are_ids else "str")
        arrow = add_columns(arrow, cols)
        return to_table(arrow, MediaFiles(d.preds))

    def _pred_path(self) -> str:
        d = self._data
        return path(d.pred.column) if d.pred is not None else path(d.prefix + "predicted")

    def _label_path(self, side: int | None = None) -> str:
        d = self._data
        if d.truth is not d.preds:  # the label lives in the other table: the panel filters on correctness
            return ""
        return path(d.label.column) if side is None else f"${side}.{d.label.column}"

    def confusion_cells(self) -> dict[str, Any]:
        d = self._data
        labels = [*d.classes.names, NONE]
        m = self._matrix()
        k = len(d.classes)
        conf = path(d.prefix + "confidence")
        filters: list[list[str | None]] = []
        for a in range(k + 1):
            line: list[str | None] = []
            for b in range(k + 1):
                if a == k or not self._label_path():
                    line.append(None)
                    continue
                parts: list[Any] = [{"$eq": [self._label_path(), self._value(a)]}]
                if b < k:
                    parts.append({"$eq": [self._pred_path(), self._value(b)]})
                    if self.threshold is not None:
                        parts.append({"$gte": [conf, self.threshold]})
                elif self.threshold is not None:
                    parts.append({"$lt": [conf, self.threshold]})
                else:
                    parts.append({"$eq": [self._pred_path(), None]})
                line.append(render({"$and": parts}))
            filters.append(line)
        return shown({"labels": labels, "values": m.tolist(), "rows": m.tolist(), "filters": filters, "unit": "rows"},
                     has_none=True)

    def headline(self) -> list[list[Any]]:
        s = self.summary()
        names = ["accuracy", "precision", "recall", "f1"] + (["top5"] if s["top5"] is not None else [])
        return [[n, s[n]] for n in names] + ([["abstained", s["abstained"]]] if self.threshold is not None else [])

    def chips(self) -> list[dict[str, Any]]:
        c = path(self._data.prefix + "correct")
        right = self._predicted() == self._data.y
        return [{"name": "correct", "count": int(right.sum()), "filter": render({"$eq": [c, True]})},
                {"name": "wrong", "count": int((~right).sum()), "filter": render({"$eq": [c, False]})}]

    def class_filter(self, class_index: int, status: str) -> str | None:
        """Rows of class `class_index` predicted right (tp), missed (fn), or wrongly predicted as it (fp)."""
        v = self._value(class_index)
        c = path(self._data.prefix + "correct")
        if status == "fp":
            return render({"$and": [{"$eq": [self._pred_path(), v]}, {"$not": [c]}]})
        if not self._label_path():
            return None
        if status == "tp":
            return render({"$and": [{"$eq": [self._label_path(), v]}, c]})
        return render({"$and": [{"$eq": [self._label_path(), v]}, {"$not": [c]}]})

    def class_panel(self) -> dict[str, Any]:
        columns = ["class", "precision", "recall", "f1", "support", "tp", "fp", "fn"]
        rows = self._class_rows()
        return shown_rows({"columns": columns, "rows": [[r[c] for c in columns] for r in rows],
                           "filters": [{s: self.class_filter(k, s) for s in ("tp", "fp", "fn")}
                                       for k in range(len(rows))],
                           "values": [self._value(k) for k in range(len(rows))], "metric": "f1"}, "support", "fp")

    def threshold_range(self) -> dict[str, Any] | None:
        d = self._data
        if d.conf is None or not len(d.conf):
            return None
        return {"min": float(np.nanmin(d.conf)), "max": float(np.nanmax(d.conf)), "score": "confidence"}
