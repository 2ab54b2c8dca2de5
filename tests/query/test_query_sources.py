"""Every kind of source, media resolution, the lazy result and cancellation."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from query_data import arrow_table, image_table

from tablelens import FilterError, QueryCancelled, query
from tablelens.query import JoinedScan, ScanSource


def stored_scan(path: str, root: str = "/store") -> ScanSource:
    """A table kept outside tablelens: a Parquet file whose media paths resolve under `root` (the scan protocol)."""
    return ScanSource.from_parquet(path, Path(path).stem, resolve_media=lambda p: str(Path(root) / p))


def real_artifact(tables: dict[str, Any]) -> Any:
    import tablelens as tl

    art = tl.Artifact("several", type="dataset")
    for name, t in tables.items():
        art.add(t, name)
    return art


def images_table(n: int = 5) -> Any:
    import numpy as np

    import tablelens as tl

    rows = [[i, i / 10, ["road", "sky"][i % 2], tl.Image(np.full((4, 4, 3), i, np.uint8))] for i in range(n)]
    return tl.Table(columns=["id", "road", "dominant_pred", "pred_mask"], data=rows)


def test_parquet_paths(sample_parquet: str) -> None:
    for src in (sample_parquet, Path(sample_parquet)):
        r = query(src, filter="{$gt: ['$i', 0]}")
        assert r.total_rows == 8 and r.num_rows == 4
        assert [c.kind for c in r.columns] == ["key", "int", "float", "str", "bool", "mixed", "list",
                                                   "datetime", "dict"]


def test_missing_parquet_file() -> None:
    with pytest.raises(FilterError, match="No Parquet file"):
        query("/nowhere/t.parquet")


def test_pandas_frames_keep_nan_and_encode_mixed_columns() -> None:
    df = pd.DataFrame({"x": [1.0, float("nan"), 3.0], "m": [1, "a", None], "ts": pd.to_datetime(["2024-01-01"] * 3)})
    r = query(df, filter="{$eq: [{$type: '$m'}, 'string']}")
    assert r.num_rows == 1
    assert query(df, filter="{$lt: ['$x', 0]}").num_rows == 1  # NaN is below every number
    page = query(df).page(0, 3)
    assert page["m"].tolist() == [1, "a", None]
    assert [c.kind for c in query(df).columns][1:] == ["float", "mixed", "datetime"]


def test_table_objects_and_media(image_parquet: str) -> None:
    table = stored_scan(image_parquet, "/store/root")
    r = query(table, filter="{$gt: ['$road', 0.05]}")
    assert r.num_rows == 3
    assert r.resolve_media(0, "media/images/0000.png") == "/store/root/media/images/0000.png"
    with pytest.raises(IndexError):
        r.resolve_media(1, "x")
    with pytest.raises(LookupError):
        query(image_table()).resolve_media(0, "x")


def test_artifacts(sample_arrow: pa.Table) -> None:
    import tablelens as tl

    one = real_artifact({"predictions": images_table()})
    assert query(one).total_rows == 5
    two = real_artifact({"predictions": images_table(), "sample": tl.Table.from_arrow(sample_arrow)})
    assert query(two, table="sample").total_rows == 8
    with pytest.raises(FilterError, match="holds 2 tables"):
        query(two)
    with pytest.raises(FilterError, match="no table 'nope'"):
        query(two, table="nope")
    r = query(two, table="predictions", compare=two, compare_table="predictions", quick_filter="both")
    cell = r.page(0, 1)["1.pred_mask"][0]
    assert r.num_rows == 5 and Path(r.resolve_media(1, cell["path"])).name == cell["digest"]  # content-addressed


def test_joined_table_objects(image_parquet: str) -> None:
    joined = JoinedScan(stored_scan(image_parquet), stored_scan(image_parquet), "id")
    r = query(joined, filter="{$eq: ['$0.dominant_pred', '$1.dominant_pred']}")
    assert r.num_rows == 5 and r.mode == "rows"
    assert r.page(0, 1).columns[:3].tolist() == ["_key", "0.id", "0.road"]


def test_name_version_specs(run: Any) -> None:
    import tablelens as tl

    for _ in range(2):
        art = tl.Artifact("preds", type="predictions")
        art.add(images_table(), "predictions")
        run.log_artifact(art)
    art = tl.Artifact("preds", type="predictions")
    art.add(images_table(6), "predictions")
    run.log_artifact(art)  # v1: identical contents return v0, so this one is v1
    r = query("preds:v0", compare="preds:v1", quick_filter="both",
              filter="{$ne: ['$0.dominant_pred', '$1.dominant_pred']}")
    assert r.mode == "compare" and r.num_rows == 0
    with pytest.raises(FilterError, match="Cannot resolve 'preds:v9'") as info:
        query("preds:v9")
    assert info.value.control == "source"


# ---------------------------------------------------------------------------------------- laziness, cancel
def test_results_are_lazy_and_cached() -> None:
    r = query(arrow_table(), filter="{$gt: ['$i', 0]}")
    assert r._num_rows is None
    assert r.num_rows == 4 and r._num_rows == 4
    assert "QueryResult rows" in repr(r)
    assert r.to_arrow().num_rows == 4 and len(r.to_pandas()) == 4
    assert r.expr is not None


def test_grouped_results_convert_too() -> None:
    r = query(arrow_table(), group_by="b")
    assert r.to_arrow().num_rows == 3 and list(r.to_pandas()["count"]) == [3, 3, 2]


@pytest.fixture(scope="module")
def big_parquet(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    duckdb.sql(f"COPY (SELECT range AS i, repeat('ab', 20) || range::VARCHAR AS s FROM range(8000000)) "
               f"TO '{path}' (FORMAT parquet)")
    return str(path)


def test_cancel_interrupts_a_running_query(big_parquet: str) -> None:
    slow = "{$regexMatch: {input: {$concat: ['$s', '$s', '$s', '$s']}, regex: '(a|b|ab|ba)*c+(a|b)*x'}}"
    r = query(big_parquet, filter=slow)
    outcome: dict[str, Any] = {}

    def run() -> None:
        start = time.perf_counter()
        try:
            outcome["n"] = r.num_rows
        except QueryCancelled as err:
            outcome["cancelled"] = err
        outcome["t"] = time.perf_counter() - start

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    r.cancel()
    worker.join(30)
    assert "cancelled" in outcome or outcome.get("t", 99) < 0.5, outcome  # it was either stopped or too quick
    assert time.perf_counter() - t0 < 5
    with pytest.raises(QueryCancelled):
        r.page(0, 1)
    assert query(big_parquet, filter="{$lt: ['$i', 3]}").num_rows == 3  # the connection still works


def test_a_newer_query_cancels_the_older_one() -> None:
    # the Explorer's query runner: submitting a query cancels the result the previous job attached
    from tablelens.explorer._worker import LatestRunner

    runner = LatestRunner("test-queries")
    results: list[Any] = []
    started = threading.Event()

    def job(flt: str, hold: bool) -> Any:
        def run(token: Any, gen: int) -> None:
            results.append(token.attach(query(arrow_table(), filter=flt)))
            started.set()
            while hold and not token.cancelled:
                time.sleep(0.01)
        return run

    runner.submit(job("{$gt: ['$i', 0]}", True))
    assert started.wait(10)
    runner.submit(job("{$gt: ['$i', 1]}", False))
    assert runner.wait(10)
    runner.close()
    first, second = results
    assert first.cancelled and not second.cancelled
    with pytest.raises(QueryCancelled):
        first.page(0, 1)
    assert second.num_rows == 3


def test_nan_in_parquet_written_by_pyarrow(tmp_path: Path) -> None:
    # pyarrow leaves NaN out of min/max statistics; the engine must not conclude that there is none
    path = str(tmp_path / "nan.parquet")
    pa.parquet.write_table(pa.table({"x": [float("nan"), 2.0, 3.0, 0.0, 0.01]}), path, row_group_size=3)
    assert list(query(path, filter="{$gt: ['$x', 2.5]}").page(0, 9)["_key"]) == [2]
    assert list(query(path, filter="{$lt: ['$x', 0.05]}").page(0, 9)["_key"]) == [0, 3, 4]
    assert list(query(path, sort="x").page(0, 9)["_key"]) == [0, 3, 4, 1, 2]
    assert query(path, filter="{$eq: [{$type: '$x'}, 'double']}", group_by="{$gt: ['$x', 1]}",
                 bins=2).page(0, 2)["x"][0]["edges"] == [0.0, 1.5, 3.0]


def test_with_the_real_artifact_store(tmp_path: Path) -> None:
    """The issue's own example, through tl.init / Artifact / use_artifact and "name:version" specs."""
    import numpy as np

    tl = pytest.importorskip("tablelens")
    if not all(hasattr(tl, n) for n in ("init", "Artifact", "Table", "Image")):
        pytest.skip("the data model is not there")
    run = tl.init(project="q", job_type="test", dir=str(tmp_path))
    pixels = np.zeros((8, 8, 3), dtype=np.uint8)
    for version in (0, 1):
        rows = []
        for i in range(6):
            boxes = {"ground_truth": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5},
                                                     "class_id": 13 if i % 2 else 2}]}}
            label = "car" if (version, i) == (1, 3) else ["road", "sky"][i % 2]
            rows.append([i, i / 10 + version / 100, label, tl.Image(pixels, boxes=boxes)])
        art = tl.Artifact("preds", type="predictions")
        art.add(tl.Table(columns=["id", "road", "dominant_pred", "pred_mask"], data=rows), "predictions")
        run.log_artifact(art)
    try:
        r = tl.query(run.use_artifact("preds:v0").get("predictions"), filter="{$gt: ['$0.road', 0.05]}",
                     group_by="dominant_pred", sort=[("count", "desc")])
        assert r.page(0, 50)[["dominant_pred", "count"]].values.tolist() == [["sky", 3], ["road", 2]]
        r = tl.query("preds:v0", compare="preds:v1", quick_filter="both",
                     filter="{$ne: ['$0.dominant_pred', '$1.dominant_pred']}")
        assert r.num_rows == 1 and r.page(0, 5)["_key"].tolist() == [3]
        seed = ("{ $gte: [ {$size: {$filter: {input: '$0.pred_mask.boxes.ground_truth', as: 'box', "
                "cond: {$eq: ['$$box.class_id', 13]} } } }, 1] }")
        r = tl.query("preds:v1", filter=seed)
        page = r.page(0, 5)
        assert page["_key"].tolist() == [1, 3, 5]
        assert Path(r.resolve_media(0, page["pred_mask"][0]["path"])).is_file()
    finally:
        run.finish()
