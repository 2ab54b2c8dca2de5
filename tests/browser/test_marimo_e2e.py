"""The Explorer outside JupyterLab: a marimo app (`mo.ui.anywidget(tl.Explorer(...))`) served by `marimo run`, in
headless Chromium.

marimo puts each anywidget in a shadow root that holds the widget's CSS, and marks its theme with classes
("light"/"dark", "light-theme"/"dark-theme") on <body> and on a wrapper inside that shadow root. The tests check
what a user sees there: rows, thumbnails with their boxes, filter, grouping with histograms, compare; the enlarged
view and the box hover card mounted inside the widget's root, styled and where they belong in the viewport; and
legend text that reads against its background with marimo dark and the OS light, and the other way round.
Nothing is fetched from outside the machine: the test fails on any request to another host.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from .data import REL_BOX, ROW_BOX, build_store
from .harness import MarimoApp, Steps, chromium_available

APP = '''import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo
    import tablelens as tl
    return mo, tl


@app.cell
def _(mo, tl):
    media = mo.ui.anywidget(tl.Explorer("media:v0"))
    media
    return


@app.cell
def _(mo, tl):
    preds = mo.ui.anywidget(tl.Explorer("preds:v0"))
    preds
    return


if __name__ == "__main__":
    app.run()
'''

# Every query below looks through shadow roots (marimo's widgets live in them).
FIND_ALL = """
window.tlFindAll = (selector) => {
  const out = [];
  const walk = (root) => {
    out.push(...root.querySelectorAll(selector));
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return out;
};
window.tlExplorer = (i) => window.tlFindAll('[data-role=explorer]')[i];
"""


@dataclass
class Marimo:
    server: MarimoApp
    chromium: Any


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[Marimo]:
    if not chromium_available():
        pytest.fail("Debian's chromium is needed at /usr/bin/chromium for the browser tests: run `make browser`")
    root = tmp_path_factory.mktemp("marimo")
    build_store(root / "store")
    (root / "app.py").write_text(APP)
    server = MarimoApp.start(root / "app.py", {"TABLELENS_DIR": str(root / "store"),
                                               "TABLELENS_CACHE": str(root / "cache")})
    try:
        yield Marimo(server, chromium)
    finally:
        server.stop()
    assert server.process.poll() is not None


class MarimoPage:
    """The app open in a fresh browser context; widget 0 shows the media table, widget 1 the predictions."""

    def __init__(self, env: Marimo, steps: Steps, theme: str | None = None, os_scheme: str = "light") -> None:
        self.context = env.chromium.new_context(viewport={"width": 1300, "height": 900}, device_scale_factor=1,
                                                color_scheme=os_scheme)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._on_request)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        steps.page = self.page
        self.page.add_init_script(FIND_ALL)
        self.page.goto(env.server.url + (f"/?theme={theme}" if theme else "/"), wait_until="domcontentloaded")

    def _on_request(self, request: Any) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "blob:", "data:")):
            self.outside.append(url)

    def explorer(self, i: int) -> Any:
        return self.page.locator("[data-role=explorer]").nth(i)

    def wait_rows(self, i: int, n: int, timeout: float = 90_000) -> None:
        """Widget `i` shows `n` matching rows (or groups), has drawn them and is not busy."""
        self.page.wait_for_function(
            """([i, n]) => {
                const root = window.tlExplorer(i);
                const c = root && root.querySelector('[data-role=row-count]');
                return !!c && Number(c.getAttribute('data-count')) === n && !root.hasAttribute('data-busy')
                    && root.querySelectorAll('[data-role=row]').length > 0;
            }""", arg=[i, n], timeout=timeout)

    def eval(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_app(marimo_app: Marimo, steps: Steps) -> Iterator[Any]:
    pages: list[MarimoPage] = []

    def open_(theme: str | None = None, os_scheme: str = "light") -> MarimoPage:
        p = MarimoPage(marimo_app, steps, theme, os_scheme)
        pages.append(p)
        return p

    yield open_
    for p in pages:
        p.close()


# The contrast ratio (WCAG) between a legend label and the background it is drawn on: the first opaque background
# of its ancestors (through the shadow root), as the user sees it.
LEGEND_CONTRAST = """
() => {
  const label = window.tlFindAll('[data-role=legend-layer] .tl-media-layer-name')[0];
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const opaque = (c) => { const v = rgb(c); return v.length === 3 || (v.length === 4 && v[3] > 0.5); };
  let el = label, bg = null;
  while (el && !bg) {
    if (el.nodeType === 1) { const b = getComputedStyle(el).backgroundColor; if (opaque(b)) bg = b; }
    el = el.parentNode || el.host;
  }
  const lum = (c) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const [r, g, b] = rgb(c).slice(0, 3).map(lin);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const fg = getComputedStyle(label).color;
  const [a, b] = [lum(fg), lum(bg || 'rgb(255,255,255)')].sort((x, y) => y - x);
  return { fg, bg, ratio: (a + 0.05) / (b + 0.05), theme: window.tlExplorer(0).dataset.tlTheme };
}
"""


def _box_point(page: MarimoPage) -> dict[str, float]:
    """A point on the left edge of the box of the first image, in viewport coordinates."""
    return page.eval(
        """([key, rect]) => {
            const c = window.tlFindAll(`[data-role=row][data-key="${key}"] [data-role=overlay-canvas]`)[0];
            const r = c.getBoundingClientRect();
            return {x: r.left + rect[0] * r.width + 1, y: r.top + (rect[2] + rect[3]) / 2 * r.height};
        }""", [ROW_BOX, list(REL_BOX)])


def test_explorer_in_marimo(open_app: Any, steps: Steps) -> None:
    app = open_app()
    app.wait_rows(0, 5)
    app.wait_rows(1, 100)
    steps.step("rendered")
    media = app.explorer(0)
    assert app.explorer(1).locator("[data-role=row]").count() == 50  # one page of the predictions

    # the thumbnail of the first image is drawn with its box, in the class color (car: red) on the box's edge
    frame = media.locator(f"[data-role=row][data-key='{ROW_BOX}'] [data-role=image-frame]")
    app.page.wait_for_selector(f"[data-role=row][data-key='{ROW_BOX}'] [data-role=image-frame][data-boxes='1']")
    red = app.eval(
        """([key, rect]) => {
            const c = window.tlFindAll(`[data-role=row][data-key="${key}"] [data-role=overlay-canvas]`)[0];
            const x = Math.floor(rect[0] * c.width) + 1, y = Math.floor((rect[2] + rect[3]) / 2 * c.height);
            return [...c.getContext('2d').getImageData(x, y, 1, 1).data];
        }""", [ROW_BOX, list(REL_BOX)])
    assert red[0] > 200 and red[1] < 60 and red[2] < 60 and red[3] > 200, red

    # hovering the box shows its hover card inside the widget, next to the pointer
    point = _box_point(app)
    app.page.mouse.move(point["x"], point["y"])
    tip = app.page.locator("[data-role=box-tooltip]")
    tip.wait_for(state="visible")
    steps.step("hover card")
    assert "car" in tip.inner_text()
    card = app.eval(
        """() => {
            const t = window.tlFindAll('[data-role=box-tooltip]')[0];
            const r = t.getBoundingClientRect();
            return {inside: window.tlExplorer(0).contains(t), left: r.left, top: r.top, width: r.width,
                    height: r.height, bodyChild: t.parentElement === document.body};
        }""")
    assert card["inside"] and not card["bodyChild"], card
    assert card["width"] > 0 and card["height"] > 0
    assert abs(card["left"] - point["x"]) < 40 and abs(card["top"] - point["y"]) < 40, (card, point)

    # clicking the thumbnail opens the enlarged view: inside the widget's root, styled, filling the viewport
    frame.click()
    viewer = app.page.locator("[data-role=viewer]")
    viewer.wait_for(state="visible")
    app.page.wait_for_selector("[data-role=viewer] [data-role=image][data-state=ready]")
    steps.step("enlarged view")
    shown = app.eval(
        """() => {
            const v = window.tlFindAll('[data-role=viewer]')[0];
            const panel = v.querySelector('.tl-media-viewer-panel');
            const r = panel.getBoundingClientRect();
            const s = getComputedStyle(panel);
            const root = v.getRootNode();
            const hit = root.elementFromPoint(r.left + r.width / 2, r.top + 20);
            return {inside: window.tlExplorer(0).contains(v), open: v.open, position: getComputedStyle(v).position,
                    background: s.backgroundColor, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                    onTop: !!hit && panel.contains(hit),
                    inBody: !!document.body.querySelector(':scope > .tl-media-viewer')};
        }""")
    assert shown["inside"] and shown["open"] and not shown["inBody"], shown
    assert shown["position"] == "fixed"
    assert shown["background"] not in ("", "transparent", "rgba(0, 0, 0, 0)"), shown  # styled by the widget's CSS
    assert 0 <= shown["left"] < shown["right"] <= 1300 and 0 <= shown["top"] < shown["bottom"] <= 900, shown
    assert shown["onTop"], shown  # nothing of the page covers it
    app.page.keyboard.press("Escape")
    viewer.wait_for(state="detached")

    # filter, group (histograms drawn), compare, on the predictions
    preds = app.explorer(1)
    editor = preds.locator("[data-role=filter]")
    editor.fill("{$lt: ['$id', 10]}")
    editor.press("Enter")
    app.wait_rows(1, 10)
    steps.step("filtered")
    editor.fill("")
    editor.press("Enter")
    app.wait_rows(1, 100)
    preds.locator("[data-role=group-by]").select_option("label")
    app.wait_rows(1, 3)
    preds.locator("[data-role=histogram][data-chart=hist][data-drawn]").first.wait_for()
    steps.step("grouped")
    assert preds.locator("[data-role=histogram][data-drawn=plotly]").count() >= 3  # plotly.js came as an asset
    preds.locator("[data-role=group-by]").select_option("")
    app.wait_rows(1, 100)
    preds.locator("[data-role=compare]").select_option("preds:v1")
    app.wait_rows(1, 110)
    preds.locator("[data-role=quick-filter] [data-value=both]").click()
    app.wait_rows(1, 90)
    steps.step("compared")

    assert app.outside == [], app.outside  # nothing fetched from another host
    assert app.errors == [], app.errors


@pytest.mark.parametrize(("theme", "os_scheme", "expected"), [("dark", "light", "dark"), (None, "dark", "light")],
                         ids=["marimo-dark-os-light", "marimo-light-os-dark"])
def test_theme_follows_marimo_not_the_os(open_app: Any, steps: Steps, theme: str | None, os_scheme: str,
                                         expected: str) -> None:
    app = open_app(theme=theme, os_scheme=os_scheme)
    app.wait_rows(0, 5)
    app.page.wait_for_selector("[data-role=legend-layer]")
    steps.step(f"marimo {theme or 'default'}, OS {os_scheme}")
    marked = app.eval("() => document.body.classList.contains('dark') ? 'dark' : 'light'")
    assert marked == expected  # marimo itself is in the mode the test asked for
    got = app.eval(LEGEND_CONTRAST)
    assert got["theme"] == expected, got
    assert got["ratio"] >= 4.5, got  # readable legend label
    assert app.outside == [], app.outside
