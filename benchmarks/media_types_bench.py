"""Audio and video pages in the Explorer, end to end: a real JupyterLab, a real kernel, headless Chromium (the
browser tests' harness).

Measures, for a page of 50 audio cells (5 s clips, 16 kHz WAV) and a page of 50 video cells (2 s, 320x240, 15 fps
mp4):
  - from the moment the page's rows arrive to every waveform (or poster) on screen, with cold previews (made by the
    kernel: peaks read from the WAV, the first frame decoded) and warm (the on-disk cache of a second Explorer);
  - the size of the one `waveforms` (or `thumbs`) answer;
and, in the same run and page, a hand-written baseline: the browser doing it alone from the original files
(fetched from the Jupyter server's /files/ URL): `AudioContext.decodeAudioData` of each WAV and its peaks drawn on a
canvas, or a `<video preload=auto>` per file until its first frame can be drawn.

Prints figures; never passes or fails on a time. Run: `python benchmarks/media_types_bench.py`.
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
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402

__all__ = ["main"]

N = 50


def build(store: Path, files: Path) -> None:
    """`benchaudio` and `benchvideo` (50 rows each); the same files under `files/` for the baseline."""
    import tablelens as tl

    rng = np.random.default_rng(0)
    sr = 16000
    audio, video = [], []
    files.mkdir(parents=True, exist_ok=True)
    for i in range(N):
        t = np.linspace(0, 5, 5 * sr, endpoint=False)
        env = np.abs(np.sin(t * (0.5 + i / 20)))  # each clip swells differently
        clip = (np.sin(2 * np.pi * (200 + 10 * i) * t) * env * 0.7 + rng.normal(0, 0.02, t.size)).astype(np.float32)
        a = tl.Audio(clip, sample_rate=sr, caption=f"clip {i}")
        (files / f"a{i}.wav").write_bytes(a.read_bytes())
        audio.append([i, a])
        frames = np.zeros((30, 3, 240, 320), np.uint8)
        x = np.arange(320)[None, :]
        for f in range(30):
            frames[f, 0] = ((x + 8 * f + 13 * i) % 320 * 255 // 320).astype(np.uint8)
            frames[f, 1] = (i * 5) % 255
            frames[f, 2] = np.arange(240)[:, None] * 255 // 240
        v = tl.Video(frames, fps=15, format="mp4", caption=f"video {i}")
        (files / f"v{i}.mp4").write_bytes(v.read_bytes())
        video.append([i, v])
    run = tl.init(project="bench", job_type="media-types-bench", dir=str(store))
    for name, rows, col in (("benchaudio", audio, "audio"), ("benchvideo", video, "video")):
        art = tl.Artifact(name, type="dataset")
        art.add(tl.Table(columns=["id", col], data=rows), "cells")
        run.log_artifact(art)
    run.finish()


def measure_page(nb: harness.NotebookPage, cell: int, kind: str, label: str, frames: list[dict[str, Any]],
                 out: dict[str, Any]) -> None:
    """Run the Explorer cell; time from its rows arriving to 50 `kind` cells ready (waveform or poster drawn)."""
    page = nb.page
    seen = len(frames)
    page.evaluate(
        """([cell, kind]) => {
            window.__tl_m = {};
            const node = window.jupyterapp.shell.currentWidget.content.widgets[cell].node;
            const tick = () => {
              const t = performance.now();
              const rows = node.querySelectorAll('[data-role=explorer] [data-role=row]');
              if (rows.length && !window.__tl_m.rows) window.__tl_m.rows = t;
              const ready = node.querySelectorAll(`[data-role=media][data-kind=${kind}][data-state=ready]`).length;
              const failed = node.querySelectorAll('[data-role=media][data-state=error]').length;
              if (failed) { window.__tl_m.failed = failed; return; }
              if (rows.length === 50 && ready === 50) {
                requestAnimationFrame(() => { window.__tl_m.done = performance.now(); });
                return;
              }
              requestAnimationFrame(tick);
            };
            window.__tl_m.start = performance.now();
            requestAnimationFrame(tick);
        }""", [cell, kind])
    nb.run_cell(cell)
    page.wait_for_function("() => window.__tl_m.done || window.__tl_m.failed", timeout=300_000)
    t = page.evaluate("() => window.__tl_m")
    if t.get("failed"):
        raise RuntimeError(f"{t['failed']} {kind} cells failed to draw")
    out[f"{kind}: 50 cells on screen after the rows arrived, {label} (s)"] = (t["done"] - t["rows"]) / 1000
    answer = "waveforms" if kind == "audio" else "thumbs"
    sizes = [f["size"] for f in frames[seen:] if f["kind"] == answer]
    if sizes:
        out[f"{kind}: the {answer} answer, {label} (KB)"] = max(sizes) / 1000


def baseline_audio(nb: harness.NotebookPage, out: dict[str, Any]) -> None:
    """The browser alone: fetch each WAV, decode it, reduce it to 240 peaks and draw them (medians of 3 runs)."""
    runs = []
    for _ in range(3):
        ms = nb.page.evaluate(
            """async (n) => {
                const t0 = performance.now();
                const ctx = new OfflineAudioContext(1, 1, 16000);
                await Promise.all(Array.from({length: n}, async (_, i) => {
                  const buf = await (await fetch(`/files/media_files/a${i}.wav?x=${Math.random()}`)).arrayBuffer();
                  const audio = await ctx.decodeAudioData(buf);
                  const data = audio.getChannelData(0), bins = 240, per = Math.ceil(data.length / bins);
                  const c = document.createElement('canvas'); c.width = bins; c.height = 40;
                  const g = c.getContext('2d');
                  for (let b = 0; b < bins; b++) {
                    let lo = 1, hi = -1;
                    for (let k = b * per; k < Math.min(data.length, (b + 1) * per); k++) {
                      const v = data[k]; if (v < lo) lo = v; if (v > hi) hi = v;
                    }
                    g.fillRect(b, 20 - hi * 20, 1, Math.max(1, (hi - lo) * 20));
                  }
                }));
                await new Promise((r) => requestAnimationFrame(r));
                return performance.now() - t0;
            }""", N)
        runs.append(ms / 1000)
    out["audio baseline: the browser fetches, decodes and draws 50 WAVs itself (s)"] = statistics.median(runs)


def baseline_video(nb: harness.NotebookPage, out: dict[str, Any]) -> None:
    """The browser alone: a <video preload=auto> per mp4 until its first frame is drawn on a canvas."""
    runs = []
    for _ in range(3):
        ms = nb.page.evaluate(
            """async (n) => {
                const t0 = performance.now();
                const host = document.createElement('div'); document.body.append(host);
                await Promise.all(Array.from({length: n}, (_, i) => new Promise((resolve, reject) => {
                  const v = document.createElement('video');
                  v.muted = true; v.preload = 'auto'; v.width = 96;
                  v.onloadeddata = () => {
                    const c = document.createElement('canvas'); c.width = 96; c.height = 72;
                    c.getContext('2d').drawImage(v, 0, 0, 96, 72); resolve();
                  };
                  v.onerror = () => reject(new Error('video ' + i));
                  v.src = `/files/media_files/v${i}.mp4?x=${Math.random()}`;
                  host.append(v);
                })));
                await new Promise((r) => requestAnimationFrame(r));
                host.remove();
                return performance.now() - t0;
            }""", N)
        runs.append(ms / 1000)
    out["video baseline: the browser loads 50 mp4s itself until each shows its first frame (s)"] = \
        statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "media-types")
    ap.add_argument("--fresh", action="store_true", help="regenerate the data")
    args = ap.parse_args()
    store, files = args.data / "store", args.data / "files"
    if args.fresh and args.data.exists():
        shutil.rmtree(args.data)
    if not (args.data / "done").exists():
        t0 = time.perf_counter()
        build(store, files)
        (args.data / "done").write_text("1")
        print(f"generated 50 clips and 50 videos in {time.perf_counter() - t0:.1f} s")
    root = Path(tempfile.mkdtemp(prefix="tablelens-media-bench-"))
    shutil.copytree(files, root / "media_files")
    cache = root / "cache"  # cold previews for the first Explorer of each kind
    cells = [
        "import tablelens as tl\nimport tablelens.explorer, tablelens.query  # the kernel is warm",
        "a = tl.Explorer('benchaudio:v0')\na",
        "a2 = tl.Explorer('benchaudio:v0')\na2",
        "v = tl.Explorer('benchvideo:v0')\nv",
        "v2 = tl.Explorer('benchvideo:v0')\nv2",
    ]
    harness.write_notebook(root / "bench.ipynb", cells)
    out: dict[str, Any] = {}
    env = {"TABLELENS_DIR": str(store), "TABLELENS_CACHE": str(cache)}
    try:
        with harness.lab_session(root, env) as (lab, _pw, browser):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            page = context.new_page()
            frames: list[dict[str, Any]] = []

            def on_ws(ws: Any) -> None:
                def got(payload: Any) -> None:
                    binary = isinstance(payload, (bytes, bytearray))
                    text = bytes(payload[:4096]).decode("utf-8", "replace") if binary else payload[:4096]
                    m = re.search(r'"type": ?"(rows|thumbs|waveforms|media)"', text)
                    frames.append({"size": len(payload), "kind": m.group(1) if m else None})

                ws.on("framereceived", got)

            page.on("websocket", on_ws)
            nb = harness.NotebookPage(page, lab, "bench.ipynb").open(timeout=120_000)
            nb.run_cell(0)
            nb.wait_idle(120_000)
            for i, (kind, label) in enumerate([("audio", "cold"), ("audio", "warm"), ("video", "cold"),
                                               ("video", "warm")]):
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
                page.wait_for_timeout(500)
                measure_page(nb, i + 1, kind, label, frames, out)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            baseline_audio(nb, out)
            baseline_video(nb, out)
            wav = sum(p.stat().st_size for p in files.glob("a*.wav")) / 1000
            mp4 = sum(p.stat().st_size for p in files.glob("v*.mp4")) / 1000
            out["the 50 WAV files (KB)"] = wav
            out["the 50 mp4 files (KB)"] = mp4
            context.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v:.3f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
