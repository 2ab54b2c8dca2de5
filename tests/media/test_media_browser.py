"""js/media in headless Chromium, without a kernel: a fake media context feeds images and masks, and the tests
read the overlay canvas's pixels (box colors where a box is, gone when its class is toggled off, masks only
where the mask has the class, pixel and relative boxes on the same pixels) and check bad input is explained.

Needs node_modules (esbuild) and /usr/bin/chromium; skipped otherwise. The end-to-end tests in JupyterLab
belong to the Explorer's browser harness.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "browser"
CHROMIUM = "/usr/bin/chromium"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not ESBUILD.exists(), reason="node_modules missing: run npm install"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium missing: apt-get install chromium"),
]
playwright = pytest.importorskip("playwright.sync_api")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("media-site")
    subprocess.run(
        [str(ESBUILD), str(ROOT / "js/media/index.js"), "--bundle", "--format=esm", f"--outdir={out / 'bundle'}"],
        check=True,
        capture_output=True,
    )
    shutil.copy(HERE / "page.html", out / "index.html")
    shutil.copy(HERE / "fake_ctx.js", out / "fake_ctx.js")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(chromium: object) -> object:
    return chromium


@pytest.fixture(params=[1, 2], ids=["dpr1", "dpr2"])
def page(request: pytest.FixtureRequest, browser: object, site: str) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=request.param)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    pg.goto(site)
    pg.wait_for_function("window.ready === true")
    pg.dpr = request.param
    yield pg
    assert not errors, errors
    ctx.close()


SETUP = """
async ({images, masks, classes, overlay, mode, compare}) => {
  const store = { images: new Map(), masks: new Map() };
  for (const [key, spec] of Object.entries(images)) {
    store.images.set(key, spec.error ? { error: spec.error } : await fake.makeImageBlob(spec.w, spec.h, 3));
  }
  for (const [key, m] of Object.entries(masks || {})) {
    store.masks.set(key, m.error ? m : { width: m.width, height: m.height, data: Uint8Array.from(m.data) });
  }
  const model = fake.fakeModel({ overlay: overlay || {}, mode: mode || "rows" });
  const ctx = fake.fakeCtx(store, model);
  model.on("change:overlay", () => media.onOverlayChange(ctx));
  window.ctx = ctx;
  window.model = model;
  return true;
}
"""

MOUNT = """
async ({cells, size}) => {
  const t = document.getElementById("t");
  window.cleanups = [];
  cells.forEach((c, i) => {
    const td = t.insertRow().insertCell();
    td.dataset.column = "image";
    const opts = { size, row: { cells: { id: i, note: "<b>bold?</b>" } } };
    if (c.compare) opts.compare = c.compare;
    window.cleanups.push(media.renderImageCell(td, c.image, ctx, opts));
  });
  media.renderMediaControls(document.getElementById("controls"), [], ctx);
  await window.settle();
  const deadline = performance.now() + 5000;
  while ([...document.querySelectorAll('[data-role="image"]')].some((e) => e.dataset.state === "loading")) {
    if (performance.now() > deadline) throw new Error("images did not load");
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 60)); // the legend is rebuilt ~30 ms after content changes
  return true;
}
"""


def setup(page, images, masks=None, overlay=None, mode=None):  # type: ignore[no-untyped-def]
    page.evaluate(SETUP, {"images": images, "masks": masks or {}, "classes": [], "overlay": overlay, "mode": mode})


def mount(page, cells, size=100):  # type: ignore[no-untyped-def]
    page.evaluate(MOUNT, {"cells": cells, "size": size})


def px(page, n, x, y):  # type: ignore[no-untyped-def]
    """RGBA at CSS pixel (x, y) of overlay canvas n."""
    d = page.dpr
    return page.evaluate(f"px({n}, {int(x * d)}, {int(y * d)})")


RED = [255, 0, 0, 255]
CLASSES = [{"id": 1, "name": "car", "color": "#ff0000"}, {"id": 2, "name": "road", "color": "#0000ff"}]


def image(key: str = "a", w: int = 200, h: int = 100, **kw: object) -> dict:
    return {"key": key, "width": w, "height": h, "caption": f"caption {key}", "classes": CLASSES, **kw}


def test_box_color_at_known_pixels_and_class_toggle(page):  # type: ignore[no-untyped-def]
    # 200x100 image shown at 100x50 CSS px: the pixel box (20..100, 20..60) lands on (10..50, 10..30)
    box = {"minX": 20, "maxX": 100, "minY": 20, "maxY": 60, "domain": "pixel", "class_id": 1}
    setup(page, {"a": {"w": 200, "h": 100}})
    mount(page, [{"image": image(boxes={"gt": [box]})}])
    assert page.get_attribute('[data-role="image"]', "data-state") == "ready"
    assert px(page, 0, 10, 20) == RED  # left edge of the box
    assert px(page, 0, 49, 20) == RED  # right edge
    assert px(page, 0, 30, 29) == RED  # bottom edge
    assert px(page, 0, 30, 20)[3] == 0  # inside: the image shows through
    assert px(page, 0, 70, 40)[3] == 0  # elsewhere: nothing drawn
    page.click('[data-role="class-toggle"][data-layer="gt"][data-class-id="1"]')
    page.evaluate("settle()")
    assert px(page, 0, 10, 20)[3] == 0
    assert page.evaluate("model.get('overlay')")["hidden_classes"] == {"gt": [1]}
    assert page.get_attribute('[data-role="class-toggle"]', "aria-pressed") == "false"
    # set from "Python": the model changes, the drawing follows
    page.evaluate("model.set('overlay', {hidden_classes: {}})")
    page.evaluate("settle()")
    assert px(page, 0, 10, 20) == RED
    page.click('[data-role="layer-toggle"][data-layer="gt"]')
    page.evaluate("settle()")
    assert px(page, 0, 10, 20)[3] == 0
    assert page.evaluate("model.get('overlay')")["hidden_layers"] == ["gt"]


def test_threshold_slider_hides_low_scores(page):  # type: ignore[no-untyped-def]
    low = {"minX": 0.05, "maxX": 0.4, "minY": 0.1, "maxY": 0.9, "class_id": 1, "scores": {"conf": 0.3}}
    high = {"minX": 0.55, "maxX": 0.95, "minY": 0.1, "maxY": 0.9, "class_id": 1, "scores": {"conf": 0.8}}
    setup(page, {"a": {"w": 200, "h": 100}})
    mount(page, [{"image": image(boxes={"pred": [low, high]})}])
    assert px(page, 0, 5, 25) == RED and px(page, 0, 55, 25) == RED
    page.evaluate(
        """() => { const s = document.querySelector('[data-role="score-threshold"][data-score="conf"]');
        s.value = "0.5"; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); }"""
    )
    page.evaluate("settle()")
    assert px(page, 0, 5, 25)[3] == 0  # conf 0.3 < 0.5: hidden
    assert px(page, 0, 55, 25) == RED  # conf 0.8 stays
    assert page.evaluate("model.get('overlay')")["score_min"] == {"conf": 0.5}


def test_mask_changes_pixels_only_where_it_has_the_class(page):  # type: ignore[no-untyped-def]
    w, h = 40, 20  # mask at native resolution of a 40x20 image; left half class 2, right half background
    data = [2 if x < w // 2 else 0 for y in range(h) for x in range(w)]
    setup(page, {"a": {"w": w, "h": h}}, masks={"m": {"width": w, "height": h, "data": data}})
    mount(page, [{"image": image(w=w, h=h, masks={"gt": "m"})}])
    inside = px(page, 0, 20, 25)  # CSS 100x50; mask pixel (8, 10)
    assert inside[:3] == [0, 0, 255] and 120 <= inside[3] <= 135  # class 2's color at ~0.5 opacity
    assert px(page, 0, 80, 25)[3] == 0  # background: untouched
    # crisp: the boundary between mask pixels 19 and 20 (CSS x = 50) is not blended
    assert px(page, 0, 49, 25)[3] == inside[3] and px(page, 0, 51, 25)[3] == 0
    page.evaluate(
        """() => { const s = document.querySelector('[data-role="mask-opacity"]');
        s.value = "1"; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); }"""
    )
    page.evaluate("settle()")
    assert px(page, 0, 20, 25) == [0, 0, 255, 255]
    page.click('[data-role="class-toggle"][data-layer="gt"][data-class-id="2"]')
    page.evaluate("settle()")
    assert px(page, 0, 20, 25)[3] == 0


def test_pixel_and_relative_boxes_land_on_the_same_pixels(page):  # type: ignore[no-untyped-def]
    W, H = 333, 217
    rect = (41, 23, 250, 190)
    pixel = {"minX": rect[0], "maxX": rect[2], "minY": rect[1], "maxY": rect[3], "domain": "pixel", "class_id": 2}
    rel = {"minX": rect[0] / W, "maxX": rect[2] / W, "minY": rect[1] / H, "maxY": rect[3] / H, "class_id": 2}
    mid = {
        "middle": [(rect[0] + rect[2]) / 2 / W, (rect[1] + rect[3]) / 2 / H],
        "width": (rect[2] - rect[0]) / W,
        "height": (rect[3] - rect[1]) / H,
        "class_id": 2,
    }
    setup(page, {"a": {"w": W, "h": H}})
    mount(page, [{"image": image(w=W, h=H, boxes={"p": [b]})} for b in (pixel, rel, mid)], size=150)
    same = page.evaluate(
        """() => { const cs = [...document.querySelectorAll('[data-role="overlay-canvas"]')];
        const data = cs.map((c) => c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
        const painted = data[0].filter((v, i) => i % 4 === 3 && v > 0).length;
        return [painted, data.every((d) => d.length === data[0].length && d.every((v, i) => v === data[0][i]))]; }"""
    )
    assert same[0] > 100 and same[1] is True


def test_bad_input_is_explained_and_never_breaks_the_table(page):  # type: ignore[no-untyped-def]
    evil = "<img src=x onerror=alert(1)>"
    classes = [{"id": 1, "name": evil}]
    outside = {"minX": 1.2, "maxX": 1.5, "minY": 0.1, "maxY": 0.5, "class_id": 1}
    unknown = {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.9, "class_id": 7, "box_caption": evil}
    setup(
        page,
        {"ok": {"w": 200, "h": 100}, "broken": {"error": "not a readable image (corrupt): /x/broken.png"}},
        masks={"small": {"width": 20, "height": 10, "data": [1] * 200}, "bad": {"error": "mask file not found"}},
    )
    cells = [
        {"image": {"key": "gone", "error": "image file not found: /x/gone.png", "width": 10, "height": 10}},
        {"image": image("broken")},
        {
            "image": image(
                "ok",
                caption=evil,
                classes=classes,
                boxes={"p": [outside, unknown, {"minX": "x"}]},
                masks={"m": "small", "n": "bad"},
            )
        },
    ]
    mount(page, cells)
    roots = page.locator('[data-role="image"]')
    assert roots.nth(0).get_attribute("data-state") == "error"
    assert "image file not found" in roots.nth(0).inner_text()
    assert roots.nth(1).get_attribute("data-state") == "error"
    assert "corrupt" in roots.nth(1).locator('[data-role="image-error"]').inner_text()
    assert roots.nth(2).get_attribute("data-state") == "ready"
    note = roots.nth(2).locator('[data-role="media-note"]').get_attribute("title")
    assert "outside the image" in note
    assert "20x10 but the image is 200x100" in note  # mask of another size: stretched, and said so
    assert "class ids not in the class set: 7" in note
    assert "mask file not found" in note
    assert "unreadable coordinates" in note
    # the unknown class is drawn grey; the small mask (class 1) is stretched over the whole image
    grey = px(page, 0, 10, 25)
    assert grey[:3] == [158, 158, 158] and grey[3] == 255
    assert px(page, 0, 90, 45)[3] > 0
    # names and captions are text: no element was made of them, the legend shows them verbatim
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert evil in page.inner_text('[data-role="legend"]')
    assert page.locator('[data-role="caption"]').nth(2).inner_text() == evil
    page.hover('[data-role="overlay-canvas"] >> nth=0', position={"x": 20, "y": 25})
    tip = page.locator('[data-role="box-tooltip"]')
    assert evil in tip.inner_text() and "class 7" in tip.inner_text()
    assert page.evaluate("window.dialogs") == []


def test_enlarged_view_navigates_with_arrow_keys(page):  # type: ignore[no-untyped-def]
    setup(page, {k: {"w": 300, "h": 200} for k in "abc"})
    box = {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5, "class_id": 1}
    mount(page, [{"image": image(k, w=300, h=200, boxes={"gt": [box]})} for k in "abc"])
    page.click('[data-role="image"] >> nth=1')
    viewer = page.locator('[data-role="viewer"]')
    viewer.wait_for()
    assert "caption b" in viewer.inner_text()
    assert "<b>bold?</b>" in page.inner_text('[data-role="viewer-values"]')
    page.wait_for_function(
        """document.querySelector('[data-role="viewer"] [data-role="image"]').dataset.state === "ready" """
    )
    assert page.evaluate("ctx.log.some((r) => r.type === 'image' && r.key === 'b')")  # full resolution asked
    big = page.locator('[data-role="viewer"] [data-role="overlay-canvas"]')
    assert int(big.get_attribute("width")) > 300  # drawn larger than the thumbnail
    page.keyboard.press("ArrowRight")
    page.wait_for_function("""document.querySelector('.tl-media-viewer-title').textContent === "caption c" """)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("""document.querySelector('.tl-media-viewer-title').textContent === "caption a" """)
    page.keyboard.press("Escape")
    assert page.locator('[data-role="viewer"]').count() == 0
    # the view closes itself when the widget's cells go away under it (widget closed, re-rendered)
    page.click('[data-role="image"] >> nth=0')
    viewer.wait_for()
    page.evaluate("window.cleanups.forEach((c) => c())")
    viewer.wait_for(state="detached", timeout=3000)


def test_compare_overlay_and_side_by_side(page):  # type: ignore[no-untyped-def]
    a_box = {"minX": 0.05, "maxX": 0.45, "minY": 0.1, "maxY": 0.9, "class_id": 1}
    b_box = {"minX": 0.55, "maxX": 0.95, "minY": 0.1, "maxY": 0.9, "class_id": 1}
    setup(page, {"a": {"w": 200, "h": 100}}, mode="compare")
    a = image("a", boxes={"pred": [a_box]})
    b = image("a", boxes={"pred": [b_box]})
    mount(page, [{"image": a, "compare": {"other": b, "side": 0}}])
    assert page.locator('[data-role="overlay-canvas"]').count() == 1  # one base image, both overlays
    assert px(page, 0, 5, 25) == RED  # A: solid, every pixel of the edge drawn
    dashed = [px(page, 0, 55, y)[3] for y in range(6, 44)]
    assert 0 in dashed and 255 in dashed  # B: dashed
    page.click('[data-role="compare-style"] [data-value="side-by-side"]')
    page.evaluate("settle()")
    page.wait_for_function("""document.querySelector('[data-role="image"]').dataset.state !== "loading" """)
    assert page.locator('[data-role="overlay-canvas"]').count() == 2
    assert page.evaluate("model.get('overlay')")["compare_style"] == "side-by-side"
    assert px(page, 0, 5, 25) == RED and px(page, 0, 55, 25)[3] == 0  # panel A has only A's box
    assert px(page, 1, 55, 25)[3] == 255 and px(page, 1, 5, 25)[3] == 0  # panel B only B's


def test_thumbnails_are_asked_at_most_at_native_size(page):  # type: ignore[no-untyped-def]
    setup(page, {f"k{i}": {"w": 64, "h": 64} for i in range(3)})
    mount(page, [{"image": image(f"k{i}", w=64, h=64)} for i in range(3)])
    sizes = page.evaluate("ctx.log.filter((r) => r.type === 'thumbs').flatMap((r) => r.items.map((i) => i.size))")
    assert sizes and all(s <= 64 for s in sizes)  # never more than the image has
