"""Property tests: random expressions evaluated by the engine agree with the pure-Python reference evaluator.

Expressions are drawn from a typed grammar over the columns of query_data.ROWS (ints, doubles with NaN and
infinities, strings, bools, a mixed column, a list and a struct with nulls and missing fields), so nearly every
draw is a valid expression; each is checked value by value (including int/double and missing/null) and as a
filter (the rows kept). The grammar includes long argument lists (up to 40 operands, `$in` lists past the
inline limit), ints and doubles mixed in one operator, and MongoDB's corner cases (`$pow` past 64 bits, regexes
from paths, `{}`); a second family of tests runs random expressions over tables with empty, all-null and oddly
named columns, where every input must give a result or a FilterError, with SQL of bounded size.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mongo_reference import MISSING, Fault, evaluate, truthy
from query_data import ROWS, arrow_table

from tablelens import FilterError, query
from tablelens.sources import evaluate as engine_evaluate

TABLE = arrow_table()
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

# ------------------------------------------------------------------------------------------------ grammar
NUM_LIT = st.one_of(st.integers(-4, 6), st.sampled_from([0.5, -1.5, 2.0, 0.0, 2.5, math.inf, math.nan]))
STR_LIT = st.sampled_from(["", "a", "B", "ab", "b", "x", "héllo"])
BOOL_LIT = st.booleans()
LONG = 40  # the longest argument lists drawn
NUM_COLS = st.sampled_from(["$i", "$f", "$m", "$o.x", "$0.i"])
STR_COLS = st.sampled_from(["$s", "$o.y", "$m"])
BOOL_COLS = st.sampled_from(["$b", "$m"])
ARR_COLS = st.just("$l")
DATE_LIT = st.sampled_from([{"$date": "2024-01-02T03:04:05Z"}, {"$date": "1999-12-31"}])
DATES = st.one_of(st.just("$d"), DATE_LIT,
                  st.builds(lambda op, n: {op: ["$d", n]}, st.sampled_from(["$add", "$subtract"]),
                            st.integers(-5000, 5000)))


def _num(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    two = st.tuples(inner, inner).map(list)
    return st.one_of(
        st.builds(lambda a: {"$add": a}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda a: {"$subtract": a}, two),
        st.builds(lambda a: {"$multiply": a}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda a: {"$divide": a}, two),
        st.builds(lambda a: {"$mod": a}, two),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["$abs", "$ceil", "$floor", "$sqrt", "$ln", "$log10"]),
                  inner),
        st.builds(lambda a, p: {"$round": [a, p]}, inner, st.integers(-1, 2)),
        st.builds(lambda a, e: {"$pow": [a, e]}, inner, st.integers(0, 3)),
        st.builds(lambda a, e: {"$pow": [a, e]}, inner, st.sampled_from([35, 62, 63, 64, 100, -1, -2])),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["$add", "$sum", "$avg", "$min", "$max"]),
                  st.lists(inner, min_size=4, max_size=LONG)),
        st.builds(lambda a: {"$multiply": a}, st.lists(NUM_LIT | NUM_COLS, min_size=4, max_size=LONG)),
        st.builds(lambda a: {"$exp": a}, inner),
        st.builds(lambda a: {"$size": a}, _arr_leaf),
        st.builds(lambda a: {"$strLenCP": a}, STR_COLS | STR_LIT),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["$sum", "$avg", "$min", "$max"]),
                  st.one_of(_arr_leaf, st.lists(inner, min_size=2, max_size=3))),
        st.builds(lambda a: {"$toInt": a}, st.one_of(inner, STR_COLS, BOOL_COLS, st.sampled_from(["12", "-3", "1.5"]))),
        st.builds(lambda a: {"$toDouble": a}, st.one_of(inner, STR_COLS, BOOL_COLS, st.sampled_from(["1e3", "x"]))),
        st.builds(lambda a, b: {"$indexOfCP": [a, b]}, STR_COLS | STR_LIT, STR_LIT),
        st.builds(lambda a, b: {"$cmp": [a, b]}, inner, inner),
        st.builds(lambda i: {"$arrayElemAt": ["$l", i]}, st.integers(-4, 4)),
        st.builds(lambda op: {op: "$l"}, st.sampled_from(["$first", "$last"])),
        st.builds(lambda c, a, b: {"$cond": [c, a, b]}, BOOL_COLS, inner, inner),
        st.builds(lambda a, b: {"$ifNull": [a, b]}, inner, inner),
        st.builds(lambda a: {"$ifNull": a}, st.lists(inner | st.none(), min_size=2, max_size=LONG)),
        st.builds(lambda cs, d: {"$switch": {"branches": [{"case": {"$eq": ["$i", k]}, "then": v}
                                                          for k, v in enumerate(cs)], "default": d}},
                  st.lists(inner, min_size=1, max_size=LONG), inner),
        st.builds(lambda a, b: {"$subtract": [a, b]}, DATES, DATES),
        st.builds(lambda a: {"$toDouble": a}, DATES),
        st.builds(lambda c, a, b: {"$switch": {"branches": [{"case": c, "then": a}], "default": b}},
                  BOOL_COLS, inner, inner),
        st.builds(lambda c, a: {"$switch": {"branches": [{"case": c, "then": a}]}}, BOOL_COLS, inner),
        st.builds(lambda a: {"$reduce": {"input": "$l", "initialValue": 0, "in": {"$add": ["$$value", a]}}},
                  st.sampled_from(["$$this", {"$multiply": ["$$this", 2]}])),
    )


_arr_leaf = st.one_of(ARR_COLS, st.lists(st.integers(-2, 4) | st.none(), max_size=3))


def _str(inner_num: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    leaf = STR_COLS | STR_LIT
    return st.one_of(
        leaf,
        st.builds(lambda a: {"$concat": a}, st.lists(leaf, min_size=1, max_size=3)),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["$toLower", "$toUpper"]), leaf),
        st.builds(lambda a, s, n: {"$substrCP": [a, s, n]}, leaf, st.integers(0, 3), st.integers(0, 3)),
        st.builds(lambda a: {"$toString": a}, st.one_of(leaf, BOOL_COLS, st.sampled_from(["$i", "$o.x", 3, 2.0]))),
        st.builds(lambda a: {"$type": a}, st.one_of(inner_num, leaf, BOOL_COLS, ARR_COLS, st.just("$o"), DATES,
                                                    st.just({}))),
        st.builds(lambda a: {"$concat": a}, st.lists(leaf, min_size=4, max_size=LONG)),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["$toLower", "$toUpper"]), st.one_of(inner_num, DATES)),
        st.builds(lambda a: {"$toString": a}, DATES),
    )


def _arr(inner_num: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        _arr_leaf,
        st.builds(lambda c: {"$filter": {"input": "$l", "as": "v", "cond": c}},
                  st.builds(lambda op, n: {op: ["$$v", n]}, st.sampled_from(["$gt", "$lte", "$ne"]), NUM_LIT)),
        st.builds(lambda e: {"$map": {"input": "$l", "in": e}},
                  st.sampled_from([{"$add": ["$$this", 1]}, {"$multiply": ["$$this", "$i"]}, {"$gt": ["$$this", 1]}])),
        st.builds(lambda n: {"$slice": ["$l", n]}, st.integers(-3, 3)),
        st.builds(lambda p, n: {"$slice": ["$l", p, n]}, st.integers(-3, 3), st.integers(1, 3)),
        st.builds(lambda a, b: {"$concatArrays": [a, b]}, _arr_leaf, _arr_leaf),
        st.builds(lambda a: {"$split": [a, " "]}, STR_COLS | STR_LIT),
        st.builds(lambda a, d: {"$split": [a, d]}, STR_COLS | STR_LIT, STR_COLS | st.sampled_from([" ", "b", None])),
        st.builds(lambda a: {"$concatArrays": a}, st.lists(_arr_leaf, min_size=3, max_size=LONG)),
    )


def _bool(num: st.SearchStrategy[Any], string: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    anyv = st.one_of(num, string, BOOL_COLS, BOOL_LIT, st.none(), st.just("$o.x"), DATES, st.just({}))
    cmp_ops = st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"])
    return st.one_of(
        st.builds(lambda op, a, b: {op: [a, b]}, cmp_ops, anyv, anyv),
        st.builds(lambda a, lst: {"$in": [a, lst]}, anyv, st.lists(NUM_LIT | STR_LIT | st.none(), max_size=3)),
        st.builds(lambda a, lst, pad: {"$in": [a, lst + [f"pad{i}" for i in range(pad)]]}, anyv,
                  st.lists(NUM_LIT | STR_LIT | BOOL_LIT | st.none() | NUM_COLS | DATE_LIT, max_size=LONG),
                  st.sampled_from([0, 300])),
        st.builds(lambda op, p, cs: {op: [{"$eq" if op == "$or" else "$ne": [p, c]} for c in cs]},
                  st.sampled_from(["$or", "$and"]), NUM_COLS | STR_COLS | BOOL_COLS,
                  st.lists(NUM_LIT | STR_LIT | BOOL_LIT | st.none(), min_size=9, max_size=LONG)),
        st.builds(lambda a: {"$in": [a, "$l"]}, NUM_LIT),
        st.builds(lambda a: {"$regexMatch": {"input": a, "regex": "^a|b$", "options": "i"}}, string),
        st.builds(lambda a, r, o: {"$regexMatch": {"input": a, "regex": r, "options": o}}, string,
                  st.sampled_from(["$s", "$o.y", None, "^ a | b $ # x", "[ ]b"]),
                  st.sampled_from(["", "i", "x", "ix"])),
        st.builds(lambda a: {"$isNumber": a}, anyv),
        st.builds(lambda op: {op: ["$l"]}, st.sampled_from(["$anyElementTrue", "$allElementsTrue"])),
    )


def expressions() -> st.SearchStrategy[Any]:
    num = st.recursive(NUM_LIT | NUM_COLS, _num, max_leaves=6)
    string = _str(num)
    boolean = st.recursive(_bool(num, string) | BOOL_COLS,
                           lambda inner: st.one_of(
                               st.builds(lambda a: {"$and": a}, st.lists(inner, min_size=1, max_size=LONG)),
                               st.builds(lambda a: {"$or": a}, st.lists(inner, min_size=1, max_size=LONG)),
                               st.builds(lambda a: {"$not": [a]}, inner)), max_leaves=4)
    return st.one_of(num, string, _arr(num), boolean)


# --------------------------------------------------------------------------------------------- checking
def same(engine: Any, ref: Any) -> bool:
    """Equal values: ints and doubles kept apart, NaN equal to NaN, doubles within rounding noise."""
    if isinstance(ref, bool) or isinstance(engine, bool):
        return type(engine) is type(ref) and engine == ref
    if isinstance(ref, float):
        if not isinstance(engine, float):
            return False
        if math.isnan(ref) or math.isnan(engine):
            return math.isnan(ref) and math.isnan(engine)
        return engine == ref or math.isclose(engine, ref, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(ref, int):
        return isinstance(engine, int) and engine == ref
    if isinstance(ref, list):
        return isinstance(engine, list) and len(engine) == len(ref) and all(map(same, engine, ref))
    if isinstance(ref, dict):
        return isinstance(engine, dict) and engine.keys() == ref.keys() and all(same(engine[k], ref[k]) for k in ref)
    return engine == ref


def reference(expr: Any) -> list[Any] | None:
    try:
        return [evaluate(expr, row) for row in ROWS]
    except Fault:
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_values_match_reference(expr: Any) -> None:
    expected = reference(expr)
    try:
        got = engine_evaluate(TABLE, expr)
    except FilterError:
        assume(False)
        return
    assert expected is not None, f"the engine accepted an expression the reference refuses: {expr}"
    for n, ((value, missing), ref) in enumerate(zip(got, expected)):
        if ref is MISSING:
            assert missing, f"row {n}: expected missing for {expr}, got {value!r}"
            continue
        assert not missing, f"row {n}: unexpected missing for {expr} (expected {ref!r})"
        assert same(value, ref), f"row {n}: {expr} -> engine {value!r}, reference {ref!r}"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_filters_keep_the_truthy_rows(expr: Any) -> None:
    expected = reference(expr)
    try:
        result = query(TABLE, filter=expr)
        keys = list(result.page(0, 100)["_key"])
    except FilterError:
        assume(False)
        return
    assert expected is not None
    assert keys == [n for n, v in enumerate(expected) if truthy(v)], expr
    assert result.num_rows == len(keys)


@pytest.mark.parametrize("expr", [
    {"$not": {"$gt": ["$i", 1]}},
    {"$not": {"$eq": ["$o.x", None]}},
    {"$lte": ["$o.x", None]},
    {"$eq": ["$o.x", None]},
    {"$type": "$o.x"},
    {"$gt": ["$m", "a"]},
    {"$lt": ["$f", 0]},
    {"$max": ["$i", "$s", "$b"]},
    {"$sum": ["$i", "$m", "$f"]},
    {"$add": ["$m", 1]},
    {"$cond": ["$b", 1, 2.5]},
    {"$ifNull": ["$o.x", "$m"]},
    {"$ifNull": ["$i", 0, 0]},  # found by the property test: a constant that is never null ends the list
    {"$ifNull": [None, "$o.x", {}]},
    {"$max": ["$i", "$f", "$m", 2, 0.5]},
    {"$min": ["$f", "$i", -1, 2.0, "$s"]},
    {"$in": [None, ["$o.x", 7]]},  # a missing element of a literal array is null there
    {"$pow": ["$i", 63]},
    {"$sum": [{"$max": [0, 0, 1, "$m"]}, {"$arrayElemAt": ["$l", 0]}]},  # a $max that is a string adds nothing
])
def test_hand_picked_cases_match_reference(expr: Any) -> None:
    expected = reference(expr)
    got = engine_evaluate(TABLE, expr)
    for (value, missing), ref in zip(got, expected):
        assert (ref is MISSING) == missing
        if ref is not MISSING:
            assert same(value, ref), (expr, got, expected)


@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("key", ["$m", "$f", "$s", "$o.x", "{$cond: ['$b', '$i', '$s']}"])
def test_sort_follows_type_order_with_nulls_last(key: str, desc: bool) -> None:
    import functools

    from mongo_reference import mongo_cmp

    from tablelens.query._parse import parse

    expr = key if key.startswith("$") else None
    values = [evaluate(expr if expr else _python(parse(key)), row) for row in ROWS]

    def order(a: int, b: int) -> int:
        va, vb = values[a], values[b]
        na, nb = va is None or va is MISSING, vb is None or vb is MISSING
        if na or nb:
            return (na - nb) or (a > b) - (a < b)
        c = mongo_cmp(va, vb) * (-1 if desc else 1)
        return c or (a > b) - (a < b)

    expected = sorted(range(len(ROWS)), key=functools.cmp_to_key(order))
    got = list(query(TABLE, sort=[(key, "desc" if desc else "asc")]).page(0, 100)["_key"])
    assert got == expected


def _python(node: Any) -> Any:
    if node.kind == "object":
        return {k: _python(v) for k, v in node.value.items()}
    if node.kind == "array":
        return [_python(v) for v in node.value]
    return node.value


def test_group_by_a_mixed_column() -> None:
    page = query(TABLE, group_by="m").page(0, 20)
    got = {(type(k).__name__, k): c for k, c in zip(page["m"], page["count"])}
    expected: dict[tuple[str, Any], int] = {}
    for row in ROWS:
        k = row["m"]
        expected[(type(k).__name__, k)] = expected.get((type(k).__name__, k), 0) + 1
    assert got == expected


def test_in_with_a_null_needle_is_false_not_null() -> None:
    # found by the property test: an OR of comparisons whose NULL stands for false must still read as false
    got = engine_evaluate(TABLE, {"$in": ["$s", [0, ""]]})
    assert [v for v, _ in got] == [evaluate({"$in": ["$s", [0, ""]]}, row) for row in ROWS]


# ----------------------------------------------------------------------------------- odd tables, bounded SQL
#: the largest SQL any drawn expression may compile to (characters); the engine refuses beyond its own bound
SQL_BOUND = 400_000
ODD_NAMES = ["", "a.b", "$x", "$gt", "ünï cødé", "0", "n"]  # '' is shown as "(unnamed)"; n holds only nulls
ODD_PATHS = ["$(unnamed)", "$a.b", "$0.$x", "$0.$gt", "$ünï cødé", "$0.0", "$n", "$a", "$a.c", "$0.a.b"]


def _odd_table(rows: int) -> pa.Table:
    data = {
        "": pa.array([i * 1.5 if i % 3 else None for i in range(rows)], pa.float64()),
        "a.b": pa.array([str(i) if i % 2 else None for i in range(rows)], pa.string()),
        "$x": pa.array([i - 2 for i in range(rows)], pa.int64()),
        "$gt": pa.array([i % 2 == 0 for i in range(rows)], pa.bool_()),
        "ünï cødé": pa.array([[i, None] if i % 2 else [] for i in range(rows)], pa.list_(pa.int64())),
        "0": pa.array([float("nan") if i == 1 else i for i in range(rows)], pa.float64()),
        "n": pa.nulls(rows),
        "a": pa.array([{"c": i} if i % 4 else None for i in range(rows)], pa.struct([("c", pa.int64())])),
    }
    return pa.table(data)


ODD_TABLES = {rows: _odd_table(rows) for rows in (0, 1, 5)}
ODD_LEAF = st.one_of(st.sampled_from(ODD_PATHS), NUM_LIT, STR_LIT, BOOL_LIT, st.none(), st.just({}))
ODD_OPS = st.sampled_from(["$add", "$multiply", "$min", "$max", "$sum", "$avg", "$concat", "$and", "$or",
                           "$ifNull", "$concatArrays", "$eq", "$gt", "$lte", "$cmp", "$in", "$type", "$size",
                           "$toUpper", "$isNumber", "$not", "$abs", "$pow", "$split", "$first", "$round"])


def _odd_exprs() -> st.SearchStrategy[Any]:
    def node(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(lambda op, a: {op: a}, ODD_OPS, st.lists(inner, min_size=1, max_size=LONG)),
            st.builds(lambda op, a: {op: a}, ODD_OPS, inner),
            st.builds(lambda a, lst: {"$in": [a, lst]}, inner, st.lists(ODD_LEAF, max_size=LONG)),
            st.builds(lambda a, r: {"$regexMatch": {"input": a, "regex": r}}, inner, ODD_LEAF),
            st.builds(lambda i, f: {"$filter": {"input": i, "as": "v", "cond": f}}, inner,
                      st.sampled_from([{"$gt": ["$$v", 0]}, {"$in": ["$$v", list(range(300))]}, "$$v"])),
        )

    return st.recursive(ODD_LEAF, node, max_leaves=12)


@pytest.mark.timeout(600)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_odd_exprs(), st.sampled_from(sorted(ODD_TABLES)), st.sampled_from(["filter", "group_by", "sort"]))
def test_odd_tables_give_a_result_or_a_filter_error(expr: Any, rows: int, control: str) -> None:
    import ibis

    table = ODD_TABLES[rows]
    try:
        result = query(table, **{control: expr if control == "filter" else [expr]})
        sql = ibis.to_sql(result.expr, dialect="duckdb")
        assert len(sql) < SQL_BOUND, (len(sql), expr)
        assert result.num_rows >= 0
        result.page(0, 3)
    except FilterError as err:
        assert err.message and err.control in ("filter", "group-by", "sort"), err  # type: ignore[attr-defined]
