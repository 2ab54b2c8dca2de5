"""`tablelens query` on a large table: the rows a filter selects, written as CSV, Parquet and JSON lines by the
command (a subprocess, as a shell user runs it), against the same `COPY` written by hand with DuckDB in a
subprocess of its own — wall time and the process's peak memory (max RSS). The command streams through the
engine's exports, so its memory should stay flat whatever the size, like the hand-written `COPY`.

Prints figures; never passes or fails on a time. Run: `python benchmarks/cli_bench.py [--rows N]` (default
5,000,000; the table is kept in benchmarks/data/cli/ and reused).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))

__all__ = ["main"]

FILTER = "{$and: [{$eq: ['$correct', false]}, {$gt: ['$confidence', 0.5]}]}"
SQL_WHERE = "correct = false AND confidence > 0.5"


def build(store: Path, rows: int) -> str:
    import tablelens as tl
    from tablelens.demo.large import write_predictions_parquet

    with tl.init(project="bench", job_type="generate", dir=str(store)) as run:
        tmp = store / "tmp-table.parquet"
        write_predictions_parquet(str(tmp), rows, "baseline")
        art = tl.Artifact("big", "predictions")
        art.add_file(str(tmp), "predictions.table.parquet")
        run.log_artifact(art)
        tmp.unlink()
    return tl.Store(store).object_path(tl.Store(store).artifact("big:v0").get_path("predictions.table.parquet").digest)


_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process, started by a small Python of its own (a child forked
    from this process would count this process's memory as its own until it execs)."""
    got = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], env=env, check=True, capture_output=True, text=True)
    wall, kb = got.stdout.split()
    return float(wall), float(kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "cli")
    args = ap.parse_args()
    store = args.data / f"rows-{args.rows}"
    if not (store / "artifacts" / "big").exists():
        shutil.rmtree(store, ignore_errors=True)
        t0 = time.perf_counter()
        build(store, args.rows)
        print(f"made the {args.rows:,}-row table in {time.perf_counter() - t0:.1f} s")
    import tablelens as tl

    st = tl.Store(store)
    parquet = st.object_path(st.artifact("big:v0").get_path("predictions.table.parquet").digest)
    out = args.data / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "widget"), "TABLELENS_DIR": str(store)}
    cli = [sys.executable, "-m", "tablelens.cli"]
    # the import of tablelens alone, so the figures below can be read without it
    wall, base = timed([sys.executable, "-c", "import tablelens"], env)
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}; {args.rows:,} rows, {os.path.getsize(parquet) / 1e6:.0f} MB "
          f"of Parquet")
    print(f"python -c 'import tablelens': {wall:.2f} s, peak RSS {base:.0f} MB")
    print(f"{'format':8s} {'tablelens query (s)':>20s} {'peak RSS (MB)':>14s} {'DuckDB COPY by hand (s)':>24s} "
          f"{'peak RSS (MB)':>14s} {'rows':>10s}")
    for fmt, ext, options in (("csv", "csv", "FORMAT csv, HEADER"), ("parquet", "parquet", "FORMAT parquet"),
                              ("jsonl", "jsonl", "FORMAT json")):
        hand = [sys.executable, "-c",
                "import duckdb; duckdb.sql(\"COPY (SELECT * FROM read_parquet('" + parquet + "') WHERE "
                + SQL_WHERE + f") TO '{out / ('hand.' + ext)}' ({options})\")"]
        hw, hp = timed(hand, env)
        cw, cp = timed([*cli, "query", "big:v0", "--filter", FILTER, "--no-key", "--format", fmt,
                        "-o", str(out / f"cli.{ext}")], env)
        rows = "-"
        if fmt == "csv":
            with open(out / "cli.csv") as f:
                rows = str(sum(1 for _ in f) - 1)
        print(f"{fmt:8s} {cw:20.2f} {cp:14.0f} {hw:24.2f} {hp:14.0f} {rows:>10s}")


if __name__ == "__main__":
    main()
