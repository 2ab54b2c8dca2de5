"""What an evaluation reads: the predictions and ground-truth tables, the fields named in them, and a DuckDB
session where both are registered as views with their row numbers.

Ground truth and predictions may be one table (two fields of it), or two tables — Tables, DataFrames, artifact
specs such as `"street-scenes:v0"` — matched on a key column. Sources are found by `tablelens.sources.resolve`
(the one resolver); their Parquet files (or Arrow tables) are read by the process's embedded DuckDB, on a cursor
of its own (`tablelens.query.connect()`), never row by row in Python. The SQL here is DuckDB's: the evaluation
runs on the embedded engine whatever backend a user queries with.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .._core.errors import EvaluationError
from ..query import ScanSource, connect
from ..sources import ResolvedSource, resolve

__all__ = ["Field", "Session", "Side", "ident", "literal", "open_side", "parse_field", "result_prefix"]

#: the prefix of the result columns when the predictions already have a column of a result's name
FALLBACK_PREFIX = "eval_"

ROW = "__tl_row"
_names = itertools.count()
_names_lock = threading.Lock()


def ident(name: str) -> str:
    """A quoted SQL identifier (names are never pasted into SQL unquoted)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def fresh(prefix: str) -> str:
    with _names_lock:
        return f"__tl_{prefix}_{next(_names)}"


@dataclass(frozen=True)
class Field:
    """`column.boxes.layer` / `column.masks.layer` of an image column, or a plain column (`layer` None)."""

    column: str
    kind: str | None  # "boxes", "masks" or None
    layer: str | None
    text: str

    def sql(self, alias: str) -> str:
        """The SQL of the field on table alias `alias`."""
        base = f"{alias}.{ident(self.column)}"
        if self.kind is None:
            return base
        return f"{base}.{ident(self.kind)}.{ident(self.layer or '')}"


@dataclass
class Side:
    """One source of an evaluation: the resolved table, its view in the session, its meta per image column."""

    resolved: ResolvedSource
    scan: ScanSource
    view: str
    role: str  # "predictions" or "ground truth", for messages

    @property
    def label(self) -> str:
        return self.resolved.label

    def names(self) -> list[str]:
        return self.scan.names()

    def meta(self, column: str) -> dict[str, Any]:
        info = self.scan.column(column)
        return dict(info.meta) if info is not None else {}

    def kind(self, column: str) -> str | None:
        info = self.scan.column(column)
        return info.kind if info is not None else None


def parse_field(text: str, side: Side, what: str, expect: str | None) -> Field:
    """`column.boxes.layer` (expect "boxes"), `column.masks.layer` ("masks") or a column (None), checked against
    the table; the error lists what the table has instead."""
    if not isinstance(text, str) or not text.strip():
        raise EvaluationError(f"{what} must name a field such as 'image.boxes.predictions', got {text!r}")
    text = text.strip().removeprefix("$").removeprefix("0.")
    names = side.names()
    column = next((n for n in sorted(names, key=len, reverse=True) if text == n or text.startswith(n + ".")), None)
    if column is None:
        raise EvaluationError(f"the {side.role} table ({side.label}) has no column for {what}={text!r}; its "
                              f"columns: {', '.join(names)}", field=text)
    rest = text[len(column) + 1:] if len(text) > len(column) else ""
    if expect is None:
        if rest:
            raise EvaluationError(f"{what} must name a column, got {text!r}", field=text)
        return Field(column, None, None, text)
    images = [n for n in names if side.kind(n) == "image"]
    if side.kind(column) != "image":
        raise EvaluationError(f"{what}={text!r}: column {column!r} of the {side.role} table holds no images; "
                              f"image columns: {', '.join(images) or 'none'}", field=text)
    layers = (side.meta(column).get("layers") or {}).get(expect) or []
    kind, _, layer = rest.partition(".")
    if kind != expect or not layer:
        hint = ", ".join(f"{column}.{expect}.{layer}" for layer in layers) or f"no {expect} layers in {column!r}"
        raise EvaluationError(f"{what} must be '<column>.{expect}.<layer>', got {text!r}; this table has: {hint}",
                              field=text)
    if layer not in layers:
        hint = ", ".join(layers) or "none"
        raise EvaluationError(f"{what}={text!r}: column {column!r} has no {expect} layer {layer!r}; its {expect} "
                              f"layers: {hint}", field=text)
    return Field(column, kind, layer, text)


class Session:
    """A DuckDB cursor of the process's embedded database, with the evaluated tables registered as views.

    Each view has the table's columns and `__tl_row`, the 0-based row number (the row key the engine gives the
    same table). Temporary tables live as long as the cursor; `close()` drops them all.
    """

    def __init__(self) -> None:
        connection = connect()
        self.con = connection.backend.con
        self._keep: list[Any] = []

    def register(self, scan: ScanSource) -> str:
        view = fresh("src")
        if scan.arrow is not None:
            arrow = scan.arrow
            arrow = arrow.append_column(ROW, pa.array(np.arange(arrow.num_rows, dtype=np.int64)))
            raw = fresh("arrow")
            self.con.register(raw, arrow)
            self._keep.append(arrow)
            self.execute(f"CREATE TEMP VIEW {view} AS SELECT * FROM {raw}")
            return view
        if scan.parquet is None:
            raise EvaluationError(f"the source {scan.label!r} has neither a Parquet file nor an Arrow table")
        path = literal(scan.parquet)
        if "file_row_number" in scan.names():  # a column of that name: number the rows in scan order instead
            select = f"SELECT *, (row_number() OVER () - 1)::BIGINT AS {ROW} FROM read_parquet({path})"
        else:
            select = (f"SELECT * EXCLUDE (file_row_number), file_row_number::BIGINT AS {ROW} "
                      f"FROM read_parquet({path}, file_row_number = true)")
        self.execute(f"CREATE TEMP VIEW {view} AS {select}")
        return view

    def execute(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a statement and return all its rows (statements are small: DDL, checks, a few values)."""
        cur = self.con.execute(sql, params or [])
        try:
            return cur.fetchall()
        except Exception:  # a statement without a result set
            return []

    def one(self, sql: str) -> tuple[Any, ...] | None:
        rows = self.execute(sql)
        return rows[0] if rows else None

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def numpy(self, sql: str) -> dict[str, np.ndarray]:
        """Columns of a result as numpy arrays (nulls as NaN for floats; callers check nulls in SQL first)."""
        table = self.arrow(sql)
        out = {}
        for name in table.column_names:
            col = table.column(name)
            out[name] = col.to_numpy() if col.null_count == 0 else col.to_numpy(zero_copy_only=False)
        return out

    def scalar(self, sql: str) -> Any:
        row = self.one(sql)
        return row[0] if row else None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closed already
            self.con.close()
        self._keep.clear()


def result_prefix(prefix: str | None, side: Side, columns: tuple[str, ...]) -> str:
    """The prefix of the result columns: `prefix` when given (an error if a name is taken), else none, or
    `eval_` when the predictions already have a column of a result's name (a `correct` column, say)."""
    names = set(side.names())
    for p in ([prefix] if prefix is not None else ["", FALLBACK_PREFIX]):
        clash = [p + c for c in columns if p + c in names]
        if not clash:
            return p
    raise EvaluationError(f"the predictions already have columns {clash}, where the results go; pass prefix= "
                          "(another than the one given) to name the results apart")


def open_side(obj: Any, session: Session, role: str, table: str | None = None) -> Side:
    """Resolve a predictions or ground-truth source and register it in the session."""
    try:
        resolved = resolve(obj, table, default_table=True, cannot=f"Cannot evaluate {role} from")
    except (KeyError, FileNotFoundError) as e:
        raise EvaluationError(f"the {role} cannot be found: {e}") from None
    scan = resolved.scan
    if not isinstance(scan, ScanSource):
        raise EvaluationError(f"the {role} must be one table, not a JoinedTable; pass its tables as predictions "
                              "and gt= with key=")
    return Side(resolved, scan, session.register(scan), role)


@dataclass
class KeySpec:
    """How rows of the two tables meet: a column of each (None: the row number, for one table)."""

    pred: str | None
    gt: str | None
    names: tuple[str, ...] = field(default=())


def key_spec(key: Any, preds: Side, gt: Side | None) -> KeySpec:
    """The key columns: `key` is a column name (of both tables) or a (predictions, ground truth) pair. With one
    table a missing key column means "the row number"."""
    if isinstance(key, (tuple, list)):
        if len(key) != 2 or not all(isinstance(k, str) for k in key):
            raise EvaluationError(f"key must be a column name or a (predictions, ground truth) pair, got {key!r}")
        pk, gk = key
    elif key is None or isinstance(key, str):
        pk = gk = key
    else:
        raise EvaluationError(f"key must be a column name, got {key!r}")
    if gt is None:
        if pk is not None and pk not in preds.names():
            pk = None
        return KeySpec(pk, pk)
    if pk is None:
        raise EvaluationError("predictions and ground truth in two tables need key= (the column that names the "
                              "same example in both)")
    for side, k in ((preds, pk), (gt, gk)):
        if k not in side.names():
            raise EvaluationError(f"the {side.role} table ({side.label}) has no key column {k!r}; its columns: "
                                  f"{', '.join(side.names())}", field=k)
    return KeySpec(pk, gk)
