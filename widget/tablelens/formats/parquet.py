"""Tables as Parquet: Python cells <-> Arrow columns, following `docs/storage.md`.

Every column gets a `kind` recorded in the schema metadata (key `tablelens`), so the query engine knows image
columns, ndarray dtypes and variant columns without reading a single row into Python.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CorruptFileError
from ..media.classes import Classes
from ..media.image import Image, Mask, Pixels

__all__ = [
    "META_KEY",
    "VARIANT_FIELDS",
    "MediaSink",
    "MediaSource",
    "check_cell",
    "decode_column",
    "encode_columns",
    "encode_dataframe",
    "kind_of_arrow_type",
    "read_meta",
    "read_parquet",
    "write_parquet",
]

META_KEY = b"tablelens"
FORMAT_VERSION = 1
_PROGRESS_DELAY_S = 2.0  # a progress bar appears only on work that lasts longer than this


class MediaSink(Protocol):
    """Where media files go while a table is encoded (an artifact being built)."""

    def add_image_pixels(self, pixels: Pixels) -> str: ...
    def add_mask(self, mask: Mask) -> str: ...
    def add_classes(self, classes: Classes) -> str: ...


class MediaSource(Protocol):
    """Where media files come from while a table is decoded (a stored or staged artifact)."""

    def local_path(self, logical_path: str) -> str: ...
    def origin(self) -> str | None: ...


# ---------------------------------------------------------------------------------------------------------
# Kinds
# ---------------------------------------------------------------------------------------------------------

def _cell_kind(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, (dt.datetime, np.datetime64)):
        return "datetime"
    if isinstance(v, dt.date):
        return "datetime"
    if isinstance(v, Image):
        return "image"
    if isinstance(v, np.ndarray):
        return "ndarray"
    if isinstance(v, (list, tuple, dict)):
        return "nested"
    return "?"


def check_cell(column: str, row: int, v: Any) -> None:
    """Raise TypeError naming the column and row when a cell cannot be stored."""
    kind = _cell_kind(v)
    if kind == "?":
        raise TypeError(
            f"column {column!r}, row {row}: cells of type {type(v).__name__} are not supported; use None, bool, "
            "int, float, str, list, dict, datetime, a numpy array or tl.Image"
        )
    if kind == "nested":
        try:
            _plain_nested(v)
        except TypeError as e:
            raise TypeError(f"column {column!r}, row {row}: {e}") from None


def _to_datetime(v: Any) -> dt.datetime:
    if isinstance(v, np.datetime64):
        import pandas as pd

        return pd.Timestamp(v).to_pydatetime()
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime(v.year, v.month, v.day)


def _plain_nested(v: Any) -> Any:
    """Nested value with numpy scalars and tuples turned into their Python equivalents."""
    if isinstance(v, dict):
        return {k: _plain_nested(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain_nested(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_plain_nested(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Image):
        raise TypeError("images inside lists or dicts are not supported; put each image in its own column")
    return v


class _JSONEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, (dt.datetime, dt.date)):
            return {"$date": o.isoformat()}
        if isinstance(o, np.generic):
            return o.item()
        return super().default(o)


def _json_dumps(v: Any) -> str:
    return json.dumps(v, cls=_JSONEncoder, allow_nan=True, separators=(",", ":"))


def _has_empty_struct(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return t.num_fields == 0 or any(_has_empty_struct(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_empty_struct(t.value_type)
    return False


# ---------------------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------------------

@dataclass
class _Encoded:
    array: pa.Array
    meta: dict[str, Any] = field(default_factory=dict)


def encode_columns(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], sink: MediaSink | None, *, workers: int | None = None
) -> pa.Table:
    """Encode row-major Python cells as an Arrow table with `tablelens` metadata; media go to `sink`."""
    arrays = []
    metas = []
    for j, name in enumerate(columns):
        values = [r[j] for r in rows]
        enc = encode_values(name, values, sink, workers=workers)
        arrays.append(enc.array)
        metas.append({"name": name, **enc.meta})
    return _with_meta(pa.Table.from_arrays(arrays, names=list(columns)), metas)


def encode_dataframe(df: Any, sink: MediaSink | None, *, workers: int | None = None) -> pa.Table:
    """Encode a pandas DataFrame; typed columns go straight to Arrow, object columns cell by cell."""
    import pandas as pd

    arrays = []
    metas = []
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique, got {names}")
    for name, col in zip(names, df.columns):
        series = df[col]
        enc = None
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            series = series.astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            enc = _Encoded(pa.array(series, type=pa.bool_(), from_pandas=True), {"kind": "bool"})
        elif pd.api.types.is_integer_dtype(dtype):
            enc = _Encoded(pa.array(series, type=pa.int64(), from_pandas=True), {"kind": "int"})
        elif pd.api.types.is_float_dtype(dtype):
            # from_pandas=False keeps NaN as NaN instead of turning it into null
            enc = _Encoded(pa.array(series.to_numpy(dtype="float64", na_value=np.nan), type=pa.float64()),
                           {"kind": "float"})
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            arr = pa.array(series, from_pandas=True)
            unit_type = pa.timestamp("us", tz=getattr(arr.type, "tz", None))
            enc = _Encoded(arr.cast(unit_type), {"kind": "datetime"})
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            enc = _Encoded(pa.array(series, type=pa.string(), from_pandas=True), {"kind": "str"})
        if enc is None:
            values = series.tolist()
            if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
                values = [None if _is_pandas_missing(v) else v for v in values]
            enc = encode_values(name, values, sink, workers=workers)
        arrays.append(enc.array)
        metas.append({"name": name, **enc.meta})
    return _with_meta(pa.Table.from_arrays(arrays, names=names), metas)


def _is_pandas_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd

        return v is pd.NA or v is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def _with_meta(table: pa.Table, metas: list[dict[str, Any]]) -> pa.Table:
    meta = {"format": FORMAT_VERSION, "columns": metas}
    return table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})


def encode_values(name: str, values: list[Any], sink: MediaSink | None, *, workers: int | None = None) -> _Encoded:
    """Encode one column's cells; the kind is inferred from the cells."""
    kinds: set[str] = set()
    for i, v in enumerate(values):
        k = _cell_kind(v)
        if k == "?":
            check_cell(name, i, v)
        if k is not None:
            kinds.add(k)
    if kinds == {"int", "float"}:
        kinds = {"float"}
    if not kinds:
        return _Encoded(pa.nulls(len(values)), {"kind": "null"})
    if len(kinds) > 1:
        if "image" in kinds:
            row = next(i for i, v in enumerate(values) if v is not None and not isinstance(v, Image))
            raise TypeError(
                f"column {name!r}, row {row}: a column of images can hold only images and None; "
                f"found {type(values[row]).__name__}"
            )
        return _encode_mixed(name, values)
    kind = kinds.pop()
    try:
        if kind == "bool":
            return _Encoded(pa.array([None if v is None else bool(v) for v in values], pa.bool_()), {"kind": "bool"})
        if kind == "int":
            return _Encoded(pa.array([None if v is None else int(v) for v in values], pa.int64()), {"kind": "int"})
        if kind == "float":
            return _Encoded(
                pa.array([None if v is None else float(v) for v in values], pa.float64()), {"kind": "float"}
            )
        if kind == "str":
            return _Encoded(pa.array(values, pa.string()), {"kind": "str"})
        if kind == "datetime":
            conv = [None if v is None else _to_datetime(v) for v in values]
            arr = pa.array(conv)
            return _Encoded(arr.cast(pa.timestamp("us", tz=arr.type.tz)), {"kind": "datetime"})
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
        raise TypeError(f"column {name!r}: cannot store its {kind} cells: {e}") from None
    if kind == "nested":
        return _encode_nested(values)
    if kind == "ndarray":
        return _encode_ndarray(name, values)
    if kind == "image":
        if sink is None:
            raise TypeError(f"column {name!r} holds images; add the table to an artifact to store them")
        return _encode_images(values, sink, workers=workers)
    raise AssertionError(kind)  # pragma: no cover


def _encode_nested(values: list[Any]) -> _Encoded:
    plain = [None if v is None else _plain_nested(v) for v in values]
    try:
        arr = pa.array(plain)
        if not _has_empty_struct(arr.type) and arr.to_pylist() == plain:
            kind = "dict" if pa.types.is_struct(arr.type) else "list"
            return _Encoded(arr, {"kind": kind})
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    # Arrow cannot type these cells exactly (keys differ, element types mix): keep them as JSON text.
    kind = "dict" if all(isinstance(v, dict) for v in plain if v is not None) else "list"
    return _Encoded(pa.array([None if v is None else _json_dumps(v) for v in plain], pa.string()),
                    {"kind": "json", "nested": kind})


def _encode_ndarray(name: str, values: list[Any]) -> _Encoded:
    arrays = [v for v in values if v is not None]
    dtype = np.result_type(*arrays) if arrays else np.dtype("float64")
    if dtype.kind not in "biufU":
        raise TypeError(f"column {name!r}: numpy arrays of dtype {dtype} are not supported; use numbers or strings")
    ndims = {a.ndim for a in arrays}
    if len(ndims) != 1 or 0 in ndims:
        raise TypeError(f"column {name!r}: numpy arrays in one column must have the same number of dimensions (>=1)")
    ndim = ndims.pop()
    if ndim == 1 and dtype.kind != "U":
        # fast path: flat values and offsets, no Python lists
        lengths = np.array([0 if v is None else len(v) for v in values], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        flat = np.concatenate([a.astype(dtype) for a in arrays]) if arrays else np.array([], dtype=dtype)
        mask = pa.array([v is None for v in values])
        arr = pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat), mask=mask)
    else:
        arr = pa.array([None if v is None else v.astype(dtype).tolist() for v in values])
    return _Encoded(arr, {"kind": "ndarray", "dtype": str(dtype), "ndim": ndim})


VARIANT_FIELDS = {"type", "bool", "int", "float", "str", "datetime", "json"}
_VARIANT = pa.struct([
    ("type", pa.string()), ("bool", pa.bool_()), ("int", pa.int64()), ("float", pa.float64()),
    ("str", pa.string()), ("datetime", pa.timestamp("us", tz="UTC")), ("json", pa.string()),
])


def _encode_mixed(name: str, values: list[Any]) -> _Encoded:
    out: list[dict[str, Any]] = []
    for v in values:
        k = _cell_kind(v)
        if k is None:
            out.append({"type": "null"})
        elif k == "bool":
            out.append({"type": "bool", "bool": bool(v)})
        elif k == "int":
            out.append({"type": "int", "int": int(v)})
        elif k == "float":
            out.append({"type": "double", "float": float(v)})
        elif k == "str":
            out.append({"type": "string", "str": v})
        elif k == "datetime":
            d = _to_datetime(v)
            naive = d.tzinfo is None
            d = d.replace(tzinfo=dt.timezone.utc) if naive else d.astimezone(dt.timezone.utc)
            out.append({"type": "date", "datetime": d, "json": "naive" if naive else None})
        elif k == "ndarray":
            out.append({"type": "array", "json": _json_dumps({"$ndarray": v.tolist(), "dtype": str(v.dtype)})})
        else:
            p = _plain_nested(v)
            out.append({"type": "array" if isinstance(p, list) else "object", "json": _json_dumps(p)})
    try:
        arr = pa.array(out, _VARIANT)
    except (pa.ArrowInvalid, OverflowError) as e:
        raise TypeError(f"column {name!r}: cannot store its mixed cells: {e}") from None
    return _Encoded(arr, {"kind": "mixed"})


# -- images -------------------------------------------------------------------------------------------------

def _box_type(score_keys: list[str]) -> pa.DataType:
    fields = [
        ("minX", pa.float64()), ("maxX", pa.float64()), ("minY", pa.float64()), ("maxY", pa.float64()),
        ("middle", pa.list_(pa.float64())), ("width", pa.float64()), ("height", pa.float64()),
        ("domain", pa.string()), ("class_id", pa.int64()), ("box_caption", pa.string()),
    ]
    if score_keys:
        fields.append(("scores", pa.struct([(k, pa.float64()) for k in score_keys])))
    return pa.struct(fields)


_MASK_TYPE = pa.struct([("path", pa.string()), ("digest", pa.string())])


def image_struct_type(box_layers: dict[str, list[str]], mask_layers: list[str]) -> pa.DataType:
    fields: list[tuple[str, pa.DataType]] = [
        ("path", pa.string()), ("digest", pa.string()), ("format", pa.string()),
        ("width", pa.int32()), ("height", pa.int32()), ("caption", pa.string()), ("classes", pa.string()),
    ]
    if box_layers:
        fields.append(("boxes", pa.struct([(l, pa.list_(_box_type(s))) for l, s in box_layers.items()])))
    if mask_layers:
        fields.append(("masks", pa.struct([(l, _MASK_TYPE) for l in mask_layers])))
    return pa.struct(fields)


def _box_record(box: dict[str, Any], score_keys: list[str]) -> dict[str, Any]:
    pos = box["position"]
    rec: dict[str, Any]
    if "middle" in pos:
        (mx, my), w, h = pos["middle"], pos["width"], pos["height"]
        rec = {"minX": mx - w / 2, "maxX": mx + w / 2, "minY": my - h / 2, "maxY": my + h / 2,
               "middle": [float(mx), float(my)], "width": float(w), "height": float(h)}
    else:
        rec = {k: float(pos[k]) for k in ("minX", "maxX", "minY", "maxY")}
    rec["domain"] = box.get("domain")
    rec["class_id"] = box["class_id"]
    rec["box_caption"] = box.get("box_caption")
    if score_keys:
        scores = box.get("scores") or {}
        rec["scores"] = {k: (float(scores[k]) if k in scores else None) for k in score_keys}
    return rec


def _encode_images(values: list[Any], sink: MediaSink, *, workers: int | None) -> _Encoded:
    images: list[Image] = [v for v in values if v is not None]
    box_layers: dict[str, list[str]] = {}
    mask_layers: list[str] = []
    class_sets: list[Classes] = []
    for img in images:
        for layer, boxes in img._box_layers.items():
            keys = box_layers.setdefault(layer, [])
            for b in boxes:
                for k in b.get("scores", {}):
                    if k not in keys:
                        keys.append(k)
        for layer in img._mask_layers:
            if layer not in mask_layers:
                mask_layers.append(layer)
        if img.classes is not None and img.classes not in class_sets:
            class_sets.append(img.classes)

    paths = _store_media_parallel(images, sink, workers=workers)
    class_paths = [sink.add_classes(c) for c in class_sets]

    records: list[dict[str, Any] | None] = []
    it = iter(paths)
    for v in values:
        if v is None:
            records.append(None)
            continue
        img_path, mask_paths = next(it)
        px = v._pixels
        rec: dict[str, Any] = {
            "path": img_path, "digest": px.digest, "format": px.format,
            "width": px.size[0], "height": px.size[1], "caption": v.caption,
            "classes": class_paths[class_sets.index(v.classes)] if v.classes is not None else None,
        }
        if box_layers:
            rec["boxes"] = {
                layer: ([_box_record(b, keys) for b in v._box_layers[layer]] if layer in v._box_layers else None)
                for layer, keys in box_layers.items()
            }
        if mask_layers:
            rec["masks"] = {
                layer: ({"path": mask_paths[layer], "digest": v._mask_layers[layer].digest}
                        if layer in v._mask_layers else None)
                for layer in mask_layers
            }
        records.append(rec)
    arr = pa.array(records, image_struct_type(box_layers, mask_layers))
    meta: dict[str, Any] = {"kind": "image", "layers": {"boxes": list(box_layers), "masks": mask_layers},
                            "scores": {l: k for l, k in box_layers.items() if k}}
    if len(class_sets) == 1:
        meta["classes"] = class_sets[0].class_set
    return _Encoded(arr, meta)


def _store_media_parallel(
    images: list[Image], sink: MediaSink, *, workers: int | None
) -> list[tuple[str, dict[str, str]]]:
    """Encode and store every image and mask, in parallel threads (PNG encoding releases the GIL)."""
    from tqdm.auto import tqdm

    def one(img: Image) -> tuple[str, dict[str, str]]:
        path = sink.add_image_pixels(img._pixels)
        masks = {layer: sink.add_mask(m) for layer, m in img._mask_layers.items()}
        return path, masks

    if len(images) < 8:
        return [one(img) for img in images]
    n = workers or min(8, (os.cpu_count() or 2))
    out: list[tuple[str, dict[str, str]]] = []
    with ThreadPoolExecutor(max_workers=n) as pool, tqdm(
        total=len(images), unit="img", desc="encoding images", delay=_PROGRESS_DELAY_S, leave=False
    ) as bar:
        for res in pool.map(one, images, chunksize=16):
            out.append(res)
            bar.update(1)
    return out


# ---------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------

def read_meta(schema: pa.Schema, where: str = "table") -> dict[str, Any]:
    """The `tablelens` metadata of a schema; tables without it get kinds inferred from Arrow types."""
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        columns = [{"name": f.name, "kind": kind_of_arrow_type(f.type)} for f in schema]
        return {"format": FORMAT_VERSION, "columns": columns}
    try:
        meta = json.loads(raw)
    except ValueError as e:
        raise CorruptFileError(f"{where}: the tablelens metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION or not isinstance(meta.get("columns"), list):
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise CorruptFileError(f"{where}: unknown tablelens table format {found!r}")
    names = [c.get("name") for c in meta["columns"]]
    if names != schema.names:
        raise CorruptFileError(f"{where}: metadata lists columns {names} but the file has {schema.names}")
    return meta


def kind_of_arrow_type(typ: pa.DataType) -> str:
    """The storage kind of an Arrow type, for tables written without tablelens metadata."""
    if pa.types.is_boolean(typ):
        return "bool"
    if pa.types.is_integer(typ):
        return "int"
    if pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return "float"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "str"
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        return "datetime"
    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ):
        return "list"
    if pa.types.is_struct(typ):
        names = {typ.field(i).name for i in range(typ.num_fields)}
        if names == VARIANT_FIELDS:
            return "mixed"
        if {"path", "width", "height"} <= names and ({"digest", "boxes"} & names):
            return "image"
        return "dict"
    if pa.types.is_null(typ):
        return "null"
    return "unknown"


class _ClassesCache:
    def __init__(self, source: MediaSource | None) -> None:
        self._source = source
        self._cache: dict[str, Classes] = {}

    def get(self, path: str | None) -> Classes | None:
        if path is None or self._source is None:
            return None
        if path not in self._cache:
            local = self._source.local_path(path)
            try:
                with open(local, "rb") as f:
                    self._cache[path] = Classes.from_json(json.load(f))
            except (OSError, ValueError) as e:
                raise CorruptFileError(f"classes file {path!r} cannot be read: {e}") from None
        return self._cache[path]


def decode_column(arr: pa.Array | pa.ChunkedArray, meta: dict[str, Any], source: MediaSource | None) -> list[Any]:
    """Arrow column -> Python cells, the inverse of `encode_values`."""
    kind = meta.get("kind")
    if kind == "float":
        return [None if not valid else x for x, valid in zip(
            arr.to_numpy(zero_copy_only=False).tolist(), _validity(arr))]
    if kind == "json":
        return [None if v is None else json.loads(v) for v in arr.to_pylist()]
    if kind == "ndarray":
        dtype = np.dtype(meta.get("dtype", "float64"))
        return [None if v is None else np.array(v, dtype=dtype) for v in arr.to_pylist()]
    if kind == "mixed":
        return [_decode_variant(v) for v in arr.to_pylist()]
    if kind == "image":
        classes = _ClassesCache(source)
        return [None if v is None else image_from_record(v, source, classes) for v in arr.to_pylist()]
    return arr.to_pylist()


def _validity(arr: pa.Array | pa.ChunkedArray) -> list[bool]:
    return arr.is_valid().to_pylist()


def _decode_variant(v: dict[str, Any] | None) -> Any:
    if v is None or v["type"] == "null":
        return None
    t = v["type"]
    if t == "bool":
        return v["bool"]
    if t == "int":
        return v["int"]
    if t == "double":
        return v["float"]
    if t == "string":
        return v["str"]
    if t == "date":
        d = v["datetime"]
        return d.replace(tzinfo=None) if v.get("json") == "naive" else d
    obj = json.loads(v["json"])
    if isinstance(obj, dict) and "$ndarray" in obj and "dtype" in obj and len(obj) == 2:
        return np.array(obj["$ndarray"], dtype=obj["dtype"])
    return obj


def _box_from_record(rec: dict[str, Any]) -> dict[str, Any]:
    box: dict[str, Any]
    if rec.get("middle") is not None:
        box = {"position": {"middle": list(rec["middle"]), "width": rec["width"], "height": rec["height"]}}
    else:
        box = {"position": {k: rec[k] for k in ("minX", "maxX", "minY", "maxY")}}
    if rec.get("domain") is not None:
        box["domain"] = rec["domain"]
    box["class_id"] = rec["class_id"]
    if rec.get("box_caption") is not None:
        box["box_caption"] = rec["box_caption"]
    scores = {k: v for k, v in (rec.get("scores") or {}).items() if v is not None}
    if scores:
        box["scores"] = scores
    return box


def image_from_record(rec: dict[str, Any], source: MediaSource | None, classes: _ClassesCache | None = None) -> Image:
    """An `Image` whose pixels and masks are read lazily from the stored files named in `rec`."""
    if source is None:
        raise CorruptFileError("an image cell needs the artifact it belongs to")
    classes = classes or _ClassesCache(source)
    origin = source.origin()
    pixels = Pixels(
        path=source.local_path(rec["path"]), fmt=rec.get("format"), digest=rec.get("digest"),
        size=(int(rec["width"]), int(rec["height"])) if rec.get("width") else None,
        origin=(origin, rec["path"]) if origin else None,
    )
    boxes = {layer: [_box_from_record(b) for b in bs]
             for layer, bs in (rec.get("boxes") or {}).items() if bs is not None}
    masks = {layer: Mask(path=source.local_path(m["path"]), digest=m.get("digest"))
             for layer, m in (rec.get("masks") or {}).items() if m is not None}
    return Image._restore(pixels, rec.get("caption"), classes.get(rec.get("classes")), boxes, masks)


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------

def write_parquet(table: pa.Table, path: str) -> None:
    """Write a table; large row groups keep DuckDB scans fast, zstd keeps files small."""
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20, write_statistics=True)


def _read(read: Any, path: str, where: str) -> Any:
    try:
        return read(path)
    except (OSError, pa.ArrowInvalid) as e:
        raise CorruptFileError(f"table file {where!r} is not a readable Parquet file: {e}") from None


def read_parquet(path: str, where: str | None = None) -> tuple[pa.Table, dict[str, Any]]:
    """Read a table file, with errors that name the file and the fault."""
    table = _read(pq.read_table, path, where or path)
    return table, read_meta(table.schema, where or path)


def read_schema(path: str, where: str | None = None) -> tuple[pa.Schema, dict[str, Any]]:
    """Read only a table file's schema and metadata (cheap: the footer)."""
    schema = _read(pq.read_schema, path, where or path)
    return schema, read_meta(schema, where or path)

