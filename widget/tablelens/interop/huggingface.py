"""A Hugging Face `datasets.Dataset` (or `DatasetDict`) already loaded — in memory or from local files — as a Table.

Nothing is fetched: the dataset is what the caller holds. Each feature maps to cells: `Image` to image cells
(the file's bytes as stored, or its local path; never decoded and re-encoded), `ClassLabel` to its class name
(None for -1, "no label"), `Sequence`/`List` to lists, dicts of features to dicts, with class names inside
them too; `Value` and arrays to plain cells. `datasets` itself is not imported here: features are told apart by
their class names, so tablelens works without it installed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .._core.errors import FormatError
from ..media.image import Image, Pixels
from ..model import Table
from ..model.converters import register_converter

__all__ = ["read_huggingface"]

_LISTS = ("Sequence", "List", "LargeList")
_UNSUPPORTED = ("Audio", "Video", "Pdf", "Nifti")  # media tablelens does not hold yet


def read_huggingface(dataset: Any, *, split: str | None = None) -> Table:
    """A table of the dataset's rows, in order (its selection, shuffle or filter applied).

    A `DatasetDict` gives every split, with a `split` column first (or only `split`, when named).
    """
    if _is_dataset_dict(dataset):
        names = list(dataset.keys())
        if split is not None:
            if split not in names:
                raise ValueError(f"the dataset has no split {split!r}; it has {names}")
            return read_huggingface(dataset[split])
        parts = [(name, read_huggingface(dataset[name])) for name in names]
        columns = ["split", *parts[0][1].columns] if parts else ["split"]
        rows = [[name, *row] for name, t in parts for row in t.data]
        return Table(columns=columns, data=rows)
    if split is not None:
        raise ValueError("split= picks a split of a DatasetDict; this is one Dataset")
    features = getattr(dataset, "features", None)
    if features is None or not hasattr(dataset, "with_format"):
        raise TypeError(f"from_huggingface takes a datasets.Dataset or DatasetDict, got {type(dataset).__name__}")
    arrow: pa.Table = dataset.with_format("arrow")[:]  # indices (select, shuffle, filter) applied, nothing decoded
    columns = list(features)
    cells = [_column(name, features[name], arrow.column(name)) for name in columns]
    return Table(columns=columns, data=[list(r) for r in zip(*cells)] if cells else [])


def _is_dataset_dict(obj: Any) -> bool:
    return type(obj).__name__ in ("DatasetDict", "IterableDatasetDict") or (
        isinstance(obj, Mapping) and all(hasattr(v, "features") for v in obj.values()) and len(obj) > 0)


def _kind(feature: Any) -> str:
    return type(feature).__name__ if type(feature).__module__.startswith("datasets") else ""


def _column(name: str, feature: Any, column: pa.ChunkedArray) -> list[Any]:
    kind = _kind(feature)
    if kind == "Image":
        return [_image(name, i, v) for i, v in enumerate(column.to_pylist())]
    _check(name, feature)
    values = column.to_pylist()
    if _has_class_label(feature):
        return [_convert(v, feature) for v in values]
    return values


def _image(column: str, row: int, value: dict[str, Any] | None) -> Image | None:
    if value is None:
        return None
    data, path = value.get("bytes"), value.get("path")
    where = f"column {column!r}, row {row}"
    if data is not None:
        try:
            return Image._restore(Pixels.from_encoded(data, path or where), None, None, {}, {})
        except ValueError as e:
            raise FormatError(str(e), field=where) from None
    if path is not None and os.path.isfile(path):
        return Image(path)
    if path is None:
        return None
    raise FormatError(f"the image has no bytes and its file {path!r} is not here", field=where)


def _check(name: str, feature: Any) -> None:
    kind = _kind(feature)
    if kind in _UNSUPPORTED or kind == "Image":
        what = "images inside lists or dicts" if kind == "Image" else f"{kind} features"
        raise FormatError(f"{what} are not read by tablelens yet; drop the column with "
                          f"dataset.remove_columns([{name!r}])", field=f"column {name!r}")
    if kind in _LISTS:
        _check(name, feature.feature)
    elif isinstance(feature, Mapping):
        for sub in feature.values():
            _check(name, sub)


def _has_class_label(feature: Any) -> bool:
    kind = _kind(feature)
    if kind == "ClassLabel":
        return True
    if kind in _LISTS:
        return _has_class_label(feature.feature)
    if isinstance(feature, Mapping):
        return any(_has_class_label(f) for f in feature.values())
    return False


def _convert(value: Any, feature: Any) -> Any:
    if value is None:
        return None
    kind = _kind(feature)
    if kind == "ClassLabel":
        return feature.int2str(value) if value >= 0 else None
    if kind in _LISTS:
        return [_convert(v, feature.feature) for v in value]
    if isinstance(feature, Mapping):
        return {k: _convert(value.get(k), f) for k, f in feature.items()}
    return value


register_converter("huggingface", read_huggingface, None)
