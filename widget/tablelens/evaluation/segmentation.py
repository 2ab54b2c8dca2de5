"""`evaluate_segmentations`: per-class IoU and the pixel confusion matrix of segmentation masks.

DuckDB pairs each row's predicted and true mask files (joining two tables on the key); the pixels are in PNG
files, which only a decoder reads, so each mask pair is decoded once (in a thread pool) and reduced at once to
its pixel counts per (true, predicted) class with one `bincount` — the engine never sees pixels, and nothing
runs per pixel in Python. Every metric then comes from those per-row counts.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .._core.errors import EvaluationError
from ._arrays import unique, unique_counts
from ._base import Cache, Evaluation, check_threshold, shown, shown_rows
from ._classes import ClassInfo, class_info
from ._filters import path, render
from ._inputs import ROW, Field, KeySpec, Session, Side, ident, key_spec, open_side, parse_field, result_prefix
from ._table import MediaFiles, add_columns, nullable_floats, row_lists, to_table

__all__ = ["SegmentationEvaluation", "evaluate_segmentations"]

ROW_COLUMNS = ("iou", "miou", "pixel_accuracy", "confusion")
#: a row is "right" (for comparing versions) when its mean IoU reaches this
RIGHT_IOU = 0.5


@dataclass
class _Data:
    params: dict[str, Any]
    classes: ClassInfo
    counts: np.ndarray  # (rows evaluated, K, K) pixels by true and predicted class
    rows: np.ndarray  # predictions row of each evaluated row
    n_rows: int
    missing_gt_rows: np.ndarray
    preds: Side
    truth: Side
    gt: Field
    pred: Field
    key: KeySpec
    prefix: str
    cache: Cache = field(default_factory=Cache)


def evaluate_segmentations(
    preds: Any,
    *,
    gt: str = "mask.masks.ground_truth",
    pred: str = "mask.masks.predictions",
    truth: Any = None,
    key: str | tuple[str, str] | None = "id",
    ignore: int | None = None,
    table: str | None = None,
    truth_table: str | None = None,
    prefix: str | None = None,
    workers: int | None = None,
) -> SegmentationEvaluation:
    """Evaluate predicted segmentation masks against true ones, pixel by pixel.

    `gt` and `pred` name mask layers (`column.masks.layer`); the true masks may live in another table `truth`
    (met on `key`). Pixels whose true class is `ignore` (255, say) are left out. Masks must have the size of
    their image and of each other (EvaluationError naming the row otherwise). Class names come from the
    columns' class sets; ids they do not name are evaluated as `class N`.
    """
    session = Session()
    try:
        p_side = open_side(preds, session, "predictions", table)
        t_side = open_side(truth, session, "ground truth", truth_table) if truth is not None else p_side
        gf = parse_field(gt, t_side, "gt", "masks")
        pf = parse_field(pred, p_side, "pred", "masks")
        keys = key_spec(key, p_side, t_side if t_side is not p_side else None)
        prefix = result_prefix(prefix, p_side, ROW_COLUMNS)
        data = _read(session, p_side, t_side, gf, pf, keys, ignore, prefix, workers)
    finally:
        session.close()
    return SegmentationEvaluation(data, None)


def _read(session: Session, p_side: Side, t_side: Side, gf: Field, pf: Field, keys: KeySpec, ignore: int | None,
          prefix: str, workers: int | None) -> _Data:
    pk = ident(keys.pred) if keys.pred is not None else ROW
    tk = ident(keys.gt) if keys.gt is not None else ROW
    t = "p" if t_side is p_side else "t"
    sel = (f"p.{ROW} AS r, {t}.{ROW} AS tr, {pf.sql('p')}.path AS pm, {gf.sql(t)}.path AS gm, "
           f"p.{ident(pf.column)}.width AS pw, p.{ident(pf.column)}.height AS ph, "
           f"{t}.{ident(gf.column)}.width AS gw, {t}.{ident(gf.column)}.height AS gh")
    if t_side is p_side:
        sql = f"SELECT {sel} FROM {p_side.view} p ORDER BY r"
    else:
        sql = f"SELECT {sel} FROM {p_side.view} p LEFT JOIN {t_side.view} t ON p.{pk} = t.{tk} ORDER BY r"
    try:
        rows = session.execute(sql)
    except Exception as e:
        raise EvaluationError(f"the masks cannot be read together: {str(e).splitlines()[0]}") from None
    n_rows = len(rows)
    missing = np.array([r for r, tr, *_ in rows if tr is None], dtype=np.int64)
    todo = [row for row in rows if row[1] is not None]
    for r, _, pm, gm, *_ in todo:
        if pm is None or gm is None:
            fld = pf.text if pm is None else gf.text
            raise EvaluationError("the row has no mask in this layer; every evaluated row needs both masks",
                                  row=int(r), field=fld)

    def one(row: tuple[Any, ...]) -> tuple[int, np.ndarray, np.ndarray]:
        r, _, pm, gm, pw, ph, gw, gh = row
        p_arr = _mask(p_side, pm)
        g_arr = _mask(t_side, gm)
        for arr, w, h, f in ((p_arr, pw, ph, pf), (g_arr, gw, gh, gf)):
            if w and h and arr.shape != (h, w):
                raise EvaluationError(f"the mask is {arr.shape[1]}x{arr.shape[0]} but its image is {w}x{h}",
                                      row=int(r), field=f.text)
        if p_arr.shape != g_arr.shape:
            raise EvaluationError(f"the predicted mask is {p_arr.shape[1]}x{p_arr.shape[0]} but the true one is "
                                  f"{g_arr.shape[1]}x{g_arr.shape[0]}", row=int(r), field=pf.text)
        g = g_arr.ravel().astype(np.int64)
        p = p_arr.ravel().astype(np.int64)
        if ignore is not None:
            keep = g != ignore
            g, p = g[keep], p[keep]
        # pixels per (true, predicted) id, as codes true * 65536 + predicted
        if g.size and max(int(g.max()), int(p.max())) < 256:  # 8-bit ids: one bincount over 65,536 slots
            c = np.bincount(g * 256 + p, minlength=65536)
            code = np.flatnonzero(c)
            return int(r), (code // 256) * 65536 + code % 256, c[code]
        code, cnt = unique_counts(g * 65536 + p)
        return int(r), code, cnt

    n_workers = workers or min(8, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        parts = list(pool.map(one, todo))
    eval_rows = np.array([p[0] for p in parts], dtype=np.int64)
    lengths = np.array([len(p[1]) for p in parts], dtype=np.int64)
    codes = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    counts = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int64)
    g_ids, p_ids = codes // 65536, codes % 65536
    sets = [t_side.meta(gf.column).get("classes"), p_side.meta(pf.column).get("classes")]
    info = class_info(sets, unique(np.concatenate([g_ids, p_ids])) if len(codes) else [])
    k = len(info)
    which = np.repeat(np.arange(len(parts)), lengths)
    mat = np.zeros((len(parts), k, k), np.int64)
    np.add.at(mat, (which, info.index(g_ids), info.index(p_ids)), counts)
    params = {"gt": gf.text, "pred": pf.text, "key": keys.pred if keys.pred == keys.gt else [keys.pred, keys.gt],
              "ignore": ignore, "prefix": prefix}
    return _Data(params, info, mat, eval_rows, n_rows, missing, p_side, t_side, gf, pf, keys, prefix)


def _mask(side: Side, logical: str) -> np.ndarray:
    from PIL import Image as PILImage

    resolve = side.scan.resolve_media
    if resolve is None:
        raise EvaluationError(f"the mask file {logical!r} cannot be found: the {side.role} table knows no media")
    with PILImage.open(resolve(logical)) as im:
        arr = np.asarray(im)
    return arr[..., 0] if arr.ndim == 3 else arr


class SegmentationEvaluation(Evaluation):
    """The result of `evaluate_segmentations`: per-class IoU, pixel accuracy, the pixel confusion matrix."""

    kind = "segmentation"

    def at(self, threshold: float | None) -> SegmentationEvaluation:
        if check_threshold(threshold) is not None:
            raise EvaluationError("segmentation masks carry no scores: there is no threshold to set")
        return self

    def _sources(self) -> list[Side]:
        d = self._data
        return [d.preds] if d.truth is d.preds else [d.preds, d.truth]

    @property
    def missing_ground_truth(self) -> list[int]:
        return [int(r) for r in self._data.missing_gt_rows]

    def _total(self) -> np.ndarray:
        return self._data.counts.sum(axis=0)

    def confusion(self) -> Any:
        """Pixels by true class (rows) and predicted class (columns)."""
        import pandas as pd

        names = self._data.classes.names
        return pd.DataFrame(self._total(), index=pd.Index(names, name="truth"),
                            columns=pd.Index(names, name="predicted"))

    @staticmethod
    def _iou(m: np.ndarray) -> np.ndarray:
        tp = np.diagonal(m, axis1=-2, axis2=-1).astype(np.float64)
        union = m.sum(axis=-1) + m.sum(axis=-2) - tp
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(union > 0, tp / np.maximum(union, 1), np.nan)

    def iou(self) -> dict[str, float | None]:
        """IoU per class over every pixel of every row: TP / (TP + FP + FN); None for a class in neither."""
        values = self._iou(self._total())
        return {n: (None if np.isnan(v) else float(v)) for n, v in zip(self._data.classes.names, values)}

    def _class_rows(self) -> list[dict[str, Any]]:
        m = self._total()
        iou = self._iou(m)
        rows = []
        for k, name in enumerate(self._data.classes.names):
            tp = int(m[k, k])
            fp, fn = int(m[:, k].sum() - tp), int(m[k, :].sum() - tp)
            rows.append({"class_id": int(self._data.classes.ids[k]), "class": name,
                         "iou": None if np.isnan(iou[k]) else float(iou[k]),
                         "precision": tp / (tp + fp) if tp + fp else None,
                         "recall": tp / (tp + fn) if tp + fn else None,
                         "tp": tp, "fp": fp, "fn": fn, "pixels": int(m[k, :].sum())})
        return rows

    def per_class(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self._class_rows())

    def summary(self) -> dict[str, Any]:
        m = self._total()
        iou = self._iou(m)
        total = int(m.sum())
        freq = m.sum(axis=1) / total if total else np.zeros(len(iou))
        defined = ~np.isnan(iou)
        return {"mIoU": float(np.mean(iou[defined])) if defined.any() else None,
                "pixel_accuracy": float(np.trace(m) / total) if total else None,
                "fwIoU": float(np.sum(freq[defined] * iou[defined])) if defined.any() else None}

    def metrics(self) -> dict[str, Any]:
        """mIoU (mean over classes present in truth or prediction), pixel accuracy, frequency-weighted IoU,
        per class IoU, precision and recall of pixels."""
        return {"kind": "segmentation", **self.summary(), "rows": int(self._data.n_rows),
                "evaluated": len(self._data.rows), "missing_ground_truth": len(self._data.missing_gt_rows),
                "classes": self._class_rows()}

    def _build_table(self) -> Any:
        d = self._data
        arrow = self._base_arrow()
        n = d.n_rows
        k = len(d.classes)
        per_row = self._iou(d.counts)  # (rows, K)
        iou_full = np.full((n, k), np.nan)
        iou_full[d.rows] = per_row
        struct = pa.StructArray.from_arrays([nullable_floats(iou_full[:, j]) for j in range(k)],
                                            names=list(d.classes.names))
        evaluated = np.zeros(n, bool)
        evaluated[d.rows] = True
        struct = pa.StructArray.from_arrays([struct.field(j) for j in range(k)], fields=list(struct.type),
                                            mask=pa.array(~evaluated))
        with np.errstate(invalid="ignore"):
            mean = np.where(np.isnan(iou_full).all(axis=1), np.nan, np.nanmean(np.where(np.isnan(iou_full), np.nan,
                                                                                          iou_full), axis=1))
        tot = d.counts.sum(axis=(1, 2))
        acc = np.full(n, np.nan)
        acc[d.rows] = np.where(tot > 0, np.trace(d.counts, axis1=1, axis2=2) / np.maximum(tot, 1), np.nan)
        which, a, b = np.nonzero(d.counts)
        names = [f"{x} → {y}" for x in d.classes.names for y in d.classes.names]
        confusion = row_lists(d.rows[which], a * k + b, n, names)
        p = d.prefix
        arrow = add_columns(arrow, {p + "iou": (struct, "dict"), p + "miou": (nullable_floats(mean), "float"),
                                    p + "pixel_accuracy": (nullable_floats(acc), "float"),
                                    p + "confusion": (confusion, "list")})
        return to_table(arrow, MediaFiles(d.preds))

    def confusion_cells(self) -> dict[str, Any]:
        d = self._data
        k = len(d.classes)
        m = self._total()
        _, a, b = np.nonzero(d.counts)  # each (row, cell) with pixels once: rows per cell
        rows = np.bincount(a * k + b, minlength=k * k)
        col = d.prefix + "confusion"
        filters = [[render({"$in": [f"{x} → {y}", path(col)]}) for y in d.classes.names] for x in d.classes.names]
        return shown({"labels": list(d.classes.names), "values": m.tolist(), "rows": rows.reshape(k, k).tolist(),
                      "filters": filters, "unit": "pixels"}, has_none=False)

    def headline(self) -> list[list[Any]]:
        s = self.summary()
        return [[n, s[n]] for n in ("mIoU", "pixel_accuracy", "fwIoU")]

    def chips(self) -> list[dict[str, Any]]:
        return []

    def class_filter(self, class_index: int, status: str) -> str:
        """Rows where the class's IoU reaches RIGHT_IOU (tp) or not (fn)."""
        name = self._data.classes.names[class_index]
        col = path(f"{self._data.prefix}iou.{name}")
        return render({"$gte" if status == "tp" else "$lt": [col, RIGHT_IOU]})

    def class_panel(self) -> dict[str, Any]:
        columns = ["class", "iou", "precision", "recall", "pixels", "fp"]
        rows = self._class_rows()
        return shown_rows({"columns": columns, "rows": [[r[c] for c in columns] for r in rows],
                           "filters": [{s: self.class_filter(k, s) for s in ("tp", "fn")} for k in range(len(rows))],
                           "values": [r["class_id"] for r in rows], "metric": "iou"}, "pixels", "fp")
