"""A representative part of the suite on a second Ibis backend (Polars), so that DuckDB-only SQL cannot creep in.

Operators the backend lacks (array lambdas: $filter, $map, ...) must fail with a FilterError that says so.
"""

from __future__ import annotations

from typing import Any

import ibis
import pytest
from query_data import arrow_table
from test_query_operators import CASES, TABLE, M, same
from test_query_views import T0, T1

from tablelens import FilterError, query
from tablelens.sources import evaluate


@pytest.fixture(scope="module", params=["duckdb", "polars"])
def backend(request: pytest.FixtureRequest) -> Any:
    return getattr(ibis, request.param).connect()


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_operators(backend: Any, expr: Any, expected: list[Any]) -> None:
    try:
        got = [M if missing else v for v, missing in evaluate(TABLE, expr, backend=backend)]
    except FilterError as err:
        assert backend.name != "duckdb", err
        assert "backend does not support" in err.message or "could not run" in err.message, err.message
        return
    assert same(got, expected), f"{expr}: got {got}, expected {expected}"


def test_most_operators_run_on_the_second_backend() -> None:
    pl = ibis.polars.connect()
    ok = 0
    for expr, _ in CASES:
        try:
            evaluate(TABLE, expr, backend=pl)
            ok += 1
        except FilterError:
            pass
    assert ok >= 0.75 * len(CASES)


def _frame(r: Any) -> list[dict[str, Any]]:
    return r.page(0, 1000).astype(object).where(lambda d: d.notna(), None).to_dict("records")


@pytest.mark.parametrize("kwargs", [
    {"filter": "{$and: [{$gt: ['$score', 0]}, {$ne: ['$label', 'dog']}]}"},
    {"sort": [("label", "asc"), ("score", "desc")]},
    {"filter": "{$lt: ['$n', 10]}", "sort": [("n", "desc")]},
    {"group_by": "label", "sort": [("count", "desc")]},
    {"group_by": ["label", "{$gt: ['$n', 10]}"]},
    {"compare": T1, "filter": "{$ne: ['$0.label', '$1.label']}"},
    {"compare": T1, "quick_filter": "only0"},
    {"compare": T1, "group_by": "label"},
])
def test_views_agree_across_backends(kwargs: dict[str, Any]) -> None:
    duck = query(T0, **kwargs)
    polars = query(T0, backend=ibis.polars.connect(), **kwargs)
    assert duck.num_rows == polars.num_rows
    assert _frame(duck) == _frame(polars)


def test_parquet_on_the_second_backend(sample_parquet: str) -> None:
    pl = ibis.polars.connect()
    r = query(sample_parquet, backend=pl, filter="{$gte: ['$i', 1]}", sort="i")
    assert list(r.page(0, 10)["_key"]) == [0, 7, 5, 4]
    assert r.total_rows == arrow_table().num_rows


def test_lambdas_fail_clearly_on_the_second_backend() -> None:
    with pytest.raises(FilterError, match=r"polars backend does not support ArrayFilter \(needed by \$filter"):
        query(T0, backend=ibis.polars.connect(), filter="{$gt: [{$size: {$filter: {input: '$tags', cond: true}}}, 0]}")
