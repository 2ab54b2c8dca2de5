"""Content hashes: sha256 names objects in the store; md5 is used only where the W&B layout asks for it.

`file_sha256` remembers, per process, the digest of a file by its identity (device, inode, size, mtime, ctime),
so a stored object is read and hashed once per process however often it is used; any change to the file changes
that identity and forces a new hash. A digest is remembered only for a file that had not changed for
`SETTLED_S` seconds when it was hashed: a later write that landed within the same timestamp tick would otherwise
leave the identity unchanged (git's "racily clean" problem), and such a file is simply hashed again on its next
use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from itertools import islice
from pathlib import Path

__all__ = [
    "SETTLED_S", "copy_verified", "file_identity", "file_sha256", "forget_sha256", "known_sha256", "remember_sha256",
    "sha256_bytes", "sha256_file",
]

_CHUNK = 1 << 20
_MEMO_MAX = 1 << 18
#: a file whose ctime is older than this when it is hashed has its digest remembered (see the module docstring)
SETTLED_S = 2.0

_Identity = tuple[int, int, int, int, int]
_memo: dict[_Identity, str] = {}
_memo_lock = threading.Lock()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, read now (never remembered)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _identity(st: os.stat_result) -> _Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def file_identity(path: str) -> _Identity:
    """(device, inode, size, mtime, ctime): what changes whenever the file's bytes are written."""
    return _identity(os.stat(path))


def file_sha256(path: str | os.PathLike[str], st: os.stat_result | None = None) -> str:
    """The sha256 of a file, hashed at most once per process while the file stays unchanged."""
    path = os.fspath(path)
    before = st if st is not None else os.stat(path)
    cached = _memo.get(_identity(before))
    if cached is not None:
        return cached
    digest = sha256_file(path)
    remember_sha256(path, before, digest)
    return digest


def remember_sha256(path: str | os.PathLike[str], before: os.stat_result, digest: str) -> bool:
    """Remember `digest` for the file as it was when read (`before`), if it is still so and had settled.

    For readers that hash a file's bytes on their own way (an image read whole to learn its size as well).
    """
    key = _identity(before)
    after = os.stat(path)
    if _identity(after) != key or after.st_ctime >= time.time() - SETTLED_S:
        return False
    with _memo_lock:
        if len(_memo) >= _MEMO_MAX:  # forget the older half
            for old in list(islice(_memo, len(_memo) // 2)):
                del _memo[old]
        _memo[key] = digest
    return True


def forget_sha256() -> None:
    """Forget every remembered digest (benchmarks use it to measure a fresh process)."""
    with _memo_lock:
        _memo.clear()


def known_sha256(path: str | os.PathLike[str], st: os.stat_result | None = None) -> str | None:
    """The digest `file_sha256` remembers for the file as it is now, or None (never reads the file)."""
    try:
        return _memo.get(_identity(st if st is not None else os.stat(path)))
    except OSError:
        return None


def copy_verified(src: str, dest: str, digest: str) -> str:
    """Copy `src` to the new file `dest`, hashing the bytes as they are copied; returns their sha256.

    The caller compares the result with `digest` (the bytes the copy holds are the bytes that were hashed, so a
    source that changed after it was added cannot slip into the store under the old name). When the process has
    already hashed `src` in its current state and found `digest`, the copy is not hashed again.
    """
    try:
        known = _memo.get(_identity(os.stat(src)))
    except OSError:
        known = None
    if known == digest:
        shutil.copyfile(src, dest)
        if _memo.get(_identity(os.stat(src))) == digest:  # unchanged while it was copied
            return digest
    h = hashlib.sha256()
    with open(src, "rb") as fi, open(dest, "wb") as fo:
        while chunk := fi.read(_CHUNK):
            h.update(chunk)
            fo.write(chunk)
    return h.hexdigest()
