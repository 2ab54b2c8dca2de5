"""Detection evaluation at scale: COCO metrics over 1M images, pycocotools on 100k, the Explorer's threshold slider
and confusion-matrix click.

Prints figures; never passes or fails on a time. Usage:
`python benchmarks/evaluation_bench.py [--images 1000000] [--peer-images 100000] [--repeat 3] [--only slider]`
(`--only slider` runs part 3 alone, on `--peer-images` images: no 1M-image table is made)

Data: N images with 10 ground-truth and 10 predicted boxes each (relative coordinates, as W&B logs them), 20
classes, 4 image sizes; 70% of the predictions are jittered copies of a ground-truth box (10% of those with another
class), the rest random, scores from two beta distributions. The table is an image column written directly as
tablelens Parquet (the boxes are what is evaluated; no pixels are read).

Measured, best of `--repeat` (the machine is shared: the load average is printed before and after):
1. `tl.evaluate_detections(...).metrics()` (COCO's twelve numbers, per-class results, statuses) on N images;
2. the same on `--peer-images` images and pycocotools' COCOeval (evaluate + accumulate + summarize; its COCO index
   and loadRes timed apart) on the same boxes, per image; both give the same twelve numbers (checked);
3. the Explorer over the evaluation of `--peer-images` images: the threshold trait set to a new value, to the
   metrics and the first page of the table ready (the kernel side of the slider);
4. the Explorer over the evaluation of N images: a confusion cell's filter set, to the first page ready; the
   hand-written DuckDB query of the same rows (count + first 50) on the same Arrow table in the same run.
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
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl
from tablelens.codec import META_KEY, image_struct_type

__all__ = ["main"]

SIZES = np.array([[640, 480], [1280, 720], [320, 240], [800, 800]])


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} {b:.2f} {c:.2f}"


def boxes_data(n_images: int, n_boxes: int = 10, n_classes: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    wh = SIZES[rng.integers(0, len(SIZES), n_images)]
    n = n_images * n_boxes
    cx, cy = rng.uniform(0.05, 0.95, n), rng.uniform(0.05, 0.95, n)
    bw, bh = rng.uniform(0.02, 0.3, n), rng.uniform(0.02, 0.3, n)
    g = np.stack([np.clip(cx - bw / 2, 0, 1), np.clip(cy - bh / 2, 0, 1), np.clip(cx + bw / 2, 0, 1),
                  np.clip(cy + bh / 2, 0, 1)])
    gcls = rng.integers(0, n_classes, n)
    copy = rng.random(n) < 0.7
    src = rng.permutation(n_boxes)[np.arange(n) % n_boxes] + (np.arange(n) // n_boxes) * n_boxes
    jit = rng.normal(0, 0.01, (4, n))
    rand0 = rng.uniform(0, 0.8, (2, n))
    rand = np.concatenate([rand0, rand0 + rng.uniform(0.02, 0.2, (2, n))])
    p = np.where(copy, g[:, src] + jit, rand[[0, 1, 2, 3]])
    p = np.stack([np.minimum(p[0], p[2]), np.minimum(p[1], p[3]), np.maximum(p[0], p[2]), np.maximum(p[1], p[3])])
    pcls = np.where(copy & (rng.random(n) < 0.9), gcls[src], rng.integers(0, n_classes, n))
    score = np.round(np.where(copy, rng.beta(5, 2, n), rng.beta(2, 5, n)), 6)
    return {"wh": wh, "g": g, "gcls": gcls, "p": p, "pcls": pcls, "score": score, "n_boxes": np.array(n_boxes),
            "n_classes": np.array(n_classes)}


def write_table(data: dict[str, np.ndarray], path: Path) -> None:
    n_images, k = len(data["wh"]), int(data["n_boxes"])
    n = n_images * k
    offsets = pa.array(np.arange(0, n + 1, k, dtype=np.int32))
    struct = image_struct_type({"ground_truth": [], "predictions": ["score"]}, [])
    box_fields = list(struct.field("boxes").type)

    def boxes(c: np.ndarray, cls: np.ndarray, scores: np.ndarray | None, t: pa.DataType) -> pa.Array:
        kids = [pa.array(c[0]), pa.array(c[2]), pa.array(c[1]), pa.array(c[3]), pa.nulls(n, pa.list_(pa.float64())),
                pa.nulls(n, pa.float64()), pa.nulls(n, pa.float64()), pa.nulls(n, pa.string()),
                pa.array(cls.astype(np.int64)), pa.nulls(n, pa.string())]
        if scores is not None:
            kids.append(pa.StructArray.from_arrays([pa.array(scores)], names=["score"]))
        return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(kids, fields=list(t.value_type)))

    gt = boxes(data["g"], data["gcls"], None, box_fields[0].type)
    pr = boxes(data["p"], data["pcls"], data["score"], box_fields[1].type)
    paths = pa.array([f"media/images/{i % 1000:020d}.png" for i in range(1000)]).take(
        pa.array(np.arange(n_images) % 1000))
    image = pa.StructArray.from_arrays([
        paths, pa.array(["0" * 64] * 1000).take(pa.array(np.arange(n_images) % 1000)),
        pa.array(["png"] * 1000).take(pa.array(np.arange(n_images) % 1000)),
        pa.array(data["wh"][:, 0].astype(np.int32)), pa.array(data["wh"][:, 1].astype(np.int32)),
        pa.nulls(n_images, pa.string()), pa.nulls(n_images, pa.string()),
        pa.StructArray.from_arrays([gt, pr], fields=box_fields)], fields=list(struct))
    classes = [{"id": c, "name": f"class{c}"} for c in range(int(data["n_classes"]))]
    meta = {"format": 1, "columns": [
        {"name": "id", "kind": "int"},
        {"name": "image", "kind": "image", "layers": {"boxes": ["ground_truth", "predictions"], "masks": []},
         "scores": {"predictions": ["score"]}, "classes": classes}]}
    table = pa.table({"id": pa.array(np.arange(n_images, dtype=np.int64)), "image": image})
    pq.write_table(table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()}), path,
                   compression="zstd", row_group_size=100_000)


def coco_dicts(data: dict[str, np.ndarray], n_images: int) -> tuple[dict, list]:
    k = int(data["n_boxes"])
    wh = data["wh"][:n_images]
    n = n_images * k
    img = np.repeat(np.arange(n_images), k)
    w, h = wh[img, 0], wh[img, 1]
    g, p = data["g"][:, :n], data["p"][:, :n]
    gx, gy, gw, gh = g[0] * w, g[1] * h, (g[2] - g[0]) * w, (g[3] - g[1]) * h
    px, py, pw, ph = p[0] * w, p[1] * h, (p[2] - p[0]) * w, (p[3] - p[1]) * h
    images = [{"id": int(i), "width": int(a), "height": int(b)} for i, (a, b) in enumerate(wh.tolist())]
    anns = [{"id": j + 1, "image_id": int(i), "category_id": int(c), "bbox": [x, y, bw, bh], "area": bw * bh,
             "iscrowd": 0}
            for j, (i, c, x, y, bw, bh) in enumerate(zip(img.tolist(), data["gcls"][:n].tolist(), gx.tolist(),
                                                          gy.tolist(), gw.tolist(), gh.tolist()))]
    res = [{"image_id": int(i), "category_id": int(c), "bbox": [x, y, bw, bh], "score": float(s)}
           for i, c, x, y, bw, bh, s in zip(img.tolist(), data["pcls"][:n].tolist(), px.tolist(), py.tolist(),
                                           pw.tolist(), ph.tolist(), data["score"][:n].tolist())]
    cats = [{"id": c, "name": f"class{c}"} for c in range(int(data["n_classes"]))]
    return {"images": images, "annotations": anns, "categories": cats}, res


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def stats_array(ev: tl.DetectionEvaluation) -> np.ndarray:
    return np.array([-1.0 if v is None else v for v in ev.stats().values()])


def slider(ev: tl.DetectionEvaluation, args: argparse.Namespace) -> None:
    """3. the threshold slider (kernel side) at peer-images."""
    ex = tl.Explorer(ev)
    ex._wait(600)
    thresholds = [0.3, 0.5, 0.7, 0.4, 0.6, 0.2]
    times, cpu = [], []
    for t in thresholds[: max(args.repeat, 3) * 2]:
        t0, c0 = time.perf_counter(), time.process_time()
        ex.eval_threshold = t
        ex._wait(600)  # the query job encodes the first page before it reports the result
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)  # all threads of the process: less sensitive to the machine's load
        assert ex.evaluation["threshold"] == t
    ex.close()
    print(f"3. threshold slider, {args.peer_images:,} images: metrics + confusion + table + first page in "
          f"{min(times) * 1000:.0f} ms best, {np.median(times) * 1000:.0f} ms median of {len(times)} (CPU time "
          f"of the process per move: {np.median(cpu) * 1000:.0f} ms median); {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--peer-images", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-peer", action="store_true", help="skip pycocotools (it takes minutes)")
    parser.add_argument("--only", choices=["slider"], help="run one part alone (slider: part 3)")
    args = parser.parse_args()
    if args.only == "slider":
        args.images = args.peer_images
    print(f"machine: {machine()}; {load()}")
    folder = Path(tempfile.mkdtemp(prefix="tablelens-eval-bench-"))
    big, small = folder / "big.parquet", folder / "small.parquet"
    t0 = time.perf_counter()
    data = boxes_data(args.images)
    write_table(data, big)
    sub = {k: (v[: args.peer_images] if k == "wh" else v[..., : args.peer_images * int(data["n_boxes"])]
               if v.ndim else v) for k, v in data.items()}
    write_table(sub, small)
    print(f"data: {args.images:,} and {args.peer_images:,} images x 10 + 10 boxes, 20 classes "
          f"({time.perf_counter() - t0:.1f} s to generate)")

    def full(path: Path) -> tl.DetectionEvaluation:
        ev = tl.evaluate_detections(str(path))
        ev.metrics()
        return ev

    if args.only == "slider":
        slider(full(small), args)
        print(f"machine after: {load()}")
        return

    # 1. full evaluation on N images
    t_big, ev_big = best(lambda: full(big), args.repeat)
    assert isinstance(ev_big, tl.DetectionEvaluation)
    m = ev_big.metrics()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"1. evaluate_detections + metrics(), {args.images:,} images: {t_big:.1f} s "
          f"({t_big / args.images * 1e6:.1f} us/image); mAP {m['mAP']:.4f}, AP50 {m['AP50']:.4f}; peak RSS "
          f"{rss:.1f} GB")

    # 2. per image against pycocotools
    t_small, ev_small = best(lambda: full(small), args.repeat)
    assert isinstance(ev_small, tl.DetectionEvaluation)
    print(f"2. tablelens, {args.peer_images:,} images: {t_small:.2f} s ({t_small / args.peer_images * 1e6:.1f} "
          "us/image)")
    if not args.skip_peer:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval

        gt, res = coco_dicts(data, args.peer_images)
        with contextlib.redirect_stdout(io.StringIO()):
            t0 = time.perf_counter()
            cg = COCO()
            cg.dataset = gt
            cg.createIndex()
            cd = cg.loadRes(res)
            t_index = time.perf_counter() - t0
            t0 = time.perf_counter()
            e = COCOeval(cg, cd, "bbox")
            e.evaluate()
            e.accumulate()
            e.summarize()
            t_peer = time.perf_counter() - t0
        same = np.allclose(stats_array(ev_small), e.stats, atol=1e-6)
        print(f"   pycocotools COCOeval, same images: {t_peer:.1f} s ({t_peer / args.peer_images * 1e6:.1f} "
              f"us/image; its COCO index + loadRes {t_index:.1f} s more): tablelens is {t_peer / t_small:.1f}x "
              f"faster per image; the twelve numbers agree to 1e-6: {same}")
        del gt, res, cg, cd, e
        gc.collect()

    slider(ev_small, args)

    # 4. a confusion-matrix click at N images
    t0 = time.perf_counter()
    ex = tl.Explorer(ev_big)
    ex._wait(600)
    t_open = time.perf_counter() - t0
    cells = ev_big.confusion_cells()
    a = cells["labels"].index("class3")
    b = cells["labels"].index("class7")
    clicks = [cells["filters"][a][b], cells["filters"][a][-1], cells["filters"][-1][b]]
    times = []
    for f in clicks * max(1, args.repeat // 2 + 1):
        ex.filter = ""
        ex._wait(600)
        t0 = time.perf_counter()
        ex.filter = f
        ex._wait(600)
        times.append(time.perf_counter() - t0)
    expected = cells["rows"][a][b]
    ex.filter = clicks[0]
    ex._wait(600)
    assert ex.num_rows == expected, (ex.num_rows, expected)
    arrow = ev_big.table.arrow_media[0]  # type: ignore[index]
    import duckdb

    con = duckdb.connect()
    con.register("t", arrow)
    label = f"{cells['labels'][a]} → {cells['labels'][b]}"
    hand = []
    for _ in range(len(times)):
        t0 = time.perf_counter()
        con.execute("SELECT count(*) FROM t WHERE list_contains(confusion, ?)", [label]).fetchall()
        con.execute("SELECT * FROM t WHERE list_contains(confusion, ?) LIMIT 50", [label]).to_arrow_table()
        hand.append(time.perf_counter() - t0)
    ex.close()
    print(f"4. confusion-cell click, {args.images:,} images: filter to first page in {min(times) * 1000:.0f} ms "
          f"best, {np.median(times) * 1000:.0f} ms median of {len(times)} ({expected:,} rows for "
          f"'{label}'); hand-written DuckDB (count + first 50 rows, same Arrow table): {min(hand) * 1000:.0f} ms; "
          f"opening the Explorer (table built at N images): {t_open:.1f} s")
    print(f"machine after: {load()}")


if __name__ == "__main__":
    main()
