"""A folder of class sub-folders (torchvision's `ImageFolder` layout), read into a Table and written back.

`root/<class>/.../<image>`: the classes are the sub-folders of `root`, sorted, numbered from 0 as
`ImageFolder.find_classes` does; each class's images are found by walking its folder (links followed), sorted,
and kept when their extension is an image's (case-insensitive), as `torchvision.datasets.folder.make_dataset`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from PIL import Image as PILImage

from .._core.errors import FormatError
from ..media.image import Image, Pixels
from ..model import Table
from ..model.converters import register_converter
from ._common import image_extension, table_rows, write_image_file

__all__ = ["IMG_EXTENSIONS", "read_image_folder", "write_image_folder"]

# torchvision.datasets.folder.IMG_EXTENSIONS
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
_CONVERTED = (".ppm", ".pgm")  # read with Pillow and stored as PNG: the store keeps png, jpeg, webp, bmp, tiff
COLUMNS = ["file_name", "image", "label", "class_name"]


def read_image_folder(root: str | os.PathLike[str], *, extensions: Sequence[str] | None = None) -> Table:
    """A table with one row per image: `file_name` (relative to `root`), `image`, `label` (the class index
    torchvision gives) and `class_name` (the sub-folder). An empty class folder is an error, as in torchvision."""
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FormatError("the folder does not exist", file=root)
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in (extensions or IMG_EXTENSIONS))
    classes = sorted(e.name for e in os.scandir(root) if e.is_dir())
    if not classes:
        raise FormatError("no class folders: ImageFolder's layout is root/<class>/<image>", file=root)
    rows: list[list[Any]] = []
    empty = []
    for index, name in enumerate(classes):
        before = len(rows)
        for dirpath, _, fnames in sorted(os.walk(os.path.join(root, name), followlinks=True)):
            for fname in sorted(fnames):
                if not fname.lower().endswith(exts):
                    continue
                path = os.path.join(dirpath, fname)
                rows.append([os.path.relpath(path, root), _image(path), index, name])
        if len(rows) == before:
            empty.append(name)
    if empty:
        raise FormatError(f"no image files ({', '.join(exts)}) in the class folders {', '.join(empty)}",
                          file=root)
    return Table(columns=COLUMNS, data=rows)


def _image(path: str) -> Image:
    if path.lower().endswith(_CONVERTED):
        try:
            with PILImage.open(path) as im:
                im.load()
                return Image(im)
        except OSError as e:
            raise FormatError(f"not an image Pillow can read: {e}", file=path) from None
    return Image._restore(Pixels(path=path), None, None, {}, {})


def write_image_folder(
    table: Table,
    root: str | os.PathLike[str],
    *,
    label: str = "class_name",
    image: str | None = None,
) -> str:
    """Copy each image into `root/<its label>/` (ImageFolder's layout); returns `root`. A row's file keeps its
    name (from `file_name`, else its file's), numbered when two would collide."""
    root = os.fspath(root)
    rows = table_rows(table, image)
    if label not in rows.index:
        raise ValueError(f"the table has no column {label!r}; name the column of class names with label=...")
    taken: set[str] = set()
    for i, row, img in rows.images():
        name = rows.value(row, label)
        if name is None or str(name) in ("", ".", "..") or "/" in str(name) or os.sep in str(name):
            raise ValueError(f"row {i}: {label!r} is {name!r}, which cannot name a folder")
        base = os.path.basename(rows.value(row, "file_name") or img.path or f"{i}.{image_extension(img)}")
        stem, ext = os.path.splitext(base)
        if ext.lower() in _CONVERTED or not ext:
            ext = f".{image_extension(img)}"
        dest = os.path.join(str(name), stem + ext)
        if dest in taken:
            dest = os.path.join(str(name), f"{stem}_{i}{ext}")
        taken.add(dest)
        write_image_file(img, os.path.join(root, dest))
    return root


register_converter("image_folder", read_image_folder, write_image_folder)
