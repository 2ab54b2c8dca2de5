"""Cell edits: checked by the column's kind, pending with undo, committed as a new version (only the edited
columns written) while the old version reads back unchanged, through Python, the engine and the widget."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.sources import resolve
from tablelens.sources.edits import EditError, Edits


def _edits(spec: str = "preds:v0") -> Edits:
    return Edits(resolve(spec))


@pytest.mark.parametrize(("column", "text", "stored"), [
    ("label", "a new label", "a new label"),
    ("label", "", ""),  # a str column keeps the empty text
    ("id", " 42 ", 42),
    ("score", "0.25", 0.25),
    ("score", "nan", "nan"),
    ("score", "", None),  # an emptied editor clears a non-text cell
    ("flag", "FALSE", False),
    ("when", "2024-02-03T04:05:06", dt.datetime(2024, 2, 3, 4, 5, 6)),
    ("tags", '["x", "y"]', ["x", "y"]),
    ("meta", '{"a": 7, "b": 1.5}', {"a": 7, "b": 1.5}),
])
def test_typed_text_is_read_by_the_column_kind(preds: dict[str, Any], column: str, text: str, stored: Any) -> None:
    got = _edits().set(3, column, text, from_text=True)
    if stored == "nan":
        assert got != got  # NaN
    else:
        assert got == stored and type(got) is type(stored)


@pytest.mark.parametrize(("row", "column", "value", "message"), [
    (3, "id", "1.5", r"column 'id', row 3: '1.5' is not an integer"),
    (3, "score", "high", r"column 'score', row 3: 'high' is not a number"),
    (3, "flag", "yes", r"column 'flag', row 3: 'yes' is not true or false"),
    (3, "when", "tomorrow", r"'tomorrow' is not a date/time"),
    (3, "tags", "[1, 2]", r"column 'tags', row 3: cannot store \[1, 2\] in a column of type list<element: string>"),
    (3, "tags", "not json", r"is not JSON for a list"),
    (3, "nothing", "x", r"the table has no column 'nothing'"),
    (100, "label", "x", r"row 100 is not a row of the table: rows are 0..99"),
    (-1, "label", "x", r"row -1 is not a row"),
])
def test_bad_edits_say_what_the_cell_takes(preds: dict[str, Any], row: int, column: str, value: str,
                                           message: str) -> None:
    edits = _edits()
    with pytest.raises(EditError, match=message):
        edits.set(row, column, value, from_text=True)
    assert len(edits) == 0  # nothing half-made


def test_python_values_are_checked_too(preds: dict[str, Any]) -> None:
    edits = _edits()
    with pytest.raises(EditError, match="is not text"):
        edits.set(1, "label", 5)
    with pytest.raises(EditError, match="is not an integer"):
        edits.set(1, "id", True)
    edits[1, "label"] = "fine"
    assert edits[1, "label"] == "fine" and (1, "label") in edits


def test_undo_and_discard(preds: dict[str, Any]) -> None:
    edits = _edits()
    edits.set(1, "label", "first")
    edits.set(1, "label", "second")
    edits.set(2, "id", 7)
    assert len(edits) == 2 and edits[1, "label"] == "second"
    assert edits.undo() == (2, "id") and (2, "id") not in edits
    assert edits.undo() == (1, "label") and edits[1, "label"] == "first"
    assert list(edits) == [(1, "label", "first")]
    assert edits.to_pandas().to_dict("records") == [{"row": 1, "column": "label", "value": "first"}]
    assert edits.discard() == 1 and len(edits) == 0 and edits.undo() is None


def test_commit_makes_a_new_version_and_the_old_one_never_changes(preds: dict[str, Any]) -> None:
    store = preds["store"]
    before = store.artifact("preds:v0")
    before_table = before.get("predictions").to_pandas()
    edits = _edits()
    edits.set(3, "label", "fixed")
    edits.set(50, "label", "also fixed")
    edits.set(4, "score", 9.5)
    edits.set(5, "tags", ["a", "b", "c"])
    new = edits.commit(description="label fixes")
    assert new.qualified_name == "preds:v2" and len(edits) == 0
    assert new.metadata["tablelens"]["edit"] == {"of": "preds:v0", "table": "predictions", "cells": 4,
                                                 "columns": ["label", "score", "tags"]}
    # the old version reads back exactly as before, by every reader
    old = store.artifact("preds:v0")
    assert old.manifest == before.manifest
    pd.testing.assert_frame_equal(old.get("predictions").to_pandas(), before_table)
    pd.testing.assert_frame_equal(tl.query("preds:v0").to_pandas().drop(columns="_key"), before_table)
    # the new one has the edits, as a Table, through the engine, and in filters and sorts
    expected = before_table.copy()
    expected.loc[3, "label"] = "fixed"
    expected.loc[50, "label"] = "also fixed"
    expected.loc[4, "score"] = 9.5
    expected.at[5, "tags"] = ["a", "b", "c"]
    pd.testing.assert_frame_equal(store.artifact("preds:v2").get("predictions").to_pandas(), expected)
    pd.testing.assert_frame_equal(tl.query("preds:v2").to_pandas().drop(columns="_key"), expected)
    assert tl.query("preds:v2").page(40, 20)["_key"].tolist() == list(range(40, 60))  # pages stream in row order
    hit = tl.query("preds:v2", filter="{$regexMatch: {input: '$label', regex: 'fixed'}}").to_pandas()
    assert hit["id"].tolist() == [3, 50]
    assert tl.query("preds:v2", sort=[("score", "desc")]).page(0, 1)["id"].tolist() == [4]
    groups = tl.query("preds:v2", group_by="label").to_pandas().set_index("label")["count"]
    assert groups["fixed"] == 1 and groups["also fixed"] == 1
    # lineage: a run used v0 and produced v2
    edges = {(e["from"], e["kind"], e["to"]) for e in store.lineage("preds:v2")["edges"]}
    assert any(f == "preds:v0" and k == "used" for f, k, _ in edges)
    assert any(t == "preds:v2" and k == "produced" for _, k, t in edges)


def test_only_the_edited_columns_are_written(preds: dict[str, Any]) -> None:
    store = preds["store"]
    edits = _edits()
    edits.set(3, "label", "fixed")
    size_before = store.size()
    new = edits.commit()
    base = store.artifact("preds:v0").get_path("predictions.table.parquet")
    assert new.get_path("predictions.table.parquet").digest == base.digest  # the same object: nothing copied
    columns = new.table_columns("predictions")
    assert list(columns) == ["label"]
    column_file = new.get_path(columns["label"]).local_path
    assert pq.read_schema(column_file).names == ["label"]
    written = store.size() - size_before
    assert written < base.size / 2 and written == new.get_path(columns["label"]).size + \
        new.get_path("predictions.table.columns.json").size
    # a second commit on the edited version replaces that column file and keeps the others
    edits = _edits("preds:v2")
    edits.set(3, "score", 0.5)
    edits.set(4, "label", "second round")
    v3 = edits.commit()
    assert set(v3.table_columns("predictions")) == {"label", "score"}
    got = tl.query("preds:v3").to_pandas().set_index("id")
    assert got.loc[3, "label"] == "fixed" and got.loc[4, "label"] == "second round" and got.loc[3, "score"] == 0.5
    assert tl.query("preds:v2").to_pandas().set_index("id").loc[4, "label"] == "dog"  # v2 unchanged


def test_edited_versions_on_another_engine(preds: dict[str, Any]) -> None:
    """Engines without DuckDB's positional join match the column files by row number: same rows."""
    import ibis

    edits = _edits()
    edits.set(3, "label", "fixed")
    edits.set(99, "label", "last")
    edits.commit()
    duck = tl.query("preds:v2", sort=[("label", "asc"), ("id", "asc")]).to_pandas()
    polars = tl.query("preds:v2", sort=[("label", "asc"), ("id", "asc")], backend=ibis.polars.connect()).to_pandas()
    assert duck["id"].tolist() == polars["id"].tolist()
    assert duck["label"].tolist() == polars["label"].tolist()


def test_what_cannot_be_edited(preds: dict[str, Any], images: dict[str, Any]) -> None:
    with pytest.raises(EditError, match="holds image cells"):
        _edits("media:v0").set(0, "image", "x")
    df_edits = Edits(resolve(pd.DataFrame({"a": [1]})))
    assert df_edits.reason and "log the table first" in df_edits.reason
    with pytest.raises(EditError, match="cannot be edited"):
        df_edits.set(0, "a", 2)
    with pytest.raises(EditError, match="no pending edits"):
        _edits().commit()
    assert "image" not in _edits("media:v0").editable_columns()


def test_edits_from_the_widget(preds: dict[str, Any], make_explorer: Any, store_dir: Path) -> None:
    ex, cap = make_explorer("preds:v0", sort=[("id", "asc")])
    assert "label" in ex.editable_columns and ex.pending_edits == 0
    msg, _ = cap.request({"type": "edit", "key": 2, "column": "label", "value": "edited"})
    assert msg["type"] == "edit" and msg["cell"] == "edited" and msg["pending"] == 1 and ex.pending_edits == 1
    msg, _ = cap.request({"type": "edit", "key": 2, "column": "score", "value": "abc"})
    assert msg["type"] == "error" and "'abc' is not a number" in msg["message"]
    msg, _ = cap.request({"type": "edit", "key": 2, "column": "when", "value": "2024-05-06T07:08:09"})
    assert msg["cell"] == {"$date": "2024-05-06T07:08:09"}
    row = cap.rows(0, 5)["rows"][2]  # the page shows the pending values, marked
    assert row["cells"]["label"] == "edited" and row["edited"] == ["label", "when"]
    assert "edited" not in cap.rows(0, 5)["rows"][1]
    msg, _ = cap.request({"type": "undo-edit"})
    assert (msg["key"], msg["column"], msg["pending"]) == (2, "when", 1)
    msg, _ = cap.request({"type": "commit-edits", "description": "from the widget"})
    assert msg["type"] == "commit-edits" and msg["spec"] == "preds:v2"
    ex._wait()
    # the widget now shows the new version, with the edit in the data itself
    assert ex.source_label == "preds:v2 / predictions" and ex.pending_edits == 0
    assert ex.view.page(2, 1)["label"].tolist() == ["edited"]
    assert "commit" in ex.notice["message"].lower() and "preds:v2" in ex.notice["message"]
    assert tl.Store(store_dir).artifact("preds:v2").description == "from the widget"
    ex.sort = []
    ex.group_by = ["label"]
    ex._wait()
    assert ex.mode == "groups"
    msg, _ = cap.request({"type": "edit", "key": 0, "column": "label", "value": "x"})
    assert msg["type"] == "error" and "rows view" in msg["message"]


def test_an_edited_version_exports_to_the_wandb_layout_with_its_edits(preds: dict[str, Any], tmp_path: Path) -> None:
    edits = _edits()
    edits.set(7, "label", "exported")
    new = edits.commit()
    out = Path(new.export(tmp_path / "wandb"))
    assert sorted(p.name for p in out.iterdir()) == ["predictions.table.json", "wandb_manifest.json"]
    back = tl.Artifact.from_dir(out).get("predictions").to_pandas()
    assert back.loc[7, "label"] == "exported" and back.loc[8, "label"] == "bird"
