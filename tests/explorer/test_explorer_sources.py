"""An Explorer can be made from every kind of source, and says what it shows (label, versions, tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.explorer import FrontEndMissingError


def _check(ex: Any, rows: int) -> None:
    assert ex.error == {}
    assert ex.num_rows == rows
    assert ex.total_rows == rows
    assert ex.mode == "rows"
    assert ex.result_version >= 1
    assert not ex.busy
    names = [c["name"] for c in ex.schema]
    assert names[:3] == ["id", "label", "score"]


def test_from_spec_lists_versions_and_tables(preds: dict[str, Any], make_explorer: Any) -> None:
    ex, _ = make_explorer("preds:v0")
    _check(ex, 100)
    assert ex.source_label == "preds:v0 / predictions"
    assert ex.tables == ["predictions"]
    assert [(v["version"], v["current"], v["compared"], v["spec"]) for v in ex.versions] == [
        ("v1", False, False, "preds:v1"), ("v0", True, False, "preds:v0")]
    assert ex.versions[0]["aliases"] == ["latest"]
    assert ex.versions[0]["created_at"]


def test_from_artifact_table_and_stored_table(preds: dict[str, Any], make_explorer: Any) -> None:
    art = preds["store"].artifact("preds:v1")
    ex, _ = make_explorer(art)
    _check(ex, 100)
    assert ex.source_label == "preds:v1 / predictions"
    assert [v["current"] for v in ex.versions] == [True, False]
    # a Table read from an artifact still knows its artifact: the sidebar lists the versions
    ex2, _ = make_explorer(art.get("predictions"))
    _check(ex2, 100)
    assert [v["version"] for v in ex2.versions] == ["v1", "v0"]


def test_from_in_memory_table_dataframe_arrow_and_parquet(tmp_path: Path, make_explorer: Any) -> None:
    df = pd.DataFrame({"id": range(7), "label": list("abcabca"), "score": [0.1 * i for i in range(7)]})
    for source in (tl.Table(dataframe=df), df, pa.Table.from_pandas(df, preserve_index=False)):
        ex, _ = make_explorer(source)
        _check(ex, 7)
        assert ex.versions == []
    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    ex, _ = make_explorer(str(path))
    _check(ex, 7)
    assert ex.source_label == "t.parquet"


def test_from_joined_table(make_explorer: Any) -> None:
    a = tl.Table(dataframe=pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, 3.0]}))
    b = tl.Table(dataframe=pd.DataFrame({"id": [2, 3, 4], "y": ["b", "c", "d"]}))
    ex, _ = make_explorer(tl.JoinedTable(a, b, "id"))
    assert ex.error == {}
    assert ex.num_rows == 2  # inner join on id
    assert ex.source_label.startswith("JoinedTable")


def test_bad_sources_fail_in_the_cell_that_made_them(preds: dict[str, Any]) -> None:
    with pytest.raises(tl.ArtifactNotFoundError, match="no version v7"):
        tl.Explorer("preds:v7")
    with pytest.raises(tl.ArtifactNotFoundError, match="no table 'nope'"):
        tl.Explorer("preds:v0", table="nope")
    with pytest.raises(FileNotFoundError, match="Parquet"):
        tl.Explorer("/no/such/file.parquet")
    with pytest.raises(TypeError, match="cannot show a int"):
        tl.Explorer(42)


def test_repr_mimebundle_shows_a_widget(preds: dict[str, Any]) -> None:
    art = preds["store"].artifact("preds:v0")
    table = art.get("predictions")
    joined = tl.JoinedTable(table, table, "id")
    for obj in (table, joined, art):
        bundle = obj._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "application/vnd.jupyter.widget-view+json" in data
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_missing_front_end_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tablelens.explorer import widget

    monkeypatch.setattr(widget, "STATIC", tmp_path)
    widget._static_cache.clear()
    with pytest.raises(FrontEndMissingError, match="npm run build"):
        tl.Explorer(pd.DataFrame({"a": [1]}))
    widget._static_cache.clear()
