"""Artifacts and the store: versions, aliases, lineage, safe paths, corrupt files, concurrency, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import tablelens as tl

ROOT = Path(__file__).resolve().parents[2]


def test_the_wandb_style_logging_example(store_dir):
    array = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    mask = np.zeros((32, 48), dtype=np.uint8)
    mask[10:20, 5:15] = 1
    run = tl.init(project="demo", job_type="create-dataset", dir=str(store_dir))
    classes = tl.Classes([{"id": 0, "name": "road"}, {"id": 1, "name": "car"}])
    table = tl.Table(columns=["id", "image", "label", "road"])
    table.add_data(0, tl.Image(array, classes=classes,
                               boxes={"ground_truth": {"box_data": [{"position": {"minX": .1, "maxX": .4, "minY": .2,
                                                                                  "maxY": .5}, "class_id": 1,
                                                                     "scores": {"conf": .9}}]}},
                               masks={"ground_truth": {"mask_data": mask}}), "car", 0.31)
    art = tl.Artifact("street-scenes", type="dataset")
    art.add(table, "dataset")
    run.log_artifact(art)
    assert art.version == "v0" and art.aliases == ["latest"]
    same = run.use_artifact("street-scenes:latest").get("dataset")
    assert same == table
    run.finish()


def test_dir_defaults_to_env_then_working_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("TABLELENS_DIR", str(tmp_path / "env-store"))
    assert tl.init().store.dir == str(tmp_path / "env-store")
    monkeypatch.delenv("TABLELENS_DIR")
    monkeypatch.chdir(tmp_path)
    assert tl.init().store.dir == str(tmp_path / "tablelens-store")


def _table(n: int, salt: str = "") -> tl.Table:
    return tl.Table(columns=["id", "s"], data=[[i, f"{salt}{i}"] for i in range(n)])


def test_versions_aliases_and_identical_contents(run):
    a0 = tl.Artifact("ds", "dataset", description="first", metadata={"k": 1})
    a0.add(_table(3), "t")
    run.log_artifact(a0, aliases=["best"])
    a1 = tl.Artifact("ds", "dataset")
    a1.add(_table(4), "t")
    run.log_artifact(a1)
    assert (a0.version, a1.version) == ("v0", "v1")
    same = tl.Artifact("ds", "dataset")
    same.add(_table(4), "t")
    run.log_artifact(same, aliases=["prod"])
    assert same.version == "v1" and same.digest == a1.digest  # identical contents: no new version
    assert len(run.use_artifact("ds:best").get("t")) == 3
    assert len(run.use_artifact("ds:latest").get("t")) == 4
    assert run.use_artifact("ds:prod").version == "v1"
    store = tl.Store(run.store.dir)
    assert store.artifacts() == ["ds"]
    vs = store.versions("ds")
    assert [v["version"] for v in vs] == ["v0", "v1"]
    assert vs[0]["aliases"] == ["best"] and vs[1]["aliases"][0] == "latest" and "prod" in vs[1]["aliases"]
    v0 = store.artifact("ds:v0")
    assert v0.description == "first" and v0.metadata == {"k": 1} and v0.tables() == ["t"]
    with pytest.raises(tl.ArtifactNotFoundError, match="no version v7"):
        store.artifact("ds:v7")
    with pytest.raises(tl.ArtifactNotFoundError, match="no alias 'nope'"):
        store.artifact("ds:nope")
    with pytest.raises(tl.ArtifactNotFoundError, match="no artifact named 'zz'"):
        store.artifact("zz:v0")


def test_logged_artifact_cannot_change(run):
    a = tl.Artifact("x", "dataset")
    a.add(_table(1), "t")
    run.log_artifact(a)
    with pytest.raises(ValueError, match="cannot change"):
        a.add(_table(2), "u")


def test_lineage_and_runs(store_dir):
    r1 = tl.init(project="p", job_type="create-dataset", dir=str(store_dir))
    a = tl.Artifact("data", "dataset")
    a.add(_table(2), "t")
    r1.log_artifact(a)
    r1.finish()
    r2 = tl.init(project="p", job_type="train", dir=str(store_dir))
    r2.use_artifact("data:v0")
    p = tl.Artifact("preds", "predictions")
    p.add(_table(2, "p"), "t")
    r2.log_artifact(p)
    r2.finish()
    store = tl.Store(store_dir)
    assert [r["job_type"] for r in store.runs()] == ["create-dataset", "train"]
    g = store.lineage("preds:v0")
    ids = {n["id"] for n in g["nodes"]}
    assert {"data:v0", "preds:v0", f"run:{r1.id}", f"run:{r2.id}"} <= ids
    edges = {(e["from"], e["kind"], e["to"]) for e in g["edges"]}
    assert ("data:v0", "used", f"run:{r2.id}") in edges and (f"run:{r2.id}", "produced", "preds:v0") in edges


def test_module_level_functions_use_the_current_run(store_dir):
    a = tl.Artifact("m", "dataset")
    a.add(_table(2), "t")
    tl.log_artifact(a)
    assert tl.use_artifact("m:v0").get("t") == _table(2)


def test_files_dirs_and_entries(run, tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text("A")
    (tmp_path / "d" / "sub" / "b.txt").write_text("B")
    art = tl.Artifact("f", "raw")
    art.add_file(str(tmp_path / "d" / "a.txt"))
    art.add_dir(str(tmp_path / "d"), name="folder")
    run.log_artifact(art)
    got = run.use_artifact("f:v0")
    assert got.files() == ["a.txt", "folder/a.txt", "folder/sub/b.txt"]
    entry = got.get_path("folder/sub/b.txt")
    assert Path(entry.download()).read_text() == "B"
    assert Path(entry.download(str(tmp_path / "out"))).read_text() == "B"
    assert got.manifest["a.txt"]["digest"] == got.manifest["folder/a.txt"]["digest"]
    root = got.download(str(tmp_path / "all"))
    assert (Path(root) / "folder/sub/b.txt").read_text() == "B"


def test_joined_table_round_trip(run):
    t1 = tl.Table(columns=["id", "x"], data=[[1, "a"], [2, "b"]])
    t2 = tl.Table(columns=["id", "y"], data=[[2, 0.5], [1, 0.25]])
    art = tl.Artifact("j", "dataset")
    art.add(t1, "left")
    art.add(tl.JoinedTable(t1, t2, "id"), "joined")
    run.log_artifact(art)
    got = run.use_artifact("j:v0")
    jt = got.get("joined")
    assert isinstance(jt, tl.JoinedTable) and jt == tl.JoinedTable(t1, t2, "id")
    assert sorted(got.tables()) == ["joined", "joined.table2", "left"]
    with pytest.raises(ValueError, match="not a column of table2"):
        tl.JoinedTable(t1, tl.Table(columns=["k"]), "id")


@pytest.mark.parametrize("name", ["../escape.txt", "/abs/path.txt", "a/../../b.txt"])
def test_unsafe_paths_are_refused_on_write(run, tmp_path, name):
    f = tmp_path / "f.txt"
    f.write_text("x")
    art = tl.Artifact("u", "raw")
    with pytest.raises(tl.UnsafePathError):
        art.add_file(str(f), name)
    with pytest.raises(tl.UnsafePathError):
        art.add(_table(1), name)


def _manifest_path(store_dir: Path, name: str, version: str = "v0") -> Path:
    return store_dir / "artifacts" / name / f"{version}.json"


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd"])
def test_unsafe_paths_are_refused_on_read(run, store_dir, bad):
    art = tl.Artifact("r", "raw")
    art.add(_table(1), "t")
    run.log_artifact(art)
    mp = _manifest_path(store_dir, "r")
    m = json.loads(mp.read_text())
    m["contents"][bad] = next(iter(m["contents"].values()))
    os.chmod(mp, 0o644)
    mp.write_text(json.dumps(m))
    with pytest.raises(tl.UnsafePathError, match=r"climbs out|absolute"):
        tl.Store(store_dir).artifact("r:v0")


def test_table_cell_pointing_outside_the_artifact_is_refused(run):
    art = tl.Artifact("img", "dataset")
    art.add(tl.Table(columns=["i"], data=[[tl.Image(np.zeros((4, 4), dtype=np.uint8))]]), "t")
    run.log_artifact(art)
    got = run.use_artifact("img:v0")
    from tablelens.artifacts import EntrySource

    with pytest.raises(tl.UnsafePathError):
        EntrySource(got._entries, "img:v0").local_path("../../secret.png")


def test_corrupt_table_file_names_the_file(run, store_dir):
    art = tl.Artifact("c", "dataset")
    art.add(_table(3), "t")
    run.log_artifact(art)
    obj = Path(run.store.object_path(art.manifest["t.table.parquet"]["digest"]))
    os.chmod(obj, 0o644)
    obj.write_bytes(b"PAR1 garbage, not parquet")
    with pytest.raises(tl.CorruptFileError, match=r"t\.table\.parquet|not a readable Parquet"):
        run.use_artifact("c:v0").get("t").data  # noqa: B018


def test_corrupt_manifest_names_the_file(run, store_dir):
    art = tl.Artifact("cm", "dataset")
    art.add(_table(1), "t")
    run.log_artifact(art)
    _manifest_path(store_dir, "cm").write_text("{not json")
    with pytest.raises(tl.CorruptFileError, match=r"v0\.json"):
        tl.Store(store_dir).artifact("cm:v0")


def test_unknown_table_format_is_an_error(run, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({"a": [1]}).replace_schema_metadata({b"tablelens": b'{"format": 99, "columns": []}'})
    p = tmp_path / "x.table.parquet"
    pq.write_table(t, p)
    art = tl.Artifact("unk", "dataset")
    art.add_file(str(p), "x.table.parquet")
    run.log_artifact(art)
    with pytest.raises(tl.CorruptFileError, match="unknown tablelens table format 99"):
        run.use_artifact("unk:v0").get("x")


def test_second_version_writes_only_new_bytes(run):
    rng = np.random.default_rng(0)
    images = [tl.Image(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)) for _ in range(20)]
    a0 = tl.Artifact("imgs", "dataset")
    a0.add(tl.Table(columns=["i"], data=[[im] for im in images]), "t")
    run.log_artifact(a0)
    images[0] = tl.Image(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    a1 = tl.Artifact("imgs", "dataset")
    a1.add(tl.Table(columns=["i"], data=[[im] for im in images]), "t")
    run.log_artifact(a1)
    one_image = max(e["size"] for p, e in a1.manifest.items() if p.startswith("media/images/"))
    table_size = a1.manifest["t.table.parquet"]["size"]
    assert a1.version == "v1"
    assert a1.bytes_written <= one_image + table_size
    assert a0.bytes_written > 10 * one_image


# -- processes -------------------------------------------------------------------------------------------------------

_LOGGER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {widget!r})
    import tablelens as tl
    run = tl.init(dir={store!r})
    art = tl.Artifact("shared", "dataset")
    art.add(tl.Table(columns=["who"], data=[[{who!r}]]), "t")
    run.log_artifact(art)
    print(art.version)
""")


def test_concurrent_writers_get_distinct_versions(store_dir):
    procs = [
        subprocess.Popen([sys.executable, "-c", _LOGGER.format(widget=str(ROOT / "widget"), store=str(store_dir),
                                                              who=f"writer-{i}")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(6)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    versions = sorted(o[0].strip() for o in outs)
    assert versions == [f"v{i}" for i in range(6)]
    store = tl.Store(store_dir)
    writers = sorted(store.artifact(f"shared:{v}").get("t").data[0][0] for v in versions)
    assert writers == [f"writer-{i}" for i in range(6)]  # none lost


_KILLED = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {widget!r})
    import tablelens as tl
    run = tl.init(dir={store!r})
    art = tl.Artifact("crash", "dataset")
    art.add(tl.Table(columns=["x"], data=[[1], [2]]), "t")
    real = getattr(os, {func!r})
    def hang(*a, **k):
        if {func!r} != "replace" or "obj-" in str(a[0]):
            print("ready", flush=True)
            time.sleep(600)
        return real(*a, **k)
    setattr(os, {func!r}, hang)
    run.log_artifact(art)
""")


@pytest.mark.parametrize("func", ["link", "replace"])
def test_a_killed_writer_leaves_no_version(store_dir, func):
    """Killed while storing objects (replace) or while publishing the manifest (link): nothing becomes visible."""
    tl.Store(store_dir)
    p = subprocess.Popen([sys.executable, "-c", _KILLED.format(widget=str(ROOT / "widget"), store=str(store_dir),
                                                               func=func)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    line = ""
    while time.time() < deadline and "ready" not in line:
        line = p.stdout.readline()
        if not line and p.poll() is not None:
            break
    assert "ready" in line, p.stderr.read()
    p.send_signal(signal.SIGKILL)
    p.wait()
    store = tl.Store(store_dir)
    assert "crash" not in store.artifacts()
    # and the store works as before: the next writer gets v0
    run = tl.init(dir=str(store_dir))
    art = tl.Artifact("crash", "dataset")
    art.add(tl.Table(columns=["x"], data=[[1], [2]]), "t")
    run.log_artifact(art)
    assert art.version == "v0"
    assert run.use_artifact("crash:v0").get("t").data == [[1], [2]]


def test_contents_identical_to_an_older_version_return_it(run):
    for n in (2, 3, 2):
        a = tl.Artifact("again", "dataset")
        a.add(_table(n), "t")
        run.log_artifact(a, aliases=[f"n{n}"])
    assert a.version == "v0" and [v["version"] for v in tl.Store(run.store.dir).versions("again")] == ["v0", "v1"]
    assert run.use_artifact("again:n2").version == "v0"


def test_add_file_copies_the_file_at_add_time(run, tmp_path):
    f = tmp_path / "big.bin"
    f.write_bytes(b"x" * 3_000_000)
    art = tl.Artifact("copy", "raw")
    art.add_file(str(f), "data/big.bin")
    f.write_bytes(b"changed")  # the artifact keeps what was added
    run.log_artifact(art)
    assert Path(run.use_artifact("copy:v0").get_path("data/big.bin").download()).read_bytes() == b"x" * 3_000_000
