"""On-disk cache for derived media (thumbnails), keyed by the source's content hash.

Keying by content (not path or mtime) means a file copied, moved or re-logged into another artifact reuses the
same thumbnails, and an edited file never serves a stale one. Writes are atomic (write aside, then rename), so
concurrent writers and killed processes never leave a half-written entry visible.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ._files import file_sha256

__all__ = ["cache_path", "content_sha256", "default_cache_dir", "read_entry", "write_entry"]


def default_cache_dir() -> Path:
    """`$TABLELENS_CACHE/thumbs`, else `$XDG_CACHE_HOME/tablelens/thumbs`, else `~/.cache/tablelens/thumbs`.

    `$TABLELENS_CACHE` is the root of every tablelens cache, so thumbnails get their own folder inside it.
    """
    root = os.environ.get("TABLELENS_CACHE")
    if root:
        return Path(root).expanduser() / "thumbs"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tablelens" / "thumbs"


def content_sha256(path: str | os.PathLike[str], st: os.stat_result | None = None) -> str:
    """Hex sha256 of the file's bytes.

    Remembered in-process per (path, device, inode, size, mtime) — the memo logging uses too (`_files.py`) — so
    scrolling back to a page does not re-read every image; any change to the file forces a re-hash.
    """
    return file_sha256(path, st)


def cache_path(cache_dir: str | os.PathLike[str], digest: str, variant: str) -> Path:
    """Where the entry `variant` (e.g. `"256.v1"`) of content `digest` is kept (fanned out by 2 hex chars)."""
    return Path(cache_dir) / digest[:2] / f"{digest}-{variant}"


def read_entry(path: Path) -> bytes | None:
    """The entry's bytes, or None when absent (or unreadable, which is treated as a miss)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_entry(path: Path, data: bytes) -> bool:
    """Write atomically (temp file in the same folder, then `os.replace`); False when the cache is unwritable.

    A cache that cannot be written must not stop thumbnails from being served, so errors are swallowed here.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
