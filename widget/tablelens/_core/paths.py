"""Logical paths inside an artifact: relative, `/`-separated, never escaping the artifact."""

from __future__ import annotations

import posixpath

from .errors import UnsafePathError

__all__ = ["check_logical_path"]


def check_logical_path(path: str, what: str = "path") -> str:
    """Return `path` normalised, or raise UnsafePathError if it is absolute or climbs out with `..`."""
    if not isinstance(path, str) or not path:
        raise UnsafePathError(f"{what} must be a non-empty string, got {path!r}")
    if "\\" in path:
        path = path.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePathError(f"{what} {path!r} is absolute; use a path relative to the artifact root")
    parts = path.split("/")
    if any(part == ".." for part in parts):
        raise UnsafePathError(f"{what} {path!r} climbs out of the artifact with '..'; remove the '..'")
    norm = posixpath.normpath(path)
    if norm in (".", ""):
        raise UnsafePathError(f"{what} {path!r} names no file")
    return norm
