"""COCO detection and instance segmentation files, read into a Table and written back (docs/formats.md).

`read_coco` gives one row per image: `image_id`, `file_name`, `width`, `height`, `image` (its file, a box layer
and a mask layer painted from the segmentations, the categories as `Classes` with their ids) and `annotations`
(per box, in box order, what the W&B box form cannot hold: the annotation id, the exact bbox, area, iscrowd and
the polygons or RLE). `write_coco` writes ground truth from such a table (or any table with boxes) and
`write_coco_results` the detection results list `[{image_id, category_id, bbox, score}]` that `COCO.loadRes`
and `COCOeval` read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from .._core.errors import FormatError
from ..media.classes import Classes
from ..media.image import Image, Pixels
from ..model import Table
from ..model.converters import register_converter
from ._common import Rows, box_corners, extent, image_extension, table_rows, write_json
from ._masks import PaintedMask, rle_counts

__all__ = ["read_coco", "write_coco", "write_coco_results"]

COLUMNS = ["image_id", "file_name", "width", "height", "image", "annotations"]
_NUM = (int, float)


def _plain(value: Any) -> Any:
    """numpy scalars (from annotations built in memory) as Python numbers; JSON's own values pass untouched."""
    if type(value) in _NUM or isinstance(value, bool):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _plain_list(value: Any) -> Any:
    if type(value) is list and all(type(v) in _NUM for v in value):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------------------ reading
def read_coco(
    annotations: str | os.PathLike[str] | Mapping[str, Any],
    images_dir: str | os.PathLike[str] | None = None,
    *,
    results: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None = None,
    layer: str = "ground_truth",
    results_layer: str = "predictions",
    masks: bool = True,
) -> Table:
    """A table of a COCO dataset: one row per entry of `images`, in file order.

    `annotations` is the path of the annotation JSON (or the dict it holds); image `file_name`s are relative to
    `images_dir` (default: the JSON's folder). Each annotation becomes a box of the `layer` layer (pixels, class
    id = category id); with `masks`, the segmentations of an image are painted into one mask layer of category
    ids (0 where no object is): crowd regions first, then instances from the largest to the smallest, so a small
    object in front of a large one stays visible. `results` (a results JSON or its list) adds a
    `results_layer` layer whose boxes carry the detection score as `scores["score"]`.

    Malformed input raises FormatError naming the file and the field (`annotations[12].image_id`, ...).
    """
    file, data = _load(annotations, "annotations")
    if not isinstance(data, Mapping):
        raise FormatError("a COCO annotation file holds a JSON object with 'images', 'annotations' and "
                          f"'categories'; got {type(data).__name__}", file=file)
    folder = os.fspath(images_dir) if images_dir is not None else (
        os.path.dirname(os.path.abspath(file)) if isinstance(annotations, (str, os.PathLike)) else ".")
    classes, category_ids = _categories(data, file)
    images = _images(data, file, folder)
    by_id = {im[0]: k for k, im in enumerate(images)}
    boxes: list[list[dict[str, Any]]] = [[] for _ in images]
    records: list[list[dict[str, Any]]] = [[] for _ in images]
    shapes: list[list[tuple[int, float, int, int, Any]]] = [[] for _ in images]
    _annotations(data, file, by_id, images, category_ids, boxes, records, shapes if masks else None)
    predictions = None
    if results is not None:
        predictions = _results(results, by_id, category_ids)

    rows = []
    for k, (image_id, file_name, width, height, path) in enumerate(images):
        layers = {layer: boxes[k]}
        if predictions is not None:
            if results_layer == layer:
                raise ValueError(f"results_layer must differ from layer ({layer!r})")
            layers[results_layer] = predictions[k]
        mask_layers = {}
        if shapes[k]:
            order = sorted(shapes[k], key=lambda s: (s[0], -s[1], s[2]))  # crowd first, then larger first
            mask_layers[layer] = PaintedMask((width, height), [(cid, seg) for *_, cid, seg in order])
        img = Image._restore(Pixels(path=path, size=(width, height)), None, classes, layers, mask_layers)
        rows.append([image_id, file_name, width, height, img, records[k]])
    return Table(columns=COLUMNS, data=rows)


def _load(source: Any, what: str) -> tuple[str, Any]:
    if isinstance(source, (str, os.PathLike)):
        file = os.fspath(source)
        try:
            with open(file, "rb") as f:
                return file, json.load(f)
        except FileNotFoundError:
            raise FormatError(f"the {what} file does not exist", file=file) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            line = getattr(e, "lineno", None)
            raise FormatError(f"not valid JSON: {e}", file=file, line=line) from None
    return f"<{what}>", source


def _list(data: Mapping[str, Any], key: str, file: str, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise FormatError("must be a list" if value is not None else "is missing", file=file, field=key)
    return value


def _int(value: Any, file: str, field: str) -> int:
    value = _plain(value)
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise FormatError(f"must be an integer, got {value!r}", file=file, field=field)


def _categories(data: Mapping[str, Any], file: str) -> tuple[Classes, set[int]]:
    entries = []
    seen: set[int] = set()
    for i, cat in enumerate(_list(data, "categories", file, required="annotations" in data)):
        where = f"categories[{i}]"
        if not isinstance(cat, Mapping):
            raise FormatError("must be an object with 'id' and 'name'", file=file, field=where)
        cid = _int(cat.get("id"), file, f"{where}.id")
        if cid in seen:
            raise FormatError(f"category id {cid} appears twice", file=file, field=f"{where}.id")
        name = cat.get("name")
        if not isinstance(name, str):
            raise FormatError(f"must be a string, got {name!r}", file=file, field=f"{where}.name")
        seen.add(cid)
        entries.append({"id": cid, "name": name})
    return Classes(entries), seen


def _images(data: Mapping[str, Any], file: str, folder: str) -> list[tuple[int, str, int, int, str]]:
    out = []
    seen: set[int] = set()
    for i, im in enumerate(_list(data, "images", file)):
        where = f"images[{i}]"
        if not isinstance(im, Mapping):
            raise FormatError("must be an object with 'id', 'file_name', 'width' and 'height'", file=file,
                              field=where)
        image_id = _int(im.get("id"), file, f"{where}.id")
        if image_id in seen:
            raise FormatError(f"image id {image_id} appears twice", file=file, field=f"{where}.id")
        seen.add(image_id)
        name = im.get("file_name")
        if not isinstance(name, str) or not name:
            raise FormatError(f"must be a file name, got {name!r}", file=file, field=f"{where}.file_name")
        w, h = _int(im.get("width"), file, f"{where}.width"), _int(im.get("height"), file, f"{where}.height")
        if w <= 0 or h <= 0:
            raise FormatError(f"width and height must be positive, got {w}x{h}", file=file, field=where)
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise FormatError(f"the image file {path!r} does not exist (file names are relative to images_dir "
                              f"{folder!r})", file=file, field=f"{where}.file_name")
        out.append((image_id, name, w, h, path))
    return out


def _bad_bbox(bbox: Any, file: str, field: str) -> FormatError:
    if not isinstance(bbox, list) or len(bbox) != 4:
        return FormatError(f"must be [x, y, width, height], got {bbox!r}", file=file, field=field)
    for v in bbox:
        if type(v) not in _NUM or v - v != 0:
            return FormatError(f"must hold four finite numbers, got {bbox!r}", file=file, field=field)
    return FormatError(f"width and height must not be negative, got {bbox!r}", file=file, field=field)


def _annotations(data: Mapping[str, Any], file: str, by_id: dict[int, int],
                 images: list[tuple[int, str, int, int, str]], category_ids: set[int],
                 boxes: list[list[dict[str, Any]]], records: list[list[dict[str, Any]]],
                 shapes: list[list[tuple[int, float, int, int, Any]]] | None) -> None:
    anns = _list(data, "annotations", file, required=False)
    seen_ids: set[int] = set()
    for j, ann in enumerate(anns):
        if type(ann) is not dict:
            raise FormatError("must be an object", file=file, field=f"annotations[{j}]")
        image_id = _plain(ann.get("image_id"))
        k = by_id.get(image_id) if type(image_id) is int else None
        if k is None:
            raise FormatError(f"image id {image_id!r} names no entry of 'images'", file=file,
                              field=f"annotations[{j}].image_id")
        cid = _plain(ann.get("category_id"))
        if type(cid) is not int or cid not in category_ids:
            raise FormatError(f"category id {cid!r} names no entry of 'categories'", file=file,
                              field=f"annotations[{j}].category_id")
        ann_id = _plain(ann.get("id"))
        if type(ann_id) is not int:
            raise FormatError(f"must be an integer, got {ann_id!r}", file=file, field=f"annotations[{j}].id")
        if ann_id in seen_ids:
            raise FormatError(f"annotation id {ann_id} appears twice", file=file, field=f"annotations[{j}].id")
        seen_ids.add(ann_id)
        iscrowd = _plain(ann.get("iscrowd", 0))
        if iscrowd not in (0, 1) or type(iscrowd) is not int:
            raise FormatError(f"must be 0 or 1, got {iscrowd!r}", file=file, field=f"annotations[{j}].iscrowd")
        seg = ann.get("segmentation")
        polygons = rle = None
        _, _, width, height, _ = images[k]
        if seg:  # None and [] hold no shape
            polygons, rle = _segmentation(seg, file, f"annotations[{j}].segmentation", width, height)
        bbox = _plain_list(ann.get("bbox"))
        if bbox is None and (polygons or rle):
            bbox = [float(v) for v in mask_utils.toBbox(_rle(polygons, rle, height, width))]
        if type(bbox) is not list or len(bbox) != 4:
            raise _bad_bbox(bbox, file, f"annotations[{j}].bbox")
        x, y, w, h = bbox
        if not (type(x) in _NUM and type(y) in _NUM and type(w) in _NUM and type(h) in _NUM
                and x - x == 0 and y - y == 0 and w - w == 0 and h - h == 0 and w >= 0 and h >= 0):
            raise _bad_bbox(bbox, file, f"annotations[{j}].bbox")
        area = _plain(ann.get("area"))
        if area is None:
            area = float(mask_utils.area(_rle(polygons, rle, height, width))) if polygons or rle else w * h
        elif type(area) not in _NUM or area - area != 0 or area < 0:
            raise FormatError(f"must be a non-negative number, got {area!r}", file=file,
                              field=f"annotations[{j}].area")
        boxes[k].append({"position": {"minX": x, "maxX": x + w, "minY": y, "maxY": y + h}, "domain": "pixel",
                         "class_id": cid})
        records[k].append({"id": ann_id, "bbox": bbox, "area": area, "iscrowd": iscrowd, "polygons": polygons,
                           "rle": rle})
        if shapes is not None and (polygons or rle):
            if cid <= 0 or cid > 65535:
                raise FormatError(f"category id {cid} cannot be painted into a mask (ids 1-65535; 0 is where no "
                                  "object is); pass masks=False", file=file, field=f"annotations[{j}].category_id")
            shapes[k].append((1 - iscrowd, float(area), j, cid, polygons if polygons else rle))


def _segmentation(seg: Any, file: str, field: str, width: int, height: int
                  ) -> tuple[list[list[float]] | None, dict[str, Any] | None]:
    """(polygons, compressed RLE): one of them, checked against the image size."""
    if isinstance(seg, list):
        for p, poly in enumerate(seg):
            try:  # one C-speed pass: sum() refuses anything but numbers, and is NaN or infinite if any of them is
                total = sum(poly) if type(poly) is list else None
            except TypeError:
                total = None
            if total is None or total - total != 0 or len(poly) < 4 or len(poly) % 2:
                raise FormatError("a polygon is a list of an even number (at least 4) of finite coordinates "
                                  "[x1, y1, x2, y2, ...]", file=file, field=f"{field}[{p}]")
        return seg, None
    if not isinstance(seg, Mapping):
        raise FormatError(f"must be a list of polygons or an RLE object, got {type(seg).__name__}", file=file,
                          field=field)
    size, counts = seg.get("size"), seg.get("counts")
    if (not isinstance(size, list) or len(size) != 2 or not all(type(v) is int for v in size)):
        raise FormatError(f"must be [height, width], got {size!r}", file=file, field=f"{field}.size")
    if size != [height, width]:
        raise FormatError(f"the RLE's size {size} (height, width) disagrees with its image, {height}x{width}",
                          file=file, field=f"{field}.size")
    if isinstance(counts, list):
        if not all(type(c) is int and c >= 0 for c in counts) or sum(counts) != height * width:
            raise FormatError(f"uncompressed counts must be non-negative integers adding up to height x width "
                              f"({height * width})", file=file, field=f"{field}.counts")
        compressed = mask_utils.frPyObjects({"size": size, "counts": counts}, height, width)
        return None, {"size": size, "counts": compressed["counts"].decode("ascii")}
    if not isinstance(counts, str):
        raise FormatError(f"must be a string (compressed) or a list of integers, got {type(counts).__name__}",
                          file=file, field=f"{field}.counts")
    # checked before pycocotools ever decodes it: its C decoder trusts the counts
    runs = rle_counts(counts)
    total = None if runs is None else sum(runs)
    if total != height * width:
        got = "are not a compressed RLE" if total is None else f"cover {total} pixels"
        raise FormatError(f"the compressed counts {got}, not height x width ({height * width})",
                          file=file, field=f"{field}.counts")
    return None, {"size": size, "counts": counts}


def _rle(polygons: Any, rle: Any, height: int, width: int) -> dict[str, Any]:
    if polygons:
        return mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
    return rle


def _results(source: Any, by_id: dict[int, int], category_ids: set[int]) -> list[list[dict[str, Any]]]:
    file, dets = _load(source, "results")
    if not isinstance(dets, list):
        raise FormatError(f"a COCO results file holds a list of detections, got {type(dets).__name__}", file=file)
    out: list[list[dict[str, Any]]] = [[] for _ in by_id]
    for j, det in enumerate(dets):
        where = f"[{j}]"
        if type(det) is not dict:
            raise FormatError("must be an object", file=file, field=where)
        image_id = _plain(det.get("image_id"))
        k = by_id.get(image_id) if type(image_id) is int else None
        if k is None:
            raise FormatError(f"image id {image_id!r} names no image of the annotations", file=file,
                              field=f"{where}.image_id")
        cid = _plain(det.get("category_id"))
        if type(cid) is not int or cid not in category_ids:
            raise FormatError(f"category id {cid!r} names no category of the annotations", file=file,
                              field=f"{where}.category_id")
        score = _plain(det.get("score"))
        if type(score) not in _NUM or score - score != 0:
            raise FormatError(f"must be a finite number, got {score!r}", file=file, field=f"{where}.score")
        bbox = _plain_list(det.get("bbox"))
        if bbox is None and isinstance(det.get("segmentation"), Mapping):
            bbox = [float(v) for v in mask_utils.toBbox(det["segmentation"])]
        if (type(bbox) is not list or len(bbox) != 4
                or not all(type(v) in _NUM and v - v == 0 for v in bbox) or bbox[2] < 0 or bbox[3] < 0):
            raise _bad_bbox(bbox, file, f"{where}.bbox")
        x, y, w, h = bbox
        out[k].append({"position": {"minX": x, "maxX": x + w, "minY": y, "maxY": y + h}, "domain": "pixel",
                       "class_id": cid, "scores": {"score": score}})
    return out


# ------------------------------------------------------------------------------------------------------ writing
def write_coco(
    table: Table,
    path: str | os.PathLike[str] | None = None,
    *,
    layer: str = "ground_truth",
    image: str | None = None,
    annotations: str = "annotations",
    categories: Sequence[Mapping[str, Any]] | None = None,
    info: Mapping[str, Any] | None = None,
    licenses: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """COCO ground truth from the boxes of `layer`: `{"images", "annotations", "categories"}`, written to `path`
    when given.

    Image ids, file names and sizes come from the `image_id`, `file_name`, `width` and `height` columns when the
    table has them (else the row number, the image file's name and its size). Where the table has the
    `annotations` column `read_coco` makes, each box is written with its record: the annotation id, the bbox as
    read (exact) unless the box was changed, area, iscrowd and segmentation. Other boxes get new ids, area
    width x height and iscrowd 0. Categories come from the images' class set (or `categories`).
    """
    rows = table_rows(table, image)
    images: list[dict[str, Any]] = []
    anns: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # annotations still without an id
    used_ids: set[int] = set()
    seen_images: set[int] = set()
    class_ids: set[int] = set()
    for i, row, img in rows.images():
        image_id, file_name, width, height = _image_entry(rows, i, row, img)
        if image_id in seen_images:
            raise ValueError(f"row {i}: image id {image_id} appears twice; COCO image ids are unique")
        seen_images.add(image_id)
        images.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        boxes = img._box_layers.get(layer) or []
        recs = rows.value(row, annotations)
        if recs is not None and len(recs) != len(boxes):
            raise ValueError(f"row {i}: the {annotations!r} column holds {len(recs)} records but layer {layer!r} "
                             f"has {len(boxes)} boxes; drop the column to write the boxes alone")
        for k, box in enumerate(boxes):
            x0, y0, x1, y1 = box_corners(box, width, height)
            bbox = [x0, y0, extent(x0, x1), extent(y0, y1)]
            rec = recs[k] if recs is not None else None
            ann: dict[str, Any] = {"image_id": image_id, "category_id": box["class_id"]}
            class_ids.add(box["class_id"])
            if rec is not None:
                same = rec.get("bbox") is not None and _same_bbox(rec["bbox"], bbox)
                ann["bbox"] = list(rec["bbox"]) if same else bbox
                has_shape = bool(rec.get("polygons") or rec.get("rle"))
                ann["area"] = rec["area"] if (same or has_shape) and rec.get("area") is not None \
                    else bbox[2] * bbox[3]
                ann["iscrowd"] = int(rec.get("iscrowd") or 0)
                if rec.get("polygons"):
                    ann["segmentation"] = [list(p) for p in rec["polygons"]]
                elif rec.get("rle"):
                    ann["segmentation"] = {"size": list(rec["rle"]["size"]), "counts": rec["rle"]["counts"]}
                if rec.get("id") is not None:
                    ann["id"] = int(rec["id"])
                    if ann["id"] in used_ids:
                        raise ValueError(f"row {i}: annotation id {ann['id']} appears twice")
                    used_ids.add(ann["id"])
            else:
                ann.update(bbox=bbox, area=bbox[2] * bbox[3], iscrowd=0)
            if "id" not in ann:
                pending.append(ann)
            anns.append(ann)
    next_id = max(used_ids, default=0) + 1
    for ann in pending:
        ann["id"] = next_id
        next_id += 1
    out: dict[str, Any] = {}
    if info is not None:
        out["info"] = dict(info)
    if licenses is not None:
        out["licenses"] = [dict(x) for x in licenses]
    out.update(images=images, annotations=[_ordered(a) for a in anns],
               categories=_category_list(rows, categories, class_ids))
    if path is not None:
        write_json(path, out)
    return out


def write_coco_results(
    table: Table,
    path: str | os.PathLike[str] | None = None,
    *,
    layer: str = "predictions",
    score: str = "score",
    image: str | None = None,
) -> list[dict[str, Any]]:
    """COCO detection results from the boxes of `layer`: `[{image_id, category_id, bbox, score}]`, the list
    `COCO.loadRes` reads; `score` names the key of each box's `scores` that holds its confidence."""
    rows = table_rows(table, image)
    out = []
    for i, row, img in rows.images():
        image_id, _, width, height = _image_entry(rows, i, row, img, need_name=False)
        for k, box in enumerate(img._box_layers.get(layer) or []):
            s = (box.get("scores") or {}).get(score)
            if s is None:
                raise ValueError(f"row {i}, layer {layer!r}, box {k}: no score {score!r} (its scores: "
                                 f"{sorted(box.get('scores') or {})}); name the score with score=...")
            x0, y0, x1, y1 = box_corners(box, width, height)
            out.append({"image_id": image_id, "category_id": box["class_id"],
                        "bbox": [x0, y0, extent(x0, x1), extent(y0, y1)], "score": s})
    if path is not None:
        write_json(path, out)
    return out


def _image_entry(rows: Rows, i: int, row: list[Any], img: Image, need_name: bool = True
                 ) -> tuple[int, str | None, int, int]:
    image_id = rows.value(row, "image_id", i)
    if isinstance(image_id, bool) or not isinstance(image_id, int):
        raise ValueError(f"row {i}: the image_id column must hold integers, got {image_id!r}")
    width = rows.value(row, "width")
    height = rows.value(row, "height")
    if not isinstance(width, int) or not isinstance(height, int):
        width, height = img.width, img.height
    name = None
    if need_name:
        name = rows.value(row, "file_name")
        if not isinstance(name, str):
            name = os.path.basename(img.path) if img.path else f"{image_id}.{image_extension(img)}"
    return image_id, name, width, height


def _same_bbox(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == 4 and all(abs(float(x) - y) <= 1e-9 * max(1.0, abs(y)) for x, y in zip(a, b))


def _ordered(ann: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation")
    return {k: ann[k] for k in keys if k in ann}


def _category_list(rows: Rows, categories: Sequence[Mapping[str, Any]] | None, used: set[int]
                   ) -> list[dict[str, Any]]:
    if categories is not None:
        return [dict(c) for c in categories]
    classes = rows.classes()
    if classes is not None:
        return [{"id": c["id"], "name": c["name"]} for c in classes.class_set]
    return [{"id": c, "name": str(c)} for c in sorted(used)]


register_converter("coco", read_coco, write_coco)
register_converter("coco-results", None, write_coco_results)  # results are read with the annotations they answer
