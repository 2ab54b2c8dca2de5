"""Managing versions after they are logged: aliases added, moved and removed (every move recorded), versions
deleted (refused while an alias names them; bytes reclaimed by gc), descriptions and metadata edited (recorded;
the manifest, files and digest never change) — and all of it with concurrent writers in other processes."""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
from pathlib import Path
from typing import Any

import pytest
from _manage_workers import edit_keys, move_aliases, race_round

import tablelens as tl

VERSIONS = 6


@pytest.fixture
def store(run: Any) -> tl.Store:
    """`preds` v0..v5 (one row each, description and metadata), logged by the test's run."""
    for i in range(VERSIONS):
        art = tl.Artifact("preds", type="predictions", description=f"model {i}", metadata={"i": i, "tag": "x"})
        art.add(tl.Table(columns=["id", "score"], data=[[i, i / 10]]), "predictions")
        run.log_artifact(art)
    return run.store


def _file(store: tl.Store, n: int) -> Path:
    return Path(store.dir) / "artifacts" / "preds" / f"v{n}.json"


def test_aliases_are_added_moved_and_removed_with_every_move_recorded(store: tl.Store) -> None:
    assert store.alias("preds:v1", "production") == "preds:v1"
    assert store.alias("preds:v3", "production") == "preds:v3"  # moved
    assert store.alias("preds:latest", "newest") == "preds:v5"
    assert store.aliases("preds") == {"production": "v3", "newest": "v5"}
    assert store.artifact("preds:production").version == "v3"
    assert "production" not in store.artifact("preds:v1").aliases
    store.remove_alias("preds", "production")
    assert store.aliases("preds") == {"newest": "v5"}
    moves = [(m["previous"], m["version"]) for m in store.alias_history("preds", "production")]
    assert moves == [(None, "v1"), ("v1", "v3"), ("v3", None)]
    assert [m["revision"] for m in store.alias_history("preds", "production")] == [1, 2, 3]
    assert {m["alias"] for m in store.alias_history("preds")} == {"production", "newest"}
    by = store.alias_history("preds", "newest")[0]["by"]
    assert by["run"] == tl.artifacts.current_run().id
    with pytest.raises(ValueError, match="reserved"):
        store.alias("preds:v1", "latest")
    with pytest.raises(tl.ArtifactNotFoundError, match="no version v9"):
        store.alias("preds:v9", "x")
    with pytest.raises(tl.ArtifactNotFoundError, match="no alias 'production'"):
        store.remove_alias("preds", "production")
    assert store.verify().ok


def test_a_version_is_deleted_only_when_no_alias_names_it_and_gc_reclaims_its_bytes(store: tl.Store) -> None:
    store.alias("preds:v2", "production")
    with pytest.raises(tl.VersionInUseError, match="production"):
        store.delete("preds:v2")
    assert store.artifact("preds:v2").version == "v2"
    table_digest = store.artifact("preds:v2").get_path("predictions.table.parquet").digest
    assert store.delete("preds:v2", force=True) == "preds:v2"
    assert store.aliases("preds") == {}
    assert store.alias_history("preds", "production")[-1]["version"] is None  # the forced removal is recorded
    with pytest.raises(tl.ArtifactNotFoundError, match="deleted"):
        store.artifact("preds:v2")
    with pytest.raises(tl.ArtifactNotFoundError):
        store.alias("preds:v2", "back")
    assert store.has_object(table_digest)  # the bytes stay until gc
    report = store.gc()
    assert table_digest in report.objects and not store.has_object(table_digest)
    assert [v["version"] for v in store.versions("preds")] == ["v0", "v1", "v3", "v4", "v5"]
    assert store.verify().ok


def test_edits_change_description_and_metadata_never_the_logged_version(store: tl.Store) -> None:
    before = _file(store, 1).read_bytes()
    digest = store.artifact("preds:v1").digest
    art = store.edit("preds:v1", description="the first real model")
    assert (art.description, art.metadata) == ("the first real model", {"i": 1, "tag": "x"})
    art = store.edit("preds:v1", update_metadata={"reviewed": True}, remove_metadata=["tag"])
    assert art.metadata == {"i": 1, "reviewed": True} and art.description == "the first real model"
    art = store.edit("preds:v1", metadata={"only": [1, 2]}, description=None)
    assert (art.description, art.metadata) == (None, {"only": [1, 2]})
    again = store.artifact("preds:v1")
    assert (again.description, again.metadata, again.digest) == (None, {"only": [1, 2]}, digest)
    assert _file(store, 1).read_bytes() == before  # the manifest is never rewritten
    assert store.artifact("preds:v0").description == "model 0"  # other versions untouched
    history = store.edit_history("preds:v1")
    assert [h["revision"] for h in history] == [0, 1, 2, 3]
    assert [h["description"] for h in history] == ["model 1", "the first real model", "the first real model", None]
    assert history[0]["metadata"] == {"i": 1, "tag": "x"}
    assert tl.query("preds:v1").to_pandas()["id"].tolist() == [1]
    assert store.verify().ok


def test_bad_edits_are_refused_and_change_nothing(store: tl.Store) -> None:
    with pytest.raises(ValueError, match="nothing to edit"):
        store.edit("preds:v1")
    with pytest.raises(ValueError, match="JSON-serialisable"):
        store.edit("preds:v1", metadata={"f": object()})
    with pytest.raises(TypeError, match="dict"):
        store.edit("preds:v1", metadata=[1, 2])
    with pytest.raises(TypeError, match="description"):
        store.edit("preds:v1", description=3)
    with pytest.raises(KeyError, match="no metadata key"):
        store.edit("preds:v1", remove_metadata=["nope"])
    with pytest.raises(ValueError, match="name:v3"):
        store.edit("preds", description="x")
    store.delete("preds:v4")
    with pytest.raises(tl.ArtifactNotFoundError):
        store.edit("preds:v4", description="x")
    assert len(store.edit_history("preds:v1")) == 1


def test_a_tampered_edit_is_never_shown_and_verify_names_it(store: tl.Store) -> None:
    store.edit("preds:v3", description="reviewed")
    record = Path(store.dir) / "artifacts" / "preds" / "edits" / "v3" / "r1.json"
    data = json.loads(record.read_text())
    data["description"] = "tampered"
    record.write_text(json.dumps(data))
    with pytest.raises(tl.CorruptFileError, match="checksum"):
        store.artifact("preds:v3")
    report = store.verify()
    assert [p.kind for p in report.problems] == ["damaged-edit"] and report.damaged_versions == ["preds:v3"]
    record.unlink()  # as the message says: removing it falls back on the version as logged
    assert store.artifact("preds:v3").description == "model 3"


# ------------------------------------------------------------------------------------------------ processes
_keep: list[Any] = []  # the barriers of running processes: a collected barrier's semaphore is unlinked


def _spawn(target: Any, args_of: list[tuple[Any, ...]]) -> tuple[list[Any], Any]:
    """Start one process per argument tuple; their trailing `"B", "Q"` become a shared barrier and queue."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(args_of)), ctx.Queue()
    _keep.append(barrier)
    procs = [ctx.Process(target=target, args=(*a[:-2], barrier, out)) for a in args_of]
    for p in procs:
        p.start()
    return procs, out


@pytest.mark.slow
def test_concurrent_alias_moves_lose_nothing(store: tl.Store) -> None:
    writers, moves = 4, 15
    procs, out = _spawn(move_aliases, [(store.dir, w, moves, VERSIONS, "B", "Q") for w in range(writers)])
    mine = dict(out.get(timeout=240) for _ in range(writers))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    aliases = store.aliases("preds")
    for w in range(writers):  # each writer's own alias ends where that writer put it last, every move recorded
        assert aliases[f"mine-{w}"] == mine[w][-1]
        assert [m["version"] for m in store.alias_history("preds", f"mine-{w}")] == mine[w]
    shared = store.alias_history("preds", "production")
    assert [m["revision"] for m in shared] == list(range(1, writers * moves + 1))  # none lost, none overwritten
    assert aliases["production"] == shared[-1]["version"]  # the last move recorded is the one in force
    assert all(m["previous"] == p["version"] for p, m in itertools.pairwise(shared))  # one move at a time
    assert store.verify().ok


@pytest.mark.slow
def test_a_delete_and_an_alias_move_at_once_never_leave_an_alias_on_a_deleted_version(store: tl.Store) -> None:
    rounds = VERSIONS - 1
    procs, out = _spawn(race_round, [(store.dir, role, rounds, "B", "Q") for role in ("mover", "deleter")])
    got: dict[int, dict[str, str]] = {}
    for _ in range(2 * rounds):
        r, role, outcome = out.get(timeout=240)
        got.setdefault(r, {})[role] = outcome
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    live = {v["version"] for v in store.versions("preds")}
    for r, outcome in sorted(got.items()):
        v = f"v{r + 1}"
        # exactly one of them won the version: moved there (delete refused) or deleted it (the move finds it gone)
        assert outcome in ({"mover": "ok", "deleter": "in-use"}, {"mover": "gone", "deleter": "ok"}), (r, outcome)
        assert (v in live) == (outcome["mover"] == "ok")
    report = store.verify()
    assert report.ok, report
    if "prod" in store.aliases("preds"):
        assert store.aliases("preds")["prod"] in live


@pytest.mark.slow
def test_concurrent_edits_of_different_keys_lose_nothing(store: tl.Store) -> None:
    editors, edits = 4, 10
    procs, out = _spawn(edit_keys, [(store.dir, w, edits, "B", "Q") for w in range(editors)])
    assert sorted(out.get(timeout=240) for _ in range(editors)) == list(range(editors))
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    art = store.artifact("preds:v0")
    assert art.metadata == {"i": 0, "tag": "x", **{f"k{w}": edits - 1 for w in range(editors)}}
    assert len(store.edit_history("preds:v0")) == editors * edits + 1
    assert art.digest == store.versions("preds")[0]["digest"]
