"""What every evaluation (detection, classification, segmentation) has: a confidence threshold, the evaluated
table, and `log()`, which stores it as an artifact version linked by lineage to what it was computed from."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._core.errors import EvaluationError, EvaluationWarning
from ..artifacts import Artifact, current_run, init
from ..codec import read_meta
from ..model import display
from ._table import read_side

if TYPE_CHECKING:
    from ._classes import ClassInfo
    from ._inputs import Side

__all__ = ["SUMMARY_FILE", "TABLE_NAME", "Cache", "Evaluation", "EvaluationWarning", "check_threshold", "json_safe",
           "load_summary", "shown", "shown_rows"]

#: the name of the evaluated table inside a logged evaluation artifact, and of its summary file
TABLE_NAME = "evaluation"
SUMMARY_FILE = "evaluation.summary.json"


class Cache(dict):  # type: ignore[type-arg]
    """What an evaluation computed, by key; per-threshold results are keyed `(name, threshold, ...)`.

    `get_or_make` computes a missing result once even when two threads ask for it together (an Explorer's query
    thread and the notebook share one evaluation), and only the results of the last `KEEP` thresholds
    are kept, and one evaluated table: moving a slider back and forth must not fill the memory.
    """

    KEEP = 4

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._making: dict[Any, threading.Lock] = {}
        self._recent: list[Any] = []  # thresholds, most recent last

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            lock = self._making.setdefault(key, threading.Lock())
        with lock:
            hit = self.get(key)
            if hit is None:
                hit = make()
                self._store(key, hit)
        with self._lock:
            self._making.pop(key, None)
        return hit

    def _store(self, key: Any, value: Any) -> None:
        with self._lock:
            if isinstance(key, tuple) and len(key) > 1:
                t = key[1]
                if t in self._recent:
                    self._recent.remove(t)
                self._recent.append(t)
                old = self._recent[: -self.KEEP]
                del self._recent[: -self.KEEP]
                for k in [k for k in self if isinstance(k, tuple) and len(k) > 1 and
                          (k[1] in old or (k[0] == "table" and key[0] == "table"))]:
                    del self[k]
            self[key] = value


def check_threshold(threshold: Any) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) or \
            not math.isfinite(float(threshold)):
        raise EvaluationError(f"threshold must be a finite number or None, got {threshold!r}")
    return float(threshold)


def shown(cells: dict[str, Any], has_none: bool) -> dict[str, Any]:
    """The confusion cells without the classes that have nothing in their row or column (a class set often
    names more classes than the data holds); "none" stays."""
    values = np.asarray(cells["values"])
    k = len(values) - (1 if has_none else 0)
    keep = [j for j in range(k) if values[j, :].sum() + values[:, j].sum() > 0]
    if has_none:
        keep.append(k)
    if len(keep) == len(values):
        return cells
    out = dict(cells)
    for name in ("values", "rows", "filters"):
        out[name] = [[cells[name][a][b] for b in keep] for a in keep]
    out["labels"] = [cells["labels"][a] for a in keep]
    return out


def shown_rows(panel: dict[str, Any], *counts: str) -> dict[str, Any]:
    """The class table without the classes that have none of `counts`."""
    cols = panel["columns"]
    idx = [cols.index(c) for c in counts]
    keep = [k for k, row in enumerate(panel["rows"]) if any((row[j] or 0) > 0 for j in idx)]
    return {**panel, **{name: [panel[name][k] for k in keep] for name in ("rows", "filters", "values")}}


def json_safe(value: Any) -> Any:
    """Plain JSON values (NaN and infinities as None, numpy scalars as numbers)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Evaluation:
    """Base of the evaluation results; subclasses fill `kind`, `metrics`, `confusion`, `_build_table`, ..."""

    kind = "evaluation"

    def __init__(self, data: Any, threshold: float | None) -> None:
        self._data = data  # what every threshold shares: inputs, parameters, classes, matches
        self.threshold = threshold

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._data.params)

    @property
    def classes(self) -> ClassInfo:
        return self._data.classes

    # -- to be provided -------------------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        raise NotImplementedError

    def confusion(self) -> Any:
        raise NotImplementedError

    def confusion_cells(self) -> dict[str, Any]:
        raise NotImplementedError

    def per_class(self) -> Any:
        raise NotImplementedError

    def at(self, threshold: float | None) -> Evaluation:
        raise NotImplementedError

    def _build_table(self) -> Any:
        raise NotImplementedError

    def _sources(self) -> list[Side]:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------------------------------
    def _base_arrow(self) -> pa.Table:
        """The predictions table as Arrow, read once per evaluation (every threshold's table is built on it)."""
        return self._data.cache.get_or_make("base", lambda: read_side(self._sources()[0]))

    @property
    def table(self) -> Any:
        """The evaluated table (a `tl.Table`): the predictions with the result columns, at this threshold."""
        return self._data.cache.get_or_make(("table", self.threshold), self._build_table)

    def __repr__(self) -> str:
        head = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.summary().items()
                         if v is not None and k in ("mAP", "AP50", "accuracy", "mIoU", "precision", "recall"))
        return f"<{type(self).__name__} threshold={self.threshold} {head}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The last expression of a notebook cell shows the evaluation in an Explorer."""
        return display.mimebundle(self, repr(self), **kwargs)

    # -- what the Explorer's evaluation panel shows (docs/protocol.md, the `evaluation` trait) --------------------
    def headline(self) -> list[list[Any]]:
        """[[name, value], ...]: the panel's summary numbers, in order."""
        raise NotImplementedError

    def class_panel(self) -> dict[str, Any]:
        """{"columns": [...], "rows": [[...], ...], "filters": [{status: filter}, ...], "values": [...]}."""
        raise NotImplementedError

    def chips(self) -> list[dict[str, Any]]:
        """[{"name", "count" (rows), "filter"}]: the status chips."""
        raise NotImplementedError

    def threshold_range(self) -> dict[str, Any] | None:
        return None

    def layers(self) -> dict[str, Any] | None:
        return None

    def panel(self) -> dict[str, Any]:
        """Everything the Explorer's evaluation panel draws, as JSON (small: one row per class)."""
        return json_safe({"kind": self.kind, "threshold": self.threshold, "range": self.threshold_range(),
                          "headline": self.headline(), "classes": self.class_panel(),
                          "confusion": self.confusion_cells(), "chips": self.chips(), "layers": self.layers(),
                          "params": self.params})

    def stored_summary(self) -> dict[str, Any]:
        """What `log()` stores beside the table (and the Explorer reads back to compare versions)."""
        return json_safe({"kind": self.kind, "params": self.params, "threshold": self.threshold,
                          "metrics": self.metrics(), "panel": self.panel(),
                          "sources": [{"label": s.label, "artifact": s.resolved.artifact.qualified_name
                                       if s.resolved.name else None, "table": s.resolved.table}
                                      for s in self._sources()]})

    def log(self, name: str, *, aliases: list[str] | tuple[str, ...] = (), description: str | None = None,
            metadata: dict[str, Any] | None = None, run: Any = None) -> Artifact:
        """Store the evaluated table and the metrics as a new version of artifact `name` (type "evaluation"),
        logged by `run` (default: the current run, else a new one) that used the predictions' and ground truth's
        artifact versions: the store's lineage links them. Media files are referenced, not copied."""
        summary = self.stored_summary()
        meta = {"evaluation": self.kind, "threshold": self.threshold, **{
            k: v for k, v in summary["metrics"].items() if isinstance(v, (int, float)) or v is None}}
        meta.update(metadata or {})
        art = Artifact(name, type="evaluation", description=description, metadata=json_safe(meta))
        table = self.table
        in_memory = table.arrow_media
        if in_memory is None:
            raise EvaluationError("the evaluated table was changed; log the evaluation before changing it")
        arrow, media = in_memory
        staging = art.staging
        staging.add_table(f"{TABLE_NAME}.table.parquet", arrow)
        _add_media(staging, arrow, media, self._sources()[0])
        staging.add_json(SUMMARY_FILE, summary)
        run = run or current_run() or init(job_type="evaluation")
        for side in self._sources():
            if side.resolved.name:  # a logged version: the run used it
                run.use_artifact(side.resolved.artifact)
        return run.log_artifact(art, aliases=list(aliases))


def _media_paths(arrow: pa.Table) -> list[str]:
    """Every media file the image cells of `arrow` name (pixels, masks, class sets)."""
    paths: set[str] = set()
    for c in read_meta(arrow.schema)["columns"]:
        if c.get("kind") != "image":
            continue
        col = arrow.column(c["name"])
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        names = [f.name for f in col.type]
        for f in ("path", "classes"):
            if f in names:
                paths.update(v for v in pc.unique(col.field(f)).to_pylist() if v)
        if "masks" in names:
            masks = col.field("masks")
            for layer in range(masks.type.num_fields):
                paths.update(v for v in pc.unique(masks.field(layer).field("path")).to_pylist() if v)
    return sorted(paths)


def _add_media(staging: Any, arrow: pa.Table, media: Any, preds: Side) -> None:
    art = preds.resolved.artifact if preds.resolved.name else None
    for p in _media_paths(arrow):
        if art is not None:
            entry = art.get_path(p)
            staging.add_reference(p, entry.digest, entry.size, entry.local_path,
                                  entry.ref or f"{art.qualified_name}/{p}")
        else:
            staging.add_local_file(p, media.local_path(p))


def load_summary(artifact: Any) -> dict[str, Any] | None:
    """The summary a logged evaluation stores (None for an artifact that is not an evaluation)."""
    try:
        entry = artifact.get_path(SUMMARY_FILE)
    except (KeyError, ValueError):
        return None
    with open(entry.local_path, "rb") as f:
        return json.load(f)

