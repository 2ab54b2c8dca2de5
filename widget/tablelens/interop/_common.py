"""What the dataset-format converters share: the image column of a table, boxes in pixels, widths recovered from
corners, atomic writes."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..media.classes import Classes
from ..media.image import Image
from ..model import Table

__all__ = [
    "Rows",
    "atomic_write",
    "box_corners",
    "extent",
    "image_extension",
    "table_rows",
    "write_image_file",
    "write_json",
]


def extent(lo: float, hi: float) -> float:
    """hi - lo, as the shortest decimal `d` with lo + d == hi: a box stored as corners (x, x + w) gives back the
    w it was made from (the plain difference may be off in the last digit: 0.1 + 0.7 - 0.1 = 0.7000000000000001)."""
    d = hi - lo
    for digits in range(17):
        c = round(d, digits)
        if lo + c == hi:
            return c
    return d


def box_corners(box: dict[str, Any], width: float, height: float) -> tuple[float, float, float, float]:
    """(minX, minY, maxX, maxY) of a W&B box in pixels (relative boxes are scaled by the image size)."""
    pos = box["position"]
    if "middle" in pos:
        (mx, my), w, h = pos["middle"], pos["width"], pos["height"]
        x0, y0, x1, y1 = mx - w / 2, my - h / 2, mx + w / 2, my + h / 2
    else:
        x0, y0, x1, y1 = pos["minX"], pos["minY"], pos["maxX"], pos["maxY"]
    if box.get("domain") != "pixel":
        x0, x1, y0, y1 = x0 * width, x1 * width, y0 * height, y1 * height
    return float(x0), float(y0), float(x1), float(y1)


@dataclass
class Rows:
    """A table's rows with the column each writer reads: `image` is the name of its image column."""

    table: Table
    image: str
    index: dict[str, int]
    rows: list[list[Any]]

    def value(self, row: list[Any], column: str, default: Any = None) -> Any:
        j = self.index.get(column)
        return row[j] if j is not None else default

    def images(self) -> Iterator[tuple[int, list[Any], Image]]:
        j = self.index[self.image]
        for i, row in enumerate(self.rows):
            if row[j] is not None:
                yield i, row, row[j]

    def classes(self) -> Classes | None:
        """The class set of the images (the first one found: a converter's table has one)."""
        return next((img.classes for _, _, img in self.images() if img.classes is not None), None)


def table_rows(table: Table, image: str | None) -> Rows:
    """The rows of `table` and its image column: `image`, else the one column holding images."""
    columns = table.columns
    rows = table.data
    index = {c: j for j, c in enumerate(columns)}
    if image is not None:
        if image not in index:
            raise ValueError(f"the table has no column {image!r}; its columns are {columns}")
        return Rows(table, image, index, rows)
    found = [c for j, c in enumerate(columns) if any(isinstance(r[j], Image) for r in rows)]
    if len(found) != 1:
        what = "no column of images" if not found else f"several columns of images ({', '.join(found)})"
        raise ValueError(f"the table has {what}; name the one to write with image=...")
    return Rows(table, found[0], index, rows)


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> str:
    """Write a file whole or not at all (a temp file beside it, then a rename)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_json(path: str | os.PathLike[str], obj: Any) -> str:
    return atomic_write(path, json.dumps(obj, separators=(",", ":")))


def write_image_file(img: Image, dest: str) -> None:
    """The image's file at `dest`: copied from its file when it has one, else its encoded bytes."""
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    if img.path is not None and os.path.isfile(img.path):
        shutil.copyfile(img.path, dest)
    else:
        data, _ = img._pixels.encoded()
        atomic_write(dest, data)


def image_extension(img: Image) -> str:
    return "jpg" if img.format == "jpeg" else img.format
