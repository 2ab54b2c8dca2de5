"""`StoreBrowser`: a store at a glance in a notebook cell — artifacts by type, one version's details, the lineage
graph (collapsed or exploded), alias moves, deletes and edits, and an Explorer opened on a table below it.

A widget of its own (front end `js/store-browser/`, entry `static/store.js`), beside the Explorer. Small state lives in
traits (the overview, the selection and its details, the view); the graph travels in a message the browser asks
for when it first shows the graph (a store's graph can hold thousands of nodes), and the layout library is an
asset loaded then. Details are read on a background thread: the first read of a large table hashes it.
docs/store-browser.md describes it for users and docs/protocol.md its messages.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

import anywidget
import ipywidgets
import traitlets as t

from .._core.errors import TablelensError
from ..artifacts import Store, catalog
from ._handlers import answer_asset, error_answer
from .widget import Explorer, _static_text

__all__ = ["StoreBrowser", "browse"]

log = logging.getLogger("tablelens.explorer")

MAX_FILES = 200  # files listed in a version's details (the count says how many there are)


class StoreBrowser(anywidget.AnyWidget):
    """Browse a store: `tl.Store(dir).explore()` or `tl.browse()`.

    `selected` is what is selected ("name:v3", "run:<id>", "artifact:<name>", "job:<job type>"); `view` is
    "list" or "graph"; `explode` shows one node per version and per run instead of one per artifact and job type.
    `select(spec)`, `open_table(spec, table=None)` (an Explorer below the browser, also `explorer`), `refresh()`.
    """

    store_dir = t.Unicode("").tag(sync=True)
    overview = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    detail = t.Dict().tag(sync=True)
    view = t.Enum(("list", "graph"), default_value="list").tag(sync=True)
    explode = t.Bool(False).tag(sync=True)
    graph_version = t.Int(0).tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    notice = t.Dict().tag(sync=True)
    opened = t.Unicode("").tag(sync=True)

    def __init__(self, store: Store | str | None = None, *, view: str = "list", explode: bool = False,
                 selected: str = "", **kwargs: Any) -> None:
        self._esm = _static_text("store.js")
        css = _static_text("store.css", required=False)
        if css is not None:
            self._css = css
        self.store = store if isinstance(store, Store) else Store(store)
        super().__init__(store_dir=self.store.dir, view=view, explode=explode, **kwargs)
        self.output = ipywidgets.Output()
        self.explorer: Explorer | None = None
        self._box = ipywidgets.VBox([self, self.output])
        self._detail_lock = threading.Lock()
        self._detail_gen = 0
        self.overview = catalog.overview(self.store)
        self.on_msg(self._on_custom)
        self.observe(self._on_selected, names="selected")
        if selected:
            self.selected = selected

    def __repr__(self) -> str:
        return f"StoreBrowser({self.store.dir!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # shown with the Explorer's output area below it (an Explorer opened from the browser appears there)
        return self._box._repr_mimebundle_(**kwargs)

    # -- Python API ------------------------------------------------------------------------------------------------
    def select(self, spec: str) -> dict[str, Any]:
        """Select a version ("name:v3", "name:ALIAS"), a run ("run:<id>"), an artifact ("artifact:<name>") or a
        job type ("job:<type>"); returns its details (read in this thread)."""
        try:
            key = self._canonical(spec)
        except (TablelensError, KeyError, ValueError):
            key = spec  # its details say what is wrong with it
        self._detail_gen += 1
        detail = self._read_detail(key)
        with self.hold_trait_notifications():
            self._set_selected_quietly(key)
            self.detail = detail
        return detail

    def open_table(self, spec: str, table: str | None = None) -> Explorer:
        """Show an Explorer of table `table` of version `spec` below the browser (replacing one shown there)."""
        art = self.store.artifact(spec if ":" in spec else f"{spec}:latest")
        tables = art.tables()
        if table is None:
            if not tables:
                raise TablelensError(f"{art.qualified_name} has no table to open")
            table = tables[0]
        ex = Explorer(art, table=table)
        old, self.explorer = self.explorer, ex
        self.output.outputs = ()  # (clear_output() needs a front end listening; this does not)
        self.output.append_display_data(ex)
        if old is not None:
            old.close()
        self.opened = f"{art.qualified_name}/{art.table_name(table) or table}"
        return ex

    def refresh(self) -> None:
        """Read the store again (after changes made elsewhere): overview, graph, details of the selection."""
        self.overview = catalog.overview(self.store)
        self.graph_version += 1
        if self.selected:
            self._detail_gen += 1
            self.detail = self._read_detail(self.selected)

    def close(self) -> None:
        explorer = getattr(self, "explorer", None)
        if explorer is not None:
            explorer.close()
        super().close()

    # -- selection -------------------------------------------------------------------------------------------------
    def _canonical(self, spec: str) -> str:
        """"name:ALIAS" -> "name:v3"; other keys as they are."""
        if not isinstance(spec, str) or not spec:
            return ""
        if spec.startswith(("run:", "artifact:", "job:")):
            return spec
        return self.store.artifact(spec if ":" in spec else f"{spec}:latest").qualified_name

    def _set_selected_quietly(self, key: str) -> None:
        self.unobserve(self._on_selected, names="selected")
        try:
            self.selected = key
        finally:
            self.observe(self._on_selected, names="selected")

    def _on_selected(self, change: Mapping[str, Any]) -> None:
        """The browser (or Python) changed `selected`: read its details on a thread, latest selection wins."""
        key = change["new"]
        self._detail_gen += 1
        gen = self._detail_gen
        self.busy = True

        def work() -> None:
            detail = self._read_detail(key)
            with self._detail_lock:
                if gen == self._detail_gen:
                    self.detail = detail
                    self.busy = False

        threading.Thread(target=work, name="tablelens-store-detail", daemon=True).start()

    def _read_detail(self, key: str) -> dict[str, Any]:
        try:
            if not key:
                return {}
            if key.startswith("run:"):
                return {"kind": "run", "key": key, **catalog.run_detail(self.store, key)}
            if key.startswith("artifact:"):
                name = key.split(":", 1)[1]
                art = next((a for a in self.overview.get("artifacts", []) if a["name"] == name), None)
                if art is None:
                    raise TablelensError(f"no artifact named {name!r} in {self.store.dir}")
                return {"kind": "artifact", "key": key, **art}
            if key.startswith("job:"):
                job = key.split(":", 1)[1]
                runs = [r for r in catalog.runs(self.store) if (r.get("job_type") or "(no job type)") == job]
                return {"kind": "job", "key": key, "job_type": job,
                        "runs": [{k: r.get(k) for k in ("id", "name", "started_at", "used", "produced")}
                                 for r in runs]}
            return {"kind": "version", "key": key, **catalog.version_detail(self.store, key, max_files=MAX_FILES)}
        except (TablelensError, KeyError, ValueError, OSError) as e:
            message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            return {"kind": "error", "key": key, "message": message}

    # -- messages --------------------------------------------------------------------------------------------------
    def _on_custom(self, _widget: Any, content: Any, buffers: Any) -> None:
        msg = content if isinstance(content, Mapping) else {}
        kind = msg.get("type")
        try:
            if kind == "graph":
                self.send({"type": "graph", "id": msg.get("id"), "graph": catalog.graph(self.store)})
            elif kind == "asset":
                answer, bufs = answer_asset(msg)
                self.send(answer, bufs or None)
            elif kind == "action":
                self.send({"type": "action", "id": msg.get("id"), **self._act(msg)})
            else:
                self.send(error_answer(msg, f"unknown request type {kind!r}"))
        except Exception as e:  # an answer is always sent: the browser never waits forever
            log.exception("store browser request %r failed", kind)
            self.send(error_answer(msg, str(e)))

    def _act(self, msg: Mapping[str, Any]) -> dict[str, Any]:
        """A management action from the browser; its outcome as `{ok, message}`, also shown as the notice."""
        action = msg.get("action")
        try:
            message, select = self._perform(str(action), msg)
        except (TablelensError, KeyError, ValueError, TypeError, OSError) as e:
            text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            self.notice = {"level": "error", "message": text}
            return {"ok": False, "message": text}
        if action != "open":
            self.refresh()
        if select is not None and select != self.selected:
            self.select(select)
        self.notice = {"level": "info", "message": message}
        return {"ok": True, "message": message}

    def _perform(self, action: str, msg: Mapping[str, Any]) -> tuple[str, str | None]:
        store = self.store
        if action == "alias":
            spec = store.alias(_text(msg, "spec"), _text(msg, "alias"))
            return f"{msg['alias']} -> {spec}", None
        if action == "remove-alias":
            name, alias = _text(msg, "name"), _text(msg, "alias")
            store.remove_alias(name, alias)
            return f"removed alias {alias} of {name}", None
        if action == "delete":
            done = store.delete(_text(msg, "spec"), force=bool(msg.get("force")))
            name = done.rpartition(":")[0]
            left = name in store.artifacts()
            return (f"deleted {done}; its bytes stay until Store.gc()",
                    f"artifact:{name}" if left else "")
        if action == "edit":
            kwargs: dict[str, Any] = {}
            if "description" in msg:
                d = msg.get("description")
                kwargs["description"] = d if isinstance(d, str) and d.strip() else None
            if "metadata" in msg:
                try:
                    meta = json.loads(_text(msg, "metadata"))
                except ValueError as e:
                    raise ValueError(f"the metadata is not JSON: {e}") from None
                kwargs["metadata"] = meta
            art = store.edit(_text(msg, "spec"), **kwargs)
            return f"edited {art.qualified_name} (its digest is unchanged)", None
        if action == "open":
            self.open_table(_text(msg, "spec"), msg.get("table") if isinstance(msg.get("table"), str) else None)
            return f"opened {self.opened} below", None
        if action == "refresh":
            return "read the store again", None
        raise ValueError(f"unknown action {action!r}")


def _text(msg: Mapping[str, Any], key: str) -> str:
    v = msg.get(key)
    if not isinstance(v, str) or not v:
        raise ValueError(f"the request needs {key!r}")
    return v


def browse(dir: str | None = None, **kwargs: Any) -> StoreBrowser:
    """A StoreBrowser of the default store (`$TABLELENS_DIR`, else ./tablelens-store) or of `dir`."""
    return StoreBrowser(dir, **kwargs)
