"""A finished query as the browser sees it: the on-screen layout of a result, with the legend facts (layers,
scores, classes) of its image columns merged over the tables shown. Used by the widget and by reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..query import QueryResult
from ..sources import ResolvedSource
from ._handlers import Snapshot
from ._layout import Layout, build_layout

__all__ = ["make_layout", "make_snapshot", "merge_media"]


def merge_media(a: Mapping[str, Any] | None, b: Mapping[str, Any]) -> dict[str, Any]:
    """The legend's facts of an image column over both compared tables: layers, score keys and classes."""
    out: dict[str, Any] = {"layers": {"boxes": [], "masks": []}, "scores": {}, "classes": []}
    for m in (a or {}, b):
        for kind in ("boxes", "masks"):
            out["layers"][kind] += [x for x in (m.get("layers") or {}).get(kind, []) if x not in out["layers"][kind]]
        for layer, keys in (m.get("scores") or {}).items():
            have = out["scores"].setdefault(layer, [])
            have += [k for k in keys if k not in have]
        known = {c.get("id") for c in out["classes"]}
        out["classes"] += [c for c in (m.get("classes") or []) if c.get("id") not in known]
    out["classes"] = out["classes"][:256]
    return out


def make_layout(result: QueryResult, sources: Iterable[ResolvedSource | None]) -> Layout:
    """The on-screen columns of `result`, image columns carrying the stored legend facts of `sources`."""
    layout = build_layout(str(result.mode), result.columns, join_key=result.join_key)
    meta: dict[str, dict[str, Any]] = {}
    for source in sources:
        for name, m in (source.media_meta() if source is not None else {}).items():
            meta[name] = merge_media(meta.get(name), m)
    layout.add_media_meta(meta)
    return layout


def make_snapshot(result: QueryResult, sources: Iterable[ResolvedSource | None], num_rows: int) -> Snapshot:
    return Snapshot(result, 0, make_layout(result, sources), num_rows)
