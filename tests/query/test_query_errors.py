"""Bad input: every fault is a FilterError naming the operator or path and where it is, never a traceback."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_data import arrow_table

from tablelens import FilterError, query
from tablelens.query._parse import parse

TABLE = arrow_table()


def error_of(flt: Any, **kwargs: Any) -> FilterError:
    with pytest.raises(FilterError) as info:
        r = query(TABLE, filter=flt, **kwargs)
        r.page(0, 5)
    return info.value


@pytest.mark.parametrize(("text", "position", "words"), [
    ("{$gt: ['$i', 1]", 0, "Unterminated object"),
    ("{$gt: ['$i' 1]}", 12, "Expected ',' or ']'"),
    ("{$gt: ['$i', 1]} x", 17, "after the end"),
    ("{$gt ['$i', 1]}", 5, "Expected ':'"),
    ("{$gt: ['$i, 1]}", 7, "Unterminated string"),
    ("{$gt: [$i, 1]}", 7, "quote strings and paths"),
    ("{$gt: ['$i', 1,, 2]}", 15, "Empty element"),
    ("{a: 1, a: 2}", 7, "Duplicate key"),
    ("{$gt: ['$i', 1e]}", 13, "Malformed number"),
    ("/* open", 0, "Unterminated /* comment"),
])
def test_malformed_text(text: str, position: int, words: str) -> None:
    err = error_of(text)
    assert err.position == position
    assert words in err.message
    assert err.control == "filter"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "at", "words"), [
    ("{$foo: [1]}", "$foo", "Unknown operator $foo"),
    ("{$where: 'sleep(100)'}", "$where", "$where is refused"),
    ("{$function: {body: 'x', args: [], lang: 'js'}}", "$function", "$function is refused"),
    ("{$accumulator: {}}", "$accumulator", "$accumulator is refused"),
    ("{$gt: ['$i']}", "['$i']", "$gt takes 2 arguments, got 1"),
    ("{$size: ['$l', '$l']}", "['$l', '$l']", "$size takes 1 argument, got 2"),
    ("{$gt: ['$nope', 1]}", "'$nope'", "Unknown column 'nope'"),
    ("{$gt: ['$o.z', 1]}", "'$o.z'", "has no field 'z'"),
    ("{$gt: ['$1.i', 1]}", "'$1.i'", "only one table"),
    ("{$gt: ['$$box.class_id', 1]}", "'$$box", "Unknown variable $$box"),
    ("{$add: ['$s', 1]}", "'$s'", "$add: argument 1 ('$s') is a string; $add takes numbers"),
    ("{$concat: ['$i', 'x']}", "'$i'", "$concat takes strings"),
    ("{$size: '$i'}", "'$i'", "$size needs an array"),
    ("{$filter: {input: '$l', cond: true, bogus: 1}}", "bogus", "$filter does not take 'bogus'"),
    ("{$map: {input: '$l'}}", "{input", "$map needs 'in'"),
    ("{$gt: ['$l', [1]]}", "$gt", "comparing two arrays"),
    ("{$regexMatch: {input: '$s', regex: '('}}", "'('", "invalid regular expression"),
    ("{$round: ['$f', 'x']}", "'x'", "place must be a constant integer"),
    ("{$reduce: {input: '$l', initialValue: 1, in: {$multiply: ['$$value', '$$this']}}}", "{$multiply",
     "$reduce supports"),
    ("{$gt: 1, $lt: 2}", "$lt", "exactly one key"),
])
def test_semantic_errors_name_the_operator_and_position(text: str, at: str, words: str) -> None:
    err = error_of(text)
    assert words in err.message, err.message
    assert err.position is not None and text[err.position:].startswith(at), (err.position, err.message)


def test_dict_filters_report_the_path() -> None:
    err = error_of({"$and": [{"$gt": ["$i", 1]}, {"$bogus": 1}]})
    assert err.position is None
    assert err.path == "$and[1]"
    assert "$bogus" in err.message


@pytest.mark.parametrize(("kwargs", "control"), [
    ({"sort": "nope"}, "sort"),
    ({"sort": [("i", "sideways")]}, "sort"),
    ({"sort": "{$gt: ['$i']}"}, "sort"),
    ({"sort": "l"}, "sort"),
    ({"group_by": "nope"}, "group-by"),
    ({"group_by": "l"}, "group-by"),
    ({"group_by": "s", "sort": "bogus(x)"}, "sort"),
    ({"compare": arrow_table(), "join_key": "nope"}, "compare"),
    ({"compare": arrow_table(), "quick_filter": "some"}, "compare"),
    ({"quick_filter": "both"}, "compare"),
    ({"compare": "/no/such/file.parquet"}, "compare"),
])
def test_other_controls(kwargs: dict[str, Any], control: str) -> None:
    with pytest.raises(FilterError) as info:
        query(TABLE, **kwargs)
    assert info.value.control == control  # type: ignore[attr-defined]


def test_unsupported_source_type() -> None:
    with pytest.raises(TypeError, match="Cannot query a int"):
        query(42)


def test_engine_errors_are_wrapped() -> None:
    # int64 overflow is an engine fault, reported as a FilterError without the engine's traceback
    err = error_of({"$gt": [{"$multiply": ["$i", 9223372036854775807, 9223372036854775807]}, 0]})
    assert "could not run the query" in err.message
    assert err.__cause__ is None and err.__suppress_context__


@pytest.mark.parametrize("name", ["it's", 'say "hi"', "a.b", "with space", "ünïcødé", "select", "from",
                                  "x; DROP TABLE t; --", "0", "$x"])
def test_odd_column_names_work_and_cannot_inject(name: str) -> None:
    t = pa.table({name: pa.array([1, 2, 3]), "other": pa.array(["a", "b", "c"])})
    assert query(t, filter={"$gt": [f"$0.{name}", 1]}).num_rows == 2
    assert query(t, sort=[(name, "desc")]).page(0, 1)[name].tolist() == [3]
    page = query(t, group_by=name).page(0, 5)
    assert sorted(page[name].tolist()) == [1, 2, 3]
    assert query(t, filter={"$eq": ["$other", f"'; DROP TABLE x; -- {name}"]}).num_rows == 0


def test_a_column_named_like_the_row_key_is_relabelled() -> None:
    t = pa.table({"_key": pa.array([10, 20, 30])})
    page = query(t, filter={"$gt": ["$_key", 10]}, sort=[("$_key", "desc")]).page(0, 5)
    assert list(page.columns) == ["_key", "_key (column)"]
    assert page["_key (column)"].tolist() == [30, 20] and page["_key"].tolist() == [2, 1]


def test_nesting_limit() -> None:
    deep = "[" * 200 + "]" * 200
    with pytest.raises(FilterError, match="nested more than"):
        parse(deep)


# -------------------------------------------------------------------------------------------------- fuzz
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) |
    st.sampled_from(["$i", "$f", "$s", "$m", "$l", "$o.x", "$$this", "$nope", "$", "$0.", "x", "", "$1.i"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["$gt", "$eq", "$and", "$not", "$size", "$filter", "$map", "$add", "$concat", "$cond",
                         "$in", "$type", "$reduce", "$switch", "$substrCP", "$regexMatch", "$round", "$literal",
                         "$arrayElemAt", "$slice", "$min", "$sum", "$toInt", "$split", "$bogus", "$where",
                         "input", "cond", "as", "in", "if", "then", "else", "branches", "regex", "initialValue"]),
        inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSONISH)
def test_fuzz_structured_input_gives_a_result_or_filter_error(expr: Any) -> None:
    try:
        r = query(TABLE, filter=expr)
        assert r.num_rows >= 0
        r.page(0, 3)
    except FilterError:
        pass


TOKENS = st.sampled_from([*"{}[]:,'\"$ab01.-eE+/*\\nux \t", "$gt", "$size", "true", "'$i'", "$$this", "//"])


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_fuzz_text_gives_a_result_or_filter_error(text: str) -> None:
    try:
        r = query(TABLE, filter=text)
        assert r.num_rows >= 0
    except FilterError as err:
        assert err.position is None or 0 <= err.position <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_fuzz_any_text_in_every_control(text: str) -> None:
    for kwargs in ({"filter": text}, {"sort": text}, {"group_by": text}):
        try:
            r = query(TABLE, **kwargs)
            r.page(0, 2)
        except FilterError:
            pass
