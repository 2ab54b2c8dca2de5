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

from tablelens.errors import FilterError, TablelensError

from ._handlers import (
    Snapshot,
    answer_asset,
    answer_image,
    answer_masks,
    answer_rows,
    answer_thumbs,
    error_answer,
    page_rows,
)
from ._layout import build_layout
from ._media import MediaIndex
from ._source import SourceInfo, describe_source, media_meta, normalize_compare, version_entries
from ._worker import ENGINE_LOCK, Lane, LatestRunner, Token

__all__ = ["Explorer", "FrontEndMissingError"]

log = logging.getLogger("tablelens.explorer")

STATIC = Path(__file__).resolve().parent.parent / "static"
QUICK_FILTERS = ("all", "both", "only0", "only1")
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
    """The query on screen: what the traits asked for when it started."""

    filter: str
    group_by: tuple[str, ...]
    sort: tuple[tuple[str, str], ...]
    compare: str
    quick_filter: str
    page_size: int
    hidden: tuple[str, ...]


def _as_group_by(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        out = []
        for v in value:
            if not isinstance(v, str) or not v:
                raise t.TraitError(f"group_by takes column names or '$0.a.b' paths, got {v!r} in {value!r}")
            out.append(v)
        return out
    raise t.TraitError(f"group_by takes a column name or a list of them, got {value!r}")


def _as_sort(value: Any) -> list[list[str]]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [[value, "asc"]]
    if isinstance(value, Sequence) and len(value) == 2 and isinstance(value[0], str) and \
            isinstance(value[1], str) and value[1].lower() in ("asc", "desc") and value[0].lower() not in ("asc",
                                                                                                         "desc"):
        return [[value[0], value[1].lower()]]
    if not isinstance(value, Sequence):
        raise t.TraitError(f"sort takes [[column, 'asc'|'desc'], ...], got {value!r}")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append([item, "asc"])
            continue
        if not isinstance(item, Sequence) or len(item) != 2 or not isinstance(item[0], str) or \
                str(item[1]).lower() not in ("asc", "desc"):
            raise t.TraitError(f"each sort key is [column, 'asc'|'desc'], got {item!r}")
        out.append([item[0], str(item[1]).lower()])
    return out


class _GroupByTrait(t.List):  # type: ignore[type-arg]
    """A list of group keys that also takes one key as a string."""

    def validate(self, obj: Any, value: Any) -> Any:
        return super().validate(obj, _as_group_by(value))


class _SortTrait(t.List):  # type: ignore[type-arg]
    """`[[column, "asc"|"desc"], ...]` that also takes `"col"`, `("col", "desc")` or a list of those."""

    def validate(self, obj: Any, value: Any) -> Any:
        return super().validate(obj, _as_sort(value))


class Explorer(anywidget.AnyWidget):
    """Browse, filter, group, sort and compare a table in a notebook cell.

    `Explorer("preds:v3")`, `Explorer(table, compare="preds:v4")`; the source may be a `"name:version"` spec, a
    Table, JoinedTable, Artifact (with `table=`), a pandas DataFrame, a pyarrow Table or a Parquet path.
    `ex.filter`, `ex.group_by`, `ex.sort`, `ex.compare`, `ex.quick_filter` can be set from Python; `ex.view` is
    the QueryResult on screen and `ex.selected` a DataFrame of the rows the user selected.
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

    def __init__(
        self,
        source: Any,
        *,
        compare: Any = None,
        table: str | None = None,
        filter: str = "",
        group_by: str | Sequence[str] | None = None,
        sort: Any = None,
        quick_filter: str = "all",
        page_size: int = 50,
        **kwargs: Any,
    ) -> None:
        # anywidget sends _esm/_css with every widget instance: read them (once per build) before anything else,
        # so a checkout without the built front end fails here with a message saying what to run.
        self._esm = _static_text("explorer.js")
        css = _static_text("explorer.css", required=False)
        if css is not None:
            self._css = css
        info = describe_source(source, table)
        self._info: SourceInfo = info
        self._compare_obj: Any = None
        self._compare_label = ""
        if compare is not None and not isinstance(compare, str):
            self._compare_obj = compare
            self._compare_label = describe_source(compare).label if not isinstance(compare, str) else compare
            compare = self._compare_label
        self._media = MediaIndex()
        self._snapshot: Snapshot | None = None
        self._good: _Spec | None = None
        self._version_lock = threading.Lock()
        self._ready = False
        self._runner = LatestRunner("tablelens-query", on_busy=self._set_busy)
        self._rows_lane = Lane("tablelens-rows", supersede=True)
        self._media_lane = Lane("tablelens-media")
        super().__init__(
            filter=filter or "",
            group_by=_as_group_by(group_by),
            sort=_as_sort(sort),
            compare=compare or "",
            quick_filter=quick_filter,
            page_size=page_size,
            source_label=info.label,
            tables=info.tables,
            **kwargs,
        )
        self.versions = version_entries(info, self._compare_spec(self.compare))
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

        keys = [k for k in self.selected_keys if isinstance(k, (int, str)) and not isinstance(k, bool)]
        result = self.view
        if result is None:
            return pd.DataFrame(columns=["_key"])
        with ENGINE_LOCK:
            if not keys:
                return result.page(0, 0)
            return _rows_by_key(result, keys)

    def _wait(self, timeout: float | None = 600) -> Explorer:
        """Block until the latest query and the answers in flight are done (tests, `view`)."""
        if not self._runner.wait(timeout):
            raise TimeoutError(f"the Explorer's query did not finish within {timeout} s")
        for lane in (self._rows_lane, self._media_lane):
            if not lane.wait(timeout):
                raise TimeoutError(f"the Explorer's requests did not finish within {timeout} s")
        return self

    def close(self) -> None:
        """Stop the background threads and close the widget (also called when it is garbage collected)."""
        for name in ("_runner", "_rows_lane", "_media_lane"):
            worker = getattr(self, name, None)  # absent when the constructor failed early
            if worker is not None:
                worker.close()
        super().close()

    # -- running queries -------------------------------------------------------------------------------------------
    @t.observe("filter", "group_by", "sort", "compare", "quick_filter")
    def _query_changed(self, change: Any) -> None:
        if change["name"] == "compare":
            self.versions = version_entries(self._info, self._compare_spec(self.compare))
        if self._ready:
            self._schedule()

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

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy

    def _spec(self) -> _Spec:
        return _Spec(self.filter, tuple(self.group_by), tuple((k, d) for k, d in self.sort), self.compare,
                     self.quick_filter, self.page_size, tuple(sorted(self.hidden_columns)))

    def _schedule(self) -> None:
        spec = self._spec()
        self._runner.submit(lambda token, gen: self._run(spec, token, gen))

    def _compare_spec(self, compare: str) -> str:
        return normalize_compare(compare, self._info) if compare else ""

    def _compare_source(self, compare: str) -> Any:
        if not compare:
            return None
        if self._compare_obj is not None and compare == self._compare_label:
            return self._compare_obj
        return self._compare_spec(compare)

    def _query_kwargs(self, spec: _Spec) -> dict[str, Any]:
        compare = self._compare_source(spec.compare)
        kwargs: dict[str, Any] = {
            "table": self._info.table,
            "filter": spec.filter.strip() or None,
            "group_by": list(spec.group_by) or None,
            "sort": [(k, d) for k, d in spec.sort] or None,
            "compare": compare,
            "quick_filter": spec.quick_filter if compare is not None else "all",
        }
        if compare is not None and isinstance(compare, str) and self._info.table_name:
            kwargs["compare_table"] = self._info.table_name
        return kwargs

    def _run(self, spec: _Spec, token: Token, gen: int) -> None:
        from tablelens.query import query

        try:
            with ENGINE_LOCK:
                token.check()
                result = token.attach(query(self._info.obj, **self._query_kwargs(spec)))
                token.check()
                mode = str(result.mode)
                num_rows, total_rows = int(result.num_rows), int(result.total_rows)
                token.check()
                layout = build_layout(mode, list(result.columns), group_keys=spec.group_by,
                                      join_key=getattr(result, "join_key", None))
                layout.add_media_meta(media_meta(self._info, self._compare_spec(spec.compare)))
                snap = Snapshot(result, 0, layout, num_rows)
                # the first page, so the browser's first `rows` request is answered at once
                page_rows(snap, 0, spec.page_size, spec.hidden, self._media)
            token.check()
        except Exception as e:
            if token.cancelled:
                return
            err = self._error(e, spec)
            self._runner.deliver(gen, lambda: self._failed(err))
            return
        self._runner.deliver(gen, lambda: self._succeeded(spec, snap, mode, num_rows, total_rows))

    def _succeeded(self, spec: _Spec, snap: Snapshot, mode: str, num_rows: int, total_rows: int) -> None:
        recent = list(self.recent_filters)
        text = spec.filter.strip()
        if text:
            recent = [text, *[f for f in recent if f != text]][:MAX_RECENT]
        with self._version_lock, self.hold_sync():
            snap.version = self.result_version + 1
            self._snapshot = snap
            self._good = spec
            self.num_rows = num_rows
            self.total_rows = total_rows
            self.mode = mode
            self.schema = snap.layout.schema()
            self.error = {}
            self.recent_filters = recent
            self.result_version = snap.version

    def _failed(self, err: dict[str, Any]) -> None:
        self.error = err

    def _error(self, e: BaseException, spec: _Spec) -> dict[str, Any]:
        """The `error` trait for a failed query: the message, the control that caused it and where."""
        control = self._control_of(e, spec)
        if isinstance(e, FilterError):
            return {"message": e.message, "control": control, "position": e.position}
        if isinstance(e, TablelensError):
            return {"message": str(e), "control": control, "position": None}
        log.warning("tablelens Explorer: query failed", exc_info=e)
        return {"message": f"{type(e).__name__}: {e}", "control": control, "position": None}

    def _control_of(self, e: BaseException, spec: _Spec) -> str:
        control = getattr(e, "control", None)  # set by the query engine
        if control in ("filter", "group-by", "sort", "compare"):
            return str(control)
        if control == "source":
            return "compare" if spec.compare else "filter"
        path = str(getattr(e, "path", None) or "")
        for prefix, control in (("compare", "compare"), ("group", "group-by"), ("sort", "sort"),
                                ("filter", "filter")):
            if path.startswith(prefix):
                return control
        good = self._good
        if good is None:
            return "filter" if spec.filter.strip() else "group-by" if spec.group_by else \
                "sort" if spec.sort else "compare" if spec.compare else "filter"
        if spec.filter != good.filter:
            return "filter"
        if spec.group_by != good.group_by:
            return "group-by"
        if spec.sort != good.sort:
            return "sort"
        if spec.compare != good.compare or spec.quick_filter != good.quick_filter:
            return "compare"
        return "filter"

    # -- custom messages -------------------------------------------------------------------------------------------
    def _on_custom(self, _widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, Mapping):
            return
        kind = content.get("type")
        msg = dict(content)
        if kind == "rows":
            self._rows_lane.submit(lambda: self._answer(msg, lambda: answer_rows(
                self._snapshot, msg, self.hidden_columns, self._media)))
        elif kind == "thumbs":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_thumbs(self._media, msg)))
        elif kind == "masks":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_masks(self._media, msg)))
        elif kind == "image":
            self._media_lane.submit(lambda: self._answer(msg, lambda: answer_image(self._media, msg)))
        elif kind == "asset":  # a file read once per process: answered at once, not behind thumbnails
            self._answer(msg, lambda: answer_asset(msg))
        else:
            self.send(error_answer(msg, f"unknown request type {kind!r}"))

    def _answer(self, msg: Mapping[str, Any], make: Any) -> None:
        try:
            answer, buffers = make()
        except Exception as e:
            log.warning("tablelens Explorer: %s request failed", msg.get("type"), exc_info=True)
            answer, buffers = error_answer(msg, f"{type(e).__name__}: {e}"), []
        self.send(answer, buffers or None)


def _rows_by_key(result: Any, keys: list[Any]) -> Any:
    """Rows of `result` whose `_key` is in `keys`, in the order of `keys`, computed by the engine."""
    import pandas as pd

    if result.mode in ("groups", "compare-groups"):  # a group's key is its position
        n = int(result.num_rows)
        frames = [result.page(k, 1) for k in keys if isinstance(k, int) and 0 <= k < n]
        return pd.concat(frames, ignore_index=True) if frames else result.page(0, 0)
    expr = result.expr
    table = result.backend.to_pyarrow(expr.filter(expr["_key"].isin(list(keys))))
    frame = table.to_pandas(types_mapper=None)
    order = {k: i for i, k in enumerate(keys)}
    frame["__order"] = frame["_key"].map(order)
    return frame.sort_values("__order").drop(columns="__order").reset_index(drop=True)
