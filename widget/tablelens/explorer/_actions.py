"""What the Explorer does beyond showing a query: saved views, cell edits, subsets logged as new versions,
exports and reports — the Python methods of `Explorer` and the answers to the browser's messages for them
(docs/protocol.md "Views, edits, exports"). A mixin of `Explorer`: it uses the widget's traits and source.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._core.errors import FilterError, TablelensError
from ..artifacts import Artifact, View
from ..sources import ResolvedSource, resolve
from ..sources.edits import EditError, Edits
from ..sources.subset import log_rows
from ._cells import encode_value
from ._handlers import error_answer
from ._views import ViewReport, code_for, make_spec, plan_apply, view_name
from .report import ReportPart, report

if TYPE_CHECKING:
    from ..query import QueryResult, QuerySpec

__all__ = ["EXPORT_MAX_BYTES", "EXPORT_MAX_ROWS", "ExplorerActions"]

log = logging.getLogger("tablelens.explorer")

#: the widget's download is for small results; larger ones are written from Python (`ex.view.to_parquet(path)`)
EXPORT_MAX_ROWS = 1_000_000
EXPORT_MAX_BYTES = 100 * 2**20
_MIMES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "json": "application/x-ndjson"}
_EXTS = {"csv": "csv", "parquet": "parquet", "json": "jsonl"}


class ExplorerActions:
    """Saved views, edits, subsets, exports and reports of an Explorer (mixed into `Explorer`)."""

    # provided by Explorer: set in its __init__, or its traits and workers
    _source: ResolvedSource
    _given_source: str | None
    _view: View | None
    _view_state: tuple[Any, ...] | None
    _edits: Edits
    if TYPE_CHECKING:
        from ._handlers import Snapshot
        from ._media import MediaIndex
        from ._worker import Lane, LatestRunner

        filter: str
        group_by: list[str]
        sort: list[list[str]]
        compare: str
        quick_filter: str
        hidden_columns: list[str]
        overlay: dict[str, Any]
        page_size: int
        selected_keys: list[Any]
        mode: str
        schema: list[dict[str, Any]]
        error: dict[str, Any]
        num_rows: int
        total_rows: int
        versions: list[dict[str, Any]]
        source_label: str
        tables: list[str]
        saved_views: list[dict[str, Any]]
        current_view: str
        notice: dict[str, Any]
        pending_edits: int
        editable_columns: list[str]
        view: QueryResult | None
        _ready: bool
        _snapshot: Snapshot | None
        _media: MediaIndex
        _runner: LatestRunner
        _actions_lane: Lane
        _compare_given: ResolvedSource | None

        def _spec(self) -> Any: ...
        def _schedule(self) -> None: ...
        def _resolve_compare(self) -> None: ...
        def _wait(self, timeout: float | None = 600) -> Any: ...
        def _answer(self, msg: Mapping[str, Any], make: Any) -> None: ...
        def hold_sync(self) -> Any: ...
        def hold_trait_notifications(self) -> Any: ...

    # -- saved views ---------------------------------------------------------------------------------------------
    @property
    def view_spec(self) -> dict[str, Any]:
        """The whole state on screen as JSON data: source, query, visible columns, overlay, page size."""
        if self.compare.strip() and self._compare_given is not None and \
                self.compare.strip() == self._compare_given.label:
            raise TablelensError("this Explorer compares with a table passed as an object; a view can only name "
                                 "a compared version by its spec: set ex.compare = 'name:v3'")
        return make_spec(self._source, self._given_source, self._spec().query, list(self.hidden_columns),
                         dict(self.overlay), int(self.page_size))

    def save_view(self, name: str, description: str | None = None) -> View:
        """Save what is on screen as view `name` of the shown artifact (a new revision if it exists); returns it.

        The view is kept in the store beside the artifact (logged versions are not touched): reopen it with
        `tl.Explorer("name:latest", view=name)`, list them with `tl.Store().views("name")`.
        """
        store, artifact = self._source.store, self._source.name
        if store is None or artifact is None:
            raise TablelensError("views are kept beside a logged artifact: log the table, open it by name "
                                 "(tl.Explorer('name:latest')) and save the view there")
        spec = self.view_spec
        saved = store.save_view(artifact, name, spec, description)
        self._view, self._view_state = saved, self._state_key()
        self._refresh_views()
        self.notice = {"message": f"Saved view '{saved.name}' (revision {saved.revision}) of {artifact}",
                       "level": "info"}
        return saved

    def apply_view(self, view: str | View | Mapping[str, Any], revision: int | None = None) -> ViewReport:
        """Put a saved view on screen (a name of the shown artifact's views, a View, or a `view_spec` dict).

        It may have been saved on another version: columns this version lacks are reported (the returned
        ViewReport, a ViewWarning and the widget's notice), group and sort keys naming them are left out, and
        the filter is kept as written, its error shown beside it."""
        saved, spec, name = self._find_view(view, revision)
        applied = plan_apply(spec, self._source, name)
        self._set_state(applied.traits)
        self._view = saved
        self._view_state = self._state_key()
        level = "info" if applied.report.ok else "warning"
        self.notice = {"message": applied.report.message(), "level": level}
        self.current_view = saved.name if saved is not None else ""
        self._refresh_views()  # another kernel may have saved views meanwhile
        return applied.report

    def _find_view(self, view: str | View | Mapping[str, Any], revision: int | None,
                   ) -> tuple[View | None, Mapping[str, Any], str]:
        if isinstance(view, View):
            return view, view.spec, view_name(view)
        if isinstance(view, Mapping):
            return None, view, "(from a spec)"
        store, artifact = self._source.store, self._source.name
        if store is None or artifact is None:
            raise TablelensError(f"view {view!r} is looked up among the shown artifact's views, but this Explorer "
                                 "shows no logged artifact; pass a tl.Store().view(...) instead")
        saved = store.view(artifact, view, revision)
        return saved, saved.spec, view_name(saved)

    def _state_key(self) -> tuple[Any, ...]:
        return (self.filter, tuple(self.group_by), tuple(map(tuple, self.sort)), self.compare, self.quick_filter,
                tuple(sorted(self.hidden_columns)))

    def _view_ref(self) -> str | None:
        """The saved view on screen, unchanged since it was applied or saved (else None)."""
        if self._view is not None and self._view_state == self._state_key():
            return self._view.ref
        return None

    def _set_state(self, traits: Mapping[str, Any]) -> None:
        """Set several query traits as one change: one query runs, not one per trait."""
        self._ready = False
        try:
            with self.hold_trait_notifications():
                for k, v in traits.items():
                    setattr(self, k, v)
        finally:
            self._ready = True
        self._resolve_compare()
        self._schedule()

    def _refresh_views(self) -> None:
        store, artifact = self._source.store, self._source.name
        entries: list[dict[str, Any]] = []
        if store is not None and artifact is not None:
            try:
                for v in store.views(artifact):
                    src = v.spec.get("source") if isinstance(v.spec.get("source"), dict) else {}
                    entries.append({"name": v.name, "revision": v.revision, "description": v.description or "",
                                    "created_at": v.created_at or "", "saved_on": (src or {}).get("resolved") or ""})
            except (TablelensError, OSError, ValueError):
                log.warning("tablelens Explorer: cannot list the views of %s", artifact, exc_info=True)
        self.saved_views = entries

    def code(self) -> str:
        """The `tl.query(...)` call that gives what is on screen (the version pinned), as Python text."""
        return code_for(self._source, self._spec().query)

    # -- edits -------------------------------------------------------------------------------------------------------
    @property
    def edits(self) -> Edits:
        """Pending cell edits: `ex.edits.set(row_key, column, value)`, `.undo()`, `.discard()`, `.commit()`;
        `ex.commit_edits()` commits and shows the new version."""
        return self._edits

    def commit_edits(self, description: str | None = None, aliases: Sequence[str] = ()) -> Artifact:
        """Log the pending edits as a new version of the artifact and show that version; returns it."""
        logged = self._edits.commit(description, tuple(aliases))
        self._show_version(logged)
        self.notice = {"message": f"Committed the edits as {logged.qualified_name}", "level": "info"}
        return logged

    def _show_version(self, art: Artifact) -> None:
        """Show table `self._source.table` of another logged version (after a commit)."""
        self._switch_source(resolve(art, self._source.table, default_table=True))

    def _switch_source(self, source: ResolvedSource) -> None:
        self._source = source
        self._given_source = source.artifact.qualified_name if source.artifact is not None else None
        self._edits = Edits(source)
        with self.hold_sync():
            self.source_label = source.label
            self.tables = list(source.tables)
            self.pending_edits = 0
            self.editable_columns = self._edits.editable_columns()
        self._resolve_compare()
        self._schedule()

    def _edits_changed(self) -> None:
        self.pending_edits = len(self._edits)

    # -- subsets -----------------------------------------------------------------------------------------------------
    def log_as(self, name: str, type: str | None = None, *, selected: bool = False, description: str | None = None,
               aliases: Sequence[str] = ()) -> Artifact:
        """Log the rows of the view (or, with `selected=True`, the selected rows) as a new version of artifact
        `name` (new or existing), with lineage to the shown version and the view; media are referenced."""
        result = self.view
        if result is None:
            raise TablelensError("the Explorer has no result to log yet (its query failed?)")
        keys = list(self.selected_keys) if selected else None
        logged = log_rows(self._source, result, name, type=type, keys=keys, description=description,
                          aliases=aliases, view=self._view_ref(), query=self._spec().query.to_json())
        rows = (logged.metadata.get("tablelens") or {}).get("subset", {}).get("count")
        self.notice = {"message": f"Logged {rows} row(s) as {logged.qualified_name}", "level": "info"}
        return logged

    # -- reports -----------------------------------------------------------------------------------------------------
    def _report_part(self) -> ReportPart:
        """This Explorer as a part of `tl.report`: what is on screen now."""
        if not self._runner.wait(600):  # the query only: this may run on the actions lane itself
            raise TimeoutError("the Explorer's query did not finish within 600 s")
        snap = self._snapshot
        if snap is None:
            message = (self.error or {}).get("message") or "no result"
            raise TablelensError(f"the Explorer has no result to report: {message}")
        query: QuerySpec = self._spec().query
        title = self._view.name if self._view is not None else self._source.label
        return ReportPart(title, self._view.description if self._view is not None else None, self._source,
                          self._source.label, code_for(self._source, query), query, snap, int(self.num_rows),
                          int(self.total_rows), list(self.hidden_columns), dict(self.overlay),
                          list(self.versions), media=self._media)

    # -- messages --------------------------------------------------------------------------------------------------
    def _on_action(self, kind: str, msg: dict[str, Any]) -> bool:
        """Answer a views/edits/exports message; False when `kind` is not one of them."""
        quick = {"save-view": self._msg_save_view, "apply-view": self._msg_apply_view, "code": self._msg_code,
                 "edit": self._msg_edit, "undo-edit": self._msg_undo, "discard-edits": self._msg_discard}
        slow = {"export": self._msg_export, "report": self._msg_report, "log-rows": self._msg_log_rows,
                "commit-edits": self._msg_commit}
        if kind in quick:
            self._answer(msg, lambda: quick[kind](msg))
        elif kind in slow:
            self._actions_lane.submit(lambda: self._answer(msg, lambda: slow[kind](msg)))
        else:
            return False
        return True

    @staticmethod
    def _refused(msg: Mapping[str, Any], e: BaseException) -> tuple[dict[str, Any], list[bytes]]:
        text = e.message if isinstance(e, FilterError) else str(e)
        return error_answer(msg, text), []

    def _msg_save_view(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        try:
            saved = self.save_view(str(msg.get("name") or "").strip(), msg.get("description") or None)
        except (TablelensError, ValueError, OSError) as e:
            return self._refused(msg, e)
        return {"type": "save-view", "id": msg.get("id"), "name": saved.name, "revision": saved.revision}, []

    def _msg_apply_view(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        revision = msg.get("revision")
        try:
            rep = self.apply_view(str(msg.get("name") or ""), revision if isinstance(revision, int) else None)
        except (TablelensError, ValueError, OSError) as e:
            return self._refused(msg, e)
        return {"type": "apply-view", "id": msg.get("id"), "name": rep.view, "missing": rep.missing}, []

    def _msg_code(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        return {"type": "code", "id": msg.get("id"), "code": self.code()}, []

    def _msg_edit(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        key, column, value = msg.get("key"), msg.get("column"), msg.get("value")
        if not self._rows_view():
            return error_answer(msg, "cells are edited in the rows view: clear Group by and stop comparing"), []
        try:
            stored = self._edits.set(key, str(column), value, from_text=isinstance(value, str))
        except EditError as e:
            return error_answer(msg, str(e)), []
        self._edits_changed()
        kind = self._column_kind(str(column))
        cell, _ = encode_value(stored, None if kind in ("mixed", "json") else kind)
        return {"type": "edit", "id": msg.get("id"), "key": key, "column": column, "cell": cell,
                "pending": len(self._edits)}, []

    def _msg_undo(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        where = self._edits.undo()
        self._edits_changed()
        return {"type": "undo-edit", "id": msg.get("id"), "key": where[0] if where else None,
                "column": where[1] if where else None, "pending": len(self._edits)}, []

    def _msg_discard(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        self._edits.discard()
        self._edits_changed()
        return {"type": "discard-edits", "id": msg.get("id"), "pending": 0}, []

    def _msg_commit(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        try:
            logged = self.commit_edits(msg.get("description") or None)
        except (TablelensError, ValueError, OSError) as e:
            return self._refused(msg, e)
        return {"type": "commit-edits", "id": msg.get("id"), "spec": logged.qualified_name,
                "version": logged.version}, []

    def _msg_log_rows(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        try:
            logged = self.log_as(str(msg.get("name") or "").strip(), msg.get("artifact_type") or None,
                                 selected=msg.get("rows") == "selected", description=msg.get("description") or None)
        except (TablelensError, ValueError, OSError) as e:
            return self._refused(msg, e)
        count = (logged.metadata.get("tablelens") or {}).get("subset", {}).get("count")
        return {"type": "log-rows", "id": msg.get("id"), "spec": logged.qualified_name, "count": count}, []

    def _msg_export(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        fmt = msg.get("format")
        if fmt not in _MIMES:
            return error_answer(msg, f"unknown export format {fmt!r}; one of csv, parquet, json"), []
        result: QueryResult | None = self.view
        if result is None:
            return error_answer(msg, "there is no result to export"), []
        selected = msg.get("rows") == "selected"
        keys = list(self.selected_keys) if selected else None
        n = len(keys) if keys is not None else int(result.num_rows)
        if n > EXPORT_MAX_ROWS:
            return error_answer(msg, f"{n:,} rows are too many to download through the browser; write them from "
                                     f"Python: ex.view.to_{fmt}('rows.{_EXTS[str(fmt)]}')"), []
        with tempfile.TemporaryDirectory(prefix="tablelens-export-") as d:
            path = os.path.join(d, f"rows.{_EXTS[str(fmt)]}")
            try:
                getattr(result, f"to_{fmt}")(path, keys=keys) if not result.grouped else \
                    getattr(result, f"to_{fmt}")(path)
            except (TablelensError, ValueError, OSError, TypeError) as e:
                return self._refused(msg, e)
            size = os.path.getsize(path)
            if size > EXPORT_MAX_BYTES:
                return error_answer(msg, f"the export is {size / 2**20:.0f} MB, too large for a download; write it "
                                         f"from Python: ex.view.to_{fmt}(path)"), []
            with open(path, "rb") as f:
                data = f.read()
        name = f"{self._file_stem()}.{_EXTS[str(fmt)]}"
        return {"type": "export", "id": msg.get("id"), "format": fmt, "name": name, "mime": _MIMES[str(fmt)],
                "rows": n, "buffer": 0}, [data]

    def _msg_report(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        title = str(msg.get("title") or "") or (self._view.name if self._view is not None else self._source.label)
        try:
            made = report([self], title=title)
        except (TablelensError, ValueError, OSError) as e:
            return self._refused(msg, e)
        return {"type": "report", "id": msg.get("id"), "name": f"{self._file_stem()}-report.html",
                "mime": "text/html", "buffer": 0}, [made.html.encode()]

    def _file_stem(self) -> str:
        art = self._source.artifact
        stem = art.qualified_name.replace(":", "-") if art is not None and art.version else "tablelens"
        if self._view is not None:
            stem += f"-{self._view.name}"
        return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem)

    def _rows_view(self) -> bool:
        """Whether the screen shows rows of the one table (not groups, not a comparison): cells are editable."""
        query = self._spec().query
        return self.mode == "rows" and not query.group_by and query.compare is None

    def _column_kind(self, column: str) -> str | None:
        for c in self.schema:
            if c.get("name") == column:
                return c.get("kind")
        return None

    def _with_edits(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A `rows` answer with the pending edits in its cells (and listed in each row's `edited`)."""
        rows = answer.get("rows")
        if not rows or not len(self._edits) or not self._rows_view():
            return answer
        keys = {r.get("_key") for r in rows if isinstance(r.get("_key"), int)}
        pending = self._edits.cells(keys)
        if not pending:
            return answer
        out = []
        for r in rows:
            cells = pending.get(r.get("_key"))
            if not cells:
                out.append(r)
                continue
            row = {**r, "cells": dict(r.get("cells") or {}), "edited": sorted(cells)}
            for column, value in cells.items():
                if column in row["cells"]:
                    kind = self._column_kind(column)
                    row["cells"][column] = encode_value(value, None if kind in ("mixed", "json") else kind)[0]
            out.append(row)
        return {**answer, "rows": out}
