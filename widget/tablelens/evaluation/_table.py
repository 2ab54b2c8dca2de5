"""The evaluated table: the predictions' Arrow table with result columns and, in the image column, box fields.

Built column by column from arrays (the boxes' new fields are children of the existing list<struct> arrays, so
the stored columns are reused, not copied row by row). The result is a `tl.Table` over Arrow whose images read
their files from the predictions' artifact, so `tl.query`, the Explorer and `to_pandas()` see ordinary cells.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._core.errors import EvaluationError
from ..codec import META_KEY, read_meta
from ..model import Table
from ._arrays import unique
from ._inputs import Side

__all__ = [
    "MediaFiles",
    "add_columns",
    "codes_to_strings",
    "lists_from_keys",
    "lists_of",
    "nullable_floats",
    "nullable_ints",
    "read_side",
    "row_keys",
    "row_lists",
    "schema_of",
    "set_layer",
    "to_table",
]


class MediaFiles:
    """The media source (codec.MediaSource) of an evaluated table: the predictions' files, where they are."""

    def __init__(self, side: Side) -> None:
        self._resolve = side.scan.resolve_media
        self._origin = side.resolved.artifact.qualified_name if side.resolved.name else None
        self.keep = side.resolved  # the predictions' scratch files live as long as this table

    def local_path(self, logical_path: str) -> str:
        if self._resolve is None:
            raise EvaluationError(f"the predictions' media file {logical_path!r} cannot be found")
        return self._resolve(logical_path)

    def lazy_file(self, logical_path: str) -> tuple[str, Callable[[], bytes]]:
        """The file and its bytes; the engine's resolver checks a file against its digest when it finds it (once
        per file and process: the digest memo), so the bytes are read as they are."""
        local = self.local_path(logical_path)
        return local, lambda: Path(local).read_bytes()

    def origin(self) -> str | None:
        return self._origin


def read_side(side: Side) -> pa.Table:
    """A side's whole table as Arrow (with its `tablelens` metadata)."""
    scan = side.scan
    if scan.arrow is not None:
        return scan.arrow
    import pyarrow.parquet as pq

    return pq.read_table(scan.parquet)  # type: ignore[arg-type]


def schema_of(side: Side) -> pa.Schema:
    """A side's Arrow schema, without reading its rows."""
    scan = side.scan
    if scan.arrow is not None:
        return scan.arrow.schema
    import pyarrow.parquet as pq

    return pq.read_schema(scan.parquet)  # type: ignore[arg-type]


def _struct_with(arr: pa.StructArray, name: str, child: pa.Array) -> pa.StructArray:
    """`arr` with field `name` replaced (or appended) by `child`; the struct's nulls are kept."""
    fields = list(arr.type)
    children = [arr.field(i) for i in range(arr.type.num_fields)]
    names = [f.name for f in fields]
    if name in names:
        j = names.index(name)
        children[j] = child
        fields[j] = pa.field(name, child.type)
    else:
        children.append(child)
        fields.append(pa.field(name, child.type))
    mask = arr.is_null() if arr.null_count else None
    return pa.StructArray.from_arrays(children, fields=fields, mask=mask)


def _combined(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col


def lists_of(arrow: pa.Table, column: str, layer: str) -> pa.ListArray:
    """The list<box> array of `column.boxes.layer` (normalised: no slicing offsets)."""
    image = _combined(arrow.column(column))
    boxes = image.field("boxes")
    lst = boxes.field(layer)
    if lst.offset or lst.offsets[0].as_py() != 0:
        lst = pa.concat_arrays([lst])  # a copy starting at 0
    return lst


def set_layer(arrow: pa.Table, column: str, layer: str, lists: pa.ListArray, fields: dict[str, pa.Array]
              ) -> pa.Table:
    """Put `lists` (one list of boxes per row) as `column.boxes.layer`, each box with `fields` added (arrays
    over the flattened boxes, in row and box order)."""
    values = lists.flatten()
    if not isinstance(values, pa.StructArray):
        raise EvaluationError(f"{column}.boxes.{layer} does not hold boxes")
    for name, arr in fields.items():
        if len(arr) != len(values):
            raise ValueError(f"{name}: {len(arr)} values for {len(values)} boxes")
        values = _struct_with(values, name, arr)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32 if len(values) < 2**31 else np.int64))
    cls = pa.ListArray if offsets.type == pa.int32() else pa.LargeListArray
    new_list = cls.from_arrays(offsets, values, mask=lists.is_null() if lists.null_count else None)
    j = arrow.schema.get_field_index(column)
    image = _combined(arrow.column(column))
    boxes = image.field("boxes") if image.type.get_field_index("boxes") >= 0 else None
    if boxes is None:
        boxes = pa.StructArray.from_arrays([new_list], names=[layer])
    else:
        boxes = _struct_with(boxes, layer, new_list)
    image = _struct_with(image, "boxes", boxes)
    meta = read_meta(arrow.schema)
    for c in meta["columns"]:
        if c.get("name") == column:
            layers = c.setdefault("layers", {})
            box_layers = layers.setdefault("boxes", [])
            if layer not in box_layers:
                box_layers.append(layer)
            layers.setdefault("masks", [])
    out = arrow.set_column(j, pa.field(column, image.type), image)
    return out.replace_schema_metadata({**(arrow.schema.metadata or {}), META_KEY: json.dumps(meta).encode()})


def add_columns(arrow: pa.Table, columns: dict[str, tuple[pa.Array, str]]) -> pa.Table:
    """Append (or replace) columns `name -> (array, kind)` and record their kinds in the metadata."""
    meta = read_meta(arrow.schema)
    entries = [c for c in meta["columns"] if c.get("name") not in columns]
    out = arrow
    for name, (arr, kind) in columns.items():
        j = out.schema.get_field_index(name)
        out = out.set_column(j, name, arr) if j >= 0 else out.append_column(name, arr)
        entries.append({"name": name, "kind": kind})
    order = {n: i for i, n in enumerate(out.column_names)}
    meta["columns"] = sorted(entries, key=lambda c: order.get(c.get("name"), len(order)))
    return out.replace_schema_metadata({**(out.schema.metadata or {}), META_KEY: json.dumps(meta).encode()})


def codes_to_strings(codes: np.ndarray, values: list[str | None]) -> pa.Array:
    """A string array from small integer codes (value `None` gives nulls)."""
    return pc.take(pa.array(values, pa.string()), pa.array(codes.astype(np.int32, copy=False)))


def to_table(arrow: pa.Table, media: MediaFiles) -> Table:
    """The evaluated table as a `tl.Table` whose images read the predictions' files."""
    return Table.from_arrow(arrow, media=media)


def row_keys(rows: np.ndarray, values: np.ndarray, n_values: int) -> np.ndarray:
    """The distinct (row, value) pairs as sorted keys `row * n_values + value` (for `lists_from_keys`)."""
    if not len(rows):
        return np.zeros(0, np.int64)
    key = rows.astype(np.int64) * n_values + values.astype(np.int64)
    if key.max() < 2**31:  # 32-bit keys sort faster
        key = key.astype(np.int32)
    return unique(key).astype(np.int64)


def lists_from_keys(keys: np.ndarray, n_values: int, n_rows: int, names: list[str]) -> pa.Array:
    """A list<string> column: per row the names of its values, from sorted keys `row * n_values + value`."""
    rows, values = keys // n_values, keys % n_values
    counts = np.bincount(rows, minlength=n_rows) if len(rows) else np.zeros(n_rows, np.int64)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, codes_to_strings(values, list(names)))


def row_lists(rows: np.ndarray, values: np.ndarray, n_rows: int, names: list[str]) -> pa.Array:
    """Per row the sorted distinct names of `values` (codes into `names`) found for it: a list<string> column."""
    return lists_from_keys(row_keys(rows, values, len(names) + 1), len(names) + 1, n_rows, names)


def nullable_ints(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=~valid)


def nullable_floats(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.float64), mask=np.isnan(values))

