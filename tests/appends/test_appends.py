"""Tables that grow: an appended version keeps the old parts (the same objects) and adds one with the new rows;
the old version reads back unchanged; every reader — Artifact.get, tl.query (filter, sort, group, compare,
pages, exports), edits, the Explorer — sees one table with one 0-based row position across the parts."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.sources import resolve
from tablelens.sources.edits import Edits


def frame(ids: range, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"id": list(ids), "score": [i / 10 + shift for i in ids],
                         "label": [["cat", "dog", "bird"][i % 3] for i in ids]})


def same(got: pd.DataFrame, want: pd.DataFrame) -> bool:
    return got.reset_index(drop=True).to_dict("list") == want.reset_index(drop=True).to_dict("list")


def _log(run: Any, name: str, df: pd.DataFrame) -> tl.Artifact:
    art = tl.Artifact(name, "predictions")
    art.add(tl.Table(dataframe=df), "preds")
    return run.log_artifact(art)


def _append(run: Any, name: str, df: pd.DataFrame) -> tl.Artifact:
    art = tl.Artifact(name, "predictions")
    art.append("preds", df)
    return run.log_artifact(art)


def test_an_append_keeps_the_old_version_and_its_objects(run: Any) -> None:
    v0 = _log(run, "p", frame(range(100)))
    v1 = _append(run, "p", frame(range(100, 130)))
    assert (v0.version, v1.version) == ("v0", "v1")
    store = tl.Store(run.store.dir)
    old, new = store.artifact("p:v0"), store.artifact("p:v1")
    assert same(old.get("preds").to_pandas(), frame(range(100)))  # unchanged
    assert same(new.get("preds").to_pandas(), frame(range(130)))  # old rows, then the new ones
    assert new.table_parts("preds") == ["preds.table.parquet", "preds.table.parts/00001.parquet"]
    assert new.get_path("preds.table.parquet").digest == old.get_path("preds.table.parquet").digest  # referenced
    part = new.get_path("preds.table.parts/00001.parquet").local_path
    assert pq.ParquetFile(part).metadata.num_rows == 30  # the new part holds only the new rows
    assert v1.bytes_written < 2 * new.get_path("preds.table.parts/00001.parquet").size + 2000
    assert store.verify().ok


def test_queries_scan_every_part_with_one_row_position(run: Any) -> None:
    _log(run, "p", frame(range(50)))
    _append(run, "p", frame(range(50, 80)))
    _append(run, "p", frame(range(80, 100)))
    whole = frame(range(100))
    r = tl.query("p:latest", filter={"$gte": ["$id", 45]})
    got = r.to_pandas()
    assert r.num_rows == 55 and list(got["_key"]) == list(range(45, 100)) and list(got["id"]) == list(range(45, 100))
    page = tl.query("p:latest").page(48, 5)  # a page across the first two parts
    assert list(page["_key"]) == [48, 49, 50, 51, 52] and list(page["id"]) == [48, 49, 50, 51, 52]
    srt = tl.query("p:latest", sort=[["score", "desc"]]).to_pandas()
    assert list(srt["id"][:3]) == [99, 98, 97] and list(srt["_key"][:3]) == [99, 98, 97]
    groups = tl.query("p:latest", group_by="label").to_pandas().set_index("label")["count"].to_dict()
    assert groups == whole["label"].value_counts().to_dict()
    cmp = tl.query("p:latest", compare="p:v0").to_pandas()
    assert len(cmp) == 100 and cmp["1.id"].isna().sum() == 50  # the rows v0 lacks


def test_exports_of_a_grown_table(run: Any, tmp_path: Path) -> None:
    _log(run, "p", frame(range(10)))
    _append(run, "p", frame(range(10, 25)))
    out = tmp_path / "rows.parquet"
    tl.query("p:latest", filter={"$lt": ["$id", 12]}).to_parquet(str(out), key=False)
    assert same(pq.read_table(out).to_pandas(), frame(range(12)))
    csv = tmp_path / "rows.csv"
    tl.query("p:latest").to_csv(str(csv))
    assert list(pd.read_csv(csv)["id"]) == list(range(25))


def test_images_of_old_and_new_rows_stay_readable(run: Any) -> None:
    def img(i: int) -> tl.Image:
        return tl.Image(np.full((6, 6, 3), i, np.uint8), boxes={"pred": {"box_data": [
            {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5}, "class_id": 1}]}})

    art = tl.Artifact("imgs", "dataset")
    art.add(tl.Table(columns=["id", "img"], data=[[i, img(i)] for i in range(3)]), "t")
    run.log_artifact(art)
    more = tl.Artifact("imgs", "dataset")
    more.append("t", tl.Table(columns=["id", "img"], data=[[3, tl.Image(np.full((6, 6, 3), 3, np.uint8))],
                                                           [4, None]]))  # no boxes: the box layer is filled in
    run.log_artifact(more)
    rows = tl.Store(run.store.dir).artifact("imgs:v1").get("t").data
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4] and rows[4][1] is None
    assert [int(r[1].to_numpy()[0, 0, 0]) for r in rows[:4]] == [0, 1, 2, 3]
    assert rows[0][1]._boxes["pred"] and not rows[3][1]._boxes.get("pred")


def test_incremental_tables_log_only_their_new_rows(run: Any) -> None:
    t = tl.Table(columns=["step", "loss"], log_mode="INCREMENTAL")
    versions = []
    for step in range(3):
        for k in range(2):
            t.add_data(step * 2 + k, 1.0 / (step * 2 + k + 1))
        art = tl.Artifact("metrics", "run_table")
        art.add(t, "history")
        versions.append(run.log_artifact(art))
    store = tl.Store(run.store.dir)
    assert [a.version for a in versions] == ["v0", "v1", "v2"]
    for i in range(3):
        got = store.artifact(f"metrics:v{i}").get("history")
        assert [r[0] for r in got.data] == list(range(2 * (i + 1)))  # each version: every row logged so far
    assert len(store.artifact("metrics:v2").table_parts("history")) == 3  # one part per log
    again = tl.Artifact("metrics", "run_table")  # nothing new: the latest version, no new one
    again.add(t, "history")
    assert run.log_artifact(again).version == "v2"
    with pytest.raises(ValueError, match="add_column is not supported for tables with log_mode='INCREMENTAL'"):
        t.add_column("x", [0] * len(t))
    other = tl.Artifact("other", "run_table")
    with pytest.raises(ValueError, match="appends to one table"):
        other.add(t, "history")


def test_immutable_warns_when_changed_after_logging_mutable_does_not(run: Any) -> None:
    for mode, warns in (("IMMUTABLE", True), (None, True), ("MUTABLE", False)):
        t = tl.Table(columns=["a"], data=[[1]], log_mode=mode)
        art = tl.Artifact(f"m-{mode}", "dataset")
        art.add(t, "t")
        run.log_artifact(art)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t.add_data(2)
        assert any("log_mode='IMMUTABLE'" in str(w.message) for w in caught) == warns, mode
        again = tl.Artifact(f"m-{mode}", "dataset")
        again.add(t, "t")
        assert run.log_artifact(again).get("t").data == [[1], [2]]  # logged whole, as W&B's MUTABLE
    with pytest.raises(ValueError, match="log_mode 'SOMETIMES' is not one of IMMUTABLE, MUTABLE, INCREMENTAL"):
        tl.Table(columns=["a"], log_mode="SOMETIMES")


def test_appended_rows_must_have_the_tables_columns_and_types(run: Any) -> None:
    _log(run, "p", frame(range(5)))
    cases = [
        (frame(range(5, 7)).assign(extra=1), r"the new rows have column\(s\) \['extra'\] that table 'preds' of p:v0"),
        (frame(range(5, 7)).drop(columns="label"), r"they lack column\(s\) \['label'\]"),
        (frame(range(5, 7)).assign(label=[1, 2]), r"column 'label' holds int cells of type int64 in the new rows, but "
                                                  r"str cells of type string in the table"),
    ]
    for df, message in cases:
        art = tl.Artifact("p", "predictions")
        art.append("preds", df)
        with pytest.raises(tl.AppendError, match=message):
            run.log_artifact(art)
    assert [v["version"] for v in run.store.versions("p")] == ["v0"]  # nothing was published
    ok = tl.Artifact("p", "predictions")  # ints where the table has floats, and an all-null column, fit
    ok.append("preds", pd.DataFrame({"id": [5], "score": [3], "label": [None]}))
    got = run.log_artifact(ok).get("preds").to_pandas()
    assert got["score"].iloc[-1] == 3.0 and got["label"].iloc[-1] is None and len(got) == 6


def test_an_incremental_artifact_carries_the_latest_files(run: Any) -> None:
    art = tl.Artifact("bundle", "dataset")
    art.add(tl.Table(columns=["a"], data=[[1]]), "first")
    art.add(tl.Classes([{"id": 0, "name": "zero"}]), "labels")
    run.log_artifact(art)
    more = tl.Artifact("bundle", "dataset", incremental=True)
    more.add(tl.Table(columns=["b"], data=[[2]]), "second")
    logged = run.log_artifact(more)
    assert logged.tables() == ["first", "second"] and "labels.classes.json" in logged.files()
    plain = tl.Artifact("bundle", "dataset")
    plain.add(tl.Table(columns=["b"], data=[[2]]), "second")
    assert run.log_artifact(plain).tables() == ["second"]  # without incremental, only what is added


def test_edits_cover_every_part_and_grow_with_the_table(run: Any, make_page: Any) -> None:
    _log(run, "p", frame(range(10)))
    _append(run, "p", frame(range(10, 16)))
    edits = Edits(resolve("p:latest"))
    edits.set(2, "label", "first part")
    edits.set(13, "label", "second part")
    edited = edits.commit()
    labels = edited.get("preds").to_pandas()["label"]
    assert labels[2] == "first part" and labels[13] == "second part" and len(labels) == 16
    assert tl.query(edited.qualified_name, filter={"$eq": ["$label", "second part"]}).to_pandas()["_key"].tolist() \
        == [13]
    grown = _append(run, "p", frame(range(16, 20)))  # appending to an edited table extends its column files
    got = grown.get("preds").to_pandas()
    assert list(got["id"]) == list(range(20)) and got["label"][13] == "second part" and got["label"][17] == "bird"
    descriptor = json.loads(Path(grown.get_path("preds.table.columns.json").download()).read_bytes())
    assert descriptor["rows"] == 20
    keys = tl.query(grown.qualified_name, filter={"$in": ["$label", ["first part", "second part"]]}).to_pandas()
    assert keys["_key"].tolist() == [2, 13]
    rows = make_page(grown.qualified_name, 12, 3)  # the Explorer's page across the parts, edits in place
    assert [r["_key"] for r in rows] == [12, 13, 14] and rows[1]["cells"]["label"] == "second part"


@pytest.fixture
def make_page():
    made: list[Any] = []

    def page(spec: str, offset: int, limit: int) -> list[dict[str, Any]]:
        ex = tl.Explorer(spec)
        made.append(ex)
        sent: list[dict[str, Any]] = []
        ex.send = lambda msg, buffers=None: sent.append(msg)
        ex._wait(120)
        ex._on_custom(ex, {"type": "rows", "id": 1, "result_version": ex.result_version, "offset": offset,
                           "limit": limit}, [])
        ex._wait(60)
        (answer,) = [m for m in sent if m.get("id") == 1]
        assert answer["total"] == len(tl.Store(ex._source.store.dir).artifact(spec).get("preds"))
        return answer["rows"]

    yield page
    for ex in made:
        ex.close()


def test_a_grown_table_on_polars_matches_duckdb(run: Any) -> None:
    import ibis

    _log(run, "p", frame(range(30)))
    _append(run, "p", frame(range(30, 45)))
    spec = {"filter": {"$in": ["$label", ["cat", "bird"]]}, "sort": [["score", "desc"]]}
    duck = tl.query("p:latest", **spec).to_pandas()
    pol = tl.query("p:latest", backend=ibis.polars.connect(), **spec).to_pandas()
    assert list(pol["_key"]) == list(duck["_key"]) and list(pol["id"]) == list(duck["id"])
    assert sorted(duck["_key"]) == [i for i in range(45) if i % 3 != 1]  # positions across both parts
