"""`Table.from_coco` on a generated COCO file of 100,000 images and 1,000,000 annotations.

Prints figures; never passes or fails on a time. Usage:
`python benchmarks/coco_bench.py [--images 100000] [--boxes 1000000] [--no-segmentation] [--log]`

Each annotation has a bbox, an area and (unless --no-segmentation) an 8-point polygon, as COCO's instance files
do. The image files are hard links to a few small PNGs (`from_coco` checks that each exists; it reads none). Baseline
in the same run: `pycocotools.coco.COCO(path)` loading the same file (its JSON parse and index), the reference
every COCO tool starts from. With --log, the table is also logged into an artifact (masks painted and written).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl

__all__ = ["main"]


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def generate(folder: Path, n_images: int, n_boxes: int, segmentation: bool) -> Path:
    images_dir = folder / "images"
    images_dir.mkdir()
    for i in range(n_images):
        source = folder / f"source-{i // 50_000}.png"  # a file takes at most ~65,000 hard links
        if i % 50_000 == 0:
            PILImage.new("RGB", (640, 480), (90, 120, i % 250)).save(source)
        os.link(source, images_dir / f"{i:012d}.png")
    rng = np.random.default_rng(0)
    image_of = np.sort(rng.integers(0, n_images, n_boxes))
    xy = np.round(rng.uniform(0, 500, (n_boxes, 2)), 2)
    wh = np.round(rng.uniform(4, 140, (n_boxes, 2)), 2)
    cats = rng.integers(1, 81, n_boxes)
    anns = []
    for j, (k, (x, y), (w, h), c) in enumerate(zip(image_of.tolist(), xy.tolist(), wh.tolist(), cats.tolist())):
        ann = {"id": j + 1, "image_id": k, "category_id": c, "bbox": [x, y, w, h], "area": round(w * h * 0.7, 2),
               "iscrowd": 0}
        if segmentation:
            ann["segmentation"] = [[x, y, round(x + w / 2, 2), y, round(x + w, 2), round(y + h / 2, 2),
                                    round(x + w, 2), round(y + h, 2), round(x + w / 2, 2), round(y + h, 2), x,
                                    round(y + h, 2), x, round(y + h / 2, 2), round(x + w / 4, 2), y]]
        anns.append(ann)
    data = {"images": [{"id": i, "file_name": f"{i:012d}.png", "width": 640, "height": 480}
                       for i in range(n_images)],
            "annotations": anns,
            "categories": [{"id": c, "name": f"class {c}", "supercategory": "thing"} for c in range(1, 81)]}
    path = folder / "instances.json"
    path.write_text(json.dumps(data))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--boxes", type=int, default=1_000_000)
    ap.add_argument("--no-segmentation", action="store_true")
    ap.add_argument("--log", action="store_true", help="also log the table into an artifact")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="tablelens-cocobench-"))
    try:
        t0 = time.perf_counter()
        path = generate(work, args.images, args.boxes, not args.no_segmentation)
        print(f"generated {args.images:,} images, {args.boxes:,} annotations "
              f"({'with' if not args.no_segmentation else 'without'} polygons): "
              f"{path.stat().st_size / 2**20:,.0f} MiB of JSON in {time.perf_counter() - t0:.1f} s")

        from pycocotools.coco import COCO

        gc.collect()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(str(path))
        t_coco = time.perf_counter() - t0
        n_anns = len(coco.anns)
        del coco
        gc.collect()

        t0 = time.perf_counter()
        table = tl.Table.from_coco(path, work / "images")
        t_read = time.perf_counter() - t0
        assert len(table) == args.images
        print(f"tl.Table.from_coco            {t_read:6.1f} s  ({args.images / t_read:,.0f} images/s, "
              f"{args.boxes / t_read:,.0f} annotations/s)")
        print(f"pycocotools.coco.COCO(path)   {t_coco:6.1f} s  ({args.images / t_coco:,.0f} images/s; "
              f"{n_anns:,} annotations indexed)")
        print(f"ratio                         {t_read / t_coco:6.2f}x")
        if args.log:
            run = tl.init(dir=str(work / "store"), job_type="bench")
            t0 = time.perf_counter()
            art = tl.Artifact("coco", "dataset")
            art.add(table, "instances")
            run.log_artifact(art)
            t_log = time.perf_counter() - t0
            print(f"logged as an artifact         {t_log:6.1f} s  ({args.images / t_log:,.0f} images/s), "
                  f"{art.bytes_written / 2**20:,.0f} MiB written")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(f"peak memory: {peak:.1f} GB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
