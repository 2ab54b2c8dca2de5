"""Ingest benchmark: a 1M-row DataFrame, 10,000 images with boxes and masks, and a second version's new bytes.

Prints figures; never passes or fails on a time. Usage: python benchmarks/ingest_bench.py [--rows N] [--images N]
Baseline in the same run: pandas' own `to_parquet` of the same frame (the least any Parquet store must do).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": np.arange(rows),
        "label": rng.choice(["car", "road", "sky", "person"], rows),
        "split": rng.choice(["train", "val"], rows),
        **{f"score_{i}": rng.random(rows) for i in range(5)},
        "count": rng.integers(0, 100, rows),
        "flag": rng.random(rows) > 0.5,
    })


def bench_dataframe(rows: int, store: str) -> None:
    df = frame(rows)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        df.to_parquet(os.path.join(d, "x.parquet"))
        base = time.perf_counter() - t0
    run = tl.init(dir=store, job_type="bench")
    t0 = time.perf_counter()
    art = tl.Artifact("frame", "dataset")
    art.add(tl.Table(dataframe=df), "t")
    run.log_artifact(art)
    t_log = time.perf_counter() - t0
    t0 = time.perf_counter()
    back = run.use_artifact("frame:latest").get("t").to_pandas()
    t_open = time.perf_counter() - t0
    assert len(back) == rows
    print(f"DataFrame {rows:,} rows x {df.shape[1]} columns: log {t_log:.2f} s, open to pandas {t_open:.2f} s "
          f"(baseline pandas.to_parquet {base:.2f} s)")


def scene(rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    img[size // 2:] //= 2  # some structure, as photos have
    mask = np.zeros((size, size), dtype=np.uint8)
    boxes = []
    for k in range(10):
        x0, y0 = rng.random(2) * 0.7
        w, h = 0.1 + rng.random(2) * 0.2
        c = int(rng.integers(0, 5))
        mask[int(y0 * size):int((y0 + h) * size), int(x0 * size):int((x0 + w) * size)] = c
        boxes.append({"position": {"minX": x0, "maxX": x0 + w, "minY": y0, "maxY": y0 + h}, "class_id": c,
                      "scores": {"conf": float(rng.random())}, "box_caption": f"obj {k}"})
    return img, mask, boxes


def bench_images(n: int, store: str) -> None:
    rng = np.random.default_rng(1)
    classes = tl.Classes([{"id": i, "name": n_} for i, n_ in enumerate(["bg", "car", "road", "sky", "person"])])
    scenes = [scene(rng) for _ in range(n)]

    def table(items):
        t = tl.Table(columns=["id", "image"])
        for i, (img, mask, boxes) in enumerate(items):
            t.add_data(i, tl.Image(img, classes=classes, boxes={"ground_truth": {"box_data": boxes[:5]},
                                                               "predictions": {"box_data": boxes[5:]}},
                                   masks={"ground_truth": {"mask_data": mask}}))
        return t

    def log(t: tl.Table) -> tuple[tl.Artifact, float]:
        t0 = time.perf_counter()
        art = tl.Artifact("images", "dataset")
        art.add(t, "t")
        run.log_artifact(art)
        return art, time.perf_counter() - t0

    run = tl.init(dir=store, job_type="bench-images")
    art, dt = log(table(scenes))
    print(f"{n:,} images 256x256 with 10 boxes in 2 layers and a mask: {dt:.1f} s, {n / dt:,.0f} images/s "
          f"({os.cpu_count()} threads), {art.bytes_written / 2**20:,.1f} MiB written")

    # baseline: encoding the same PNGs serially with Pillow, no store at all
    import io

    from PIL import Image as PILImage

    t0 = time.perf_counter()
    for img, mask, _ in scenes[: min(n, 1000)]:
        PILImage.fromarray(img).save(io.BytesIO(), format="PNG", compress_level=3)
        PILImage.fromarray(mask).save(io.BytesIO(), format="PNG", compress_level=3)
    per = (time.perf_counter() - t0) / min(n, 1000)
    print(f"  baseline: Pillow PNG encoding alone, one thread: {1 / per:,.0f} images/s")

    changed = list(scenes)
    k = max(1, n // 20)
    for i in range(k):
        changed[i] = scene(rng)
    art2, dt2 = log(table(changed))
    print(f"second version with {k:,} of {n:,} images changed: {art2.bytes_written / 2**20:,.1f} MiB written "
          f"(first version: {art.bytes_written / 2**20:,.1f} MiB), add + log {dt2:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--images", type=int, default=10_000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    store = tempfile.mkdtemp(prefix="tablelens-bench-")
    try:
        bench_dataframe(args.rows, store)
        bench_images(args.images, store)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory: {peak:.2f} GB")


if __name__ == "__main__":
    main()
