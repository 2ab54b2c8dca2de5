"""Saved views as the Explorer sees them: its whole state as a JSON-able spec, that spec applied back to traits
(on the version it was saved on or another one), and the `tl.query(...)` call that reproduces what is on screen.

The store keeps a view as opaque JSON beside its artifact (artifacts/views.py); the query part is
`QuerySpec.to_json()` and is read back through `QuerySpec.from_json`, so a saved view is normalised exactly as
`tl.query`'s keywords and the Explorer's traits are.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._core.errors import TablelensError, ViewWarning
from ..artifacts import View, parse_spec
from ..query import QuerySpec, ScanSource
from ..sources import ResolvedSource

__all__ = ["SPEC_FORMAT", "ViewReport", "code_for", "make_spec", "plan_apply", "source_columns"]

SPEC_FORMAT = 1
_OVERLAY_KEYS = ("hidden_classes", "hidden_layers", "score_min", "mask_opacity", "compare_style")


@dataclass
class ViewReport:
    """What applying a view did: `missing` maps each column the shown version lacks to the parts of the view
    that use it ("filter", "group-by", "sort", "columns"); `dropped` lists the group/sort keys left out."""

    view: str
    source: str
    missing: dict[str, list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def message(self) -> str:
        head = f"View {self.view} applied to {self.source}"
        if not self.missing:
            return head
        parts = ", ".join(f"{c!r} ({', '.join(p)})" for c, p in self.missing.items())
        text = f"{head}: this version has no column {parts}"
        if self.dropped:
            text += f"; left out: {', '.join(self.dropped)}"
        if "filter" in {p for ps in self.missing.values() for p in ps}:
            text += "; edit the filter to use the columns this version has"
        return text


def source_columns(source: ResolvedSource) -> list[str]:
    scan = source.scan
    if isinstance(scan, ScanSource):
        return scan.names()
    return [*scan.left.names(), *[n for n in scan.right.names() if n not in scan.left.names()]]


def _source_entry(source: ResolvedSource, given: str | None) -> dict[str, Any] | None:
    """How the view names its source: the artifact, the version or alias it was opened with, and the table."""
    art = source.artifact
    if art is None or not art.version:
        return None
    version = art.version
    if given:
        try:
            name, asked = parse_spec(given.split("/")[0])
            if name == art.name:
                version = asked
        except ValueError:
            pass
    spec = f"{art.name}:{version}"
    return {"spec": spec, "artifact": art.name, "version": version, "resolved": art.version,
            "table": source.table}


def make_spec(source: ResolvedSource, given: str | None, query: QuerySpec, hidden: list[str],
              overlay: Mapping[str, Any], page_size: int) -> dict[str, Any]:
    """The Explorer's whole state as JSON: source, query, visible columns, overlay settings and page size."""
    columns = source_columns(source)
    return {
        "format": SPEC_FORMAT,
        "source": _source_entry(source, given),
        "query": query.to_json(),
        "hidden_columns": sorted(hidden),
        "visible_columns": [c for c in columns if c not in set(hidden)],
        "overlay": json.loads(json.dumps(dict(overlay))),
        "page_size": page_size,
        "schema": columns,
    }


def check_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A view spec as read back (from the store or a user's dict), with its query normalised."""
    if not isinstance(spec, Mapping) or spec.get("format") != SPEC_FORMAT or not isinstance(spec.get("query"), Mapping):
        raise TablelensError(f"not a tablelens view spec (format {SPEC_FORMAT} with a 'query'); got {spec!r:.200}")
    QuerySpec.from_json(spec["query"])  # raises FilterError naming the faulty part
    return dict(spec)


def _path_names(key: Any) -> set[str]:
    """Column names a group/sort key names: a plain name, or the first step of a `$path` / `$0.path`."""
    if not isinstance(key, str):
        return set()
    if not key.startswith("$"):
        return {key}
    parts = key[1:].split(".")
    if parts and parts[0] in ("0", "1") and len(parts) > 1:
        return {parts[1]}
    return {parts[0]}


def _mentions(text: str, column: str) -> bool:
    return re.search(r"\$(?:[01]\.)?" + re.escape(column) + r"(?![\w])", text) is not None


@dataclass
class Applied:
    """Trait values to set, and the report of what was left out."""

    traits: dict[str, Any]
    report: ViewReport


def plan_apply(spec: Mapping[str, Any], source: ResolvedSource, name: str) -> Applied:
    """The traits that put `spec` on screen over `source` (which may be another version than the view's), with
    the group/sort keys naming a column `source` lacks left out and reported; the filter is kept as written (its
    error then shows beside it), so the view's meaning never widens silently."""
    spec = check_spec(spec)
    query = QuerySpec.from_json(spec["query"])
    have = set(source_columns(source))
    saved = [c for c in spec.get("schema") or [] if isinstance(c, str)]
    lost = [c for c in saved if c not in have]
    report = ViewReport(name, source.label)

    def miss(column: str, part: str) -> None:
        parts = report.missing.setdefault(column, [])
        if part not in parts:
            parts.append(part)

    if isinstance(query.filter, (str, dict)):
        text = query.filter if isinstance(query.filter, str) else json.dumps(query.filter)
        for c in lost:
            if _mentions(text, c):
                miss(c, "filter")
    group_by = []
    for key in query.group_by:
        gone = [c for c in _path_names(key) if c not in have and (c in lost or not saved)]
        if gone:
            for c in gone:
                miss(c, "group-by")
            report.dropped.append(f"group by {key}")
        else:
            group_by.append(key)
    sort = []
    for key, desc in query.sort:
        gone = [c for c in _path_names(key) if c != "_key" and c not in have and (c in lost or not saved)]
        if gone:
            for c in gone:
                miss(c, "sort")
            report.dropped.append(f"sort by {key}")
        else:
            sort.append([key, "desc" if desc else "asc"])
    hidden = [c for c in spec.get("hidden_columns") or [] if isinstance(c, str)]
    overlay = spec.get("overlay") if isinstance(spec.get("overlay"), Mapping) else {}
    traits: dict[str, Any] = {
        "filter": query.filter if isinstance(query.filter, str) else (json.dumps(query.filter) if query.filter else ""),
        "group_by": [k for k in group_by if isinstance(k, str)],
        "sort": [p for p in sort if isinstance(p[0], str)],
        "compare": query.compare if isinstance(query.compare, str) else "",
        "quick_filter": query.quick_filter if isinstance(query.compare, str) else "all",
        "hidden_columns": [c for c in hidden if c in have],
        "overlay": {k: v for k, v in dict(overlay).items() if k in _OVERLAY_KEYS},
    }
    page_size = spec.get("page_size")
    if isinstance(page_size, int) and not isinstance(page_size, bool) and 1 <= page_size <= 500:
        traits["page_size"] = page_size
    if report.missing:
        warnings.warn(report.message(), ViewWarning, stacklevel=4)
    return Applied(traits, report)


def view_name(view: View | None) -> str:
    return f"'{view.name}' r{view.revision}" if view is not None else "(unsaved)"


# ------------------------------------------------------------------------------------------------ code
def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    return repr(value)


def code_for(source: ResolvedSource, query: QuerySpec) -> str:
    """The `tl.query(...)` call that gives the rows (or groups) on screen, with the version pinned."""
    art = source.artifact
    lines = ["import tablelens as tl", ""]
    if art is not None and art.version:
        target = repr(art.qualified_name)
    elif isinstance(source.obj, str):
        target = repr(source.obj)
    else:
        lines.append(f"# source: {source.label} (pass the same object)")
        target = "source"
    args = [target]
    if source.table is not None and art is not None:
        args.append(f"table={source.table!r}")
    if query.filter is not None:
        args.append(f"filter={_literal(query.filter)}")
    if query.group_by:
        args.append(f"group_by={_literal(list(query.group_by))}")
    if query.sort:
        args.append(f"sort={_literal([(k, 'desc' if d else 'asc') for k, d in query.sort])}")
    if query.compare is not None:
        args.append(f"compare={_literal(query.compare)}")
        if query.quick_filter != "all":
            args.append(f"quick_filter={query.quick_filter!r}")
    body = ",\n    ".join(args)
    lines.append(f"result = tl.query(\n    {body},\n)")
    return "\n".join(lines) + "\n"
