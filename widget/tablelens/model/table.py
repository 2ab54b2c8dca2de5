"""`Table`: rows of cells with named columns, as in `wandb.Table`, without a row limit.

A table holds its data in one of two forms and converts lazily between them: Python rows (what `add_data`
builds) or an Arrow table (what a DataFrame, an Arrow table or a stored Parquet file gives). Large tables stay in
Arrow form end to end, so logging and reading a million rows never builds a million Python lists.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..codec import (
    MEDIA_KINDS,
    META_KEY,
    MediaSink,
    MediaSource,
    check_cell,
    column_to_pandas,
    decode_column,
    encode_columns,
    encode_dataframe,
    encode_values,
    open_parquet,
    read_meta,
    read_parts,
    table_to_pandas,
)
from ..media import is_media
from . import display as _display
from .converters import converter

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    import pandas as pd

__all__ = ["LOG_MODES", "StoredFile", "Table"]

#: `Table(log_mode=...)`, as in W&B: what logging the table again after it changed does (docs/storage.md)
LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")


@dataclass(frozen=True)
class StoredFile:
    """The Parquet file a table was read from, where its media files are, its logical path in the artifact
    (`source.local_path(logical_path)` gives the file again, checked against its digest), and the column files
    that replace some of its columns in an edited version ((column name, Parquet file) pairs; codec/overrides.py).

    A table that grew by appending is several Parquet `parts` (`parquet_path` is the first), with their row
    counts and the table's schema from its parts descriptor, and `logical_parts` naming them in the artifact.
    `filesystem` reads the paths when they are not local files (a store on object storage, read in place).
    """

    parquet_path: str
    source: MediaSource
    logical_path: str | None = None
    column_files: tuple[tuple[str, str], ...] = ()
    parts: tuple[str, ...] = ()
    part_rows: tuple[int, ...] = ()
    schema: pa.Schema | None = None
    logical_parts: tuple[str, ...] = ()
    filesystem: Any = None

    @property
    def files(self) -> tuple[str, ...]:
        return self.parts or (self.parquet_path,)


class Table:
    """A table of cells: None, bool, int, float, str, list, dict, numpy values, datetime and `Image`.

    `Table(columns=[...], data=[[...], ...])`, `Table(dataframe=df)`; keyword names follow `wandb.Table`.
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Sequence[Sequence[Any]] | None = None,
        rows: Sequence[Sequence[Any]] | None = None,
        dataframe: pd.DataFrame | None = None,
        dtype: Any = None,
        optional: Any = True,
        allow_mixed_types: bool = True,
        log_mode: str | None = None,
    ) -> None:
        del dtype, optional, allow_mixed_types  # wandb options; mixed types are always allowed here
        if log_mode is not None and log_mode not in LOG_MODES:
            raise ValueError(f"log_mode {log_mode!r} is not one of {', '.join(LOG_MODES)}")
        #: IMMUTABLE (the default): changing the table after it was logged warns (the logged version keeps its
        #: rows); MUTABLE: it may change and be logged again, whole, as a new version; INCREMENTAL: logging it
        #: again appends the rows added since it was last logged to the artifact's table (docs/storage.md)
        self.log_mode: str = log_mode or "IMMUTABLE"
        self._logged: tuple[str, str, str] | None = None  # (store, artifact, table) it was last logged to
        self._logged_rows = 0  # rows an INCREMENTAL table has logged
        self._warned = False
        self._rows: list[list[Any]] | None = None
        self._arrow: pa.Table | None = None
        self._source: MediaSource | None = None
        self._parquet_path: str | None = None
        self._logical_path: str | None = None
        self._column_files: tuple[tuple[str, str], ...] = ()
        self._stored: StoredFile | None = None
        self._revision = 0  # bumped on every change, so forms derived from the table are known to be stale
        if data is None:
            data = rows
        if dataframe is not None:
            if data is not None:
                raise ValueError("give either data or dataframe, not both")
            _check_columns(list(dataframe.columns), "the DataFrame's column names")
            if columns is not None:
                _check_columns(columns)
                dataframe = dataframe[list(columns)]
            self._columns = [str(c) for c in dataframe.columns]
            self._arrow = encode_dataframe(dataframe, None) if not _has_object_media(dataframe) else None
            if self._arrow is None:
                self._rows = [list(r) for r in dataframe.itertuples(index=False, name=None)]
            return
        if isinstance(data, np.ndarray):
            data = data.tolist() if data.ndim == 2 else list(data)
        data = [list(r) for r in data] if data is not None else []
        if columns is None:
            width = len(data[0]) if data else 0
            columns = [f"Column_{i + 1}" for i in range(width)]
        self._columns = _check_columns(columns)
        for i, row in enumerate(data):
            if len(row) != len(self._columns):
                raise ValueError(f"row {i} has {len(row)} cells but the table has {len(self._columns)} columns")
        self._rows = data

    # -- construction ------------------------------------------------------------------------------------------
    @classmethod
    def from_pandas(cls, df: pd.DataFrame) -> Table:
        return cls(dataframe=df)

    @classmethod
    def from_arrow(cls, table: pa.Table, *, media: MediaSource | None = None) -> Table:
        """A table over an Arrow table; its cells are converted only when Python asks for them.

        Media cells name files (docs/storage.md): an Arrow table with image (or other media) columns needs `media`,
        the source those files are read from (an artifact's `media_source()`, for one).
        """
        t = cls.__new__(cls)
        cls.__init__(t, columns=[])
        meta = read_meta(table.schema)
        if media is None and any(c["kind"] in _MEDIA for c in meta["columns"]):
            raise ValueError("an Arrow table with image (or other media) columns can only be opened from its artifact "
                             "(or with media=, where its files are)")
        t._columns = list(table.column_names)
        t._rows = None
        t._source = media
        t._arrow = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: _dumps(meta)})
        return t

    @property
    def arrow_media(self) -> tuple[pa.Table, MediaSource] | None:
        """(Arrow table, media source) of a table made by `from_arrow(..., media=...)` and not changed since:
        the engine scans it as it is (None for every other table)."""
        if self._rows is None and self._arrow is not None and self._parquet_path is None and self._source is not None:
            return self._arrow, self._source
        return None

    @classmethod
    def _from_stored(cls, parquet_path: str, source: MediaSource, logical_path: str | None = None,
                     column_files: tuple[tuple[str, str], ...] = (), stored: StoredFile | None = None) -> Table:
        """A table backed by stored Parquet files (already checked against their digests) and the column files of
        an edited version (`stored` for a table of several parts, or read in place); rows are read when first
        asked for."""
        stored = stored or StoredFile(parquet_path, source, logical_path, tuple(column_files))
        schema = stored.schema
        if schema is None:
            with open_parquet(stored.files[-1], stored.filesystem) as pf:
                schema = pf.schema_arrow
        read_meta(schema, stored.logical_path or stored.parquet_path)  # an unknown format fails here, not later
        t = cls.__new__(cls)
        cls.__init__(t, columns=[])
        t._columns = list(schema.names)
        t._rows = None
        t._parquet_path = stored.parquet_path
        t._logical_path = stored.logical_path
        t._column_files = tuple(stored.column_files)
        t._source = source
        t._stored = stored
        return t

    # -- other tools' dataset formats: readers and writers in tablelens.interop, what maps to what in docs/formats.md
    @classmethod
    def from_coco(cls, annotations: str | os.PathLike[str] | Mapping[str, Any],
                  images_dir: str | os.PathLike[str] | None = None, *, results: Any = None,
                  layer: str = "ground_truth", results_layer: str = "predictions", masks: bool = True) -> Table:
        """A COCO detection / instance segmentation dataset, one row per image (`tablelens.interop.coco.read_coco`):
        `image_id`, `file_name`, `width`, `height`, `image` (boxes, masks, categories as Classes) and
        `annotations` (id, exact bbox, area, iscrowd, segmentation per box); `results` adds detections."""
        return converter("coco").read(annotations, images_dir, results=results, layer=layer,
                                      results_layer=results_layer, masks=masks)

    def to_coco(self, path: str | os.PathLike[str] | None = None, *, layer: str | None = None,
                score: str | None = None, image: str | None = None, **options: Any) -> Any:
        """COCO ground truth (`{"images", "annotations", "categories"}`) from the boxes of `layer` (default
        "ground_truth"); with `score` (the key of the boxes' `scores` holding the confidence), the detection
        results list `[{image_id, category_id, bbox, score}]` from `layer` (default "predictions") instead.
        Written to `path` when given, and returned (`tablelens.interop.coco.write_coco`, `write_coco_results`)."""
        if score is None:
            return converter("coco").write(self, path, layer=layer or "ground_truth", image=image, **options)
        return converter("coco-results").write(self, path, layer=layer or "predictions", score=score, image=image,
                                               **options)

    @classmethod
    def from_yolo(cls, path: str | os.PathLike[str], *, splits: Sequence[str] | None = None,
                  names: Sequence[str] | Mapping[int, str] | None = None, layer: str = "ground_truth") -> Table:
        """An Ultralytics YOLO dataset (its folder or its data.yaml), one row per image and split
        (`tablelens.interop.yolo.read_yolo`): `split`, `file_name`, `image` (relative boxes; segments as masks)."""
        return converter("yolo").read(path, splits=splits, names=names, layer=layer)

    def to_yolo(self, folder: str | os.PathLike[str], *, layer: str = "ground_truth", image: str | None = None,
                split: str = "split") -> str:
        """Write an Ultralytics YOLO dataset (images, labels, data.yaml) to `folder`; returns the data.yaml path."""
        return converter("yolo").write(self, folder, layer=layer, image=image, split=split)

    @classmethod
    def from_voc(cls, path: str | os.PathLike[str], *, image_set: str | None = None,
                 classes: Sequence[str] | None = None, layer: str = "ground_truth") -> Table:
        """A Pascal VOC dataset (Annotations/*.xml, JPEGImages/), one row per annotation file
        (`tablelens.interop.voc.read_voc`): `image_id`, `file_name`, `image` (pixel boxes) and `objects`."""
        return converter("voc").read(path, image_set=image_set, classes=classes, layer=layer)

    def to_voc(self, folder: str | os.PathLike[str], *, layer: str = "ground_truth",
               image: str | None = None) -> str:
        """Write a Pascal VOC dataset (Annotations/*.xml, JPEGImages/) to `folder`; returns the folder."""
        return converter("voc").write(self, folder, layer=layer, image=image)

    @classmethod
    def from_image_folder(cls, root: str | os.PathLike[str], *, extensions: Sequence[str] | None = None) -> Table:
        """A folder of class sub-folders (torchvision's ImageFolder layout), one row per image
        (`tablelens.interop.image_folder.read_image_folder`): `file_name`, `image`, `label`, `class_name`."""
        return converter("image_folder").read(root, extensions=extensions)

    def to_image_folder(self, root: str | os.PathLike[str], *, label: str = "class_name",
                        image: str | None = None) -> str:
        """Write the images into one sub-folder per value of the `label` column (ImageFolder's layout)."""
        return converter("image_folder").write(self, root, label=label, image=image)

    @classmethod
    def from_huggingface(cls, dataset: Any, *, split: str | None = None) -> Table:
        """A `datasets.Dataset` (or DatasetDict) already loaded: Image features become image cells, ClassLabel
        features their class names, Sequence features lists (`tablelens.interop.huggingface.read_huggingface`)."""
        return converter("huggingface").read(dataset, split=split)

    # -- the wandb.Table API -------------------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    @property
    def data(self) -> list[list[Any]]:
        """Rows as lists of cells (a copy: change the table with add_data / add_column)."""
        return [list(r) for r in self._materialize()]

    def add_data(self, *cells: Any) -> None:
        if len(cells) != len(self._columns):
            raise ValueError(f"add_data got {len(cells)} cells but the table has {len(self._columns)} columns "
                             f"({', '.join(self._columns)})")
        row_index = len(self)
        for name, cell in zip(self._columns, cells):
            check_cell(name, row_index, cell)
        rows = self._materialize()
        rows.append(list(cells))
        self._touch()

    def add_column(self, name: str, data: Sequence[Any], optional: bool = False) -> None:
        del optional
        if self.log_mode == "INCREMENTAL":
            raise ValueError("add_column is not supported for tables with log_mode='INCREMENTAL' (appended rows "
                             "keep the table's columns); use log_mode='MUTABLE' or 'IMMUTABLE'")
        if name in self._columns:
            raise ValueError(f"the table already has a column named {name!r}")
        values = list(data)
        if self._columns and len(values) != len(self):
            raise ValueError(f"column {name!r} has {len(values)} values but the table has {len(self)} rows")
        if self._arrow is not None and self._rows is None and self._parquet_path is None:
            enc = encode_values(name, values, None) if not any(is_media(v) for v in values) else None
            if enc is not None:
                meta = read_meta(self._arrow.schema)
                meta["columns"].append({"name": name, **enc.meta})
                self._arrow = self._arrow.append_column(name, enc.array).replace_schema_metadata(
                    {META_KEY: _dumps(meta)})
                self._columns.append(name)
                self._touch()
                return
        rows = self._materialize()
        if not self._columns and not rows:
            rows.extend([] for _ in values)
        for r, v in zip(rows, values):
            r.append(v)
        self._columns.append(name)
        self._touch()

    def get_column(self, name: str, convert_to: str | None = None) -> list[Any] | np.ndarray:
        if name not in self._columns:
            raise KeyError(f"no column {name!r}; the columns are {self._columns}")
        j = self._columns.index(name)
        if self._rows is not None:
            values = [r[j] for r in self._rows]
        else:
            arrow, meta = self._arrow_and_meta()
            values = decode_column(arrow.column(j), meta["columns"][j], self._source)
        if convert_to == "numpy":
            return np.array(values)
        return values

    def get_index(self) -> list[int]:
        return list(range(len(self)))

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """(index, row) pairs, as `wandb.Table.iterrows`."""
        for i, row in enumerate(self._materialize()):
            yield i, list(row)

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        if self._arrow is not None:
            return self._arrow.num_rows
        stored = self._stored
        if stored is not None and stored.part_rows:
            return sum(stored.part_rows)
        with open_parquet(self._parquet_path, stored.filesystem if stored else None) as pf:  # type: ignore[arg-type]
            return pf.metadata.num_rows

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame of the cells as logged: media cells are `Image` objects, null stays apart from NaN."""
        import pandas as pd

        if self._rows is not None:
            series = {}
            for j, c in enumerate(self._columns):
                values = [r[j] for r in self._rows]
                if any(is_media(v) for v in values):
                    series[c] = pd.Series(values, dtype=object)
                else:  # the same conversion as a stored column's, so both read the same
                    enc = encode_values(c, values, None)
                    series[c] = column_to_pandas(enc.array, enc.meta)
            return pd.DataFrame(series, columns=self._columns, index=range(len(self._rows)))
        arrow, meta = self._arrow_and_meta()
        return table_to_pandas(arrow, {c["name"]: c for c in meta["columns"]}, self._source)

    def to_arrow(self) -> pa.Table:
        """The table as Arrow with the `tablelens` metadata (docs/storage.md); needs no media stored yet.

        Image cells become structs only once the table is added to an artifact: before that, a table with
        images raises TypeError here.
        """
        if self._rows is None:
            return self._arrow_and_meta()[0]
        return encode_columns(self._columns, self._rows, None)

    # -- equality ----------------------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        if self._columns != other._columns or len(self) != len(other):
            return False
        if self._rows is None and other._rows is None:
            a, am = self._arrow_and_meta()
            b, bm = other._arrow_and_meta()
            if _kinds(am) == _kinds(bm) and not any(k in _MEDIA or k in ("ndarray", "mixed") for k in _kinds(am)):
                return all(_arrow_column_equal(a.column(j), b.column(j)) for j in range(a.num_columns))
        return all(
            _cells_equal(x, y) for ra, rb in zip(self._materialize(), other._materialize()) for x, y in zip(ra, rb)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Table({len(self)} rows x {len(self._columns)} columns: {', '.join(self._columns[:8])}" + (
            ", ...)" if len(self._columns) > 8 else ")")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The last expression of a cell shows an Explorer."""
        return _display.mimebundle(self, repr(self), **kwargs)

    # -- storage -----------------------------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        """A counter bumped by every change: anything derived from the table at one revision stays valid."""
        return self._revision

    @property
    def stored_file(self) -> StoredFile | None:
        """The stored Parquet file(s) this table reads from (None once changed, or when never stored)."""
        if self._parquet_path is not None and self._source is not None:
            return self._stored or StoredFile(self._parquet_path, self._source, self._logical_path,
                                              self._column_files)
        return None

    # -- log modes (W&B's) ---------------------------------------------------------------------------------------
    def _rows_to_log(self, target: tuple[str, str, str]) -> Table:
        """What logging the table into `target` (store, artifact, table) stores: for an INCREMENTAL table, the
        rows added since it was last logged there (ValueError when it was logged to another table)."""
        if self.log_mode != "INCREMENTAL":
            return self
        if self._logged is not None and self._logged[1:] != target[1:]:  # the store may be named otherwise
            raise ValueError(f"an INCREMENTAL table appends to one table: this one was logged to table "
                             f"{self._logged[2]!r} of artifact {self._logged[1]!r}; make a new Table for "
                             f"{target[2]!r} of {target[1]!r}")
        k = self._logged_rows if self._logged is not None else 0
        if k == 0:
            return self
        rows = self._materialize()[k:]
        return Table(columns=self._columns, data=[list(r) for r in rows])

    def _was_logged(self, target: tuple[str, str, str], rows: int) -> None:
        """Called when a version holding the table (its first `rows` rows) is logged."""
        self._logged = target
        self._logged_rows = rows
        self._warned = False

    def has_media(self) -> bool:
        """True when a column holds images (their files must be stored before the table can be scanned)."""
        if self._rows is not None:
            return any(is_media(v) for r in self._rows for v in r)
        return any(c["kind"] in _MEDIA for c in self._arrow_and_meta()[1]["columns"])

    def encode(self, sink: MediaSink | None) -> pa.Table:
        """The Arrow form to store, with media files written to `sink` (an artifact's staging)."""
        if self._rows is not None:
            return encode_columns(self._columns, self._rows, sink)
        arrow, meta = self._arrow_and_meta()
        if any(c["kind"] in _MEDIA for c in meta["columns"]):  # media are added to the sink (or referenced)
            return encode_columns(self._columns, self._materialize(), sink)
        return arrow

    def _arrow_and_meta(self) -> tuple[pa.Table, dict[str, Any]]:
        if self._arrow is None:
            if self._parquet_path is not None:
                stored = self.stored_file
                assert stored is not None
                self._arrow, _ = read_parts(stored.files, self._column_files, stored.filesystem, stored.schema,
                                            stored.logical_path or self._parquet_path)
            else:
                self._arrow = encode_columns(self._columns, self._rows or [], None)
        return self._arrow, read_meta(self._arrow.schema)

    def _materialize(self) -> list[list[Any]]:
        if self._rows is None:
            arrow, meta = self._arrow_and_meta()
            cols = [decode_column(arrow.column(j), meta["columns"][j], self._source) for j in range(arrow.num_columns)]
            self._rows = [list(r) for r in zip(*cols)] if cols else [[] for _ in range(arrow.num_rows)]
            self._arrow = None
            self._parquet_path = None
            self._column_files = ()
            self._stored = None
        return self._rows

    def _touch(self) -> None:
        if self.log_mode == "IMMUTABLE" and self._logged is not None and not self._warned:
            self._warned = True
            warnings.warn(f"this Table (log_mode='IMMUTABLE') was logged to {self._logged[1]!r} already: the "
                          "logged version keeps the rows it had, and logging the table again stores it whole as a "
                          "new version. Say log_mode='MUTABLE' to mean that, or 'INCREMENTAL' to append only the "
                          "new rows", UserWarning, stacklevel=3)
        self._revision += 1
        self._arrow = None if self._rows is not None else self._arrow


_MEDIA = frozenset({"image", *MEDIA_KINDS})


def _check_columns(columns: Sequence[Any], what: str = "column names") -> list[str]:
    if isinstance(columns, str):
        raise TypeError("columns must be a list of names, not a single string")
    names = [str(c) for c in columns]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{what} must be unique; {dup!r} appears more than once: rename the duplicates "
                         "(for a DataFrame: df.columns = [...])")
    return names


def _has_object_media(df: pd.DataFrame) -> bool:
    for c in df.columns:
        s = df[c]
        if s.dtype == object and any(is_media(v) for v in s.head(1000)):
            return True
    return False


def _dumps(meta: dict[str, Any]) -> bytes:
    import json

    return json.dumps(meta).encode()


def _kinds(meta: dict[str, Any]) -> list[str]:
    return [c["kind"] for c in meta["columns"]]


def _arrow_column_equal(a: pa.ChunkedArray, b: pa.ChunkedArray) -> bool:
    if a.equals(b):
        return True
    if a.type != b.type or not pa.types.is_floating(a.type):
        return a.to_pylist() == b.to_pylist() if a.type != b.type else False
    import pyarrow.compute as pc

    both_nan = pc.and_(pc.is_nan(a), pc.is_nan(b))
    same = pc.or_kleene(pc.equal(a, b), both_nan)
    nulls_match = pc.equal(pc.is_null(a), pc.is_null(b))
    same = pc.if_else(pc.is_null(same), nulls_match, same)
    return bool(pc.all(same).as_py())


def _cells_equal(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.shape == y.shape
                and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_cells_equal(a, b) for a, b in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_cells_equal(x[k], y[k]) for k in x)
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(y, np.generic):
        y = y.item()
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return bool(x == y)
