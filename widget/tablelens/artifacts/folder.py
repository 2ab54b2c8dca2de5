"""`FolderStorage`: a store in a local folder (the default), with the file-system guarantees docs/storage.md names.

Replacing a file is write-aside-then-rename; creating one only if absent is `os.link` of a complete, fsynced
temporary file (fails when the name exists). Writers keep their files in a private `tmp/p<pid>-…/` folder locked
with `flock` while they live, and hold `gc.lock` shared while they make objects reachable (`_locks.py`), so gc
knows exactly which writers are alive.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator

from ._locks import HAVE_LOCKS, LOCK_FILE, StoreLock, is_alive, process_folder
from .objects import ObjectStore
from .storage import ObjectInfo, Storage, WriterScan

__all__ = ["FolderStorage"]

_HEX = frozenset("0123456789abcdef")


def atomic_write(path: str, data: bytes, tmpdir: str) -> None:
    """Write `data` to `path` through a temporary file renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=tmpdir, prefix="write-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class FolderStorage(Storage):
    """A store in the local folder `root` (created with its sub-folders when missing)."""

    remote = False

    def __init__(self, root: str) -> None:
        self.root = root
        self.url = root
        self.tmp_root = os.path.join(root, "tmp")
        for d in (os.path.join(root, "objects"), self.tmp_root, os.path.join(root, "artifacts"),
                  os.path.join(root, "runs")):
            os.makedirs(d, exist_ok=True)
        self.lock = StoreLock.for_path(os.path.join(root, "gc.lock"))
        self.objects = ObjectStore(os.path.join(root, "objects"), lambda: self.tmp_dir, self.lock)

    def file(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    # -- small files -----------------------------------------------------------------------------------------------
    def read(self, key: str) -> bytes:
        with open(self.file(key), "rb") as f:
            return f.read()

    def write(self, key: str, data: bytes) -> None:
        path = self.file(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, data, self.tmp_dir)

    def create(self, key: str, data: bytes) -> bool:
        path = self.file(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, prefix="create-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # fails if the name exists: the create-if-absent of docs/storage.md
            except FileExistsError:
                return False
            return True
        finally:
            os.remove(tmp)

    def delete(self, key: str) -> bool:
        try:
            os.remove(self.file(key))
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        try:
            return os.listdir(self.file(prefix)) if prefix else os.listdir(self.root)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def exists(self, key: str) -> bool:
        return os.path.exists(self.file(key))

    def where(self, key: str) -> str:
        return self.file(key)

    # -- writers ----------------------------------------------------------------------------------------------------
    @property
    def tmp_dir(self) -> str:
        return process_folder(self.tmp_root)

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self.lock.shared():
            yield

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self.lock.exclusive():
            yield

    @contextlib.contextmanager
    def manager_lock(self, key: str) -> Iterator[None]:
        """An `flock` on the file `key` (dropped by the kernel if this process dies)."""
        path = self.file(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with StoreLock(path).exclusive():
            yield

    def writers(self, grace: float) -> WriterScan:
        """A folder whose `.lock` nobody holds belongs to a dead writer; files no lock covers (an older tablelens,
        or a system without `fcntl`) are left alone for `grace` seconds after they last changed."""
        scan = WriterScan()
        now = time.time()
        for entry in sorted(os.listdir(self.tmp_root)):
            path = os.path.join(self.tmp_root, entry)
            alive = is_alive(path) if os.path.isdir(path) and os.path.exists(os.path.join(path, LOCK_FILE)) else None
            if alive is None:  # no lock to ask: a grace period decides
                alive = now - _mtime(path) < grace
            if alive:
                scan.live.append(path)
                scan.keep |= _live_refs(path)
            else:
                scan.dead.append(path)
                scan.dead_bytes += _tree_size(path)
        return scan

    def remove_writer(self, item: str) -> None:
        if os.path.isdir(item) and not os.path.islink(item):
            shutil.rmtree(item, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(item)

    def object_kept(self, info: ObjectInfo, now: float, grace: float) -> bool:
        """Without `fcntl` nothing tells live writers from dead ones: young objects are kept."""
        return not HAVE_LOCKS and now - info.mtime < grace


def _mtime(path: str) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _tree_size(path: str) -> int:
    if not os.path.isdir(path) or os.path.islink(path):
        return _file_size(path)
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        total += sum(_file_size(os.path.join(dirpath, f)) for f in files)
    return total


def _live_refs(folder: str) -> set[str]:
    """Digests the stagings of a live writer's folder refer to (listed in their `.refs` files)."""
    refs: set[str] = set()
    for dirpath, _dirs, files in os.walk(folder):
        if ".refs" in files:
            try:
                with open(os.path.join(dirpath, ".refs")) as f:
                    refs |= {s for line in f if len(s := line.strip()) == 64 and set(s) <= _HEX}
            except OSError:
                pass
    return refs
