"""Views, edits, exports and reports benchmark (issue 13).

    python benchmarks/views_bench.py [--rows 10000000] [--edits 10000] [--images 100] [--repeat 3] [--only edits]

- Edits: 10,000 cells of one column of a 10M-row table committed as a new version (only that column is written,
  as a column file beside the unchanged table), against rewriting the whole table by hand in DuckDB and against
  writing the same column file by hand with pyarrow; bytes written; then queries on the edited version against
  the original and against the same work by hand in DuckDB.
- Export: a 10M-row result to Parquet (and CSV) through `QueryResult.to_parquet`, against DuckDB's own `COPY`.
- Report: the size of a 100-row image view (640x480 photo-like images, 10 boxes in two layers and a mask each),
  part by part, at several thumbnail sizes.

The 10M-row table is query_bench.py's (generated once into benchmarks/data/). Prints figures; never passes or
fails on a time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent / "widget"))
sys.path.insert(0, str(HERE))

import tablelens as tl  # noqa: E402
from query_bench import SIMPLE, generate  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(best, median) seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


# ------------------------------------------------------------------------------------------------ edits
def bench_edits(rows: int, n_edits: int, repeat: int) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tablelens.codec import write_patched_column
    from tablelens.sources import resolve
    from tablelens.sources.edits import Edits

    v1, _ = generate(rows)
    work = DATA / "views"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store_dir = work / "store"
    os.environ["TABLELENS_DIR"] = str(store_dir)  # tl.query("preds:v0") finds the store
    run = tl.init(project="views-bench", dir=str(store_dir))
    t = time.perf_counter()
    art = tl.Artifact("preds", type="predictions")
    art.add_file(v1, "predictions.table.parquet")
    run.log_artifact(art)
    run.finish()
    table_bytes = os.path.getsize(v1)
    print(f"\n## Edits: {n_edits:,} cells of `label` in a {rows:,}-row table ({mib(table_bytes)} Parquet; "
          f"logged in {fmt(time.perf_counter() - t)})\n")
    rng = np.random.default_rng(13)
    picked = np.sort(rng.choice(rows, n_edits, replace=False))
    values = [f"relabelled_{i % 7}" for i in range(n_edits)]

    source = resolve("preds:v0", store=tl.Store(store_dir))
    store = tl.Store(store_dir)
    results: list[tuple[str, str, str]] = []

    def set_all() -> Edits:
        e = Edits(source)
        for r, v in zip(picked.tolist(), values):
            e.set(r, "label", v)
        return e

    t = time.perf_counter()
    edits = set_all()
    t_set = time.perf_counter() - t
    before = store.size()
    t = time.perf_counter()
    new = edits.commit(description="benchmark")
    t_commit = time.perf_counter() - t
    written = store.size() - before
    results.append((f"`Edits.set` x {n_edits:,} (each checked against the column's type)", fmt(t_set), ""))
    results.append(("`commit()`: new version = same table file + one column file", fmt(t_commit),
                    f"{mib(written)} written"))
    # baselines: the same column file by hand with pyarrow, and the whole table rewritten by hand in DuckDB
    out = str(work / "by-hand-column.parquet")
    arr = pa.array(values, pa.string())
    best, _ = timed(lambda: write_patched_column(v1, "label", picked, arr, out), 1)
    col = pq.ParquetFile(v1)

    def by_hand_pyarrow() -> None:
        labels = col.read(columns=["label"]).column(0).combine_chunks()
        index = np.arange(rows, dtype=np.int64)
        index[picked] = rows + np.arange(n_edits)
        pq.write_table(pa.table({"label": pa.concat_arrays([labels, arr]).take(pa.array(index))}), out,
                       compression="zstd")

    hand_col, _ = timed(by_hand_pyarrow, 1)
    patch = work / "patch.parquet"
    pq.write_table(pa.table({"row": pa.array(picked), "label": arr}), patch)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")

    def rewrite() -> None:
        con.execute(f"""COPY (SELECT b.* REPLACE (coalesce(p.label, b.label) AS label)
                        FROM read_parquet('{v1}', file_row_number=true) b
                        LEFT JOIN read_parquet('{patch}') p ON b.file_row_number = p.row
                        ORDER BY b.file_row_number) TO '{work / "rewrite.parquet"}' (FORMAT parquet)""")

    t_rewrite, _ = timed(rewrite, 1)
    results.append(("baseline: the column file by hand (pyarrow, whole column in memory)", fmt(hand_col), ""))
    results.append(("baseline: the whole table rewritten by hand (DuckDB COPY with a join)", fmt(t_rewrite),
                    f"{mib(os.path.getsize(work / 'rewrite.parquet'))} written"))
    results.append(("(tablelens's column writer alone, streamed by row group)", fmt(best), ""))
    _table(["what", "time", "bytes"], results)

    # queries on the edited version against the original, and against the same work by hand in DuckDB
    print(f"\nQueries on the edited version ({new.qualified_name}) and the original (best of {repeat}):\n")
    col_file = new.get_path(new.table_columns("predictions")["label"]).local_path
    names = pq.read_schema(v1).names
    select = ", ".join("c.label" if n == "label" else f"b.{n}" for n in names)
    con.execute(f"""CREATE VIEW edited AS SELECT b.file_row_number, {select}
                    FROM read_parquet('{v1}', file_row_number=true) b
                    POSITIONAL JOIN read_parquet('{col_file}') c""")
    con.execute(f"CREATE VIEW original AS SELECT * FROM read_parquet('{v1}', file_row_number=true, can_have_nan=true)")
    # the alternative not taken: a sparse patch (the edited cells only) joined on the row number in every query
    con.execute(f"""CREATE VIEW patched AS SELECT b.* REPLACE (coalesce(p.label, b.label) AS label)
                    FROM read_parquet('{v1}', file_row_number=true) b
                    LEFT JOIN read_parquet('{patch}') p ON b.file_row_number = p.row""")
    hit = "label = 'relabelled_3'"
    cases: dict[str, tuple[dict[str, Any], list[str]]] = {
        "count + first page": ({}, ["SELECT count(*) FROM {t}", "SELECT * FROM {t} LIMIT 50"]),
        "filter on the edited column: count + first page": (
            {"filter": "{$eq: ['$label', 'relabelled_3']}"},
            [f"SELECT count(*) FROM {{t}} WHERE {hit}", f"SELECT * FROM {{t}} WHERE {hit} LIMIT 50"]),
        "group by the edited column (by hand: counts only, no histograms)": (
            {"group_by": "label"}, ["SELECT label, count(*) FROM {t} GROUP BY label"]),
        "sort + first page": ({"sort": [("road", "desc")]},
                              ["SELECT count(*) FROM {t}", "SELECT * FROM {t} ORDER BY road DESC LIMIT 50"]),
    }
    rows_out = []
    for label, (kw, sql) in cases.items():
        def tl_query(spec: str, kw: dict[str, Any] = kw) -> Any:
            r = tl.query(spec, **kw)
            return r.num_rows, (r.page(0, 50) if not r.grouped else r.group_records(0, 50))

        orig, _ = timed(lambda: tl_query("preds:v0"), repeat)
        edited, _ = timed(lambda: tl_query(new.qualified_name), repeat)
        hand, _ = timed(lambda sql=sql: [con.execute(q.format(t="edited")).fetchall() for q in sql], repeat)
        hand0, _ = timed(lambda sql=sql: [con.execute(q.format(t="original")).fetchall() for q in sql], repeat)
        sparse, _ = timed(lambda sql=sql: [con.execute(q.format(t="patched")).fetchall() for q in sql], repeat)
        rows_out.append((label, fmt(orig), fmt(edited), fmt(hand0), fmt(hand), fmt(sparse)))
    _table(["query", "tablelens, original", "tablelens, edited", "by hand, original", "by hand, edited",
            "by hand, sparse patch instead"], rows_out)


# ------------------------------------------------------------------------------------------------ export
def bench_export(rows: int, repeat: int) -> None:
    import duckdb

    v1, _ = generate(rows)
    out = DATA / "views" / "export"
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    print(f"\n## Export of a {rows:,}-row table (best of {repeat})\n")
    result_all = tl.query(v1)
    result_some = tl.query(v1, filter=SIMPLE)
    n_some = result_some.num_rows
    table = []
    for label, result, where in (("every row", result_all, ""), (f"filter {SIMPLE} ({n_some:,} rows)", result_some,
                                                                  "WHERE road > 0.05")):
        ours, _ = timed(lambda result=result: result.to_parquet(out / "ours.parquet"), repeat)
        hand, _ = timed(lambda where=where: con.execute(
            f"COPY (SELECT * FROM read_parquet('{v1}') {where}) TO '{out / 'hand.parquet'}' "
            "(FORMAT parquet, COMPRESSION zstd)"), repeat)
        table.append((f"{label} to Parquet", fmt(ours), fmt(hand), mib(os.path.getsize(out / "ours.parquet"))))
    ours, _ = timed(lambda: result_all.to_csv(out / "ours.csv"), 1)
    hand, _ = timed(lambda: con.execute(f"COPY (SELECT * FROM read_parquet('{v1}')) TO '{out / 'hand.csv'}' "
                                        "(FORMAT csv, HEADER)"), 1)
    table.append(("every row to CSV (nested cells as JSON text)", fmt(ours), fmt(hand),
                  mib(os.path.getsize(out / "ours.csv"))))
    _table(["export", "`QueryResult.to_…`", "DuckDB COPY by hand", "file"], table)
    shutil.rmtree(out, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ report
def bench_report(n_images: int) -> None:
    from media_bench import realistic

    work = DATA / "views" / "report"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["TABLELENS_DIR"] = str(work / "store")
    run = tl.init(project="views-bench", dir=str(work / "store"))
    classes = tl.Classes([{"id": i, "name": f"class {i}"} for i in range(1, 11)])
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n_images):
        pixels = np.asarray(realistic(640, 480, i))
        mask = np.zeros((480, 640), np.uint8)
        mask[rng.integers(0, 240):, rng.integers(0, 320):] = 1 + i % 10
        boxes = {layer: {"box_data": [{"position": {"minX": float(x), "maxX": float(x) + 0.2, "minY": float(y),
                                                    "maxY": float(y) + 0.2},
                                       "class_id": int(rng.integers(1, 11)), "scores": {"conf": float(rng.random())}}
                                      for x, y in rng.uniform(0, 0.8, (5, 2))]}
                 for layer in ("ground_truth", "predictions")}
        rows.append([i, f"scene {i}", tl.Image(pixels, classes=classes, boxes=boxes,
                                              masks={"segmentation": {"mask_data": mask}})])
    art = tl.Artifact("scenes", type="dataset")
    art.add(tl.Table(columns=["id", "caption", "image"], data=rows), "scenes")
    run.log_artifact(art)
    run.finish()
    ex = tl.Explorer("scenes:v0", page_size=100)
    ex._wait()
    print(f"\n## Report of a {n_images}-row image view (640x480 photo-like images, 10 boxes in 2 layers and a "
          "mask each)\n")
    script = len((HERE.parent / "widget" / "tablelens" / "static" / "report.js").read_bytes())
    css = len((HERE.parent / "widget" / "tablelens" / "static" / "report.css").read_bytes())
    table = []
    for size in (128, 192, 256):
        t = time.perf_counter()
        made = tl.report([ex], title="bench", rows=n_images, thumb_size=size, path=work / f"report-{size}.html")
        took = time.perf_counter() - t
        start = made.html.index('id="tl-report-data">') + len('id="tl-report-data">')
        data = json.loads(made.html[start:made.html.index("</script>", start)])
        thumbs = sum(len(m.get("data", "")) for k, m in data["media"].items() if k.startswith("img"))
        masks = sum(len(m.get("data", "")) for k, m in data["media"].items() if k.startswith("mask"))
        rows_json = len(json.dumps(data["views"], separators=(",", ":")))
        table.append((f"{size} px", f"{made.size / 1e6:.2f} MB", f"{thumbs / 1e6:.2f} MB", f"{masks / 1e6:.2f} MB",
                      f"{rows_json / 1e6:.2f} MB", f"{(script + css) / 1e6:.2f} MB", fmt(took)))
        assert base64  # thumbnails are base64 text inside the page
    ex.close()
    _table(["thumbnails", "report file", "thumbnails (base64)", "masks (base64)", "rows, query, counts",
            "script + styles (plotly.js inside)", "made in"], table)


def _table(head: list[str], rows: list[tuple[str, ...]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--edits", type=int, default=10_000)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", choices=["edits", "export", "report"])
    a = p.parse_args()
    import duckdb
    import pyarrow

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__}, pyarrow {pyarrow.__version__}, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if a.only in (None, "edits"):
        bench_edits(a.rows, a.edits, a.repeat)
    if a.only in (None, "export"):
        bench_export(a.rows, a.repeat)
    if a.only in (None, "report"):
        bench_report(a.images)


if __name__ == "__main__":
    main()
