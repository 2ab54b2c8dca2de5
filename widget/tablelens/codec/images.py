"""Image cells: an `Image` <-> a struct naming its stored files (pixels, masks, classes) with boxes inline.

Media files go to a `MediaSink` while a table is encoded (an artifact being built) and come back from a
`MediaSource` while it is decoded; the struct layout is in docs/storage.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pyarrow as pa

from .._core.errors import CorruptFileError
from ..media.classes import Classes
from ..media.image import Image, Mask, Pixels

__all__ = [
    "ClassesCache",
    "MediaSink",
    "MediaSource",
    "box_from_record",
    "encode_images",
    "image_from_record",
    "image_struct_type",
]

_PROGRESS_DELAY_S = 2.0  # a progress bar appears only on work that lasts longer than this
_BATCH = 32  # images per task of the encoding pool


class MediaSink(Protocol):
    """Where media files go while a table is encoded (an artifact being built)."""

    def add_image_pixels(self, pixels: Pixels) -> str: ...
    def add_mask(self, mask: Mask) -> str: ...
    def add_classes(self, classes: Classes) -> str: ...


class MediaSource(Protocol):
    """Where media files come from while a table is decoded (a stored or staged artifact).

    `local_path` gives a file whose bytes were checked against their digest (a damaged one raises
    `DamagedObjectError`); `lazy_file` gives the file and a function returning its checked bytes, for media that
    are read only if and when their pixels are used.
    """

    def local_path(self, logical_path: str) -> str: ...
    def lazy_file(self, logical_path: str) -> tuple[str, Callable[[], bytes]]: ...
    def origin(self) -> str | None: ...


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
    """The struct of an image column with these box layers (-> score keys) and mask layers."""
    fields: list[tuple[str, pa.DataType]] = [
        ("path", pa.string()), ("digest", pa.string()), ("format", pa.string()),
        ("width", pa.int32()), ("height", pa.int32()), ("caption", pa.string()), ("classes", pa.string()),
    ]
    if box_layers:
        fields.append(("boxes", pa.struct([(l, pa.list_(_box_type(s))) for l, s in box_layers.items()])))
    if mask_layers:
        fields.append(("masks", pa.struct([(l, _MASK_TYPE) for l in mask_layers])))
    return pa.struct(fields)


def _boxes_array(per_image: list[list[dict[str, Any]] | None], score_keys: list[str]) -> pa.Array:
    """One layer's boxes of every image as a list<struct> array, built column by column (a table logs millions
    of boxes: no record dict per box); None is a null list (the image has no such layer)."""
    min_x: list[float] = []
    max_x: list[float] = []
    min_y: list[float] = []
    max_y: list[float] = []
    middle: list[list[float] | None] = []
    width: list[float | None] = []
    height: list[float | None] = []
    domain: list[str | None] = []
    class_id: list[int] = []
    caption: list[str | None] = []
    scores: dict[str, list[float | None]] = {k: [] for k in score_keys}
    offsets = [0]
    nulls = []
    for boxes in per_image:
        nulls.append(boxes is None)
        for b in boxes or ():
            pos = b["position"]
            if "middle" in pos:
                (mx, my), w, h = pos["middle"], pos["width"], pos["height"]
                min_x.append(mx - w / 2)
                max_x.append(mx + w / 2)
                min_y.append(my - h / 2)
                max_y.append(my + h / 2)
                middle.append([float(mx), float(my)])
                width.append(float(w))
                height.append(float(h))
            else:
                min_x.append(float(pos["minX"]))
                max_x.append(float(pos["maxX"]))
                min_y.append(float(pos["minY"]))
                max_y.append(float(pos["maxY"]))
                middle.append(None)
                width.append(None)
                height.append(None)
            domain.append(b.get("domain"))
            class_id.append(b["class_id"])
            caption.append(b.get("box_caption"))
            if score_keys:
                sc = b.get("scores") or {}
                for k in score_keys:
                    v = sc.get(k)
                    scores[k].append(None if v is None else float(v))
        offsets.append(len(class_id))
    children = [pa.array(min_x, pa.float64()), pa.array(max_x, pa.float64()), pa.array(min_y, pa.float64()),
                pa.array(max_y, pa.float64()), pa.array(middle, pa.list_(pa.float64())),
                pa.array(width, pa.float64()), pa.array(height, pa.float64()), pa.array(domain, pa.string()),
                pa.array(class_id, pa.int64()), pa.array(caption, pa.string())]
    box_type = _box_type(score_keys)
    if score_keys:
        score_type = box_type.field("scores").type
        children.append(pa.StructArray.from_arrays([pa.array(scores[k], pa.float64()) for k in score_keys],
                                                   fields=list(score_type)))
    values = pa.StructArray.from_arrays(children, fields=list(box_type))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, mask=pa.array(nulls, pa.bool_()))


def encode_images(values: list[Any], sink: MediaSink, *, workers: int | None) -> tuple[pa.Array, dict[str, Any]]:
    """The struct array of an image column (media written to `sink`) and its column metadata."""
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

    n = len(values)
    cols: dict[str, list[Any]] = {k: [None] * n for k in ("path", "digest", "format", "width", "height", "caption",
                                                          "classes")}
    layer_boxes: dict[str, list[list[dict[str, Any]] | None]] = {layer: [None] * n for layer in box_layers}
    layer_masks: dict[str, list[dict[str, str] | None]] = {layer: [None] * n for layer in mask_layers}
    it = iter(paths)
    for i, v in enumerate(values):
        if v is None:
            continue
        img_path, mask_paths = next(it)
        px = v._pixels
        size = px.size
        cols["path"][i], cols["digest"][i], cols["format"][i] = img_path, px.digest, px.format
        cols["width"][i], cols["height"][i], cols["caption"][i] = size[0], size[1], v.caption
        if v.classes is not None:
            cols["classes"][i] = class_paths[class_sets.index(v.classes)]
        for layer, boxes in v._box_layers.items():
            layer_boxes[layer][i] = boxes
        for layer, mask in v._mask_layers.items():
            layer_masks[layer][i] = {"path": mask_paths[layer], "digest": mask.digest}
    struct_type = image_struct_type(box_layers, mask_layers)
    children = [pa.array(cols[f.name], f.type) for f in list(struct_type)[:7]]
    if box_layers:
        arrays = [_boxes_array(layer_boxes[layer], keys) for layer, keys in box_layers.items()]
        children.append(pa.StructArray.from_arrays(arrays, fields=list(struct_type.field("boxes").type)))
    if mask_layers:
        arrays = [pa.array(layer_masks[layer], _MASK_TYPE) for layer in mask_layers]
        children.append(pa.StructArray.from_arrays(arrays, fields=list(struct_type.field("masks").type)))
    arr = pa.StructArray.from_arrays(children, fields=list(struct_type),
                                     mask=pa.array([v is None for v in values], pa.bool_()))
    meta: dict[str, Any] = {"kind": "image", "layers": {"boxes": list(box_layers), "masks": mask_layers},
                            "scores": {l: k for l, k in box_layers.items() if k}}
    if len(class_sets) == 1:
        meta["classes"] = class_sets[0].class_set
    return arr, meta


def _store_media_parallel(
    images: list[Image], sink: MediaSink, *, workers: int | None
) -> list[tuple[str, dict[str, str]]]:
    """Encode and store every image and mask, in parallel threads (PNG encoding releases the GIL)."""
    from tqdm.auto import tqdm

    def one(img: Image) -> tuple[str, dict[str, str]]:
        path = sink.add_image_pixels(img._pixels)
        masks = {layer: sink.add_mask(m) for layer, m in img._mask_layers.items()}
        return path, masks

    def batch(imgs: list[Image]) -> list[tuple[str, dict[str, str]]]:
        return [one(img) for img in imgs]

    if len(images) < 8:
        return batch(images)
    n = workers or min(8, (os.cpu_count() or 2))
    # a task per batch, not per image: an image whose file is already known costs microseconds, a future more
    batches = [images[i:i + _BATCH] for i in range(0, len(images), _BATCH)]
    out: list[tuple[str, dict[str, str]]] = []
    with ThreadPoolExecutor(max_workers=n) as pool, tqdm(
        total=len(images), unit="img", desc="encoding images", delay=_PROGRESS_DELAY_S, leave=False
    ) as bar:
        for res in pool.map(batch, batches):
            out.extend(res)
            bar.update(len(res))
    return out


class ClassesCache:
    """Class sets read from a media source, each file parsed once per decode."""

    def __init__(self, source: MediaSource | None) -> None:
        self._source = source
        self._cache: dict[str, Classes] = {}

    def get(self, path: str | None) -> Classes | None:
        if path is None or self._source is None:
            return None
        if path not in self._cache:
            local = self._source.local_path(path)  # checked against its digest
            try:
                with open(local, "rb") as f:
                    self._cache[path] = Classes.from_json(json.load(f))
            except (OSError, ValueError, TypeError, RecursionError) as e:
                raise CorruptFileError(f"classes file {path!r} cannot be read: {e}") from None
        return self._cache[path]


def box_from_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A stored box as the dict it was logged as (corners, or middle/width/height)."""
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


def image_from_record(rec: dict[str, Any], source: MediaSource | None, classes: ClassesCache | None = None) -> Image:
    """An `Image` whose pixels and masks are read lazily from the stored files named in `rec`."""
    if source is None:
        raise CorruptFileError("an image cell needs the artifact it belongs to")
    classes = classes or ClassesCache(source)
    origin = source.origin()
    local, read = source.lazy_file(rec["path"])  # the bytes are checked against their digest when read
    pixels = Pixels(
        path=local, fmt=rec.get("format"), digest=rec.get("digest"),
        size=(int(rec["width"]), int(rec["height"])) if rec.get("width") else None,
        origin=(origin, rec["path"]) if origin else None, read=read,
    )
    boxes = {layer: [box_from_record(b) for b in bs]
             for layer, bs in (rec.get("boxes") or {}).items() if bs is not None}
    masks = {}
    for layer, m in (rec.get("masks") or {}).items():
        if m is not None:
            mlocal, mread = source.lazy_file(m["path"])
            masks[layer] = Mask(path=mlocal, digest=m.get("digest"), read=mread)
    return Image._restore(pixels, rec.get("caption"), classes.get(rec.get("classes")), boxes, masks)


