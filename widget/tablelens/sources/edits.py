"""Cell edits of a stored table, validated by the column's kind and committed as a new artifact version.

A logged version never changes: `Edits.commit()` logs a new version whose table is the old Parquet file (the same
object) plus one new Parquet file per edited column (codec/overrides.py, docs/storage.md "Edited tables"), so
committing 10,000 edits rewrites only the edited columns, a row group at a time. Lineage: the commit's run used
the edited version and produced the new one, and the new manifest's metadata says which cells changed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .._core.errors import TablelensError
from .._core.hashing import sha256_file
from ..artifacts import Artifact
from ..codec import columns_descriptor, encode_variant, json_dumps, write_patched_column
from ..query import ScanSource
from ._lineage import log_derived
from .resolve import ResolvedSource

__all__ = ["EDITABLE_KINDS", "EditError", "Edits"]

#: column kinds whose cells can be edited (images, arrays and all-null columns cannot)
EDITABLE_KINDS = ("str", "int", "float", "bool", "datetime", "list", "dict", "json", "mixed")
_INT = re.compile(r"^[+-]?\d+$")
_INT64 = (-(2**63), 2**63 - 1)


class EditError(TablelensError, ValueError):
    """An edit that cannot be made: the message names the row, the column and what the column takes."""


class Edits:
    """Pending cell edits of the table shown: `edits.set(row, column, value)`, `undo()`, `discard()`, `commit()`.

    `row` is the row's `_key` (its position in the table). Values are checked against the column's kind when
    set — a str column takes text, an int column an integer, a list column a list its Arrow type holds — and
    edits stay pending (nothing is written) until `commit()` logs them as a new version.
    """

    def __init__(self, source: ResolvedSource) -> None:
        self._source = source
        self._pending: dict[tuple[int, str], Any] = {}
        self._undo: list[tuple[tuple[int, str], bool, Any]] = []
        self._schema: pa.Schema | None = None

    # -- what can be edited --------------------------------------------------------------------------------------
    @property
    def reason(self) -> str | None:
        """Why this table cannot be edited (None when it can)."""
        src = self._source
        if not isinstance(src.scan, ScanSource):
            return "a JoinedTable is not edited as such: open one of its tables"
        if src.scan.parquet is None or src.artifact is None or src.artifact.version is None or src.table is None:
            return ("edits are committed as a new version of an artifact: log the table first, then open it by "
                    "name (tl.Explorer('name:latest'))")
        return None

    def editable_columns(self) -> list[str]:
        scan = self._source.scan
        if self.reason is not None or not isinstance(scan, ScanSource):
            return []
        return [c.name for c in scan.columns if c.kind in EDITABLE_KINDS]

    def _field(self, column: str) -> tuple[str, pa.Field]:
        scan = self._source.scan
        assert isinstance(scan, ScanSource) and scan.parquet is not None
        info = scan.column(column)
        if info is None:
            raise EditError(f"the table has no column {column!r}; its columns: {', '.join(scan.names())}")
        if info.kind not in EDITABLE_KINDS:
            what = {"image": "image", "ndarray": "array", "null": "all-null"}.get(info.kind, info.kind)
            raise EditError(f"column {column!r} holds {what} cells, which cannot be edited here")
        if self._schema is None:
            self._schema = pq.read_schema(scan.parquet)
        return info.kind, self._schema.field(column)

    # -- pending edits -------------------------------------------------------------------------------------------
    def set(self, row: int, column: str, value: Any, *, from_text: bool = False) -> Any:
        """Edit one cell; returns the value as it will be stored. `from_text` reads `value` as typed text (the
        widget's editor): "12" for an int column, "true" for a bool one, JSON for lists and dicts."""
        reason = self.reason
        if reason is not None:
            raise EditError(f"This table cannot be edited: {reason}")
        scan = self._source.scan
        assert isinstance(scan, ScanSource)
        if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= int(row) < (scan.num_rows or 0):
            raise EditError(f"row {row!r} is not a row of the table: rows are 0..{(scan.num_rows or 0) - 1} "
                            "(the `_key` of the row)")
        kind, field = self._field(column)
        stored = _coerce(value, kind, field, column, int(row), from_text)
        key = (int(row), column)
        self._undo.append((key, key in self._pending, self._pending.get(key)))
        self._pending[key] = stored
        return stored

    def __setitem__(self, key: tuple[int, str], value: Any) -> None:
        row, column = key
        self.set(row, column, value)

    def __getitem__(self, key: tuple[int, str]) -> Any:
        return self._pending[key]

    def __contains__(self, key: object) -> bool:
        return key in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[tuple[int, str, Any]]:
        return ((r, c, v) for (r, c), v in self._pending.items())

    def __repr__(self) -> str:
        return f"<Edits: {len(self)} pending cell(s) of {self._source.label}>"

    def cells(self, rows: set[int] | None = None) -> dict[int, dict[str, Any]]:
        """Pending values by row (only rows in `rows` when given): {row: {column: value}}."""
        out: dict[int, dict[str, Any]] = {}
        for (r, c), v in list(self._pending.items()):  # a copy: the widget edits on another thread
            if rows is None or r in rows:
                out.setdefault(r, {})[c] = v
        return out

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame([{"row": r, "column": c, "value": v} for r, c, v in self],
                            columns=["row", "column", "value"])

    def undo(self) -> tuple[int, str] | None:
        """Take back the last edit; returns the (row, column) it was on, or None when there is nothing to undo."""
        if not self._undo:
            return None
        key, had, old = self._undo.pop()
        if had:
            self._pending[key] = old
        else:
            self._pending.pop(key, None)
        return key

    def discard(self) -> int:
        """Drop every pending edit; returns how many there were."""
        n = len(self._pending)
        self._pending.clear()
        self._undo.clear()
        return n

    # -- commit --------------------------------------------------------------------------------------------------
    def commit(self, description: str | None = None, aliases: tuple[str, ...] | list[str] = ()) -> Artifact:
        """Log the pending edits as a new version of the artifact (the old version stays as it was); returns it.

        Only the edited columns are written, each as a whole new column file; the table's Parquet file and every
        other file of the version are kept as they are (the same objects)."""
        reason = self.reason
        if reason is not None:
            raise EditError(f"This table cannot be edited: {reason}")
        if not self._pending:
            raise EditError("there are no pending edits to commit")
        src, art, table = self._source, self._source.artifact, self._source.table
        assert art is not None and table is not None and art.store is not None and isinstance(src.scan, ScanSource)
        store = art.store
        old_columns = art.table_columns(table)
        by_column: dict[str, dict[int, Any]] = {}
        for (r, c), v in self._pending.items():
            by_column.setdefault(c, {})[r] = v
        new = Artifact(art.name, art.type, description if description is not None else art.description,
                       {**art.metadata, "tablelens": {**(art.metadata.get("tablelens") or {}), "edit": {
                           "of": art.qualified_name, "table": table, "cells": len(self._pending),
                           "columns": sorted(by_column)}}})
        staging = new.staging
        columns = dict(old_columns)
        local = dict(src.scan.column_files)
        base = art.get_path(f"{table}.table.parquet").local_path
        for column, edits in sorted(by_column.items()):
            rows = np.array(sorted(edits), dtype=np.int64)
            kind, field = self._field(column)
            values = _arrow_values([edits[r] for r in rows.tolist()], kind, field, column)
            tmp = os.path.join(store.tmp_dir, f"column-{uuid.uuid4().hex}.parquet")
            try:
                write_patched_column(local.get(column, base), column, rows, values, tmp)
                digest = sha256_file(tmp)
                store.put_object(tmp, digest, move=True)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
            path = f"{table}.table.columns/{digest[:20]}.parquet"
            obj = store.object_path(digest)
            staging.add_local_file(path, obj, digest)
            columns[column] = path
        superseded = {f"{table}.table.columns.json", *old_columns.values()}
        for path in art.files():
            if path not in superseded:
                e = art.get_path(path)
                staging.add_reference(path, e.digest, e.size, e.local_path, e.ref)
        for path in set(columns.values()) & set(old_columns.values()):
            e = art.get_path(path)
            staging.add_reference(path, e.digest, e.size, e.local_path, e.ref)
        staging.add_bytes(f"{table}.table.columns.json", columns_descriptor(columns, src.scan.num_rows or 0))
        logged = log_derived(store, new, art, "edit", {"edit_of": art.qualified_name, "table": table},
                             tuple(aliases))
        self.discard()
        return logged


# ------------------------------------------------------------------------------------------------ values
def _fail(column: str, row: int, value: Any, takes: str) -> EditError:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return EditError(f"column {column!r}, row {row}: {shown} is not {takes}")


def _coerce(value: Any, kind: str, field: pa.Field, column: str, row: int, from_text: bool) -> Any:
    """`value` as the column stores it (a Python value its Arrow type takes), or EditError saying what it takes."""
    if isinstance(value, np.generic):
        value = value.item()
    text = value if from_text and isinstance(value, str) else None
    if text is not None and kind != "str" and text.strip() == "":
        return None  # an emptied editor clears a non-text cell
    if value is None:
        return None
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(column, row, value, "text (this column holds strings)")
        return value
    if kind == "int":
        if text is not None and _INT.match(text.strip()):
            value = int(text.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(column, row, value, "an integer (this column holds integers)")
        if not _INT64[0] <= value <= _INT64[1]:
            raise _fail(column, row, value, "a 64-bit integer")
        return value
    if kind == "float":
        if text is not None:
            try:
                value = float(text.strip())
            except ValueError:
                raise _fail(column, row, text, "a number (this column holds floats)") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(column, row, value, "a number (this column holds floats)")
        return float(value)
    if kind == "bool":
        if text is not None and text.strip().lower() in ("true", "false"):
            value = text.strip().lower() == "true"
        if not isinstance(value, bool):
            raise _fail(column, row, value, "true or false (this column holds booleans)")
        return value
    if kind == "datetime":
        if text is not None:
            try:
                value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                raise _fail(column, row, text, "a date/time such as 2024-01-02T03:04:05") from None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        if not isinstance(value, dt.datetime):
            raise _fail(column, row, value, "a date/time")
        return value
    if kind in ("json", "mixed") and text is not None:
        try:
            value = json.loads(text)
        except ValueError:
            value = text  # not JSON: the text itself
    if kind in ("list", "dict") and text is not None:
        try:
            value = json.loads(text)
        except ValueError:
            raise _fail(column, row, text, f"JSON for a {kind} of type {field.type}") from None
    if isinstance(value, float) and not math.isfinite(value) and kind == "json":
        raise _fail(column, row, value, "a JSON value")
    try:  # the column's own Arrow type is the judge of nested values
        _arrow_values([value], kind, field, column)
    except (TypeError, ValueError, pa.ArrowInvalid) as e:
        raise EditError(f"column {column!r}, row {row}: cannot store {value!r} in a column of type "
                        f"{field.type}: {e}") from None
    return value


def _arrow_values(values: list[Any], kind: str, field: pa.Field, column: str) -> pa.Array:
    """Stored Python values -> an Arrow array of the column's type (variants and JSON encoded by the codec)."""
    if kind == "mixed":
        return encode_variant(column, values)
    if kind == "json":
        return pa.array([None if v is None else json_dumps(v) for v in values], field.type)
    return pa.array(values, field.type)
