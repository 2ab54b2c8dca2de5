"""Boxes of both sides as flat arrays, and candidate matches.

In DuckDB (set operations the engine runs in parallel over Parquet or Arrow): matching rows on the key, unnesting
each row's list of boxes, converting every box to pixel corners by its own `domain` (relative boxes are scaled
by their image's size; corners are stored for boxes logged as middle/width/height too) and checking them. What
comes back, unsorted, is numpy arrays: boxes are placed in (image, position) order by counting, ordered as COCO
accumulates them by two stable sorts, and joined to ground truth of the same image and class (equi-joins on
integer groups, chunked) with their IoU (pycocotools' formula: intersection / union, or / detection area for
crowd regions). The greedy matching runs in `_coco`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.errors import EvaluationError
from ._inputs import ROW, Field, KeySpec, Session, Side, fresh, ident

__all__ = ["Flat", "cross_pairs", "extract", "pairs"]

#: a relative coordinate beyond these is taken for pixels logged without `domain: "pixel"`
_RELATIVE_RANGE = (-1.0, 2.0)
#: IoUs and areas this close to a threshold or bound are computed again exactly (`exact_ties`)
_TIE = 1e-9


@dataclass
class Flat:
    """The flat boxes of an evaluation (see `extract`); table `img` (rows -> images) stays in the session."""

    n_rows: int  # rows of the predictions table
    n_images: int  # images evaluated (rows with ground truth, and ground truth without predictions)
    d: dict[str, np.ndarray]  # COCO's order (class, score descending, image, position): img, i, cls, score, area
    g: dict[str, np.ndarray]  # (image, position) order: img, i, cls, crowd, area
    img_row: np.ndarray  # per image: its predictions row (-1 when the ground truth has no predictions row)
    missing_gt_rows: np.ndarray  # predictions rows whose key has no ground truth
    missing_pred_keys: list[Any]  # keys of ground truth without predictions (first 20)
    n_missing_pred: int
    pred_layer_len: np.ndarray  # boxes per predictions row in the predictions layer (0 for null)
    tables: dict[str, str]  # names of the session's temporary tables
    d_off: np.ndarray  # per image, where its detections start in (image, position) order
    g_off: np.ndarray  # the same for its ground truth
    id_at: np.ndarray  # detection id (COCO order) of the detection at (image, position)
    d_at: np.ndarray  # the inverse: (image, position) index of each detection id
    d_box: np.ndarray  # detections' pixel corners x0, y0, x1, y1 (n x 4: a box's corners side by side for
    #                    the joins' gathers), in (image, position) order
    g_box: np.ndarray  # the same for the ground truth


def _coords(b: str, w: str, h: str) -> str:
    def one(f: str, size: str) -> str:
        return f"CASE WHEN {b}.domain = 'pixel' THEN {b}.{f} ELSE {b}.{f} * {size} END"
    return (f"{one('minX', w)} AS x0, {one('minY', h)} AS y0, {one('maxX', w)} AS x1, {one('maxY', h)} AS y1, "
            f"{b}.domain AS dom")


def _unnest(side: Side, f: Field, extra: str = "", where: str = "") -> str:
    lst = f.sql("s")
    img = f"s.{ident(f.column)}"
    return (f"SELECT s.{ROW} AS r, unnest(range(len({lst}))) AS i, unnest({lst}) AS b, {img}.width AS w, "
            f"{img}.height AS h{extra} FROM {side.view} s {where}")


def _key_value(session: Session, side: Side, row: int, key: str | None) -> Any:
    if key is None:
        return None
    try:
        return session.scalar(f"SELECT {ident(key)} FROM {side.view} WHERE {ROW} = {int(row)}")
    except Exception:  # pragma: no cover - a key of a type DuckDB cannot return
        return None


def extract(session: Session, preds: Side, gt: Side, pf: Field, gf: Field, key: KeySpec, score: str | None,
            annotations: str | None, max_dets: int) -> Flat:
    """Flatten both sides into the session's tables and return them as arrays, checking the boxes on the way.

    Faults raise EvaluationError naming the row, the key and the box field.
    """
    img, d, g = fresh("img"), fresh("det"), fresh("gt")
    one_table = preds.view == gt.view
    pk = ident(key.pred) if key.pred is not None else ROW
    gk = ident(key.gt) if key.gt is not None else ROW
    _check_keys(session, preds, pk, key.pred, "predictions")
    if not one_table:
        _check_keys(session, gt, gk, key.gt, "ground truth")
    # -- images: one per ground-truth row, in key order (COCO's image-id order breaks score ties)
    try:
        if one_table:  # one ORDER BY of the rows; the image numbers are their positions (no window function)
            rows = session.numpy(f"SELECT {ROW} AS r FROM {preds.view} ORDER BY {pk}, {ROW}")["r"].astype(np.int64)
            numbers = np.empty(len(rows), np.int64)
            numbers[rows] = np.arange(len(rows))
            _table_from(session, img, {"r": np.arange(len(rows), dtype=np.int64),
                                       "gr": np.arange(len(rows), dtype=np.int64), "img": numbers})
        else:
            session.execute(f"""CREATE TEMP TABLE {img} AS
                WITH p AS (SELECT {ROW} AS r, {pk} AS k FROM {preds.view}),
                     g AS (SELECT {ROW} AS gr, {gk} AS k FROM {gt.view})
                SELECT p.r, g.gr, CASE WHEN g.gr IS NOT NULL THEN
                  (row_number() OVER (PARTITION BY g.gr IS NULL ORDER BY coalesce(p.k, g.k)) - 1)::BIGINT END AS img,
                  coalesce(p.k, g.k) AS k
                FROM p FULL OUTER JOIN g ON p.k = g.k""")
    except EvaluationError:
        raise
    except Exception as e:
        raise EvaluationError(f"the key columns cannot be matched ({key.pred!r} of the predictions, {key.gt!r} of "
                              f"the ground truth): {str(e).splitlines()[0]}") from None
    n_rows = int(session.scalar(f"SELECT count(*) FROM {preds.view}"))
    n_images = int(session.scalar(f"SELECT count(*) FROM {img} WHERE img IS NOT NULL"))
    missing_gt = session.numpy(f"SELECT r FROM {img} WHERE r IS NOT NULL AND gr IS NULL ORDER BY r")["r"]
    n_missing_pred = int(session.scalar(f"SELECT count(*) FROM {img} WHERE r IS NULL"))
    missing_pred_keys = [row[0] for row in session.execute(
        f"SELECT k FROM {img} WHERE r IS NULL ORDER BY k LIMIT 20")] if not one_table else []
    img_row = session.numpy(f"SELECT coalesce(r, -1)::BIGINT AS r FROM {img} WHERE img IS NOT NULL "
                            f"ORDER BY img")["r"]

    # -- detections: flattened, checked, then fetched in COCO's accumulation order (the only sort)
    score_sql = f"u.b.scores.{ident(score)}" if score is not None else "1.0::DOUBLE"
    if score is not None:
        keys = (preds.meta(pf.column).get("scores") or {}).get(pf.layer) or []
        if score not in keys and not session.one(  # no predicted box at all: nothing to rank
                f"SELECT 1 FROM {preds.view} s WHERE len({pf.sql('s')}) > 0 LIMIT 1"):
            score_sql = "1.0::DOUBLE"
        elif score not in keys:
            raise EvaluationError(
                f"the predictions have no score {score!r} (their scores: {', '.join(keys) or 'none'}); AP ranks "
                f"predictions by score: name it with score=..., or pass score=None for precision, recall and F1 "
                f"without AP", field=pf.text)
    # boxes are flattened by their side's row; rows become images in numpy (no join of millions of boxes)
    rows = session.numpy(f"SELECT coalesce(r, -1)::BIGINT AS r, gr::BIGINT AS gr, img::BIGINT AS img FROM {img} "
                         f"WHERE img IS NOT NULL")
    p_img = np.full(n_rows, -1, np.int64)
    on = rows["r"] >= 0
    p_img[rows["r"][on]] = rows["img"][on]
    g_img = np.full(int(rows["gr"].max()) + 1 if len(rows["gr"]) else 0, -1, np.int64)
    g_img[rows["gr"]] = rows["img"]
    only = f"WHERE s.{ROW} IN (SELECT r FROM {img} WHERE img IS NOT NULL)" if len(missing_gt) else ""
    checks = _checks(score is not None)
    session.execute(f"""CREATE TEMP TABLE {d} AS
        SELECT r, i::INTEGER AS i, cls, x0, y0, x1, y1, score, {_bad(checks)} AS bad FROM (
          SELECT u.r, u.i, u.b.class_id AS cls, {_coords('u.b', 'u.w', 'u.h')}, {score_sql} AS score, u.w, u.h
          FROM ({_unnest(preds, pf, where=only)}) u)""")
    _check_boxes(session, d, preds, pf, key.pred, checks, score_sql)

    # -- ground truth, with COCO's crowd flags and areas when the table has them
    ann_extra, crowd_sql, area_sql = "", "false", "(x1 - x0) * (y1 - y0)"
    if annotations is not None and _is_coco_annotations(session, gt, annotations):
        ann_extra = f", unnest(s.{ident(annotations)}) AS a"
        crowd_sql = "coalesce(TRY_CAST(u.a.iscrowd AS INTEGER), 0) = 1"
        area_sql = f"coalesce(TRY_CAST(a.area AS DOUBLE), {area_sql})"
        _check_annotations(session, gt, gf, annotations, key.gt)
    checks = _checks(False)
    session.execute(f"""CREATE TEMP TABLE {g} AS
        SELECT r, i::INTEGER AS i, cls, x0, y0, x1, y1, crowd, {area_sql} AS area, {_bad(checks)} AS bad FROM (
          SELECT u.r, u.i, u.b.class_id AS cls, {_coords('u.b', 'u.w', 'u.h')},
            {crowd_sql} AS crowd, u.w, u.h, {'u.a' if ann_extra else 'NULL'} AS a
          FROM ({_unnest(gt, gf, ann_extra)}) u)""")
    _check_boxes(session, g, gt, gf, key.gt, checks)
    # fetched as stored (no ORDER BY) and placed by (image, position); COCO's order is two stable sorts in numpy
    raw = session.numpy(f"SELECT r AS img, i, cls, score, x0, y0, x1, y1 FROM {d}")
    raw["img"] = p_img[raw["img"]]
    d_off, at = _placement(raw["img"], raw["i"], n_images)
    placed = _place(raw, at)
    # boxes per predictions row: counted from the flat boxes; rows without ground truth (not flattened) asked
    lens = np.zeros(n_rows, np.int64)
    on_row = img_row >= 0
    lens[img_row[on_row]] = np.diff(d_off)[on_row]
    if len(missing_gt):
        extra = session.numpy(f"""SELECT {ROW} AS r, coalesce(len({pf.sql('s')}), 0)::BIGINT AS n
            FROM {preds.view} s WHERE {ROW} IN (SELECT r FROM {img} WHERE r IS NOT NULL AND gr IS NULL)""")
        lens[extra["r"]] = extra["n"]
    d_box = np.stack([placed.pop(c).astype(np.float64, copy=False) for c in ("x0", "y0", "x1", "y1")], axis=1)
    by_score = np.argsort(-placed["score"], kind="stable")  # ties stay in (image, position) order
    d_at = by_score[np.argsort(_class_codes(placed["cls"])[by_score], kind="stable")]
    dcols = {name: values[d_at] for name, values in placed.items()}
    dcols["area"] = exact_areas(d_box[d_at])
    id_at = np.empty(len(d_at), np.int64)  # detection id (COCO order) of the box at (image, position)
    id_at[d_at] = np.arange(len(d_at))
    raw = session.numpy(f"SELECT r AS img, i, cls, crowd, area, x0, y0, x1, y1 FROM {g}")
    raw["img"] = g_img[raw["img"]]  # every ground-truth row is an image
    session.execute(f"DROP TABLE {d}; DROP TABLE {g}")  # everything after this works on the arrays
    g_off, at = _placement(raw["img"], raw["i"], n_images)
    gcols = _place(raw, at)  # ground truth in (image, position) order, placed where it belongs rather than sorted
    g_box = np.stack([gcols.pop(c).astype(np.float64, copy=False) for c in ("x0", "y0", "x1", "y1")], axis=1)
    if not ann_extra:  # areas from the boxes (not COCO's records): as pycocotools reads them from to_coco
        gcols["area"] = exact_areas(g_box)
    for cols in (dcols, gcols):
        for name in ("img", "cls", "i"):
            cols[name] = cols[name].astype(np.int64, copy=False)
    return Flat(n_rows, n_images, dcols, gcols, img_row, missing_gt, missing_pred_keys, n_missing_pred, lens,
                {"img": img}, d_off, g_off, id_at, d_at, d_box, g_box)


def _placement(img: np.ndarray, i: np.ndarray, n_images: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each box goes in (image, position) order: per image, where its boxes start; per box, its index."""
    off = np.concatenate([[0], np.cumsum(np.bincount(img, minlength=n_images))]).astype(np.int64)
    return off, off[img.astype(np.int64)] + i


def _place(cols: dict[str, np.ndarray], at: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for name, values in cols.items():
        placed = np.empty_like(values)
        placed[at] = values
        out[name] = placed
    return out


def _class_codes(cls: np.ndarray, other: np.ndarray | None = None) -> np.ndarray:
    """Class ids as small non-negative codes in the same order (offsets when the ids span little, ranks
    otherwise); `other` is coded alike and returned after `cls`'s codes when given."""
    both = cls if other is None else np.concatenate([cls, other])
    if not len(both):
        return both.astype(np.int64)
    lo, hi = int(both.min()), int(both.max())
    if hi - lo < 1 << 15:  # int16: numpy's stable sort of 16-bit integers is a radix sort
        return (both - lo).astype(np.int16)
    return np.unique(both, return_inverse=True)[1].reshape(-1)


def _table_from(session: Session, name: str, columns: dict[str, np.ndarray]) -> None:
    import pyarrow as pa

    tmp = fresh("arrays")
    session.con.register(tmp, pa.table({k: pa.array(v) for k, v in columns.items()}))
    try:
        session.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {tmp}")
    finally:
        session.con.unregister(tmp)


def _check_keys(session: Session, side: Side, k: str, name: str | None, role: str) -> None:
    if name is None:
        return
    row = session.one(f"SELECT {ROW} FROM {side.view} WHERE {k} IS NULL ORDER BY {ROW} LIMIT 1")
    if row is not None:
        raise EvaluationError(f"the key {name!r} is null; every {role} row needs a key", row=int(row[0]), field=name)
    dup = session.one(f"""SELECT {k} AS k, list({ROW} ORDER BY {ROW})[:2] AS rows FROM {side.view}
        GROUP BY {k} HAVING count(*) > 1 ORDER BY min({ROW}) LIMIT 1""")
    if dup is not None:
        raise EvaluationError(f"the key {name!r} has the value {dup[0]!r} in rows {dup[1][0]} and {dup[1][1]} of "
                              f"the {role}; keys must be unique", row=int(dup[1][1]), field=name, key=dup[0])


def _checks(scored: bool) -> list[tuple[str, str, str]]:
    """(SQL condition of a bad box, field, what is wrong) for the flattened boxes' columns."""
    checks = [
        ("cls IS NULL", "class_id", "has no class_id"),
        ("x0 IS NULL OR y0 IS NULL OR x1 IS NULL OR y1 IS NULL", "minX",
         "has no coordinates (an image without a width and height cannot place relative boxes)"),
        ("isnan(x0) OR isnan(y0) OR isnan(x1) OR isnan(y1) OR isinf(x0) OR isinf(y0) OR isinf(x1) OR isinf(y1)",
         "minX", "has a coordinate that is NaN or infinite"),
        ("x1 < x0 OR y1 < y0", "maxX", "has its max corner before its min corner"),
        (f"dom IS NULL AND (x0 < {_RELATIVE_RANGE[0]} * w OR x1 > {_RELATIVE_RANGE[1]} * w OR "
         f"y0 < {_RELATIVE_RANGE[0]} * h OR y1 > {_RELATIVE_RANGE[1]} * h)", "domain",
         "is relative (no domain) but its coordinates reach far beyond the image: pixel coordinates logged "
         "without domain='pixel'?"),
    ]
    if scored:
        checks.append(("score IS NULL", "scores", "has no score (every prediction needs one for AP; or pass "
                       "score=None for precision, recall and F1 without AP)"))
        checks.append(("isnan(score)", "scores", "has a NaN score"))
    return checks


def _bad(checks: list[tuple[str, str, str]]) -> str:
    return "coalesce(" + " OR ".join(f"({c})" for c, _, _ in checks) + ", true)"


def _check_boxes(session: Session, table: str, side: Side, f: Field, key: str | None,
                 checks: list[tuple[str, str, str]], score_sql: str = "NULL::DOUBLE") -> None:
    """Typed errors for boxes that cannot be evaluated: the first offending box, by row and position (each box
    was flagged while flattening; only the first is looked at again to say what is wrong with it)."""
    hit = session.one(f"SELECT r, i FROM {table} WHERE bad ORDER BY r, i LIMIT 1")
    if hit is None:
        return
    r, i = int(hit[0]), int(hit[1])
    flags = session.one(f"""SELECT {', '.join(f'coalesce(({c}), false)' for c, _, _ in checks)} FROM (
        SELECT u.b.class_id AS cls, {_coords('u.b', 'u.w', 'u.h')}, {score_sql} AS score, u.w, u.h
        FROM ({_unnest(side, f)}) u WHERE u.r = {r} AND u.i = {i})""") or ()
    for flag, (_, fld, message) in zip(flags, checks):
        if flag:
            raise EvaluationError(f"the box {message}", row=r, field=f"{f.text}[{i}].{fld}",
                                  key=_key_value(session, side, r, key))
    raise EvaluationError("the box cannot be evaluated", row=r, field=f"{f.text}[{i}]",  # pragma: no cover
                          key=_key_value(session, side, r, key))


def _is_coco_annotations(session: Session, gt: Side, annotations: str) -> bool:
    """Whether the column holds COCO records per box (a list of structs with `iscrowd` and `area`)."""
    if annotations not in gt.names():
        return False
    typ = str(session.scalar(f"SELECT typeof({ident(annotations)}) FROM {gt.view} LIMIT 1") or "").lower()
    return typ.endswith("[]") and "iscrowd" in typ and "area" in typ


def _check_annotations(session: Session, gt: Side, gf: Field, annotations: str, key: str | None) -> None:
    """The COCO `annotations` column (one record per box, from `Table.from_coco`) must match the boxes."""
    row = session.one(f"""SELECT {ROW}, len(s.{ident(annotations)}), len({gf.sql('s')}) FROM {gt.view} s
        WHERE coalesce(len(s.{ident(annotations)}), 0) <> coalesce(len({gf.sql('s')}), 0)
        ORDER BY {ROW} LIMIT 1""")
    if row is not None:
        raise EvaluationError(f"the column {annotations!r} has {row[1]} records but the row has {row[2]} ground-truth "
                              f"boxes; it must hold one (iscrowd, area) record per box, in box order (as "
                              f"Table.from_coco writes it), or pass annotations=None", row=int(row[0]),
                              field=annotations, key=_key_value(session, gt, int(row[0]), key))


#: pairs made at once when joining boxes by group (bounds the memory of a join over millions of boxes)
_CHUNK = 1 << 22


def _group_join(a_grp: np.ndarray, b_grp: np.ndarray, n_groups: int):  # type: ignore[no-untyped-def]
    """Every (a, b) of the same group (an equi-join on small integer groups), in chunks of about `_CHUNK`
    pairs: b is bucketed by group (bincount offsets, one stable sort), each a takes its group's bucket."""
    counts = np.bincount(b_grp, minlength=n_groups)
    off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    b_order = np.argsort(b_grp, kind="stable")
    cnt = counts[a_grp]
    lo = off[a_grp]
    ends = np.cumsum(cnt)
    start = 0
    while start < len(a_grp):
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + _CHUNK, side="right"))
        stop = max(stop, start + 1)
        c = cnt[start:stop]
        total = int(c.sum())
        if total:
            ai = np.repeat(np.arange(start, stop), c)
            first = np.cumsum(c) - c
            bi = b_order[np.repeat(lo[start:stop] - first, c) + np.arange(total)]
            yield ai, bi
        start = stop


def _ious(flat: Flat, dp: np.ndarray, gi: np.ndarray, least: float) -> tuple[np.ndarray, np.ndarray]:
    """(kept, IoU) of detections `dp` ((image, position) indexes) against ground truth `gi`: pycocotools'
    formula (intersection / union, or / detection area for crowd regions), kept when the boxes overlap and the
    IoU reaches `least` (minus a hair: `exact_ties` decides those)."""
    d, g = flat.d_box[dp], flat.g_box[gi]
    # narrowed step by step (most candidate pairs do not overlap): width, then height, then the IoU
    iw = np.minimum(d[:, 2], g[:, 2]) - np.maximum(d[:, 0], g[:, 0])
    kept = np.flatnonzero(iw > 0)
    d, g, iw = d[kept], g[kept], iw[kept]
    ih = np.minimum(d[:, 3], g[:, 3]) - np.maximum(d[:, 1], g[:, 1])
    on = ih > 0
    kept, d, g, iw, ih = kept[on], d[on], g[on], iw[on], ih[on]
    inter = iw * ih
    d_area = (d[:, 2] - d[:, 0]) * (d[:, 3] - d[:, 1])
    union = np.where(flat.g["crowd"][gi[kept]].astype(bool), d_area,
                     d_area + (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]) - inter)
    iou = inter / union  # union > 0: the boxes overlap
    on = iou >= least - _TIE
    return kept[on], iou[on]


def _collect(flat: Flat, chunks, keep, least: float, thresholds: np.ndarray  # type: ignore[no-untyped-def]
             ) -> dict[str, np.ndarray]:
    ds, gs, ious = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for dp, gi in chunks:
        if keep is not None:
            ok = keep(dp, gi)
            dp, gi = dp[ok], gi[ok]
        kept, iou = _ious(flat, dp, gi, least)
        ds.append(dp[kept])
        gs.append(gi[kept])
        ious.append(iou)
    dp, gi, iou = np.concatenate(ds), np.concatenate(gs), np.concatenate(ious)
    iou = exact_ties(flat, dp, gi, iou, thresholds)
    ok = iou >= least
    return {"d": flat.id_at[dp[ok]], "g": gi[ok], "iou": iou[ok]}


def pairs(session: Session, flat: Flat, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Detections and ground truth of the same image and class whose IoU reaches the lowest threshold: d
    (detection id), g (index in the ground-truth arrays) and iou; IoUs that fall on a threshold computed again
    as pycocotools computes them (`exact_ties`). A join in numpy on (image, class) over the fetched corners."""
    d_img, g_img = flat.d["img"][flat.id_at], flat.g["img"]
    codes = _class_codes(flat.d["cls"][flat.id_at], flat.g["cls"])
    n_codes = int(codes.max()) + 1 if len(codes) else 1
    d_grp, g_grp = d_img * n_codes + codes[: len(d_img)], g_img * n_codes + codes[len(d_img):]  # int64
    n_groups = flat.n_images * n_codes
    if n_groups > 8 * (len(d_grp) + len(g_grp)) + (1 << 20):  # sparse groups: number the ones that occur
        _, inv = np.unique(np.concatenate([d_grp, g_grp]), return_inverse=True)
        inv = inv.reshape(-1)
        d_grp, g_grp, n_groups = inv[: len(d_grp)], inv[len(d_grp):], int(inv.max()) + 1
    least = float(thresholds.min())
    return _collect(flat, _group_join(d_grp, g_grp, max(n_groups, 1)), None, least, thresholds)


def exact_extent(lo: float, hi: float) -> float:
    """The width pycocotools sees for a box written by `to_coco`: the shortest decimal `w` with lo + w == hi
    (the converters' `extent`, docs/formats.md)."""
    d = hi - lo
    for digits in range(17):
        c = round(d, digits)
        if lo + c == hi:
            return c
    return d


def _coco_iou(d: tuple[float, ...], g: tuple[float, ...], crowd: bool) -> float:
    """pycocotools' bbIou (maskApi.c) on [x, y, w, h] boxes, operation for operation."""
    dx, dy, dw, dh = d[0], d[1], exact_extent(d[0], d[2]), exact_extent(d[1], d[3])
    gx, gy, gw, gh = g[0], g[1], exact_extent(g[0], g[2]), exact_extent(g[1], g[3])
    w = min(dw + dx, gw + gx) - max(dx, gx)
    h = min(dh + dy, gh + gy) - max(dy, gy)
    if w <= 0 or h <= 0:
        return 0.0
    i = w * h
    u = dw * dh if crowd else dw * dh + gw * gh - i
    return i / u


def exact_ties(flat: Flat, dp: np.ndarray, gi: np.ndarray, iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """IoUs within a hair of a threshold, computed again exactly as pycocotools does on what `to_coco` writes.

    Boxes on a pixel grid often overlap by exactly half (or three quarters): whether such an IoU reaches 0.5 is
    decided by the last bit of the arithmetic. Corners give widths as `maxX - minX`, which is often a hair off
    the width the box was made with; pycocotools reads the width written (the shortest decimal), so its IoU is
    exact. The few pairs concerned are recomputed that way, one by one.
    """
    iou = iou.astype(np.float64, copy=True)
    if not len(iou):
        return iou
    near = np.abs(iou[:, None] - thresholds[None, :]).min(axis=1) <= _TIE
    for k in np.flatnonzero(near).tolist():
        d, g = flat.d_box[dp[k]].tolist(), flat.g_box[gi[k]].tolist()
        iou[k] = _coco_iou(tuple(d), tuple(g), bool(flat.g["crowd"][gi[k]]))
    return iou


def exact_areas(box: np.ndarray) -> np.ndarray:
    """Box areas (of corners x0, y0, x1, y1 per row); those within a hair of COCO's area-range bounds (32^2,
    96^2) computed again from the widths pycocotools reads (see `exact_ties`): whether a 32 x 32 box is small
    is decided in the last bit too."""
    out = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    near = np.zeros(len(out), bool)
    for bound in (32.0**2, 96.0**2):
        near |= np.abs(out - bound) <= bound * _TIE
    for k in np.flatnonzero(near).tolist():
        x0, y0, x1, y1 = box[k].tolist()
        out[k] = exact_extent(x0, x1) * exact_extent(y0, y1)
    return out


def cross_pairs(session: Session, flat: Flat, fp_ids: np.ndarray, fn_index: np.ndarray, iou: float
                ) -> dict[str, np.ndarray]:
    """Unmatched detections (`fp_ids`) and unmatched ground truth (`fn_index`) of the same image but another
    class with IoU >= `iou`: the confusion matrix's cross-class candidates (a join in numpy on the image)."""
    dp = flat.d_at[fp_ids]
    d_cls, g_cls = flat.d["cls"], flat.g["cls"]
    chunks = ((dp[a], fn_index[b]) for a, b in _group_join(flat.d["img"][fp_ids], flat.g["img"][fn_index],
                                                             max(flat.n_images, 1)))
    return _collect(flat, chunks, lambda d, g: d_cls[flat.id_at[d]] != g_cls[g], float(iou), np.array([float(iou)]))
