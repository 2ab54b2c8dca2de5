"""One codec: a cell reads back the same whichever way it is read.

For random tables (every cell kind, nulls, NaN, naive and UTC datetimes, numpy arrays, and columns mixing
types), logged into an artifact: `Artifact.get(...).data`, `Table.to_pandas()`, `tl.query(...).to_pandas()`,
`tl.query(...).to_arrow()` decoded by the codec, and the cells of the Explorer's page payload all give the value
that was logged.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tablelens as tl
from tablelens.codec import read_meta, table_to_pandas
from tablelens.explorer._cells import encode_value
from tablelens.explorer._handlers import answer_rows

UTC = dt.timezone.utc
ints = st.integers(-(2**62), 2**62)
floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
texts = st.text(max_size=8)
naive = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond - d.microsecond % 1000))  # the store keeps microseconds
aware = naive.map(lambda d: d.replace(tzinfo=UTC))
arrays = st.lists(st.integers(-1000, 1000), min_size=1, max_size=4).map(lambda v: np.array(v, dtype=np.int64))
nested = st.recursive(st.one_of(st.none(), st.booleans(), ints, texts),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                      max_leaves=6)
#: a column: a strategy of its cells (None always possible)
COLUMNS = {
    "int": ints, "float": floats, "str": texts, "bool": st.booleans(), "naive": naive, "aware": aware,
    "list": st.lists(ints, max_size=3), "dict": st.fixed_dictionaries({"a": ints, "b": texts}),
    "ndarray": arrays,
    # the bug this test was written for: a naive datetime and a numpy array in one column
    "mixed": st.one_of(ints, texts, st.booleans(), naive, aware, arrays, nested, floats),
}


@st.composite
def tables(draw: Any) -> tuple[list[str], list[list[Any]]]:
    kinds = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=5))
    n = draw(st.integers(1, 6))
    columns = [f"{k}_{j}" for j, k in enumerate(kinds)]
    rows = [[draw(st.one_of(st.none(), COLUMNS[k])) for k in kinds] for _ in range(n)]
    return columns, rows


def norm(v: Any) -> Any:
    """A cell in a comparable form: NaN equal to NaN, pandas' missing markers as None, numpy as Python."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), v.tolist())
    if isinstance(v, np.generic):
        return norm(v.item())
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def logged_form(column: list[Any]) -> list[Any]:
    """What the store promises to give back: ints beside floats in one column become floats."""
    kinds = {type(v) for v in column if v is not None}
    if kinds <= {int, float} and float in kinds:
        return [None if v is None else float(v) for v in column]
    return column


def json_cell(v: Any, kind: str | None = None) -> Any:
    return json.loads(json.dumps(encode_value(v, kind)[0]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_reader_gives_the_logged_cells(table: tuple[list[str], list[list[Any]]]) -> None:
    columns, rows = table
    expected = {c: logged_form([r[j] for r in rows]) for j, c in enumerate(columns)}
    with tempfile.TemporaryDirectory() as store:
        run = tl.init(project="codec", job_type="test", dir=store)
        try:
            art = tl.Artifact("t", type="dataset")
            art.add(tl.Table(columns=columns, data=rows), "t")
            got = run.log_artifact(art).get("t")
            readers: dict[str, dict[str, list[Any]]] = {}
            readers["get().data"] = {c: [r[j] for r in got.data] for j, c in enumerate(columns)}
            df = got.to_pandas()
            readers["Table.to_pandas"] = {c: df[c].tolist() for c in columns}
            result = tl.query(got)
            qdf = result.to_pandas()
            readers["query.to_pandas"] = {c: qdf[c].tolist() for c in columns}
            arrow = result.to_arrow()
            adf = table_to_pandas(arrow, {m["name"]: m for m in read_meta(arrow.schema)["columns"]})
            readers["query.to_arrow"] = {c: adf[c].tolist() for c in columns}
            for reader, cells in readers.items():
                for c in columns:
                    assert norm(cells[c]) == norm(expected[c]), (reader, c)
            ex = tl.Explorer(got)
            try:
                ex._wait(60)
                answer, _ = answer_rows(ex._snapshot, {"type": "rows", "id": 1, "offset": 0, "limit": 50},
                                        [], ex._media)
                page = json.loads(json.dumps(answer["rows"]))
                for i, row in enumerate(page):
                    for c in columns:
                        v = expected[c][i]  # a numpy array is an $ndarray cell, in any column
                        assert row["cells"][c] == json_cell(v, "ndarray" if isinstance(v, np.ndarray) else None), \
                            ("page", c, i)
            finally:
                ex.close()
        finally:
            run.finish()
