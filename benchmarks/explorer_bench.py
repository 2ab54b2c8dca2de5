"""Explorer benchmark, end to end: a real JupyterLab, a real kernel, headless Chromium (the browser tests' harness).

Measures, on a generated 10,000,000-row table stored as an artifact:
  - first page on screen after running the cell `tl.Explorer("bench:v0")` (kernel started, tablelens imported);
  - a simple filter typed in the editor (Enter) until the new rows are drawn;
  - the JSON payload of a 50-row page (thumbnails excluded), as received by the browser's websocket;
  - grouping by a 20-value column (20 groups x 4 numeric columns as histograms) until the charts on screen are drawn;
and on a table of images (each with 10 boxes in two layers and a mask):
  - a page of 50 rows drawn with every overlay, counted from the moment its rows arrived;
  - toggling a class in the legend until every image on the page is redrawn.

Prints figures; never passes or fails on a time. Run: `python benchmarks/explorer_bench.py [--rows N]`.
Generated data is kept in benchmarks/data/ (gitignored) and reused by later runs.

At 100M rows: `--rows 100000000 --source parquet --no-media` writes the same table with DuckDB straight to one
Parquet file (streaming: building it in Python and logging it takes ~10 GB) and opens `tl.Explorer(path)`, under
tablelens's default DuckDB memory limit; the kernel's peak RSS is printed. `--source artifact` (the default)
logs the table into a store first, so the first page also pays the store's check of the table's bytes (a sha256
of the whole Parquet object, once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402

__all__ = ["main"]

GROUPS = [f"g{i:02d}" for i in range(20)]
FILTER = "{$gt: ['$a', 0.9]}"


# ------------------------------------------------------------------------------------------------ data
def build_rows_artifact(store: Path, rows: int) -> float:
    """`bench:v0`, table `predictions`: group (20 values), label (3 values), a, b, c, d (floats). Returns the
    fraction of rows with a > 0.9 (the filter's expected count / rows)."""
    import pyarrow as pa

    import tablelens as tl

    rng = np.random.default_rng(0)
    table = pa.table({
        "group": pa.DictionaryArray.from_arrays(rng.integers(0, 20, rows).astype(np.int32),
                                                pa.array(GROUPS)).cast(pa.string()),
        "label": pa.DictionaryArray.from_arrays(rng.integers(0, 3, rows).astype(np.int32),
                                                pa.array(["cat", "dog", "bird"])).cast(pa.string()),
        "a": rng.random(rows),
        "b": rng.normal(0, 1, rows),
        "c": rng.exponential(2.0, rows),
        "d": rng.random(rows) * 100,
    })
    run = tl.init(project="bench", job_type="explorer-bench", dir=str(store))
    art = tl.Artifact("bench", type="predictions")
    art.add(tl.Table.from_arrow(table), "predictions")
    run.log_artifact(art)
    run.finish()
    return int(np.count_nonzero(table.column("a").to_numpy() > 0.9))


def build_rows_parquet(path: Path, rows: int) -> int:
    """The same columns as `build_rows_artifact`, written by DuckDB to one Parquet file in row groups (never held
    in memory); returns how many rows the filter keeps."""
    import json as _json

    import duckdb

    meta = _json.dumps({"format": 1, "columns": [{"name": n, "kind": k} for n, k in (
        ("group", "str"), ("label", "str"), ("a", "float"), ("b", "float"), ("c", "float"), ("d", "float"))]})
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SELECT setseed(0.5)")
    groups = ", ".join(f"'{g}'" for g in GROUPS)
    tmp = path.with_suffix(".tmp")
    con.execute(f"""COPY (SELECT [{groups}][1 + (hash(i) % 20)::INTEGER] AS "group",
                                 ['cat', 'dog', 'bird'][1 + (hash(i + 1) % 3)::INTEGER] AS label,
                                 random() AS a, random() * 2 - 1 AS b, -2 * ln(1 - random()) AS c,
                                 random() * 100 AS d
                          FROM range({rows}) t(i))
                    TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 122880,
                                KV_METADATA {{tablelens: '{meta.replace("'", "''")}'}})""")
    os.replace(tmp, path)
    return int(con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE a > 0.9").fetchone()[0])


def _photo(w: int, h: int, seed: int) -> np.ndarray:
    """Photo-like pixels: a smooth colour field, a few discs and sensor noise (compresses like a photo)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for ch in range(3):
        fx, fy, ph = [*rng.uniform(0.002, 0.02, 2).tolist(), rng.uniform(0, 6.28)]
        img[..., ch] = 128 + 80 * np.sin(x * fx + y * fy + ph)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 80)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 8, img.shape)
    return img.clip(0, 255).astype(np.uint8)


def build_media_artifact(store: Path, n: int = 200, w: int = 640, h: int = 480) -> None:
    """`benchmedia:v0`, table `images`: n JPEG photos, 5 boxes in each of two layers (scores on one), a mask."""
    import io

    from PIL import Image as PILImage

    import tablelens as tl

    classes = tl.Classes([{"id": i, "name": f"class {i}"} for i in range(1, 9)])
    rng = np.random.default_rng(1)
    tmp = store.parent / "bench-images"
    tmp.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        path = tmp / f"{i}.jpg"
        if not path.exists():
            buf = io.BytesIO()
            PILImage.fromarray(_photo(w, h, i)).save(buf, format="JPEG", quality=85)
            path.write_bytes(buf.getvalue())
        mask = np.zeros((h, w), np.uint8)
        for k in range(1, 4):
            x0, y0 = int(rng.integers(0, w - 100)), int(rng.integers(0, h - 100))
            mask[y0:y0 + 100, x0:x0 + 100] = k

        def boxes(with_scores: bool) -> list[dict[str, Any]]:
            out = []
            for _ in range(5):
                x0, y0 = rng.uniform(0, 0.7, 2)
                bw, bh = rng.uniform(0.1, 0.3, 2)
                box: dict[str, Any] = {"position": {"minX": x0, "maxX": x0 + bw, "minY": y0, "maxY": y0 + bh},
                                       "class_id": int(rng.integers(1, 9))}
                if with_scores:
                    box["scores"] = {"conf": float(rng.random())}
                out.append(box)
            return out

        img = tl.Image(str(path), classes=classes, caption=f"image {i}",
                       boxes={"ground_truth": {"box_data": boxes(False)}, "predictions": {"box_data": boxes(True)}},
                       masks={"segmentation": {"mask_data": mask}})
        rows.append([i, img])
    run = tl.init(project="bench", job_type="explorer-bench", dir=str(store))
    art = tl.Artifact("benchmedia", type="dataset")
    art.add(tl.Table(columns=["id", "image"], data=rows), "images")
    run.log_artifact(art)
    run.finish()


# ------------------------------------------------------------------------------------------- measuring
def _mark(page: Any) -> None:
    page.evaluate("() => { window.__tl_t0 = performance.now(); }")


def _since(page: Any) -> float:
    return float(page.evaluate("() => performance.now() - window.__tl_t0")) / 1000


_GROUP_WATCH = """() => {
    window.__tl_group = {start: performance.now()};
    const r = document.querySelector('[data-role=explorer]');
    const tick = () => {
      const t = performance.now();
      const c = r.querySelector('[data-role=row-count]');
      const n = r.querySelectorAll('[data-role=row]').length;
      if (Number(c.dataset.count) === 20 && n === 20 && r.dataset.mode === 'groups') {
        if (!window.__tl_group.rows) window.__tl_group.rows = t;
        const box = r.querySelector('.tl-scroller').getBoundingClientRect();
        const seen = [...r.querySelectorAll('[data-role=histogram]')].filter((e) => {
          const b = e.getBoundingClientRect();
          return b.width > 0 && b.bottom > Math.max(0, box.top) && b.top < Math.min(innerHeight, box.bottom)
                 && b.right > box.left && b.left < box.right; });
        if (seen.length > 0 && seen.every((e) => e.dataset.drawn)) { window.__tl_group.done = t; return; }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


def measure_rows(nb: harness.NotebookPage, rows: int, expected_filter: int, frames: list[dict[str, Any]],
                 out: dict[str, Any]) -> None:
    page = nb.page
    # first page: from running the cell to 50 rows on screen
    _mark(page)
    nb.run_cell(1)
    page.wait_for_function(
        """(n) => { const r = document.querySelector('[data-role=explorer]');
                   const c = r && r.querySelector('[data-role=row-count]');
                   return c && Number(c.dataset.count) === n && r.querySelectorAll('[data-role=row]').length === 50;
                 }""", arg=rows, timeout=300_000, polling="raf")
    out["first page (s)"] = _since(page)
    rows_frames = [f for f in frames if f["kind"] == "rows"]
    if rows_frames:
        out["page payload, 50 rows (KB)"] = rows_frames[-1]["size"] / 1000
    # a simple filter, typed and applied with Enter, until the rows are redrawn
    editor = page.locator("[data-role=explorer] [data-role=filter]")
    editor.fill(FILTER)
    times = []
    for i in range(3):
        if i:
            editor.fill("")
            editor.press("Enter")
            nb.wait_row_count(rows, timeout=120_000)
            editor.fill(FILTER)
        _mark(page)
        editor.press("Enter")
        page.wait_for_function(
            """(n) => { const r = document.querySelector('[data-role=explorer]');
                       const c = r.querySelector('[data-role=row-count]');
                       const a = r.querySelector('[data-role=row] [data-column=a]');
                       return Number(c.dataset.count) === n && a && Number(a.innerText) > 0.9;
                     }""", arg=expected_filter, timeout=120_000, polling="raf")
        times.append(_since(page))
    out["filter applied and redrawn (s)"] = statistics.median(times)
    out["filter runs (s)"] = [round(t, 3) for t in times]
    # grouping: 20 groups x 4 numeric columns, until every histogram on screen is drawn; the first time loads
    # plotly.js into the page (once per page), the second time it is there already
    for label in ("first grouping, plotly loaded on the way", "again, plotly already loaded"):
        editor.fill("")
        editor.press("Enter")
        group = page.locator("[data-role=explorer] [data-role=group-by]")
        group.select_option("")
        nb.wait_row_count(rows, timeout=120_000)
        page.evaluate(_GROUP_WATCH)
        group.select_option("group")
        page.wait_for_function("() => window.__tl_group.done", timeout=300_000)
        t = page.evaluate("() => window.__tl_group")
        out[f"grouped page drawn, {label} (s)"] = (t["done"] - t["start"]) / 1000
        out[f"  of which: groups on screen (s), {label}"] = (t["rows"] - t["start"]) / 1000
    out["charts drawn on screen"] = page.evaluate(
        "() => document.querySelectorAll('[data-role=explorer] [data-role=histogram][data-drawn]').length")
    out["charts drawn with"] = page.evaluate(
        "() => [...new Set([...document.querySelectorAll('[data-role=histogram][data-drawn]')]"
        ".map(e => e.dataset.drawn))].join(',')")


def measure_media(nb: harness.NotebookPage, cell: int, label: str, frames: list[dict[str, Any]],
                  out: dict[str, Any]) -> None:
    page = nb.page
    seen = len(frames)
    # a script in the page notes when the rows arrive and when every overlay is drawn
    page.evaluate(
        """(cell) => {
            window.__tl_media = {};
            const out = window.jupyterapp.shell.currentWidget.content.widgets[cell].node;
            const tick = () => {
              const t = performance.now();
              const rows = out.querySelectorAll('[data-role=explorer] [data-role=row]');
              if (rows.length && !window.__tl_media.rows) window.__tl_media.rows = t;
              const frames = [...rows].map((r) => r.querySelector('[data-role=image-frame]'));
              const drawn = (f) => f && f.closest('[data-role=image]').dataset.state === 'ready'
                                   && f.dataset.masks === '1' && Number(f.dataset.boxes) === 10;
              if (rows.length === 50 && frames.every(drawn)) {
                window.__tl_media.done = t;
                return;
              }
              requestAnimationFrame(tick);
            };
            window.__tl_media.start = performance.now();
            requestAnimationFrame(tick);
        }""", cell)
    nb.run_cell(cell)
    page.wait_for_function("() => window.__tl_media.done", timeout=300_000)
    t = page.evaluate("() => window.__tl_media")
    out[f"50 images drawn after rows arrived, {label} (s)"] = (t["done"] - t["rows"]) / 1000
    out[f"50 images: cell run to all drawn, {label} (s)"] = (t["done"] - t["start"]) / 1000
    for kind in ("rows", "thumbs", "masks"):
        sizes = [f["size"] for f in frames[seen:] if f["kind"] == kind]
        if sizes:
            out[f"50 images: {kind} payload, largest of {len(sizes)} message(s) (KB)"] = max(sizes) / 1000


def measure_toggle(nb: harness.NotebookPage, cell: int, out: dict[str, Any]) -> None:
    """Click a class of the predictions layer in the legend; time until the images showing it are redrawn and
    the next frame is painted."""
    times = []
    for _ in range(6):
        ms = nb.page.evaluate(
            """(cell) => new Promise((resolve, reject) => {
                const out = window.jupyterapp.shell.currentWidget.content.widgets[cell].node;
                const btn = out.querySelector('[data-role=class-toggle][data-layer=predictions]');
                const frames = [...out.querySelectorAll('[data-role=row] [data-role=image-frame]')];
                const before = frames.map((f) => f.dataset.boxes);
                const t0 = performance.now();
                btn.click();
                const check = () => {
                  const changed = frames.filter((f, i) => f.dataset.boxes !== before[i]).length;
                  if (changed > 0) requestAnimationFrame(() => resolve(performance.now() - t0));
                  else if (performance.now() - t0 > 5000) reject(new Error('no image was redrawn'));
                  else requestAnimationFrame(check);
                };
                check();
            })""", cell)
        times.append(ms)
    out["class toggle: redrawn and painted (ms)"] = statistics.median(times)
    out["class toggle runs (ms)"] = [round(t, 1) for t in times]


# ------------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "explorer")
    ap.add_argument("--fresh", action="store_true", help="regenerate the data")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--source", choices=["artifact", "parquet"], default="artifact",
                    help="the rows table logged in a store (default) or one Parquet file written by DuckDB")
    ap.add_argument("--no-media", action="store_true", help="skip the table of images")
    args = ap.parse_args()

    data = args.data / f"rows-{args.rows}" if args.source == "artifact" else args.data / f"parquet-{args.rows}"
    store = data / "store"
    meta_path = data / "meta.json"
    table_path = data / "predictions.parquet"
    if args.fresh and data.exists():
        shutil.rmtree(data)
    if not meta_path.exists():
        data.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        expected = build_rows_artifact(store, args.rows) if args.source == "artifact" else \
            build_rows_parquet(table_path, args.rows)
        t1 = time.perf_counter()
        print(f"generated {args.rows:,} rows in {t1 - t0:.1f} s")
        meta_path.write_text(json.dumps({"expected_filter": expected}))
    if not args.no_media and not (store / ".media-built").exists():
        t1 = time.perf_counter()
        build_media_artifact(store)
        (store / ".media-built").write_text("")
        print(f"generated 200 images in {time.perf_counter() - t1:.1f} s")
    expected = json.loads(meta_path.read_text())["expected_filter"]

    root = data / "lab"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    cache = data / "thumb-cache"
    if cache.exists():
        shutil.rmtree(cache)  # cold thumbnails for the first media page
    cells = [
        "import tablelens as tl\nimport tablelens.explorer, tablelens.query  # the kernel is warm",
        "ex = tl.Explorer('bench:v0')\nex" if args.source == "artifact" else
        f"ex = tl.Explorer({str(table_path)!r})\nex",
        "media = tl.Explorer('benchmedia:v0')\nmedia",
        "media2 = tl.Explorer('benchmedia:v0')\nmedia2",
        "import resource\nfrom tablelens.query import _exec\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
        "_exec._settings.memory_limit or _exec._default_limit())",
    ]
    harness.write_notebook(root / "bench.ipynb", cells)
    out: dict[str, Any] = {"rows": args.rows}
    env = {"TABLELENS_DIR": str(store), "TABLELENS_CACHE": str(cache)}
    with harness.lab_session(root, env) as (lab, _pw, browser):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        page = context.new_page()
        frames: list[dict[str, Any]] = []

        def on_ws(ws: Any) -> None:
            def got(payload: Any) -> None:
                binary = isinstance(payload, (bytes, bytearray))
                text = bytes(payload).decode("utf-8", "replace") if binary else payload
                if '"msg_type": "comm_msg"' in text or '"msg_type":"comm_msg"' in text:
                    m = re.search(r'"type": ?"(rows|thumbs|masks|asset)"', text)
                    frames.append({"size": len(payload), "kind": m.group(1) if m else None})

            ws.on("framereceived", got)

        page.on("websocket", on_ws)
        nb = harness.NotebookPage(page, lab, "bench.ipynb").open(timeout=120_000)
        t0 = time.perf_counter()
        nb.run_cell(0)
        nb.wait_idle(120_000)
        out["import tablelens + query engine + widget in the kernel (s)"] = time.perf_counter() - t0
        measure_rows(nb, args.rows, expected, frames, out)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_timeout(500)
        if not args.no_media:
            measure_media(nb, 2, "cold thumbnails", frames, out)
            measure_toggle(nb, 2, out)
            measure_media(nb, 3, "warm thumbnails", frames, out)
        nb.run_cell(4)  # what the kernel used: its peak RSS and DuckDB's memory limit
        nb.wait_idle(60_000)
        peak, limit = nb.cell_output_text(4).split()[-2:]
        out["kernel peak RSS (MiB)"] = float(peak)
        out["DuckDB memory limit"] = limit
        out["load average (1 min) at the end"] = os.getloadavg()[0]
        context.close()

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    width = max(len(k) for k in out)
    for k, v in out.items():
        shown = f"{v:.3f}" if isinstance(v, float) else str(v)
        print(f"{k:<{width}}  {shown}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
