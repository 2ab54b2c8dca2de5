"""Appending to a large table: 1,000 rows added to a 10M-row table, and what queries pay for the parts.

Prints figures; never passes or fails on a time. Usage:
    python benchmarks/append_bench.py [--rows 10000000] [--append 1000] [--times 5]
Measured, each next to a baseline in the same run:
  - `Artifact.append` + `log_artifact` of 1,000 rows to the 10M-row table, in a new process (cold: it hashes the
    table's file once to read its schema) and then again (warm), against logging the whole grown table again
    (what a new version cost before tables had parts) and against pyarrow writing the grown table by hand;
  - a filter count and a group-by on the grown table (6 parts) against the same queries on the 10M-row single
    file, and against hand-written DuckDB SQL over the parts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "widget"))
import tablelens as tl

LABELS = np.array(["cat", "dog", "bird", "car", "person"])


def frame(start: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(start)
    ids = np.arange(start, start + n, dtype=np.int64)
    return pd.DataFrame({"id": ids, "score": rng.random(n), "label": LABELS[ids % 5],
                         "pred": rng.integers(0, 5, n), "loss": rng.exponential(1.0, n)})


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def child(store: str, start: int, n: int, times: int) -> None:
    """In a fresh process: append `n` rows `times` times; print the seconds of each."""
    run = tl.init(dir=store)
    out = []
    for k in range(times):
        t0 = time.perf_counter()
        art = tl.Artifact("big", "predictions")
        art.append("preds", frame(start + k * n, n))
        run.log_artifact(art)
        out.append(time.perf_counter() - t0)
    run.finish()
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--append", type=int, default=1000)
    ap.add_argument("--times", type=int, default=5)
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        store, start, n, times = args.child
        child(store, int(start), int(n), int(times))
        return
    print(f"machine: {machine()}; tablelens {tl.__version__}")
    tmp = tempfile.mkdtemp(prefix="append-bench-")
    store = os.path.join(tmp, "store")
    df = frame(0, args.rows)
    run = tl.init(dir=store)
    t0 = time.perf_counter()
    art = tl.Artifact("big", "predictions")
    art.add(tl.Table(dataframe=df), "preds")
    run.log_artifact(art)
    print(f"v0: {args.rows:,} rows logged in {time.perf_counter() - t0:.2f} s "
          f"({art.get_path('preds.table.parquet').size / 2**20:.0f} MiB)")

    res = subprocess.run([sys.executable, __file__, "--child", store, str(args.rows), str(args.append),
                          str(args.times)], check=True, capture_output=True, text=True)
    times = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"append {args.append:,} rows (new process): first {times[0] * 1000:.0f} ms, then "
          f"{', '.join(f'{t * 1000:.0f}' for t in times[1:])} ms (median {np.median(times[1:]) * 1000:.0f} ms)")
    latest = tl.Store(store).artifact("big:latest")
    print(f"  latest {latest.version}: {len(latest.table_parts('preds'))} parts, "
          f"{len(latest.get('preds')):,} rows")

    grown = pd.concat([df, *[frame(args.rows + k * args.append, args.append) for k in range(args.times)]],
                      ignore_index=True)
    t0 = time.perf_counter()
    whole = tl.Artifact("whole", "predictions")
    whole.add(tl.Table(dataframe=grown), "preds")
    run.log_artifact(whole)
    relog = time.perf_counter() - t0
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    pq.write_table(pa.Table.from_pandas(grown, preserve_index=False), os.path.join(tmp, "by-hand.parquet"),
                   compression="zstd")
    by_hand = time.perf_counter() - t0
    print(f"baseline, the grown table logged whole as a new version: {relog:.2f} s; pyarrow writing it by hand: "
          f"{by_hand:.2f} s")

    import duckdb

    parts = tl.Store(store).artifact("big:latest")
    files = [parts.get_path(p).download() for p in parts.table_parts("preds")]
    single = tl.Store(store).artifact("big:v0")
    queries = {
        "filter count": ({"filter": {"$gt": ["$score", 0.9]}}, "SELECT count(*) FROM t WHERE score > 0.9"),
        "group by label (summaries of every column)": ({"group_by": "label"}, None),
        "filter + first page": ({"filter": {"$eq": ["$label", "dog"]}},
                                "SELECT * FROM t WHERE label = 'dog' LIMIT 50"),
    }
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet({files!r})")
    print("| query | 10M rows, 1 file | grown table, "
          f"{len(files)} parts | hand-written DuckDB over the parts |")
    print("|---|---|---|---|")
    for name, (spec, sql) in queries.items():
        cells = []
        for a in (single, parts):
            best = []
            for _ in range(3):
                t0 = time.perf_counter()
                r = tl.query(a, table="preds", **spec)
                if "group_by" in spec:
                    r.to_pandas()
                else:
                    r.num_rows if "page" not in name else r.page(0, 50)
                best.append(time.perf_counter() - t0)
            cells.append(min(best))
        hand = []
        for _ in range(3 if sql else 0):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            hand.append(time.perf_counter() - t0)
        baseline = f"{min(hand) * 1000:.0f} ms" if hand else "—"
        print(f"| {name} | {cells[0] * 1000:.0f} ms | {cells[1] * 1000:.0f} ms | {baseline} |")


if __name__ == "__main__":
    main()
