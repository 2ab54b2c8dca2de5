"""The Explorer on Spark: the same pages as on DuckDB for the steps a user takes (filter, sort, group, compare)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.spark


def _page(ex: Any, cap: Any) -> tuple[Any, ...]:
    rows = cap.rows(0, 20)["rows"]
    return ex.error, ex.mode, ex.num_rows, rows


def test_explorer_steps_agree_with_duckdb(preds: dict[str, Any], make_explorer: Any, spark: Any) -> None:
    pages: list[list[tuple[Any, ...]]] = []
    for backend in (None, spark):
        ex, cap = make_explorer("preds:v0", backend=backend)
        seen = [_page(ex, cap)]
        for change in ({"filter": "{$gt: ['$score', 0.5]}"}, {"sort": [["score", "desc"]]},
                       {"sort": [], "filter": "{$in: [3, '$meta.b']}"}, {"filter": "", "group_by": ["label"]},
                       {"group_by": [], "compare": "preds:v1"}, {"quick_filter": "only0"},
                       {"quick_filter": "all", "filter": "{$ne: ['$0.score', '$1.score']}"}):
            with ex.hold_trait_notifications():
                for name, value in change.items():
                    setattr(ex, name, value)
            ex._wait(120)
            seen.append(_page(ex, cap))
        pages.append(seen)
    duck, spark_pages = pages
    assert [p[0] for p in spark_pages] == [{}] * len(spark_pages)  # no step failed
    assert [p[1:3] for p in spark_pages] == [p[1:3] for p in duck]
    assert [p[1] for p in duck] == ["rows"] * 4 + ["groups"] + ["compare"] * 3
    assert spark_pages == duck
