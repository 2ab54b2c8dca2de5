"""From a query result to what the browser draws: the `schema` trait and the rows of a page.

The engine describes its columns with typed `ResultColumn`s (the two sides of a compared column share a label);
the browser wants one column per thing the user sees, so compared pairs become one `$cmp` column and summary
dicts become `$hist` / `$counts` / `$images` cells. Pages come as Arrow (rows) or records (groups), never as
DataFrames. Everything here is pure: no widget, no threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..query import KEY, PRESENCE, ResultColumn
from ._cells import Limits, encode_value, is_missing, plain_number

__all__ = ["Column", "Layout", "PageBudget", "build_layout", "encode_page", "records_of"]


#: (table index, image struct, limits[, kind]) -> `$image` payload (or `$media` payload of a `kind` struct)
ImageFn = Callable[..., dict[str, Any]]


@dataclass
class Column:
    """One column on screen: where its cells come from in the frame, and how to encode them."""

    name: str
    kind: str
    label: str
    table: int | None
    sources: list[str]  # frame columns: one, or two for a compare pair
    role: str = "value"  # "value", "cmp", "key", "count", "summary"
    value_kind: str | None = None  # the storage kind of the values (for images, ndarrays, json)
    extra: dict[str, Any] = field(default_factory=dict)  # image columns: layers, scores, classes
    meta: Mapping[str, Any] = field(default_factory=dict)  # the values' storage metadata (ndarray dtype)

    def schema(self) -> dict[str, Any]:
        out = {"name": self.name, "kind": self.kind, "label": self.label, "table": self.table, **self.extra}
        if self.meta.get("text"):  # a column of long text (docs/storage.md): clipped cells with expand
            out["text"] = True
        return out


@dataclass
class Layout:
    """The columns of a result as shown."""

    mode: str
    columns: list[Column] = field(default_factory=list)

    def schema(self) -> list[dict[str, Any]]:
        return [c.schema() for c in self.columns]

    def add_media_meta(self, meta: Mapping[str, Mapping[str, Any]]) -> None:
        """Put the stored layers / scores / classes of image columns into their schema entries."""
        for c in self.columns:
            if c.kind in ("image", "images") or c.value_kind == "image":
                m = meta.get(c.name)
                if m:
                    c.extra = dict(m)


@dataclass(frozen=True)
class PageBudget:
    """The JSON size a page may reach (bytes, thumbnails excluded) and the ever smaller limits tried to fit it."""

    max_bytes: int = 190_000
    steps: tuple[Limits, ...] = (
        Limits(),
        Limits(max_str=300, max_items=100, max_classes=64),
        Limits(max_str=80, max_items=20, max_classes=16, max_boxes=50),
        Limits(max_str=20, max_items=5, max_classes=0, max_boxes=10, max_ndarray=8),
    )


def build_layout(mode: str, columns: Sequence[ResultColumn], join_key: Sequence[str] | None = None) -> Layout:
    """The on-screen columns of a result, from its typed columns and mode.

    In compare mode the join key is one plain column (its value is the row's `_key`, the same on both sides), not
    a pair of bars.
    """
    layout = Layout(mode)
    if mode == "compare":
        pairs: dict[str, dict[int, ResultColumn]] = {}
        for c in columns:
            if c.role == "value" and c.table in (0, 1):
                pairs.setdefault(c.label, {})[c.table] = c
        for label, sides in pairs.items():
            kinds = {s.kind for s in sides.values()}
            kind = kinds.pop() if len(kinds) == 1 else "compare"
            first = sides.get(0) or sides[1]
            if join_key is not None and join_key[0] == join_key[1] == label:
                layout.columns.append(Column(label, kind, label, None, [KEY], "value", first.kind,
                                             meta=first.meta))
                continue
            srcs = [sides[t].name if t in sides else "" for t in (0, 1)]
            layout.columns.append(Column(label, kind, label, None, srcs, "cmp", first.kind, meta=first.meta))
        return layout
    for c in columns:
        if c.role in ("key", "presence"):
            continue
        if c.role == "value":
            layout.columns.append(Column(c.name, c.kind, c.name, c.table, [c.name], "value", c.kind, meta=c.meta))
        elif c.role == "count":
            layout.columns.append(Column(c.name, "count", "count", c.table, [c.name], "count", None))
        elif c.role == "summary":
            if c.kind == "none":  # a column the grouped view does not summarise
                layout.columns.append(Column(c.name, "none", c.name, c.table, [c.name], "value", None))
            else:
                layout.columns.append(Column(c.name, c.kind, c.name, c.table, [c.name], "summary", c.kind))
        elif c.role == "group-key":  # keys arrive decoded
            layout.columns.append(Column(c.name, "key", c.name, c.table, [c.name], "key", None))
        else:  # an aggregate (what the groups are sorted by)
            layout.columns.append(Column(c.name, c.kind, c.name, c.table, [c.name], "value", None))
    return layout


def _presence(value: Any) -> tuple[bool, bool]:
    """(in table 0, in table 1) from a compared row's `_presence` ("both", "only0" or "only1")."""
    return value != "only1", value != "only0"


def _counts(raw: Any) -> list[list[int]]:
    return [[int(n) for n in row] for row in raw or []]


def _summary(value: Any, limits: Limits, image: ImageFn | None, table: int) -> tuple[Any, bool]:
    """A summary of the engine (`{"kind": "hist"|"counts"|"images", ...}`) as `$hist`, `$counts` or `$images`."""
    if not isinstance(value, Mapping):
        return encode_value(value, limits=limits)
    skind = value.get("kind")
    if skind == "hist":
        return {"$hist": {"edges": [plain_number(e) for e in value.get("edges") or []],
                          "counts": _counts(value.get("counts"))}}, False
    if skind == "counts":
        vals, cut = encode_value(list(value.get("values") or []), limits=limits)
        return {"$counts": {"values": vals, "counts": _counts(value.get("counts"))}}, cut
    if skind == "images":
        # grouped compare samples do not say which table they come from: the media index tries both
        imgs = [image(table, item, limits) for item in (value.get("images") or [])[:32]
                if isinstance(item, Mapping) and image is not None]
        return {"$images": imgs}, False
    if skind == "media":  # audio, video, 3-D...: a histogram of one fact and a few samples
        mkind = str(value.get("media_kind"))
        items = [image(table, item, limits, mkind) for item in (value.get("images") or [])[:32]
                 if isinstance(item, Mapping) and image is not None]
        out: dict[str, Any] = {"kind": mkind, "items": items}
        hist = value.get("hist")
        if isinstance(hist, Mapping) and hist.get("edges"):
            out["field"] = value.get("field")
            out["hist"] = {"edges": [plain_number(e) for e in hist.get("edges") or []],
                           "counts": _counts(hist.get("counts"))}
        return {"$medias": out}, False
    return encode_value(dict(value), limits=limits)


_BUDGET = PageBudget()


def records_of(page: pa.Table | Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One dict per row: an Arrow page column by column (cells in their stored form), or group records as given."""
    if not isinstance(page, pa.Table):
        return list(page)
    names = page.column_names
    cols = [c.to_pylist() for c in page.columns]
    return [dict(zip(names, row)) for row in zip(*cols)] if cols else [{} for _ in range(page.num_rows)]


def encode_page(page: pa.Table | Sequence[Mapping[str, Any]], layout: Layout, *, offset: int = 0,
                hidden: Iterable[str] = (), image: ImageFn | None = None,
                budget: PageBudget = _BUDGET) -> list[dict[str, Any]]:
    """The rows of a page as `[{"_key", "cells": {name: CELL}, "truncated"?: [names]}]`, under the budget.

    Tries the limits of `budget.steps` in turn (cells cut ever shorter) until the JSON fits; the last step is
    kept whatever its size.
    """
    hide = set(hidden)
    cols = [c for c in layout.columns if c.name not in hide or c.role in ("key", "count")]
    records = records_of(page)
    rows: list[dict[str, Any]] = []
    for limits in budget.steps:
        rows = _encode_rows(records, cols, limits, image, offset)
        # measured as the kernel sends it (ipykernel's JSON has spaces after separators)
        if len(json.dumps(rows, ensure_ascii=False, allow_nan=False).encode()) <= budget.max_bytes:
            break
    return rows


def _encode_rows(records: list[Mapping[str, Any]], cols: list[Column], limits: Limits, image: ImageFn | None,
                 offset: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        key = _row_key(rec.get(KEY), offset + i)  # groups have no key: their position is one
        present = _presence(rec.get(PRESENCE))
        cells: dict[str, Any] = {}
        truncated: list[str] = []
        for c in cols:
            cut = False
            if c.role == "cmp":
                pair: list[Any] = []
                for t, src in enumerate(c.sources):
                    if not present[t] or not src:
                        pair.append({"$absent": True})
                        continue
                    v, cu = encode_value(rec.get(src), c.value_kind, limits=limits, image=_bind(image, t, limits),
                                         meta=c.meta)
                    cut = cut or cu
                    pair.append(v)
                cells[c.name] = {"$cmp": pair}
            elif c.role == "summary":
                cells[c.name], cut = _summary(rec.get(c.sources[0]), limits, image, c.table or 0)
            else:
                t = c.table or 0
                cells[c.name], cut = encode_value(rec.get(c.sources[0]), c.value_kind, limits=limits,
                                                  image=_bind(image, t, limits), meta=c.meta)
            if cut:
                truncated.append(c.name)
        row: dict[str, Any] = {"_key": key, "cells": cells}
        if truncated:
            row["truncated"] = truncated
        rows.append(row)
    return rows


def _row_key(key: Any, fallback: int) -> Any:
    if key is None or is_missing(key):
        return fallback
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, (float, np.floating)) and float(key).is_integer():
        return int(key)
    return str(key)


def _bind(image: ImageFn | None, table: int, limits: Limits) -> Callable[..., dict[str, Any]] | None:
    if image is None:
        return None

    def one(struct: Mapping[str, Any], kind: str = "image") -> dict[str, Any]:
        return image(table, struct, limits, kind)

    return one
