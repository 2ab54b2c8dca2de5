"""Appends logged at once by 8 processes: each makes its own version, and each version holds every row of the
version before it plus its writer's rows — the latest holds all of them, none lost, none twice."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest
from _append_workers import append_rows

import tablelens as tl

WRITERS = 8
ROWS = 25


def start_chain(store: str) -> None:
    """`grow:v0`, the table the writers append to: 10 rows of writer -1."""
    run = tl.init(dir=store)
    base = tl.Artifact("grow", "dataset")
    base.add(tl.Table(columns=["who", "i"], data=[[-1, i] for i in range(10)]), "t")
    run.log_artifact(base)
    run.finish()


def run_appenders(store: str) -> list[tuple[int, str]]:
    start_chain(store)
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(WRITERS), ctx.Queue()
    procs = [ctx.Process(target=append_rows, args=(store, w, ROWS, barrier, out)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    got = [out.get(timeout=240) for _ in range(WRITERS)]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return got


def check_chain(store: tl.Store, got: list[tuple[int, str]]) -> None:
    assert sorted(v for _, v in got) == [f"v{k}" for k in range(1, WRITERS + 1)], got  # one version each
    writer_of = {v: w for w, v in got}
    previous: list[list[Any]] = [[-1, i] for i in range(10)]
    for k in range(1, WRITERS + 1):
        rows = store.artifact(f"grow:v{k}").get("t").data
        added = [[writer_of[f"v{k}"], i] for i in range(ROWS)]
        assert rows == previous + added, f"v{k}"  # the version before it, then its writer's rows
        previous = rows
    latest = store.artifact("grow:latest")
    assert len(latest.table_parts("t")) == WRITERS + 1
    counts = tl.query(latest, table="t", group_by="who").to_pandas().set_index("who")["count"].to_dict()
    assert counts == {-1: 10, **{w: ROWS for w in range(WRITERS)}}  # every writer's rows once
    assert store.verify().ok


@pytest.mark.slow
def test_appends_at_once_lose_nothing(store_dir: Any) -> None:
    got = run_appenders(str(store_dir))
    check_chain(tl.Store(store_dir), got)
