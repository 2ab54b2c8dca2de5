"""Logging image cells made from file paths: 100,000 `Image(path, boxes=...)` cells over a set of JPEG files.

Prints figures; never passes or fails on a time. Usage:
`python benchmarks/path_images_bench.py [--cells 100000] [--files 1000] [--boxes 10] [--profile]`

A dataset names its image files from many rows (one row per image per split, per model, per crop), so the cells
share files: each distinct file must be read and hashed once per process, and every later cell that names it
costs a `stat`. Phases timed: building the cells (`tl.Image(path, boxes=...)`), `Table` + `Artifact.add` (the
media are hashed and staged, the Parquet table written) and `run.log_artifact` (files copied into the store).

Baseline in the same run, the least any store must do for these rows: sha256 of each distinct file once, plus
pyarrow writing the same rows (path, digest, width, height, boxes as list<struct>) to one Parquet file.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl

__all__ = ["main"]


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import PIL

    return (f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}, "
            f"pyarrow {pa.__version__}, Pillow {PIL.__version__}")


def make_files(folder: Path, n: int, w: int, h: int) -> list[str]:
    """n distinct JPEGs of w x h (smooth colour fields with noise; ~50 KB each at 640x480)."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        img = np.asarray(PILImage.fromarray(small).resize((w, h), PILImage.Resampling.BICUBIC)).astype(np.int16)
        img = (img + rng.normal(0, 6, img.shape)).clip(0, 255).astype(np.uint8)
        p = folder / f"img_{i:05d}.jpg"
        PILImage.fromarray(img).save(p, quality=85)
        paths.append(str(p))
    return paths


def make_boxes(rng: np.random.Generator, cells: int, per_cell: int) -> list[list[dict]]:
    xy = rng.uniform(0, 560, (cells, per_cell, 2))
    wh = rng.uniform(8, 80, (cells, per_cell, 2))
    cls = rng.integers(1, 9, (cells, per_cell))
    out = []
    for i in range(cells):
        out.append([{"position": {"minX": float(x), "maxX": float(x + w), "minY": float(y), "maxY": float(y + h)},
                     "domain": "pixel", "class_id": int(c)}
                    for (x, y), (w, h), c in zip(xy[i].tolist(), wh[i].tolist(), cls[i].tolist())])
    return out


def baseline(paths: list[str], cell_files: np.ndarray, boxes: list[list[dict]], out: str) -> float:
    """sha256 of each distinct file once + pyarrow writing the same rows."""
    t0 = time.perf_counter()
    digests = {}
    for p in paths:
        with open(p, "rb") as f:
            digests[p] = hashlib.sha256(f.read()).hexdigest()
    box_type = pa.list_(pa.struct([("minX", pa.float64()), ("maxX", pa.float64()), ("minY", pa.float64()),
                                   ("maxY", pa.float64()), ("class_id", pa.int64())]))
    names = [paths[j] for j in cell_files]
    flat = [{**b["position"], "class_id": b["class_id"]} for bs in boxes for b in bs]
    lens = np.array([len(bs) for bs in boxes])
    offsets = pa.array(np.concatenate([[0], np.cumsum(lens)]).astype(np.int32))
    table = pa.table({
        "path": pa.array(names), "digest": pa.array([digests[p] for p in names]),
        "width": pa.array(np.full(len(names), 0, np.int32)), "height": pa.array(np.full(len(names), 0, np.int32)),
        "boxes": pa.ListArray.from_arrays(offsets, pa.array(flat, box_type.value_type)),
    })
    pq.write_table(table, out)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=1_000)
    ap.add_argument("--boxes", type=int, default=10, help="boxes per cell")
    ap.add_argument("--size", default="640x480", help="pixel size of the files, WxH")
    ap.add_argument("--profile", action="store_true", help="print the top of a cProfile of add + log")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="tablelens-pathbench-"))
    try:
        (work / "images").mkdir()
        t0 = time.perf_counter()
        w, h = (int(v) for v in args.size.split("x"))
        paths = make_files(work / "images", args.files, w, h)
        print(f"{args.files:,} distinct {w}x{h} JPEG files made in {time.perf_counter() - t0:.1f} s "
              f"({sum(os.path.getsize(p) for p in paths) / 2**20:.0f} MiB)")
        rng = np.random.default_rng(1)
        cell_files = rng.integers(0, len(paths), args.cells)
        boxes = make_boxes(rng, args.cells, args.boxes)
        classes = tl.Classes([{"id": i, "name": f"class {i}"} for i in range(1, 9)])

        t_base = baseline(paths, cell_files, boxes, str(work / "baseline.parquet"))

        t0 = time.perf_counter()
        cells = [tl.Image(paths[j], classes=classes, boxes={"ground_truth": {"box_data": bs}})
                 for j, bs in zip(cell_files, boxes)]
        t_cells = time.perf_counter() - t0

        run = tl.init(dir=str(work / "store"), job_type="bench")
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        t0 = time.perf_counter()
        table = tl.Table(columns=["id", "image"], data=[[i, c] for i, c in enumerate(cells)])
        art = tl.Artifact("by-path", "dataset")
        art.add(table, "t")
        t_add = time.perf_counter() - t0
        t0 = time.perf_counter()
        run.log_artifact(art)
        t_log = time.perf_counter() - t0
        if prof:
            prof.disable()
        total = t_cells + t_add + t_log
        print(f"{args.cells:,} Image(path, boxes=...) cells over {args.files:,} files, {args.boxes} boxes each:")
        print(f"  build cells        {t_cells:7.2f} s")
        print(f"  Table + add        {t_add:7.2f} s")
        print(f"  log_artifact       {t_log:7.2f} s")
        print(f"  total              {total:7.2f} s  ({args.cells / total:,.0f} cells/s), "
              f"{art.bytes_written / 2**20:,.1f} MiB written")
        print(f"  baseline (sha256 of each file once + pyarrow writing the same rows): {t_base:.2f} s")
        back = run.use_artifact("by-path:latest").get("t")
        assert len(back) == args.cells
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
