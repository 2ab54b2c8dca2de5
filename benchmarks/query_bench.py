"""Query engine benchmark: tablelens.query against the same work hand-written in DuckDB SQL (and pandas).

    python benchmarks/query_bench.py [--rows 10000000] [--repeat 3] [--memory-limit 6GB] [--no-pandas] [--only-in]
    python benchmarks/query_bench.py --rows 10000000 --spark     # the same tablelens queries on a local Spark

Generates (once, cached in benchmarks/data/) a predictions table following docs/storage.md — id, two categorical
columns, three float columns and a list-of-struct boxes column, with the `tablelens` schema metadata — plus a
second version of it (5% of labels changed, scores moved, 1% of rows dropped and 1% added). Each engine runs
in its own process so that its peak memory (resource.getrusage) is its own; tablelens and hand-written DuckDB
alternate inside one process for the timings. Both run under the same DuckDB memory limit (tablelens's default,
a quarter of the memory, unless `--memory-limit`), spilling to the same temp folder. `--spark` times the
tablelens queries on Spark `local[*]` (pyspark, Java 17) instead, for per-row costs (docs/scale-out.md).
Prints a table; never passes or fails.

`--only-in` runs just the filter by a list of ids: `{$in: ['$id', [10,000 ids]]}` against `id IN (...)` written
out in DuckDB SQL, count and first page, best and median of the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent / "widget"))

META = {"format": 1, "columns": [
    {"name": "id", "kind": "int"}, {"name": "label", "kind": "str"}, {"name": "dominant_pred", "kind": "str"},
    {"name": "road", "kind": "float"}, {"name": "sky", "kind": "float"}, {"name": "car", "kind": "float"},
    {"name": "boxes", "kind": "list"}]}

SIMPLE = "{$gt: ['$0.road', 0.05]}"
NESTED = "{ $gte: [ {$size: {$filter: {input: '$0.boxes', as: 'box', cond: {$eq: ['$$box.class_id', 13]} } } }, 1] }"
COMPARE = "{$ne: ['$0.label', '$1.label']}"
IN_IDS = 10_000  # ids in the `$in` filter


def in_ids(rows: int) -> list[int]:
    """The ids of the `$in` query: a fixed sample, 90% of them in the table."""
    import random

    return random.Random(7).sample(range(rows + rows // 9), IN_IDS)


# ------------------------------------------------------------------------------------------------- data
def _select(rows: int, version: int) -> str:
    def u(salt: int) -> str:  # deterministic uniform [0, 1) from the id
        return f"((hash(id * 31 + {salt + 100 * version}) % 1000003) / 1000003.0)"

    label = "'class_' || (hash(id + 1) % 20)::VARCHAR"
    if version == 2:  # 5% of the labels change
        label = f"CASE WHEN hash(id + 99) % 20 = 0 THEN 'class_' || (hash(id + 5) % 20)::VARCHAR ELSE {label} END"
    box = ("{'class_id': (hash(id * 5 + i) % 20)::BIGINT, 'score': (hash(id * 5 + i + 7) % 1000) / 1000.0, "
           "'minX': 0.1, 'maxX': 0.4, 'minY': 0.2, 'maxY': 0.5}")
    keep = "WHERE hash(id + 77) % 100 <> 0" if version == 2 else ""  # drop 1%; ids past `rows` are new
    return f"""
          SELECT id,
                 {label} AS label,
                 ['road', 'sky', 'car', 'person', 'tree', 'building', 'sign', 'bike', 'bus', 'truck']
                     [1 + (hash(id + 2) % 10)::INTEGER] AS dominant_pred,
                 {u(1)} AS road,
                 {u(2)} AS sky,
                 CASE WHEN hash(id + 3) % 100 = 0 THEN NULL ELSE {u(3)} END AS car,
                 list_transform(range((hash(id + 4) % 5)::BIGINT), lambda i: {box}) AS boxes
          FROM range({rows + (rows // 100 if version == 2 else 0)}) t(id)
          {keep}
    """


def generate(rows: int) -> tuple[str, str]:
    """Write (or reuse) the two versions; returns their paths."""
    import duckdb

    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for version in (1, 2):
        path = DATA / f"preds_{rows}_v{version}.parquet"
        paths.append(str(path))
        if path.exists():
            continue
        t0 = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        meta = json.dumps(META).replace("'", "''")
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY ({_select(rows, version)}) TO '{tmp}' "
                f"(FORMAT parquet, ROW_GROUP_SIZE 122880, KV_METADATA {{tablelens: '{meta}'}})")
        os.replace(tmp, path)
        print(f"generated {path.name} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s",
              flush=True)
    return paths[0], paths[1]


# ---------------------------------------------------------------------------------------------- queries
def tablelens_queries(v1: str, v2: str, backend: Any = None) -> dict[str, Callable[[], Any]]:
    from functools import partial

    from tablelens import query as tl_query

    query = partial(tl_query, backend=backend)

    def simple() -> Any:
        r = query(v1, filter=SIMPLE)
        return r.num_rows, r.page(0, 50)

    def nested() -> Any:
        return query(v1, filter=NESTED).num_rows

    def group() -> Any:
        r = query(v1, group_by="label")
        return r.num_rows, r.page(0, 50)

    def sort() -> Any:
        r = query(v1, sort=[("road", "desc")])
        return r.num_rows, r.page(0, 50)

    def compare() -> Any:
        r = query(v1, compare=v2, quick_filter="both", filter=COMPARE)
        return r.num_rows, r.page(0, 50)

    def compare_all() -> Any:
        r = query(v1, compare=v2)
        return r.num_rows, r.page(0, 50)

    def compare_group() -> Any:
        r = query(v1, compare=v2, group_by="label")
        return r.num_rows, r.page(0, 50)

    ids = in_ids(_rows_of(v1))

    def in_list() -> Any:
        r = query(v1, filter={"$in": ["$id", ids]})
        return r.num_rows, r.page(0, 50)

    return {"simple filter + first page": simple, "nested $filter/$size + count": nested,
            "group with histograms": group, "sort + first page": sort, "compare versions (both) + page": compare,
            "compare versions (all) + page": compare_all, "compare + group by label": compare_group,
            IN_NAME: in_list}


IN_NAME = f"$in {IN_IDS:,} ids + count + first page"


def _rows_of(path: str) -> int:
    return int(Path(path).name.split("_")[1])


def duckdb_queries(v1: str, v2: str, limit: str, temp: str) -> dict[str, Callable[[], Any]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{limit}'")  # the limit and spill folder tablelens runs with
    con.execute(f"SET temp_directory = '{temp}'")
    t = f"read_parquet('{v1}')"
    tr = f"read_parquet('{v1}', file_row_number=true)"
    t2 = f"read_parquet('{v2}')"

    def simple() -> Any:
        n = con.execute(f"SELECT count(*) FROM {t} WHERE road > 0.05").fetchone()
        return n, con.execute(f"SELECT file_row_number AS _key, * EXCLUDE (file_row_number) FROM {tr} "
                          f"WHERE road > 0.05 LIMIT 50").df()

    def nested() -> Any:
        return con.execute(f"SELECT count(*) FROM {t} "
                           f"WHERE len(list_filter(boxes, lambda b: b.class_id = 13)) >= 1").fetchone()

    def group() -> Any:
        groups = con.execute(f"SELECT label, count(*) AS n FROM {t} GROUP BY label ORDER BY label NULLS LAST").df()
        cols = ["id", "road", "sky", "car"]
        lims = con.execute("SELECT " + ", ".join(f"min({c}), max({c})" for c in cols) + f" FROM {t}").fetchone()
        hists = []
        for j, c in enumerate(cols):
            lo, hi = lims[2 * j], lims[2 * j + 1]
            if c == "id":
                b = f"(({c} - {lo}) // {max(1, -(-(hi - lo + 1) // 20))})"
            else:
                b = f"least(floor(({c} - {lo}) / {(hi - lo) / 20}), 19)"
            hists.append(con.execute(f"SELECT label, {b} AS b, count(*) FROM {t} WHERE {c} IS NOT NULL "
                                     f"GROUP BY ALL").fetchall())
        # list lengths: exact counts per group in one pass (few distinct lengths), binned afterwards
        hists.append(con.execute(f"SELECT label, len(boxes) AS b, count(*) FROM {t} WHERE boxes IS NOT NULL "
                                 f"GROUP BY ALL").fetchall())
        top = con.execute(f"SELECT * FROM (SELECT label, dominant_pred, count(*) AS n, row_number() OVER "
                          f"(PARTITION BY label ORDER BY count(*) DESC, dominant_pred) AS r FROM {t} "
                          f"GROUP BY label, dominant_pred) WHERE r <= 10").fetchall()
        return groups, hists, top

    def sort() -> Any:
        n = con.execute(f"SELECT count(*) FROM {t}").fetchone()
        return n, con.execute(f"SELECT file_row_number AS _key, * EXCLUDE (file_row_number) FROM {tr} "
                          f"ORDER BY road DESC NULLS LAST, file_row_number LIMIT 50").df()

    def compare() -> Any:
        join = f"{t} a JOIN {t2} b ON a.id = b.id WHERE a.label IS DISTINCT FROM b.label"
        n = con.execute(f"SELECT count(*) FROM {join}").fetchone()
        return n, con.execute(f"SELECT a.id AS _key, 'both' AS _presence, a.*, b.* FROM {join} "
                          f"ORDER BY a.id LIMIT 50").df()

    def compare_all() -> Any:
        join = f"{t} a FULL JOIN {t2} b ON a.id = b.id"
        n = con.execute(f"SELECT count(*) FROM {join}").fetchone()
        return n, con.execute(f"SELECT coalesce(a.id, b.id) AS _key, a.*, b.* FROM {join} "
                              f"ORDER BY _key LIMIT 50").df()

    def compare_group() -> Any:
        # one row per table a row is in, grouped by label: counts per side, histograms of the scores per side
        long = (f"SELECT 0 AS side, label, road, sky, car FROM {t} UNION ALL "
                f"SELECT 1 AS side, label, road, sky, car FROM {t2}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE cg AS {long}")
        groups = con.execute("SELECT label, count(*) FILTER (side = 0), count(*) FILTER (side = 1) FROM cg "
                             "GROUP BY label ORDER BY label").fetchall()
        lims = con.execute("SELECT min(road), max(road), min(sky), max(sky), min(car), max(car) FROM cg").fetchone()
        hists = [con.execute(f"SELECT label, side, least(floor(({c} - {lims[2 * j]}) / "
                             f"{(lims[2 * j + 1] - lims[2 * j]) / 20}), 19) AS b, count(*) FROM cg "
                             f"WHERE {c} IS NOT NULL GROUP BY ALL").fetchall()
                 for j, c in enumerate(("road", "sky", "car"))]
        return groups, hists

    id_list = ", ".join(map(str, in_ids(_rows_of(v1))))

    def in_list() -> Any:  # the list written out, as one would by hand; rows in file order, like tablelens
        n = con.execute(f"SELECT count(*) FROM {t} WHERE id IN ({id_list})").fetchone()
        return n, con.execute(f"SELECT file_row_number AS _key, * EXCLUDE (file_row_number) FROM {tr} "
                              f"WHERE id IN ({id_list}) ORDER BY file_row_number LIMIT 50").df()

    return {"simple filter + first page": simple, "nested $filter/$size + count": nested,
            "group with histograms": group, "sort + first page": sort, "compare versions (both) + page": compare,
            "compare versions (all) + page": compare_all, "compare + group by label": compare_group,
            IN_NAME: in_list}


def pandas_group(v1: str) -> tuple[float, float]:
    """Group with histograms in pandas (Arrow-backed, so the boxes column stays columnar):
    (seconds to read + compute, seconds to compute)."""
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_parquet(v1, dtype_backend="pyarrow")
    t1 = time.perf_counter()
    df["n_boxes"] = df["boxes"].list.len()
    out = {}
    edges = {}
    for c in ("id", "road", "sky", "car", "n_boxes"):
        col = df[c].dropna()
        lo, hi = col.min(), col.max()
        integral = c in ("id", "n_boxes")
        edges[c] = np.arange(lo, hi + 2, max(1, -(-(hi - lo + 1) // 20))) if integral else np.linspace(lo, hi, 21)
    for label, g in df.groupby("label", dropna=False):
        out[label] = {"count": len(g),
                      **{c: np.histogram(g[c].dropna().to_numpy(), bins=edges[c])[0] for c in edges},
                      "dominant_pred": g["dominant_pred"].value_counts().head(10)}
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1


# ----------------------------------------------------------------------------------------------- workers
def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(limit: str | None) -> tuple[str, str]:
    """The memory limit and spill folder both engines run with (tablelens's defaults unless `limit`)."""
    import tablelens as tl

    settings = tl.configure(memory_limit=limit) if limit else tl.configure()
    from tablelens.query._exec import _default_limit, _default_temp

    return settings.memory_limit or _default_limit(), settings.temp_directory or _default_temp()


def worker(kind: str, v1: str, v2: str, repeat: int, limit: str | None) -> dict[str, Any]:
    if kind == "pandas":
        runs = [pandas_group(v1) for _ in range(repeat)]
        return {"read+compute": min(r[0] for r in runs), "compute": min(r[1] for r in runs), "peak_mib": _peak_mib()}
    if kind == "spark":
        return spark_worker(v1, v2)
    mem, temp = _settings(limit)
    if kind in ("tablelens-memory", "duckdb-memory"):
        for fn in (tablelens_queries(v1, v2) if kind == "tablelens-memory"
                   else duckdb_queries(v1, v2, mem, temp)).values():
            fn()
        return {"peak_mib": _peak_mib()}
    tl, sql = tablelens_queries(v1, v2), duckdb_queries(v1, v2, mem, temp)
    if kind == "in":
        tl, sql = {IN_NAME: tl[IN_NAME]}, {IN_NAME: sql[IN_NAME]}
    times: dict[str, dict[str, list[float]]] = {name: {"tablelens": [], "duckdb": []} for name in tl}
    for name in tl:
        t0 = time.perf_counter()
        tl[name](), sql[name]()  # warm the page cache and the connection
        warm = time.perf_counter() - t0
        runs = max(repeat, min(30, int(2.0 / max(warm, 1e-3))))  # quick queries: more runs, steadier medians
        for _ in range(runs):
            for engine, fn in (("tablelens", tl[name]), ("duckdb", sql[name])):
                t0 = time.perf_counter()
                fn()
                times[name][engine].append(time.perf_counter() - t0)
        # as it goes, on stderr (passed through): a long run at 100M rows that is stopped still leaves figures
        print(f"{name}: tablelens {statistics.median(times[name]['tablelens']):.3f} s, DuckDB SQL "
              f"{statistics.median(times[name]['duckdb']):.3f} s (medians of {runs}); peak RSS so far "
              f"{_peak_mib():.0f} MiB; load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return {"times": times, "peak_mib": _peak_mib(), "limit": mem}


def spark_worker(v1: str, v2: str) -> dict[str, Any]:
    """The tablelens queries on a local Spark using every core: one warm-up run (JIT, file listing), then the
    best of two."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    import ibis
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "6g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    queries = tablelens_queries(v1, v2, ibis.pyspark.connect(spark))
    times: dict[str, list[float]] = {}
    for name, fn in queries.items():
        fn()
        times[name] = []
        for _ in range(2):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    spark.stop()
    return {"times": times, "peak_mib": _peak_mib()}


def run_worker(kind: str, v1: str, v2: str, repeat: int, limit: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--v1", v1, "--v2", v2, "--repeat", str(repeat)]
    out = subprocess.run(cmd + (["--memory-limit", limit] if limit else []), stdout=subprocess.PIPE, text=True,
                         check=False)  # the worker's stderr (progress, errors) goes straight to ours
    if out.returncode != 0:
        raise SystemExit(f"worker {kind} failed (its error is above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine(rows: int) -> str:
    import duckdb
    import ibis

    return (f"{rows:,} rows; {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; Python "
            f"{platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}; "
            f"load average {os.getloadavg()[0]:.1f}")


def spark_main(rows: int, v1: str, v2: str) -> None:
    import pyspark

    t0 = time.perf_counter()
    out = run_worker("spark", v1, v2, 1)
    print(f"\n{_machine(rows)}; PySpark {pyspark.__version__} local[*]; best of 2 after a warm-up\n")
    print("| query | tablelens on Spark | per row |\n|---|---|---|")
    for name, t in out["times"].items():
        print(f"| {name} | {min(t):.2f} s | {min(t) / rows * 1e9:.0f} ns |")
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", help="DuckDB memory limit of both engines (default: tablelens's)")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    ap.add_argument("--only-in", action="store_true", help="only the $in query (best and median)")
    ap.add_argument("--spark", action="store_true", help="time the tablelens queries on a local Spark instead")
    ap.add_argument("--worker")
    ap.add_argument("--v1")
    ap.add_argument("--v2")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.v1, args.v2, args.repeat, args.memory_limit)))
        return
    v1, v2 = generate(args.rows)
    if args.spark:
        spark_main(args.rows, v1, v2)
        return
    t0 = time.perf_counter()
    load = os.getloadavg()[0]
    if args.only_in:
        report_in(run_worker("in", v1, v2, args.repeat, args.memory_limit), args)
        return
    engines = run_worker("engines", v1, v2, args.repeat, args.memory_limit)
    memory = run_worker("tablelens-memory", v1, v2, 1, args.memory_limit)
    by_hand = run_worker("duckdb-memory", v1, v2, 1, args.memory_limit)
    pandas = None if args.no_pandas else run_worker("pandas", v1, v2, 1)
    print(f"\n{_machine(args.rows)} (at the start: {load:.1f}); DuckDB memory limit {engines['limit']} for both; "
          f"{args.repeat} runs or more (up to 30 for quick queries), the two engines interleaved\n")
    print("| query | tablelens median | DuckDB SQL median | ratio | tablelens best | DuckDB SQL best | ratio |\n"
          "|---|---|---|---|---|---|---|")
    for name, t in engines["times"].items():
        a, b = statistics.median(t["tablelens"]), statistics.median(t["duckdb"])
        ba, bb = min(t["tablelens"]), min(t["duckdb"])
        print(f"| {name} | {a:.3f} s | {b:.3f} s | {a / b:.2f}x | {ba:.3f} s | {bb:.3f} s | {ba / bb:.2f}x |")
    times = engines["times"]
    if "compare + group by label" in times:
        cg = statistics.median(times["compare + group by label"]["tablelens"])
        plain = statistics.median(times["compare versions (all) + page"]["tablelens"])
        print(f"\ncompare + group by label takes {cg / plain:.2f}x the plain compare query (all rows, first page)")
    print(f"\npeak RSS (getrusage), every query once: tablelens alone {memory['peak_mib']:.0f} MiB, hand-written "
          f"DuckDB SQL alone {by_hand['peak_mib']:.0f} MiB (both in one process, interleaved: "
          f"{engines['peak_mib']:.0f} MiB)")
    if pandas:
        group = statistics.median(engines["times"]["group with histograms"]["tablelens"])
        print(f"pandas group with histograms: {pandas['compute']:.2f} s computing ({pandas['compute'] / group:.1f}x "
              f"tablelens), {pandas['read+compute']:.2f} s with reading the columns "
              f"({pandas['read+compute'] / group:.1f}x); pandas peak memory {pandas['peak_mib']:.0f} MiB")
    report_in(engines, args, header=False)
    print(f"\n(total benchmark time {time.perf_counter() - t0:.0f} s; load average at the end "
          f"{os.getloadavg()[0]:.1f})")


def report_in(result: dict[str, Any], args: argparse.Namespace, header: bool = True) -> None:
    """Best and median of the `$in` query, against the list written out in DuckDB SQL."""
    if header:
        import duckdb
        import ibis

        print(f"\n{args.rows:,} rows; {os.cpu_count()} cores; Python {platform.python_version()}, DuckDB "
              f"{duckdb.__version__}, Ibis {ibis.__version__}")
    t = result["times"][IN_NAME]
    a, b = t["tablelens"], t["duckdb"]
    print(f"\n{IN_NAME}, {len(a)} runs each: tablelens best {min(a):.3f} s, median {statistics.median(a):.3f} s; "
          f"hand-written DuckDB `id IN (...)` best {min(b):.3f} s, median {statistics.median(b):.3f} s; "
          f"ratio best {min(a) / min(b):.2f}x, median {statistics.median(a) / statistics.median(b):.2f}x")


if __name__ == "__main__":
    main()
