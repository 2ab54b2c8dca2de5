"""Reports: views and Explorers as one self-contained HTML file that needs no server and no network.

Each view becomes a section: its title, description, the query as code, the counts, and its first rows drawn by
the widget's own front end (js/report/: the Explorer's table, cells, charts and media modules over an offline
model that answers the protocol's messages from data embedded in the page). Thumbnails and masks are inline
(base64), plotly.js and the styles too, so the file opens from disk with every interaction that needs no query:
interactive charts, legend toggles, score thresholds and mask opacity, compare bars, the enlarged image view.

Sections beyond the view's own (evaluation metrics, say) plug in through `register_section`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .._core.errors import TablelensError
from ..artifacts import Store, View
from ..media import thumbnails as _thumbs
from ..query import QueryResult, QuerySpec, connect, run
from ..sources import ResolvedSource, resolve, resolve_for_query
from ._handlers import Snapshot, page_rows
from ._media import MediaIndex
from ._snapshot import make_snapshot
from ._views import code_for, plan_apply

__all__ = ["Report", "ReportPart", "register_section", "report"]

STATIC = Path(__file__).resolve().parent.parent / "static"
DEFAULT_ROWS = 100
DEFAULT_THUMB = 192  # px, longest side: a 96 px cell on a 2x screen

#: a section maker: (the part's result, its source) -> extra sections, each
#: {"kind": "table", "title": str, "columns": [str], "rows": [[JSON value]]} (drawn as text) — or None
Section = Callable[[QueryResult, "ResolvedSource | None"], "Sequence[Mapping[str, Any]] | None"]
_SECTIONS: list[Section] = []


def register_section(maker: Section) -> Section:
    """Add a section maker to every report (for instance the metrics of the evaluation issue); returns it."""
    _SECTIONS.append(maker)
    return maker


@dataclass
class ReportPart:
    """One view of a report, computed: what the section shows and the snapshot its rows come from."""

    title: str
    description: str | None
    source: ResolvedSource | None
    source_label: str
    code: str
    query: QuerySpec
    snapshot: Snapshot
    num_rows: int
    total_rows: int
    hidden: list[str] = field(default_factory=list)
    overlay: dict[str, Any] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)
    notice: str | None = None
    media: MediaIndex = field(default_factory=MediaIndex)  # where the snapshot's image keys were handed out


@dataclass(frozen=True)
class Report:
    """A written report: its HTML text, the file it was written to (if any) and its size in bytes."""

    html: str
    path: str | None

    @property
    def size(self) -> int:
        return len(self.html.encode())

    def __repr__(self) -> str:
        return f"Report({self.path or '<not written>'!r}, {self.size / 1e6:.2f} MB)"


# ------------------------------------------------------------------------------------------------ parts
def part_of_view(view: View) -> ReportPart:
    """A saved view as a report part: its source resolved in its store and its query run."""
    src = view.spec.get("source")
    if not isinstance(src, Mapping) or not src.get("spec"):
        raise TablelensError(f"view {view.ref} was saved on a table that is not an artifact; open it in an "
                             "Explorer and pass the Explorer to tl.report instead")
    store = Store(view.store_dir) if view.store_dir else None
    source = resolve(str(src["spec"]), src.get("table"), store=store, default_table=True)
    applied = plan_apply(view.spec, source, f"'{view.name}' r{view.revision}")
    t = applied.traits
    query = QuerySpec.normalize(filter=t["filter"] or None, group_by=t["group_by"], sort=t["sort"],
                                compare=t["compare"] or None, quick_filter=t["quick_filter"], table=source.table)
    compared = resolve_for_query(query.compare, source.table, "compare") if query.compare else None
    result = run(source.scan, query, compare=compared.scan if compared is not None else None, connection=connect())
    num = int(result.num_rows)
    snap = make_snapshot(result, (source, compared), num)
    return ReportPart(view.name, view.description, source, source.label, code_for(source, query), query, snap, num,
                      int(result.total_rows), list(t["hidden_columns"]), dict(t["overlay"]),
                      notice=None if applied.report.ok else applied.report.message())


def _part(item: Any) -> ReportPart:
    if isinstance(item, View):
        return part_of_view(item)
    maker = getattr(item, "_report_part", None)
    if callable(maker):
        return maker()
    raise TypeError(f"tl.report takes Explorers and saved views (tl.Store().view(...)), got {type(item).__name__}")


# ------------------------------------------------------------------------------------------------ data
def _walk_images(cell: Any, out: dict[str, set[str]]) -> None:
    if isinstance(cell, dict):
        if len(cell) == 1 and "$image" in cell and isinstance(cell["$image"], dict):
            img = cell["$image"]
            if isinstance(img.get("key"), str):
                out["img"].add(img["key"])
            for key in (img.get("masks") or {}).values():
                if isinstance(key, str):
                    out["mask"].add(key)
            return
        for v in cell.values():
            _walk_images(v, out)
    elif isinstance(cell, list):
        for v in cell:
            _walk_images(v, out)


def _b64(item: Mapping[str, Any]) -> dict[str, Any]:
    if "data" not in item:
        return {"error": str(item.get("error") or "no image")}
    return {"mime": item.get("mime"), "width": item.get("width"), "height": item.get("height"),
            "data": base64.b64encode(item["data"]).decode("ascii")}


def _section(part: ReportPart, rows: int, thumb: int, media: dict[str, Any]) -> dict[str, Any]:
    snap = part.snapshot
    index = part.media
    shown = page_rows(snap, 0, rows, part.hidden, index)
    keys: dict[str, set[str]] = {"img": set(), "mask": set()}
    for r in shown:
        _walk_images(r.get("cells"), keys)
    thumbs = [(k, e["path"], thumb) for k in sorted(keys["img"] - set(media))
              if (e := index.lookup(k)) is not None and e.get("path") and not e.get("error")]
    for item in _thumbs.thumbnails(thumbs) if thumbs else []:
        media[str(item["key"])] = _b64(item)
    masks = [(k, e["path"]) for k in sorted(keys["mask"] - set(media))
             if (e := index.lookup(k)) is not None and e.get("path") and not e.get("error")]
    for item in _thumbs.masks(masks) if masks else []:
        media[str(item["key"])] = _b64(item)
    for k in (keys["img"] | keys["mask"]) - set(media):
        e = index.lookup(k)
        media[k] = {"error": (e or {}).get("error") or "the file of this image cannot be found"}
    q = part.query
    extras: list[dict[str, Any]] = []
    for maker in _SECTIONS:
        made = maker(snap.result, part.source)
        extras += [dict(s) for s in made or []]
    return {
        "title": part.title,
        "description": part.description,
        "source": part.source_label,
        "code": part.code,
        "notice": part.notice,
        "query": {"filter": q.filter if isinstance(q.filter, str) else (json.dumps(q.filter) if q.filter else ""),
                  "group_by": list(q.group_by), "sort": q.sort_pairs,
                  "compare": q.compare if isinstance(q.compare, str) else "", "quick_filter": q.quick_filter},
        "counts": {"num_rows": part.num_rows, "total_rows": part.total_rows, "shown": len(shown),
                   "mode": str(snap.result.mode)},
        "traits": {"mode": str(snap.result.mode), "schema": [c for c in snap.layout.schema()
                                                            if c["name"] not in set(part.hidden)],
                   "hidden_columns": list(part.hidden), "overlay": dict(part.overlay), "num_rows": part.num_rows,
                   "total_rows": part.total_rows, "versions": list(part.versions),
                   "compare": q.compare if isinstance(q.compare, str) else "", "source_label": part.source_label,
                   "page_size": max(1, len(shown)), "sort": q.sort_pairs, "group_by": list(q.group_by),
                   "filter": q.filter if isinstance(q.filter, str) else "", "quick_filter": q.quick_filter},
        "rows": shown,
        "sections": extras,
    }


# ------------------------------------------------------------------------------------------------ HTML
def _version() -> str:
    try:
        return version("tablelens")
    except PackageNotFoundError:
        return "(source checkout)"


def _asset(name: str) -> str:
    path = STATIC / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise FileNotFoundError(f"the report's front end is not built: {path} is missing; run `npm run build` "
                                "(or `pip install -e .`)") from None


def _script_text(js: str) -> str:
    """JavaScript safe inside an inline <script>: no `</script` or `<!--` can end or confuse it."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "<\\!--")


_CSP = ("default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "font-src data:")


def render_html(data: Mapping[str, Any]) -> str:
    """The report page: styles, data and script inline; a CSP that forbids every network request."""
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")
    title = html.escape(str(data.get("title") or "tablelens report"))
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>{_asset('report.css')}</style></head>"
        "<body><main id=\"tl-report\" class=\"tl-report-root\"></main>"
        f"<script type=\"application/json\" id=\"tl-report-data\">{payload}</script>"
        f"<script>{_script_text(_asset('report.js'))}</script></body></html>\n"
    )


def report(items: Iterable[Any] | Any, *, title: str = "tablelens report", path: str | os.PathLike[str] | None = None,
           description: str | None = None, rows: int = DEFAULT_ROWS, thumb_size: int = DEFAULT_THUMB) -> Report:
    """One self-contained HTML page showing each view or Explorer of `items`; written to `path` when given.

    For each: its title and description, the query as a `tl.query(...)` call, the counts, the grouped charts
    (interactive Plotly), compare bars, and the first `rows` rows with thumbnails (`thumb_size` px) and overlays
    whose legend, thresholds and opacity still work. Nothing in the page reaches the network.
    """
    if not isinstance(items, (list, tuple)):
        items = [items]
    if not items:
        raise ValueError("tl.report needs at least one Explorer or saved view")
    if not 1 <= rows <= 10_000:
        raise ValueError(f"rows must be between 1 and 10,000, got {rows}")
    media: dict[str, Any] = {}
    sections = [_section(_part(item), rows, int(thumb_size), media) for item in items]
    data = {"title": title, "description": description, "generator": f"tablelens {_version()}",
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "views": sections,
            "media": media}
    text = render_html(data)
    out = None
    if path is not None:
        out = os.path.abspath(os.fspath(path))
        tmp = f"{out}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    return Report(text, out)
