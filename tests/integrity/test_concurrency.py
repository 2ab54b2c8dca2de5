"""Concurrent writers: identical contents logged at once make one version, different contents one version each;
writers killed with SIGKILL at random moments leave nothing `gc` cannot clean, and never a broken version."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import time
from pathlib import Path

import numpy as np
import pytest
from _workers import image_of, log_after_gc, log_rounds, log_until_killed

import tablelens as tl

N = 4
ROUNDS = 6


def _run_rounds(store: Path, identical: bool) -> dict[int, list[str]]:
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(N), ctx.Queue()
    procs = [ctx.Process(target=log_rounds, args=(str(store), who, ROUNDS, barrier, identical, out))
             for who in range(N)]
    for p in procs:
        p.start()
    got: dict[int, list[str]] = {r: [] for r in range(ROUNDS)}
    for _ in range(N * ROUNDS):
        _who, r, version = out.get(timeout=240)
        got[r].append(version)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return got


@pytest.mark.slow
def test_identical_contents_logged_at_once_make_one_version(store_dir: Path) -> None:
    tl.Store(store_dir)
    got = _run_rounds(store_dir, identical=True)
    store = tl.Store(store_dir)
    for r in range(ROUNDS):
        assert got[r] == ["v0"] * N, got
        assert [v["version"] for v in store.versions(f"same-{r}")] == ["v0"]


@pytest.mark.slow
def test_different_contents_logged_at_once_make_one_version_each(store_dir: Path) -> None:
    tl.Store(store_dir)
    got = _run_rounds(store_dir, identical=False)
    store = tl.Store(store_dir)
    for r in range(ROUNDS):
        assert sorted(got[r]) == [f"v{i}" for i in range(N)], got
        writers = sorted(store.artifact(f"diff-{r}:v{i}").get("t").data[0][1] for i in range(N))
        assert writers == list(range(N))  # none lost, none overwritten


def _reachable(store: tl.Store) -> set[str]:
    keep = set()
    for name in store.artifacts():
        for v in store.versions(name):
            m = json.loads((Path(store.dir) / "artifacts" / name / f"{v['version']}.json").read_text())
            keep |= {e["digest"] for e in m["contents"].values()}
    return keep


def _objects(store: tl.Store) -> set[str]:
    return {f for _, _, files in os.walk(store.objects_dir) for f in files}


@pytest.mark.slow
def test_writers_killed_at_random_moments_then_gc(store_dir: Path) -> None:
    store = tl.Store(store_dir)
    ctx = mp.get_context("spawn")
    rnd = random.Random()
    delays = [rnd.uniform(0.05, 2.5) for _ in range(N)]
    readies = [ctx.Event() for _ in range(N)]
    procs = [ctx.Process(target=log_until_killed, args=(str(store_dir), w, readies[w])) for w in range(N)]
    for p in procs:
        p.start()
    for w in range(N):
        assert readies[w].wait(120), f"writer {w} did not start"
    start = time.monotonic()
    for w in sorted(range(N), key=lambda w: delays[w]):
        time.sleep(max(0.0, delays[w] - (time.monotonic() - start)))
        p = procs[w]
        p.kill()  # SIGKILL: no cleanup of any kind runs
        p.join(30)
    note = f"kill delays {delays}"

    report = store.gc()
    assert _objects(store) == _reachable(store), note  # exactly the reachable objects are left
    assert sorted(os.listdir(store.tmp_root)) == [], (note, report)  # every dead writer's folder is gone
    check = store.verify()
    assert check.ok and check.unreferenced == 0, (note, str(check))
    for name in store.artifacts():
        for v in store.versions(name):
            rows = store.artifact(f"{name}:{v['version']}").get("t").data
            assert len(rows) == 20, note
            for _writer, _round, seed, img in rows:  # every version reads back whole
                assert np.array_equal(img.to_numpy(), image_of(seed)), note
    run = tl.init(dir=str(store_dir))  # and the next log succeeds
    art = tl.Artifact("after", "dataset")
    art.add(tl.Table(columns=["seed", "img"], data=[[0, tl.Image(image_of(0))]]), "t")
    run.log_artifact(art)
    assert np.array_equal(run.use_artifact("after:v0").get("t").data[0][1].to_numpy(), image_of(0))


@pytest.mark.slow
def test_gc_leaves_a_live_writer_in_another_process_alone(store_dir: Path) -> None:
    run = tl.init(dir=str(store_dir))
    first = tl.Artifact("first", "dataset")
    first.add(tl.Table(columns=["seed", "img"], data=[[s, tl.Image(image_of(s))] for s in range(4)]), "t")
    run.log_artifact(first)
    store = tl.Store(store_dir)
    ctx = mp.get_context("spawn")
    staged, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    p = ctx.Process(target=log_after_gc, args=(str(store_dir), staged, go, out))
    p.start()
    assert staged.wait(120)
    store.delete("first:v0")  # now only the live writer's staging refers to the four images
    report = store.gc()
    images = {e["digest"] for path, e in first.manifest.items() if path.startswith("media/images/")}
    assert not images & set(report.objects) and report.live_folders and not report.folders
    go.set()
    assert out.get(timeout=120) == "v0"
    p.join(60)
    assert p.exitcode == 0
    rows = store.artifact("late:v0").get("t").data
    assert all(np.array_equal(img.to_numpy(), image_of(s)) for s, img in rows)
    assert store.verify().ok
