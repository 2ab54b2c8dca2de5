"""Every operator on a three-row table: a plain row, a row of nulls/NaN/empties, and a row of missing values.

Row 0 holds ordinary values, row 1 nulls, NaN, empty arrays and a string in the mixed column, row 2 nulls
and a null struct (so `$o.k` is *missing* there, not null).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pyarrow as pa
import pytest
from query_data import VARIANT, variant

from tablelens import FilterError, query
from tablelens.sources import evaluate

M = "MISSING"
NAN = float("nan")
DATE = _dt.datetime(2024, 1, 2, 3, 4, 5)

TABLE = pa.table({
    "n": pa.array([3, None, -4], pa.int64()),
    "x": pa.array([2.5, NAN, None], pa.float64()),
    "s": pa.array(["Abc", None, ""], pa.string()),
    "b": pa.array([True, False, None], pa.bool_()),
    "m": pa.array([variant(7), variant("7"), variant(None)], VARIANT),
    "arr": pa.array([[1, 2, 3], [], None], pa.list_(pa.int64())),
    "o": pa.array([{"k": 1}, {"k": None}, None], pa.struct([("k", pa.int64())])),
    "d": pa.array([DATE, None, _dt.datetime(1970, 1, 1)], pa.timestamp("us")),
})


def vals(expr: Any) -> list[Any]:
    return [M if missing else v for v, missing in evaluate(TABLE, expr)]


def same(a: list[Any], b: list[Any]) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        if isinstance(x, bool) or isinstance(y, bool):
            return type(x) is type(y) and x == y
        if isinstance(y, float) and not isinstance(x, float):
            return False
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(map(eq, x, y))
        return x == y if not isinstance(y, float) else math.isclose(x, y, rel_tol=1e-12)

    return len(a) == len(b) and all(map(eq, a, b))


CASES = [
    # comparisons: never null; missing < null < numbers < strings < objects < arrays < bools < dates
    ({"$eq": ["$n", 3]}, [True, False, False]),
    ({"$eq": ["$n", None]}, [False, True, False]),
    ({"$eq": ["$o.k", None]}, [False, True, False]),  # missing is not equal to null
    ({"$lte": ["$o.k", None]}, [False, True, True]),  # ... but below it
    ({"$ne": ["$s", "Abc"]}, [False, True, True]),
    ({"$gt": ["$x", 1]}, [True, False, False]),  # NaN is below every number, null below numbers
    ({"$lt": ["$x", 1]}, [False, True, True]),
    ({"$gte": ["$x", NAN]}, [True, True, False]),
    ({"$lt": ["$n", "a"]}, [True, True, True]),  # numbers sort before strings
    ({"$gt": ["$b", 100]}, [True, True, False]),  # bools after numbers
    ({"$gt": ["$d", "$s"]}, [True, False, True]),  # dates after strings and null; null equals null
    ({"$cmp": ["$n", 0]}, [1, -1, -1]),
    ({"$cmp": ["$s", "$s"]}, [0, 0, 0]),
    ({"$eq": ["$m", 7]}, [True, False, False]),  # mixed: the int 7, the string "7", null
    ({"$eq": ["$m", "7"]}, [False, True, False]),
    ({"$gt": ["$m", 100]}, [False, True, False]),
    ({"$in": ["$n", [3, None]]}, [True, True, False]),
    ({"$in": [2, "$arr"]}, [True, False, None]),
    # boolean logic: truthiness of false, null, missing, 0 is false; NaN, "" and [] are true
    ({"$and": ["$n", "$x"]}, [True, False, False]),
    ({"$or": ["$s", "$b"]}, [True, False, True]),
    ({"$not": ["$b"]}, [False, True, True]),
    ({"$not": {"$gt": ["$n", 0]}}, [False, True, True]),  # a comparison on null is false, so its $not is true
    ({"$and": []}, [True, True, True]),
    ({"$or": ["$arr"]}, [True, True, False]),
    # conditionals
    ({"$cond": ["$b", "yes", "no"]}, ["yes", "no", "no"]),
    ({"$cond": {"if": "$x", "then": 1, "else": 2}}, [1, 1, 2]),
    ({"$ifNull": ["$o.k", "none"]}, [1, "none", "none"]),
    ({"$ifNull": ["$n", "$x", 0]}, [3, NAN, -4]),
    ({"$switch": {"branches": [{"case": {"$gt": ["$n", 0]}, "then": "pos"},
                               {"case": {"$lt": ["$n", 0]}, "then": "neg"}], "default": "?"}}, ["pos", "neg", "neg"]),
    ({"$switch": {"branches": [{"case": "$b", "then": 1}]}}, [1, None, None]),
    # arithmetic: ints stay ints, null in gives null out, faults give null
    ({"$add": ["$n", 1]}, [4, None, -3]),
    ({"$add": ["$n", 0.5, 1]}, [4.5, None, -2.5]),
    ({"$add": ["$d", 1000]}, [DATE + _dt.timedelta(seconds=1), None, _dt.datetime(1970, 1, 1, 0, 0, 1)]),
    ({"$subtract": ["$n", "$x"]}, [0.5, None, None]),
    ({"$subtract": ["$d", {"$date": "1970-01-01"}]}, [1704164645000, None, 0]),
    ({"$multiply": ["$n", 2]}, [6, None, -8]),
    ({"$divide": ["$n", 2]}, [1.5, None, -2.0]),
    ({"$divide": ["$n", 0]}, [None, None, None]),
    ({"$mod": ["$n", 3]}, [0, None, -1]),  # the sign of the dividend
    ({"$mod": [7.5, 2]}, [1.5, 1.5, 1.5]),
    ({"$abs": "$n"}, [3, None, 4]),
    ({"$ceil": "$x"}, [3.0, NAN, None]),
    ({"$floor": "$x"}, [2.0, NAN, None]),
    ({"$floor": "$n"}, [3, None, -4]),
    ({"$round": ["$x"]}, [2.0, NAN, None]),  # half to even
    ({"$round": [3.5]}, [4.0, 4.0, 4.0]),
    ({"$round": [1234, -2]}, [1200, 1200, 1200]),
    ({"$round": [19.25, 1]}, [19.2, 19.2, 19.2]),
    ({"$sqrt": "$n"}, [math.sqrt(3), None, None]),  # sqrt of a negative is null
    ({"$pow": ["$n", 2]}, [9, None, 16]),
    ({"$pow": [2, -1]}, [0.5, 0.5, 0.5]),
    ({"$exp": 0}, [1.0, 1.0, 1.0]),
    ({"$ln": "$n"}, [math.log(3), None, None]),
    ({"$log10": 1000}, [3.0, 3.0, 3.0]),
    # arrays
    ({"$size": "$arr"}, [3, 0, None]),
    ({"$filter": {"input": "$arr", "cond": {"$gt": ["$$this", 1]}}}, [[2, 3], [], None]),
    ({"$filter": {"input": "$arr", "as": "v", "cond": {"$gt": ["$$v", "$n"]}, "limit": 1}}, [[], [], None]),
    ({"$map": {"input": "$arr", "as": "v", "in": {"$multiply": ["$$v", 10]}}}, [[10, 20, 30], [], None]),
    ({"$reduce": {"input": "$arr", "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}}, [6, 0, None]),
    ({"$reduce": {"input": "$arr", "initialValue": "", "in": {"$concat": ["$$value", {"$toString": "$$this"}]}}},
     ["123", "", None]),
    ({"$reduce": {"input": "$arr", "initialValue": 0, "in": {"$max": ["$$value", "$$this"]}}}, [3, 0, None]),
    ({"$arrayElemAt": ["$arr", 1]}, [2, M, None]),
    ({"$arrayElemAt": ["$arr", -1]}, [3, M, None]),
    ({"$first": "$arr"}, [1, M, None]),
    ({"$last": "$arr"}, [3, M, None]),
    ({"$slice": ["$arr", 2]}, [[1, 2], [], None]),
    ({"$slice": ["$arr", -2]}, [[2, 3], [], None]),
    ({"$slice": ["$arr", 1, 1]}, [[2], [], None]),
    ({"$concatArrays": ["$arr", [9]]}, [[1, 2, 3, 9], [9], None]),
    ({"$anyElementTrue": ["$arr"]}, [True, False, None]),
    ({"$allElementsTrue": ["$arr"]}, [True, True, None]),
    ({"$min": "$arr"}, [1, None, None]),
    ({"$max": ["$n", "$x"]}, [3, NAN, -4]),  # null ignored; NaN is the smallest number but beats null
    ({"$min": ["$n", "$s"]}, [3, None, -4]),
    ({"$sum": "$arr"}, [6, 0, 0]),
    ({"$sum": ["$n", "$x", 1]}, [6.5, NAN, -3]),
    ({"$avg": "$arr"}, [2.0, None, None]),
    ({"$avg": ["$n", 1]}, [2.0, 1.0, -1.5]),
    # strings
    ({"$concat": ["$s", "-", "x"]}, ["Abc-x", None, "-x"]),
    ({"$toLower": "$s"}, ["abc", "", ""]),  # null gives ""
    ({"$toUpper": "$s"}, ["ABC", "", ""]),
    ({"$strLenCP": "$s"}, [3, None, 0]),
    ({"$substrCP": ["$s", 1, 5]}, ["bc", "", ""]),
    ({"$regexMatch": {"input": "$s", "regex": "^a", "options": "i"}}, [True, False, False]),
    ({"$indexOfCP": ["$s", "c"]}, [2, None, -1]),
    ({"$indexOfCP": ["$s", "A", 1]}, [-1, None, -1]),
    ({"$split": ["a,b", ","]}, [["a", "b"]] * 3),
    # types
    ({"$type": "$n"}, ["int", "null", "int"]),
    ({"$type": "$o.k"}, ["int", "null", "missing"]),
    ({"$type": "$m"}, ["int", "string", "null"]),
    ({"$type": "$arr"}, ["array", "array", "null"]),
    ({"$type": "$o"}, ["object", "object", "null"]),
    ({"$type": "$d"}, ["date", "null", "date"]),
    ({"$isNumber": "$m"}, [True, False, False]),
    ({"$toString": "$n"}, ["3", None, "-4"]),
    ({"$toString": "$b"}, ["true", "false", None]),
    ({"$toString": "$d"}, ["2024-01-02T03:04:05.000Z", None, "1970-01-01T00:00:00.000Z"]),
    ({"$toString": "$m"}, ["7", "7", None]),
    ({"$toDouble": "$m"}, [7.0, 7.0, None]),
    ({"$toDouble": "$b"}, [1.0, 0.0, None]),
    ({"$toInt": "$x"}, [2, None, None]),
    ({"$toInt": "12x"}, [None, None, None]),
    ({"$toInt": "-12"}, [-12, -12, -12]),
    ({"$literal": "$n"}, ["$n", "$n", "$n"]),
    ({"$literal": [1, 2]}, [[1, 2]] * 3),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_operator(expr: Any, expected: list[Any]) -> None:
    got = vals(expr)
    assert same(got, expected), f"{expr}: got {got}, expected {expected}"


def test_every_operator_is_covered() -> None:
    from tablelens.query._registry import OPS

    used = set()

    def walk(e: Any) -> None:
        if isinstance(e, dict):
            used.update(k for k in e if k.startswith("$"))
            for v in e.values():
                walk(v)
        elif isinstance(e, list):
            for v in e:
                walk(v)

    for expr, _ in CASES:
        walk(expr)
    assert set(OPS) - used == set()


def test_seed_examples_verbatim(image_parquet: str) -> None:
    r = query(image_parquet, filter="{$gt: ['$0.road', 0.05]}")
    assert list(r.page(0, 10)["_key"]) == [0, 2, 4]
    seed = ("{ $gte: [ {$size: {$filter: {input: '$0.pred_mask.boxes.ground_truth', as: 'box', "
            "cond: {$eq: ['$$box.class_id', 13]} } } }, 1] }")
    r = query(image_parquet, filter=seed)
    assert list(r.page(0, 10)["_key"]) == [0, 2]
    assert r.num_rows == 2


@pytest.mark.parametrize(("expr", "keys"), [
    ("{$gt: ['$pred_mask.width', 65]}", [2, 3]),
    ("{$eq: ['$pred_mask.caption', 'img 1']}", [1]),
    ("{$anyElementTrue: [{$map: {input: '$pred_mask.boxes.predictions', as: 'b', in: {$gt: ['$$b.conf', 0.5]}}}]}",
     [0]),
    ("{$eq: [{$first: '$pred_mask.boxes.predictions.caption'}, 'car']}", [0]),
    ("{$in: [13, '$pred_mask.boxes.ground_truth.class_id']}", [0, 2]),
    ("{$eq: ['$pred_mask.masks.ground_truth', null]}", []),  # no masks struct: the layer is missing
    ("{$eq: [{$ifNull: ['$pred_mask.masks.ground_truth', null]}, null]}", [3, 4]),
    ("{$eq: ['$pred_mask.boxes.ground_truth', null]}", [3]),
    ("{$lte: ['$pred_mask.boxes.ground_truth', null]}", [3, 4]),  # row 4 has no image: missing
    ("{$gt: [{$size: '$pred_mask.boxes.predictions'}, 0]}", [0, 1]),
    ("{$eq: ['$pred_mask.boxes.ground_truth.minX', [0.1, 0.1]]}", None),
])
def test_image_paths(image_parquet: str, expr: str, keys: list[int] | None) -> None:
    if keys is None:
        with pytest.raises(FilterError):
            query(image_parquet, filter=expr)
        return
    assert list(query(image_parquet, filter=expr).page(0, 10)["_key"]) == keys


def test_image_cells_come_back_as_dicts(image_parquet: str) -> None:
    page = query(image_parquet, filter="{$eq: ['$id', 0]}").page(0, 1)
    cell = page["pred_mask"][0]
    assert cell["width"] == 64 and cell["boxes"]["ground_truth"][0]["class_id"] == 13
    assert cell["boxes"]["predictions"][0]["scores"] == {"conf": 0.9}
    assert cell["masks"]["ground_truth"]["path"].endswith(".mask.png")


def test_nested_lambdas_read_their_own_variables() -> None:
    # each array lambda gets a parameter name of its own: a `$filter` inside a `$map` used to read its own
    # element where the expression named the outer one ($$a), because both were called `x` in the SQL
    t = pa.table({"l": pa.array([[1, 5], [3]]), "m": pa.array([[2, 3, 4], [1, 9]])})
    expr = {"$map": {"input": "$l", "as": "a", "in": {"$size": {"$filter": {
        "input": "$m", "as": "b", "cond": {"$gt": ["$$b", "$$a"]}}}}}}
    assert [v for v, _ in evaluate(t, expr)] == [[3, 0], [1]]
    expr = {"$filter": {"input": "$l", "as": "a", "cond": {"$anyElementTrue": [{"$map": {
        "input": "$m", "in": {"$eq": ["$$this", {"$add": ["$$a", 1]}]}}}]}}}
    assert [v for v, _ in evaluate(t, expr)] == [[1], []]
