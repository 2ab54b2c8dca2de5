"""Concurrent writers on the loopback S3 server, in 8 processes: different contents make one version each, identical
contents one version, appends a chain of versions in which nothing is lost; a writer killed mid-log leaves no
visible version and nothing `gc` cannot clean."""

from __future__ import annotations

import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _s3_workers import image_of, log_at_once, log_until_killed

import tablelens as tl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "appends"))  # the append tests' own check
from test_concurrent_appends import ROWS, WRITERS, check_chain, start_chain


@pytest.mark.slow
def test_eight_writers_at_once_on_s3(s3_url: str) -> None:
    start_chain(s3_url)
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(WRITERS), ctx.Queue()
    procs = [ctx.Process(target=log_at_once, args=(s3_url, w, ROWS, barrier, out)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    got: dict[str, list[tuple[int, str]]] = {"diff": [], "same": [], "grow": []}
    for _ in range(3 * WRITERS):
        name, who, version = out.get(timeout=300)
        got[name].append((who, version))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0

    store = tl.Store(s3_url)
    assert sorted(v for _, v in got["diff"]) == [f"v{k}" for k in range(WRITERS)], got  # one each, none lost
    for who, version in got["diff"]:
        row = store.artifact(f"diff:{version}").get("t").data[0]
        assert row[0] == who and np.array_equal(row[1].to_numpy(), image_of(who))  # none overwritten
    assert [v for _, v in got["same"]] == ["v0"] * WRITERS  # identical contents: one version
    assert [v["version"] for v in store.versions("same")] == ["v0"]
    check_chain(store, got["grow"])  # appends: a chain of versions, every row of every writer in the latest


@pytest.mark.slow
def test_a_writer_killed_mid_log_on_s3(s3_url: str) -> None:
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    p = ctx.Process(target=log_until_killed, args=(s3_url, 0, ready))
    p.start()
    assert ready.wait(120)
    time.sleep(random.uniform(1.5, 3.0))
    p.kill()  # SIGKILL: no cleanup of any kind runs
    p.join(30)
    store = tl.Store(s3_url)
    versions = store.versions("crash") if store.artifacts() else []
    for v in versions:  # every published version reads back whole
        rows = store.artifact(f"crash:{v['version']}").get("t").data
        assert len(rows) == 10
        assert all(np.array_equal(img.to_numpy(), image_of(1000 * w + 20 * r + i)) for w, r, i, img in rows)
    before = store.verify()
    assert before.ok, str(before)  # no published version lacks an object
    store.gc(grace=0)  # what the dead writer uploaded for a version it never published
    after = store.verify()
    assert after.ok and after.unreferenced == 0 and after.versions == len(versions)
    run = tl.init(dir=s3_url)  # and the next writer logs as if nothing happened
    art = tl.Artifact("crash", "dataset")
    art.add(tl.Table(columns=["writer", "round", "i", "img"], data=[[9, 0, 0, tl.Image(image_of(9000))]]), "t")
    assert run.log_artifact(art).version == f"v{len(versions)}"
    run.finish()


