"""`Image`: pixels plus bounding boxes, segmentation masks, caption and class set, as in `wandb.Image`.

Pixels live in a `_Pixels` object that several images may share: an `Image` built from another `Image` refers to
the same pixels (and, once logged, to the same stored file) instead of copying them.
"""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._core.errors import CorruptFileError, ImageTooLargeError
from .._core.hashing import sha256_bytes
from ._files import image_facts
from .classes import INT64_MAX, INT64_MIN, Classes

__all__ = ["Image", "Mask", "Pixels", "normalize_box", "validate_boxes"]

_FILE_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tiff"}
_POSITION_MINMAX = ("minX", "maxX", "minY", "maxY")


class Pixels:
    """The pixels of one image file, encoded once and shared by every `Image` that refers to them.

    `origin` is set when the pixels come from a stored artifact: `(artifact "name:vN", logical path)`; adding an
    image with an origin to another artifact records a reference rather than copying bytes. `read`, given for a
    stored file, returns its bytes checked against their digest (the store's check, `DamagedObjectError`).
    """

    def __init__(
        self,
        *,
        array: np.ndarray | None = None,
        pil: PILImage.Image | None = None,
        path: str | None = None,
        fmt: str | None = None,
        digest: str | None = None,
        size: tuple[int, int] | None = None,
        origin: tuple[str, str] | None = None,
        read: Callable[[], bytes] | None = None,
    ) -> None:
        self._array = array
        self._read = read
        self._pil = pil
        self._path = path
        self._fmt = fmt
        self._digest = digest
        self._size = size
        self.origin = origin
        self._bytes: bytes | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_any(cls, data: Any) -> Pixels:
        if isinstance(data, np.ndarray):
            return cls(array=_to_uint8(data))
        if isinstance(data, PILImage.Image):
            return cls(pil=data.copy())
        if isinstance(data, (str, os.PathLike)):
            path = os.fspath(data)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"image file {path!r} does not exist")
            return cls(path=path)
        if hasattr(data, "__array__"):  # torch tensors and the like
            return cls(array=_to_uint8(np.asarray(data)))
        raise TypeError(
            f"Image data must be a numpy array, a PIL image, a file path or another Image, got {type(data).__name__}"
        )

    @classmethod
    def from_encoded(cls, data: bytes, name: str = "<bytes>") -> Pixels:
        """Pixels given as the bytes of an image file (a `datasets` Image feature): stored as they are."""
        px = cls(fmt=_sniff_format(data, name), digest=sha256_bytes(data))
        px._bytes = data
        return px

    @property
    def path(self) -> str | None:
        """Local file holding the encoded pixels, when there is one."""
        return self._path

    def content_key(self) -> str | None:
        """A hash of the raw pixels of an array source, known before (and without) encoding it."""
        return _array_key(self._array)

    def assume_encoded(self, digest: str, fmt: str) -> None:
        """Record the digest of this array's encoding, known from an earlier encoding of the same pixels."""
        self._digest, self._fmt = digest, fmt

    def encoded(self) -> tuple[bytes, str]:
        """The file bytes and format; arrays and PIL images are encoded as PNG (lossless)."""
        with self._lock:
            if self._bytes is None:
                if self._path is not None:
                    try:
                        self._bytes = self._read() if self._read is not None else Path(self._path).read_bytes()
                    except FileNotFoundError:
                        raise FileNotFoundError(
                            f"the pixels of this image are not available: {self._path!r} does not exist (when the "
                            "image is a reference into another artifact, put that artifact's files there)") from None
                    if self._fmt is None:
                        self._fmt = _sniff_format(self._bytes, self._path)
                else:
                    pil = self._pil if self._pil is not None else PILImage.fromarray(self._array)
                    buf = io.BytesIO()
                    pil.save(buf, format="PNG", compress_level=3)
                    self._bytes = buf.getvalue()
                    self._fmt = "png"
                if self._read is None or self._digest is None:  # a checked read has the digest already
                    self._digest = sha256_bytes(self._bytes)
            return self._bytes, self._fmt  # type: ignore[return-value]

    def _learn_file(self) -> None:
        """Digest, format and size of a file source from the per-process memo (`media/_files.py`): a file that many
        images name is read and hashed once, not once per image."""
        try:
            facts = image_facts(self._path)  # type: ignore[arg-type]
        except FileNotFoundError:
            raise FileNotFoundError(
                f"the pixels of this image are not available: {self._path!r} does not exist") from None
        if self._digest is None:
            self._digest = facts.digest
        if self._fmt is None:
            self._fmt = facts.format
        if self._size is None:
            self._size = facts.size

    def release(self) -> None:
        """Forget encoded bytes that can be made again, read from the file or encoded from the array (keeps memory
        flat when logging many images); bytes given as such are kept."""
        if self._path is not None or self._array is not None or self._pil is not None:
            self._bytes = None

    @property
    def digest(self) -> str:
        if self._digest is None and self._path is not None and self._bytes is None:
            self._learn_file()
        if self._digest is None:
            self.encoded()
        return self._digest  # type: ignore[return-value]

    @property
    def format(self) -> str:
        if self._fmt is None and self._path is not None and self._bytes is None:
            self._learn_file()
        if self._fmt is None:
            self.encoded()  # an unreadable or unsupported file: raises, naming it
        return self._fmt  # type: ignore[return-value]

    def pil(self) -> PILImage.Image:
        if self._pil is not None:
            return self._pil
        if self._array is not None:
            return PILImage.fromarray(self._array)
        data, _ = self.encoded()
        return _decode(data, self._where())

    def _where(self) -> str:
        if self.origin is not None:
            return f"{self.origin[1]!r} of artifact {self.origin[0]}"
        return repr(self._path) if self._path else "the image"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        if self._size is None:
            if self._array is not None:
                self._size = (int(self._array.shape[1]), int(self._array.shape[0]))
            elif self._pil is not None:
                self._size = self._pil.size
            elif self._path is not None and self._read is None:
                self._probe()
            else:
                self._size = _decode(self.encoded()[0], self._where(), header_only=True).size
        return self._size  # type: ignore[return-value]

    def _probe(self) -> None:
        """Format and size of a user's file: from what this process knows of the file (`media/_files.py`: one read
        per file, however many cells name it), or, for a file that is not a readable image, Pillow's own reason."""
        try:
            facts = image_facts(self._path)  # type: ignore[arg-type]
        except FileNotFoundError:
            raise FileNotFoundError(f"image file {self._path!r} does not exist") from None
        if facts.format is not None and facts.size is not None:
            self._digest = self._digest or facts.digest
            self._fmt = self._fmt or facts.format
            self._size = facts.size
            return
        try:
            with PILImage.open(self._path) as im:  # type: ignore[arg-type]
                fmt, size = _FILE_FORMATS.get(im.format or ""), im.size
        except FileNotFoundError:
            raise FileNotFoundError(f"image file {self._path!r} does not exist") from None
        except PILImage.DecompressionBombError as e:
            raise ImageTooLargeError(f"image file {self._path!r} is too large to decode safely ({e}); "
                                     f"{_RAISE_LIMIT}") from None
        except Exception as e:
            raise ValueError(f"image file {self._path!r} is not an image Pillow can read: {e}") from None
        if fmt is None:
            raise ValueError(f"image file {self._path!r} has an unsupported format; use png, jpg, webp or bmp")
        self._fmt = self._fmt or fmt
        self._size = size

    def check(self) -> None:
        """Fail now, naming the file, if these pixels could be stored but not read back: a file that is not an
        image, or more pixels than Pillow decodes (twice `PIL.Image.MAX_IMAGE_PIXELS`)."""
        if self._path is not None and self._read is None and (self._fmt is None or self._size is None):
            self._probe()
        w, h = self.size
        _check_pixel_count(w, h, self._where())

    def pixel_array(self) -> np.ndarray:
        if self._array is not None:
            return self._array
        return np.asarray(self.pil())


class Mask:
    """A segmentation mask: a 2-D array of class ids, given as an array or read from a PNG file.

    `read`, given for a stored file, returns its bytes checked against their digest.
    """

    def __init__(self, array: np.ndarray | None = None, path: str | None = None, digest: str | None = None,
                 read: Callable[[], bytes] | None = None) -> None:
        self._array = array
        self._path = path
        self._digest = digest
        self._read = read
        self._png: bytes | None = None
        self._shape: tuple[int, int] | None = None

    @property
    def path(self) -> str | None:
        return self._path

    def content_key(self) -> str | None:
        """A hash of the raw class ids of an array mask, known without encoding it."""
        return _array_key(self._array)

    def array(self) -> np.ndarray:
        if self._array is None:
            im = _decode(self.png(), f"mask {self._path!r}")
            arr = np.asarray(im).astype(np.int64) if im.mode not in ("L", "P") else np.asarray(im)
            if arr.ndim == 3:  # an RGB(A) mask file: class id in the first channel
                arr = arr[..., 0]
            self._array = arr
        return self._array

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width), from the array or the file's header."""
        if self._array is not None:
            return (int(self._array.shape[0]), int(self._array.shape[1]))
        if self._shape is None:
            w, h = _decode(self.png(), f"mask {self._path!r}", header_only=True).size
            self._shape = (h, w)
        return self._shape

    def png(self) -> bytes:
        """The mask as a grayscale PNG: 8-bit when every id fits, else 16-bit."""
        if self._png is None:
            if self._path is not None and self._array is None:
                self._png = self._read() if self._read is not None else Path(self._path).read_bytes()
            else:
                arr = self.array()
                if arr.size and int(arr.max()) > 255:
                    pil = PILImage.fromarray(arr.astype(np.uint16))
                else:
                    pil = PILImage.fromarray(arr.astype(np.uint8), mode="L")
                buf = io.BytesIO()
                pil.save(buf, format="PNG", compress_level=3)
                self._png = buf.getvalue()
        return self._png

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = sha256_bytes(self.png())
        return self._digest


class Image:
    """An image with optional caption, class set, bounding boxes and masks (the `wandb.Image` API).

    `data` is a numpy array (HxW, HxWx3, HxWx4; uint8, or float in [0, 1]), a PIL image, a file path
    (png, jpg, webp, bmp) or another `Image`, whose pixels are then shared, never copied.
    """

    def __init__(
        self,
        data: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Classes | list[Mapping[str, Any]] | None = None,
        boxes: Mapping[str, Any] | None = None,
        masks: Mapping[str, Any] | None = None,
        file_type: str | None = None,
        normalize: bool = True,
    ) -> None:
        del grouping, file_type, normalize  # accepted for wandb compatibility; they change nothing here
        if isinstance(data, Image):
            self._pixels = data._pixels
            caption = data._caption if caption is None else caption
            classes = data._classes if classes is None else classes
        else:
            if mode is not None and isinstance(data, np.ndarray):
                data = np.asarray(PILImage.fromarray(_to_uint8(data)).convert(mode))
            self._pixels = Pixels.from_any(data)
            self._pixels.check()
        if caption is not None and not isinstance(caption, str):
            caption = str(caption)
        self._caption = caption
        if classes is not None and not isinstance(classes, Classes):
            classes = Classes(classes)
        boxes_v, box_labels = validate_boxes(boxes)
        masks_v, mask_labels = _validate_masks(masks)
        if masks_v:
            w, h = self._pixels.size
            for layer, m in masks_v.items():
                if m.shape != (h, w):
                    raise ValueError(
                        f"masks layer {layer!r}: the mask is {m.shape[0]}x{m.shape[1]} (height x width) but the "
                        f"image is {h}x{w}; a mask holds a class id for every pixel of its image, so give one of "
                        "the image's size")
        if classes is None and (box_labels or mask_labels):
            merged = {**mask_labels, **box_labels}
            classes = Classes([{"id": k, "name": v} for k, v in sorted(merged.items())])
        self._classes = classes
        self._boxes = boxes_v
        self._masks = masks_v

    # -- read back -------------------------------------------------------------------------------------------
    @property
    def image(self) -> PILImage.Image:
        """The pixels as a PIL image."""
        return self._pixels.pil()

    @property
    def width(self) -> int:
        return self._pixels.size[0]

    @property
    def height(self) -> int:
        return self._pixels.size[1]

    @property
    def caption(self) -> str | None:
        return self._caption

    @property
    def classes(self) -> Classes | None:
        return self._classes

    @property
    def boxes(self) -> dict[str, list[dict[str, Any]]]:
        """Layer -> list of box dicts, as logged."""
        return {layer: [_copy_box(b) for b in bs] for layer, bs in self._boxes.items()}

    @property
    def masks(self) -> dict[str, np.ndarray]:
        """Layer -> 2-D numpy array of class ids."""
        return {layer: m.array() for layer, m in self._masks.items()}

    @property
    def format(self) -> str:
        return self._pixels.format

    @property
    def digest(self) -> str:
        """sha256 of the encoded image file."""
        return self._pixels.digest

    @property
    def path(self) -> str | None:
        """Local file of the pixels, when they come from a file or a stored artifact."""
        return self._pixels.path

    def to_numpy(self) -> np.ndarray:
        return self._pixels.pixel_array()

    # -- equality --------------------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return NotImplemented
        if (self._caption, self._classes, self._boxes) != (other._caption, other._classes, other._boxes):
            return False
        if self._masks.keys() != other._masks.keys():
            return False
        for layer, m in self._masks.items():
            if not np.array_equal(m.array(), other._masks[layer].array()):
                return False
        if self._pixels is other._pixels:
            return True
        if self._pixels._digest and other._pixels._digest and self._pixels._digest == other._pixels._digest:
            return True
        a, b = self._pixels.pixel_array(), other._pixels.pixel_array()
        return a.shape == b.shape and np.array_equal(a, b)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        w, h = self._pixels.size
        extra = "".join(
            f", {k}={list(v)}" for k, v in (("boxes", self._boxes), ("masks", self._masks)) if v
        )
        cap = f", caption={self._caption!r}" if self._caption else ""
        return f"Image({w}x{h}{cap}{extra})"

    # -- used by the storage layer ---------------------------------------------------------------------------
    @property
    def _box_layers(self) -> dict[str, list[dict[str, Any]]]:
        return self._boxes

    @property
    def _mask_layers(self) -> dict[str, Mask]:
        return self._masks

    @classmethod
    def _restore(
        cls,
        pixels: Pixels,
        caption: str | None,
        classes: Classes | None,
        boxes: dict[str, list[dict[str, Any]]],
        masks: dict[str, Mask],
    ) -> Image:
        """Build an image from stored parts without validating again."""
        img = cls.__new__(cls)
        img._pixels = pixels
        img._caption = caption
        img._classes = classes
        img._boxes = boxes
        img._masks = masks
        return img


def _array_key(a: np.ndarray | None) -> str | None:
    if a is None:
        return None
    return sha256_bytes(f"{a.shape}{a.dtype}".encode() + np.ascontiguousarray(a).tobytes())


_RAISE_LIMIT = ("if you trust the file, raise the limit first: PIL.Image.MAX_IMAGE_PIXELS = <pixels> "
                "(or None), in every process that logs or reads it")


def _pixel_limit() -> int | None:
    """Above this many pixels Pillow refuses to decode (DecompressionBombError): twice MAX_IMAGE_PIXELS."""
    mx = PILImage.MAX_IMAGE_PIXELS
    return None if mx is None else 2 * int(mx)


def _check_pixel_count(w: int, h: int, where: str) -> None:
    limit = _pixel_limit()
    if limit is not None and w * h > limit:
        raise ImageTooLargeError(f"{where} is {w}x{h} ({w * h:,} pixels), more than Pillow decodes safely "
                                 f"({limit:,}, twice PIL.Image.MAX_IMAGE_PIXELS): it could be stored but not "
                                 f"read back; {_RAISE_LIMIT}")


def _decode(data: bytes, where: str, *, header_only: bool = False) -> PILImage.Image:
    """Pillow's image of `data`; what Pillow cannot decode is a CorruptFileError naming `where`, never a raw
    Pillow error, and an image beyond the pixel limit an ImageTooLargeError."""
    try:
        img = PILImage.open(io.BytesIO(data))
        if not header_only:
            img.load()
        return img
    except PILImage.DecompressionBombError as e:
        raise ImageTooLargeError(f"{where} is too large to decode safely ({e}); {_RAISE_LIMIT}") from None
    except MemoryError:
        raise
    except Exception as e:  # UnidentifiedImageError, truncated data, broken chunks, zlib errors, ...
        raise CorruptFileError(f"{where} cannot be decoded as an image ({type(e).__name__}: {e}); the file is "
                               "damaged or is not an image") from None


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(f"an image array must be HxW, HxWx3 or HxWx4, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"an image array must not be empty, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ValueError("an image array of floats must not hold NaN or infinity")
        lo, hi = float(arr.min()), float(arr.max())
        if lo >= 0.0 and hi <= 1.0:
            return np.round(arr * 255).astype(np.uint8)
        if lo >= 0.0 and hi <= 255.0:
            return np.round(arr).astype(np.uint8)
        raise ValueError(f"an image array of floats must lie in [0, 1] (or [0, 255]), got [{lo}, {hi}]")
    if np.issubdtype(arr.dtype, np.integer):
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 255:
            raise ValueError(f"an image array of integers must lie in [0, 255], got [{lo}, {hi}]")
        return arr.astype(np.uint8)
    raise ValueError(f"an image array must be uint8 or float in [0, 1], got dtype {arr.dtype}")


def _sniff_format(data: bytes, path: str) -> str:
    try:
        with PILImage.open(io.BytesIO(data)) as im:
            fmt = _FILE_FORMATS.get(im.format or "")
    except Exception as e:
        raise ValueError(f"image file {path!r} is not an image Pillow can read: {e}") from None
    if fmt is None:
        raise ValueError(f"image file {path!r} has an unsupported format; use png, jpg, webp or bmp")
    return fmt


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{where} must be a number, got {value!r}")
    try:
        f = float(value)
    except OverflowError:
        raise ValueError(f"{where} is too large for a double ({value!r})") from None
    if not math.isfinite(f):
        raise ValueError(f"{where} must be finite, got {value!r}")
    return f


def _plain(value: Any) -> Any:
    """numpy scalars -> Python numbers, so boxes compare and serialise as logged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def validate_boxes(boxes: Mapping[str, Any] | None) -> tuple[dict[str, list[dict[str, Any]]], dict[int, str]]:
    """Check every box and return (layer -> boxes as logged, class labels given inline)."""
    if boxes is None:
        return {}, {}
    if not isinstance(boxes, Mapping):
        raise ValueError("boxes must be a dict: {layer: {'box_data': [box, ...]}}")
    out: dict[str, list[dict[str, Any]]] = {}
    labels: dict[int, str] = {}
    for layer, spec in boxes.items():
        if not isinstance(layer, str) or not layer:
            raise ValueError(f"boxes layer names must be non-empty strings, got {layer!r}")
        if isinstance(spec, Mapping):
            box_data = spec.get("box_data")
            for k, v in (spec.get("class_labels") or {}).items():
                labels[int(k)] = str(v)
        else:
            box_data = spec
        if not isinstance(box_data, (list, tuple)):
            raise ValueError(f"boxes layer {layer!r}: 'box_data' must be a list of boxes")
        out[layer] = [_corner_box(b) or normalize_box(b, layer, i) for i, b in enumerate(box_data)]
    return out, labels


_INT64 = (-(2**63), 2**63 - 1)


_DOUBLE_MAX = 2**1023


def _corner_box(box: Any) -> dict[str, Any] | None:
    """The most common box — corners as Python numbers, an int class id, at most a "pixel" domain besides —
    checked in one pass (a dataset logs millions); None for any other box, which `normalize_box` checks."""
    if type(box) is not dict or not 2 <= len(box) <= 3:
        return None
    pos, cid = box.get("position"), box.get("class_id")
    if type(pos) is not dict or len(pos) != 4 or type(cid) is not int or not _INT64[0] <= cid <= _INT64[1]:
        return None
    domain = box.get("domain")
    if len(box) == 3 and domain != "pixel":
        return None
    x0, x1, y0, y1 = pos.get("minX"), pos.get("maxX"), pos.get("minY"), pos.get("maxY")
    for v in (x0, x1, y0, y1):
        if type(v) is float:
            if v - v != 0:  # NaN and infinities
                return None
        elif type(v) is not int or not -_DOUBLE_MAX < v < _DOUBLE_MAX:  # an int no double holds: say so below
            return None
    if x0 > x1 or y0 > y1:  # type: ignore[operator]
        return None
    out: dict[str, Any] = {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}}
    if domain is not None:
        out["domain"] = "pixel"
    out["class_id"] = cid
    return out


def normalize_box(box: Any, layer: str, index: int) -> dict[str, Any]:
    """Validate one box and return a clean copy with Python numbers, in the form it was logged."""
    where = f"boxes layer {layer!r}, box {index}"
    if not isinstance(box, Mapping):
        raise ValueError(f"{where}: a box must be a dict with 'position' and 'class_id'")
    pos = box.get("position")
    if not isinstance(pos, Mapping):
        raise ValueError(f"{where}: field 'position' is missing or not a dict")
    clean: dict[str, Any] = {}
    if all(k in pos for k in _POSITION_MINMAX):
        p = {k: _number(pos[k], f"{where}: field 'position.{k}'") for k in _POSITION_MINMAX}
        for lo, hi in (("minX", "maxX"), ("minY", "maxY")):
            if p[lo] > p[hi]:
                raise ValueError(f"{where}: field 'position.{lo}' ({p[lo]}) is greater than 'position.{hi}' ({p[hi]})")
        clean["position"] = {k: _plain(pos[k]) for k in _POSITION_MINMAX}
    elif "middle" in pos and "width" in pos and "height" in pos:
        mid = pos["middle"]
        if not isinstance(mid, (list, tuple, np.ndarray)) or len(mid) != 2:
            raise ValueError(f"{where}: field 'position.middle' must be [x, y]")
        _number(mid[0], f"{where}: field 'position.middle[0]'")
        _number(mid[1], f"{where}: field 'position.middle[1]'")
        for k in ("width", "height"):
            if _number(pos[k], f"{where}: field 'position.{k}'") < 0:
                raise ValueError(f"{where}: field 'position.{k}' must not be negative")
        clean["position"] = {
            "middle": [_plain(mid[0]), _plain(mid[1])],
            "width": _plain(pos["width"]),
            "height": _plain(pos["height"]),
        }
    else:
        raise ValueError(
            f"{where}: field 'position' needs minX, maxX, minY, maxY or middle, width, height; got {sorted(pos)}"
        )
    domain = box.get("domain")
    if domain is not None:
        if domain != "pixel":
            raise ValueError(f"{where}: field 'domain' must be 'pixel' or absent (relative), got {domain!r}")
        clean["domain"] = "pixel"
    cid = box.get("class_id")
    if isinstance(cid, bool) or not isinstance(cid, (int, np.integer)):
        raise ValueError(f"{where}: field 'class_id' must be an integer, got {cid!r}")
    if not INT64_MIN <= int(cid) <= INT64_MAX:
        raise ValueError(f"{where}: field 'class_id' ({int(cid)}) does not fit in 64 bits; class ids are stored "
                         "as int64")
    clean["class_id"] = int(cid)
    if box.get("box_caption") is not None:
        cap = box["box_caption"]
        if not isinstance(cap, str):
            raise ValueError(f"{where}: field 'box_caption' must be a string, got {cap!r}")
        clean["box_caption"] = cap
    scores = box.get("scores")
    if scores is not None:
        if not isinstance(scores, Mapping):
            raise ValueError(f"{where}: field 'scores' must be a dict of name -> number")
        clean["scores"] = {}
        for k, v in scores.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: field 'scores' keys must be strings, got {k!r}")
            _number(v, f"{where}: field 'scores.{k}'")
            clean["scores"][k] = _plain(v)
    return clean


def _copy_box(box: dict[str, Any]) -> dict[str, Any]:
    out = dict(box)
    out["position"] = dict(box["position"])
    if "middle" in out["position"]:
        out["position"]["middle"] = list(out["position"]["middle"])
    if "scores" in out:
        out["scores"] = dict(out["scores"])
    return out


def _validate_masks(masks: Mapping[str, Any] | None) -> tuple[dict[str, Mask], dict[int, str]]:
    if masks is None:
        return {}, {}
    if not isinstance(masks, Mapping):
        raise ValueError("masks must be a dict: {layer: {'mask_data': 2-D int array} or {'path': file}}")
    out: dict[str, Mask] = {}
    labels: dict[int, str] = {}
    for layer, spec in masks.items():
        where = f"masks layer {layer!r}"
        if not isinstance(layer, str) or not layer:
            raise ValueError(f"masks layer names must be non-empty strings, got {layer!r}")
        if isinstance(spec, Mask):
            out[layer] = spec
            continue
        if not isinstance(spec, Mapping):
            raise ValueError(f"{where}: give {{'mask_data': array}} or {{'path': file}}")
        for k, v in (spec.get("class_labels") or {}).items():
            labels[int(k)] = str(v)
        if spec.get("mask_data") is not None:
            arr = np.asarray(spec["mask_data"])
            if arr.ndim != 2:
                raise ValueError(f"{where}: field 'mask_data' must be 2-D (HxW), got shape {arr.shape}")
            if arr.dtype == bool:
                arr = arr.astype(np.uint8)
            if not np.issubdtype(arr.dtype, np.integer):
                if np.issubdtype(arr.dtype, np.floating) and np.isfinite(arr).all() and (arr == np.round(arr)).all():
                    arr = arr.astype(np.int64)
                else:
                    raise ValueError(f"{where}: field 'mask_data' must hold integer class ids, got dtype {arr.dtype}")
            if arr.size and int(arr.min()) < 0:
                raise ValueError(f"{where}: field 'mask_data' holds a negative class id ({int(arr.min())})")
            if arr.size and int(arr.max()) > 65535:
                raise ValueError(f"{where}: field 'mask_data' holds a class id above 65535 ({int(arr.max())})")
            out[layer] = Mask(array=np.ascontiguousarray(arr))
        elif spec.get("path") is not None:
            path = os.fspath(spec["path"])
            if not os.path.isfile(path):
                raise ValueError(f"{where}: field 'path' names a file that does not exist: {path!r}")
            try:
                with PILImage.open(path) as im:
                    im.verify()
            except Exception as e:
                raise ValueError(f"{where}: field 'path' is not a readable image ({path!r}): {e}") from None
            out[layer] = Mask(path=path)
        else:
            raise ValueError(f"{where}: needs field 'mask_data' (2-D int array) or 'path' (PNG file)")
    return out, labels
