"""Image and mask keys for the browser, and the files behind them.

A cell names its image by a key, never by a file path: the key is derived from the file's content digest, so the
browser caches one thumbnail per picture however many rows, versions or results show it, and a key the kernel
has not handed out cannot make it read an arbitrary file.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from .._core.errors import TablelensError
from ._cells import encode_box, is_missing, plain_number

__all__ = ["MEDIA_MIME", "MediaIndex", "Resolver"]

#: logical path inside the artifact of the table the image belongs to -> local file
Resolver = Callable[[str], str]

_BROWSER_FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp",
                    "gif": "image/gif", "bmp": "image/bmp"}
#: key prefix of each media kind's files
_PREFIX = {"audio": "aud", "video": "vid", "html": "html", "object3d": "o3d", "plotly": "plot", "molecule": "mol"}
#: the facts of each kind that its `$media` payload carries (docs/protocol.md "Cells")
_FACTS = {"audio": ("duration", "sample_rate", "channels"), "video": ("width", "height", "frames", "fps", "duration"),
          "html": (), "object3d": ("points", "faces"), "plotly": ("traces", "trace_types"), "molecule": ("atoms",)}
#: mime types of the media files, by extension (the browser plays or parses the bytes as they are)
MEDIA_MIME = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4",
              "aiff": "audio/aiff", "au": "audio/basic", "mp4": "video/mp4", "webm": "video/webm", "gif": "image/gif",
              "html": "text/html", "plotly.json": "application/json", "pts.json": "application/json",
              "babylon": "application/json", "gltf": "model/gltf+json", "glb": "model/gltf-binary",
              "obj": "text/plain", "stl": "model/stl"}


class MediaIndex:
    """Keys handed to the browser -> local files, bounded (least recently used keys are forgotten)."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._files: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._classes: dict[str, list[dict[str, Any]]] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    # -- registering ---------------------------------------------------------------------------------------------
    def _remember(self, key: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._files[key] = entry
            self._files.move_to_end(key)
            while len(self._files) > self._max:
                self._files.popitem(last=False)

    def lookup(self, key: str) -> dict[str, Any] | None:
        """`{"path": local file | None, "error": str | None, "width", "height", "format"}` or None if unknown."""
        with self._lock:
            entry = self._files.get(key)
            if entry is not None:
                self._files.move_to_end(key)
            return entry

    def image_payload(
        self, struct: Mapping[str, Any], resolve: Resolver, *, max_classes: int = 64, max_boxes: int = 500
    ) -> dict[str, Any]:
        """The `$image` payload of an image struct (docs/storage.md) as docs/protocol.md describes it."""
        path, digest = struct.get("path"), struct.get("digest")
        width, height = _int(struct.get("width")), _int(struct.get("height"))
        out: dict[str, Any] = {"key": None, "width": width, "height": height}
        caption = struct.get("caption")
        out["caption"] = None if caption is None or is_missing(caption) else str(caption)[:2000]
        errors: list[str] = []
        if isinstance(path, str) and path:
            key = _key("img", digest, path)
            local, err = _resolve(resolve, path)
            if err:
                errors.append(err)
            self._remember(key, {"path": local, "error": err, "width": width, "height": height,
                                 "format": struct.get("format")})
            out["key"] = key
        else:
            errors.append("this image has no file")

        boxes: dict[str, list[dict[str, Any]]] = {}
        used_ids: set[int] = set()
        raw_boxes = struct.get("boxes")
        if isinstance(raw_boxes, Mapping):
            for layer, items in raw_boxes.items():
                if items is None or is_missing(items):
                    continue
                encoded = [b for b in (encode_box(x) for x in list(items)[:max_boxes]) if b is not None]
                for b in encoded:
                    if b["class_id"] is not None:
                        used_ids.add(b["class_id"])
                boxes[str(layer)] = encoded
                if len(items) > max_boxes:
                    errors.append(f"layer {layer!r}: showing the first {max_boxes} of {len(items)} boxes")
        out["boxes"] = boxes

        masks: dict[str, str] = {}
        raw_masks = struct.get("masks")
        if isinstance(raw_masks, Mapping):
            for layer, m in raw_masks.items():
                if not isinstance(m, Mapping) or not m.get("path"):
                    continue
                mkey = _key("mask", m.get("digest"), str(m["path"]))
                local, err = _resolve(resolve, str(m["path"]))
                self._remember(mkey, {"path": local, "error": err, "width": None, "height": None, "format": "png"})
                masks[str(layer)] = mkey
        out["masks"] = masks

        classes = self._class_set(struct.get("classes"), resolve)
        if len(classes) > max_classes:
            classes = [c for c in classes if c["id"] in used_ids]
        out["classes"] = classes
        if errors:
            out["error"] = "; ".join(errors)
        return out

    def media_payload(self, kind: str, struct: Mapping[str, Any], resolve: Resolver) -> dict[str, Any]:
        """The `$media` payload of an audio, video, HTML, 3-D, Plotly or molecule struct (docs/protocol.md)."""
        path, digest, fmt = struct.get("path"), struct.get("digest"), struct.get("format")
        out: dict[str, Any] = {"kind": kind, "key": None, "format": None if fmt is None else str(fmt),
                               "size": _int(struct.get("size"))}
        caption = struct.get("caption")
        if caption is not None and not is_missing(caption):
            out["caption"] = str(caption)[:2000]
        for f in _FACTS.get(kind, ()):
            v = struct.get(f)
            if v is None or is_missing(v):
                continue
            out[f] = [str(x) for x in v][:50] if isinstance(v, (list, tuple)) else plain_number(v)
        if kind == "object3d":
            boxes = struct.get("boxes")
            out["boxes"] = len(boxes) if boxes is not None and not is_missing(boxes) else 0
        if isinstance(path, str) and path:
            key = _key(_PREFIX.get(kind, kind), digest, path)
            local, err = _resolve(resolve, path)
            self._remember(key, {"path": local, "error": err, "kind": kind, "format": out["format"], "name": path,
                                 "width": _int(struct.get("width")), "height": _int(struct.get("height"))})
            out["key"] = key
            if err:
                out["error"] = err
        else:
            out["error"] = f"this {kind} cell has no file"
        return out

    def _class_set(self, path: Any, resolve: Resolver) -> list[dict[str, Any]]:
        if not isinstance(path, str) or not path:
            return []
        local, err = _resolve(resolve, path)
        if err or local is None:
            return []
        with self._lock:
            cached = self._classes.get(local)
        if cached is not None:
            return cached
        try:
            with open(local, encoding="utf-8") as f:
                data = json.load(f)
            items = data.get("class_set", []) if isinstance(data, Mapping) else data
            classes = []
            for c in items:
                if not isinstance(c, Mapping) or c.get("id") is None:
                    continue
                entry = {"id": int(c["id"]), "name": str(c.get("name", f"class {c['id']}"))[:200]}
                if c.get("color") is not None:
                    entry["color"] = c["color"] if isinstance(c["color"], str) else list(c["color"])
                classes.append(entry)
        except (OSError, ValueError, TypeError):
            classes = []
        with self._lock:
            self._classes[local] = classes
        return classes

    # -- serving -------------------------------------------------------------------------------------------------
    @staticmethod
    def browser_mime(fmt: Any) -> str | None:
        """The mime type when the browser can show the original file as it is, else None."""
        return _BROWSER_FORMATS.get(str(fmt).lower()) if fmt else None


def _key(prefix: str, digest: Any, path: str) -> str:
    if isinstance(digest, str) and digest:
        return f"{prefix}:{digest[:40]}"
    return f"{prefix}:p{hashlib.sha1(path.encode()).hexdigest()}"


def _resolve(resolve: Resolver, path: str) -> tuple[str | None, str | None]:
    try:
        local = resolve(path)
    except TablelensError as e:  # damaged (checked against its digest) or unsafe: the message says which and why
        return None, str(e)
    except Exception as e:  # a missing entry must not break the page: the cell explains it instead
        return None, f"cannot find {path}: {e}"
    if local is None:
        return None, f"cannot find {path}"
    local = os.fspath(local)
    return local, None


def _int(v: Any) -> int | None:
    f = plain_number(v)
    return int(f) if f is not None else None
