"""`Object3D`: a point cloud or a 3-D mesh, as `wandb.Object3D`, with 3-D boxes as W&B defines them.

Point clouds are numpy arrays `(N, 3)` (x y z), `(N, 4)` (x y z category) or `(N, 6)` (x y z r g b), stored as
W&B's `.pts.json` (a list of points, or `{"type": "lidar/beta", "points", "boxes", "vectors"}` when there are
boxes); meshes are `.obj`, `.gltf`, `.glb`, `.stl` or `.babylon` files. A box is
`{"corners": 8 [x, y, z], "label": str | None, "color": [r, g, b], "score": number | None}`, which `box3d` makes
from a center, size and orientation exactly as `wandb.box3d` does. Meshes are read with trimesh.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile, as_path

__all__ = ["SUPPORTED_TYPES", "Geometry", "Object3D", "box3d", "load_geometry", "validate_boxes3d"]

SUPPORTED_TYPES = ("obj", "gltf", "glb", "babylon", "stl", "pts.json")


class Object3D(FileMedia):
    """A 3-D object (the `wandb.Object3D` API): a point cloud or mesh, an optional caption and 3-D boxes.

    `data_or_path`: a numpy array `(N, 3|4|6)`, a dict `{"type": "lidar/beta", "points", "boxes", "vectors"}`,
    a file path (obj, gltf, glb, babylon, stl, pts.json), a text file object with `file_type`, or another
    `Object3D`. `boxes` (and `vectors`, `{"start": [x, y, z], "end": [x, y, z]}`) go with a point cloud.
    """

    SUPPORTED_TYPES = frozenset(SUPPORTED_TYPES)

    def __init__(self, data_or_path: Any, caption: str | None = None, boxes: Sequence[Mapping[str, Any]] | None = None,
                 vectors: Sequence[Mapping[str, Any]] | None = None, file_type: str | None = None) -> None:
        if isinstance(data_or_path, Object3D):
            self._file, self._facts_ = data_or_path._file, data_or_path._facts_
            caption = data_or_path._caption if caption is None else caption
        elif (path := as_path(data_or_path)) is not None:
            ext = _ext_of(path)
            if ext is None:
                raise MediaFileError(f"3-D file {path!r}: Object3D reads {', '.join(SUPPORTED_TYPES)} files",
                                     "unsupported")
            if boxes is not None or vectors is not None:
                raise ValueError("boxes and vectors go with a point cloud given as an array, not with a file")
            self._file = MediaFile.from_path(path, ext, "3-D file")
            self._facts_ = _facts_of(load_geometry(self._file, path))
        elif hasattr(data_or_path, "read"):
            if file_type not in SUPPORTED_TYPES:
                raise ValueError(f"Object3D needs file_type= (one of {', '.join(SUPPORTED_TYPES)}) for a file object")
            raw = data_or_path.read()
            self._file = MediaFile(ext=file_type, data=raw if isinstance(raw, bytes) else raw.encode())
            self._facts_ = _facts_of(load_geometry(self._file, f"the {file_type} data"))
        else:
            doc = _point_cloud_doc(data_or_path, boxes, vectors)
            self._file = MediaFile(ext="pts.json", data=json.dumps(doc, separators=(",", ":")).encode())
            self._facts_ = _facts_of(load_geometry(self._file, "the point cloud"))
        self._caption = None if caption is None else str(caption)

    @classmethod
    def from_numpy(cls, data: np.ndarray) -> Object3D:
        return cls(np.asarray(data))

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> Object3D:
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_point_cloud(cls, points: Any, boxes: Sequence[Mapping[str, Any]],
                         vectors: Sequence[Mapping[str, Any]] | None = None,
                         point_cloud_type: str = "lidar/beta") -> Object3D:
        if point_cloud_type != "lidar/beta":
            raise ValueError("the only point cloud type is 'lidar/beta'")
        return cls(np.asarray(points), boxes=list(boxes), vectors=list(vectors or []))

    # -- read back -------------------------------------------------------------------------------------------

    @property
    def num_points(self) -> int:
        """Points of a point cloud, vertices of a mesh."""
        return int(self._facts_.get("points") or 0)

    @property
    def boxes(self) -> list[dict[str, Any]]:
        return [dict(b) for b in self._facts_.get("boxes") or []]

    def to_numpy(self) -> np.ndarray:
        """The points `(N, 3|4|6)` of a point cloud, or the vertices `(N, 3)` of a mesh."""
        return load_geometry(self._file, self.path or "3-D object").points

    def __repr__(self) -> str:
        n = len(self.boxes)
        boxes = f", {n} {'box' if n == 1 else 'boxes'}" if n else ""
        cap = f", caption={self._caption!r}" if self._caption else ""
        return f"Object3D({self.format}, {self.num_points} points{boxes}{cap})"

    # -- used by the storage layer ---------------------------------------------------------------------------
    def _facts(self) -> dict[str, Any]:
        return dict(self._facts_)

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Object3D:
        o = cls.__new__(cls)
        o._file = file
        boxes = record.get("boxes")
        o._facts_ = {"points": record.get("points"), "faces": record.get("faces"),
                     "boxes": [_box_from_record(b) for b in boxes] if boxes else []}
        o._caption = record.get("caption")
        return o


def box3d(*, center: Any, size: Any, orientation: Any, color: Sequence[float], label: str | None = None,
          score: float | None = None) -> dict[str, Any]:
    """A 3-D box from its center, size (x, y, z) and orientation quaternion [r, x, y, z] (`wandb.box3d`)."""
    c = np.asarray(center, dtype=np.float64)
    s = np.asarray(size, dtype=np.float64)
    q = np.asarray(orientation, dtype=np.float64)
    if c.shape != (3,) or s.shape != (3,) or q.shape != (4,):
        raise ValueError("box3d needs center (3), size (3) and orientation (4: r, x, y, z)")
    unit = np.array(list(itertools.product((-1, 1), (-1, 1), (-1, 1))), dtype=np.float64)
    corners = c + (0.5 * s * unit) @ _rotation(q)
    return {"corners": tuple(tuple(float(v) for v in pt) for pt in corners), "color": tuple(color),
            "label": label, "score": score}


def _rotation(quaternion: np.ndarray) -> np.ndarray:
    """The rotation matrix of a non-zero quaternion, for row vectors (`points @ R`), as the W&B SDK computes it."""
    x = np.abs(quaternion)
    if x.max() == 0:
        raise ValueError("the orientation quaternion must not be zero")
    x = x / x[x.argmax()]
    qr, qi, qj, qk = x / np.linalg.norm(x)
    qii, qjj, qkk = qi**2, qj**2, qk**2
    qij, qik, qjk = qi * qj, qi * qk, qj * qk
    qir, qjr, qkr = qi * qr, qj * qr, qk * qr
    return np.array(((1 - 2 * (qjj + qkk), 2 * (qij + qkr), 2 * (qik - qjr)),
                     (2 * (qij - qkr), 1 - 2 * (qii + qkk), 2 * (qjk + qir)),
                     (2 * (qik + qjr), 2 * (qjk - qir), 1 - 2 * (qii + qjj))))


def validate_boxes3d(boxes: Any, where: str = "boxes") -> list[dict[str, Any]]:
    """Check W&B 3-D boxes and return clean copies (Python numbers, lists)."""
    if boxes is None:
        return []
    if isinstance(boxes, np.ndarray):
        boxes = boxes.tolist()
    if not isinstance(boxes, (list, tuple)):
        raise ValueError(f"{where} must be a list of 3-D boxes")
    out = []
    for i, b in enumerate(boxes):
        w = f"{where}[{i}]"
        if not isinstance(b, Mapping):
            raise ValueError(f"{w}: a 3-D box is a dict with 'corners', 'color', 'label' and 'score'")
        corners = np.asarray(b.get("corners"), dtype=np.float64) if b.get("corners") is not None else None
        if corners is None or corners.shape != (8, 3) or not np.isfinite(corners).all():
            raise ValueError(f"{w}: 'corners' must be 8 finite [x, y, z] points")
        color = b.get("color")
        if color is None or len(color) != 3:
            raise ValueError(f"{w}: 'color' must be [r, g, b]")
        label, score = b.get("label"), b.get("score")
        if label is not None and not isinstance(label, str):
            raise ValueError(f"{w}: 'label' must be a string or None")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float, np.number))):
            raise ValueError(f"{w}: 'score' must be a number or None")
        out.append({"corners": corners.tolist(), "label": label, "color": [float(v) for v in color],
                    "score": None if score is None else float(score)})
    return out


def _box_from_record(b: Mapping[str, Any]) -> dict[str, Any]:
    return {"corners": [list(p) for p in b.get("corners") or []], "label": b.get("label"),
            "color": list(b.get("color") or []), "score": b.get("score")}


def _ext_of(path: str) -> str | None:
    low = path.lower()
    return next((t for t in SUPPORTED_TYPES if low.endswith("." + t)), None)


def _point_cloud_doc(data: Any, boxes: Any, vectors: Any) -> Any:
    """The `.pts.json` document W&B writes: the points alone, or the lidar/beta dict when there are boxes."""
    if isinstance(data, Mapping):
        if data.get("type") != "lidar/beta":
            raise ValueError("a point cloud dict needs type 'lidar/beta' (the only type W&B knows)")
        points = _points(data.get("points", np.zeros((0, 3))))
        boxes = data.get("boxes") if boxes is None else boxes
        vectors = data.get("vectors") if vectors is None else vectors
    elif isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "__array__"):
        points = _points(data)
        if boxes is None and vectors is None:
            return points.tolist()
    else:
        raise TypeError(f"Object3D takes a numpy array, a dict, a file path or a file object, got "
                        f"{type(data).__name__}")
    vecs = []
    for i, v in enumerate(vectors or []):
        if not isinstance(v, Mapping) or len(v.get("start", ())) != 3 or len(v.get("end", ())) != 3:
            raise ValueError(f"vectors[{i}] must be {{'start': [x, y, z], 'end': [x, y, z]}}")
        vecs.append({"start": [float(x) for x in v["start"]], "end": [float(x) for x in v["end"]]})
    return {"type": "lidar/beta", "vectors": vecs, "points": points.tolist(),
            "boxes": validate_boxes3d(boxes)}


def _points(data: Any) -> np.ndarray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4, 6):
        raise ValueError(f"a point cloud is an (N, 3), (N, 4) or (N, 6) array (x y z [category | r g b]), got "
                         f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("point coordinates must be finite (no NaN or infinity)")
    return arr


@dataclass
class Geometry:
    """What the kernel draws a 3-D thumbnail from: points (N, 3|4|6), triangle faces, boxes and vectors."""

    points: np.ndarray
    faces: np.ndarray | None = None
    boxes: list[dict[str, Any]] = field(default_factory=list)
    vectors: list[dict[str, Any]] = field(default_factory=list)


def _facts_of(g: Geometry) -> dict[str, Any]:
    return {"points": len(g.points), "faces": len(g.faces) if g.faces is not None else 0,
            "boxes": g.boxes}


def load_geometry(file: MediaFile, name: str) -> Geometry:
    """Points, faces and boxes of a 3-D file; MediaFileError naming `name` when it cannot be read."""
    try:
        if file.ext == "pts.json":
            return _pts_json(json.loads(file.read_bytes()), name)
        if file.ext == "babylon":
            return _babylon(json.loads(file.read_bytes()), name)
        return _mesh(file, name)
    except MediaFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise MediaFileError(f"3-D file {name!r} ({file.ext}) cannot be read: {e}", "corrupt") from None


def _pts_json(doc: Any, name: str) -> Geometry:
    if isinstance(doc, Mapping):
        pts = doc.get("points") or []
        g = Geometry(_points(pts) if len(pts) else np.zeros((0, 3)))
        g.boxes = validate_boxes3d(doc.get("boxes"), f"{name}: boxes")
        g.vectors = list(doc.get("vectors") or [])
        return g
    if isinstance(doc, list):
        return Geometry(_points(doc) if doc else np.zeros((0, 3)))
    raise ValueError("a .pts.json file holds a list of points or a lidar/beta object")


def _babylon(doc: Any, name: str) -> Geometry:
    verts, faces = [], []
    offset = 0
    for m in doc.get("meshes") or []:
        p = np.asarray(m.get("positions") or [], dtype=np.float64).reshape(-1, 3)
        idx = np.asarray(m.get("indices") or [], dtype=np.int64).reshape(-1, 3)
        verts.append(p)
        faces.append(idx + offset)
        offset += len(p)
    if not verts:
        raise ValueError("it has no meshes")
    return Geometry(np.concatenate(verts), np.concatenate(faces))


def _mesh(file: MediaFile, name: str) -> Geometry:
    import trimesh

    try:
        with file.open() as f:
            loaded = trimesh.load(f, file_type=file.ext, force="mesh", process=False)
    except Exception as e:
        raise MediaFileError(f"3-D file {name!r} ({file.ext}) cannot be read: {e}", "corrupt") from None
    verts = np.asarray(getattr(loaded, "vertices", np.zeros((0, 3))), dtype=np.float64)
    faces = np.asarray(getattr(loaded, "faces", np.zeros((0, 3))), dtype=np.int64)
    if not len(verts):
        raise MediaFileError(f"3-D file {name!r} ({file.ext}) holds no vertices", "corrupt")
    if not np.isfinite(verts).all():
        raise MediaFileError(f"3-D file {name!r} has vertices that are not finite numbers", "corrupt")
    return Geometry(verts, faces if len(faces) else None)
