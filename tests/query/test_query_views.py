"""Sorting, grouping, comparing and joining, checked against the same work done with pandas on small tables."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet
import pytest
from query_data import image_table

from tablelens import query


def make(seed: int, n: int = 60, ids: list[int] | None = None) -> pa.Table:
    rng = random.Random(seed)
    labels = ["cat", "dog", "bird", None]
    scores = [rng.choice([rng.uniform(-1, 1), math.nan, None, 0.25]) for _ in range(n)]
    return pa.table({
        "id": pa.array(ids if ids is not None else list(range(n)), pa.int64()),
        "label": pa.array([rng.choice(labels) for _ in range(n)], pa.string()),
        "score": pa.array(scores, pa.float64()),
        "n": pa.array([rng.choice([rng.randint(-3, 40), None]) for _ in range(n)], pa.int64()),
        "tags": pa.array([rng.choice([["a"], ["a", "b"], [], None, ["c", "a"]]) for _ in range(n)],
                         pa.list_(pa.string())),
        "boxes": pa.array([[{"c": k} for k in range(rng.choice([0, 1, 2, 5]))] if rng.random() > 0.1 else None
                           for _ in range(n)], pa.list_(pa.struct([("c", pa.int64())]))),
    })


T0 = make(1)
T1 = make(2, 50, ids=list(range(20, 70)))


def rows(t: pa.Table) -> list[dict[str, Any]]:
    return t.to_pylist()


def mongo_key(v: Any, desc: bool) -> tuple[Any, ...]:
    """Sort key of one value: nulls last either way, NaN below every number."""
    if v is None:
        return (1, 0, 0)
    if isinstance(v, float) and math.isnan(v):
        return (0, 1 if desc else 0, 0)
    return (0, 0 if desc else 1, -v if desc and isinstance(v, (int, float)) else v)


# --------------------------------------------------------------------------------------------------- sort
@pytest.mark.parametrize("spec", [
    [("score", "asc")], [("score", "desc")], [("label", "asc"), ("n", "desc")], [("n", "desc"), ("score", "asc")],
])
def test_sort_matches_a_python_sort(spec: list[tuple[str, str]]) -> None:
    data = rows(T0)
    expected = list(range(len(data)))
    for col, direction in reversed(spec):  # stable sorts, last key first
        desc = direction == "desc"  # (only numeric columns are sorted descending here)
        expected.sort(key=lambda i, c=col, d=desc: mongo_key(data[i][c], d))
    r = query(T0, sort=spec)
    assert list(r.page(0, 100)["_key"]) == expected


def test_paging_is_stable_and_complete() -> None:
    r = query(T0, sort=[("label", "asc")])
    whole = list(r.page(0, 100)["_key"])
    pieces = [k for off in range(0, 60, 7) for k in r.page(off, 7)["_key"]]
    assert pieces == whole and sorted(whole) == list(range(60))


def test_sort_by_expression_and_path() -> None:
    r = query(T0, sort=[("{$size: {$ifNull: ['$tags', []]}}", "desc")])
    sizes = [len(t or []) for t in r.page(0, 100)["tags"]]
    assert sizes == sorted(sizes, reverse=True)
    r = query(T0, sort="$0.n")
    ns = [v for v in r.page(0, 100)["n"]]
    present = [v for v in ns if v is not pd.NA]
    assert present == sorted(present) and all(v is pd.NA for v in ns[len(present):])


def test_unsorted_pages_follow_row_order() -> None:
    keys = list(query(T0, filter="{$gt: ['$n', 10]}").page(0, 100)["_key"])
    assert keys == sorted(keys) and keys == [i for i, r in enumerate(rows(T0)) if (r["n"] or -99) > 10]


# -------------------------------------------------------------------------------------------------- group
def _pandas_counts(t: pa.Table, key: str) -> dict[Any, int]:
    df = pd.DataFrame({key: pd.Series(t.column(key).to_pylist(), dtype=object)})
    return {(None if k is None or k != k else k): int(v) for k, v in
            df.groupby(key, dropna=False).size().items()}


def test_group_counts_match_pandas() -> None:
    r = query(T0, group_by="label", sort=[("count", "desc")])
    page = r.page(0, 10)
    got = dict(zip(page["label"], page["count"]))
    assert got == _pandas_counts(T0, "label")
    assert r.num_rows == len(got) and list(page["count"]) == sorted(page["count"], reverse=True)
    assert r.mode == "groups"


def test_group_histograms_match_numpy() -> None:
    r = query(T0, group_by="label", bins=5)
    page = r.page(0, 10)
    data = rows(T0)
    finite = [v["score"] for v in data if v["score"] is not None and not math.isnan(v["score"])]
    lo, hi = min(finite), max(finite)
    for label, summary in zip(page["label"], page["score"]):
        assert summary["kind"] == "hist"
        edges = summary["edges"]
        assert edges[0] == pytest.approx(lo) and edges[-1] == pytest.approx(hi) and len(edges) == 6
        values = [v["score"] for v in data if v["label"] == label and v["score"] is not None
                  and not math.isnan(v["score"])]
        expected, _ = np.histogram(values, bins=np.array(edges))
        assert summary["counts"] == [expected.tolist()]


def test_integer_histograms_are_integer_aligned() -> None:
    page = query(T0, group_by="label", bins=20).page(0, 10)
    edges = page["n"][0]["edges"]
    assert all(float(e).is_integer() for e in edges)
    widths = {b - a for a, b in itertools.pairwise(edges)}
    assert len(widths) == 1 and next(iter(widths)) >= 1
    ns = [v["n"] for v in rows(T0) if v["n"] is not None]
    assert edges[0] == min(ns) and edges[-1] > max(ns)
    total = sum(sum(s["counts"][0]) for s in page["n"])
    assert total == len(ns)


def test_lists_of_structs_give_length_histograms() -> None:
    page = query(T0, group_by="label").page(0, 10)
    data = rows(T0)
    for label, boxes in zip(page["label"], page["boxes"]):
        assert boxes["kind"] == "hist" and boxes["edges"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        lengths = [len(v["boxes"]) for v in data if v["label"] == label and v["boxes"] is not None]
        assert boxes["counts"] == [[lengths.count(k) for k in range(6)]]


def test_string_and_list_columns_give_top_counts() -> None:
    page = query(T0, group_by="label", top=2).page(0, 10)
    data = rows(T0)
    for label, tags in zip(page["label"], page["tags"]):
        elems = [t for v in data if v["label"] == label for t in (v["tags"] or [])]
        counts = pd.Series(elems, dtype=object).value_counts()
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        assert tags == {"kind": "counts", "values": [k for k, _ in top], "counts": [[int(c) for _, c in top]]}


def test_group_by_expression_and_several_keys() -> None:
    page = query(T0, group_by=["{$toUpper: '$label'}", "$0.n"], sort=[("count", "desc")]).page(0, 500)
    assert list(page.columns[:3]) == ["{$toUpper: '$label'}", "$0.n", "count"]
    data = rows(T0)
    expected: dict[tuple[Any, Any], int] = {}
    for v in data:
        k = ((v["label"] or "").upper(), v["n"])
        expected[k] = expected.get(k, 0) + 1
    got = {(a, None if b is None or b != b else int(b)): c
           for a, b, c in zip(page["{$toUpper: '$label'}"], page["$0.n"], page["count"])}
    assert got == expected


def test_group_filter_and_sort_by_aggregate() -> None:
    r = query(T0, filter="{$ne: ['$label', null]}", group_by="label", sort=[("avg(n)", "desc")])
    page = r.page(0, 10)
    df = T0.to_pandas()
    means = df[df.label.notna()].groupby("label")["n"].mean().sort_values(ascending=False)
    assert list(page["label"]) == list(means.index)
    assert page["avg(n)"].tolist() == pytest.approx(means.tolist())


def test_group_pages() -> None:
    r = query(T0, group_by="n")
    whole = r.page(0, 100)
    parts = pd.concat([r.page(o, 4) for o in range(0, r.num_rows, 4)], ignore_index=True)
    assert list(parts["n"].astype(object)) == list(whole["n"].astype(object))
    assert parts["count"].sum() == T0.num_rows


def test_image_columns_give_sample_images() -> None:
    page = query(image_table(), group_by="dominant_pred", samples=1).page(0, 10)
    road = page[page["dominant_pred"] == "road"].iloc[0]
    assert road["count"] == 2
    assert road["pred_mask"]["kind"] == "images"
    assert [img["path"] for img in road["pred_mask"]["images"]] == ["media/images/0000.png"]
    assert road["road"]["kind"] == "hist"


# ------------------------------------------------------------------------------------------------ compare
def _merged() -> pd.DataFrame:
    a, b = T0.to_pandas(), T1.to_pandas()
    return a.merge(b, on="id", how="outer", suffixes=("_0", "_1"), indicator=True)


def test_compare_matches_a_pandas_outer_merge() -> None:
    r = query(T0, compare=T1)
    assert r.mode == "compare"
    page = r.page(0, 1000)
    m = _merged().sort_values("id")
    assert list(page["_key"]) == list(m["id"])
    assert list(page["_presence"]) == [{"both": "both", "left_only": "only0", "right_only": "only1"}[x]
                                       for x in m["_merge"]]
    assert r.num_rows == len(m) and r.total_rows == len(m)
    names = [c.name for c in r.columns]
    assert names[:4] == ["_key", "_presence", "0.id", "1.id"] and "1.tags" in names


@pytest.mark.parametrize(("qf", "merge"), [("both", "both"), ("only0", "left_only"), ("only1", "right_only")])
def test_quick_filters(qf: str, merge: str) -> None:
    r = query(T0, compare=T1, quick_filter=qf)
    m = _merged()
    assert r.num_rows == int((m["_merge"] == merge).sum())
    assert set(r.page(0, 1000)["_presence"]) == {qf}


def test_compare_filter_across_tables() -> None:
    r = query(T0, compare=T1, filter="{$ne: ['$0.label', '$1.label']}")
    m = _merged()
    la = [None if x is None or x != x else x for x in m["label_0"]]
    lb = [None if x is None or x != x else x for x in m["label_1"]]
    miss0, miss1 = m["_merge"] == "right_only", m["_merge"] == "left_only"
    expected = [k for k, a, b, x0, x1 in zip(m["id"], la, lb, miss0, miss1)
                if (a != b) or (x0 != x1)]  # missing differs from null
    assert sorted(r.page(0, 1000)["_key"]) == sorted(expected)


def test_compare_by_row_position_without_id() -> None:
    a, b = T0.drop_columns(["id"]), T1.drop_columns(["id"])
    r = query(a, compare=b)
    page = r.page(0, 100)
    assert list(page["_key"]) == list(range(60))
    assert list(page["_presence"]) == ["both"] * 50 + ["only0"] * 10


def test_compare_groups_count_each_table() -> None:
    r = query(T0, compare=T1, group_by="label", bins=4)
    assert r.mode == "compare-groups"
    page = r.page(0, 10)
    a, b = _pandas_counts(T0, "label"), _pandas_counts(T1, "label")
    for label, c0, c1, score in zip(page["label"], page["count_0"], page["count_1"], page["score"]):
        assert (c0, c1) == (a.get(label, 0), b.get(label, 0))
        assert len(score["counts"]) == 2 and len(score["counts"][0]) == len(score["edges"]) - 1
    names = [c.name for c in r.columns]
    assert names[:4] == ["label", "count", "count_0", "count_1"]


def test_compare_groups_by_expression_count_joined_rows() -> None:
    r = query(T0, compare=T1, group_by="$0.label", quick_filter="both")
    page = r.page(0, 10)
    assert (page["count"] == page["count_0"]).all() and (page["count"] == page["count_1"]).all()
    assert page["count"].sum() == int((_merged()["_merge"] == "both").sum())


# -------------------------------------------------------------------------------------------------- joins
def FakeJoined(a: pa.Table, b: pa.Table, key: str) -> Any:
    """A real JoinedTable of two Arrow tables."""
    import tablelens as tl

    return tl.JoinedTable(tl.Table.from_arrow(a), tl.Table.from_arrow(b), key)


@pytest.mark.parametrize(("how", "pd_how"), [("inner", "inner"), ("left", "left"), ("outer", "outer")])
def test_joined_table_matches_pandas_merge(how: str, pd_how: str) -> None:
    r = query(FakeJoined(T0, T1, "id"), how=how, sort="_key")
    m = T0.to_pandas().merge(T1.to_pandas(), on="id", how=pd_how)
    assert r.mode == "rows" and r.num_rows == len(m)
    page = r.page(0, 1000)
    assert sorted(page["_key"]) == sorted(m["id"])
    assert {"0.label", "1.label", "0.score", "1.score"} <= set(page.columns)
    assert [c.table for c in r.columns if c.name.startswith("1.")] == [1] * T1.num_columns


def test_joined_table_filter_on_both_sides() -> None:
    r = query(FakeJoined(T0, T1, "id"), filter="{$and: [{$eq: ['$0.label', 'cat']}, {$eq: ['$1.label', 'cat']}]}")
    m = T0.to_pandas().merge(T1.to_pandas(), on="id", how="inner")
    assert r.num_rows == int(((m.label_x == "cat") & (m.label_y == "cat")).sum())


@pytest.mark.parametrize("kwargs", [
    {"sort": [("score", "desc")]},
    {"compare": T1},
    {"compare": T1, "quick_filter": "only1", "sort": "label"},
    {"compare": T0.drop_columns(["tags"]), "sort": [("0.n", "desc")]},
])
def test_two_step_pages_equal_the_whole_result(kwargs: dict[str, Any]) -> None:
    r = query(T0, **kwargs)
    whole = r.to_pandas()
    for off in (0, 13):
        page = r.page(off, 9)
        expected = whole.iloc[off:off + 9].reset_index(drop=True)
        assert page.astype(str).equals(expected.astype(str))


def test_joined_two_step_pages() -> None:
    r = query(FakeJoined(T0, T1, "id"), how="outer", sort=[("1.score", "asc")])
    assert r.page(5, 10).astype(str).equals(r.to_pandas().iloc[5:15].reset_index(drop=True).astype(str))


@pytest.mark.parametrize("kwargs", [{"group_by": "label"}, {"group_by": "n", "sort": [("count", "desc")]},
                                    {"group_by": "label", "compare": T1}])
def test_group_shortcuts_change_nothing(monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any]) -> None:
    from tablelens.query import _group

    fast = query(T0, **kwargs)
    expected = [fast.page(o, 3).astype(str).to_dict("records") for o in (0, 3, 6)]
    monkeypatch.setattr(_group, "GROUP_CACHE", 2)  # groups paged by the engine
    monkeypatch.setattr(_group, "LENGTH_GROUPS", 0)  # list lengths binned by the engine
    slow = query(T0, **kwargs)
    assert [slow.page(o, 3).astype(str).to_dict("records") for o in (0, 3, 6)] == expected
    assert slow.num_rows == fast.num_rows


def test_sorting_doubles_without_nan(tmp_path: Any) -> None:
    t = pa.table({"x": pa.array([0.5, None, -2.0, 3.0, None, 0.5])})
    path = str(tmp_path / "x.parquet")
    pa.parquet.write_table(t, path)
    for src in (t, path, path):  # the second parquet query uses the cached "no NaN" fact
        assert list(query(src, sort=[("x", "desc")]).page(0, 9)["_key"]) == [3, 0, 5, 2, 1, 4]
        assert list(query(src, sort="x").page(0, 9)["_key"]) == [2, 0, 5, 3, 1, 4]
