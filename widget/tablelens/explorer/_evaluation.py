"""The Explorer's evaluation panel, kernel side: the `evaluation` trait (docs/protocol.md) and what changes it.

An Explorer shows an evaluation when it is given one (`tl.Explorer(ev)`, `ev` as the last expression of a cell)
or a logged evaluation artifact (`"eval:v3"`). The panel's state is small JSON — headline metrics, one row per
class, the confusion matrix with each cell's filter — so it travels as a trait. Moving the confidence threshold
(the `eval_threshold` trait) re-cuts the live evaluation (`ev.at(t)`: nothing is matched again) and the Explorer
shows the table at that threshold; a logged evaluation keeps the threshold it was logged with. When the Explorer
compares with another evaluation version, the panel adds both versions' metrics and the regressions.
"""

from __future__ import annotations

import threading
from typing import Any

from ..evaluation import Evaluation, compare, load_summary
from ..query import ScanSource
from ..sources import ResolvedSource

__all__ = ["EvaluationPanel"]


class EvaluationPanel:
    """The evaluation behind an Explorer: a live one (threshold can move) or a logged one's stored summary."""

    def __init__(self, live: Evaluation | None, stored: dict[str, Any] | None, label: str) -> None:
        self.live = live
        self.stored = stored
        self.label = label
        self._lock = threading.RLock()
        self._compare_key: Any = None
        self._compare: dict[str, Any] | None = None
        self._panel = live.panel() if live is not None else dict((stored or {}).get("panel") or {})

    @classmethod
    def of(cls, source: Any) -> EvaluationPanel | None:
        """A panel for an Evaluation passed as the Explorer's source (None for anything else)."""
        if isinstance(source, Evaluation):
            return cls(source, None, "")
        return None

    @classmethod
    def of_resolved(cls, resolved: ResolvedSource) -> EvaluationPanel | None:
        """A panel for a logged evaluation artifact's table (None for other sources)."""
        summary = _stored(resolved)
        return cls(None, summary, resolved.label) if summary is not None else None

    @property
    def table(self) -> Any:
        assert self.live is not None
        return self.live.table

    def state(self) -> dict[str, Any]:
        """The `evaluation` trait."""
        with self._lock:
            out = dict(self._panel)
            out["live"] = self.live is not None
            out["compare"] = self._compare
            return out

    def at(self, threshold: float | None) -> Any:
        """Move the threshold of a live evaluation; returns the table to show (None for a logged evaluation)."""
        if self.live is None:
            return None
        ev = self.live.at(threshold)
        panel = ev.panel()
        table = ev.table
        with self._lock:
            self.live = ev
            self._panel = panel
        return table

    def refresh(self, scan: Any, compared: ResolvedSource | None, group_by: list[str]) -> dict[str, Any] | None:
        """The new trait value when the threshold, the compared version or the group-by changed (None when
        nothing did)."""
        other = _stored(compared) if compared is not None else None
        key = (id(compared), tuple(group_by), id(self.live))
        with self._lock:
            if key == self._compare_key:
                return None
            self._compare_key = key
            if other is None:
                self._compare = None
                return self.state()
        b_scan = compared.scan if compared is not None and isinstance(compared.scan, ScanSource) else None
        a_scan = scan if isinstance(scan, ScanSource) else None
        result = compare(self._panel, other["panel"], a_scan=a_scan, b_scan=b_scan, group_by=group_by,
                         labels=(self.label or "this evaluation", compared.label if compared else ""))
        with self._lock:
            self._compare = result
        return self.state()


def _stored(resolved: ResolvedSource | None) -> dict[str, Any] | None:
    art = resolved.artifact if resolved is not None else None
    if art is None or art.type != "evaluation":
        return None
    summary = load_summary(art)
    return summary if summary and "panel" in summary else None
