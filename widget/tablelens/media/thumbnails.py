"""Thumbnails and mask PNGs for the Explorer's image cells, made in the kernel with Pillow.

The browser asks for a page's thumbnails in one message at the size it will draw them (device pixels); these
functions turn image files into small encoded images (WebP, JPEG or PNG, whichever is smaller) so a 50-row
page of 256 px thumbnails stays well under 1 MB, and cache them on disk by (content hash, size) so scrolling
back or re-opening a notebook costs a file read. The batch functions never raise: a bad file becomes an
`error` entry whose message the cell shows in place of the image.

Pixels are not rotated by EXIF orientation: box and mask coordinates were logged against the raw pixel grid
that Pillow reads, and the thumbnail must match it.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .._core.errors import TablelensError
from .._core.hashing import known_sha256
from ._cache import cache_path, content_sha256, default_cache_dir, read_entry, write_entry

__all__ = [
    "MaskError",
    "MediaError",
    "mask_png",
    "masks",
    "pack_items",
    "thumbnail",
    "thumbnails",
]

# Bump when the encoding policy changes so old cache entries are not served.
_VERSION = "v1"
_JPEG_QUALITY = 80
_WEBP_QUALITY = 75
_MAX_SIZE = 16384

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


class MediaError(TablelensError):
    """An image or mask file cannot be turned into something the browser can show.

    `reason`: "missing", "unreadable", "corrupt", "too-large" or "unsupported"; the message names the file.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class MaskError(MediaError):
    """A mask file is not a single-channel image of class ids that fit in 8 bits."""


# --------------------------------------------------------------------------- thumbnails


def thumbnail(path: str, size: int, cache_dir: str | None = None) -> tuple[bytes, str, int, int]:
    """Encoded thumbnail of the image at `path` whose longest side is `size` (never upscaled).

    Returns `(bytes, mime, width, height)`. Cached under `cache_dir` (default: `default_cache_dir()`) by the
    file's content sha256 and `size`; a cache hit reads one small file and decodes no pixels.
    Raises `MediaError` with a message fit to show the user.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"thumbnail size must be a positive int (longest side in pixels), got {size!r}")
    size = min(size, _MAX_SIZE)
    try:
        st = os.stat(path)
        # a stored file the store has just checked is not read again to name its cache entry
        digest = known_sha256(path, st) or content_sha256(path, st)
    except OSError as e:
        raise _file_error(path, e) from e
    entry = cache_path(cache_dir if cache_dir is not None else default_cache_dir(), digest, f"{size}.{_VERSION}")
    cached = read_entry(entry)
    if cached is not None:
        info = _describe(cached)
        if info is not None:
            return cached, info[0], info[1], info[2]
    data, mime, width, height = _make_thumbnail(path, size)
    write_entry(entry, data)
    return data, mime, width, height


def thumbnails(
    items: Sequence[tuple[Hashable, str, int]],
    cache_dir: str | None = None,
    max_workers: int | None = None,
) -> list[dict[str, Any]]:
    """Thumbnails for `(key, path, size)` items, in order, made in a thread pool; never raises.

    Each result is `{"key", "data": bytes, "mime", "width", "height"}` or `{"key", "error": str}`.
    Pillow releases the GIL while decoding, resizing and encoding, so threads use every core.
    """

    def one(item: tuple[Hashable, str, int]) -> dict[str, Any]:
        key = item[0]
        try:
            _key, path, size = item
            data, mime, width, height = thumbnail(path, size, cache_dir)
        except MediaError as e:
            return {"key": key, "error": str(e)}
        except Exception as e:  # never let one bad item break a page
            return {"key": key, "error": f"could not make a thumbnail: {type(e).__name__}: {e}"}
        return {"key": key, "data": data, "mime": mime, "width": width, "height": height}

    return _map(one, items, max_workers)


# --------------------------------------------------------------------------- masks


def mask_png(path: str) -> bytes:
    """The mask at `path` as an 8-bit grayscale PNG whose pixel values are the class ids.

    Always re-encoded, so no colour profile or gamma chunk can make a browser alter the ids. 16-bit masks are
    narrowed when every id fits in 8 bits; otherwise `MaskError` says so (the browser's mask path is 8-bit).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                ids = _mask_ids(im, path)
    except MediaError:
        raise
    except (
        OSError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as e:
        raise _file_error(path, e, what="mask") from e
    out = io.BytesIO()
    Image.fromarray(ids, mode="L").save(out, format="PNG", compress_level=6)
    return out.getvalue()


def masks(items: Sequence[tuple[Hashable, str]], max_workers: int | None = None) -> list[dict[str, Any]]:
    """Mask PNGs for `(key, path)` items, in order; never raises.

    Each result is `{"key", "data": bytes, "mime": "image/png", "width", "height"}` or `{"key", "error"}`.
    """

    def one(item: tuple[Hashable, str]) -> dict[str, Any]:
        key = item[0]
        try:
            data = mask_png(item[1])
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
        except MediaError as e:
            return {"key": key, "error": str(e)}
        except Exception as e:
            return {"key": key, "error": f"could not read the mask: {type(e).__name__}: {e}"}
        return {"key": key, "data": data, "mime": "image/png", "width": width, "height": height}

    return _map(one, items, max_workers)


def pack_items(results: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[bytes]]:
    """Split results into the protocol's JSON items (`"buffer": i`) and the list of binary buffers."""
    items: list[dict[str, Any]] = []
    buffers: list[bytes] = []
    for r in results:
        if "data" in r:
            item = {k: v for k, v in r.items() if k != "data"}
            item["buffer"] = len(buffers)
            buffers.append(r["data"])
            items.append(item)
        else:
            items.append(dict(r))
    return items, buffers


# --------------------------------------------------------------------------- internals


def _map(fn: Any, items: Sequence[Any], max_workers: int | None) -> list[dict[str, Any]]:
    if len(items) <= 1:
        return [fn(it) for it in items]
    if max_workers is not None:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="tablelens-media") as pool:
            return list(pool.map(fn, items))
    return list(_shared_pool().map(fn, items))


def _shared_pool() -> ThreadPoolExecutor:
    """One pool per process: a page request should not pay for starting threads."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(2, min(8, os.cpu_count() or 2))
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tablelens-media")
        return _pool


def _file_error(path: str, e: BaseException, what: str = "image") -> MediaError:
    if isinstance(e, FileNotFoundError):
        return MediaError(f"{what} file not found: {path}", "missing")
    if isinstance(e, IsADirectoryError):
        return MediaError(f"{what} path is a folder, not a file: {path}", "unreadable")
    if isinstance(e, PermissionError):
        return MediaError(f"cannot read the {what} file (permission denied): {path}", "unreadable")
    if isinstance(e, UnidentifiedImageError):
        return MediaError(f"not a readable {what} (unknown or corrupt format): {path}", "corrupt")
    if isinstance(e, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return MediaError(f"{what} is too large to decode safely: {path} ({e})", "too-large")
    return MediaError(f"{what} file is corrupt or truncated: {path} ({e})", "corrupt")


def _make_thumbnail(path: str, size: int) -> tuple[bytes, str, int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if w <= 0 or h <= 0:
                    raise MediaError(f"image has no pixels ({w}x{h}): {path}", "corrupt")
                scale = min(1.0, size / max(w, h))
                tw, th = max(1, round(w * scale)), max(1, round(h * scale))
                if scale < 1.0 and im.format == "JPEG":
                    im.draft(None, (tw, th))  # decode at 1/2, 1/4 or 1/8 scale: far less work
                im.seek(0)
                im.load()
                img = _display_mode(im)
    except MediaError:
        raise
    except (
        OSError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        ValueError,
        SyntaxError,
    ) as e:
        raise _file_error(path, e) from e
    if img.size != (tw, th):
        img = img.resize((tw, th), Image.Resampling.LANCZOS, reducing_gap=3.0)
    data, mime = _encode(img)
    return data, mime, tw, th


def _display_mode(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to L, RGB or RGBA (RGBA only when some pixel is not opaque)."""
    mode = im.mode
    if mode in ("L", "RGB"):
        return im.copy()  # the source is closed when this returns
    if mode == "1":
        return im.convert("L")
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("LA", "PA", "La", "RGBa", "RGBA"):
        im = im.convert("RGBA")
        lo, _hi = im.getchannel("A").getextrema()
        return im if lo < 255 else im.convert("RGB")
    if mode.startswith("I") or mode == "F":
        # 16/32-bit or float pixels (depth maps, medical images): stretch the range to 8 bits for display.
        arr = np.asarray(im, dtype=np.float64)
        finite = arr[np.isfinite(arr)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        arr = np.nan_to_num((arr - lo) / span * 255.0, nan=0.0, posinf=255.0, neginf=0.0)
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), mode="L")
    return im.convert("RGB")


def _encode(img: Image.Image) -> tuple[bytes, str]:
    """Encode with each fitting format and keep the smallest.

    Photos: JPEG q80 vs WebP q75 (similar visual quality; WebP usually 10-25% smaller). Images with few
    colours (charts, synthetic scenes) also try PNG, which is then lossless and often smaller.
    Alpha: WebP (alpha kept lossless) vs PNG.
    """
    candidates: list[tuple[bytes, str]] = []
    if img.mode == "RGBA":
        candidates.append((_save(img, "WEBP", quality=_WEBP_QUALITY, alpha_quality=100, method=4), "image/webp"))
        candidates.append((_save(img, "PNG", compress_level=6), "image/png"))
    else:
        candidates.append((_save(img, "JPEG", quality=_JPEG_QUALITY, optimize=True), "image/jpeg"))
        rgb = img if img.mode == "RGB" else img.convert("RGB")
        candidates.append((_save(rgb, "WEBP", quality=_WEBP_QUALITY, method=4), "image/webp"))
        if img.getcolors(256) is not None:
            candidates.append((_save(img, "PNG", compress_level=6), "image/png"))
    return min(candidates, key=lambda c: len(c[0]))


def _save(img: Image.Image, fmt: str, **kw: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def _describe(data: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) of a cached entry from its header, or None when it is not a valid image."""
    if data[:3] == b"\xff\xd8\xff":
        mime = "image/jpeg"
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        mime = "image/png"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        mime = "image/webp"
    else:
        return None
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
    except Exception:
        return None
    return mime, width, height


def _mask_ids(im: Image.Image, path: str) -> np.ndarray:
    mode = im.mode
    if mode in ("L", "P", "1"):
        return np.asarray(im).astype(np.uint8, copy=False)
    if mode.startswith("I"):
        arr = np.asarray(im)
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) > 255):
            raise MaskError(
                f"mask has class ids up to {int(arr.max())} (min {int(arr.min())}); the viewer draws masks "
                f"whose class ids are 0..255, so this one is not drawn: {path}",
                "unsupported",
            )
        return arr.astype(np.uint8)
    raise MaskError(
        f"mask must be a single-channel image of class ids (8- or 16-bit grayscale), got mode {mode}: {path}",
        "unsupported",
    )
