"""`Plotly`: a Plotly figure, as `wandb.Plotly`, stored as W&B's `.plotly.json` (the figure's JSON, numpy arrays
written as lists as the SDK does) and drawn in the Explorer with the bundled plotly.js."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile

__all__ = ["Plotly", "figure_json"]


class Plotly(FileMedia):
    """A Plotly figure (a `plotly.graph_objects.Figure`, or its dict with `data` and `layout`)."""

    def __init__(self, val: Any) -> None:
        if isinstance(val, Plotly):
            self._file, self._doc = val._file, val._doc
            return
        if hasattr(val, "to_plotly_json"):
            doc = val.to_plotly_json()
        elif isinstance(val, Mapping) and isinstance(val.get("data", []), (list, tuple)):
            doc = dict(val)
        else:
            raise TypeError(f"Plotly takes a plotly figure (or its dict with 'data' and 'layout'), got "
                            f"{type(val).__name__}")
        self._doc = _plain(doc)
        self._file = MediaFile(ext="plotly.json", data=figure_json(self._doc))

    @property
    def figure(self) -> dict[str, Any]:
        """The figure as a dict (`data`, `layout`, ...)."""
        if self._doc is None:
            try:
                self._doc = json.loads(self._file.read_bytes())
            except ValueError as e:
                raise MediaFileError(f"Plotly file {self._file.path!r} is not valid JSON: {e}", "corrupt") from None
        return self._doc  # type: ignore[return-value]

    def to_figure(self) -> Any:
        """The figure as a `plotly.graph_objects.Figure`."""
        import plotly.graph_objects as go

        return go.Figure(self.figure)

    @property
    def trace_types(self) -> list[str]:
        return [str(t.get("type") or "scatter") for t in self.figure.get("data") or [] if isinstance(t, Mapping)]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plotly):
            return NotImplemented
        return self._file.same_bytes(other._file) or self.figure == other.figure

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Plotly({', '.join(self.trace_types) or 'no traces'})"

    def _facts(self) -> dict[str, Any]:
        return {"traces": len(self.trace_types), "trace_types": self.trace_types}

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Plotly:
        p = cls.__new__(cls)
        p._file, p._doc = file, None
        return p


def figure_json(doc: Any) -> bytes:
    """A figure dict as JSON text (NaN and infinities as null, as the SDK's JSON dump does)."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()


def _plain(v: Any) -> Any:
    """numpy arrays and scalars, dates, and plotly's typed arrays (`{dtype, bdata}`) as plain JSON values."""
    if isinstance(v, Mapping):
        if set(v) >= {"dtype", "bdata"} and isinstance(v.get("bdata"), str):
            arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
            shape = v.get("shape")
            if shape:
                arr = arr.reshape([int(x) for x in str(shape).split(",")])
            return _plain(arr)
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)
