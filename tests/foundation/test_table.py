"""Table: the wandb.Table API, every cell type, and exact round trips through an artifact."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tablelens as tl


def roundtrip(run, table: tl.Table, name: str = "t") -> tl.Table:
    art = tl.Artifact("rt", type="dataset")
    art.add(table, name)
    run.log_artifact(art)
    return run.use_artifact(f"rt:{art.version}").get(name)


def test_wandb_api_basics():
    t = tl.Table(columns=["a", "b"])
    t.add_data(1, "x")
    t.add_data(2, "y")
    assert t.columns == ["a", "b"]
    assert t.data == [[1, "x"], [2, "y"]]
    assert len(t) == 2
    assert list(t.iterrows()) == [(0, [1, "x"]), (1, [2, "y"])]
    assert t.get_column("b") == ["x", "y"]
    assert list(t.get_column("a", convert_to="numpy")) == [1, 2]
    t.add_column("c", [0.5, 1.5])
    assert t.columns == ["a", "b", "c"]
    assert t.data[1] == [2, "y", 1.5]
    df = t.to_pandas()
    assert list(df.columns) == ["a", "b", "c"] and df["c"].tolist() == [0.5, 1.5]


def test_data_and_rows_keywords():
    assert tl.Table(columns=["a"], data=[[1], [2]]) == tl.Table(columns=["a"], rows=[[1], [2]])
    assert tl.Table(data=[[1, 2]]).columns == ["Column_1", "Column_2"]


def test_bad_shapes_and_names_are_refused():
    with pytest.raises(ValueError, match="3 cells"):
        tl.Table(columns=["a", "b"]).add_data(1, 2, 3)
    with pytest.raises(ValueError, match="unique"):
        tl.Table(columns=["a", "a"])
    with pytest.raises(ValueError, match="row 1 has 1 cells"):
        tl.Table(columns=["a", "b"], data=[[1, 2], [3]])
    t = tl.Table(columns=["a"], data=[[1]])
    with pytest.raises(ValueError, match="2 values"):
        t.add_column("b", [1, 2])
    with pytest.raises(KeyError, match="no column 'zz'"):
        t.get_column("zz")


def test_unsupported_cell_names_column_and_row():
    t = tl.Table(columns=["a", "weird"])
    t.add_data(1, "ok")
    with pytest.raises(TypeError, match=r"column 'weird', row 1: cells of type object"):
        t.add_data(2, object())
    assert len(t) == 1  # nothing half-added
    with pytest.raises(TypeError, match=r"column 'w', row 2"):
        tl.Table(columns=["w"], data=[[1], [2], [{1, 2}]]).encode(None)


def test_every_cell_type_round_trips(run):
    t = tl.Table(columns=["none", "b", "i", "f", "s", "l", "d", "np", "arr", "arr2", "when", "mixed"])
    rows = [
        [None, True, 1, 1.5, "x", [1, 2], {"k": {"n": [1, 2]}}, np.int32(4), np.arange(3.0),
         np.ones((2, 2), dtype=np.int64), dt.datetime(2024, 5, 1, 12, 30), 1],
        [None, False, -(2**62), float("nan"), "", [], {"k": {"n": []}}, np.float32(2.5), np.zeros(0),
         np.zeros((1, 3), dtype=np.int64), dt.datetime(1970, 1, 1), "two"],
        [None, None, None, float("inf"), None, None, None, None, None, None, None, [1, {"a": None}]],
        [None, True, 0, float("-inf"), "ünï ✓", [[1], [2, 3]], {"k": None}, np.int64(7), np.array([1.0, np.nan]),
         np.eye(2, dtype=np.int64), dt.datetime(2030, 12, 31, 23, 59, 59, 999999), None],
    ]
    for r in rows:
        t.add_data(*r)
    back = roundtrip(run, t)
    assert back == t
    got = back.data
    assert math.isnan(got[1][3]) and got[2][3] == math.inf and got[3][3] == -math.inf
    assert isinstance(got[0][8], np.ndarray) and got[0][8].dtype == np.float64
    assert got[0][9].shape == (2, 2)
    assert got[1][11] == "two" and got[2][11] == [1, {"a": None}]
    assert got[0][10] == dt.datetime(2024, 5, 1, 12, 30)


def test_nested_values_with_differing_keys_round_trip_exactly(run):
    t = tl.Table(columns=["d"], data=[[{"a": 1}], [{"b": "x"}], [{"a": 2, "b": None}], [[1, "mixed", None]]])
    back = roundtrip(run, t)
    assert back.data == [[{"a": 1}], [{"b": "x"}], [{"a": 2, "b": None}], [[1, "mixed", None]]]


def test_timezone_aware_datetimes_keep_their_zone(run):
    tz = dt.timezone(dt.timedelta(hours=2))
    t = tl.Table(columns=["t"], data=[[dt.datetime(2024, 1, 1, 10, tzinfo=tz)]])
    assert roundtrip(run, t).data[0][0] == dt.datetime(2024, 1, 1, 8, tzinfo=dt.timezone.utc)


def test_dataframe_in_and_out(run):
    df = pd.DataFrame({
        "id": np.arange(5), "x": [0.1, np.nan, 2.0, np.inf, -1.0], "name": list("abcde"),
        "flag": [True, False, True, True, False], "when": pd.date_range("2024-01-01", periods=5),
        "cat": pd.Categorical(["u", "v", "u", None, "v"]),
    })
    t = tl.Table(dataframe=df)
    assert t.columns == list(df.columns)
    back = roundtrip(run, t)
    assert back == t
    out = back.to_pandas()
    pd.testing.assert_series_equal(out["x"], df["x"], check_names=True)
    assert out["name"].tolist() == list("abcde")
    assert out["cat"].tolist() == ["u", "v", "u", None, "v"]
    assert tl.Table.from_pandas(df) == t


def test_dataframe_with_image_objects(run):
    img = tl.Image(np.zeros((4, 4, 3), dtype=np.uint8))
    df = pd.DataFrame({"id": [1, 2], "img": [img, None]})
    back = roundtrip(run, tl.Table(dataframe=df))
    assert back.data[0][1] == img and back.data[1][1] is None


def test_from_arrow():
    at = pa.table({"a": [1, 2], "b": ["x", None]})
    t = tl.Table.from_arrow(at)
    assert t.data == [[1, "x"], [2, None]]
    assert t.to_arrow().column("a").to_pylist() == [1, 2]


def test_equality_notices_any_difference():
    a = tl.Table(columns=["x", "y"], data=[[1, float("nan")], [2, "s"]])
    assert a == tl.Table(columns=["x", "y"], data=[[1, float("nan")], [2, "s"]])
    assert a != tl.Table(columns=["x", "y"], data=[[1, float("nan")], [2, "t"]])
    assert a != tl.Table(columns=["x", "z"], data=[[1, float("nan")], [2, "s"]])
    assert a != tl.Table(columns=["x", "y"], data=[[1, float("nan")]])
    assert tl.Table(columns=["a"], data=[[np.arange(3)]]) != tl.Table(columns=["a"], data=[[np.arange(4)]])


def test_loaded_table_can_be_extended(run):
    back = roundtrip(run, tl.Table(columns=["a"], data=[[1], [2]]))
    back.add_data(3)
    back.add_column("b", ["x", "y", "z"])
    assert back.data == [[1, "x"], [2, "y"], [3, "z"]]


def test_big_dataframe_stays_columnar(run):
    n = 200_000
    df = pd.DataFrame({"id": np.arange(n), "v": np.random.default_rng(0).random(n)})
    t = tl.Table(dataframe=df)
    assert t._rows is None  # no Python rows were built
    back = roundtrip(run, t)
    assert back._rows is None and len(back) == n
    assert back == t
    assert back._rows is None


# -- property: any table of supported cells round-trips exactly ----------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
nested = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=False), st.text(max_size=4)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(min_size=1, max_size=3), children, max_size=3)),
    max_leaves=6,
)
datetimes = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
arrays = st.lists(st.floats(allow_nan=False, width=32), max_size=5).map(lambda xs: np.array(xs, dtype=np.float32))
column_cells = st.one_of(
    st.lists(scalars, min_size=1, max_size=6),
    st.lists(nested, min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), datetimes), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), arrays), min_size=1, max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cols=st.lists(column_cells, min_size=1, max_size=4))
def test_property_round_trip(run, cols):
    n = min(len(c) for c in cols)
    t = tl.Table(columns=[f"c{i}" for i in range(len(cols))])
    for r in range(n):
        t.add_data(*[c[r] for c in cols])
    back = roundtrip(run, t)
    assert back == t
    # and cell by cell, as Python values
    for r1, r2 in zip(back.data, t.data):
        for a, b in zip(r1, r2):
            if isinstance(b, float) and math.isnan(b):
                assert isinstance(a, float) and math.isnan(a)
            elif isinstance(b, np.ndarray):
                assert np.array_equal(a, b)
            elif isinstance(b, int) and not isinstance(b, bool) and isinstance(a, float):
                assert a == b  # a column mixing ints and floats is a float column
            elif isinstance(b, (bool, int, str)) or b is None:
                assert a == b and type(a) is type(b)
