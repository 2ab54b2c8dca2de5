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


# ----------------------------------------------------------------------------------- odd tables and columns
def _sources(tmp_path: Any, table: pa.Table) -> list[Any]:
    """The same table as the engine meets it: in memory (Arrow) and scanned from a Parquet file."""
    from query_data import write_parquet

    from tablelens.query.scan import ScanSource

    return [table, ScanSource.from_parquet(write_parquet(table, tmp_path / "t.parquet"))]


def test_a_column_of_only_nulls_is_null_everywhere(tmp_path: Any) -> None:
    # DuckDB reads a Parquet column of only nulls with no type at all: it used to raise KeyError: 'unsupported'
    from tablelens.sources import evaluate

    for src in _sources(tmp_path, pa.table({"a": pa.array([1, 2, 3]), "n": pa.nulls(3)})):
        assert query(src, filter={"$eq": ["$n", None]}).num_rows == 3
        assert query(src, filter={"$eq": ["$n", 1]}).num_rows == 0
        assert query(src, filter={"$lt": ["$n", 1]}).num_rows == 3  # null sorts before numbers
        assert query(src, filter={"$in": ["$n", [1, None]]}).num_rows == 3
        assert query(src, filter={"$gt": [{"$ifNull": ["$n", "$a"]}, 1]}).num_rows == 2
        assert [v for v, _ in evaluate(src, {"$type": "$n"})] == ["null"] * 3
        page = query(src, group_by="n").page(0, 5)
        assert list(page["count"]) == [3]
        assert list(query(src, sort=[("n", "desc"), ("a", "desc")]).page(0, 5)["a"]) == [3, 2, 1]
        assert list(query(src, group_by="a").page(0, 5)["count"]) == [1, 1, 1]


def test_an_empty_table(tmp_path: Any) -> None:
    table = arrow_table().slice(0, 0)
    for src in _sources(tmp_path, table):
        for kwargs in ({"filter": {"$eq": ["$i", 1]}}, {"filter": {"$in": ["$s", ["a"] * 300]}},
                       {"group_by": "s"}, {"group_by": "i", "sort": [("avg(f)", "desc")]}, {"sort": "m"},
                       {"filter": "$b", "group_by": "{$type: '$m'}"}):
            r = query(src, **kwargs)
            assert r.num_rows == 0
            assert len(r.page(0, 5)) == 0


def test_a_column_without_a_name_is_shown_as_unnamed(tmp_path: Any) -> None:
    # SQL cannot name a column '': it is "(unnamed)", in pages, paths, group and sort keys
    import pandas as pd

    table = pa.table({"": pa.array([3, 1, 2]), "b": pa.array(["x", "y", "z"])})
    for src in [*_sources(tmp_path, table), pd.DataFrame({"": [3, 1, 2], "b": ["x", "y", "z"]})]:
        page = query(src, filter={"$gt": ["$(unnamed)", 1]}, sort=[("(unnamed)", "asc")]).page(0, 5)
        assert list(page.columns) == ["_key", "(unnamed)", "b"]
        assert list(page["(unnamed)"]) == [2, 3] and list(page["b"]) == ["z", "x"]
        assert list(query(src, group_by="(unnamed)").page(0, 5)["count"]) == [1, 1, 1]
    both = pa.table({"": pa.array([1]), "(unnamed)": pa.array([2])})
    assert list(query(both).page(0, 1).columns) == ["_key", "(unnamed 2)", "(unnamed)"]


def test_names_that_clash_once_read_are_a_source_error(tmp_path: Any) -> None:
    # DuckDB reads an empty name as C<position>: with a real column of that name the file cannot be scanned
    from query_data import write_parquet

    from tablelens.query.scan import ScanSource

    path = write_parquet(pa.table({"": pa.array([1]), "C0": pa.array([2])}), tmp_path / "clash.parquet")
    with pytest.raises(FilterError, match="rename the columns") as info:
        query(ScanSource.from_parquet(path))
    assert info.value.control == "source"  # type: ignore[attr-defined]


@pytest.mark.parametrize("kwargs", [{"filter": {"$eq": ["$blob", "x"]}}, {"group_by": "blob"}, {"sort": "at"},
                                    {"filter": {"$gt": [{"$size": {"$filter": {"input": "$blobs",
                                                                              "cond": "$$this"}}}, 0]}}])
def test_columns_expressions_cannot_use_are_named(kwargs: dict[str, Any]) -> None:
    import datetime as _dt

    t = pa.table({"blob": pa.array([b"x", None]), "at": pa.array([_dt.time(1, 2), None]),
                  "blobs": pa.array([[b"x"], []]), "i": pa.array([1, 2])})
    with pytest.raises(FilterError) as info:
        query(t, **kwargs).page(0, 5)
    assert "storage type" in info.value.message and ("blob" in info.value.message or "at" in info.value.message)
    assert list(query(t, group_by="i").page(0, 5)["count"]) == [1, 1]  # other columns still work


@pytest.mark.parametrize(("kwargs", "control"), [
    ({"group_by": 3}, "group-by"),
    ({"group_by": [3]}, "group-by"),
    ({"group_by": ["s", None]}, "group-by"),
    ({"group_by": 2.5}, "group-by"),
    ({"sort": 3}, "sort"),
    ({"sort": [("s", 3)]}, "sort"),
    ({"sort": [(3, "asc")]}, "sort"),
    ({"filter": 3}, "filter"),
    ({"bins": "ten"}, "filter"),
])
def test_keys_of_the_wrong_type(kwargs: dict[str, Any], control: str) -> None:
    with pytest.raises(FilterError) as info:
        query(TABLE, **kwargs)
    assert info.value.control == control  # type: ignore[attr-defined]
