"""Logical paths inside an artifact, and the local files and folders they are written to.

A logical path is relative, `/`-separated, never escapes its artifact and holds no control character. Writing
one out (an export, a download) goes through `local_file` (refuses a path the local system would read as
absolute, such as `C:x` on Windows) and `new_folder` (write beside the target, rename into place at the end:
never over an existing file, never through a symbolic link, never half-written).
"""

from __future__ import annotations

import contextlib
import ntpath
import os
import posixpath
import shutil
import unicodedata
import uuid
from collections.abc import Iterator

from .errors import UnsafePathError

__all__ = ["check_inside", "check_logical_path", "check_name_text", "local_file", "make_parents", "new_folder"]


def check_name_text(text: str, what: str) -> str:
    """Refuse a name holding NUL or another control character (they break files, terminals and exports)."""
    bad = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise UnsafePathError(f"{what} {text!r} holds the control character {bad!r} (U+{ord(bad):04X}); "
                              "names may not hold NUL, newlines, tabs or other control characters")
    return text


def check_logical_path(path: str, what: str = "path") -> str:
    """Return `path` normalised (`./t` -> `t`, `a//b` -> `a/b`, `\\` -> `/`), or raise UnsafePathError.

    Refused: empty, absolute (`/x`, or a drive as in `C:/x`), climbing out with `..`, control characters. A `:`
    elsewhere (`x:y`) is an ordinary character of a name.
    """
    if not isinstance(path, str) or not path:
        raise UnsafePathError(f"{what} must be a non-empty string, got {path!r}")
    check_name_text(path, what)
    if "\\" in path:
        path = path.replace("\\", "/")
    if path.startswith("/") or (len(path) > 2 and path[1] == ":" and path[0].isalpha() and path[2] == "/"):
        raise UnsafePathError(f"{what} {path!r} is absolute; use a path relative to the artifact root")
    parts = path.split("/")
    if any(part == ".." for part in parts):
        raise UnsafePathError(f"{what} {path!r} climbs out of the artifact with '..'; remove the '..'")
    norm = posixpath.normpath(path)
    if norm in (".", ""):
        raise UnsafePathError(f"{what} {path!r} names no file")
    return norm


def local_file(root: str, path: str) -> str:
    """The local file of logical `path` under the folder `root`; refuses what this system reads as a drive."""
    parts = check_logical_path(path).split("/")
    if os.name == "nt" and any(ntpath.splitdrive(p)[0] or ":" in p for p in parts):
        raise UnsafePathError(f"{path!r} names a drive on Windows; rename the file without ':'")
    return os.path.join(root, *parts)


def make_parents(root: str, dest: str) -> None:
    """Create the folders between `root` and the file `dest`, refusing to go through a symbolic link."""
    cur = root
    for part in os.path.relpath(os.path.dirname(dest), root).split(os.sep):
        if part in ("", "."):
            continue
        cur = os.path.join(cur, part)
        if os.path.islink(cur):
            raise FileExistsError(f"{cur!r} is a symbolic link; tablelens never writes through one: give a new folder")
        os.makedirs(cur, exist_ok=True)


def check_inside(root: str, local: str, what: str) -> str:
    """`local` with symbolic links resolved, or UnsafePathError when it (or a link on the way) leaves `root`."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(local)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        link = _first_link(root, local)
        target = os.readlink(link) if link else real
        raise UnsafePathError(
            f"{what} is a symbolic link to {target!r}, outside the folder {root!r}: a folder opened or exported "
            "must never pull in other local files; replace the link by the file it points to")
    return real


def _first_link(root: str, local: str) -> str | None:
    rel = os.path.relpath(local, root)
    cur = root
    for part in rel.split(os.sep):
        cur = os.path.join(cur, part)
        if os.path.islink(cur):
            return cur
    return None


@contextlib.contextmanager
def new_folder(target: str, what: str = "export") -> Iterator[str]:
    """Yield a fresh private folder beside `target`; on success it becomes `target`, on failure it is removed.

    `target` must not exist or be an empty folder (not a symbolic link): nothing is ever overwritten, and no
    file is written through a link placed in the target. Writers never see a half-written `target`.
    """
    target = os.path.abspath(target)
    if os.path.islink(target):
        raise FileExistsError(f"the {what} target {target!r} is a symbolic link; give a new folder")
    if os.path.exists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise FileExistsError(f"{target!r} exists and is not an empty folder; tablelens never overwrites files: "
                              f"give a new folder for the {what}")
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{os.path.basename(target)}.partial-{uuid.uuid4().hex[:12]}")
    os.mkdir(tmp)  # a new name (never an existing folder or link), with the permissions the umask gives
    try:
        yield tmp
        if os.path.isdir(target) and not os.path.islink(target):
            os.rmdir(target)  # empty (checked above); fails if something appeared in it meanwhile
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
