"""Text for people at a terminal: sizes, times, aligned tables, trees; untrusted text made harmless.

Anything that came from a store (names are checked, but descriptions, metadata and cells are free text) goes
through `clean`, so an escape sequence in a description cannot drive the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["cell_text", "clean", "size", "table", "when"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: Any, width: int | None = None) -> str:
    """`text` as a string with control characters written as `\\xNN` (newlines and tabs as spaces), cut to
    `width` characters with an ellipsis."""
    s = "" if text is None else str(text)
    s = s.replace("\n", " ").replace("\t", " ")
    s = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)
    if width is not None and len(s) > width:
        s = s[: max(1, width - 1)] + "…"
    return s


def size(n: int | float | None) -> str:
    """Bytes as people read them: 812 B, 4.2 KiB, 1.3 MiB."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def when(iso: Any) -> str:
    """An ISO timestamp as local `YYYY-MM-DD HH:MM`; "-" when missing."""
    if not isinstance(iso, str) or not iso:
        return "-"
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return clean(iso, 25)
    if t.tzinfo is not None:
        t = t.astimezone()
    return t.strftime("%Y-%m-%d %H:%M")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "", right: Sequence[int] = ()) -> str:
    """Columns aligned on their widest cell; columns whose index is in `right` align right (numbers)."""
    cells = [[clean(c) for c in header], *[[clean(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for r in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append((indent + "  ".join(parts)).rstrip())
    return "\n".join(lines)


def cell_text(value: Any, width: int = 40) -> str:
    """One query cell in a line: numbers as they are, images and media by kind and size, nested values as JSON."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, (bool, int, str)):
        return clean(value, width)
    kind = type(value).__name__
    if kind == "Image":
        w, h = getattr(value, "width", None), getattr(value, "height", None)
        return clean(f"<image {w}x{h}>" if w and h else "<image>", width)
    if kind in ("Audio", "Video", "Html", "Object3D", "Plotly", "Molecule"):
        return f"<{kind.lower()}>"
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, dict):
        short = _struct_text(value)
        if short is not None:
            return clean(short, width)
    if hasattr(value, "isoformat"):
        return clean(value.isoformat(sep=" "), width)
    try:
        return clean(json.dumps(value, default=str, separators=(",", ":")), width)
    except (TypeError, ValueError):
        return clean(repr(value), width)


def _num(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _struct_text(value: dict[str, Any]) -> str | None:
    """A stored image or media struct, or a group summary, in a few words (None: show it as JSON)."""
    if {"path", "digest"} <= value.keys():
        if "width" in value and "height" in value:
            return f"<image {value['width']}x{value['height']} {value['path']}>"
        return f"<{value.get('format') or 'file'} {value['path']}>"
    kind = value.get("kind")
    if kind == "hist" and value.get("edges"):
        counts = value.get("counts") or []
        n = sum(sum(c) for c in counts if isinstance(c, list))
        return f"hist {_num(value['edges'][0])}..{_num(value['edges'][-1])} (n={n})"
    if kind == "counts":
        pairs = list(zip(value.get("values") or [], (value.get("counts") or [[]])[0]))
        return ", ".join(f"{json.dumps(v, default=str)}×{c}" for v, c in pairs[:4]) + (" …" if len(pairs) > 4 else "")
    if kind in ("images", "media"):
        return f"{len(value.get('images') or [])} {value.get('media_kind') or 'image'} samples"
    return None
