"""What tablelens knows about a local image file — sha256, format and pixel size — per process.

A dataset names the same file from many cells (one row per image and split, per model, per crop). Each distinct
file is read once per process: its facts are remembered by the file's identity (path, device, inode, size, mtime,
ctime), so every later cell that names it costs one `stat`, and any change to the file changes that identity and
forces a re-read. Facts are remembered only for a file that had not changed for `SETTLED_S` seconds when it was
read (git's "racily clean" rule). The digest goes into the one digest memo of the process
(`_core.hashing.file_sha256`), which the store's checked reads, thumbnails and logging share.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass
from itertools import islice

from PIL import Image as PILImage

from .._core import hashing

__all__ = ["SETTLED_S", "ImageFacts", "file_sha256", "forget", "image_facts"]

_CHUNK = 1 << 20
_MEMO_MAX = 1 << 18  # entries of each memo; when full, the older half is forgotten
_STREAM_ABOVE = 64 << 20  # larger files are hashed in chunks (never held in memory) and not sniffed as images
SETTLED_S = hashing.SETTLED_S

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tiff"}

_Identity = tuple[str, int, int, int, int, int]


@dataclass(frozen=True)
class ImageFacts:
    """An image file as logging needs it: content digest, format (None when Pillow cannot read it or the store
    does not take it), (width, height) and the size in bytes."""

    digest: str
    format: str | None
    size: tuple[int, int] | None
    nbytes: int


class _Memo:
    def __init__(self) -> None:
        self._map: dict[_Identity, object] = {}
        self._lock = threading.Lock()

    def get(self, key: _Identity) -> object | None:
        return self._map.get(key)

    def put(self, key: _Identity, value: object) -> None:
        with self._lock:
            if len(self._map) >= _MEMO_MAX:
                for old in list(islice(self._map, len(self._map) // 2)):
                    del self._map[old]
            self._map[key] = value

    def clear(self) -> None:
        with self._lock:
            self._map.clear()


_images = _Memo()
# one lock per stripe of paths: two threads that meet the same new file read it once, the second waits for the
# first; files on other stripes are read in parallel
_STRIPES = [threading.Lock() for _ in range(64)]


def _stripe(path: str) -> threading.Lock:
    return _STRIPES[hash(path) % len(_STRIPES)]


def _identity(path: str, st: os.stat_result | None) -> tuple[_Identity, os.stat_result]:
    st = st if st is not None else os.stat(path)
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns), st


def file_sha256(path: str | os.PathLike[str], st: os.stat_result | None = None) -> str:
    """Hex sha256 of the file's bytes, read at most once per file identity in this process."""
    return hashing.file_sha256(path, st)


def image_facts(path: str | os.PathLike[str]) -> ImageFacts:
    """Digest, format and pixel size of an image file: one read per file identity, then one `stat` per call.

    Raises OSError when the file cannot be read; an unreadable image gives `format=None` (the caller says why).
    """
    path = os.fspath(path)
    key, st = _identity(path, None)
    cached = _images.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if st.st_size > _STREAM_ABOVE:
        facts = ImageFacts(file_sha256(path, st), *_sniff(path), st.st_size)
        if hashing.known_sha256(path) == facts.digest:  # remembered: the file had settled and is unchanged
            _images.put(key, facts)
        return facts
    with _stripe(path):
        cached = _images.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        with open(path, "rb") as f:
            data = f.read()
        facts = ImageFacts(hashlib.sha256(data).hexdigest(), *_sniff(io.BytesIO(data)), len(data))
        if hashing.remember_sha256(path, st, facts.digest):
            _images.put(key, facts)
    return facts


def _sniff(source: str | io.BytesIO) -> tuple[str | None, tuple[int, int] | None]:
    """Format and size from the image header (Pillow reads no pixels for this)."""
    try:
        with PILImage.open(source) as im:
            return IMAGE_FORMATS.get(im.format or ""), im.size
    except Exception:
        return None, None


def forget() -> None:
    """Forget every remembered file (benchmarks use it to measure a fresh process)."""
    hashing.forget_sha256()
    _images.clear()
