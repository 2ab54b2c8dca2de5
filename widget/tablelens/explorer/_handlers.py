"""Answers to the browser's custom messages (docs/protocol.md "Messages"), as pure functions.

Each handler takes what it needs (the current result snapshot, the media index) and the message, and returns
`(answer, buffers)`; the widget sends it. Nothing here raises for bad input from the browser: a malformed request
gets an `{"type": "error"}` answer, a bad image an item with `error`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..media import thumbnails as _thumbs
from ._layout import Layout, PageBudget, encode_page
from ._media import MediaIndex

__all__ = [
    "MAX_LIMIT",
    "MAX_THUMB_ITEMS",
    "Snapshot",
    "answer_asset",
    "answer_image",
    "answer_masks",
    "answer_rows",
    "answer_thumbs",
    "error_answer",
]

MAX_LIMIT = 500  # rows per request
MAX_THUMB_ITEMS = 512  # images per thumbs/masks request
MAX_THUMB_SIZE = 2048  # longest side (device pixels) of a thumbnail
MAX_ORIGINAL_BYTES = 20 * 2**20  # larger originals are sent as a 4096 px rendition instead

STATIC = Path(__file__).resolve().parent.parent / "static"


@dataclass
class Snapshot:
    """A finished query as the handlers see it; replaced whole (never mutated) when a new result arrives."""

    result: Any
    version: int
    layout: Layout
    num_rows: int
    pages: OrderedDict[tuple[int, int, tuple[str, ...]], list[dict[str, Any]]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[int, int, tuple[str, ...]]) -> list[dict[str, Any]] | None:
        with self.lock:
            return self.pages.get(key)

    def remember(self, key: tuple[int, int, tuple[str, ...]], rows: list[dict[str, Any]]) -> None:
        with self.lock:
            self.pages[key] = rows
            while len(self.pages) > 8:
                self.pages.popitem(last=False)


def error_answer(msg: Mapping[str, Any], message: str) -> dict[str, Any]:
    return {"type": "error", "id": msg.get("id"), "message": message}


def _int(msg: Mapping[str, Any], name: str, default: int) -> int:
    v = msg.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{name!r} must be a number, got {v!r}")
    return int(v)


_BUDGET = PageBudget()


def page_rows(snapshot: Snapshot, offset: int, limit: int, hidden: Iterable[str], media: MediaIndex,
              budget: PageBudget = _BUDGET) -> list[dict[str, Any]]:
    """The encoded rows of a window of the snapshot's result (cached per window and hidden columns)."""
    hidden_key = tuple(sorted(hidden))
    key = (offset, limit, hidden_key)
    rows = snapshot.cached(key)
    if rows is not None:
        return rows
    if offset >= snapshot.num_rows:
        rows = []
    else:
        result = snapshot.result
        page = result.group_records(offset, limit) if result.grouped else result.page_arrow(offset, limit)
        rows = encode_page(page, snapshot.layout, offset=offset, hidden=hidden_key,
                           image=_image_fn(result, media), budget=budget)
    snapshot.remember(key, rows)
    return rows


def _image_fn(result: Any, media: MediaIndex) -> Any:
    def image(table: int, struct: Mapping[str, Any], limits: Any) -> dict[str, Any]:
        def resolve(path: str) -> str:
            try:
                return os.fspath(result.resolve_media(table, path))
            except (LookupError, OSError, ValueError):
                # grouped compare samples do not say which table they come from: try the other one
                if table != 0:
                    raise
                try:
                    return os.fspath(result.resolve_media(1, path))
                except (LookupError, OSError, ValueError):
                    pass
                raise

        return media.image_payload(struct, resolve, max_classes=limits.max_classes, max_boxes=limits.max_boxes)

    return image


def answer_rows(snapshot: Snapshot | None, msg: Mapping[str, Any], hidden: Iterable[str], media: MediaIndex,
                ) -> tuple[dict[str, Any], list[bytes]]:
    """`rows`: a window of the current result (whatever `result_version` the browser had: it drops stale ones)."""
    try:
        offset = max(0, _int(msg, "offset", 0))
        limit = min(MAX_LIMIT, max(1, _int(msg, "limit", 50)))
    except ValueError as e:
        return error_answer(msg, str(e)), []
    if snapshot is None:
        return {"type": "rows", "id": msg.get("id"), "result_version": 0, "offset": offset, "total": 0,
                "rows": []}, []
    rows = page_rows(snapshot, offset, limit, hidden, media)
    return {"type": "rows", "id": msg.get("id"), "result_version": snapshot.version, "offset": offset,
            "total": snapshot.num_rows, "rows": rows}, []


def _items(msg: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = msg.get("items")
    if not isinstance(items, list):
        raise ValueError("'items' must be a list")
    return [it for it in items[:MAX_THUMB_ITEMS] if isinstance(it, Mapping) and isinstance(it.get("key"), str)]


def answer_thumbs(media: MediaIndex, msg: Mapping[str, Any], cache_dir: str | None = None,
                  ) -> tuple[dict[str, Any], list[bytes]]:
    """`thumbs`: every requested thumbnail in ONE answer, bytes in binary buffers."""
    try:
        items = _items(msg)
    except ValueError as e:
        return error_answer(msg, str(e)), []
    work: list[tuple[str, str, int]] = []
    failed: dict[str, str] = {}
    for it in items:
        key = it["key"]
        size = it.get("size", 128)
        size = int(size) if isinstance(size, (int, float)) and not isinstance(size, bool) else 128
        size = min(MAX_THUMB_SIZE, max(8, size))
        entry = media.lookup(key)
        if entry is None:
            failed[key] = "unknown image key (the page changed; it will reload)"
        elif entry.get("error") or not entry.get("path"):
            failed[key] = entry.get("error") or "this image has no file"
        else:
            work.append((key, entry["path"], size))
    made = {r["key"]: r for r in _thumbs.thumbnails(work, cache_dir=cache_dir)} if work else {}
    results = [made.get(it["key"]) or {"key": it["key"], "error": failed.get(it["key"], "no thumbnail")}
               for it in items]
    out, buffers = _thumbs.pack_items(results)
    return {"type": "thumbs", "id": msg.get("id"), "items": out}, buffers


def answer_masks(media: MediaIndex, msg: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """`masks`: 8-bit grayscale PNGs (pixel = class id), all in one answer."""
    try:
        items = _items(msg)
    except ValueError as e:
        return error_answer(msg, str(e)), []
    work: list[tuple[str, str]] = []
    failed: dict[str, str] = {}
    for it in items:
        entry = media.lookup(it["key"])
        if entry is None:
            failed[it["key"]] = "unknown mask key (the page changed; it will reload)"
        elif entry.get("error") or not entry.get("path"):
            failed[it["key"]] = entry.get("error") or "this mask has no file"
        else:
            work.append((it["key"], entry["path"]))
    made = {r["key"]: r for r in _thumbs.masks(work)} if work else {}
    results = [made.get(it["key"]) or {"key": it["key"], "error": failed.get(it["key"], "no mask")}
               for it in items]
    out, buffers = _thumbs.pack_items(results)
    return {"type": "masks", "id": msg.get("id"), "items": out}, buffers


def answer_image(media: MediaIndex, msg: Mapping[str, Any], cache_dir: str | None = None,
                 ) -> tuple[dict[str, Any], list[bytes]]:
    """`image`: the full-resolution picture (the original bytes when the browser can show them)."""
    key = msg.get("key")
    if not isinstance(key, str):
        return error_answer(msg, "'key' must be a string"), []
    entry = media.lookup(key)
    if entry is None or entry.get("error") or not entry.get("path"):
        reason = "unknown image key" if entry is None else entry.get("error") or "this image has no file"
        return {"type": "image", "id": msg.get("id"), "items": [{"key": key, "error": reason}]}, []
    path = entry["path"]
    mime = media.browser_mime(entry.get("format"))
    try:
        size = os.path.getsize(path)
        if mime is not None and size <= MAX_ORIGINAL_BYTES and entry.get("width") and entry.get("height"):
            with open(path, "rb") as f:
                data = f.read()
            item = {"key": key, "width": entry["width"], "height": entry["height"], "mime": mime, "buffer": 0}
            return {"type": "image", "id": msg.get("id"), "items": [item]}, [data]
        data, mime, w, h = _thumbs.thumbnail(path, 4096, cache_dir)
    except (OSError, _thumbs.MediaError) as e:
        return {"type": "image", "id": msg.get("id"), "items": [{"key": key, "error": str(e)}]}, []
    item = {"key": key, "width": w, "height": h, "mime": mime, "buffer": 0}
    return {"type": "image", "id": msg.get("id"), "items": [item]}, [data]


_assets: dict[str, bytes] = {}
_assets_lock = threading.Lock()
ASSETS = {"plotly": "plotly.js"}


def answer_asset(msg: Mapping[str, Any], static: Path = STATIC) -> tuple[dict[str, Any], list[bytes]]:
    """`asset`: a bundled script the entry module does not carry (plotly), as bytes; read once per process."""
    name = msg.get("name")
    if name not in ASSETS:
        return error_answer(msg, f"unknown asset {name!r}; known: {sorted(ASSETS)}"), []
    path = static / ASSETS[str(name)]
    with _assets_lock:
        data = _assets.get(str(path))
        if data is None:
            try:
                data = path.read_bytes()
            except OSError as e:
                return error_answer(msg, f"cannot read {path}: {e}; rebuild the front end (npm run build)"), []
            _assets[str(path)] = data
    return {"type": "asset", "id": msg.get("id"), "name": name, "buffer": 0}, [data]
