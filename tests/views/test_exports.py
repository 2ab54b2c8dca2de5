"""Exports of a result to Parquet, CSV and JSON lines hold what `tl.query(...).to_pandas()` holds for the same
spec — every kind of cell — from Python (streamed by the engine) and as the widget's download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.codec import read_meta, table_to_pandas

SPEC = {"filter": "{$gte: ['$id', 2]}", "sort": [("label", "asc"), ("id", "desc")]}


@pytest.fixture
def kinds(run: Any) -> str:
    """`kinds` v0: a column of each kind, with nulls, NaN, infinities and text that needs quoting."""
    n = 12
    rows = []
    for i in range(n):
        rows.append([
            i,
            [0.5, math.nan, math.inf, -math.inf, None, 1e-7][i % 6] if i % 5 else i / 3,
            ["plain", 'with "quotes", commas', "line\nbreak", "ünïcödé ✓", None, ""][i % 6],
            [True, False, None][i % 3],
            dt.datetime(2024, 1, 1, 3, 4, 5) + dt.timedelta(days=i) if i % 4 else None,
            [f"t{i}", "x"][: i % 3] if i % 7 else None,
            {"a": i, "b": [i, i + 1]},
            [1, "two", 3.5, None, [1, 2], {"k": "v"}][i % 6],  # a mixed column
            np.arange(4, dtype=np.float32).reshape(2, 2) * i,
            ["cat", "dog"][i % 2],
        ])
    cols = ["id", "x", "text", "flag", "when", "tags", "meta", "mixed", "arr", "label"]
    art = tl.Artifact("kinds", type="dataset")
    art.add(tl.Table(columns=cols, data=rows), "t")
    run.log_artifact(art)
    return "kinds:v0"


def _same(got: Any, want: Any) -> bool:
    """A cell read back from a text format against the cell `to_pandas()` gives."""
    if isinstance(want, np.ndarray):
        want = want.tolist()
    if want is None or want is pd.NA or want is pd.NaT:
        return got in (None, "")
    if isinstance(want, (pd.Timestamp, dt.datetime)):
        return got is not None and pd.Timestamp(got) == pd.Timestamp(want)
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, (np.integer, np.floating, np.bool_)):
        want = want.item()
    if isinstance(want, (list, dict)):
        return got == want
    return (got == want and type(got) is type(want)) or (isinstance(want, float) and got == want)


def _csv_value(text: str, want: Any) -> Any:
    """CSV text read as the type of `want` (CSV has no types: the test reads each cell as what it should be)."""
    if text == "":
        return None if not isinstance(want, str) else ""
    if isinstance(want, (np.ndarray, list, dict)):
        return json.loads(text)
    if isinstance(want, (bool, np.bool_)):
        return {"true": True, "false": False}[text]
    if isinstance(want, (int, np.integer)) and not isinstance(want, bool):
        return int(text)
    if isinstance(want, float):
        return float(text)
    if isinstance(want, (pd.Timestamp, dt.datetime)):
        return text
    return text


def _expected(spec: str) -> pd.DataFrame:
    return tl.query(spec, **SPEC).to_pandas()


def test_parquet_export_reads_back_as_the_result(kinds: str, tmp_path: Path) -> None:
    result = tl.query(kinds, **SPEC)
    path = result.to_parquet(tmp_path / "out.parquet")
    table = pq.read_table(path)
    metas = {c["name"]: c for c in read_meta(table.schema)["columns"]}
    pd.testing.assert_frame_equal(table_to_pandas(table, metas), _expected(kinds))
    assert metas["mixed"]["kind"] == "mixed" and metas["arr"]["kind"] == "ndarray"
    # without the row keys, and only some rows (in the result's order)
    path = result.to_parquet(tmp_path / "some.parquet", key=False, keys=[11, 2, 7])
    some = pq.read_table(path)
    assert "_key" not in some.column_names
    assert some.column("id").to_pylist() == [2, 11, 7]  # label asc, id desc: cat 2, dog 11, dog 7


def test_json_lines_export_holds_the_same_cells(kinds: str, tmp_path: Path) -> None:
    path = tl.query(kinds, **SPEC).to_json(tmp_path / "out.jsonl")
    records = [json.loads(line) for line in Path(path).read_text().splitlines()]
    want = _expected(kinds)
    assert [list(r) for r in records] == [list(want.columns)] * len(want)
    for r, (_, row) in zip(records, want.iterrows()):
        for col in want.columns:
            assert _same(r[col], row[col]), (col, r[col], row[col])


def test_csv_export_holds_the_same_cells(kinds: str, tmp_path: Path) -> None:
    path = tl.query(kinds, **SPEC).to_csv(tmp_path / "out.csv")
    with open(path, newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    want = _expected(kinds)
    assert lines[0] == list(want.columns) and len(lines) == len(want) + 1
    for cells, (_, row) in zip(lines[1:], want.iterrows()):
        for text, col in zip(cells, want.columns):
            assert _same(_csv_value(text, row[col]), row[col]), (col, text, row[col])


def test_grouped_and_compared_results_export(preds: dict[str, Any], tmp_path: Path) -> None:
    grouped = tl.query("preds:v0", group_by="label")
    got = [json.loads(x) for x in Path(grouped.to_json(tmp_path / "g.jsonl")).read_text().splitlines()]
    want = grouped.to_pandas()
    assert [g["label"] for g in got] == want["label"].tolist() and [g["count"] for g in got] == want["count"].tolist()
    assert got[0]["score"]["kind"] == "hist"
    assert pq.read_table(grouped.to_parquet(tmp_path / "g.parquet")).num_rows == 3
    compared = tl.query("preds:v1", compare="preds:v0", quick_filter="both")
    table = pq.read_table(compared.to_parquet(tmp_path / "c.parquet"))
    assert table.column_names == list(compared.to_pandas().columns)
    assert table.num_rows == compared.num_rows == 90


def test_a_failed_export_leaves_no_file(preds: dict[str, Any], tmp_path: Path) -> None:
    from tablelens.query._export import export

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tl.query("preds:v0").to_csv(out / "nowhere" / "out.csv")
    with pytest.raises(ValueError, match="unknown export format"):
        export(tl.query("preds:v0"), out / "x.xls", "xls")
    (out / "taken").mkdir()
    with pytest.raises(OSError):  # written, but it cannot take the place of a folder: the file written is gone
        tl.query("preds:v0").to_parquet(out / "taken")
    assert [p.name for p in out.iterdir()] == ["taken"] and not list((out / "taken").iterdir())


def test_the_widget_download_is_the_same_file(kinds: str, make_explorer: Any) -> None:
    ex, cap = make_explorer(kinds, filter=SPEC["filter"], sort=SPEC["sort"])
    msg, buffers = cap.request({"type": "export", "format": "parquet", "rows": "view"})
    assert msg["type"] == "export" and msg["name"] == "kinds-v0.parquet" and msg["rows"] == 10
    assert msg["mime"] == "application/vnd.apache.parquet" and len(buffers) == 1
    table = pq.read_table(pa.BufferReader(buffers[0]))
    metas = {c["name"]: c for c in read_meta(table.schema)["columns"]}
    pd.testing.assert_frame_equal(table_to_pandas(table, metas), _expected(kinds))
    ex.selected_keys = [3, 5]
    msg, buffers = cap.request({"type": "export", "format": "csv", "rows": "selected"})
    assert msg["rows"] == 2 and msg["name"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(buffers[0].decode())))
    assert [r["id"] for r in rows] == ["5", "3"]  # the view's order: label (dog, dog) then id desc
    msg, _ = cap.request({"type": "export", "format": "xlsx", "rows": "view"})
    assert msg["type"] == "error" and "unknown export format" in msg["message"]


def test_another_engine_streams_the_same_files(preds: dict[str, Any], tmp_path: Path) -> None:
    """On an Ibis backend without DuckDB's COPY the result's Arrow batches are written one by one: same files."""
    import ibis

    spec = {"filter": "{$gt: ['$score', 0.5]}", "sort": [("score", "desc")]}
    want = tl.query("preds:v0", **spec).to_pandas()
    other = tl.query("preds:v0", backend=ibis.polars.connect(), **spec)
    table = pq.read_table(other.to_parquet(tmp_path / "p.parquet"))
    metas = {c["name"]: c for c in read_meta(table.schema)["columns"]}
    pd.testing.assert_frame_equal(table_to_pandas(table, metas), want)
    lines = [json.loads(x) for x in Path(other.to_json(tmp_path / "p.jsonl")).read_text().splitlines()]
    assert [r["id"] for r in lines] == want["id"].tolist() and lines[0]["tags"] == want["tags"][0]
    with open(other.to_csv(tmp_path / "p.csv"), newline="") as f:
        got = list(csv.DictReader(f))
    assert [int(r["id"]) for r in got] == want["id"].tolist()
    assert json.loads(got[0]["meta"]) == want["meta"][0]
