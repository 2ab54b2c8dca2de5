"""Two versions of an evaluation side by side: metrics with deltas, and regressions ranked by metric change.

A is the version shown (`$0` in the Explorer's compare filters), B the compared one (`$1`). Regressions are the
classes (and the groups of a group-by column) whose metric changed most from A to B, worst first; each carries
the filters of its examples that went from right to wrong (`worse`) and from wrong to right (`better`). Group
metrics are aggregated by DuckDB over both evaluated tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..query import ScanSource
from ._base import json_safe
from ._filters import render
from ._inputs import Session, ident
from .segmentation import RIGHT_IOU

__all__ = ["compare"]


def _metric_index(panel: Mapping[str, Any]) -> int:
    classes = panel["classes"]
    return classes["columns"].index(classes.get("metric", classes["columns"][1]))


def _delta(a: Any, b: Any) -> float | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(b) - float(a)
    return None


def _col(side: int, prefix: str, name: str) -> str:
    return f"${side}.{prefix}{name}"


def _row_right(kind: str, side: int, prefix: str) -> Any:
    if kind == "detection":
        return {"$eq": [{"$add": [_col(side, prefix, "fp"), _col(side, prefix, "fn")]}, 0]}
    if kind == "classification":
        return {"$eq": [_col(side, prefix, "correct"), True]}
    return {"$gte": [_col(side, prefix, "miou"), RIGHT_IOU]}


def _row_wrong(kind: str, side: int, prefix: str) -> Any:
    if kind == "detection":
        return {"$gt": [{"$add": [_col(side, prefix, "fp"), _col(side, prefix, "fn")]}, 0]}
    if kind == "classification":
        return {"$eq": [_col(side, prefix, "correct"), False]}
    return {"$and": [{"$gte": [_col(side, prefix, "miou"), 0]}, {"$lt": [_col(side, prefix, "miou"),
                                                                               RIGHT_IOU]}]}


def _class_state(kind: str, side: int, prefix: str, name: str, value: Any, label: str | None, right: bool) -> Any:
    """Rows where the class is handled right (or wrong) on one side."""
    if kind == "detection":
        has_error = {"$in": [name, _col(side, prefix, "errors")]}
        return {"$not": [has_error]} if right else has_error
    if kind == "classification":
        parts = [{"$eq": [_col(side, prefix, "correct"), right]}]
        if label:
            parts.insert(0, {"$eq": [f"${side}.{label}", value]})
        return {"$and": parts}
    iou = f"${side}.{prefix}iou.{name}"
    return {"$gte": [iou, RIGHT_IOU]} if right else {"$and": [{"$gte": [iou, 0]}, {"$lt": [iou, RIGHT_IOU]}]}


def compare(a: Mapping[str, Any], b: Mapping[str, Any], *, a_scan: ScanSource | None = None,
            b_scan: ScanSource | None = None, group_by: Sequence[str] = (), labels: Sequence[str] = ("A", "B"),
            limit: int = 50) -> dict[str, Any]:
    """The compare part of the evaluation panel, from the two versions' panels (`Evaluation.panel()`, or the
    `panel` a logged evaluation stores) and, for group regressions, the two evaluated tables."""
    out: dict[str, Any] = {"a": labels[0], "b": labels[1], "metrics": [], "regressions": [], "note": None}
    if a.get("kind") != b.get("kind"):
        out["note"] = f"A is a {a.get('kind')} evaluation and B a {b.get('kind')} one: nothing to compare"
        return out
    kind = str(a["kind"])
    b_values = {n: v for n, v in b.get("headline", [])}
    out["metrics"] = [[n, v, b_values.get(n), _delta(v, b_values.get(n))] for n, v in a.get("headline", [])
                      if n in b_values]
    prefix = str((a.get("params") or {}).get("prefix") or "")
    label = (a.get("params") or {}).get("label") if kind == "classification" else None
    if label is not None and (a_scan is None or a_scan.column(label) is None):
        label = None  # the labels live in another table: rows are told apart by correctness alone
    regressions: list[dict[str, Any]] = []
    ia, ib = _metric_index(a), _metric_index(b)
    metric = a["classes"].get("metric")
    b_rows = {r[0]: r for r in b["classes"]["rows"]}
    for k, row in enumerate(a["classes"]["rows"]):
        name = row[0]
        other = b_rows.get(name)
        if other is None:
            continue
        value = a["classes"]["values"][k]
        worse = {"$and": [_class_state(kind, 0, prefix, name, value, label, True),
                          _class_state(kind, 1, prefix, name, value, label, False)]}
        better = {"$and": [_class_state(kind, 0, prefix, name, value, label, False),
                           _class_state(kind, 1, prefix, name, value, label, True)]}
        regressions.append({"kind": "class", "name": name, "metric": metric, "a": row[ia], "b": other[ib],
                            "delta": _delta(row[ia], other[ib]), "worse": render(worse), "better": render(better)})
    if group_by and a_scan is not None and b_scan is not None:
        regressions += _groups(kind, prefix, str(group_by[0]), a_scan, b_scan)
    regressions.sort(key=lambda r: (r["delta"] is None, r["delta"] if r["delta"] is not None else 0))
    out["regressions"] = regressions[:limit]
    return json_safe(out)


def _group_sql(kind: str, prefix: str, key: str, view: str) -> str:
    p = lambda c: ident(prefix + c)  # noqa: E731
    if kind == "detection":
        aggs = f"sum({p('tp')}) AS tp, sum({p('fp')}) AS fp, sum({p('fn')}) AS fn"
    elif kind == "classification":
        aggs = f"avg({p('correct')}::DOUBLE) AS m"
    else:
        aggs = f"avg({p('miou')}) AS m"
    return f"SELECT {ident(key)} AS g, {aggs} FROM {view} GROUP BY {ident(key)}"


def _groups(kind: str, prefix: str, key: str, a_scan: ScanSource, b_scan: ScanSource) -> list[dict[str, Any]]:
    """Per value of the group-by column: the metric on each side (F1 of the summed counts for detections,
    accuracy for classifications, mean IoU for segmentations)."""
    if a_scan.column(key) is None or b_scan.column(key) is None:
        return []
    session = Session()
    try:
        values = []
        for scan in (a_scan, b_scan):
            view = session.register(scan)
            rows = session.execute(_group_sql(kind, prefix, key, view) + " LIMIT 1000")
            values.append({r[0]: _group_metric(kind, r[1:]) for r in rows})
    except Exception:  # a key DuckDB cannot group (a list, say): no group regressions
        return []
    finally:
        session.close()
    metric = {"detection": "f1", "classification": "accuracy", "segmentation": "mean IoU"}[kind]
    out = []
    for g, va in values[0].items():
        if g not in values[1]:
            continue
        vb = values[1][g]
        same = {"$eq": [f"$0.{key}", g]}
        out.append({"kind": "group", "name": f"{key} = {g}", "metric": metric, "a": va, "b": vb,
                    "delta": _delta(va, vb),
                    "worse": render({"$and": [same, _row_right(kind, 0, prefix), _row_wrong(kind, 1, prefix)]}),
                    "better": render({"$and": [same, _row_wrong(kind, 0, prefix), _row_right(kind, 1, prefix)]})})
    return out


def _group_metric(kind: str, agg: Sequence[Any]) -> float | None:
    if kind == "detection":
        tp, fp, fn = (float(x or 0) for x in agg)
        denom = 2 * tp + fp + fn
        return 2 * tp / denom if denom else None
    return float(agg[0]) if agg[0] is not None else None
