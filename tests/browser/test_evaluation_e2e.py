"""The evaluation panel end to end in JupyterLab: a click on the Plotly confusion matrix filters the table to the
cell's rows, the status overlay draws TP / FP / FN in their styles (canvas pixels), the threshold slider changes
the metrics."""

from __future__ import annotations

from typing import Any

from .conftest import OpenNotebook
from .harness import NotebookPage, Steps

# one row with known boxes (pixels of a 200 x 150 image): a true positive, a false positive, a missed box
DETECTIONS = """
import numpy as np, tablelens as tl
classes = tl.Classes([{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}])
def box(x0, y0, x1, y1, c, s=None):
    b = {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}, "domain": "pixel", "class_id": c}
    if s is not None:
        b["scores"] = {"score": s}
    return b
rng = np.random.default_rng(0)
t = tl.Table(columns=["id", "image"])
t.add_data(0, tl.Image(np.full((150, 200, 3), 128, np.uint8), classes=classes, boxes={
    "ground_truth": {"box_data": [box(10, 10, 70, 70, 1), box(130, 80, 190, 140, 2)]},
    "predictions": {"box_data": [box(12, 12, 72, 72, 1, 0.9), box(110, 10, 180, 60, 1, 0.4)]}}))
for k in range(1, 40):
    truth, preds = [], []
    for _ in range(3):
        x, y = (float(v) for v in rng.uniform(0, 140, 2))
        c = int(rng.integers(1, 3))
        truth.append(box(x, y, x + 40, y + 40, c))
        if rng.random() < 0.8:
            d = float(rng.normal(0, 4))
            preds.append(box(x + d, y, x + 40 + d, y + 40, c if rng.random() < 0.8 else 3 - c,
                             float(rng.uniform(0.2, 1))))
    t.add_data(k, tl.Image(np.full((150, 200, 3), 100, np.uint8), classes=classes,
                           boxes={"ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}}))
ev = tl.evaluate_detections(t)
"""
SHOW = "ex = tl.Explorer(ev)\nex"
TP, FP, FN = (0x00, 0x9E, 0x73), (0xD5, 0x5E, 0x00), (0x56, 0xB4, 0xE9)


def _panel(nb: NotebookPage) -> Any:
    nb.page.wait_for_selector("[data-role=evaluation] [data-role=eval-confusion][data-drawn=plotly]", timeout=90_000)
    return nb.explorer().locator("[data-role=evaluation]")


def _click_cell(nb: NotebookPage, a: int, b: int) -> None:
    """A real mouse click at the middle of heatmap cell (row a, column b)."""
    nb.explorer().locator("[data-role=evaluation] .tl-eval-heatmap").scroll_into_view_if_needed()
    xy = nb.page.evaluate(
        """([a, b]) => {
            const gd = document.querySelector('[data-role=evaluation] .tl-eval-heatmap');
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return [r.left + L.xaxis._offset + L.xaxis.l2p(b), r.top + L.yaxis._offset + L.yaxis.l2p(a)];
        }""", [a, b])
    nb.page.mouse.move(xy[0], xy[1])
    nb.page.mouse.click(xy[0], xy[1])


def _cell(panel: Any, truth: str, pred: str) -> dict[str, int]:
    c = panel.locator(f"[data-role=eval-cell][data-truth='{truth}'][data-pred='{pred}']")
    return {k: int(c.get_attribute(f"data-{k}") or "-1") for k in ("a", "b", "count", "rows")}


def test_a_confusion_cell_click_shows_exactly_its_rows(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([DETECTIONS, SHOW])
    nb.wait_row_count(40, timeout=90_000)
    panel = _panel(nb)
    steps.step("panel")
    for truth, pred in (("car", "car"), ("car", "none"), ("none", "car")):
        cell = _cell(panel, truth, pred)
        assert cell["count"] > 0
        _click_cell(nb, cell["a"], cell["b"])
        nb.wait_row_count(cell["rows"], timeout=30_000)
        editor = nb.explorer().locator("[data-role=filter]")
        assert f"{truth} → {pred}" in editor.input_value()  # an ordinary filter, in the editor
        steps.step(f"{truth} -> {pred}")


def test_a_classification_cell_click_row_count_equals_the_cell(open_notebook: OpenNotebook, steps: Steps) -> None:
    cells = [
        "import numpy as np, pandas as pd, tablelens as tl\n"
        "rng = np.random.default_rng(1)\n"
        "y = rng.integers(0, 3, 120)\n"
        "p = np.where(rng.random(120) < 0.6, y, rng.integers(0, 3, 120))\n"
        "df = pd.DataFrame({'id': range(120), 'label': np.array(['cat', 'dog', 'eel'])[y],"
        " 'pred': np.array(['cat', 'dog', 'eel'])[p]})\n"
        "ev = tl.evaluate_classifications(df)",
        SHOW,
    ]
    nb = open_notebook(cells)
    nb.wait_row_count(120, timeout=90_000)
    panel = _panel(nb)
    cell = _cell(panel, "dog", "eel")
    assert cell["count"] == cell["rows"] > 0
    _click_cell(nb, cell["a"], cell["b"])
    nb.wait_row_count(cell["count"], timeout=30_000)
    steps.step("clicked")


def test_status_overlay_draws_tp_fp_fn_in_their_styles(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([DETECTIONS, SHOW])
    nb.wait_row_count(40, timeout=90_000)
    _panel(nb)
    sel = "[data-role=row][data-key='0'] [data-role=image][data-state=ready]"
    nb.page.wait_for_selector(sel, timeout=90_000)
    nb.explorer().locator("[data-role=eval-color-by]").click()
    nb.page.wait_for_function(
        """() => { const o = document.querySelector("[data-role=row][data-key='0'] [data-role=image-frame]");
                   return o && o.getAttribute('data-boxes') === '3'; }""", timeout=30_000)
    steps.step("status colors")
    got = nb.page.evaluate(
        """() => {
            const c = document.querySelector("[data-role=row][data-key='0'] [data-role=overlay-canvas]");
            const g = c.getContext('2d');
            return {w: c.width, h: c.height, data: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
        }""")
    w, h, data = int(got["w"]), int(got["h"]), got["data"]
    sx, sy = w / 200, h / 150

    def px(x: float, y: float) -> tuple[int, int, int, int]:
        i = (int(y * sy) * w + int(x * sx)) * 4
        return tuple(data[i:i + 4])  # type: ignore[return-value]

    def near(p: tuple[int, int, int, int], rgb: tuple[int, int, int]) -> bool:
        return p[3] >= 250 and max(abs(p[0] - rgb[0]), abs(p[1] - rgb[1]), abs(p[2] - rgb[2])) <= 10

    inset = 1.0 / sx  # one canvas pixel inside the box edge
    # the true positive (prediction 12..72): solid, TP colour, on all its left edge
    assert all(near(px(12 + inset, y), TP) for y in range(30, 55, 3)), [px(12 + inset, y) for y in range(30, 55, 3)]
    # the ground truth it matched (10..70) is not drawn: its left edge is clear
    assert px(10 + inset, 40)[3] == 0
    # the false positive (110..180 x 10..60): solid, FP colour
    assert all(near(px(110 + inset, y), FP) for y in range(25, 50, 3))
    # the missed ground truth (130..190 x 80..140): FN colour, dashed — coloured and clear stretches on one edge
    edge = [px(x, 80 + inset) for x in range(132, 188)]
    coloured = [near(p, FN) for p in edge]
    assert sum(coloured) > len(edge) * 0.3 and sum(p[3] == 0 for p in edge) > len(edge) * 0.15, edge
    legend = nb.explorer().locator("[data-role=status-legend]")
    assert legend.is_visible() and legend.locator("[data-status]").count() == 3


def test_the_threshold_slider_changes_the_metrics(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([DETECTIONS, SHOW, "print(dict(ev.at(0.6).headline()))"], run=2)
    nb.wait_row_count(40, timeout=90_000)
    panel = _panel(nb)
    fp = panel.locator("[data-role=eval-metric][data-name=fp]")
    before = int(float(fp.get_attribute("data-value") or "0"))
    slider = panel.locator("[data-role=eval-threshold]")
    slider.evaluate("(s) => { s.value = '0.6'; s.dispatchEvent(new Event('input')); "
                    "s.dispatchEvent(new Event('change')); }")
    nb.page.wait_for_function(
        """() => { const s = document.querySelector('[data-role=eval-threshold]');
                   return s && s.getAttribute('data-committed') === '0.6'; }""", timeout=30_000)
    steps.step("threshold 0.6")
    after = int(float(panel.locator("[data-role=eval-metric][data-name=fp]").get_attribute("data-value") or "0"))
    assert after < before
    nb.run_cell(2)
    nb.wait_idle()
    expected = nb.cell_output_text(2)
    assert f"'fp': {after}" in expected
