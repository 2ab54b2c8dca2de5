"""Managing versions on object storage: alias moves (each recorded), edits and deletes hold the artifact's manager
lock, which there is a lease created with a conditional PUT; concurrent managers in other processes lose nothing."""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import time

import pytest
from _s3_workers import manage_at_once

import tablelens as tl
from tablelens.artifacts.storage import LEASE_STALE_S


def _log(url: str, n: int) -> tl.Store:
    run = tl.init(dir=url)
    for i in range(n):
        art = tl.Artifact("m", "dataset", description=f"d{i}", metadata={"i": i})
        art.add(tl.Table(columns=["id"], data=[[i]]), "t")
        run.log_artifact(art)
    run.finish()
    return tl.Store(url)


def test_alias_moves_edits_and_deletes_on_s3_are_recorded(s3_url: str) -> None:
    store = _log(s3_url, 3)
    store.alias("m:v0", "prod")
    store.alias("m:v2", "prod")
    store.remove_alias("m", "prod")
    assert [(r["version"], r["previous"]) for r in store.alias_history("m", "prod")] == [
        ("v0", None), ("v2", "v0"), (None, "v2")]
    store.edit("m:v1", description="better", update_metadata={"tag": "x"})
    assert store.artifact("m:v1").description == "better"
    assert store.artifact("m:v1").metadata == {"i": 1, "tag": "x"}
    assert [r["description"] for r in store.edit_history("m:v1")] == ["d1", "better"]
    store.alias("m:v1", "keep")
    with pytest.raises(tl.VersionInUseError):
        store.delete("m:v1")
    assert store.delete("m:v1", force=True) == "m:v1"
    assert [v["version"] for v in store.versions("m")] == ["v0", "v2"]
    assert store.alias_history("m", "keep")[-1]["version"] is None  # the forced delete's removal is recorded
    assert not store.storage.exists("artifacts/m/manage.lock")  # every lease released
    assert store.verify().ok


def test_an_abandoned_lease_is_taken_over(s3_url: str) -> None:
    store = _log(s3_url, 1)
    stale = {"host": "gone", "pid": 1, "token": "t", "at": time.time() - LEASE_STALE_S - 1}
    assert store.storage.create("artifacts/m/manage.lock", json.dumps(stale).encode())  # a manager that died
    t0 = time.perf_counter()
    store.alias("m:v0", "prod")
    assert time.perf_counter() - t0 < 10 and store.aliases("m") == {"prod": "v0"}
    assert not store.storage.exists("artifacts/m/manage.lock")


@pytest.mark.slow
def test_concurrent_managers_on_s3_lose_nothing(s3_url: str) -> None:
    store = _log(s3_url, 3)
    managers, moves = 4, 6
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(managers), ctx.Queue()
    procs = [ctx.Process(target=manage_at_once, args=(s3_url, w, moves, barrier, out)) for w in range(managers)]
    for p in procs:
        p.start()
    assert sorted(out.get(timeout=300) for _ in range(managers)) == list(range(managers))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    moved = store.alias_history("m", "production")
    assert [m["revision"] for m in moved] == list(range(1, managers * moves + 1))  # none lost or overwritten
    assert all(m["previous"] == p["version"] for p, m in itertools.pairwise(moved))  # one move at a time
    assert store.aliases("m")["production"] == moved[-1]["version"]
    assert store.artifact("m:v0").metadata == {"i": 0, **{f"k{w}": moves - 1 for w in range(managers)}}
    assert len(store.edit_history("m:v0")) == managers * moves + 1
    assert store.verify().ok
