"""Reports as files: one self-contained HTML page (no external script, style, image or font), the views' data
inside it, thumbnails and masks inline, extra sections through the hook, and the widget's "Export report".
What the page draws is checked in headless Chromium by tests/browser/test_views_e2e.py."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import tablelens as tl
from tablelens.explorer import report as report_module


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: str | None = None
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_data = tag == "script" and dict(attrs).get("id") == "tl-report-data"

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data = (self.data or "") + data

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False


def _parse(html: str) -> tuple[_Tags, dict[str, Any]]:
    p = _Tags()
    p.feed(html)
    assert p.data is not None
    return p, json.loads(p.data)


def test_a_report_is_one_self_contained_file(images: dict[str, Any], preds: dict[str, Any], make_explorer: Any,
                                             tmp_path: Path) -> None:
    ex, _ = make_explorer("media:v0", filter="{$eq: ['$label', 'car']}")
    ex.overlay = {"mask_opacity": 0.2}
    ex.save_view("cars", description="only <b>cars</b>")
    grouped, _ = make_explorer("preds:v0", group_by="label")
    grouped.save_view("labels")
    view = tl.Store(preds["store"].dir).view("preds", "labels")
    made = tl.report([ex, view], title="Hard <cases>", path=tmp_path / "r.html", rows=2)
    assert made.path == str(tmp_path / "r.html") and Path(made.path).read_text() == made.html
    tags, data = _parse(made.html)
    # nothing is fetched: no src or href at all, inline script and styles only, a CSP forbidding the network
    assert not [t for t, a in tags.tags if a.get("src") or a.get("href")]
    assert [t for t, _ in tags.tags].count("link") == 0
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src" not in csp
    assert "<title>Hard &lt;cases&gt;</title>" in made.html  # untrusted text escaped
    assert len(re.findall(r"</script", made.html, re.I)) == 2  # the data's and the script's own ends only
    # the views, as the Explorer shows them
    first, second = data["views"]
    assert first["title"] == "cars" and first["description"] == "only <b>cars</b>"
    assert first["counts"] == {"num_rows": 3, "total_rows": 6, "shown": 2, "mode": "rows"}
    assert [r["_key"] for r in first["rows"]] == [0, 2] and first["traits"]["overlay"] == {"mask_opacity": 0.2}
    assert "tl.query(\n    'media:v0'" in first["code"] and "filter=\"{$eq: ['$label', 'car']}\"" in first["code"]
    assert second["title"] == "labels" and second["counts"]["mode"] == "groups"
    assert {"$hist"} <= {next(iter(c)) for c in second["rows"][0]["cells"].values() if isinstance(c, dict)}
    # every image and mask on show is inline, at the thumbnail size
    keys = {r["cells"]["image"]["$image"]["key"] for r in first["rows"]}
    masks = {r["cells"]["image"]["$image"]["masks"]["seg"] for r in first["rows"]}
    assert keys | masks <= set(data["media"])
    for key in keys:
        m = data["media"][key]
        im = Image.open(io.BytesIO(base64.b64decode(m["data"])))
        assert max(im.size) <= 192 and (m["width"], m["height"]) == im.size
    mask = Image.open(io.BytesIO(base64.b64decode(data["media"][next(iter(masks))]["data"])))
    assert mask.size == (60, 40)  # class ids: kept at their own size
    # a second report of the same Explorer (its pages cached) has every image again
    _, again = _parse(tl.report(ex, rows=2).html)
    assert set(again["media"]) == keys | masks
    assert all(again["media"][k].get("data") == data["media"][k]["data"] for k in keys | masks)


def test_sections_hook_adds_parts_to_every_view(preds: dict[str, Any], make_explorer: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "_SECTIONS", [])
    seen: list[int] = []

    @report_module.register_section
    def metrics(result: Any, source: Any) -> list[dict[str, Any]]:
        seen.append(result.num_rows)
        return [{"kind": "table", "title": "metrics", "columns": ["name", "value"],
                 "rows": [["rows", result.num_rows]]}]

    ex, _ = make_explorer("preds:v0", filter="{$lt: ['$id', 10]}")
    _, data = _parse(tl.report(ex).html)
    assert seen == [10]
    assert data["views"][0]["sections"] == [{"kind": "table", "title": "metrics", "columns": ["name", "value"],
                                             "rows": [["rows", 10]]}]


def test_export_report_from_the_widget(images: dict[str, Any], make_explorer: Any) -> None:
    _ex, cap = make_explorer("media:v0")
    msg, buffers = cap.request({"type": "report"})
    assert msg["type"] == "report" and msg["name"] == "media-v0-report.html" and msg["mime"] == "text/html"
    _, data = _parse(buffers[0].decode())
    assert data["title"] == "media:v0 / images" and len(data["views"][0]["rows"]) == 6


def test_what_cannot_be_reported(make_explorer: Any) -> None:
    with pytest.raises(TypeError, match="Explorers and saved views"):
        tl.report(["preds:v0"])
    with pytest.raises(ValueError, match="at least one"):
        tl.report([])
    ex, _ = make_explorer(tl.Table(columns=["a"], data=[[1]]), filter="{$gt: ['$nothing', 1]}")
    with pytest.raises(tl.TablelensError, match="no result to report"):
        tl.report(ex)
