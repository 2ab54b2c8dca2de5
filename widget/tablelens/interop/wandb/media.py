"""W&B's file media cells (`audio-file`, `video-file`, `html-file`, `object3D-file`, `plotly-file`,
`molecule-file`) <-> tablelens media cells.

The SDK writes each as `{"_type", "path", "sha256", "caption"?}` (videos made from arrays add `width` and
`height`; see `wandb/sdk/data_types/*.py`); everything else — durations, frame counts, points — is read from the
file itself when the folder is opened.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..._core.errors import MediaFileError, MissingMediaWarning
from ...media import FILE_MEDIA
from ...media._mediafile import MediaFile

__all__ = ["KIND_OF_WANDB", "WANDB_OF_KIND", "column_type", "kind_of", "media_cell", "wandb_cell"]

#: W&B `_type` -> tablelens storage kind
KIND_OF_WANDB = {"audio-file": "audio", "video-file": "video", "html-file": "html", "object3D-file": "object3d",
                 "plotly-file": "plotly", "molecule-file": "molecule"}
WANDB_OF_KIND = {k: w for w, k in KIND_OF_WANDB.items()}
#: the column type the SDK gives each kind (Plotly and Molecule have no registered type: pythonObject)
_COLUMN_TYPES = {"plotly": {"params": {"class_name": "Plotly"}, "wb_type": "pythonObject"},
                 "molecule": {"params": {"class_name": "Molecule"}, "wb_type": "pythonObject"}}


def media_cell(kind: str, v: dict[str, Any], file: MediaFile, where: str, present: bool) -> Any:
    """The tablelens cell of a W&B media cell whose bytes are `file` (`present`: they are in the folder).

    A file that is there but is not what the cell says (a truncated mp4, a wav that is not one) still opens, with
    a warning: its cell has no facts, the Explorer explains it in place, and reading it in Python raises
    `MediaFileError`.
    """
    cls = FILE_MEDIA[kind]
    caption = v.get("caption")
    record: dict[str, Any] = {"caption": None if caption is None else str(caption)}
    if kind == "video" and isinstance(v.get("width"), int) and isinstance(v.get("height"), int):
        record.update(width=v["width"], height=v["height"])
    if not present:
        return cls._restore(file, record)  # type: ignore[attr-defined]
    try:
        probed = _probe(kind, file)
    except MediaFileError as e:
        warnings.warn(f"{where}: {e}", MissingMediaWarning, stacklevel=3)
        return cls._restore(file, record)  # type: ignore[attr-defined]
    return cls._restore(file, {**record, **probed._facts()})  # type: ignore[attr-defined]


def _probe(kind: str, file: MediaFile) -> Any:
    """A cell built from the file itself (reading its header), whose facts the restored cell takes."""
    cls = FILE_MEDIA[kind]
    if kind == "plotly":
        p = cls._restore(file, {})  # type: ignore[attr-defined]
        p.figure  # noqa: B018 - parses the JSON: a garbled file fails here
        return p
    if kind == "html":
        return cls._restore(file, {})  # type: ignore[attr-defined]
    if file.path is None:
        raise MediaFileError("no file", "missing")
    if kind == "object3d":
        return cls(file.path) if file.ext != "pts.json" else _probe_pts(file)
    return cls(file.path)


def _probe_pts(file: MediaFile) -> Any:
    from ...media.object3d import Object3D, load_geometry

    g = load_geometry(file, file.path or "pts.json")
    return Object3D._restore(file, {"points": len(g.points), "faces": 0, "boxes": g.boxes})


def wandb_cell(kind: str, path: str, sha256: str, cell: Any, rec: dict[str, Any]) -> dict[str, Any]:
    """The SDK's JSON of a media cell written at `path`."""
    out: dict[str, Any] = {"_type": WANDB_OF_KIND[kind], "path": path, "sha256": sha256}
    caption = getattr(cell, "caption", None)
    if caption is not None:
        out["caption"] = caption
    if kind == "video" and rec.get("width") and rec.get("height"):
        out["width"], out["height"] = int(rec["width"]), int(rec["height"])
    return out


def column_type(kind: str) -> dict[str, Any]:
    return _COLUMN_TYPES.get(kind, {"wb_type": WANDB_OF_KIND[kind]})


def kind_of(wandb_type: Any) -> str | None:
    """The tablelens kind of a W&B `_type`, None when it is not one of the file media types."""
    return KIND_OF_WANDB.get(wandb_type) if isinstance(wandb_type, str) else None
