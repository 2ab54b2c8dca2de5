"""`MediaFile`: the bytes of one media file (audio, video, HTML, 3-D object, Plotly figure, molecule).

A media cell refers to one file, given as a path or made in memory, hashed once and shared by every cell built
from it. As with an image's pixels, a file that comes from a stored artifact keeps its `origin`, so adding the cell
to another artifact records a reference instead of copying the bytes.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import IO, Any

from .._core.errors import MediaFileError
from .._core.hashing import sha256_bytes
from ._files import file_sha256

__all__ = ["FileMedia", "MediaFile", "as_path", "read_text_arg"]


class MediaFile:
    """One media file: a local `path` or in-memory `data`, its extension (`"wav"`, `"pts.json"`, ...) and digest.

    `origin` is `(artifact "name:vN", logical path)` when the file belongs to a stored artifact.
    """

    def __init__(self, *, ext: str, path: str | None = None, data: bytes | None = None, digest: str | None = None,
                 size: int | None = None, origin: tuple[str, str] | None = None) -> None:
        if (path is None) == (data is None):
            raise ValueError("a media file has either a path or bytes")
        self.ext = ext.lower().lstrip(".")
        self._path = path
        self._data = data
        self._digest = digest
        self._size = size if size is not None else (len(data) if data is not None else None)
        self.origin = origin
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], ext: str, what: str) -> MediaFile:
        """A user's file; `what` ("audio file", ...) names it in the error when it is not there."""
        p = os.fspath(path)
        if not os.path.isfile(p):
            raise MediaFileError(f"{what} {p!r} does not exist", "missing")
        return cls(ext=ext, path=p)

    @property
    def path(self) -> str | None:
        """The local file, when the bytes are in one."""
        return self._path

    @property
    def digest(self) -> str:
        """sha256 of the bytes (a file's is remembered per path, size and mtime, so it is read once)."""
        if self._digest is None:
            with self._lock:
                if self._digest is None:
                    if self._data is not None:
                        self._digest = sha256_bytes(self._data)
                    else:
                        try:
                            self._digest = file_sha256(self._path)  # type: ignore[arg-type]
                        except OSError as e:
                            raise self.missing(e) from None
        return self._digest

    @property
    def size(self) -> int:
        if self._size is None:
            try:
                self._size = os.path.getsize(self._path)  # type: ignore[arg-type]
            except OSError as e:
                raise self.missing(e) from None
        return self._size

    def read_bytes(self) -> bytes:
        if self._data is not None:
            return self._data
        try:
            return Path(self._path).read_bytes()  # type: ignore[arg-type]
        except OSError as e:
            raise self.missing(e) from None

    def open(self) -> IO[bytes]:
        """A binary file object over the bytes (the file itself, or the bytes in memory)."""
        if self._data is not None:
            return io.BytesIO(self._data)
        try:
            return open(self._path, "rb")  # type: ignore[arg-type]
        except OSError as e:
            raise self.missing(e) from None

    def missing(self, e: BaseException) -> MediaFileError:
        return MediaFileError(
            f"the media file {self._path!r} cannot be read ({e}); when the cell is a reference into another "
            "artifact, put that artifact's files there", "missing")

    def same_bytes(self, other: MediaFile) -> bool:
        return self is other or self.digest == other.digest

    def __repr__(self) -> str:
        where = self._path if self._path is not None else f"{self.size} bytes in memory"
        return f"MediaFile({self.ext}: {where})"


def as_path(data: Any) -> str | None:
    """`data` as a file path when it is one (str or PathLike), else None."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    return None


def read_text_arg(data: Any) -> str | None:
    """The text of a file-like object (its `read()`), rewound first when it can be; None for anything else."""
    if hasattr(data, "read"):
        if hasattr(data, "seek"):
            data.seek(0)
        text = data.read()
        return text.decode("utf-8") if isinstance(text, bytes) else str(text)
    return None


class FileMedia:
    """A media cell backed by one file: its format, caption, local path, digest and bytes are answered the same
    way by every kind, and two cells are equal when they are of one kind, with one caption and the same bytes."""

    _file: MediaFile
    _caption: str | None = None

    @property
    def format(self) -> str:
        return self._file.ext

    @property
    def caption(self) -> str | None:
        return self._caption

    @property
    def path(self) -> str | None:
        """The local file, when there is one (a file given, or a stored artifact's)."""
        return self._file.path

    @property
    def digest(self) -> str:
        return self._file.digest

    def read_bytes(self) -> bytes:
        return self._file.read_bytes()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._caption == other._caption and self._file.same_bytes(other._file)

    __hash__ = None  # type: ignore[assignment]
