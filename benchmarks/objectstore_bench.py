"""A store on object storage against a local folder, in the same run: logging, queries, images.

Prints figures; never passes or fails on a time. Usage:
    python benchmarks/objectstore_bench.py [--rows 1000000] [--images 200]
The S3 side is the loopback server of the tests (moto, `tests/objectstore/s3server.py`), reached through s3fs: it
measures tablelens's own costs over a real S3 client stack, not a network. Baselines in the same run: boto3
uploading the same Parquet file by hand, and hand-written DuckDB SQL reading the same object through the same
fsspec filesystem.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))
import tablelens as tl  # noqa: E402
from tablelens.sources import resolve  # noqa: E402

LABELS = np.array(["cat", "dog", "bird", "car", "person"])


def frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = np.arange(n, dtype=np.int64)
    return pd.DataFrame({"id": ids, "score": rng.random(n), "label": LABELS[ids % 5],
                         "pred": rng.integers(0, 5, n), "loss": rng.exponential(1.0, n)})


def server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "objectstore" / "s3server.py"), "127.0.0.1",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_ENDPOINT_URL_S3=endpoint)
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
    return proc, endpoint


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--images", type=int, default=200)
    args = ap.parse_args()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, "
          f"Python {platform.python_version()}")
    proc, endpoint = server()
    tmp = tempfile.mkdtemp(prefix="objectstore-bench-")
    try:
        run_bench(args, tmp, endpoint)
    finally:
        proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


def run_bench(args: Any, tmp: str, endpoint: str) -> None:
    df = frame(args.rows)
    rng = np.random.default_rng(1)
    images = [[i, tl.Image(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))] for i in range(args.images)]
    places = {"local folder": os.path.join(tmp, "store"), "S3 (loopback)": "s3://bench/store"}
    rows: list[tuple[str, str, str, str]] = []

    def cache(name: str) -> str:
        d = os.path.join(tmp, "cache", name)
        os.environ["TABLELENS_CACHE"] = d
        return d

    logs = {}
    for label, where in places.items():
        cache(f"writer-{label[:5]}")
        run = tl.init(dir=where)
        art = tl.Artifact("big", "predictions")
        art.add(tl.Table(dataframe=df), "preds")
        logs[label], _ = timed(lambda run=run, art=art: run.log_artifact(art))
        imgs = tl.Artifact("imgs", "dataset")
        imgs.add(tl.Table(columns=["id", "img"], data=images), "t")
        logs[label + " images"], _ = timed(lambda run=run, imgs=imgs: run.log_artifact(imgs))
        run.finish()
    import boto3

    stored = tl.Store(places["local folder"]).artifact("big:latest").get_path("preds.table.parquet")
    client = boto3.client("s3", endpoint_url=endpoint)
    hand = min(timed(lambda: client.upload_file(stored.download(), "bench", "hand.parquet"))[0] for _ in range(2))
    rows.append((f"log {args.rows:,} rows x 5 columns ({stored.size / 2**20:.0f} MiB)",
                 f"{logs['local folder']:.2f} s", f"{logs['S3 (loopback)']:.2f} s",
                 f"boto3 uploading the same Parquet file: {hand:.2f} s"))
    rows.append((f"log {args.images} images 64x64", f"{logs['local folder images']:.2f} s",
                 f"{logs['S3 (loopback) images']:.2f} s", ""))

    specs = {"filter count": dict(filter={"$gt": ["$score", 0.9]}),
             "filter + first page": dict(filter={"$eq": ["$label", "dog"]}),
             "group by label": dict(group_by="label")}
    sqls = {"filter count": "SELECT count(*) FROM t WHERE score > 0.9",
            "filter + first page": "SELECT * FROM t WHERE label = 'dog' LIMIT 50", "group by label": None}

    def go(src: Any, name: str) -> None:
        r = tl.query(src, **specs[name])
        if name == "group by label":
            r.to_pandas()
        elif name == "filter count":
            r.num_rows  # noqa: B018
        else:
            r.page(0, 50)

    got: dict[tuple[str, str], str] = {}
    for label, where in places.items():
        cache(f"reader-{label[:5]}")  # another machine: nothing cached, nothing verified yet
        store = tl.Store(where)
        first, src = timed(lambda store=store: resolve("big:latest", store=store))
        got[(label, "open (resolve: checks the table)")] = f"{first * 1000:.0f} ms"
        for name in specs:
            cold, _ = timed(lambda src=src, name=name: go(src, name))
            warm = min(timed(lambda src=src, name=name: go(src, name))[0] for _ in range(3))
            got[(label, name)] = f"{cold * 1000:.0f} / {warm * 1000:.0f} ms"
        again, _ = timed(lambda store=store: resolve("big:latest", store=store))
        got[(label, "open again (check remembered)")] = f"{again * 1000:.0f} ms"
        t = store.artifact("imgs:latest").get("t")
        pics, _ = timed(lambda t=t: [r[1].to_numpy() for r in t.data[:50]])
        got[(label, "50 images to_numpy (fetched on first use)")] = f"{pics * 1000:.0f} ms"

    import duckdb
    import s3fs
    from fsspec.implementations.dirfs import DirFileSystem

    fs = type("HandFS", (DirFileSystem,), {"protocol": "hand", "cachable": False})(
        path="bench", fs=s3fs.S3FileSystem(endpoint_url=endpoint))
    con = duckdb.connect()
    con.register_filesystem(fs)
    con.execute("CREATE VIEW t AS SELECT * FROM read_parquet('hand://hand.parquet')")
    hand_q = {name: (f"{min(timed(lambda sql=sql: con.execute(sql).fetchall())[0] for _ in range(3)) * 1000:.0f} ms"
                     if sql else "") for name, sql in sqls.items()}
    for what in ["open (resolve: checks the table)", *specs, "open again (check remembered)",
                 "50 images to_numpy (fetched on first use)"]:
        base = f"hand-written DuckDB, same object, same filesystem: {hand_q[what]}" if hand_q.get(what) else ""
        rows.append((what + (" (first / best of 3)" if what in specs else ""), got[("local folder", what)],
                     got[("S3 (loopback)", what)], base))
    print("| what | local folder | S3 (loopback, s3fs) | baseline in the same run |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
