"""File media cells (audio, video, HTML, 3-D objects, Plotly figures, molecules) <-> one struct per kind.

Each cell names its file (stored once, by content, like an image's pixels) and carries the facts a filter or the
Explorer needs without opening the file: `$audio.duration`, `$video.fps`, `$obj.boxes`... The layouts are in
docs/storage.md ("Media structs").
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from .._core.errors import CorruptFileError
from ..media import FILE_MEDIA
from ..media._mediafile import MediaFile
from .images import MediaSource

__all__ = ["FOLDERS", "MEDIA_KINDS", "MediaFileSink", "encode_media", "media_from_record", "media_kind_of",
           "media_struct_type", "stage_media_file"]

#: storage kind -> folder of its files inside an artifact (W&B's media subfolders)
FOLDERS = {"audio": "media/audio", "video": "media/videos", "html": "media/html", "object3d": "media/object3D",
           "plotly": "media/plotly", "molecule": "media/molecule"}
MEDIA_KINDS = frozenset(FILE_MEDIA)

_COMMON: list[tuple[str, pa.DataType]] = [
    ("path", pa.string()), ("digest", pa.string()), ("format", pa.string()), ("size", pa.int64()),
    ("caption", pa.string()),
]
_BOX3D = pa.struct([("corners", pa.list_(pa.list_(pa.float64()))), ("label", pa.string()),
                    ("color", pa.list_(pa.float64())), ("score", pa.float64())])
_FACTS: dict[str, list[tuple[str, pa.DataType]]] = {
    "audio": [("sample_rate", pa.int32()), ("channels", pa.int32()), ("frames", pa.int64()),
              ("duration", pa.float64())],
    "video": [("width", pa.int32()), ("height", pa.int32()), ("frames", pa.int64()), ("fps", pa.float64()),
              ("duration", pa.float64()), ("codec", pa.string())],
    "html": [],
    "object3d": [("points", pa.int64()), ("faces", pa.int64()), ("boxes", pa.list_(_BOX3D))],
    "plotly": [("traces", pa.int32()), ("trace_types", pa.list_(pa.string()))],
    "molecule": [("atoms", pa.int64())],
}
_KIND_OF_CLASS = {cls: kind for kind, cls in FILE_MEDIA.items()}


def media_kind_of(v: Any) -> str | None:
    """The storage kind of a file media cell ("audio", ...), None for anything else."""
    return _KIND_OF_CLASS.get(type(v))


def media_struct_type(kind: str) -> pa.DataType:
    return pa.struct(_COMMON + _FACTS[kind])


@runtime_checkable
class MediaFileSink(Protocol):
    """A media sink that places media files itself (the W&B reader keeps the folder's own names)."""

    def add_media_file(self, file: MediaFile, folder: str) -> str: ...


def stage_media_file(sink: Any, file: MediaFile, folder: str) -> str:
    """Put one media file in `sink` (an artifact's staging) and return its logical path.

    A file read from a stored artifact is recorded as a reference to it (its bytes are not copied), a user's
    file is added as it is (copied when logged), bytes made in memory are written once under their sha256.
    """
    if isinstance(sink, MediaFileSink):
        return sink.add_media_file(file, folder)
    if file.origin is not None and file.path is not None:
        origin, path = file.origin
        sink.add_local_file(path, file.path, file.digest, ref=f"{origin}/{path}")
        return path
    path = f"{folder}/{file.digest[:20]}.{file.ext}"
    if file.path is not None:
        sink.add_local_file(path, file.path, file.digest)
    else:
        sink.add_bytes(path, file.read_bytes(), file.digest)
    return path


def encode_media(kind: str, values: list[Any], sink: Any, *, workers: int | None = None
                 ) -> tuple[pa.Array, dict[str, Any]]:
    """The struct array of a column of `kind` media cells (files written to `sink`) and its metadata entry."""
    cells = [v for v in values if v is not None]
    folder = FOLDERS[kind]
    distinct: dict[int, MediaFile] = {}
    for v in cells:
        distinct.setdefault(id(v._file), v._file)
    files = list(distinct.values())
    if len(files) >= 8:  # hashing and copying files: threads overlap the reads
        with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 2)) as pool:
            paths = list(pool.map(lambda f: stage_media_file(sink, f, folder), files))
    else:
        paths = [stage_media_file(sink, f, folder) for f in files]
    path_of = {id(f): p for f, p in zip(files, paths)}
    records: list[dict[str, Any] | None] = []
    for v in values:
        if v is None:
            records.append(None)
            continue
        f = v._file
        rec = {"path": path_of[id(f)], "digest": f.digest, "format": f.ext, "size": f.size, "caption": v.caption}
        rec.update({k: v._facts().get(k) for k, _ in _FACTS[kind]})
        records.append(rec)
    return pa.array(records, media_struct_type(kind)), {"kind": kind}


def media_from_record(kind: str, rec: dict[str, Any], source: MediaSource | None) -> Any:
    """The media cell whose file is named in `rec` (read lazily from `source`)."""
    if source is None:
        raise CorruptFileError(f"a {kind} cell needs the artifact it belongs to")
    origin = source.origin()
    file = MediaFile(ext=str(rec.get("format") or ""), path=source.local_path(rec["path"]), digest=rec.get("digest"),
                     size=rec.get("size"), origin=(origin, rec["path"]) if origin else None)
    return FILE_MEDIA[kind]._restore(file, rec)  # type: ignore[attr-defined]
