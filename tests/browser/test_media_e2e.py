"""Image overlays end to end: pixels of the overlay canvas in a real JupyterLab, not just elements.

The media table (tests/browser/data.py) puts boxes and masks of known classes, with known colors, at known
places; the tests read the canvas with getImageData and check colors where the drawing must be and where it
must not.
"""

from __future__ import annotations

from typing import Any

from .conftest import OpenNotebook
from .data import CLASSES, REL_BOX, ROW_BOX, ROW_MASK, ROW_PIXEL_BOX, ROW_THRESHOLD, ROW_XSS, XSS
from .harness import NotebookPage, Steps

SHOW = "import tablelens as tl\nex = tl.Explorer('media:v0')\nex"
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


class Canvas:
    """The RGBA pixels of one row's overlay canvas."""

    def __init__(self, nb: NotebookPage, key: int) -> None:
        got = nb.page.evaluate(
            """(key) => {
                const c = document.querySelector(`[data-role=row][data-key="${key}"] [data-role=overlay-canvas]`);
                const g = c.getContext('2d');
                return {w: c.width, h: c.height, data: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
            }""", key)
        self.w, self.h, self.data = int(got["w"]), int(got["h"]), list(got["data"])

    def at(self, x: float, y: float) -> tuple[int, int, int, int]:
        i = (int(y) * self.w + int(x)) * 4
        return tuple(self.data[i:i + 4])  # type: ignore[return-value]

    def is_color(self, x: float, y: float, rgb: tuple[int, int, int], min_alpha: int = 250) -> bool:
        r, g, b, a = self.at(x, y)
        return a >= min_alpha and max(abs(r - rgb[0]), abs(g - rgb[1]), abs(b - rgb[2])) <= 8

    def clear(self, x: float, y: float) -> bool:
        return self.at(x, y)[3] == 0

    def box(self, rect: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x0, x1, y0, y1 = rect
        return x0 * self.w, x1 * self.w, y0 * self.h, y1 * self.h


def _frame(key: int) -> str:
    return f"[data-role=row][data-key='{key}'] [data-role=image-frame]"


def _drawn(nb: NotebookPage, key: int, boxes: int | None = None, masks: int | None = None) -> None:
    sel = _frame(key)
    if boxes is not None:
        sel += f"[data-boxes='{boxes}']"
    if masks is not None:
        sel += f"[data-masks='{masks}']"
    nb.page.wait_for_selector(f"[data-role=row][data-key='{key}'] [data-role=image][data-state=ready]",
                              timeout=90_000)
    nb.page.wait_for_selector(sel, timeout=30_000)


def _open(open_notebook: OpenNotebook) -> NotebookPage:
    nb = open_notebook([SHOW])
    nb.wait_row_count(5, timeout=90_000)
    return nb


def _edge_points(c: Canvas, rect: tuple[float, float, float, float]) -> dict[str, tuple[float, float]]:
    x0, x1, y0, y1 = c.box(rect)
    ym = (y0 + y1) / 2
    return {"left": (x0 + 1, ym), "right": (x1 - 2, ym), "bottom": ((x0 + x1) / 2, y1 - 2),
            "outside": (x0 - 4, ym), "inside": ((x0 + x1) / 2, y1 - 8)}


def test_box_of_a_class_is_drawn_in_its_color_where_it_is(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_BOX, boxes=1)
    steps.step("drawn")
    c = Canvas(nb, ROW_BOX)
    p = _edge_points(c, REL_BOX)
    for edge in ("left", "right", "bottom"):
        assert c.is_color(*p[edge], RED), (edge, c.at(*p[edge]))
    assert c.clear(*p["outside"]) and c.clear(*p["inside"])
    assert c.clear(2, c.h - 2)  # a corner far from the box


def test_toggling_the_class_off_removes_its_box(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_BOX, boxes=1)
    toggle = nb.page.locator("[data-role=class-toggle][data-layer=predictions][data-class-id='1']").first
    toggle.click()
    _drawn(nb, ROW_BOX, boxes=0)
    steps.step("class off")
    c = Canvas(nb, ROW_BOX)
    p = _edge_points(c, REL_BOX)
    assert all(c.clear(*p[e]) for e in ("left", "right", "bottom"))
    assert sum(c.data[3::4]) == 0  # nothing at all is drawn
    toggle.click()
    _drawn(nb, ROW_BOX, boxes=1)
    assert Canvas(nb, ROW_BOX).is_color(*p["left"], RED)


def test_score_threshold_hides_a_box_below_it(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_THRESHOLD, boxes=2)
    high, low = (0.05, 0.45, 0.2, 0.8), (0.55, 0.95, 0.2, 0.8)  # conf 0.9 (car), conf 0.3 (person)
    c = Canvas(nb, ROW_THRESHOLD)
    assert c.is_color(*_edge_points(c, high)["left"], RED)
    assert c.is_color(*_edge_points(c, low)["left"], GREEN)
    nb.page.evaluate(
        """() => {
            const s = document.querySelector('[data-role=score-threshold][data-score=conf]');
            s.value = '0.5';
            s.dispatchEvent(new Event('input', {bubbles: true}));
            s.dispatchEvent(new Event('change', {bubbles: true}));
        }""")
    _drawn(nb, ROW_THRESHOLD, boxes=1)
    steps.step("threshold 0.5")
    c = Canvas(nb, ROW_THRESHOLD)
    assert c.is_color(*_edge_points(c, high)["left"], RED)
    low_points = _edge_points(c, low)
    assert all(c.clear(*low_points[e]) for e in ("left", "right", "bottom"))


def test_mask_colors_only_where_the_mask_has_the_class(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_MASK, masks=1)
    steps.step("mask drawn")
    c = Canvas(nb, ROW_MASK)
    inside = [(c.w * fx, c.h * fy) for fx in (0.05, 0.25, 0.45) for fy in (0.05, 0.25, 0.45)]
    outside = [(c.w * fx, c.h * fy) for fx, fy in ((0.75, 0.25), (0.25, 0.75), (0.75, 0.75), (0.55, 0.55))]
    for x, y in inside:
        r, g, b, a = c.at(x, y)
        assert 64 <= a <= 192 and b > 200 and r < 40 and g < 40, (x, y, (r, g, b, a))  # road blue at ~50 %
    for x, y in outside:
        assert c.clear(x, y), (x, y, c.at(x, y))
    assert CLASSES[3][1] == "#0000ff"


def test_pixel_and_relative_boxes_of_the_same_rectangle_land_on_the_same_pixels(
        open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_BOX, boxes=1)
    _drawn(nb, ROW_PIXEL_BOX, boxes=1)
    steps.step("both drawn")
    rel, pix = Canvas(nb, ROW_BOX), Canvas(nb, ROW_PIXEL_BOX)
    assert (rel.w, rel.h) == (pix.w, pix.h)
    assert sum(1 for i in range(0, len(rel.data), 4) if rel.data[i + 3]) > 50  # something is drawn
    assert rel.data == pix.data


def test_class_names_and_captions_are_text_never_html(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    _drawn(nb, ROW_XSS, boxes=1)
    toggle = nb.page.locator("[data-role=class-toggle][data-class-id='4']").first
    assert XSS in toggle.inner_text()
    caption = nb.page.locator(f"[data-role=row][data-key='{ROW_XSS}'] [data-role=caption]")
    assert caption.inner_text().strip() == XSS
    # hover the box (tooltip with the caption) and open the enlarged view: still text
    c = Canvas(nb, ROW_XSS)
    x0, _x1, y0, y1 = c.box(REL_BOX)
    canvas = nb.page.locator(f"[data-role=row][data-key='{ROW_XSS}'] [data-role=overlay-canvas]")
    canvas.hover(position={"x": x0 + 1, "y": (y0 + y1) / 2})
    nb.page.wait_for_timeout(300)
    canvas.click(position={"x": x0 + 8, "y": (y0 + y1) / 2})
    nb.page.wait_for_selector("[data-role=viewer]", timeout=15_000)
    nb.page.wait_for_timeout(500)  # time for an injected onerror handler to fire, if there were one
    steps.step("viewer")
    found: Any = nb.page.evaluate("() => document.querySelectorAll('img[src=\"x\"], img[onerror]').length")
    assert found == 0
    assert nb.dialogs == []
    assert XSS in nb.page.locator("[data-role=viewer]").inner_text()


def test_enlarged_view_and_hover_card_stay_in_the_widget_and_the_viewport(open_notebook: OpenNotebook,
                                                                         steps: Steps) -> None:
    # a tall output above the widget: the notebook scrolls to reach it
    nb = open_notebook(["print('\\n'.join(f'line {i}' for i in range(120)))", SHOW])
    nb.wait_row_count(5, timeout=90_000)
    _drawn(nb, ROW_BOX, boxes=1)
    canvas = nb.page.locator(f"[data-role=row][data-key='{ROW_BOX}'] [data-role=overlay-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"] + REL_BOX[0] * box["width"] + 1, box["y"] + (REL_BOX[2] + REL_BOX[3]) / 2 * box["height"]
    nb.page.mouse.move(x, y)
    tip = nb.page.locator("[data-role=box-tooltip]")
    tip.wait_for(state="visible")
    steps.step("hover card")
    card: Any = nb.page.evaluate(
        """() => {
            const t = document.querySelector('[data-role=box-tooltip]');
            const r = t.getBoundingClientRect();
            return {inside: document.querySelector('[data-role=explorer]').contains(t), left: r.left, top: r.top};
        }""")
    assert card["inside"], card
    assert abs(card["left"] - x) < 40 and abs(card["top"] - y) < 40, (card, x, y)
    canvas.click(position={"x": REL_BOX[0] * box["width"] + 8, "y": (REL_BOX[2] + REL_BOX[3]) / 2 * box["height"]})
    nb.page.wait_for_selector("[data-role=viewer] [data-role=image][data-state=ready]", timeout=30_000)
    steps.step("enlarged view")
    shown: Any = nb.page.evaluate(
        """() => {
            const v = document.querySelector('[data-role=viewer]');
            const panel = v.querySelector('.tl-media-viewer-panel');
            const r = panel.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + 20);
            return {inside: document.querySelector('[data-role=explorer]').contains(v), open: v.open,
                    top: r.top, bottom: r.bottom, left: r.left, right: r.right, vw: innerWidth, vh: innerHeight,
                    onTop: !!hit && panel.contains(hit)};
        }""")
    assert shown["inside"] and shown["open"], shown
    assert 0 <= shown["top"] < shown["bottom"] <= shown["vh"] and 0 <= shown["left"] < shown["right"] <= shown["vw"]
    assert shown["onTop"], shown  # over the notebook, not clipped by the output area
    nb.page.keyboard.press("Escape")
    nb.page.locator("[data-role=viewer]").wait_for(state="detached")
