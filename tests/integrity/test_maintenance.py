"""`Store.verify()`, `Store.gc()`, `Store.delete()` and aliases: what is damaged or missing is reported with the
versions it affects; deleting a version or an alias, then gc, reclaims exactly the bytes nothing else uses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tablelens as tl
from tablelens._core.errors import VersionInUseError


def _log(run: Any, name: str, n: int, *, seed: int = 0, aliases: tuple[str, ...] = ()) -> tl.Artifact:
    rng = np.random.default_rng(seed)
    art = tl.Artifact(name, "dataset")
    art.add(tl.Table(columns=["i", "img"], data=[[i, tl.Image(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))]
                                                 for i in range(n)]), "t")
    run.log_artifact(art, aliases=list(aliases))
    return art


def _objects(store: tl.Store) -> set[str]:
    return {f for _, _, files in os.walk(store.objects_dir) for f in files}


def _reachable(store: tl.Store) -> set[str]:
    """Digests named by every version that is not deleted, read from the manifests by hand."""
    out = set()
    for name in os.listdir(Path(store.dir) / "artifacts"):
        for v in store.versions(name):
            m = json.loads((Path(store.dir) / "artifacts" / name / f"{v['version']}.json").read_text())
            out |= {e["digest"] for e in m["contents"].values()}
    return out


def test_verify_reports_damaged_and_missing_objects_with_the_versions_they_affect(run: Any) -> None:
    a0 = _log(run, "ds", 3, seed=0)
    _log(run, "ds", 4, seed=0)  # v1 shares the three images of v0
    _log(run, "other", 2, seed=5)
    store = tl.Store(run.store.dir)
    report = store.verify()
    assert report.ok and report.versions == 3 and report.objects == len(_objects(store)), str(report)
    shared = next(e["digest"] for p, e in a0.manifest.items() if p.startswith("media/images/"))
    with open(store.object_path(shared), "r+b") as f:
        f.seek(3)
        f.write(b"\0")
    table_of_other = store.artifact("other:v0").manifest["t.table.parquet"]["digest"]
    os.remove(store.object_path(table_of_other))
    report = store.verify()
    assert not report.ok
    kinds = {p.kind: p for p in report.problems}
    assert set(kinds) == {"damaged-object", "missing-object"}
    assert kinds["damaged-object"].versions == ("ds:v0", "ds:v1")
    assert kinds["damaged-object"].paths[0].startswith("media/images/")
    assert kinds["missing-object"].versions == ("other:v0",) and kinds["missing-object"].paths == ("t.table.parquet",)
    assert report.damaged_versions == ["ds:v0", "ds:v1", "other:v0"]
    text = str(report)
    assert "damaged-object" in text and "ds:v1" in text and shared in text


def test_verify_reports_damaged_manifests_aliases_and_loops(run: Any) -> None:
    _log(run, "ds", 2, aliases=("best",))
    _log(run, "ds", 3)
    store = tl.Store(run.store.dir)
    aliases = Path(store.dir) / "artifacts" / "ds" / "aliases"
    (aliases / "a.json").write_text(json.dumps({"version": "b"}))  # written by hand: a -> b -> a
    (aliases / "b.json").write_text(json.dumps({"version": "a"}))
    (aliases / "self.json").write_text(json.dumps({"version": "self"}))
    (aliases / "gone.json").write_text(json.dumps({"version": "v9"}))
    manifest = Path(store.dir) / "artifacts" / "ds" / "v1.json"
    manifest.write_text(manifest.read_text().replace('"dataset"', '"datasez"'))
    report = store.verify()
    by_file = {p.file: p for p in report.problems}
    assert by_file["artifacts/ds/v1.json"].kind == "damaged-manifest"
    assert by_file["artifacts/ds/v1.json"].versions == ("ds:v1",)
    for loop in ("a", "b", "self"):
        assert by_file[f"artifacts/ds/aliases/{loop}.json"].kind == "damaged-alias"
        assert "never reaches a version" in by_file[f"artifacts/ds/aliases/{loop}.json"].message
    assert by_file["artifacts/ds/aliases/gone.json"].kind == "dangling-alias"
    # using them: typed errors, never RecursionError
    for loop in ("a", "self"):
        with pytest.raises(tl.CorruptFileError, match="never reaches a version"):
            store.artifact(f"ds:{loop}")
    assert store.artifact("ds:best").version == "v0"  # the other aliases still work


def test_delete_refuses_an_aliased_version_unless_forced_and_numbers_are_never_reused(run: Any) -> None:
    _log(run, "ds", 2, seed=1, aliases=("prod",))
    _log(run, "ds", 3, seed=2)
    store = tl.Store(run.store.dir)
    with pytest.raises(VersionInUseError, match="prod"):
        store.delete("ds:v0")
    with pytest.raises(ValueError, match="name the version"):
        store.delete("ds")
    assert store.delete("ds:prod", force=True) == "ds:v0"
    assert store.aliases("ds") == {}
    assert [v["version"] for v in store.versions("ds")] == ["v1"]
    with pytest.raises(tl.ArtifactNotFoundError, match="deleted"):
        store.artifact("ds:v0")
    assert store.delete("ds:latest") == "ds:v1"
    assert "ds" not in store.artifacts()
    again = _log(run, "ds", 2, seed=1)  # the contents of the deleted v0: a new version, with a new number
    assert again.version == "v2"
    assert store.verify().ok


def test_deleting_then_gc_reclaims_exactly_the_unshared_bytes(run: Any) -> None:
    a0 = _log(run, "ds", 4, seed=0)
    a1 = _log(run, "ds", 6, seed=0, aliases=("keep",))  # shares v0's four images
    store = tl.Store(run.store.dir)
    before = _objects(store)
    assert store.gc().objects == []  # nothing unreferenced yet
    store.delete("ds:v0")
    only_v0 = {e["digest"] for e in a0.manifest.values()} - {e["digest"] for e in a1.manifest.values()}
    assert only_v0 == {a0.manifest["t.table.parquet"]["digest"]}
    dry = store.gc(dry_run=True)
    assert set(dry.objects) == only_v0 and dry.dry_run
    assert dry.object_bytes == sum(os.path.getsize(store.object_path(d)) for d in only_v0)
    assert "would remove 1 unreferenced object" in str(dry) and _objects(store) == before  # a dry run removes nothing
    done = store.gc()
    assert set(done.objects) == only_v0 and _objects(store) == before - only_v0
    assert store.artifact("ds:keep").get("t") == a1.get("t")
    store.remove_alias("ds", "keep")
    with pytest.raises(tl.ArtifactNotFoundError):
        store.remove_alias("ds", "keep")
    store.delete("ds:v1")
    store.gc()
    assert _objects(store) == set() and store.size() == 0
    assert store.verify().ok


def test_gc_removes_the_staging_of_dead_writers_only(run: Any, tmp_path: Path) -> None:
    store = tl.Store(run.store.dir)
    live = tl.Artifact("live", "dataset")  # staged in this (live) process's folder
    live.add(tl.Table(columns=["x"], data=[[1]]), "t")
    dead = Path(store.tmp_root) / "p999999-deadbeef0000"  # a writer that died: its lock file is free
    (dead / "tablelens-staging-x").mkdir(parents=True)
    (dead / ".lock").write_text("")
    (dead / "tablelens-staging-x" / "blob").write_bytes(b"x" * 5000)
    legacy_fresh = Path(store.tmp_root) / "write-legacy"  # no lock: a grace period decides
    legacy_fresh.write_bytes(b"y")
    legacy_old = Path(store.tmp_root) / "obj-legacy"
    legacy_old.write_bytes(b"z" * 10)
    os.utime(legacy_old, (1, 1))
    dry = store.gc(dry_run=True)
    assert sorted(dry.folders) == ["tmp/obj-legacy", "tmp/p999999-deadbeef0000"]
    assert dry.folder_bytes == 5010
    assert any(Path(store.dir, f) == Path(store.tmp_dir) for f in dry.live_folders)
    store.gc()
    assert not dead.exists() and not legacy_old.exists() and legacy_fresh.exists()
    run.log_artifact(live)  # the live writer's staging was left alone
    assert run.use_artifact("live:v0").get("t").data == [[1]]


def test_gc_keeps_objects_a_live_unlogged_artifact_reuses(run: Any) -> None:
    """An object that only a deleted version referenced, reused by an artifact being built: gc keeps it."""
    a0 = _log(run, "ds", 2, seed=3)
    store = tl.Store(run.store.dir)
    image = next(e["digest"] for p, e in a0.manifest.items() if p.startswith("media/images/"))
    rebuilt = tl.Artifact("ds2", "dataset")  # the same pixels: the staging reuses the store's objects
    rng = np.random.default_rng(3)
    rebuilt.add(tl.Table(columns=["j", "img"], data=[[i, tl.Image(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))]
                                                     for i in range(2)]), "t")  # another table, the same images
    store.delete("ds:v0")
    removed = store.gc().objects
    assert image not in removed and a0.manifest["t.table.parquet"]["digest"] in removed
    run.log_artifact(rebuilt)
    first = np.random.default_rng(3).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    assert np.array_equal(run.use_artifact("ds2:v0").get("t").data[0][1].to_numpy(), first)
    assert store.verify().ok


def test_set_alias_records_a_version_and_refuses_unknown_ones(run: Any) -> None:
    _log(run, "ds", 1)
    _log(run, "ds", 2)
    store = tl.Store(run.store.dir)
    store.set_alias("ds", "stable", "latest")
    _log(run, "ds", 3)
    assert store.artifact("ds:stable").version == "v1"  # "latest" was resolved when the alias was set
    store.set_alias("ds", "other", "stable")
    assert store.aliases("ds") == {"other": "v1", "stable": "v1"}
    with pytest.raises(tl.ArtifactNotFoundError):
        store.set_alias("ds", "bad", "v9")
    alias_file = Path(store.dir) / "artifacts" / "ds" / "aliases" / "stable.json"
    alias_file.write_text(alias_file.read_text().replace('"v1"', '"v2"'))  # the alias now names another version
    with pytest.raises(tl.CorruptFileError, match="checksum"):
        store.artifact("ds:stable")
