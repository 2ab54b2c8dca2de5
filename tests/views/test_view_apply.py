"""Saved views from the Explorer: the whole state saved, applied again (in a fresh process, on a newer version),
the missing-column report, "copy as code", and the browser's messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import tablelens as tl

ROOT = Path(__file__).resolve().parents[2]
FILTER = "{$gt: ['$score', 0.3]}"
OVERLAY = {"hidden_classes": {"predictions": [2]}, "hidden_layers": ["seg"], "score_min": {"conf": 0.25},
           "mask_opacity": 0.3}


def test_view_spec_is_the_whole_state_as_json(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:latest", filter=FILTER, sort=[("score", "desc")], group_by=None)
    ex.hidden_columns = ["text"]
    ex.overlay = OVERLAY
    ex.page_size = 25
    spec = json.loads(json.dumps(ex.view_spec))  # JSON-able
    assert spec["source"] == {"spec": "preds:latest", "artifact": "preds", "version": "latest", "resolved": "v1",
                              "table": "predictions"}
    assert spec["query"]["filter"] == FILTER and spec["query"]["sort"] == [["score", "desc"]]
    assert tl.QuerySpec.from_json(spec["query"]) == ex._spec().query
    assert spec["hidden_columns"] == ["text"] and "text" not in spec["visible_columns"]
    assert spec["overlay"] == OVERLAY and spec["page_size"] == 25


def test_saved_view_reopens_in_a_fresh_process_on_a_newer_version(preds: dict[str, Any], make_explorer: Any,
                                                                  store_dir: Path) -> None:
    ex, _ = make_explorer("preds:v0", filter=FILTER, group_by=["label"], sort=[("count", "desc"), ("label", "asc")])
    ex.overlay = OVERLAY
    ex.hidden_columns = ["text"]
    ex._wait()
    saved = ex.save_view("by-label", description="labels above 0.3")
    assert saved.revision == 1 and saved.source == "preds:v0"
    assert [v["name"] for v in ex.saved_views] == ["by-label"] and ex.current_view == ""
    code = """
import json, tablelens as tl
ex = tl.Explorer("preds:v1", view="by-label")
ex._wait()
print(json.dumps({"filter": ex.filter, "group_by": ex.group_by, "sort": ex.sort, "overlay": ex.overlay,
                   "hidden": ex.hidden_columns, "rows": ex.num_rows, "mode": ex.mode, "label": ex.source_label,
                   "current": ex.current_view, "notice": ex.notice,
                   "groups": ex.view.to_pandas()[["label", "count"]].values.tolist()}))
ex.close()
"""
    env = {**os.environ, "TABLELENS_DIR": str(store_dir), "PYTHONPATH": str(ROOT / "widget")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["filter"] == FILTER and got["group_by"] == ["label"]
    assert got["sort"] == [["count", "desc"], ["label", "asc"]]
    assert got["overlay"] == OVERLAY and got["hidden"] == ["text"]
    assert got["label"] == "preds:v1 / predictions" and got["current"] == "by-label"
    assert got["mode"] == "groups" and got["rows"] == 3
    expected = tl.query("preds:v1", filter=FILTER, group_by="label", sort=[("count", "desc"), ("label", "asc")])
    expected = expected.to_pandas()
    assert got["groups"] == expected[["label", "count"]].values.tolist()
    assert got["notice"]["level"] == "info"


def test_a_column_the_version_lacks_is_reported_not_a_crash(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0", sort=[("iou", "desc")], group_by=None)
    ex.save_view("by-iou")
    with pytest.warns(tl.ViewWarning, match=r"no column 'iou' \(sort\)"):
        newer, _ = make_explorer("preds:v1", view="by-iou")
    assert newer.sort == [] and newer.error == {}  # the key naming it is left out, the rest shows
    assert newer.num_rows == 100
    assert newer.notice["level"] == "warning" and "'iou'" in newer.notice["message"]
    # a filter naming it is kept as written: its error shows beside the filter, and the report says so
    ex.filter = "{$gt: ['$iou', 0.5]}"
    ex.sort = []
    ex.save_view("good-iou")
    with pytest.warns(tl.ViewWarning):
        report = newer.apply_view("good-iou")
    newer._wait()
    assert report.missing == {"iou": ["filter"]} and report.dropped == []
    assert newer.filter == "{$gt: ['$iou', 0.5]}"
    assert newer.error["control"] == "filter" and "iou" in newer.error["message"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the version it was saved on: nothing to report
        assert ex.apply_view("good-iou").ok


def test_copy_as_code_reproduces_what_is_on_screen(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:latest", filter=FILTER, sort=[("score", "desc"), ("id", "asc")],
                            compare="preds:v0", quick_filter="both")
    msg, _ = cap.request({"type": "code"})
    assert msg["type"] == "code" and msg["code"] == ex.code()
    assert "'preds:v1'" in ex.code()  # the version on screen, pinned (not "latest")
    scope: dict[str, Any] = {}
    exec(ex.code(), scope)
    pd.testing.assert_frame_equal(scope["result"].to_pandas(), ex.view.to_pandas())
    grouped, _ = make_explorer(preds["v0"], group_by="label")  # not an artifact: a placeholder for the object
    assert "# source: DataFrame (100 rows)" in grouped.code() and "tl.query(\n    source," in grouped.code()


def test_views_from_the_browser(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", filter=FILTER)
    msg, _ = cap.request({"type": "save-view", "name": "mine", "description": "from the menu"})
    assert msg == {"type": "save-view", "id": msg["id"], "name": "mine", "revision": 1}
    assert ex.saved_views[0]["name"] == "mine" and ex.saved_views[0]["saved_on"] == "v0"
    assert ex.saved_views[0]["description"] == "from the menu"
    msg, _ = cap.request({"type": "save-view", "name": "no spaces allowed"})
    assert msg["type"] == "error" and "letters, digits" in msg["message"]
    ex.filter = ""
    ex._wait()
    assert ex.num_rows == 100
    msg, _ = cap.request({"type": "apply-view", "name": "mine"})
    assert msg["type"] == "apply-view" and msg["missing"] == {}
    ex._wait()
    assert ex.filter == FILTER and ex.num_rows == 69 and ex.current_view == "mine"
    msg, _ = cap.request({"type": "apply-view", "name": "nothing"})
    assert msg["type"] == "error" and "no view named 'nothing'" in msg["message"]


def test_a_view_object_opens_where_it_was_saved(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0", filter=FILTER)
    view = ex.save_view("mine")
    again, _ = make_explorer(view=tl.Store(preds["store"].dir).view("preds", "mine"))
    assert again.source_label == "preds:v0 / predictions" and again.filter == FILTER
    assert again.num_rows == ex.num_rows and view.ref == "preds/mine@r1"


def test_views_need_a_logged_artifact(make_explorer: Any) -> None:
    ex, _ = make_explorer(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(tl.TablelensError, match="beside a logged artifact"):
        ex.save_view("x")
    assert json.dumps(ex.view_spec)  # the spec itself is still there to keep elsewhere
    assert ex.view_spec["source"] is None
