"""Media benchmark: thumbnail throughput (cold and cached), the payload of a 50-row page, mask PNGs, and
(with --browser) the overlay drawing of js/media in headless Chromium.

Prints figures; never passes or fails on a time. Run: `python benchmarks/media_bench.py [--browser]`.
The browser part mounts js/media on a page with a fake media context (no kernel, no JupyterLab): it times
rendering a page of 50 images (10 boxes in two layers and a mask each) once their bytes have arrived, and
redrawing the page after a class toggle and an opacity change. The end-to-end figure through JupyterLab is
measured by the Explorer's browser harness.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))

from tablelens.media import _files  # noqa: E402
from tablelens.media.thumbnails import masks, thumbnails  # noqa: E402

__all__ = ["main"]


def realistic(w: int, h: int, seed: int) -> Image.Image:
    """Photo-like: smooth colour field, flat discs, texture, sensor noise (sigma 8)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (8, 8, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(w / 25, w / 4)
        base[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    tex = rng.normal(0, 40, (h // 2, w // 2, 3)) + 128
    tex_img = Image.fromarray(tex.clip(0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR)
    base += (np.asarray(tex_img).astype(np.float32) - 128) * 0.5
    base += rng.normal(0, 8, (h, w, 3))
    return Image.fromarray(base.clip(0, 255).astype(np.uint8))


def make_sources(folder: Path, n: int, w: int, h: int, fmt: str) -> list[str]:
    paths = []
    for i in range(n):
        p = folder / f"{w}x{h}-{i}.{fmt}"
        img = realistic(w, h, i)
        if fmt == "jpg":
            img.save(p, quality=90)
        else:
            img.save(p)
        paths.append(str(p))
    return paths


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def kernel(work: Path) -> None:
    print("## thumbnails (kernel, Pillow)")
    sets = {
        "640x480 JPEG": make_sources(work, 100, 640, 480, "jpg"),
        "1920x1080 JPEG": make_sources(work, 40, 1920, 1080, "jpg"),
        "256x256 PNG": make_sources(work, 50, 256, 256, "png"),
    }
    for label, paths in sets.items():
        items = [(str(i), p, 256) for i, p in enumerate(paths)]
        for workers in (1, None):
            cold = []
            for _ in range(3):
                cache = tempfile.mkdtemp(dir=work)
                _files.forget()
                t = time.perf_counter()
                out = thumbnails(items, cache_dir=cache, max_workers=workers)
                cold.append(time.perf_counter() - t)
            assert all("data" in r for r in out)
            dt = min(cold)
            name = "1 thread " if workers == 1 else "pool     "
            rate = len(items) / dt
            print(f"{label:15s} -> 256px, cold, {name}: {rate:7.0f} images/s ({1e3 / rate:5.1f} ms each)")
        cache = tempfile.mkdtemp(dir=work)
        thumbnails(items, cache_dir=cache)
        warm = timed(lambda: thumbnails(items, cache_dir=cache))  # noqa: B023
        _files.forget()
        t = time.perf_counter()
        thumbnails(items, cache_dir=cache)
        fresh = time.perf_counter() - t
        print(
            f"{label:15s} -> 256px, cached     : {len(items) / warm:7.0f} images/s "
            f"({warm / len(items) * 1e3:5.2f} ms each); new process (re-hash + read): "
            f"{fresh / len(items) * 1e3:5.2f} ms each"
        )

    print("\n## payload of a 50-row page")
    for label, paths in (("256x256 PNG", sets["256x256 PNG"]), ("640x480 JPEG", sets["640x480 JPEG"][:50])):
        for size in (96, 128, 192, 256):
            out = thumbnails(
                [(str(i), p, size) for i, p in enumerate(paths[:50])], cache_dir=tempfile.mkdtemp(dir=work)
            )
            total = sum(len(r["data"]) for r in out)
            mimes = Counter(r["mime"].split("/")[1] for r in out)
            print(
                f"{label:13s} at {size:3d}px: {total / 1024:7.1f} KiB for 50 ({total / 50 / 1024:5.1f} KiB each; "
                f"{', '.join(f'{k} {v}' for k, v in sorted(mimes.items()))})"
            )

    print("\n## mask PNGs (8-bit class ids)")
    for w, h in ((256, 256), (640, 480), (1920, 1080)):
        paths = []
        for i in range(50):
            ids = np.zeros((h, w), np.uint8)
            yy, xx = np.mgrid[0:h, 0:w]
            rng = np.random.default_rng(i)
            for c in range(1, 6):
                cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(w / 20, w / 5)
                ids[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = c
            p = work / f"mask-{w}-{i}.png"
            Image.fromarray(ids).save(p)
            paths.append(str(p))
        items = [(str(i), p) for i, p in enumerate(paths)]
        dt = timed(lambda: masks(items))  # noqa: B023
        total = sum(len(r["data"]) for r in masks(items))
        print(f"50 masks {w}x{h}: {dt * 1e3:6.1f} ms, {total / 1024:7.1f} KiB")


# ----------------------------------------------------------------------------- browser

BROWSER_SCENE = """
async ({n, size, w, h}) => {
  const store = { images: new Map(), masks: new Map() };
  const classes = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `class ${i + 1}` }));
  const images = [];
  for (let i = 0; i < n; i++) {
    store.images.set(`k${i}`, await fake.makeImageBlob(w, h, i + 1));
    const m = fake.makeMask(w, h, 1 + (i % 8));
    store.masks.set(`m${i}`, m);
    const box = (j, layer) => ({
      minX: 0.05 + 0.08 * j, maxX: 0.2 + 0.08 * j, minY: 0.1 + 0.05 * j, maxY: 0.5 + 0.04 * j,
      class_id: 1 + ((i + j) % 10), ...(layer === "predictions" ? { scores: { conf: (j + 1) / 6 } } : {}) });
    images.push({ key: `k${i}`, width: w, height: h, caption: `image ${i}`, classes,
      boxes: { ground_truth: [0, 1, 2, 3, 4].map((j) => box(j, "ground_truth")),
               predictions: [0, 1, 2, 3, 4].map((j) => box(j + 0.5, "predictions")) },
      masks: { ground_truth: `m${i}` } });
  }
  const model = fake.fakeModel({ overlay: {} });
  const ctx = fake.fakeCtx(store, model);
  model.on("change:overlay", () => media.onOverlayChange(ctx));
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const t = document.getElementById("t");
  media.renderMediaControls(document.getElementById("controls"), [], ctx);
  const t0 = performance.now();
  for (const im of images) media.renderImageCell(t.insertRow().insertCell(), im, ctx, { size });
  const frames = () => [...document.querySelectorAll('[data-role="image-frame"]')];
  const done = () => frames().filter((f) => f.dataset.masks === "1").length === n;
  while (!done()) await new Promise((r) => setTimeout(r, 1));
  const tDrawn = performance.now();
  await frame();
  const tPainted = performance.now();
  await new Promise((r) => setTimeout(r, 100));  // legend built
  const toggle = document.querySelector('[data-role="class-toggle"][data-layer="ground_truth"]');
  const times = [];
  for (let k = 0; k < 6; k++) {
    const a = performance.now();
    toggle.click();
    await Promise.resolve(); await Promise.resolve();
    const b = performance.now();
    await frame();
    times.push([b - a, performance.now() - a]);
  }
  const op = document.querySelector('[data-role="mask-opacity"]');
  const opTimes = [];
  for (let k = 0; k < 6; k++) {
    const a = performance.now();
    op.value = String(0.2 + k * 0.1);
    op.dispatchEvent(new Event("input"));
    await Promise.resolve(); await Promise.resolve();
    opTimes.push(performance.now() - a);
  }
  op.dispatchEvent(new Event("change"));
  return { drawn: tDrawn - t0, painted: tPainted - t0, toggle: times, opacity: opTimes };
}
"""


def browser(work: Path) -> None:
    esbuild = ROOT / "node_modules" / ".bin" / "esbuild"
    chromium = "/usr/bin/chromium"
    if not esbuild.exists() or not Path(chromium).exists():
        print("\n(browser part skipped: needs node_modules (npm install) and /usr/bin/chromium)")
        return
    from playwright.sync_api import sync_playwright

    site = work / "site"
    subprocess.run(
        [
            str(esbuild),
            str(ROOT / "js/media/index.js"),
            "--bundle",
            "--format=esm",
            "--minify",
            f"--outdir={site / 'bundle'}",
        ],
        check=True,
        capture_output=True,
    )
    shutil.copy(ROOT / "tests/media/browser/page.html", site / "index.html")
    shutil.copy(ROOT / "tests/media/browser/fake_ctx.js", site / "fake_ctx.js")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    print("\n## browser: js/media in headless Chromium (fake media context, no kernel)")
    print("50 images 640x480, each 10 boxes in two layers + a 640x480 mask; 'data arrived' = encoded bytes in hand")
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            for dpr, size in ((1, 96), (2, 96), (1, 256)):
                runs = []
                for _ in range(3):
                    ctx = b.new_context(viewport={"width": 1200, "height": 900}, device_scale_factor=dpr)
                    pg = ctx.new_page()
                    pg.goto(url)
                    pg.wait_for_function("window.ready === true")
                    runs.append(pg.evaluate(BROWSER_SCENE, {"n": 50, "size": size, "w": 640, "h": 480}))
                    ctx.close()
                drawn = statistics.median(r["drawn"] for r in runs)
                painted = statistics.median(r["painted"] for r in runs)
                toggles = [t for r in runs for t in r["toggle"]]
                redraw = statistics.median(t[0] for t in toggles)
                to_frame = statistics.median(t[1] for t in toggles)
                opacity = statistics.median(t for r in runs for t in r["opacity"])
                print(
                    f"{size}px cells, dpr {dpr}: page rendered {drawn:6.1f} ms (on screen {painted:6.1f} ms); "
                    f"class toggle redraw {redraw:5.1f} ms (next frame {to_frame:5.1f} ms); "
                    f"opacity drag step {opacity:5.1f} ms"
                )
            b.close()
    finally:
        server.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--browser", action="store_true", help="also time js/media in headless Chromium")
    ap.add_argument("--browser-only", action="store_true", help="only the browser part")
    args = ap.parse_args()
    print(f"# media benchmark — {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    import PIL

    print(f"Pillow {PIL.__version__}\n")
    with tempfile.TemporaryDirectory(prefix="tablelens-media-bench-") as tmp:
        work = Path(tmp)
        if not args.browser_only:
            kernel(work)
        if args.browser or args.browser_only:
            browser(work)


if __name__ == "__main__":
    main()
