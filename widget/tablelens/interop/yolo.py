"""Ultralytics YOLO datasets (detection and segmentation labels), read into a Table and written back.

The layout is Ultralytics' (docs.ultralytics.com/datasets/detect, /datasets/segment): a `data.yaml` with the
dataset root (`path`), the splits (`train`, `val`, `test`: a folder of images, a .txt list of images, or a list
of either) and the class `names` (a list, or a dict of index -> name); each image `.../images/.../x.jpg` has its
labels in `.../labels/.../x.txt`, one object a line: `class x_center y_center width height` (fractions of the
image size), or `class x1 y1 x2 y2 ... xn yn` (a polygon, for segmentation). An image without a label file is a
background image (no boxes).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .._core.errors import FormatError
from ..media.classes import Classes
from ..media.image import Image, Pixels
from ..model import Table
from ..model.converters import register_converter
from ._common import box_corners, table_rows, write_image_file
from ._masks import PaintedMask

__all__ = ["IMAGE_EXTENSIONS", "label_path", "read_yolo", "write_yolo"]

# the image files tablelens stores (Ultralytics also lists dng, mpo, pfm, heic: those are refused by name)
IMAGE_EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
_OTHER_IMAGES = (".dng", ".mpo", ".pfm", ".heic")
SPLITS = ("train", "val", "test")


def label_path(image_path: str) -> str:
    """The label file of an image, by Ultralytics' rule: the last `/images/` of the path becomes `/labels/` and
    the extension `.txt`."""
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    return sb.join(image_path.rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt"


# ------------------------------------------------------------------------------------------------------ reading
def read_yolo(
    path: str | os.PathLike[str],
    *,
    splits: Sequence[str] | None = None,
    names: Sequence[str] | Mapping[int, str] | None = None,
    layer: str = "ground_truth",
) -> Table:
    """A table of a YOLO dataset: one row per image of each split (`split`, `file_name`, `image`), and a
    `segments` column (per box, its polygon or None) when any label is a polygon.

    `path` is the data.yaml, or the dataset folder (its `data.yaml`, else its one `.yaml` file, else the
    folders `images/<split>` — or `images/` alone — beside `labels/`). `splits` picks some of the splits;
    `names` gives (or overrides) the class names. Boxes are relative (W&B's middle/width/height form, exactly as
    in the label file); polygons become the box around them and a mask layer of class ids (larger objects first,
    so a small one in front stays visible).
    """
    yaml_file, root, config = _config(os.fspath(path))
    classes = _classes(names if names is not None else config.get("names"), yaml_file or root, config.get("nc"))
    if "kpt_shape" in config:
        raise FormatError("keypoint (pose) datasets are not read by tablelens; remove kpt_shape to read the boxes",
                          file=yaml_file, field="kpt_shape")
    sources = _split_sources(config, root, yaml_file, splits)
    known = {c["id"] for c in classes.class_set} if classes is not None else None
    rows: list[list[Any]] = []
    any_segments = False
    for split, images in sources:
        for image_path in images:
            boxes, segments = _labels(label_path(image_path), known)
            any_segments = any_segments or any(s is not None for s in segments)
            pixels = Pixels(path=image_path)
            masks = {}
            shapes = [(cid, seg) for cid, seg in zip((b["class_id"] for b in boxes), segments) if seg is not None]
            if shapes:
                shapes.sort(key=lambda s: -_polygon_area(s[1][0]))
                masks[layer] = PaintedMask(lambda px=pixels: px.size, shapes, relative=True)
            rows.append([split, os.path.relpath(image_path, root), pixels, boxes, masks, segments])
    if classes is None:  # no names anywhere: the classes are the ids the labels use
        ids = sorted({b["class_id"] for r in rows for b in r[3]})
        classes = Classes([{"id": i, "name": str(i)} for i in ids])
    columns = ["split", "file_name", "image"] + (["segments"] if any_segments else [])
    data = []
    for split, name, pixels, boxes, masks, segments in rows:
        img = Image._restore(pixels, None, classes, {layer: boxes}, masks)
        data.append([split, name, img] + ([segments] if any_segments else []))
    return Table(columns=columns, data=data)


def _config(path: str) -> tuple[str | None, str, dict[str, Any]]:
    """(the yaml file or None, the dataset root, the yaml's mapping)."""
    if os.path.isdir(path):
        candidates = [os.path.join(path, "data.yaml")]
        if not os.path.isfile(candidates[0]):
            candidates = sorted(str(p) for p in Path(path).glob("*.yaml")) + sorted(
                str(p) for p in Path(path).glob("*.yml"))
        if len(candidates) == 1 and os.path.isfile(candidates[0]):
            path = candidates[0]
        elif len(candidates) > 1:
            raise FormatError(f"the folder holds several YAML files ({', '.join(map(os.path.basename, candidates))}); "
                              "pass the dataset's one", file=path)
        else:  # no yaml: the folders alone
            found = [s for s in SPLITS if os.path.isdir(os.path.join(path, "images", s))]
            if not found and not os.path.isdir(os.path.join(path, "images")):
                raise FormatError("no data.yaml and no images/ folder: not a YOLO dataset", file=path)
            return None, path, {s: f"images/{s}" for s in found} or {"train": "images"}
    if not os.path.isfile(path):
        raise FormatError("the dataset YAML file does not exist", file=path)
    try:
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise FormatError(f"not valid YAML: {getattr(e, 'problem', e)}", file=path,
                          line=mark.line + 1 if mark is not None else None) from None
    if not isinstance(config, dict):
        raise FormatError("a dataset YAML file holds a mapping (path, train, val, names)", file=path)
    base = config.get("path")
    folder = os.path.dirname(os.path.abspath(path))
    if base is None or base == "":
        root = folder
    elif not isinstance(base, str):
        raise FormatError(f"must be a folder, got {base!r}", file=path, field="path")
    else:
        root = base if os.path.isabs(base) else os.path.normpath(os.path.join(folder, base))
        if not os.path.isdir(root):
            raise FormatError(f"the dataset root {root!r} does not exist", file=path, field="path")
    return path, root, config


def _classes(names: Any, file: str, nc: Any) -> Classes | None:
    if names is None:
        return None
    if isinstance(names, Mapping):
        entries = []
        for k, v in names.items():
            if isinstance(k, bool) or not isinstance(k, int) or k < 0:
                raise FormatError(f"class indices must be integers from 0, got {k!r}", file=file, field="names")
            entries.append({"id": k, "name": str(v)})
    elif isinstance(names, (list, tuple)):
        entries = [{"id": i, "name": str(v)} for i, v in enumerate(names)]
    else:
        raise FormatError(f"must be a list of names or a mapping index -> name, got {names!r}", file=file,
                          field="names")
    if nc is not None and nc != len(entries):
        raise FormatError(f"nc is {nc} but names holds {len(entries)} classes", file=file, field="nc")
    return Classes(entries)


def _split_sources(config: dict[str, Any], root: str, yaml_file: str | None, wanted: Sequence[str] | None
                   ) -> list[tuple[str, list[str]]]:
    present = [s for s in SPLITS if config.get(s)]
    if wanted is not None:
        missing = [s for s in wanted if s not in present]
        if missing:
            raise ValueError(f"the dataset has no split {missing[0]!r}; it has {present}")
        present = list(wanted)
    out = []
    for split in present:
        entries = config[split] if isinstance(config[split], list) else [config[split]]
        images: list[str] = []
        for entry in entries:
            if not isinstance(entry, str):
                raise FormatError(f"must be a folder or a .txt list of images, got {entry!r}", file=yaml_file,
                                  field=split)
            images.extend(_images_of(entry, root, yaml_file, split))
        out.append((split, images))
    return out


def _images_of(entry: str, root: str, yaml_file: str | None, split: str) -> list[str]:
    p = entry if os.path.isabs(entry) else os.path.join(root, entry)
    if not os.path.exists(p) and entry.startswith("../"):  # as Ultralytics: Roboflow's exports say ../train/images
        p = os.path.join(root, entry[3:])
    if os.path.isdir(p):
        files = []
        for dirpath, _, names in os.walk(p, followlinks=True):
            for n in names:
                files.append(os.path.join(dirpath, n))
        files.sort()
    elif os.path.isfile(p) and p.endswith(".txt"):
        parent = os.path.dirname(p)
        files = []
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    if line.startswith("./"):
                        line = os.path.join(parent, line[2:])
                    files.append(line if os.path.isabs(line) else os.path.join(root, line))
        for i, fp in enumerate(files):
            if not os.path.isfile(fp):
                raise FormatError(f"the image file {fp!r} does not exist", file=p, line=i + 1)
    else:
        raise FormatError(f"{p!r} is neither a folder nor a .txt list of images", file=yaml_file, field=split)
    out = []
    for fp in files:
        ext = os.path.splitext(fp)[1].lower()
        if ext in IMAGE_EXTENSIONS:
            out.append(os.path.normpath(fp))
        elif ext in _OTHER_IMAGES:
            raise FormatError(f"{ext} images are not stored by tablelens; convert them to png or jpg", file=fp)
    return out


def _labels(path: str, known: set[int] | None) -> tuple[list[dict[str, Any]], list[list[list[float]] | None]]:
    """The boxes and polygons of one label file (none when it does not exist: a background image)."""
    boxes: list[dict[str, Any]] = []
    segments: list[list[list[float]] | None] = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return boxes, segments
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5 and (len(parts) < 7 or len(parts) % 2 == 0):
            raise FormatError(
                f"a label line is 'class x_center y_center width height' (4 numbers after the class) or "
                f"'class x1 y1 ... xn yn' (a polygon of 3 or more points); got {len(parts) - 1} numbers "
                "after the class", file=path, line=n)
        try:
            cls_f = float(parts[0])
            values = [float(v) for v in parts[1:]]
        except ValueError:
            raise FormatError(f"not a number in {line.strip()!r}", file=path, line=n) from None
        if not cls_f.is_integer() or cls_f < 0:
            raise FormatError(f"the class must be an index 0, 1, 2, ...; got {parts[0]!r}", file=path, line=n,
                              field="class")
        cid = int(cls_f)
        if known is not None and cid not in known:
            raise FormatError(f"class {cid} is not in the dataset's names ({len(known)} classes)", file=path,
                              line=n, field="class")
        if not all(0.0 <= v <= 1.0 for v in values):  # also refuses NaN
            raise FormatError(f"coordinates are fractions of the image size, in [0, 1]; got {line.strip()!r}",
                              file=path, line=n)
        if len(values) == 4:
            cx, cy, w, h = values
            boxes.append({"position": {"middle": [cx, cy], "width": w, "height": h}, "class_id": cid})
            segments.append(None)
        else:
            xs, ys = values[0::2], values[1::2]
            boxes.append({"position": {"minX": min(xs), "maxX": max(xs), "minY": min(ys), "maxY": max(ys)},
                          "class_id": cid})
            segments.append([values])
    return boxes, segments


def _polygon_area(poly: list[float]) -> float:
    xs, ys = poly[0::2], poly[1::2]
    return abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs)))) / 2


# ------------------------------------------------------------------------------------------------------ writing
def write_yolo(
    table: Table,
    folder: str | os.PathLike[str],
    *,
    layer: str = "ground_truth",
    image: str | None = None,
    split: str = "split",
) -> str:
    """Write the table as a YOLO dataset in `folder`: `images/<split>/`, `labels/<split>/` and `data.yaml`
    (without `path`, so the dataset is found beside its YAML file); returns the data.yaml path.

    The split of a row is its `split` column (default "train"). Class ids become indices 0, 1, 2, ... in id
    order (YOLO's names are a dense list); boxes are written relative (a box read from YOLO exactly as read), and
    a row's `segments` (from `read_yolo`) as polygon lines.
    """
    folder = os.fspath(folder)
    rows = table_rows(table, image)
    classes = rows.classes()
    used = sorted({b["class_id"] for _, _, img in rows.images() for b in img._box_layers.get(layer) or []})
    ids = sorted(set(classes.ids()) | set(used)) if classes is not None else used
    index = {cid: k for k, cid in enumerate(ids)}
    names = {k: (classes.name(cid) if classes is not None and classes.name(cid) is not None else str(cid))
             for cid, k in index.items()}
    taken: set[str] = set()
    splits: list[str] = []
    for i, row, img in rows.images():
        s = rows.value(row, split, "train")
        if not isinstance(s, str) or not s or "/" in s or s.startswith("."):
            raise ValueError(f"row {i}: the split {s!r} is not a folder name")
        if s not in splits:
            splits.append(s)
        base = os.path.basename(rows.value(row, "file_name") or img.path or f"{i}.png")
        stem, ext = os.path.splitext(base)
        if not ext:
            ext = "." + ("jpg" if img.format == "jpeg" else img.format)
        if f"{s}/{stem}" in taken:
            stem = f"{stem}_{i}"
        taken.add(f"{s}/{stem}")
        write_image_file(img, os.path.join(folder, "images", s, stem + ext))
        boxes = img._box_layers.get(layer) or []
        segments = rows.value(row, "segments")
        if segments is not None and len(segments) != len(boxes):
            segments = None
        lines = []
        for k, box in enumerate(boxes):
            cls = index[box["class_id"]]
            if segments is not None and segments[k]:
                for poly in segments[k]:
                    lines.append(" ".join([str(cls), *(_num(v, exact=True) for v in poly)]))
                continue
            pos = box["position"]
            exact = "middle" in pos and box.get("domain") != "pixel"
            if exact:  # YOLO's own form: written back digit for digit
                cx, cy, w, h = pos["middle"][0], pos["middle"][1], pos["width"], pos["height"]
            else:
                x0, y0, x1, y1 = box_corners(box, img.width, img.height)
                cx, cy = (x0 + x1) / 2 / img.width, (y0 + y1) / 2 / img.height
                w, h = (x1 - x0) / img.width, (y1 - y0) / img.height
            lines.append(f"{cls} {_num(cx, exact)} {_num(cy, exact)} {_num(w, exact)} {_num(h, exact)}")
        label = os.path.join(folder, "labels", s, stem + ".txt")
        os.makedirs(os.path.dirname(label), exist_ok=True)
        with open(label, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    config = {s: f"images/{s}" for s in splits}
    config["names"] = names
    out = os.path.join(folder, "data.yaml")
    with open(out, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
    return out


def _num(v: float, exact: bool) -> str:
    """A coordinate as text: digit for digit when it was read from YOLO, else to 10 significant digits (a
    computed fraction such as 0.5141249999999999 is written 0.514125)."""
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"a box coordinate is not finite ({v!r})")
    return repr(f) if exact else f"{f:.10g}"


register_converter("yolo", read_yolo, write_yolo)
