"""Saved views, cell edits and reports end to end: real JupyterLab kernels, headless Chromium, a user's clicks.

- A view made with the toolbar in one kernel and opened in a fresh kernel on a newer version shows the same
  filter, sort and overlay state (pixels of the overlay canvas), and reports the column the version lacks.
- A cell edited in place is marked pending and committed as a new version, which the widget then shows.
- A report opened from file:// with every network request aborted draws its charts, thumbnails and overlays,
  and its legend still toggles the boxes (pixels again).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .conftest import BrowserEnv, OpenNotebook
from .harness import NotebookPage, Steps

FILTER = "{$gte: ['$score', 0.3]}"
RED, GREEN = (255, 0, 0), (0, 255, 0)
CAR_BOX, PERSON_BOX = (0.1, 0.45, 0.2, 0.8), (0.55, 0.9, 0.2, 0.8)


def _scenes(env: BrowserEnv) -> str:
    """Log `scenes-…` v0 (with an `iou` column) and v1 (without it, scores + 0.05) into the session's store:
    12 images, each with a car box (red) and a person box (green)."""
    import tablelens as tl

    name = f"scenes-{uuid.uuid4().hex[:8]}"
    classes = tl.Classes([{"id": 1, "name": "car", "color": "#ff0000"},
                          {"id": 2, "name": "person", "color": "#00ff00"}])

    def box(rect: tuple[float, float, float, float], cls: int) -> dict[str, Any]:
        x0, x1, y0, y1 = rect
        return {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}, "class_id": cls,
                "scores": {"conf": 0.9}}

    run = tl.init(project="views-e2e", job_type="fixture", dir=str(env.root / "store"))
    for version in (0, 1):
        cols = ["id", "label", "score", *(["iou"] if version == 0 else []), "image"]
        rows = []
        for i in range(12):
            img = tl.Image(np.full((80, 120, 3), 60 + 8 * i, np.uint8), caption=f"scene {i}", classes=classes,
                           boxes={"predictions": {"box_data": [box(CAR_BOX, 1), box(PERSON_BOX, 2)]}})
            rows.append([i, ["car", "person", "bike"][i % 3], round(i / 10 + 0.05 * version, 4),
                         *([round(1 - i / 12, 4)] if version == 0 else []), img])
        art = tl.Artifact(name, type="predictions")
        art.add(tl.Table(columns=cols, data=rows), "scenes")
        run.log_artifact(art)
    run.finish()
    return name


class Canvas:
    """The RGBA pixels of a row's overlay canvas (or base canvas)."""

    def __init__(self, page: Any, scope: str, key: int, role: str = "overlay-canvas") -> None:
        got = page.evaluate(
            """([scope, key, role]) => {
                const c = document.querySelector(`${scope} [data-role=row][data-key="${key}"] [data-role=${role}]`);
                const g = c.getContext('2d');
                return {w: c.width, h: c.height, data: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
            }""", [scope, key, role])
        self.w, self.h, self.data = int(got["w"]), int(got["h"]), list(got["data"])

    def count(self, rgb: tuple[int, int, int], min_alpha: int = 200) -> int:
        n = 0
        for i in range(0, len(self.data), 4):
            r, g, b, a = self.data[i:i + 4]
            if a >= min_alpha and max(abs(r - rgb[0]), abs(g - rgb[1]), abs(b - rgb[2])) <= 30:
                n += 1
        return n

    def opaque(self) -> int:
        return sum(1 for a in self.data[3::4] if a > 0)


def _ready(page: Any, scope: str, key: int, boxes: int) -> None:
    page.wait_for_selector(f"{scope} [data-role=row][data-key='{key}'] [data-role=image][data-state=ready]",
                           timeout=90_000)
    page.wait_for_selector(f"{scope} [data-role=row][data-key='{key}'] [data-role=image-frame][data-boxes='{boxes}']",
                           timeout=30_000)


def _shown(nb: NotebookPage, n: int) -> None:
    nb.wait_row_count(n, timeout=90_000)
    nb.page.wait_for_selector("[data-role=explorer] [data-role=row]", timeout=90_000)


def test_a_view_saved_in_one_kernel_opens_in_a_fresh_one_on_a_newer_version(
        open_notebook: OpenNotebook, browser_env: BrowserEnv, steps: Steps) -> None:
    name = _scenes(browser_env)
    # kernel 1: make the view with the toolbar and save it with the View menu
    nb = open_notebook([f"import tablelens as tl\nex = tl.Explorer('{name}:v0')\nex",
                        f"tl.Explorer('{name}:v0', group_by='label', filter=\"{FILTER}\").save_view('by-label')"])
    _shown(nb, 12)
    page, root = nb.page, nb.explorer()
    root.locator("[data-role=filter]").fill(FILTER)
    root.locator("[data-role=filter]").press("Enter")
    _shown(nb, 9)
    root.locator("select[data-role=sort]").select_option("iou")
    root.locator("select[data-role=sort]").select_option("score")
    root.locator("[data-role=sort-key][data-column=score] [data-action=direction]").click()
    page.wait_for_selector("[data-role=sort-key][data-column=score][data-direction=desc]")
    _ready(page, "[data-role=explorer]", 3, 2)
    root.locator("[data-role=class-toggle][data-layer=predictions][data-class-id='2']").first.click()
    _ready(page, "[data-role=explorer]", 3, 1)
    steps.step("view made")
    root.locator("[data-role=view-actions] > button").click()
    root.locator("[data-field=view-name]").fill("cars")
    root.locator("[data-field=view-description]").fill("cars, people hidden")
    root.locator("[data-action=save-view]").click()
    page.wait_for_selector("[data-role=views] [data-view=cars]", timeout=30_000)
    page.wait_for_selector("[data-role=notice][data-level=info]", timeout=30_000)
    assert "Saved view 'cars'" in root.locator("[data-role=notice]").inner_text()
    before = [int(x) for x in page.eval_on_selector_all(
        "[data-role=row] [data-role=cell][data-column=id]", "els => els.map(e => e.innerText.trim())")]
    assert before == list(range(11, 2, -1))  # iou ascending = id descending
    steps.step("saved")
    nb.close()

    # kernel 2 (a fresh process): the newer version, which has no `iou` column
    nb2 = open_notebook([f"import tablelens as tl\nex = tl.Explorer('{name}:latest', view='cars')\nex"])
    _shown(nb2, 9)
    page, root = nb2.page, nb2.explorer()
    assert root.locator("[data-role=filter]").input_value() == FILTER
    keys = root.locator("[data-role=sort-key]")
    assert keys.count() == 1 and keys.first.get_attribute("data-column") == "score"
    assert keys.first.get_attribute("data-direction") == "desc"
    ids = [int(x) for x in page.eval_on_selector_all(
        "[data-role=row] [data-role=cell][data-column=id]", "els => els.map(e => e.innerText.trim())")]
    assert ids == list(range(11, 2, -1))  # score descending on v1
    notice = root.locator("[data-role=notice]")
    assert notice.get_attribute("data-level") == "warning"
    assert "no column 'iou' (sort)" in notice.inner_text() and f"{name}:v1" in notice.inner_text()
    assert root.locator("[data-role=views] [data-view=cars].tl-current").count() == 1
    # the overlay state came along: the person class is off, its green box is not drawn, the car's red one is
    toggle = root.locator("[data-role=class-toggle][data-layer=predictions][data-class-id='2']").first
    assert toggle.get_attribute("aria-pressed") == "false"
    _ready(page, "[data-role=explorer]", 11, 1)
    steps.step("reopened")
    c = Canvas(page, "[data-role=explorer]", 11)
    assert c.count(RED) > 20 and c.count(GREEN) == 0
    # one click on a saved view in the sidebar applies it
    root.locator("[data-role=views] [data-view=by-label] [data-action=apply-view]").click()
    page.wait_for_function("() => document.querySelector('[data-role=explorer]').dataset.mode === 'groups'",
                           timeout=60_000)
    nb2.wait_row_count(3, timeout=60_000)
    assert root.locator("select[data-role=group-by]").input_value() == "label"
    steps.step("grouped view applied")
    assert not nb2.dialogs


def test_a_cell_edited_in_place_is_committed_as_a_new_version(open_notebook: OpenNotebook,
                                                              browser_env: BrowserEnv, steps: Steps) -> None:
    import tablelens as tl

    name = _scenes(browser_env)
    nb = open_notebook([f"import tablelens as tl\nex = tl.Explorer('{name}:v0')\nex"])
    _shown(nb, 12)
    page, root = nb.page, nb.explorer()
    cell = root.locator("[data-role=row][data-key='4'] [data-role=cell][data-column=score]")
    cell.dblclick()
    editor = root.locator("[data-role=cell-editor]")
    editor.fill("high")
    editor.press("Enter")
    page.wait_for_selector("[data-role=edit-error]:not([hidden])")
    assert "is not a number" in root.locator("[data-role=edit-error]").inner_text()
    steps.step("refused")
    editor.fill("7.5")
    editor.press("Enter")
    page.wait_for_selector("[data-role=row][data-key='4'] [data-column=score][data-edited=true]", timeout=30_000)
    assert cell.inner_text().strip() == "7.5"
    root.locator("[data-role=row][data-key='5'] [data-role=cell][data-column=label]").dblclick()
    root.locator("[data-role=cell-editor]").fill("truck")
    root.locator("[data-role=cell-editor]").press("Enter")
    page.wait_for_selector("[data-role=edits][data-count='2']:not([hidden])", timeout=30_000)
    root.locator("[data-action=undo-edit]").click()
    page.wait_for_selector("[data-role=edits][data-count='1']", timeout=30_000)
    steps.step("pending")
    root.locator("[data-field=commit-description]").fill("score fix")
    root.locator("[data-action=commit-edits]").click()
    page.wait_for_function(
        f"() => document.querySelector('[data-role=explorer] .tl-source-label').innerText.startsWith('{name}:v2')",
        timeout=60_000)
    page.wait_for_selector("[data-role=edits][hidden]", state="attached")
    page.wait_for_function(
        "() => !document.querySelector('[data-role=row][data-key=\"4\"] [data-column=score]').dataset.edited"
        " && document.querySelector('[data-role=row][data-key=\"4\"] [data-column=score]').innerText.trim() === '7.5'",
        timeout=30_000)
    steps.step("committed")
    store = tl.Store(browser_env.root / "store")
    assert store.artifact(f"{name}:v2").get("scenes").get_column("score")[4] == 7.5
    assert store.artifact(f"{name}:v2").description == "score fix"
    assert store.artifact(f"{name}:v0").get("scenes").get_column("score")[4] == 0.4  # the old one is as it was
    assert store.artifact(f"{name}:v0").get("scenes").get_column("label")[5] == "bike"


def test_a_report_opens_from_disk_with_no_network(open_notebook: OpenNotebook, browser_env: BrowserEnv,
                                                  steps: Steps, tmp_path: Path) -> None:
    name = _scenes(browser_env)
    nb = open_notebook([
        f"import tablelens as tl\nex = tl.Explorer('{name}:v0')\nex",
        f"grouped = tl.Explorer('{name}:v0', group_by='label')\n"
        f"r = tl.report([ex, grouped], title='views e2e', path='{name}-report.html')\nprint(r.size)",
    ])
    _shown(nb, 12)
    nb.wait_idle(120_000)
    # the toolbar's "Export report" downloads the same kind of file
    nb.explorer().locator("[data-role=view-actions] > button").click()
    with nb.page.expect_download(timeout=120_000) as info:
        nb.explorer().locator("[data-action=export-report]").click()
    download = info.value
    assert download.suggested_filename == f"{name}-v0-report.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert 'id="tl-report-data"' in saved.read_text()
    steps.step("downloaded")
    report = browser_env.root / f"{name}-report.html"
    assert report.exists()

    context = browser_env.browser.new_context(viewport={"width": 1300, "height": 1000}, device_scale_factor=1)
    try:
        page = context.new_page()
        steps.page = page
        requests: list[str] = []

        def block(route: Any) -> None:
            requests.append(route.request.url)
            if route.request.url.startswith("file://") and route.request.url.endswith(".html"):
                route.continue_()
            else:
                route.abort()

        page.route("**/*", block)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_selector("[data-role=report][data-ready=true]", timeout=30_000)
        rows_view = "[data-role=report-view][data-index='0']"
        _ready(page, rows_view, 0, 2)
        steps.step("report open")
        # thumbnails visible: the base canvas holds the image's gray pixels
        base = Canvas(page, rows_view, 0, "base-canvas")
        assert base.opaque() > 0.9 * base.w * base.h
        # the legend still works: the person class off removes the green box, the red car box stays
        c = Canvas(page, rows_view, 0)
        assert c.count(RED) > 20 and c.count(GREEN) > 20
        page.locator(f"{rows_view} [data-role=class-toggle][data-layer=predictions][data-class-id='2']").first.click()
        _ready(page, rows_view, 0, 1)
        c = Canvas(page, rows_view, 0)
        assert c.count(RED) > 20 and c.count(GREEN) == 0
        steps.step("legend toggled")
        # the grouped view's charts are drawn by the bundled plotly.js
        grouped = page.locator("[data-role=report-view][data-index='1']")
        grouped.scroll_into_view_if_needed()
        page.wait_for_selector("[data-role=report-view][data-index='1'] [data-role=histogram][data-drawn=plotly]",
                               timeout=30_000)
        assert grouped.locator("[data-role=histogram][data-drawn=plotly] .main-svg").count() > 0
        assert grouped.locator("[data-role=row-count]").get_attribute("data-count") == "3"
        steps.step("charts")
        assert requests == [report.as_uri()]  # the page asked for nothing else
        assert not errors
    finally:
        context.close()
