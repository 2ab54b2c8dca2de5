"""A store on object storage (the loopback S3 server) keeps every promise of the local store: content addressing,
verified reads, aliases, views, delete, verify and gc — through the real client stack (s3fs, botocore; DuckDB
reading the tables in place through the store's filesystem), with media fetched into a local cache on use."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
from s3server import BUCKET

import tablelens as tl
from tablelens.sources import resolve


def image_of(i: int) -> np.ndarray:
    return np.random.default_rng(i).integers(0, 256, (12, 10, 3), dtype=np.uint8)


def rows(n: int, start: int = 0) -> list[list[Any]]:
    return [[i, i / 4, ["a", "b", "c"][i % 3], tl.Image(image_of(i), boxes={"p": {"box_data": [
        {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.6}, "class_id": i % 2,
         "scores": {"conf": i / 100}}]}})] for i in range(start, start + n)]


def log(store: str, name: str, data: list[list[Any]], **kw: Any) -> tl.Artifact:
    run = tl.init(dir=store)
    art = tl.Artifact(name, "dataset")
    art.add(tl.Table(columns=["id", "x", "label", "img"], data=data), "t")
    run.log_artifact(art, **kw)
    run.finish()
    return art


def s3() -> Any:
    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])


def key_of(url: str, digest: str) -> str:
    return f"{url.split('/', 3)[3]}/objects/{digest[:2]}/{digest}"


def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """Another machine: a cache with nothing in it."""
    d = tmp_path / name
    monkeypatch.setenv("TABLELENS_CACHE", str(d))
    return d / "store"


def test_log_read_and_query_through_s3(s3_url: str, run: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = rows(40)
    logged = log(s3_url, "ds", data, aliases=["best"])
    listed = s3().list_objects_v2(Bucket=BUCKET, Prefix=s3_url.split("/", 3)[3] + "/")["Contents"]
    keys = {o["Key"].split("/", 1)[1] for o in listed}
    assert "artifacts/ds/v0.json" in keys and "artifacts/ds/aliases/best.json" in keys
    assert {f"objects/{e['digest'][:2]}/{e['digest']}" for e in logged.manifest.values()} <= keys

    cache = fresh_cache(tmp_path, monkeypatch, "reader")
    store = tl.Store(s3_url)
    assert store.remote and store.artifacts() == ["ds"] and store.aliases("ds") == {"best": "v0"}
    table = store.artifact("ds:best").get("t")
    assert [r[:3] for r in table.data] == [r[:3] for r in data]
    assert not (cache / "objects").exists() or not any((cache / "objects").rglob("*.png"))  # nothing fetched yet
    first = table.data[7][3]
    assert np.array_equal(first.to_numpy(), image_of(7))  # fetched on use, hashed as it arrived
    assert len(list((cache / "objects").rglob("*"))) >= 1

    # the same queries on the local store and on S3 give the same answers
    log(str(run.store.dir), "ds", data)
    table_digest = logged.get_path("t.table.parquet").digest
    for spec in ({"filter": {"$gt": ["$x", 3]}, "sort": [["x", "desc"]]}, {"group_by": "label"},
                 {"filter": {"$anyElementTrue": {"$map": {"input": "$img.boxes.p", "in": {"$gt": [
                     "$$this.scores.conf", 0.2]}}}}}):
        here = tl.query(resolve("ds:latest", store=run.store), **spec).to_pandas()
        there = tl.query(resolve("ds:latest", store=store), **spec).to_pandas()
        pd.testing.assert_frame_equal(here.drop(columns=["img"], errors="ignore"),
                                      there.drop(columns=["img"], errors="ignore"))
    src = resolve("ds:latest", store=store)
    assert src.scan.files[0].startswith("tlstore") and src.scan.filesystem is not None  # read in place
    assert not (cache / "objects" / table_digest[:2] / table_digest).exists()  # the table was never copied
    assert (cache / "verified" / table_digest[:2] / table_digest).exists()  # its hash was checked, and remembered


def test_a_damaged_object_on_s3_is_never_used(s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    art = log(s3_url, "ds", rows(6))
    table_digest = art.get_path("t.table.parquet").digest
    img_path = next(p for p in art.files() if p.startswith("media/images/"))
    img_digest = art.get_path(img_path).digest
    fresh_cache(tmp_path, monkeypatch, "reader")  # the writer's cache holds the table: read it where it is not
    store = tl.Store(s3_url)
    tl.query(resolve("ds:v0", store=store)).to_pandas()  # checked once and remembered by its ETag
    s3().put_object(Bucket=BUCKET, Key=key_of(s3_url, table_digest), Body=b"PAR1 not the table PAR1")
    s3().put_object(Bucket=BUCKET, Key=key_of(s3_url, img_digest), Body=b"\x89PNG damaged")
    with pytest.raises(tl.DamagedObjectError, match=table_digest):  # a new ETag: hashed again, refused
        resolve("ds:v0", store=store)
    fresh_cache(tmp_path, monkeypatch, "other-machine")
    with pytest.raises(tl.DamagedObjectError, match=img_digest):
        tl.Store(s3_url).artifact("ds:v0").get_path(img_path).download()
    report = tl.Store(s3_url).verify()
    assert not report.ok and report.damaged_versions == ["ds:v0"]
    assert {p.kind for p in report.problems} == {"damaged-object"}
    s3().delete_object(Bucket=BUCKET, Key=key_of(s3_url, img_digest))
    kinds = {p.kind for p in tl.Store(s3_url).verify().problems}
    assert kinds == {"damaged-object", "missing-object"}


def test_a_damaged_cached_copy_is_fetched_again(s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log(s3_url, "ds", rows(3))
    cache = fresh_cache(tmp_path, monkeypatch, "reader")
    img = tl.Store(s3_url).artifact("ds:v0").get("t").data[1][3]
    assert np.array_equal(img.to_numpy(), image_of(1))
    for f in (cache / "objects").rglob("*"):
        if f.is_file():
            f.write_bytes(b"rot")
    again = tl.Store(s3_url).artifact("ds:v0").get("t").data[1][3]
    assert np.array_equal(again.to_numpy(), image_of(1))


def test_aliases_views_delete_and_gc_on_s3(s3_url: str) -> None:
    log(s3_url, "ds", rows(4))
    log(s3_url, "ds", rows(4, start=100))
    store = tl.Store(s3_url)
    store.set_alias("ds", "prod", "v0")
    assert store.aliases("ds") == {"prod": "v0"}
    first = store.save_view("ds", "hard", {"query": 1})
    second = store.save_view("ds", "hard", {"query": 2})
    assert (first.revision, second.revision) == (1, 2)
    assert [v.spec for v in store.view_history("ds", "hard")] == [{"query": 1}, {"query": 2}]
    with pytest.raises(tl.VersionInUseError):
        store.delete("ds:v0")
    assert store.delete("ds:v0", force=True) == "ds:v0"
    assert [v["version"] for v in store.versions("ds")] == ["v1"]
    assert log(s3_url, "ds", rows(2, start=7)).version == "v2"  # a deleted number is never reused

    kept = store.gc()  # the deleted version's objects are younger than the grace period: kept
    assert kept.objects == []
    dry = store.gc(dry_run=True, grace=0)
    assert dry.objects and all(store.object_store.has(d) for d in dry.objects)
    done = store.gc(grace=0)
    assert sorted(done.objects) == sorted(dry.objects)
    assert not any(store.object_store.has(d) for d in done.objects)
    check = store.verify()
    assert check.ok and check.unreferenced == 0
    assert [r[0] for r in store.artifact("ds:v1").get("t").data] == [100, 101, 102, 103]


def test_a_version_slot_is_claimed_once(s3_url: str) -> None:
    store = tl.Store(s3_url)
    assert store.storage.create("artifacts/x/v0.json", b"first")
    assert not store.storage.create("artifacts/x/v0.json", b"second")  # 412 from S3's If-None-Match: *
    assert store.storage.read("artifacts/x/v0.json") == b"first"


def test_appends_and_edits_on_s3(s3_url: str) -> None:
    log(s3_url, "ds", rows(5))
    run = tl.init(dir=s3_url)
    art = tl.Artifact("ds", "dataset")
    art.append("t", tl.Table(columns=["id", "x", "label", "img"], data=rows(3, start=5)))
    run.log_artifact(art)
    run.finish()
    store = tl.Store(s3_url)
    got = tl.query(resolve("ds:latest", store=store), filter={"$gte": ["$id", 3]}).to_pandas()
    assert list(got["_key"]) == [3, 4, 5, 6, 7]
    from tablelens.sources.edits import Edits

    edits = Edits(resolve("ds:latest", store=store))
    edits.set(6, "label", "edited")
    new = edits.commit()
    assert new.get("t").to_pandas()["label"].tolist()[5:] == ["c", "edited", "b"]


def test_a_memory_filesystem_store_and_one_without_exclusive_writes(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Any fsspec URL works (here fsspec's in-process memory filesystem); one whose filesystem cannot create a
    file only if it is absent is refused when it would publish a version, naming what it lacks."""
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem
    from fsspec.spec import AbstractFileSystem

    url = f"memory://tl-{time.time_ns()}"
    log(url, "m", rows(3))
    fresh_cache(tmp_path, monkeypatch, "reader")  # the table is read in place, through DuckDB and fsspec
    assert list(tl.query(resolve("m:latest", store=tl.Store(url))).to_pandas()["id"]) == [0, 1, 2]

    class NoCreate(MemoryFileSystem):
        protocol = "nocreate"
        pipe_file = AbstractFileSystem.pipe_file  # check, then write: not exclusive

    fsspec.register_implementation("nocreate", NoCreate, clobber=True)
    with pytest.raises(tl.StoreConfigError, match=r"cannot publish versions safely.*NoCreate"):
        log("nocreate://somewhere", "m", rows(1))


def test_the_explorer_on_an_s3_store_compares_its_versions(s3_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    log(s3_url, "ds", rows(6))
    log(s3_url, "ds", rows(4, start=2))
    fresh_cache(tmp_path, monkeypatch, "reader")
    store = tl.Store(s3_url)
    ex = tl.Explorer(store.artifact("ds:latest"), table="t", compare="v0")  # "v0" of the shown artifact, on S3
    sent: list[dict[str, Any]] = []
    ex.send = lambda msg, buffers=None: sent.append(msg)
    try:
        ex._wait(120)
        assert ex.error in ({}, None, "") or not ex.error.get("message"), ex.error
        ex._on_custom(ex, {"type": "rows", "id": 1, "result_version": ex.result_version, "offset": 0,
                           "limit": 50}, [])
        ex._wait(60)
        (answer,) = [m for m in sent if m.get("id") == 1]
        assert answer["total"] == 6  # ids 0..5 of v0 paired with ids 2..5 of v1 by their "id" column
        assert [v["version"] for v in ex.versions] == ["v1", "v0"]
    finally:
        ex.close()


@pytest.mark.spark
def test_spark_answers_queries_on_an_s3_store_and_an_appended_table(s3_url: str, spark: Any) -> None:
    log(s3_url, "ds", rows(30))
    run = tl.init(dir=s3_url)
    art = tl.Artifact("ds", "dataset")
    art.append("t", tl.Table(columns=["id", "x", "label", "img"], data=rows(10, start=30)))
    run.log_artifact(art)
    run.finish()
    store = tl.Store(s3_url)
    source = resolve("ds:latest", store=store)
    spec = {"filter": {"$in": ["$label", ["a", "c"]]}, "sort": [["x", "desc"]]}
    duck = tl.query(source, **spec).to_pandas()
    on_spark = tl.query(source, backend=spark, **spec).to_pandas()
    assert list(on_spark["_key"]) == list(duck["_key"]) and list(on_spark["id"]) == list(duck["id"])
    assert sorted(duck["id"]) == [i for i in range(40) if i % 3 != 1]  # rows of both parts
