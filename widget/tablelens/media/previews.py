"""Previews of the non-image media, made in the kernel: video posters, 3-D and molecule thumbnails, audio
waveforms.

Like image thumbnails (media/thumbnails.py) they are cached on disk by the file's content hash and the size asked
for, and the batch function never raises: a bad file becomes an `error` entry whose message the cell shows.
A waveform is not a picture but its peaks (`2 * bins` signed bytes), which the browser draws at any size in the
theme's colours.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._core.errors import MediaFileError
from ._cache import cache_path, content_sha256, default_cache_dir, read_entry, write_entry
from ._mediafile import MediaFile
from .audio import waveform_peaks
from .molecule import molecule_atoms
from .object3d import Geometry, load_geometry
from .thumbnails import _encode, _map
from .video import poster_frame

__all__ = ["preview", "previews", "render_geometry", "waveform", "waveforms"]

_VERSION = "p1"
_MAX = 2048
#: W&B's point categories 1..14 (lidar classes) get these colours; others cycle through them
_CATEGORY = np.array([[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
                      [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128],
                      [220, 190, 255], [170, 110, 40], [128, 0, 0]], np.uint8)
_ELEMENTS = {"H": (230, 230, 230), "C": (144, 144, 144), "N": (48, 80, 248), "O": (255, 13, 13), "S": (255, 200, 50),
             "P": (255, 128, 0), "F": (144, 224, 80), "CL": (31, 240, 31), "BR": (166, 41, 41), "I": (148, 0, 148),
             "FE": (224, 102, 51), "NA": (171, 92, 242), "MG": (138, 255, 0), "ZN": (125, 128, 176)}


def _file(path: str, ext: str) -> MediaFile:
    return MediaFile(ext=ext, path=path)


def preview(kind: str, path: str, ext: str, size: int, cache_dir: str | None = None, name: str | None = None,
            ) -> tuple[bytes, str, int, int]:
    """`(bytes, mime, width, height)` of the preview picture of a `kind` file ("video", "object3d", "molecule"),
    its longest side `size`; cached by content and size. Raises MediaFileError with a message fit for the cell,
    naming the file as `name` (its path in the artifact) when given."""
    name = name or path
    size = max(8, min(_MAX, int(size)))
    try:
        digest = content_sha256(path)
    except OSError as e:
        raise MediaFileError(f"{kind} file not found: {path} ({e})", "missing") from None
    entry = cache_path(cache_dir if cache_dir is not None else default_cache_dir(), digest, f"{kind}-{size}.{_VERSION}")
    cached = read_entry(entry)
    if cached is not None:
        with PILImage.open(io.BytesIO(cached)) as im:
            mime = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(im.format or "", "image/png")
            return cached, mime, im.size[0], im.size[1]
    f = _file(path, ext)
    if kind == "video":
        img = poster_frame(f, name)
        img.thumbnail((size, size), PILImage.Resampling.LANCZOS)
        img = img.convert("RGB")
    elif kind == "object3d":
        img = render_geometry(load_geometry(f, name), size)
    elif kind == "molecule":
        atoms = molecule_atoms(f, name)
        if atoms is None:
            raise MediaFileError(f"{ext} molecules are stored but not drawn (pdb, pqr, sdf, mol2, gro are)",
                                 "unsupported")
        colors = np.array([_ELEMENTS.get(e.upper(), (255, 105, 180)) for e in atoms.elements], np.uint8)
        img = render_geometry(Geometry(atoms.xyz), size, colors=colors, radius=max(2, size // 40))
    else:
        raise MediaFileError(f"no preview picture for {kind} cells", "unsupported")
    data, mime = _encode(img)
    write_entry(entry, data)
    return data, mime, img.size[0], img.size[1]


def previews(items: Sequence[tuple[Hashable, str, str, str, int, str]], cache_dir: str | None = None
             ) -> list[dict[str, Any]]:
    """Previews for `(key, kind, path, ext, size, name)` items, in order, in the shared thread pool; never
    raises."""

    def one(item: tuple[Hashable, str, str, str, int, str]) -> dict[str, Any]:
        key, kind, path, ext, size, name = item
        try:
            data, mime, w, h = preview(kind, path, ext, size, cache_dir, name)
        except MediaFileError as e:
            return {"key": key, "error": str(e)}
        except Exception as e:  # one bad file must not break a page
            return {"key": key, "error": f"could not make a preview: {type(e).__name__}: {e}"}
        return {"key": key, "data": data, "mime": mime, "width": w, "height": h}

    return _map(one, items, None)


def waveform(path: str, ext: str, bins: int, cache_dir: str | None = None, name: str | None = None) -> bytes:
    """The waveform peaks of an audio file (`2 * bins` signed bytes), cached by content and bins."""
    bins = max(8, min(4096, int(bins)))
    digest = content_sha256(path)
    entry = cache_path(cache_dir if cache_dir is not None else default_cache_dir(), digest, f"wave-{bins}.{_VERSION}")
    cached = read_entry(entry)
    if cached is not None and len(cached) == 2 * bins:
        return cached
    data = waveform_peaks(_file(path, ext), name or path, bins)
    write_entry(entry, data)
    return data


def waveforms(items: Sequence[tuple[Hashable, str, str, int, str]], cache_dir: str | None = None,
              ) -> list[dict[str, Any]]:
    """Peaks for `(key, path, ext, bins, name)` items, in order; never raises (`{"key", "error"}` for a bad
    file)."""

    def one(item: tuple[Hashable, str, str, int, str]) -> dict[str, Any]:
        key, path, ext, bins, name = item
        try:
            data = waveform(path, ext, bins, cache_dir, name)
        except OSError as e:
            return {"key": key, "error": f"audio file not found: {path} ({e})"}
        except MediaFileError as e:
            return {"key": key, "error": str(e)}
        except Exception as e:
            return {"key": key, "error": f"could not read the audio: {type(e).__name__}: {e}"}
        return {"key": key, "data": data, "mime": "application/x-tablelens-peaks", "bins": len(data) // 2}

    return _map(one, items, None)


def render_geometry(g: Geometry, size: int, *, colors: np.ndarray | None = None, radius: int | None = None,
                    yaw: float = 0.6, pitch: float = -0.45) -> PILImage.Image:
    """A static thumbnail of points (coloured by category, RGB or height), a mesh (flat-shaded triangles) and
    3-D boxes (their edges in their colours), seen from a fixed angle, on a transparent background."""
    pts = np.asarray(g.points, dtype=np.float64)
    xyz = pts[:, :3] if len(pts) else np.zeros((0, 3))
    corners = [np.asarray(b["corners"], dtype=np.float64) for b in g.boxes]
    every = np.concatenate([xyz, *corners]) if corners else xyz
    img = PILImage.new("RGBA", (size, size), (0, 0, 0, 0))
    if not len(every):
        return img
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    rot = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]]) @ np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    # z up (lidar, W&B's viewer) -> screen y up
    to_view = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float64)
    center = (every.min(axis=0) + every.max(axis=0)) / 2

    def project(p: np.ndarray) -> np.ndarray:
        return ((p - center) @ to_view.T) @ rot.T

    view = project(every)
    span = float(np.abs(view[:, :2]).max()) or 1.0
    scale = (size / 2 - 2) / span

    def screen(v: np.ndarray) -> np.ndarray:
        return np.stack([size / 2 + v[:, 0] * scale, size / 2 - v[:, 1] * scale, v[:, 2]], axis=1)

    draw = ImageDraw.Draw(img)
    if g.faces is not None and len(g.faces):
        _draw_mesh(draw, screen(project(xyz)), project(xyz), g.faces)
    elif len(xyz):
        _draw_points(img, screen(project(xyz)), _point_colors(pts, colors), radius)
    for b, c in zip(g.boxes, corners):
        s = screen(project(c))
        color = tuple(round(float(v) * 255) if max(b["color"]) <= 1 else int(v) for v in b["color"])
        for i, j in _BOX_EDGES:
            draw.line([(s[i, 0], s[i, 1]), (s[j, 0], s[j, 1])], fill=(*color, 255), width=max(1, size // 128))
    return img


# corners are itertools.product((-1, 1), repeat=3): an edge joins corners that differ in one bit
_BOX_EDGES = [(i, j) for i in range(8) for j in range(i + 1, 8) if bin(i ^ j).count("1") == 1]


def _point_colors(pts: np.ndarray, colors: np.ndarray | None) -> np.ndarray:
    if colors is not None:
        return colors
    if pts.shape[1] == 6:
        rgb = pts[:, 3:6]
        return (rgb * 255 if rgb.max() <= 1.0 else rgb).clip(0, 255).astype(np.uint8)
    if pts.shape[1] == 4:
        cat = pts[:, 3].astype(np.int64)
        return _CATEGORY[(cat - 1) % len(_CATEGORY)]
    z = pts[:, 2]
    t = (z - z.min()) / (np.ptp(z) or 1.0)  # height: blue (low) -> yellow (high)
    return np.stack([40 + 215 * t, 90 + 130 * t, 220 - 180 * t], axis=1).astype(np.uint8)


def _draw_points(img: PILImage.Image, s: np.ndarray, rgb: np.ndarray, radius: int | None) -> None:
    size = img.size[0]
    r = radius if radius is not None else (1 if len(s) > 20000 else 2 if len(s) > 2000 else max(2, size // 64))
    order = np.argsort(s[:, 2])  # far first (view z grows towards the viewer)
    arr = np.zeros((size, size, 4), np.uint8)
    xs = np.round(s[order, 0]).astype(int)
    ys = np.round(s[order, 1]).astype(int)
    col = rgb[order]
    for dx in range(-r + 1, r):
        for dy in range(-r + 1, r):
            if dx * dx + dy * dy >= r * r:
                continue
            x, y = xs + dx, ys + dy
            ok = (x >= 0) & (x < size) & (y >= 0) & (y < size)
            arr[y[ok], x[ok], :3] = col[ok]
            arr[y[ok], x[ok], 3] = 255
    img.alpha_composite(PILImage.fromarray(arr, "RGBA"))


def _draw_mesh(draw: ImageDraw.ImageDraw, s: np.ndarray, view: np.ndarray, faces: np.ndarray) -> None:
    faces = faces[:, :3]
    if len(faces) > 30000:  # a thumbnail does not need them all
        faces = faces[np.linspace(0, len(faces) - 1, 30000).astype(int)]
    tri = view[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(normals, axis=1)
    normals = normals / np.where(norm == 0, 1, norm)[:, None]
    light = np.abs(normals @ np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8]))
    shade = (60 + 170 * light).astype(int)
    depth = tri[:, :, 2].mean(axis=1)
    for k in np.argsort(depth):
        p = s[faces[k]]
        v = int(shade[k])
        draw.polygon([(p[0, 0], p[0, 1]), (p[1, 0], p[1, 1]), (p[2, 0], p[2, 1])], fill=(v, v, min(255, v + 25), 255))
