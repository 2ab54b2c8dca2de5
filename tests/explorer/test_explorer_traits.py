"""Setting the query traits from Python runs the query and updates what the browser is told."""

from __future__ import annotations

import math
from typing import Any

import pytest
import traitlets

FILTER = "{$gt: ['$score', 0.5]}"


def _expected_over(df: Any, x: float) -> int:
    return int(sum(1 for s in df["score"] if not math.isnan(s) and s > x))


def test_filter_updates_counts_and_recent_filters(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0")
    version = ex.result_version
    ex.filter = FILTER
    ex._wait()
    assert ex.num_rows == _expected_over(preds["v0"], 0.5)
    assert ex.total_rows == 100
    assert ex.error == {}
    assert ex.result_version == version + 1
    assert ex.recent_filters == [FILTER]
    ex.filter = "{$eq: ['$label', 'cat']}"
    ex._wait()
    assert ex.num_rows == 34
    ex.filter = FILTER
    ex._wait()
    assert ex.recent_filters == [FILTER, "{$eq: ['$label', 'cat']}"]  # newest first, no duplicates
    ex.filter = ""
    ex._wait()
    assert ex.num_rows == 100


def test_bad_filter_sets_error_and_keeps_the_last_result(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", filter=FILTER)
    good = ex.num_rows
    version = ex.result_version
    before = cap.rows()["rows"]
    ex.filter = "{$gt: ['$score', 0.5]"  # unterminated
    ex._wait()
    assert ex.error["control"] == "filter"
    assert isinstance(ex.error["message"], str) and ex.error["message"]
    assert isinstance(ex.error["position"], int)
    assert ex.num_rows == good
    assert ex.result_version == version  # no new result: the browser keeps its rows
    assert cap.rows()["rows"] == before
    assert ex.recent_filters == [FILTER]
    ex.filter = "{$gt: ['$nope', 1]}"
    ex._wait()
    assert ex.error["control"] == "filter"
    assert "nope" in ex.error["message"]
    assert ex.error["position"] == ex.filter.index("'$nope'") or ex.error["position"] is not None
    ex.filter = "{$lt: ['$score', 0.1]}"
    ex._wait()
    assert ex.error == {}
    assert ex.num_rows == 10 - 1  # 0.00..0.09 minus the NaN at id 5 (inf at 6 is not < 0.1)


def test_group_by_gives_groups_with_summaries(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0")
    ex.group_by = "label"  # a string is a one-key list
    ex._wait()
    assert ex.group_by == ["label"]
    assert ex.mode == "groups"
    assert ex.num_rows == 3
    kinds = {c["name"]: c["kind"] for c in ex.schema}
    assert kinds["label"] == "key"
    assert kinds["count"] == "count"
    assert kinds["score"] == "hist"
    assert kinds["text"] == "counts"
    rows = cap.rows()["rows"]
    counts = {r["cells"]["label"]: r["cells"]["count"] for r in rows}
    assert counts == {"cat": 34, "dog": 33, "bird": 33}
    hist = rows[0]["cells"]["score"]["$hist"]
    assert len(hist["counts"]) == 1 and len(hist["edges"]) == len(hist["counts"][0]) + 1
    assert [r["_key"] for r in rows] == [0, 1, 2]


def test_bad_group_by_and_sort_name_their_control(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0")
    ex.group_by = ["nope"]
    ex._wait()
    assert ex.error["control"] == "group-by"
    assert ex.mode == "rows"
    ex.group_by = []
    ex._wait()
    assert ex.error == {}
    ex.sort = [["nope", "desc"]]
    ex._wait()
    assert ex.error["control"] == "sort"


def test_sort_orders_rows(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", filter="{$lt: ['$id', 20]}")
    ex.sort = [("id", "desc")]
    ex._wait()
    assert ex.sort == [["id", "desc"]]
    ids = [r["cells"]["id"] for r in cap.rows(0, 5)["rows"]]
    assert ids == [19, 18, 17, 16, 15]
    ex.sort = "label"
    ex._wait()
    assert ex.sort == [["label", "asc"]]
    labels = [r["cells"]["label"] for r in cap.rows(0, 20)["rows"]]
    assert labels == sorted(labels)
    with pytest.raises(traitlets.TraitError, match="asc"):
        ex.sort = [["id", "sideways"]]


def test_compare_and_quick_filter(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", compare="preds:v1")
    assert ex.mode == "compare"
    assert ex.num_rows == 110  # ids 0..109, outer join on id
    assert [v["compared"] for v in ex.versions] == [True, False]
    assert ex.schema[0]["name"] == "id"
    row = cap.rows(0, 20)["rows"][15]
    assert row["cells"]["id"] == 15  # the join key: one value, not a pair of bars
    assert row["cells"]["score"] == {"$cmp": [0.15, 0.65]}
    first = cap.rows(0, 1)["rows"][0]
    assert first["cells"]["id"] == 0  # present only in v0, still shown
    assert first["cells"]["score"]["$cmp"][1] == {"$absent": True}  # id 0 is only in v0
    for quick, n in (("both", 90), ("only0", 10), ("only1", 10), ("all", 110)):
        ex.quick_filter = quick
        ex._wait()
        assert ex.num_rows == n, quick
    ex.compare = "v0"  # a version of the same artifact, without its name
    ex._wait()
    assert ex.error == {}
    assert [v["compared"] for v in ex.versions] == [False, True]
    ex.compare = "preds:v9"
    ex._wait()
    assert ex.error["control"] == "compare"
    assert ex.mode == "compare"  # the last good result stays
    ex.compare = ""
    ex._wait()
    assert ex.mode == "rows" and ex.error == {}
    assert not any(v["compared"] for v in ex.versions)


def test_compare_plus_group(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0", compare="preds:v1", group_by="label")
    assert ex.mode == "compare-groups"
    tables = {c["name"]: c["table"] for c in ex.schema}
    assert tables["count_0"] == 0 and tables["count_1"] == 1
    hist = cap.rows()["rows"][0]["cells"]["score"]["$hist"]
    assert len(hist["counts"]) == 2  # one histogram per table, same bins


def test_selected_is_a_dataframe_of_the_selected_rows(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0", sort=[["id", "desc"]])
    assert list(ex.selected["_key"]) == []
    ex.selected_keys = [7, 3, 42]
    df = ex.selected
    assert list(df["_key"]) == [7, 3, 42]
    assert list(df["id"]) == [7, 3, 42]
    assert list(df["label"]) == ["dog", "cat", "cat"]


def test_view_is_the_result_on_screen(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0")
    ex.filter = "{$eq: ['$label', 'dog']}"
    view = ex.view  # waits for the query just started
    assert view.num_rows == 33
    assert set(view.to_pandas()["label"]) == {"dog"}


def test_hidden_columns_leave_cells_out(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("preds:v0")
    version = ex.result_version
    ex.hidden_columns = ["meta", "text"]
    assert ex.result_version == version + 1
    cells = cap.rows(0, 1)["rows"][0]["cells"]
    assert "meta" not in cells and "text" not in cells and "score" in cells
    assert {c["name"] for c in ex.schema} >= {"meta", "text"}  # the browser still lists them
