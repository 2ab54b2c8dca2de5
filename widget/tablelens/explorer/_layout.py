"""From a query result's frame to what the browser draws: the `schema` trait and the rows of a page.

The query engine returns flat frames (`0.x`/`1.x` pairs in compare mode, `count_0`/`count_1` when grouped
compare); the browser wants one column per thing the user sees, so pairs become one `$cmp` column and summary
dicts become `$hist` / `$counts` / `$images` cells. Everything here is pure: no widget, no threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._cells import Limits, encode_value, is_missing, plain_number

__all__ = ["Column", "Layout", "PageBudget", "build_layout", "encode_page"]

SUMMARY_KINDS = {"hist", "counts", "images"}
COUNT_NAMES = {"count", "count_0", "count_1"}
KEY = "_key"
PRESENCE = "_presence"

#: (table index, image struct, limits) -> `$image` payload
ImageFn = Callable[[int, Mapping[str, Any], Limits], dict[str, Any]]


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

    def schema(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "label": self.label, "table": self.table, **self.extra}


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


def _split(name: str) -> tuple[int | None, str]:
    if len(name) > 2 and name[0] in "01" and name[1] == ".":
        return int(name[0]), name[2:]
    return None, name


def build_layout(mode: str, columns: Sequence[Mapping[str, Any]], frame_columns: Iterable[str] | None = None,
                 group_keys: Sequence[str] = (), join_key: Sequence[str] | None = None) -> Layout:
    """The on-screen columns of a result, from `QueryResult.columns` and its mode.

    In compare mode the join key is one plain column (its value is the row's `_key`, the same on both sides), not
    a pair of bars.
    """
    layout = Layout(mode)
    cols = [c for c in columns if str(c.get("name")) not in (KEY, PRESENCE)]
    if mode == "compare":
        pairs: dict[str, dict[int, Mapping[str, Any]]] = {}
        order: list[str] = []
        for c in cols:
            name = str(c["name"])
            t, base = _split(name)
            if t is None:
                t = c.get("table") if c.get("table") in (0, 1) else 0
            if base not in pairs:
                pairs[base] = {}
                order.append(base)
            pairs[base][int(t)] = c
        for base in order:
            sides = pairs[base]
            kinds = {str(s.get("kind")) for s in sides.values()}
            kind = kinds.pop() if len(kinds) == 1 else "compare"
            srcs = [str(sides[t]["name"]) if t in sides else "" for t in (0, 1)]
            vk = next(iter(str(s.get("kind")) for s in sides.values()))
            if join_key is not None and join_key[0] == join_key[1] == base:
                layout.columns.append(Column(base, kind, base, None, [KEY], "value", vk))
                continue
            layout.columns.append(Column(base, kind, base, None, srcs, "cmp", vk))
        return layout
    grouped = mode in ("groups", "compare-groups")
    keys = set(group_keys)
    for c in cols:
        name = str(c["name"])
        kind = str(c.get("kind") or "unknown")
        table = c.get("table") if c.get("table") in (0, 1) else None
        if not grouped:
            layout.columns.append(Column(name, kind, name, table, [name], "value", kind))
        elif name in COUNT_NAMES or kind == "count":
            layout.columns.append(Column(name, "count", "count", table, [name], "count", "int"))
        elif kind in SUMMARY_KINDS:
            layout.columns.append(Column(name, kind, name, table, [name], "summary", kind))
        elif name in keys or kind == "key":
            layout.columns.append(Column(name, "key", name, table, [name], "key", kind))
        else:  # an aggregate (e.g. what the groups are sorted by) or a column without a summary ("none")
            layout.columns.append(Column(name, kind, name, table, [name], "value", kind))
    return layout


def _presence(value: Any) -> tuple[bool, bool]:
    """(in table 0, in table 1) from whatever the engine puts in `_presence`."""
    if is_missing(value) or value is None:
        return True, True
    if isinstance(value, str):
        v = value.lower()
        if v in ("only0", "0", "left", "a"):
            return True, False
        if v in ("only1", "1", "right", "b"):
            return False, True
        return True, True
    if isinstance(value, (list, tuple)):
        return (0 in value or "0" in value), (1 in value or "1" in value)
    try:
        n = int(value)
    except (TypeError, ValueError):
        return True, True
    # bit 0 = table 0, bit 1 = table 1 (3 = both); 0 means "unknown": show both
    return (bool(n & 1), bool(n & 2)) if n else (True, True)


def _summary(value: Any, kind: str, limits: Limits, image: ImageFn | None, table: int) -> tuple[Any, bool]:
    """A summary dict of the engine as `$hist`, `$counts` or `$images` (anything else as a plain value)."""
    if not isinstance(value, Mapping):
        return encode_value(value, kind, limits=limits)
    skind = value.get("kind")
    if skind == "hist":
        edges = [plain_number(e) for e in _seq(value.get("edges"))]
        counts = [[int(n) if not is_missing(n) else 0 for n in _seq(row)] for row in _seq(value.get("counts"))]
        if counts and not isinstance(_seq(value.get("counts"))[0], (list, tuple)) and not hasattr(
                _seq(value.get("counts"))[0], "__len__"):
            counts = [[int(n) for n in _seq(value.get("counts"))]]
        return {"$hist": {"edges": edges, "counts": counts}}, False
    if skind == "counts":
        vals, cut = encode_value(list(_seq(value.get("values"))), None, limits=limits)
        raw = _seq(value.get("counts"))
        if raw and not hasattr(raw[0], "__len__"):
            raw = [raw]
        counts = [[int(n) if not is_missing(n) else 0 for n in _seq(row)] for row in raw]
        out: dict[str, Any] = {"values": vals, "counts": counts}
        if value.get("other") is not None:
            out["other"] = [int(x) for x in _seq(value.get("other"))] if hasattr(value.get("other"), "__len__") \
                else int(value["other"])
        return {"$counts": out}, cut
    if skind == "images":
        imgs = []
        raw = _seq(value.get("images"))
        for i, item in enumerate(raw):
            t = table
            if isinstance(item, Mapping) and "image" in item and "table" in item:  # {"table": i, "image": struct}
                t, item = int(item["table"]), item["image"]
            if isinstance(item, Mapping) and image is not None:
                imgs.append(image(t, item, limits))
            if i >= 31:
                break
        return {"$images": imgs}, False
    return encode_value(dict(value), None, limits=limits)


def _seq(v: Any) -> list[Any]:
    if v is None or (not isinstance(v, (list, tuple)) and not hasattr(v, "tolist")):
        return []
    return list(v.tolist() if hasattr(v, "tolist") and not isinstance(v, (list, tuple)) else v)


_BUDGET = PageBudget()


def encode_page(frame: pd.DataFrame, layout: Layout, *, offset: int = 0, hidden: Iterable[str] = (),
                image: ImageFn | None = None, budget: PageBudget = _BUDGET) -> list[dict[str, Any]]:
    """The rows of a page as `[{"_key", "cells": {name: CELL}, "truncated"?: [names]}]`, under the budget.

    Tries the limits of `budget.steps` in turn (cells cut ever shorter) until the JSON fits; the last step is
    kept whatever its size.
    """
    hide = set(hidden)
    cols = [c for c in layout.columns if c.name not in hide or c.role in ("key", "count")]
    rows: list[dict[str, Any]] = []
    for limits in budget.steps:
        rows = _encode_rows(frame, cols, limits, image, offset)
        # measured as the kernel sends it (ipykernel's JSON has spaces after separators)
        if len(json.dumps(rows, ensure_ascii=False, allow_nan=False).encode()) <= budget.max_bytes:
            break
    return rows


def _encode_rows(frame: pd.DataFrame, cols: list[Column], limits: Limits, image: ImageFn | None,
                 offset: int) -> list[dict[str, Any]]:
    records = frame.to_dict("records")
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        key = _row_key(rec.get(KEY), offset + i)  # groups have no key: their position is one
        present = _presence(rec.get(PRESENCE)) if PRESENCE in rec else (True, True)
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
                    v, cu = encode_value(rec.get(src), c.value_kind, limits=limits, image=_bind(image, t, limits))
                    cut = cut or cu
                    pair.append(v)
                cells[c.name] = {"$cmp": pair}
            elif c.role == "summary":
                cells[c.name], cut = _summary(rec.get(c.sources[0]), c.kind, limits, image, c.table or 0)
            else:
                t = c.table or 0
                cells[c.name], cut = encode_value(rec.get(c.sources[0]), c.value_kind, limits=limits,
                                                  image=_bind(image, t, limits))
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


def _bind(image: ImageFn | None, table: int, limits: Limits) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
    if image is None:
        return None

    def one(struct: Mapping[str, Any]) -> dict[str, Any]:
        return image(table, struct, limits)

    return one
