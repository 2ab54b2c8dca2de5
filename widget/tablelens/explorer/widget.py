"""`Explorer`: the anywidget that shows a table in a notebook cell (kernel side of docs/protocol.md).

Small state lives in synced traits; pages, thumbnails and masks travel in custom messages answered on background
threads, so the kernel keeps answering while a query runs. Changing the query (from Python or the browser)
starts it on the query thread; a newer change cancels the older query and only the latest result is shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .._core.errors import FilterError, TablelensError
from ..artifacts import Store, View
from ..query import QUICK_FILTERS, QuerySpec, connect, normalize_group_by, normalize_sort, run
from ..sources import ResolvedSource, resolve, resolve_for_query
from ..sources.edits import Edits
from . import panels as _panels
from ._actions import ExplorerActions
from ._evaluation import EvaluationPanel
from ._handlers import (
    Snapshot,
    answer_asset,
    answer_cell,
    answer_image,
    answer_masks,
    answer_media,
    answer_panel,
    answer_rows,
    answer_thumbs,
    answer_waveforms,
    error_answer,
    page_rows,
)
from ._media import MediaIndex
from ._snapshot import make_snapshot
from ._versions import normalize_compare, version_entries
from ._views import plan_apply
from ._worker import Lane, LatestRunner, Token

__all__ = ["Explorer", "FrontEndMissingError"]

log = logging.getLogger("tablelens.explorer")

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_RECENT = 10


class FrontEndMissingError(TablelensError, FileNotFoundError):
    """The built JavaScript of the widget is not in the package (a source checkout that was never built)."""


_static_cache: dict[str, tuple[float, str]] = {}
_static_lock = threading.Lock()


def _static_text(name: str, required: bool = True) -> str | None:
    """The text of a built front-end file (re-read only when it changes on disk)."""
    path = STATIC / name
    try:
        mtime = path.stat().st_mtime
    except OSError:
        if not required:
            return None
        raise FrontEndMissingError(
            f"the Explorer's front end is not built: {path} is missing. Install the package with "
            "`pip install -e .` (it runs the JavaScript build), or run `npm install && npm run build` "
            "in the repository root."
        ) from None
    with _static_lock:
        hit = _static_cache.get(name)
        if hit is None or hit[0] != mtime:
            hit = (mtime, path.read_text(encoding="utf-8"))
            _static_cache[name] = hit
        return hit[1]


@dataclass(frozen=True)
class _Spec:
    """The query on screen as the traits asked for it when it started, with the page it shows."""

    query: QuerySpec
    page_size: int
    hidden: tuple[str, ...]


def _trait_error(err: FilterError) -> t.TraitError:
    return t.TraitError(err.message)


class _GroupByTrait(t.List):  # type: ignore[type-arg]
    """A list of group keys (column names or `$0.a.b` paths) that also takes one key as a string."""

    def validate(self, obj: Any, value: Any) -> Any:
        try:
            keys = list(normalize_group_by(value, strings_only=True))
        except FilterError as err:
            raise _trait_error(err) from None
        return super().validate(obj, keys)


class _SortTrait(t.List):  # type: ignore[type-arg]
    """`[[column, "asc"|"desc"], ...]` that also takes `"col"`, `("col", "desc")` or a list of those."""

    def validate(self, obj: Any, value: Any) -> Any:
        try:
            pairs = [[k, "desc" if d else "asc"] for k, d in normalize_sort(value, strings_only=True)]
        except FilterError as err:
            raise _trait_error(err) from None
        return super().validate(obj, pairs)


class Explorer(ExplorerActions, anywidget.AnyWidget):
    """Browse, filter, group, sort and compare a table in a notebook cell.

    `Explorer("preds:v3")`, `Explorer(table, compare="preds:v4")`; the source may be a `"name:version"` spec, a
    Table, JoinedTable, Artifact (with `table=`), a pandas DataFrame, a pyarrow Table or a Parquet path.
    `ex.filter`, `ex.group_by`, `ex.sort`, `ex.compare`, `ex.quick_filter` can be set from Python; `ex.view` is
    the QueryResult on screen and `ex.selected` a DataFrame of the rows the user selected. Given an evaluation
    (`tl.evaluate_detections(...)`, ...) or a logged evaluation artifact, it shows the evaluated table with the
    evaluation panel (`ex.evaluation`; `ex.eval_threshold` moves a live evaluation's confidence threshold).
    `Explorer("preds:latest", view="hard-cars")` opens with a saved view; `ex.save_view`, `ex.edits`,
    `ex.log_as`, `ex.code()` and `tl.report([ex])` are in explorer/_actions.py (docs/views.md).
    """

    # -- the query (rw) --------------------------------------------------------------------------------------------
    filter = t.Unicode("").tag(sync=True)
    group_by = _GroupByTrait(t.Unicode()).tag(sync=True)
    sort = _SortTrait(t.List()).tag(sync=True)
    compare = t.Unicode("").tag(sync=True)
    quick_filter = t.Enum(QUICK_FILTERS, default_value="all").tag(sync=True)
    hidden_columns = t.List(t.Unicode()).tag(sync=True)
    page_size = t.Int(50).tag(sync=True)
    overlay = t.Dict().tag(sync=True)
    selected_keys = t.List().tag(sync=True)
    panels = t.List(t.Dict()).tag(sync=True)  # registered cell panels: name and digest (docs/panels.md)
    # -- what the kernel reports -----------------------------------------------------------------------------------
    recent_filters = t.List(t.Unicode()).tag(sync=True)
    source_label = t.Unicode("").tag(sync=True)
    schema = t.List(t.Dict()).tag(sync=True)
    versions = t.List(t.Dict()).tag(sync=True)
    tables = t.List(t.Unicode()).tag(sync=True)
    num_rows = t.Int(0).tag(sync=True)
    total_rows = t.Int(0).tag(sync=True)
    mode = t.Unicode("rows").tag(sync=True)
    result_version = t.Int(0).tag(sync=True)
    error = t.Dict().tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    # -- views, edits (docs/views.md) ------------------------------------------------------------------------------
    saved_views = t.List(t.Dict()).tag(sync=True)
    current_view = t.Unicode("").tag(sync=True)
    notice = t.Dict().tag(sync=True)
    pending_edits = t.Int(0).tag(sync=True)
    editable_columns = t.List(t.Unicode()).tag(sync=True)
    # -- an evaluation's panel (explorer/_evaluation.py) -----------------------------------------------------------
    evaluation = t.Dict().tag(sync=True)
    eval_threshold = t.Float(None, allow_none=True).tag(sync=True)

    def __init__(
        self,
        source: Any = None,
        *,
        compare: Any = None,
        table: str | None = None,
        filter: str = "",
        group_by: str | Sequence[str] | None = None,
        sort: Any = None,
        quick_filter: str = "all",
        page_size: int = 50,
        backend: Any = None,
        view: str | View | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # anywidget sends _esm/_css with every widget instance: read them (once per build) before anything else,
        # so a checkout without the built front end fails here with a message saying what to run.
        self._esm = _static_text("explorer.js")
        css = _static_text("explorer.css", required=False)
        if css is not None:
            self._css = css
        # an evaluation shows its table, with the evaluation panel beside it
        self._eval = EvaluationPanel.of(source)
        if self._eval is not None:
            kwargs.setdefault("eval_threshold", self._eval.live.threshold if self._eval.live else None)
            source = self._eval.table
        # the source is resolved once, here, so a wrong name fails in the cell that asked for it
        store = None
        if source is None and isinstance(view, View) and view.source:  # a saved view opens where it was saved
            source, table = view.source, table or (view.spec.get("source") or {}).get("table")
            store = Store(view.store_dir) if view.store_dir else None
        if source is None:
            raise TypeError("the Explorer needs a source: a 'name:version' spec, a Table, a DataFrame, ...")
        self._source: ResolvedSource = resolve(source, table, store=store, default_table=True,
                                               cannot="the Explorer cannot show")
        self._eval = self._eval or EvaluationPanel.of_resolved(self._source)
        self._given_source = source if isinstance(source, str) else None
        self._view: View | None = None
        self._view_state: tuple[Any, ...] | None = None
        self._edits = Edits(self._source)
        self._conn = connect(backend)  # a connection of its own: other Explorers' queries never block this one
        self._compare_given: ResolvedSource | None = None  # an object passed as compare= (not a spec string)
        if compare is not None and not isinstance(compare, str):
            self._compare_given = resolve(compare, self._source.table, default_table=True,
                                          cannot="the Explorer cannot compare with")
            compare = self._compare_given.label
        self._compared: ResolvedSource | None = None
        self._compare_fault: FilterError | None = None
        self._media = MediaIndex()
        self._snapshot: Snapshot | None = None
        self._version_lock = threading.Lock()
        self._ready = False
        self._runner = LatestRunner("tablelens-query", on_busy=self._set_busy)
        self._rows_lane = Lane("tablelens-rows", supersede=True)
        self._media_lane = Lane("tablelens-media")
        self._actions_lane = Lane("tablelens-actions")
        state: dict[str, Any] = {"filter": filter or "", "group_by": group_by, "sort": sort, "compare": compare or "",
                                 "quick_filter": quick_filter, "page_size": page_size}
        applied = None
        if view is not None:  # the view's state replaces the query given here
            saved, spec, name = self._find_view(view, None)
            applied = plan_apply(spec, self._source, name)
            state.update(applied.traits)
            self._view = saved
        super().__init__(
            **state,
            source_label=self._source.label,
            tables=list(self._source.tables),
            evaluation=self._eval.state() if self._eval is not None else {},
            editable_columns=self._edits.editable_columns(),
            **kwargs,
        )
        if applied is not None:
            self._view_state = self._state_key()
            self.current_view = self._view.name if self._view is not None else ""
            self.notice = {"message": applied.report.message(), "level": "info" if applied.report.ok else "warning"}
        self._refresh_views()
        self._resolve_compare()
        self._panels_changed()
        _panels.subscribe(self._panels_changed)
        self.on_msg(self._on_custom)
        self._ready = True
        self._schedule()

    # -- validation ------------------------------------------------------------------------------------------------
    @t.validate("page_size")
    def _valid_page_size(self, proposal: Any) -> int:
        n = int(proposal["value"])
        if not 1 <= n <= 500:
            raise t.TraitError(f"page_size must be between 1 and 500 rows, got {n}")
        return n

    # -- Python API ------------------------------------------------------------------------------------------------
    @property
    def view(self) -> Any:
        """The QueryResult on screen (waits for a query still running). After a failed query: the last good one."""
        if not self._runner.wait(600):
            raise TimeoutError("the Explorer's query did not finish within 600 s")
        snap = self._snapshot
        return snap.result if snap is not None else None

    @property
    def selected(self) -> Any:
        """The rows the user selected (the `selected_keys` trait) as a DataFrame, in selection order."""
        import pandas as pd

        result = self.view
        if result is None:
            return pd.DataFrame(columns=["_key"])
        return result.rows_by_key(list(self.selected_keys))

    def _wait(self, timeout: float | None = 600) -> Explorer:
        """Block until the latest query and the answers in flight are done (tests, `view`)."""
        if not self._runner.wait(timeout):
            raise TimeoutError(f"the Explorer's query did not finish within {timeout} s")
        for lane in (self._rows_lane, self._media_lane, self._actions_lane):
            if not lane.wait(timeout):
                raise TimeoutError(f"the Explorer's requests did not finish within {timeout} s")
        return self

    def close(self) -> None:
        """Stop the background threads and close the widget (also called when it is garbage collected)."""
        for name in ("_runner", "_rows_lane", "_media_lane", "_actions_lane"):
            worker = getattr(self, name, None)  # absent when the constructor failed early
            if worker is not None:
                worker.close()
        super().close()

    # -- running queries -------------------------------------------------------------------------------------------
    @t.observe("filter", "group_by", "sort", "compare", "quick_filter")
    def _query_changed(self, change: Any) -> None:
        if change["name"] == "compare":
            self._resolve_compare()
        if self._ready:
            self._schedule()

    @t.observe("eval_threshold")
    def _threshold_changed(self, change: Any) -> None:
        if not self._ready or self._eval is None or self._eval.live is None:
            return
        spec, value = self._spec(), change["new"]
        compared, fault = self._compared, self._compare_fault
        self._runner.submit(lambda token, gen: self._run_threshold(value, spec, compared, fault, token, gen))

    def _run_threshold(self, value: float | None, spec: _Spec, compared: ResolvedSource | None,
                       fault: FilterError | None, token: Token, gen: int) -> None:
        """Re-cut the evaluation at the new threshold, show its table, then run the query on screen."""
        try:
            assert self._eval is not None
            table = self._eval.at(value)
            self._source = resolve(table, default_table=True, cannot="the Explorer cannot show")
        except Exception as e:
            err = self._error(e, spec)
            self._runner.deliver(gen, lambda: self._failed(err))
            return
        self._run(spec, compared, fault, token, gen)

    def _resolve_compare(self) -> None:
        """Resolve the `compare` trait once per change (the query thread reuses it for every query)."""
        self._compared, self._compare_fault = None, None
        text = self.compare.strip()
        if text:
            if self._compare_given is not None and text == self._compare_given.label:
                self._compared = self._compare_given
            else:
                try:
                    self._compared = resolve_for_query(normalize_compare(text, self._source), self._source.table,
                                                       "compare", store=self._source.store)
                except FilterError as err:
                    self._compare_fault = err
                except TablelensError as err:  # a damaged or unreadable version: shown beside the compare control
                    self._compare_fault = FilterError(str(err), control="compare")
        self.versions = version_entries(self._source, self._compared)
        self._column_types = _panels.scan_types([self._source.scan,
                                                 self._compared.scan if self._compared is not None else None])

    @t.observe("hidden_columns")
    def _hidden_changed(self, change: Any) -> None:
        # the result stays; the browser needs rows with the cells of the columns it shows now
        snap = self._snapshot
        if not self._ready or snap is None:
            return
        with self._version_lock:
            version = self.result_version + 1
            self._snapshot = Snapshot(snap.result, version, snap.layout, snap.num_rows, snap.pages)
            self.result_version = version

    def _panels_changed(self) -> None:
        """The panel registry changed: list the panels and name them in the schema."""
        self.panels = [p.describe() for p in _panels.panels()]
        snap = self._snapshot
        if snap is not None:
            self.schema = _panels.with_panels(snap.layout.schema(), self._column_types)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy

    def _spec(self) -> _Spec:
        compare = self.compare.strip() or None
        query = QuerySpec(filter=self.filter.strip() or None, group_by=tuple(self.group_by),
                          sort=tuple((k, d == "desc") for k, d in self.sort), compare=compare,
                          quick_filter=self.quick_filter if compare else "all", table=self._source.table)
        return _Spec(query, self.page_size, tuple(sorted(self.hidden_columns)))

    def _schedule(self) -> None:
        spec = self._spec()
        compared, fault = self._compared, self._compare_fault
        self._runner.submit(lambda token, gen: self._run(spec, compared, fault, token, gen))

    def _run(self, spec: _Spec, compared: ResolvedSource | None, fault: FilterError | None, token: Token,
             gen: int) -> None:
        try:
            if fault is not None:
                raise fault
            token.check()
            result = token.attach(run(self._source.scan, spec.query,
                                      compare=compared.scan if compared is not None else None,
                                      connection=self._conn))
            token.check()
            mode = str(result.mode)
            num_rows, total_rows = int(result.num_rows), int(result.total_rows)
            token.check()
            snap = make_snapshot(result, (self._source, compared), num_rows)
            # the first page, so the browser's first `rows` request is answered at once
            page_rows(snap, 0, spec.page_size, spec.hidden, self._media)
            token.check()
            panel = self._eval_state(compared, spec)
        except Exception as e:
            if token.cancelled:
                return
            err = self._error(e, spec)
            self._runner.deliver(gen, lambda: self._failed(err))
            return
        self._runner.deliver(gen, lambda: self._succeeded(spec, snap, mode, num_rows, total_rows, panel))

    def _eval_state(self, compared: ResolvedSource | None, spec: _Spec) -> dict[str, Any] | None:
        """The evaluation panel's new state after a query (None: unchanged, or no evaluation shown)."""
        if self._eval is None:
            return None
        group_by = [k for k in spec.query.group_by if isinstance(k, str)]
        return self._eval.refresh(self._source.scan, compared, group_by)

    def _succeeded(self, spec: _Spec, snap: Snapshot, mode: str, num_rows: int, total_rows: int,
                   panel: dict[str, Any] | None = None) -> None:
        recent = list(self.recent_filters)
        text = spec.query.filter if isinstance(spec.query.filter, str) else ""
        if text:
            recent = [text, *[f for f in recent if f != text]][:MAX_RECENT]
        with self._version_lock, self.hold_sync():
            snap.version = self.result_version + 1
            self._snapshot = snap
            self.num_rows = num_rows
            self.total_rows = total_rows
            self.mode = mode
            self.schema = _panels.with_panels(snap.layout.schema(), self._column_types)
            self.error = {}
            self.recent_filters = recent
            if panel is not None:
                self.evaluation = panel
            self.result_version = snap.version

    def _failed(self, err: dict[str, Any]) -> None:
        self.error = err

    @staticmethod
    def _error(e: BaseException, spec: _Spec) -> dict[str, Any]:
        """The `error` trait for a failed query: the message, the control it belongs to and where."""
        if isinstance(e, FilterError):
            control = e.control or "filter"
            if control == "source":  # the source itself was resolved when the widget was made
                control = "compare" if spec.query.compare else "filter"
            return {"message": e.message, "control": control, "position": e.position}
        if not isinstance(e, TablelensError):
            log.warning("tablelens Explorer: query failed", exc_info=e)
        message = str(e) if isinstance(e, TablelensError) else f"{type(e).__name__}: {e}"
        return {"message": message, "control": "filter", "position": None}

    # -- custom messages -------------------------------------------------------------------------------------------
    def _on_custom(self, _widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, Mapping):
            return
        kind = content.get("type")
        msg = dict(content)
        if kind == "rows":
            self._rows_lane.submit(lambda: self._answer(msg, lambda: self._rows_answer(msg)))
        elif kind == "thumbs":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_thumbs(self._media, msg)))
        elif kind == "masks":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_masks(self._media, msg)))
        elif kind == "image":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_image(self._media, msg)))
        elif kind == "waveforms":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_waveforms(self._media, msg)))
        elif kind == "media":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_media(self._media, msg)))
        elif kind == "cell":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_cell(self._snapshot, msg)))
        elif kind == "asset":  # a file read once per process: answered at once, not behind thumbnails
            self._answer(msg, lambda: answer_asset(msg))
        elif self._on_action(str(kind), msg):  # views, edits, exports, reports (_actions.py)
            pass
        elif kind == "panel":  # a registered panel's module source (kernel state, never in a trait)
            self._answer(msg, lambda: answer_panel(msg))
        else:
            self.send(error_answer(msg, f"unknown request type {kind!r}"))

    def _rows_answer(self, msg: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        answer, buffers = answer_rows(self._snapshot, msg, self.hidden_columns, self._media)
        return self._with_edits(answer), buffers

    def _answer(self, msg: Mapping[str, Any], make: Any) -> None:
        try:
            answer, buffers = make()
        except Exception as e:
            log.warning("tablelens Explorer: %s request failed", msg.get("type"), exc_info=True)
            answer, buffers = error_answer(msg, f"{type(e).__name__}: {e}"), []
        self.send(answer, buffers or None)

