"""User-authored cell panels: `tl.panel(name, esm=..., for_type=... | for_column=...)`.

A panel is an ES module whose `render({cell, el, model, theme})` draws a cell and returns a cleanup function
(the contract is in docs/panels.md). The registry is kernel state: every Explorer lists the registered panels in
its small `panels` trait (name and digest only) and names the panel of each matching column in its `schema`; the
browser fetches a module's source once per digest with a `panel` message. Module sources never live in traits
(ipywidgets echoes traits back and saves them in the notebook) and never in the widget's `_esm`.
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["Panel", "column_types", "get_panel", "panel", "panels", "remove_panel", "scan_types", "subscribe",
           "type_names", "with_panels"]

MAX_ESM_BYTES = 2 * 2**20


@dataclass(frozen=True)
class Panel:
    """A registered panel: its name, module source, and the columns it draws (by type and/or by name)."""

    name: str
    esm: str
    for_type: tuple[str, ...] = ()
    for_column: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.esm.encode("utf-8")).hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "digest": self.digest, "for_type": list(self.for_type),
                "for_column": list(self.for_column)}

    def remove(self) -> None:
        """Unregister this panel (the cells it drew fall back to the built-in views)."""
        remove_panel(self.name)


_lock = threading.Lock()
_registry: dict[str, Panel] = {}
_listeners: list[weakref.WeakMethod[Callable[[], None]]] = []


def panel(name: str, esm: str | os.PathLike[str], *, for_type: str | Sequence[str] | None = None,
          for_column: str | Sequence[str] | None = None) -> Panel:
    """Register (or replace) the panel `name`: `esm` is the module's source, or a path to a `.js`/`.mjs` file.

    `for_type` names column types (`"list<float>"`, `"str"`, `"int"`, `"dict"`, `"audio"`, ... — see
    docs/panels.md) and `for_column` column names; a column named in `for_column` of some panel takes that panel
    first. Every open Explorer redraws the matching cells at once.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a panel needs a non-empty name")
    source = _source(esm)
    types, columns = _names(for_type, "for_type"), _names(for_column, "for_column")
    if not types and not columns:
        raise ValueError(f"panel {name!r}: say which cells it draws with for_type= and/or for_column=")
    p = Panel(name, source, types, columns)
    with _lock:
        _registry[name] = p
    _notify()
    return p


def remove_panel(name: str) -> None:
    with _lock:
        removed = _registry.pop(name, None)
    if removed is not None:
        _notify()


def panels() -> list[Panel]:
    """The registered panels, in registration order."""
    with _lock:
        return list(_registry.values())


def get_panel(name: str) -> Panel | None:
    with _lock:
        return _registry.get(name)


def subscribe(callback: Callable[[], None]) -> None:
    """Call `callback` (a bound method of an Explorer, held weakly) whenever the registry changes."""
    with _lock:
        _listeners[:] = [r for r in _listeners if r() is not None]
        _listeners.append(weakref.WeakMethod(callback))


def _notify() -> None:
    with _lock:
        callbacks = [r() for r in _listeners]
    for cb in callbacks:
        if cb is not None:
            try:
                cb()
            except Exception:  # a closed widget must not stop the others from hearing
                continue


def _source(esm: Any) -> str:
    if isinstance(esm, os.PathLike) or (isinstance(esm, str) and "\n" not in esm and esm.endswith((".js", ".mjs"))
                                         and os.path.isfile(esm)):
        path = os.fspath(esm)
        try:
            with open(path, encoding="utf-8") as f:
                esm = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"cannot read the panel module {path!r}: {e}") from None
    if not isinstance(esm, str):
        raise TypeError(f"esm must be the module's source (str) or a path to a .js file, got {type(esm).__name__}")
    if len(esm.encode("utf-8")) > MAX_ESM_BYTES:
        raise ValueError(f"the panel module is larger than {MAX_ESM_BYTES // 2**20} MiB")
    if "export" not in esm or "render" not in esm:
        raise ValueError("esm must be an ES module that exports render (`export function render({cell, el}) "
                         "{...}` or `export default {render}`); see docs/panels.md")
    return esm


def _names(v: Any, what: str) -> tuple[str, ...]:
    if v is None:
        return ()
    items = [v] if isinstance(v, str) else list(v)
    if not all(isinstance(x, str) and x for x in items):
        raise TypeError(f"{what} must be a name or a list of names")
    return tuple(items)


# ------------------------------------------------------------------------------------------------- matching
def type_names(typ: pa.DataType, meta: Mapping[str, Any]) -> list[str]:
    """The names a column answers to in `for_type`: its type (`"list<float>"`), then its kind (`"list"`)."""
    kind = str(meta.get("kind") or "")
    if kind in ("image", "audio", "video", "html", "object3d", "plotly", "molecule", "mixed"):
        return [kind]
    if kind == "json":
        return [str(meta.get("nested") or "dict"), "json"]
    if kind == "ndarray":
        dtype = str(meta.get("dtype") or "")
        out = [f"ndarray<{dtype}>", "ndarray"]
        if meta.get("ndim") == 1 and dtype[:1] in ("f", "i", "u"):
            out.append("list<float>" if dtype.startswith("f") else "list<int>")
        return out
    name = _arrow_name(typ)
    return [name, name.split("<", 1)[0]] if "<" in name else [name]


def _arrow_name(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "datetime"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return f"list<{_arrow_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "dict"
    if pa.types.is_null(t):
        return "null"
    return str(t)


def column_types(schemas: Iterable[tuple[pa.Schema, Mapping[str, Mapping[str, Any]]]]) -> dict[str, list[str]]:
    """Column name -> the names it answers to, over the tables shown (the first table that has it wins)."""
    out: dict[str, list[str]] = {}
    for schema, metas in schemas:
        for f in schema:
            out.setdefault(f.name, type_names(f.type, metas.get(f.name, {})))
    return out


def with_panels(schema: list[dict[str, Any]], types: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The schema entries with `"panel": name` on every column a registered panel draws."""
    registered = panels()
    if not registered:
        return schema
    out = []
    for entry in schema:
        name = entry.get("name")
        chosen = next((p for p in registered if name in p.for_column), None)
        if chosen is None:
            names = types.get(str(name), [])
            chosen = next((p for p in registered if any(t in names for t in p.for_type)), None)
        out.append({**entry, "panel": chosen.name} if chosen is not None and entry.get("kind") != "count"
                   else entry)
    return out


def scan_types(scans: Iterable[Any]) -> dict[str, list[str]]:
    """`column_types` of the tables an Explorer shows (ScanSources: a Parquet file's footer, or Arrow)."""
    from ..codec import read_schema

    pairs = []
    for scan in scans:
        if scan is None:
            continue
        parts = [scan] if not hasattr(scan, "left") else [scan.left, scan.right]
        for s in parts:
            try:
                schema = s.arrow.schema if s.arrow is not None else read_schema(s.parquet)[0]
            except (OSError, ValueError, TypeError):
                continue
            pairs.append((schema, {c.name: {**c.meta, "kind": c.kind} for c in s.columns}))
    return column_types(pairs)
