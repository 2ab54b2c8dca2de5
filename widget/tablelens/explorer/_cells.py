"""Turn the values of a result page into the protocol's JSON cells (docs/protocol.md "Cells").

JSON cannot hold NaN, infinities, dates or numpy arrays, and the browser must never receive a page so large that
the notebook stalls: long strings, long lists and big arrays are cut here, and the caller learns which cells were
cut (the row's `truncated` list) so the full value can still be had from Python (`ex.view.page(...)`).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codec import MEDIA_KINDS, decode_cell

__all__ = [
    "ImageEncoder",
    "Limits",
    "encode_box",
    "encode_value",
    "is_missing",
]

#: Called with an image struct (a dict) and returns its `$image` payload; supplied by the media index. Called
#: with a second argument, the kind ("audio", "video", ...), for the other media structs: their `$media` payload.
ImageEncoder = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Limits:
    """How much of one cell goes to the browser: characters per string, items per list/dict, ndarray values."""

    max_str: int = 2000
    max_items: int = 500
    max_ndarray: int = 64
    max_depth: int = 32
    max_classes: int = 64
    max_boxes: int = 500


class _Cut:
    """Records whether anything was cut while encoding one cell."""

    __slots__ = ("cut",)

    def __init__(self) -> None:
        self.cut = False


def is_missing(value: Any) -> bool:
    """True for None and pandas' missing markers (NA, NaT) — but not for float NaN, which is a value to show."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, np.datetime64) and np.isnat(value)


def encode_value(
    value: Any,
    kind: str | None = None,
    *,
    limits: Limits = Limits(),
    image: ImageEncoder | None = None,
    meta: Mapping[str, Any] | None = None,
) -> tuple[Any, bool]:
    """One cell as JSON-ready data; returns `(cell, truncated)`.

    `value` is the cell in its stored form (as Arrow's `to_pylist` gives it) or already decoded; `kind` is the
    column kind of docs/storage.md: `mixed`, `json` and `ndarray` cells are decoded by `tablelens.codec` (the
    same decoder every reader uses), `image` structs become `$image` payloads, and everything else is told apart
    by the Python type of the value.
    """
    cut = _Cut()
    if kind in ("mixed", "json", "ndarray") and not is_missing(value):
        value = decode_cell(value, {**(meta or {}), "kind": kind})
        if isinstance(value, np.ndarray):  # an ndarray column's cell, or one held by a mixed column
            return _ndarray(value, limits, cut), cut.cut
        kind = None
    return _encode(value, kind, limits, image, cut, 0), cut.cut


def _encode(value: Any, kind: str | None, lim: Limits, image: ImageEncoder | None, cut: _Cut, depth: int) -> Any:
    if is_missing(value):
        return None
    if depth > lim.max_depth:
        cut.cut = True
        return "…"
    if kind == "image" and isinstance(value, Mapping):
        if image is None:
            return {"$image": {"key": None, "error": "images cannot be shown here"}}
        return {"$image": image(value)}
    if kind in MEDIA_KINDS and isinstance(value, Mapping):
        if image is None:
            return {"$media": {"kind": kind, "key": None, "error": "media cannot be shown here"}}
        return {"$media": image(value, kind)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return number(float(value))
    if isinstance(value, str):
        if len(value) > lim.max_str:
            cut.cut = True
            return value[: max(0, lim.max_str - 1)] + "…"
        return value
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        return {"$date": iso_date(value)}
    if isinstance(value, (_dt.timedelta, np.timedelta64)):
        return str(pd.Timedelta(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for i, (k, v) in enumerate(value.items()):
            if i >= lim.max_items:
                cut.cut = True
                break
            out[str(k)] = _encode(v, None, lim, image, cut, depth + 1)
        return out
    if isinstance(value, np.ndarray) and value.dtype != object and value.ndim > 0:
        # a numeric array that did not come from an ndarray column: still a list to the user
        value = value.tolist()
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value[: lim.max_items]) if len(value) > lim.max_items else list(value)
        if len(value) > lim.max_items:
            cut.cut = True
        return [_encode(v, None, lim, image, cut, depth + 1) for v in items]
    if isinstance(value, np.generic):
        return _encode(value.item(), kind, lim, image, cut, depth)
    return str(value)


def number(x: float) -> Any:
    """A float as JSON: itself, or `{"$num": "NaN"|"Infinity"|"-Infinity"}`."""
    if math.isnan(x):
        return {"$num": "NaN"}
    if math.isinf(x):
        return {"$num": "Infinity" if x > 0 else "-Infinity"}
    return x


def plain_number(x: Any) -> float | None:
    """A finite float or None (for box coordinates and chart edges, where a tag would not help)."""
    if x is None or is_missing(x):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def iso_date(value: Any) -> str:
    """ISO text of a date or datetime; UTC written as `Z`, naive times without a zone (they have none)."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    if isinstance(value, _dt.datetime):
        text = value.isoformat()
        if value.utcoffset() == _dt.timedelta(0):
            text = text.rsplit("+", 1)[0] + "Z" if text.endswith("+00:00") else text
        return text
    return value.isoformat()


def _ndarray(value: Any, lim: Limits, cut: _Cut) -> Any:
    try:
        arr = _stack(value)
    except (ValueError, TypeError):
        return _encode(list(value) if isinstance(value, np.ndarray) else value, "list", lim, None, cut, 1)
    flat = arr.reshape(-1)
    head = flat[: lim.max_ndarray]
    if flat.size > lim.max_ndarray:
        cut.cut = True
    values = [number(float(v)) if isinstance(v, (float, np.floating)) else _scalar(v) for v in head.tolist()]
    return {"$ndarray": {"shape": list(arr.shape), "dtype": str(arr.dtype), "values": values}}


def _stack(value: Any) -> np.ndarray:
    """A regular ndarray from the nested lists/object arrays Arrow gives for an ndarray column."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value
    arr = np.array(_tolist(value))
    if arr.dtype == object:
        raise ValueError("ragged")
    return arr


def _tolist(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_tolist(v) for v in value] if value.dtype == object else value.tolist()
    if isinstance(value, (list, tuple)):
        return [_tolist(v) for v in value]
    return value


def _scalar(v: Any) -> Any:
    if isinstance(v, float):
        return number(v)
    if isinstance(v, (bool, int, str)) or v is None:
        return v
    return str(v)


def _short(x: float | None) -> float | None:
    """Six significant digits: a box edge within 1e-6 of the image (or of a pixel) draws the same, and a page of
    boxes is a third smaller on the wire."""
    if x is None:
        return None
    y = float(f"{x:.6g}")
    return int(y) if y.is_integer() and abs(y) < 2**53 else y


def encode_box(box: Mapping[str, Any]) -> dict[str, Any] | None:
    """A stored box as the protocol's `{minX, maxX, minY, maxY, class_id, domain?, box_caption?, scores?, status?,
    iou?}`.

    Boxes logged as middle/width/height are converted here when the store did not fill min/max; coordinates and
    scores keep six significant digits; `domain` is sent only when it is "pixel", `box_caption` only when set,
    `scores` only when the box has some. Returns None for something that is not a box at all.
    """
    if not isinstance(box, Mapping):
        return None
    min_x, max_x = plain_number(box.get("minX")), plain_number(box.get("maxX"))
    min_y, max_y = plain_number(box.get("minY")), plain_number(box.get("maxY"))
    if None in (min_x, max_x, min_y, max_y):
        middle, w, h = box.get("middle"), plain_number(box.get("width")), plain_number(box.get("height"))
        if middle is not None and len(middle) == 2 and w is not None and h is not None:
            mx, my = plain_number(middle[0]), plain_number(middle[1])
            if mx is not None and my is not None:
                min_x, max_x, min_y, max_y = mx - w / 2, mx + w / 2, my - h / 2, my + h / 2
    scores_in = box.get("scores")
    scores: dict[str, float | None] = {}
    if isinstance(scores_in, Mapping):
        for k, v in scores_in.items():
            f = plain_number(v)
            if f is not None:
                scores[str(k)] = _short(f)
    class_id = box.get("class_id")
    caption = box.get("box_caption", box.get("caption"))
    out: dict[str, Any] = {
        "minX": _short(min_x),
        "maxX": _short(max_x),
        "minY": _short(min_y),
        "maxY": _short(max_y),
        "class_id": int(class_id) if class_id is not None and not is_missing(class_id) else None,
    }
    if box.get("domain") == "pixel":
        out["domain"] = "pixel"
    if caption is not None and not is_missing(caption):
        out["box_caption"] = str(caption)[:500]
    if scores:
        out["scores"] = scores
    # an evaluated table's match status and IoU (tablelens.evaluation), for the overlay's status colors
    status = box.get("status")
    if isinstance(status, str):
        out["status"] = status[:16]
    iou = plain_number(box.get("iou"))
    if iou is not None:
        out["iou"] = _short(iou)
    return out
