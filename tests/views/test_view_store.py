"""Saved views in the store: revisions, listing, the layout on disk, bad names, and concurrent savers."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Any

import pytest

import tablelens as tl


def _spec(i: int) -> dict[str, Any]:
    return {"format": 1, "source": {"spec": "preds:v0", "artifact": "preds", "version": "v0", "resolved": "v0",
                                    "table": "predictions"},
            "query": {"filter": f"{{$gt: ['$score', {i / 100}]}}", "group_by": [], "sort": []},
            "hidden_columns": [], "overlay": {}, "page_size": 50, "schema": ["id", "score"]}


def test_saving_again_keeps_every_revision(preds: dict[str, Any]) -> None:
    store = preds["store"]
    first = store.save_view("preds", "hard", _spec(1), "first try")
    second = store.save_view("preds", "hard", _spec(2), "second try")
    assert (first.revision, second.revision) == (1, 2)
    assert store.view("preds", "hard").spec == _spec(2)
    assert store.view("preds", "hard", revision=1).spec == _spec(1)
    assert [v.description for v in store.view_history("preds", "hard")] == ["first try", "second try"]
    store.save_view("preds", "easy", _spec(3))
    assert [(v.name, v.revision) for v in store.views("preds")] == [("easy", 1), ("hard", 2)]
    # beside the artifact, one file per revision; the version manifests are untouched
    folder = Path(store.dir) / "artifacts" / "preds" / "views" / "hard"
    assert sorted(os.listdir(folder)) == ["r1.json", "r2.json"]
    assert json.loads((folder / "r2.json").read_text())["spec"] == _spec(2)
    assert store.versions("preds")[0]["digest"] == tl.Store(store.dir).artifact("preds:v0").digest


def test_unknown_views_and_bad_names_say_what_there_is(preds: dict[str, Any]) -> None:
    store = preds["store"]
    store.save_view("preds", "hard", _spec(1))
    with pytest.raises(tl.ArtifactNotFoundError, match=r"no view named 'easy'.*\['hard'\]"):
        store.view("preds", "easy")
    with pytest.raises(tl.ArtifactNotFoundError, match="no revision 7"):
        store.view("preds", "hard", revision=7)
    with pytest.raises(ValueError, match="letters, digits"):
        store.save_view("preds", "../escape", _spec(1))
    with pytest.raises(tl.ArtifactNotFoundError, match="no artifact named 'nothing'"):
        store.save_view("nothing", "hard", _spec(1))
    with pytest.raises(ValueError, match="JSON"):
        store.save_view("preds", "bad", {"format": 1, "query": {}, "x": object()})
    assert [v.name for v in store.views("preds")] == ["hard"]  # the refused saves left nothing behind


def _save_many(args: tuple[str, int, int]) -> list[int]:
    store_dir, worker, n = args
    store = tl.Store(store_dir)
    return [store.save_view("preds", "shared", {**_spec(worker), "worker": worker, "i": i}).revision
            for i in range(n)]


@pytest.mark.slow
def test_concurrent_saves_keep_every_revision(preds: dict[str, Any]) -> None:
    """Processes saving the same view at once: every save gets its own revision and none is lost."""
    store = preds["store"]
    workers, each = 4, 15
    ctx = mp.get_context("spawn")  # fresh interpreters, as separate notebook kernels would be
    with ctx.Pool(workers) as pool:
        got = pool.map(_save_many, [(store.dir, w, each) for w in range(workers)])
    revisions = sorted(r for rs in got for r in rs)
    assert revisions == list(range(1, workers * each + 1))
    history = store.view_history("preds", "shared")
    saved = sorted((v.spec["worker"], v.spec["i"]) for v in history)
    assert saved == sorted((w, i) for w in range(workers) for i in range(each))
    assert not [f for f in os.listdir(store.tmp_dir) if f.startswith("view-")]  # no temporary file left
