"""The backend parity suite: the same queries on DuckDB, Polars and a local Spark give the same answers.

DuckDB is the reference (test_query_views.py checks it against pandas, test_query_property.py against a MongoDB
reference evaluator). Spark must run every query the engine emits — filters with nested `$filter`/`$map`/`$reduce`
over lists of structs, groups with histograms, sorts, compares with quick filters, JoinedTable joins — with the
same results. Polars lacks array lambdas: queries that need them must fail with a FilterError naming the
operation; every other query must agree. Spark tests share one local[2] session (the `spark` fixture).
"""

from __future__ import annotations

import csv
import json
import math
import threading
import time
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from mongo_reference import MISSING as MISSING_REF
from query_data import arrow_table, image_table
from test_query_operators import CASES, TABLE, M, same
from test_query_property import TABLE as PROPERTY_TABLE
from test_query_property import expressions, reference
from test_query_property import same as same_value
from test_query_views import T0, T1, FakeJoined

import tablelens as tl
from tablelens import FilterError, query
from tablelens.query import ScanSource
from tablelens.sources import evaluate

BACKENDS = ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Any:
    if request.param == "spark":
        return request.getfixturevalue("spark")
    return getattr(ibis, request.param).connect()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """T0, T1 and the image table as Parquet, in row groups of 16 rows (so a file has several)."""
    d = tmp_path_factory.mktemp("parity")
    out = {}
    for name, table in (("t0", T0), ("t1", T1), ("img", image_table())):
        out[name] = str(d / f"{name}.parquet")
        pq.write_table(table, out[name], row_group_size=16)
    return out


def _frame(r: Any, offset: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    return r.page(offset, limit).astype(object).where(lambda d: d.notna(), None).to_dict("records")


def _unsupported(err: FilterError) -> bool:
    return "backend does not support" in err.message


# --------------------------------------------------------------------------------------------- operators
@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_operators(backend: Any, expr: Any, expected: list[Any]) -> None:
    try:
        got = [M if missing else v for v, missing in evaluate(TABLE, expr, backend=backend)]
    except FilterError as err:
        assert backend.name == "polars" and _unsupported(err), err.message
        return
    assert same(got, expected), f"{expr}: got {got}, expected {expected}"


def test_most_operators_run_on_polars() -> None:
    pl = ibis.polars.connect()
    ok = 0
    for expr, _ in CASES:
        try:
            evaluate(TABLE, expr, backend=pl)
            ok += 1
        except FilterError:
            pass
    assert ok >= 0.75 * len(CASES)


# ------------------------------------------------------------------------------------------------- views
LAMBDA_FILTERS = [  # need array lambdas: Polars refuses them
    "{$gt: [{$size: {$filter: {input: '$boxes', as: 'b', cond: {$gte: ['$$b.c', 2]}}}}, 1]}",
    "{$anyElementTrue: [{$map: {input: '$boxes', as: 'b', in: {$eq: ['$$b.c', 3]}}}]}",
    "{$gt: [{$reduce: {input: '$boxes.c', initialValue: 0, in: {$add: ['$$value', '$$this']}}}, 3]}",
    "{$gt: [{$size: {$filter: {input: {$map: {input: '$boxes', as: 'b', in: {$multiply: ['$$b.c', 2]}}}, "
    "as: 'x', cond: {$gt: ['$$x', 3]}, limit: 2}}}, 1]}",
    "{$in: ['b', '$tags']}",
]

#: (source, query keyword arguments, needs array lambdas); sources: "t0"/"t1"/"img" are Parquet files, "T0"
#: Arrow, "joined" a JoinedTable of T0 and T1 on id
VIEWS: list[tuple[str, dict[str, Any], bool]] = [
    ("t0", {"filter": "{$and: [{$gt: ['$score', 0]}, {$ne: ['$label', 'dog']}]}"}, False),
    ("t0", {"filter": "{$or: [{$lt: ['$score', 0]}, {$eq: ['$n', null]}]}", "sort": [("n", "desc")]}, False),
    ("t0", {"sort": [("label", "asc"), ("score", "desc")]}, False),
    ("t0", {"sort": [("score", "desc")]}, False),
    ("t0", {"sort": [("{$size: {$ifNull: ['$tags', []]}}", "desc"), ("score", "asc")]}, False),
    *[("t0", {"filter": f}, True) for f in LAMBDA_FILTERS],
    ("t0", {"filter": LAMBDA_FILTERS[0], "sort": [("n", "asc")]}, True),
    ("t0", {"group_by": "label", "sort": [("count", "desc")]}, False),
    ("t0", {"group_by": "label", "bins": 5, "top": 2}, False),
    ("t0", {"group_by": ["label", "{$gt: ['$n', 10]}"]}, False),
    ("t0", {"group_by": ["{$toUpper: '$label'}", "$0.n"], "sort": [("count", "desc")]}, False),
    ("t0", {"filter": "{$ne: ['$label', null]}", "group_by": "label", "sort": [("avg(n)", "desc")]}, False),
    ("t0", {"group_by": "n"}, False),
    ("t0", {"group_by": "{$size: {$ifNull: ['$boxes', []]}}"}, False),
    ("t0", {"filter": LAMBDA_FILTERS[1], "group_by": "label"}, True),
    ("t0", {"compare": "t1"}, False),
    ("t0", {"compare": "t1", "filter": "{$ne: ['$0.label', '$1.label']}"}, False),
    ("t0", {"compare": "t1", "quick_filter": "only0"}, False),
    ("t0", {"compare": "t1", "quick_filter": "only1", "sort": "label"}, False),
    ("t0", {"compare": "t1", "quick_filter": "both", "sort": [("1.score", "desc")]}, False),
    ("t0", {"compare": "t1", "filter": "{$gt: [{$size: {$filter: {input: '$1.boxes', cond: true}}}, 1]}"}, True),
    ("t0", {"compare": "t1", "group_by": "label", "bins": 4}, False),
    ("t0", {"compare": "t1", "group_by": "$0.label", "quick_filter": "both"}, False),
    ("T0", {"sort": [("score", "desc")], "filter": "{$gte: ['$n', 0]}"}, False),
    ("T0", {"compare": "T1", "group_by": "label"}, False),
    ("joined", {"how": "inner", "sort": "_key"}, False),
    ("joined", {"how": "outer", "sort": [("1.score", "asc")]}, False),
    ("joined", {"how": "left", "filter": "{$and: [{$eq: ['$0.label', 'cat']}, {$eq: ['$1.label', 'cat']}]}"},
     False),
    ("joined", {"how": "inner", "group_by": "0.label"}, False),
    ("img", {"group_by": "dominant_pred", "samples": 1}, False),
    ("img", {"filter": "{$anyElementTrue: [{$map: {input: '$0.pred_mask.boxes.predictions', as: 'b', "
                       "in: {$gt: ['$$b.conf', 0.5]}}}]}"}, True),
    ("img", {"filter": "{$in: [13, '$0.pred_mask.boxes.ground_truth.class_id']}"}, True),
    ("img", {"sort": [("$pred_mask.width", "desc")]}, False),
]


def _source(name: str, files: dict[str, str]) -> Any:
    if name == "T0":
        return T0
    if name == "T1":
        return T1
    if name == "joined":
        return FakeJoined(T0, T1, "id")
    return files[name]


@pytest.mark.parametrize(("source", "kwargs", "lambdas"), VIEWS,
                         ids=[f"{s}-{sorted(k.items())}"[:90] for s, k, _ in VIEWS])
def test_views_agree_across_backends(backend: Any, files: dict[str, str], source: str, kwargs: dict[str, Any],
                                     lambdas: bool) -> None:
    kw = {k: _source(v, files) if k == "compare" else v for k, v in kwargs.items()}
    expected = query(_source(source, files), **kw)
    if backend.name == "polars" and lambdas:
        with pytest.raises(FilterError, match="polars backend does not support Array"):
            query(_source(source, files), backend=backend, **kw)
        return
    got = query(_source(source, files), backend=backend, **kw)
    assert got.mode == expected.mode
    assert got.num_rows == expected.num_rows
    assert _frame(got) == _frame(expected)
    assert _frame(got, 3, 7) == _frame(expected)[3:10]  # a page from the middle is the same rows too


def test_lambdas_fail_clearly_on_polars() -> None:
    with pytest.raises(FilterError, match=r"polars backend does not support ArrayFilter \(needed by \$filter"):
        query(T0, backend=ibis.polars.connect(), filter="{$gt: [{$size: {$filter: {input: '$tags', cond: true}}}, 0]}")


def test_parquet_row_keys(backend: Any, sample_parquet: str) -> None:
    r = query(sample_parquet, backend=backend, filter="{$gte: ['$i', 1]}", sort="i")
    assert list(r.page(0, 10)["_key"]) == [0, 7, 5, 4]
    assert r.total_rows == arrow_table().num_rows


# ------------------------------------------------------------------------------------------------- Spark
def _positions_table(n: int) -> pa.Table:
    rng = np.random.default_rng(7)
    return pa.table({"id": pa.array(np.arange(n) * 3, pa.int64()), "x": pa.array(rng.random(n))})


@pytest.mark.spark
def test_spark_row_keys_are_positions_when_a_file_is_split(spark: Any, tmp_path: Path) -> None:
    """Spark splits a file of many row groups into several tasks; `_key` is still each row's position (a
    `row_number()` or `monotonically_increasing_id()` would number rows in task order)."""
    t = _positions_table(40_000)
    path = str(tmp_path / "split.parquet")
    pq.write_table(t, path, row_group_size=2_000)
    conf = spark._session.conf
    old = conf.get("spark.sql.files.maxPartitionBytes")
    conf.set("spark.sql.files.maxPartitionBytes", "16384")
    try:
        r = query(path, backend=spark, filter="{$gt: ['$x', 0.9]}")
        assert spark._session.read.parquet(path).rdd.getNumPartitions() > 4
        page = r.to_pandas()
    finally:
        conf.set("spark.sql.files.maxPartitionBytes", old)
    x = t.column("x").to_numpy()
    assert list(page["_key"]) == [int(i) for i in np.flatnonzero(x > 0.9)]
    assert list(page["id"]) == [3 * k for k in page["_key"]]
    assert r.num_rows == int((x > 0.9).sum())


@pytest.mark.spark
def test_spark_keeps_null_and_nan_apart(spark: Any) -> None:
    """Ibis's Spark SQL folds NaN into null in isnull()/notnull() and its pandas results turn null into NaN;
    the engine compiles and fetches around both."""
    t = pa.table({"x": pa.array([1.0, math.nan, None, -math.inf])})
    for expr, expected in [({"$eq": ["$x", None]}, [False, False, True, False]),
                           ({"$type": "$x"}, ["double", "double", "null", "double"]),
                           ({"$ifNull": ["$x", 7]}, [1.0, math.nan, 7, -math.inf]),
                           ({"$lt": ["$x", 0]}, [False, True, True, True])]:
        got = [v for v, _ in evaluate(t, expr, backend=spark)]
        assert same(got, expected), (expr, got)
    r = query(t, backend=spark, sort=[("x", "asc")])
    assert list(r.page(0, 9)["_key"]) == [1, 3, 0, 2]  # NaN below every number, null last
    # a histogram's range leaves NaN and the infinities out (Ibis's Spark isinf() was always false)
    g = t.append_column("g", pa.array(["a"] * 4)).append_column("y", pa.array([0.5, math.inf, 2.5, 1.0]))
    hist = query(g, backend=spark, group_by="g", bins=2).page(0, 1)["y"][0]
    assert hist == query(g, group_by="g", bins=2).page(0, 1)["y"][0]
    assert hist["edges"] == [0.5, 1.5, 2.5] and hist["counts"] == [[2, 1]]


@pytest.mark.spark
def test_spark_edited_version(spark: Any, tmp_path: Path) -> None:
    """An edited table (a column file replacing a column) reads the same on Spark as on DuckDB."""
    base = _positions_table(5_000)
    path, col = str(tmp_path / "base.parquet"), str(tmp_path / "x.parquet")
    pq.write_table(base, path, row_group_size=700)
    pq.write_table(pa.table({"x": pa.array(-np.arange(5_000, dtype=float))}), col, row_group_size=900)
    src = ScanSource.from_parquet(path, column_files=(("x", col),))
    kw = {"filter": "{$lt: ['$x', -4990]}", "sort": [("x", "asc")]}
    assert _frame(query(src, backend=spark, **kw)) == _frame(query(src, **kw))
    assert list(query(src, backend=spark, **kw).page(0, 3)["_key"]) == [4999, 4998, 4997]


@pytest.mark.spark
def test_spark_export(spark: Any, files: dict[str, str], tmp_path: Path) -> None:
    kw = {"filter": "{$gt: ['$n', 5]}", "sort": [("score", "desc")]}
    for engine, out in ((None, tmp_path / "duck.parquet"), (spark, tmp_path / "spark.parquet")):
        query(files["t0"], backend=engine, **kw).to_parquet(out)
    a, b = pq.read_table(tmp_path / "duck.parquet"), pq.read_table(tmp_path / "spark.parquet")
    assert repr(a.to_pylist()) == repr(b.to_pylist())  # (repr: NaN equals NaN)
    assert b.schema.metadata == a.schema.metadata  # the tablelens column kinds
    query(files["t0"], backend=spark, **kw).to_csv(tmp_path / "spark.csv")
    query(files["t0"], **kw).to_csv(tmp_path / "duck.csv")
    assert _csv(tmp_path / "spark.csv") == _csv(tmp_path / "duck.csv")


def _csv(path: Path) -> list[list[Any]]:
    """The cells of a CSV file, nested cells (JSON text) parsed: engines space their JSON differently."""
    with open(path, newline="", encoding="utf-8") as f:
        return [[json.loads(c) if c[:1] in ("[", "{") else c for c in row] for row in csv.reader(f)]


@pytest.mark.spark
def test_spark_cancel_interrupts_the_running_job(spark: Any, tmp_path: Path) -> None:
    """`result.cancel()` from another thread stops the Spark jobs the result is running."""
    n = 3_000_000
    path = str(tmp_path / "big.parquet")
    pq.write_table(pa.table({"a": pa.array(np.arange(n) % 1000), "b": pa.array(np.arange(n))}), path)
    # every row against every row sharing its `a`: ~9 billion pairs, minutes of work on two cores
    r = query(path, backend=spark, compare=path, join_key="a", filter="{$lt: ['$0.b', '$1.b']}")
    threading.Timer(3.0, r.cancel).start()
    t0 = time.monotonic()
    with pytest.raises(tl.QueryCancelled):
        r.num_rows  # noqa: B018
    assert time.monotonic() - t0 < 60
    assert query(path, backend=spark, filter="{$lt: ['$b', 3]}").num_rows == 3  # the session still works


@pytest.mark.spark
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_spark_random_expressions_match_reference(spark: Any, expr: Any) -> None:
    """Random expressions of the property test's grammar: Spark's values agree with the MongoDB reference."""
    expected = reference(expr)
    try:
        duck = evaluate(PROPERTY_TABLE, expr)
    except FilterError:
        assume(False)
        return
    got = evaluate(PROPERTY_TABLE, expr, backend=spark)
    assert expected is not None
    for n, ((value, missing), ref, d) in enumerate(zip(got, expected, duck)):
        assert missing == (ref is MISSING_REF), f"row {n}: {expr}: missing {missing}, reference {ref!r}"
        if ref is not MISSING_REF:
            assert same_value(value, ref), f"row {n}: {expr} -> spark {value!r}, reference {ref!r}, duckdb {d[0]!r}"
