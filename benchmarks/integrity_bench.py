"""Integrity benchmark: what checking every object against its digest costs a reader and a writer.

Prints figures; never passes or fails on a time. Usage:
    python benchmarks/integrity_bench.py [--rows 1000000] [--images 2000] [--page 50]
Each measurement runs in a fresh process (nothing remembered), next to a hand-written baseline in that process:
  - a large table: `get(...).to_pandas()` and a `tl.query` count, first use (hashes the Parquet file) and second
    use (remembered), against pyarrow reading the same file by hand and sha256 of the file alone;
  - a page of images: the Explorer's path (each image's file checked, then its thumbnail made) against making the
    thumbnails of the same files by hand; the Python API (`to_numpy` of 50 images, each read checked) against
    Pillow decoding the same files by hand;
  - a second version of an image table in a new process (every existing image checked before it is reused);
  - `Store.verify()` and `Store.gc(dry_run=True)` over the whole store.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import hashlib

    data = os.urandom(64 << 20)
    t0 = time.perf_counter()
    hashlib.sha256(data).digest()
    rate = 64 / 1024 / (time.perf_counter() - t0)
    return (f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}; "
            f"sha256 {rate:.2f} GB/s on one core")


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": np.arange(rows), "label": rng.choice(["car", "road", "sky", "person"], rows),
        **{f"score_{i}": rng.random(rows) for i in range(6)}, "count": rng.integers(0, 100, rows),
        "flag": rng.random(rows) > 0.5,
    })


def noise(seed: int) -> np.ndarray:
    img = np.random.default_rng(seed).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    img[128:] //= 2
    return img


def images_table(seeds: list[int]) -> tl.Table:
    return tl.Table(columns=["id", "img"], data=[[s, tl.Image(noise(s))] for s in seeds])


def setup(store: str, rows: int, images: int) -> None:
    run = tl.init(dir=store, job_type="bench")
    for name, n in (("big", rows), ("small", 1000)):  # "small" warms every library up before anything is timed
        art = tl.Artifact(name, "dataset")
        art.add(tl.Table(dataframe=frame(n)), "t")
        run.log_artifact(art)
    art = tl.Artifact("pics", "dataset")
    art.add(images_table(list(range(images))), "t")
    run.log_artifact(art)
    run.finish()


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def warm_up(store: str) -> None:
    import pyarrow.parquet as pq

    s = tl.Store(store)
    tl.init(dir=store)
    pq.read_table(s.object_path(s.artifact("small:v0").manifest["t.table.parquet"]["digest"])).to_pandas()
    s.artifact("small:v0").get("t").to_pandas()
    assert tl.query("small:v0", filter={"$gt": ["$score_0", 0.5]}).num_rows > 0


def phase_table(store: str) -> dict[str, float]:
    import pyarrow.parquet as pq

    from tablelens._core.hashing import sha256_file

    warm_up(store)
    s = tl.Store(store)
    obj = s.object_path(s.artifact("big:v0").manifest["t.table.parquet"]["digest"])
    out = {"mb": os.path.getsize(obj) / 2**20}
    out["pyarrow"], _ = timed(lambda: pq.read_table(obj).to_pandas())
    out["sha256"], _ = timed(lambda: sha256_file(obj))
    out["get_cold"], _ = timed(lambda: s.artifact("big:v0").get("t").to_pandas())
    out["get_warm"], _ = timed(lambda: s.artifact("big:v0").get("t").to_pandas())
    return out


def phase_query(store: str, checked_before: bool) -> dict[str, float]:
    """The first query on the table in a new process; `checked_before`: its file hashed (untimed) first."""
    from tablelens._core.hashing import file_sha256

    warm_up(store)
    s = tl.Store(store)
    if checked_before:
        file_sha256(s.object_path(s.artifact("big:v0").manifest["t.table.parquet"]["digest"]))
    t, _ = timed(lambda: tl.query("big:v0", filter={"$gt": ["$score_0", 0.5]}).num_rows)
    return {"query": t}


def phase_page(store: str, page: int, cache: str, verified: bool) -> dict[str, float]:
    from tablelens.media.thumbnails import thumbnails

    s = tl.Store(store)
    art = s.artifact("pics:v0")
    source = art.media_source()
    paths = sorted(p for p in art.manifest if p.startswith("media/images/"))
    warm = s.object_path(art.manifest[paths[-1]]["digest"])  # an image not on the page warms Pillow up
    thumbnails([(0, warm, 128)], cache_dir=cache)
    paths = paths[:page]
    t0 = time.perf_counter()
    if verified:  # what the Explorer does for a page: each image's file checked, then thumbnails
        files = [source.local_path(p) for p in paths]
    else:
        files = [s.object_path(art.manifest[p]["digest"]) for p in paths]
    made = thumbnails([(i, f, 128) for i, f in enumerate(files)], cache_dir=cache)
    assert all("data" in m for m in made)
    return {"page": time.perf_counter() - t0}


def phase_numpy(store: str, page: int, verified: bool) -> dict[str, float]:
    from PIL import Image as PILImage

    s = tl.Store(store)
    art = s.artifact("pics:v0")
    last = max(p for p in art.manifest if p.startswith("media/images/"))
    np.asarray(PILImage.open(s.object_path(art.manifest[last]["digest"])))  # warms Pillow up (not on the page)
    if verified:
        rows = art.get("t").data[:page]
        t, _ = timed(lambda: [img.to_numpy() for _, img in rows])
    else:
        files = [s.object_path(art.manifest[p]["digest"]) for p in sorted(art.manifest)
                 if p.startswith("media/images/")][:page]
        t, _ = timed(lambda: [np.asarray(PILImage.open(f)) for f in files])
    return {"numpy": t}


def phase_second_version(store: str, images: int) -> dict[str, float]:
    from tablelens._core.hashing import sha256_file

    s = tl.Store(store)
    run = tl.init(dir=store)
    new = max(1, images // 20)
    seeds = list(range(new, images)) + [10**6 + i for i in range(new)]
    table = images_table(seeds)
    existing = [s.object_path(e["digest"]) for p, e in s.artifact("pics:v0").manifest.items()
                if p.startswith("media/images/")][new:]

    def log() -> tl.Artifact:
        art = tl.Artifact("pics", "dataset")
        art.add(table, "t")
        return run.log_artifact(art)

    t_log, art = timed(log)
    assert art.version == "v1"
    t_hash, _ = timed(lambda: [sha256_file(f) for f in existing])
    seeds2 = list(range(2 * new, images)) + [2 * 10**6 + i for i in range(2 * new)]
    table2 = images_table(seeds2)
    t0 = time.perf_counter()
    a2 = tl.Artifact("pics", "dataset")
    a2.add(table2, "t")
    run.log_artifact(a2)
    t_log2 = time.perf_counter() - t0
    return {"log": t_log, "hash_existing": t_hash, "existing": len(existing), "new": new, "log_again": t_log2}


def phase_maintenance(store: str) -> dict[str, float]:
    s = tl.Store(store)
    t_v, report = timed(s.verify)
    assert report.ok, str(report)
    t_gc, _ = timed(lambda: s.gc(dry_run=True))
    return {"verify": t_v, "gc": t_gc, "objects": report.objects, "gb": report.bytes / 2**30}


def child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--images", type=int, default=2_000)
    ap.add_argument("--page", type=int, default=50)
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        name, store, *rest = args.phase
        fn = {"table": phase_table, "maintenance": phase_maintenance}.get(name)
        if name == "query":
            out = phase_query(store, rest[0] == "1")
        elif name == "page":
            out = phase_page(store, int(rest[0]), rest[1], rest[2] == "1")
        elif name == "numpy":
            out = phase_numpy(store, int(rest[0]), rest[1] == "1")
        elif name == "second":
            out = phase_second_version(store, int(rest[0]))
        else:
            out = fn(store)  # type: ignore[misc]
        print(json.dumps(out))
        return

    print(f"machine: {machine()}")
    store = tempfile.mkdtemp(prefix="tablelens-bench-")
    try:
        t, _ = timed(lambda: setup(store, args.rows, args.images))
        print(f"setup: a {args.rows:,}-row table and {args.images:,} images of 256x256 logged in {t:.1f} s")
        time.sleep(2.5)  # a store logged earlier: its files are settled (docs/storage.md)
        tb = min((child(["table", store]) for _ in range(2)), key=lambda r: r["get_cold"])
        q_cold = min(child(["query", store, "0"])["query"] for _ in range(2))
        q_known = min(child(["query", store, "1"])["query"] for _ in range(2))
        print(f"\nlarge table ({args.rows:,} rows x 10 columns, {tb['mb']:.1f} MiB of Parquet), new processes, "
              "best of 2:")
        print(f"  get(...).to_pandas(): first use {tb['get_cold']:.3f} s (file checked), second use "
              f"{tb['get_warm']:.3f} s (remembered); baselines: pyarrow read_table().to_pandas() by hand "
              f"{tb['pyarrow']:.3f} s, sha256 of the file alone {tb['sha256']:.3f} s")
        print(f"  tl.query count, first query in a new process: {q_cold:.3f} s (file checked); the same with the file "
              f"checked beforehand: {q_known:.3f} s")
        pages = []
        for verified in (False, True) * 3:
            cache = tempfile.mkdtemp(prefix="tablelens-thumbs-")
            try:
                pages.append((verified, child(["page", store, str(args.page), cache, "1" if verified else "0"])))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
        best = {v: min(p["page"] for vv, p in pages if vv == v) for v in (False, True)}
        print(f"\na page of {args.page} images (256x256 PNG, thumbnails of 128 px, cold thumbnail cache, new process,"
              f" best of 3):")
        print(f"  checked then thumbnails (the Explorer): {best[True] * 1000:.0f} ms; thumbnails of the same files by "
              f"hand: {best[False] * 1000:.0f} ms")
        nv = min(child(["numpy", store, str(args.page), "1"])["numpy"] for _ in range(3))
        nb = min(child(["numpy", store, str(args.page), "0"])["numpy"] for _ in range(3))
        print(f"  to_numpy() of {args.page} images (each read checked): {nv * 1000:.0f} ms; Pillow decoding the same "
              f"files by hand: {nb * 1000:.0f} ms")
        sv = child(["second", store, str(args.images)])
        print(f"\nsecond version of the image table in a new process ({sv['new']:,} new images, {sv['existing']:,} "
              f"reused): add + log {sv['log']:.2f} s, of which checking the reused objects is at most "
              f"{sv['hash_existing']:.2f} s (sha256 of them alone); a third version in the same process "
              f"(reused objects remembered): {sv['log_again']:.2f} s")
        mt = child(["maintenance", store])
        print(f"\nStore.verify(): {mt['objects']:,} objects, {mt['gb']:.2f} GiB in {mt['verify']:.1f} s; "
              f"Store.gc(dry_run=True): {mt['gc']:.2f} s")
    finally:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
