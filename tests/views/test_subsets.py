"""Rows of a view (or the selected ones) logged as a new version: lineage to the source version and the view,
media referenced rather than copied."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import tablelens as tl
from tablelens.sources.subset import SubsetError


def test_rows_of_the_view_become_a_new_version_with_lineage(images: dict[str, Any], make_explorer: Any) -> None:
    store = images["store"]
    ex, _ = make_explorer("media:v0", filter="{$eq: ['$label', 'car']}", sort=[("id", "desc")])
    view = ex.save_view("cars", description="only cars")
    bytes_before = store.size()
    logged = ex.log_as("hard-cars", type="dataset", description="cars to relabel")
    assert logged.qualified_name == "hard-cars:v0" and logged.type == "dataset"
    # the rows, in the view's order, with their images
    table = store.artifact("hard-cars:v0").get("images")
    got = table.to_pandas()
    assert got["id"].tolist() == [4, 2, 0] and set(got["label"]) == {"car"}
    assert [im.caption for im in got["image"]] == ["image 4", "image 2", "image 0"]
    original = {im.caption: im for im in store.artifact("media:v0").get("images").to_pandas()["image"] if im}
    for im in got["image"]:
        assert im.boxes == original[im.caption].boxes
        assert (im.to_numpy() == original[im.caption].to_numpy()).all()
    # media are referenced: entries point at the source version, and no image byte was written again
    refs = {p: e for p, e in logged.manifest.items() if p.startswith("media/")}
    assert refs and all(e["ref"] == f"media:v0/{p}" for p, e in refs.items())
    source_files = store.artifact("media:v0").manifest
    assert all(e["digest"] == source_files[p]["digest"] for p, e in refs.items())
    table_bytes = logged.get_path("images.table.parquet").size
    assert store.size() - bytes_before == table_bytes
    # lineage: the run used media:v0 and produced hard-cars:v0; the manifest names the view and the query
    edges = {(e["from"], e["kind"], e["to"]) for e in store.lineage("hard-cars:v0")["edges"]}
    runs = {t for f, k, t in edges if f == "media:v0" and k == "used"}
    assert any((r, "produced", "hard-cars:v0") in edges for r in runs)
    subset = logged.metadata["tablelens"]["subset"]
    assert subset["of"] == "media:v0/images" and subset["view"] == view.ref == "media/cars@r1"
    assert subset["query"]["filter"] == "{$eq: ['$label', 'car']}" and subset["rows"] == "view"
    assert subset["count"] == 3


def test_selected_rows_into_an_existing_artifact(images: dict[str, Any], make_explorer: Any) -> None:
    store = images["store"]
    ex, cap = make_explorer("media:v0")
    ex.log_as("picked")
    ex.selected_keys = [5, 1]
    msg, _ = cap.request({"type": "log-rows", "name": "picked", "rows": "selected"})
    assert msg == {"type": "log-rows", "id": msg["id"], "spec": "picked:v1", "count": 2}
    assert store.artifact("picked:v1").get("images").to_pandas()["id"].tolist() == [1, 5]  # in the view's order
    meta = store.artifact("picked:v1").metadata["tablelens"]["subset"]
    assert meta["rows"] == "selected" and meta["view"] is None  # no saved view on screen
    assert store.versions("picked")[-1]["type"] == "dataset"
    assert "Logged 2 row(s) as picked:v1" in ex.notice["message"]


def test_what_cannot_be_logged_says_why(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", group_by="label")
    with pytest.raises(SubsetError, match="clear Group by"):
        ex.log_as("groups")
    ex.group_by = []
    ex.compare = "preds:v1"
    ex._wait()
    msg, _ = cap.request({"type": "log-rows", "name": "pairs", "rows": "view"})
    assert msg["type"] == "error" and "stop comparing" in msg["message"]
    ex.compare = ""
    ex._wait()
    with pytest.raises(SubsetError, match="no rows are selected"):
        ex.log_as("none", selected=True)
    with pytest.raises(ValueError, match="letters, digits"):
        ex.log_as("bad name")
    with pytest.raises(tl.ArtifactNotFoundError):
        preds["store"].artifact("groups:latest")


def test_an_unlogged_table_with_images_is_copied_in(run: Any, make_explorer: Any) -> None:
    import numpy as np

    t = tl.Table(columns=["id", "image"], data=[[i, tl.Image(np.full((8, 8, 3), i * 40, np.uint8))]
                                               for i in range(3)])
    ex, _ = make_explorer(t, filter="{$gt: ['$id', 0]}")
    logged = ex.log_as("from-memory")
    got = run.store.artifact("from-memory:v0").get("table").to_pandas()
    assert got["id"].tolist() == [1, 2]
    assert all("ref" not in e for e in logged.manifest.values())  # no artifact to refer to: the bytes are stored
    pd.testing.assert_series_equal(
        pd.Series([im.to_numpy().mean() for im in got["image"]]), pd.Series([40.0, 80.0]))
