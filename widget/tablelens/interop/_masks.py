"""Mask layers painted from instance shapes (COCO polygons and RLE, YOLO segments) when first needed.

A converter's dataset may hold 100,000 images: their masks are never decoded when the table is read, only when a
mask is shown or logged, and the decoded array is not kept (a logged mask is a PNG file from then on). Polygons
become RLEs with pycocotools — the code COCO's own evaluation uses — so a mask here is the mask `COCO.annToMask`
gives, pixel for pixel. The RLEs are then painted here, run by run (`rle_counts` reads pycocotools' compressed
string as its `rleFrString` does): its `decode` builds a full-size array per shape, 20x slower.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from .._core.hashing import sha256_bytes
from ..media.image import Mask

__all__ = ["PaintedMask", "Shape", "rle_counts", "shape_rle"]

# pycocotools' decoder asks numpy 2 for copy=False on its own RLE objects and numpy warns; the mask is right. A
# filter here (narrowed to that message and module) rather than around each call: warnings.catch_warnings is not
# thread-safe, and masks are painted in the encoding threads.
warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy keyword",
                        category=DeprecationWarning, module="pycocotools")

# (class id, segmentation as COCO writes it: a list of polygons [x1, y1, x2, y2, ...] in pixels, or an RLE
# {"size": [h, w], "counts": str | list[int]})
Shape = tuple[int, Any]


def rle_counts(counts: str | bytes) -> list[int] | None:
    """The run lengths of a compressed RLE string (pycocotools' `rleFrString`: 5-bit groups, a sign bit, each
    count after the second stored as the difference to the one two before); None when it is not one."""
    if isinstance(counts, bytes):
        counts = counts.decode("ascii", "replace")
    cnts: list[int] = []
    p, n = 0, len(counts)
    while p < n:
        x = k = 0
        more = True
        while more:
            if p >= n:
                return None
            c = ord(counts[p]) - 48
            if not 0 <= c <= 63:
                return None
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(cnts) > 2:
            x += cnts[-2]
        if x < 0:
            return None
        cnts.append(x)
    return cnts


def shape_rle(segmentation: Any, height: int, width: int) -> dict[str, Any]:
    """One compressed RLE for a COCO segmentation, exactly as `COCO.annToRLE` builds it."""
    if isinstance(segmentation, list):
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    if isinstance(segmentation.get("counts"), list):
        return mask_utils.frPyObjects(segmentation, height, width)
    return segmentation


class PaintedMask(Mask):
    """A mask layer of class ids (0 where no shape is) painted from `shapes` in order: a later shape covers an
    earlier one where they overlap.

    `size` is (width, height), or a function giving it (a YOLO image's size is known only from its file).
    With `relative=True` polygon coordinates are fractions of the width and height (YOLO's segments).
    """

    def __init__(self, size: tuple[int, int] | Callable[[], tuple[int, int]], shapes: Sequence[Shape],
                 relative: bool = False) -> None:
        super().__init__()
        self._size = size
        self._shapes = list(shapes)
        self._relative = relative
        self._key: str | None = None

    def _wh(self) -> tuple[int, int]:
        return self._size() if callable(self._size) else self._size

    def array(self) -> np.ndarray:
        """The painted class ids (uint8, or uint16 when an id is above 255); computed anew on every call."""
        w, h = self._wh()
        top = max((c for c, _ in self._shapes), default=0)
        out = np.zeros((h, w), np.uint16 if top > 255 else np.uint8, order="F")  # the order RLEs decode in
        for class_id, seg in self._shapes:
            if self._relative:
                seg = [[v * (w if i % 2 == 0 else h) for i, v in enumerate(poly)] for poly in seg]
            _paint(out.reshape(-1, order="F"), shape_rle(seg, h, w)["counts"], class_id)
        return np.ascontiguousarray(out)

    def content_key(self) -> str:
        """A hash of the shapes (known without painting): logging the same dataset again skips painting."""
        if self._key is None:
            text = json.dumps([list(self._wh()), self._relative, self._shapes], separators=(",", ":"))
            self._key = sha256_bytes(b"painted-mask:" + text.encode())
        return self._key


def _paint(flat: np.ndarray, counts: str | bytes | list[int], class_id: int) -> None:
    """Set the pixels an RLE covers (the odd runs, in column-major order) to `class_id`."""
    cnts = np.asarray(counts if isinstance(counts, list) else rle_counts(counts), np.int64)
    ends = np.cumsum(cnts)
    starts, stops = (ends - cnts)[1::2], ends[1::2]
    lengths = stops - starts
    if not lengths.size or not lengths.sum():
        return
    # every covered index at once: each run's start repeated over its length, plus a running offset
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    flat[first + np.arange(int(lengths.sum()))] = class_id
