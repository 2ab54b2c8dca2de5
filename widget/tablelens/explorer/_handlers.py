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

from ..media import previews as _previews
from ..media import thumbnails as _thumbs
from . import panels as _panels
from ._layout import Layout, PageBudget, encode_page
from ._media import MEDIA_MIME, MediaIndex

__all__ = [
    "MAX_LIMIT",
    "MAX_THUMB_ITEMS",
    "Snapshot",
    "answer_asset",
    "answer_cell",
    "answer_image",
    "answer_masks",
    "answer_media",
    "answer_panel",
    "answer_rows",
    "answer_thumbs",
    "answer_waveforms",
    "error_answer",
]

MAX_LIMIT = 500  # rows per request
MAX_THUMB_ITEMS = 512  # images per thumbs/masks request
MAX_THUMB_SIZE = 2048  # longest side (device pixels) of a thumbnail
MAX_ORIGINAL_BYTES = 20 * 2**20  # larger originals are sent as a 4096 px rendition instead
MAX_MEDIA_BYTES = 64 * 2**20  # a media file larger than this is not sent to the browser (Python has it)
MAX_MEDIA_ANSWER = 128 * 2**20  # the files of one `media` answer, together
MAX_CELL_CHARS = 1_000_000  # the full text of one cell (`cell` request)

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
    def image(table: int, struct: Mapping[str, Any], limits: Any, kind: str = "image") -> dict[str, Any]:
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

        if kind != "image":
            return media.media_payload(kind, struct, resolve)
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
    other: list[tuple[str, str, str, str, int, str]] = []  # video posters, 3-D and molecule pictures
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
        elif entry.get("kind") in ("video", "object3d", "molecule"):
            other.append((key, entry["kind"], entry["path"], str(entry.get("format") or ""), size,
                          str(entry.get("name") or entry["path"])))
        else:
            work.append((key, entry["path"], size))
    made = {r["key"]: r for r in _thumbs.thumbnails(work, cache_dir=cache_dir)} if work else {}
    if other:
        made.update({r["key"]: r for r in _previews.previews(other, cache_dir=cache_dir)})
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


def answer_waveforms(media: MediaIndex, msg: Mapping[str, Any], cache_dir: str | None = None,
                     ) -> tuple[dict[str, Any], list[bytes]]:
    """`waveforms`: the peaks of every requested audio cell (`2 * bins` signed bytes each), in one answer."""
    try:
        items = _items(msg)
    except ValueError as e:
        return error_answer(msg, str(e)), []
    work: list[tuple[str, str, str, int, str]] = []
    failed: dict[str, str] = {}
    for it in items:
        bins = it.get("bins", 256)
        bins = int(bins) if isinstance(bins, (int, float)) and not isinstance(bins, bool) else 256
        entry = media.lookup(it["key"])
        if entry is None or entry.get("kind") != "audio":
            failed[it["key"]] = "unknown audio key (the page changed; it will reload)"
        elif entry.get("error") or not entry.get("path"):
            failed[it["key"]] = entry.get("error") or "this audio cell has no file"
        else:
            work.append((it["key"], entry["path"], str(entry.get("format") or ""), max(8, min(4096, bins)),
                         str(entry.get("name") or entry["path"])))
    made = {r["key"]: r for r in _previews.waveforms(work, cache_dir=cache_dir)} if work else {}
    results = [made.get(it["key"]) or {"key": it["key"], "error": failed.get(it["key"], "no waveform")}
               for it in items]
    out, buffers = _thumbs.pack_items(results)
    return {"type": "waveforms", "id": msg.get("id"), "items": out}, buffers


def answer_media(media: MediaIndex, msg: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """`media`: the files of audio, video, HTML, 3-D, Plotly and molecule cells as they are, in one answer."""
    try:
        items = _items(msg)
    except ValueError as e:
        return error_answer(msg, str(e)), []
    out: list[dict[str, Any]] = []
    buffers: list[bytes] = []
    total = 0
    for it in items:
        key = it["key"]
        entry = media.lookup(key)
        if entry is None or not entry.get("kind"):
            out.append({"key": key, "error": "unknown media key (the page changed; it will reload)"})
            continue
        if entry.get("error") or not entry.get("path"):
            out.append({"key": key, "error": entry.get("error") or "this cell has no file"})
            continue
        path, fmt = entry["path"], str(entry.get("format") or "")
        try:
            size = os.path.getsize(path)
            if size > MAX_MEDIA_BYTES or total + size > MAX_MEDIA_ANSWER:
                out.append({"key": key, "error": f"the file is {size / 2**20:.0f} MiB, more than the "
                            f"{MAX_MEDIA_BYTES // 2**20} MiB sent to the browser; read it in Python"})
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            out.append({"key": key, "error": f"{entry['kind']} file not found: {path} ({e})"})
            continue
        total += len(data)
        out.append({"key": key, "mime": MEDIA_MIME.get(fmt, "application/octet-stream"), "format": fmt,
                    "buffer": len(buffers)})
        buffers.append(data)
    return {"type": "media", "id": msg.get("id"), "items": out}, buffers


def answer_cell(snapshot: Snapshot | None, msg: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """`cell`: the whole text of one string cell the page cut (`{"key": row _key, "column"}`), as UTF-8 bytes."""
    key, column = msg.get("key"), msg.get("column")
    if snapshot is None or not isinstance(column, str) or isinstance(key, bool) or not isinstance(key, (int, str)):
        return error_answer(msg, "'key' (a row's _key) and 'column' are needed"), []
    if snapshot.result.grouped:
        return error_answer(msg, "grouped rows have no cells to read whole"), []
    df = snapshot.result.rows_by_key([key])
    if not len(df) or column not in df.columns:
        return error_answer(msg, f"no cell {column!r} in row {key!r} of the current result"), []
    value = df[column].iloc[0]
    if not isinstance(value, str):
        return error_answer(msg, f"the cell {column!r} of row {key!r} is not text"), []
    data = value[:MAX_CELL_CHARS].encode("utf-8")
    return {"type": "cell", "id": msg.get("id"), "key": key, "column": column, "chars": len(value),
            "buffer": 0}, [data]


_assets: dict[str, bytes] = {}
_assets_lock = threading.Lock()
ASSETS = {"plotly": "plotly.js", "three": "three.js", "markdown": "markdown.js",
          "graph-layout": "graph-layout.js"}  # the last: the store browser's graph (dagre)


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


def answer_panel(msg: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """`panel`: the module source of a registered panel (docs/panels.md), as UTF-8 bytes."""
    name = msg.get("name")
    p = _panels.get_panel(name) if isinstance(name, str) else None
    if p is None:
        known = [q.name for q in _panels.panels()]
        return error_answer(msg, f"no panel named {name!r} is registered (registered: {known})"), []
    return {"type": "panel", "id": msg.get("id"), "name": p.name, "digest": p.digest, "buffer": 0}, [
        p.esm.encode("utf-8")]
