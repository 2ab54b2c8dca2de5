"""Long literal lists and n-ary operators with thousands of arguments.

A literal `$in` list is a set membership (written into the SQL up to a few hundred items, a hashed in-memory
table beyond), and n-ary operators build balanced trees or flat calls, so lists of 100,000 items compile and run
where a chain of comparisons overflowed every recursive tree walk (`$in` of 1,000 ids raised RecursionError). The
answers are held against the reference evaluator and MongoDB's equality rules: numbers of both types equal by
value, NaN equal to NaN, null equal to null but not to missing, values of different types never equal.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from mongo_reference import MISSING, evaluate
from query_data import ROWS, arrow_table
from test_query_property import same

from tablelens import FilterError, query
from tablelens.query._semantics import INLINE_IN
from tablelens.sources import evaluate as engine_evaluate

TABLE = arrow_table()


def engine(expr: Any, table: pa.Table = TABLE) -> list[Any]:
    return [MISSING if missing else v for v, missing in engine_evaluate(table, expr)]


def reference(expr: Any, rows: list[dict[str, Any]] = ROWS) -> list[Any]:
    return [evaluate(expr, row) for row in rows]


def agree(expr: Any) -> None:
    got, want = engine(expr), reference(expr)
    assert len(got) == len(want)
    for n, (g, w) in enumerate(zip(got, want)):
        assert (g is MISSING) == (w is MISSING), (n, g, w)
        assert w is MISSING or same(g, w), f"row {n}: engine {g!r}, reference {w!r}"


# ------------------------------------------------------------------------------------------------- $in
@pytest.mark.slow
@pytest.mark.parametrize("size", [1_000, INLINE_IN + 1, 100_000])
def test_a_long_in_list_of_ids_selects_exactly_those_rows(size: int) -> None:
    n = 300_000
    table = pa.table({"id": pa.array(np.arange(n, dtype=np.int64))})
    ids = random.Random(size).sample(range(2 * n), size)  # about half of them exist
    result = query(table, filter={"$in": ["$id", ids]})
    assert result.num_rows == len([i for i in ids if i < n])
    assert list(result.page(0, 5)["id"]) == sorted(i for i in ids if i < n)[:5]


def test_a_long_in_list_in_text_form() -> None:
    ids = list(range(0, 30_000, 3))
    text = "{$in: ['$i', [" + ", ".join(map(str, ids)) + "]]}"
    assert query(TABLE, filter=text).num_rows == len([r for r in ROWS if r["i"] in ids])


# a needle of each kind against lists mixing every kind of constant, short (inline) and long (a table)
NEEDLES = ["$i", "$f", "$s", "$b", "$m", "$d", "$o.x", "$o.y", {"$literal": 2}, None, 2.0, "B"]
ITEMS: list[Any] = [1, -2, 2.0, 0.5, math.nan, -1.25, "a", "B", "", True, None, 5, -math.inf,
                    _dt.datetime(2023, 12, 31)]


@pytest.mark.parametrize("pad", [0, INLINE_IN])
@pytest.mark.parametrize("needle", NEEDLES, ids=str)
def test_in_follows_mongodb_equality(needle: Any, pad: int) -> None:
    filler = [f"pad{i}" for i in range(pad)] + [10_000 + i for i in range(pad)]  # long lists take the other path
    items = filler + ITEMS
    expr = {"$in": [needle, items]}
    got = engine(expr)
    want = reference({"$in": [needle, {"$literal": items}]})
    assert got == want, (needle, got, want)


@pytest.mark.parametrize("pad", [0, INLINE_IN])
def test_in_ints_and_doubles_equal_by_value_without_rounding(pad: int) -> None:
    big = 2**62 + 1  # not a double: a double list item must not match it by rounding
    t = pa.table({"n": pa.array([big, 2**62, 3, None], pa.int64()), "x": pa.array([3.0, 2.0**62, math.nan, None])})
    items = [*range(-pad, 0), float(2**62), 3]
    assert engine({"$in": ["$n", items]}, t) == [False, True, True, False]
    assert engine({"$in": ["$x", items]}, t) == [True, True, False, False]
    assert engine({"$in": ["$x", [*items, math.nan]]}, t) == [True, True, True, False]
    assert engine({"$in": ["$n", [*items, None]]}, t) == [False, True, True, True]


def test_a_missing_needle_is_not_null() -> None:
    # $o.x is missing where the struct o is null: missing is not null, so it is never in a list with null
    got = engine({"$in": ["$o.x", [None]]})
    assert got == [r["o"] is not None and r["o"]["x"] is None for r in ROWS]


def test_in_mixes_constants_with_paths_and_expressions() -> None:
    agree({"$in": ["$i", [100, "$o.x", {"$add": ["$i", 0]}, "zz"]]})
    agree({"$in": ["$s", ["$o.y", "x", None]]})


def test_in_inside_a_lambda_with_a_long_list() -> None:
    ids = list(range(3, 3 + INLINE_IN * 2))
    expr = {"$filter": {"input": "$l", "as": "v", "cond": {"$in": ["$$v", ids]}}}
    agree(expr)


# ---------------------------------------------------------------------------------------- n-ary operators
N = 2_000


@pytest.mark.parametrize("expr", [
    {"$and": [{"$gt": ["$i", -i]} for i in range(N)]},
    {"$or": [{"$eq": ["$i", i]} for i in range(100, 100 + N)] + [{"$eq": ["$s", "B"]}]},
    {"$add": ["$i"] * N},
    {"$add": ["$i", "$f"] * (N // 2)},
    {"$multiply": [1] * N + ["$i"]},
    {"$concat": ["$s"] * N},
    {"$concatArrays": ["$l"] * N},
    {"$sum": ["$i", "$f", "$m"] * (N // 3)},
    {"$avg": ["$i", "$f", "$m"] * (N // 3)},
    {"$min": ["$i", "$f", 2, 0.5] * (N // 4)},
    {"$max": ["$i", "$f", 2, 0.5] * (N // 4)},
    {"$min": ["$i", "$f", "$m"] * 100},
    {"$max": ["$i", "$s", "$b", "$d", "$f", "$m"] * 50},
    {"$ifNull": [None] * N + ["$o.x", "$s"]},
    {"$switch": {"branches": [{"case": {"$eq": ["$i", i]}, "then": i * 10} for i in range(N)],
                 "default": "none"}},
], ids=lambda e: next(iter(e)))
@pytest.mark.slow
def test_n_ary_operators_with_thousands_of_arguments(expr: Any) -> None:
    agree(expr)


@pytest.mark.slow
def test_100k_alternatives_of_one_column_are_one_membership() -> None:
    n = 200_000
    t = pa.table({"id": pa.array(np.arange(n, dtype=np.int64)), "s": pa.array(["a", "b"] * (n // 2))})
    evens = list(range(0, n, 2))
    assert query(t, filter={"$or": [{"$eq": ["$id", i]} for i in evens]}).num_rows == n // 2
    assert query(t, filter={"$or": [{"$eq": [i, "$id"]} for i in evens] + [{"$eq": ["$s", "b"]}]}).num_rows == n
    assert query(t, filter={"$and": [{"$ne": ["$id", i]} for i in evens]}).num_rows == n // 2


@pytest.mark.parametrize("expr", [
    {"$or": [{"$eq": ["$o.x", v]} for v in [None, 1, 2.0, math.nan, "a", 3, 4, 5, 6, 7, 8]]},
    {"$and": [{"$ne": ["$o.x", v]} for v in [None, 1, 2.0, math.nan, "a", 3, 4, 5, 6, 7, 8]]},
    {"$or": [{"$eq": ["$m", v]} for v in [None, 1, 2.5, "x", True, "", -3, 0, 6, 7, 8]] + ["$b"]},
    {"$and": [{"$ne": ["$f", v]} for v in [math.nan, 0.5, -1.25, 1, 2, 3, 4, 5, 6, 7]] + [{"$gt": ["$i", 0]}]},
])
def test_grouped_equalities_keep_mongodb_semantics(expr: Any) -> None:
    agree(expr)


@pytest.mark.parametrize("count", [3, 6, 12, 50])
def test_min_max_of_mixed_ints_and_doubles_stay_small(count: int) -> None:
    # the pairwise form grew exponentially: 3 arguments were ~250,000 characters of SQL, 6 exhausted memory
    import ibis

    args = (["$i", "$f", 2, 0.5, "$m"] * count)[:count]
    for op in ("$min", "$max"):
        expr = {op: args}
        agree(expr)
        sql = ibis.to_sql(query(TABLE, filter={"$gt": [expr, 0]}).expr, dialect="duckdb")
        assert len(sql) < 40_000 + 1_500 * count, (op, count, len(sql))


def test_min_max_ties_between_an_int_and_a_double_go_to_the_first() -> None:
    row = 7  # i == 2 there
    for expr, want in [({"$max": [2, "$i", 2.0, -5]}, 2), ({"$max": [2.0, "$i", 2, -5]}, 2.0),
                       ({"$min": ["$i", 2.0, 7, 9]}, 2), ({"$min": [2.0, "$i", 7, 9]}, 2.0)]:
        got = engine(expr)[row]
        assert got == want and type(got) is type(want), (expr, got)


def test_the_size_guard_refuses_an_expression_that_would_explode() -> None:
    expr: Any = "$f"
    for _ in range(24):  # each $round writes its argument several times: the SQL multiplies per level
        expr = {"$round": [expr, 1]}
    with pytest.raises(FilterError, match="too large to run") as info:
        query(TABLE, filter={"$gt": [expr, 0]})
    assert info.value.control == "filter"
