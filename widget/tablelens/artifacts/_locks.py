"""Advisory file locks: which writers are alive, and keeping `Store.gc` from racing a writer.

- Every process that writes to a store gets a private folder `tmp/p<pid>-<random>/` for its staging and
  temporary files, and holds an exclusive `flock` on `<folder>/.lock` while it lives. The kernel drops the lock
  when the process dies however it dies (SIGKILL included), so `gc` knows a folder whose lock it can take is
  garbage, and never touches one whose owner is alive — without trusting pids, which are reused.
- `<store>/gc.lock`: writers hold it shared around the few steps that make an object reachable (reusing an
  object already in the store, storing objects and publishing a manifest); `gc` holds it exclusively.

Where `fcntl` is missing (Windows), locks are no-ops and `gc` falls back on a grace period (docs/storage.md).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from typing import ClassVar

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["HAVE_LOCKS", "LOCK_FILE", "StoreLock", "is_alive", "process_folder"]

HAVE_LOCKS = fcntl is not None
LOCK_FILE = ".lock"

_folders: dict[tuple[str, int], tuple[str, int]] = {}  # (tmp root, pid) -> (folder, fd holding its lock)
_folders_lock = threading.Lock()


def process_folder(tmp_root: str) -> str:
    """This process's private folder under `tmp_root`, created and locked on first use."""
    key = (os.path.realpath(tmp_root), os.getpid())
    with _folders_lock:
        hit = _folders.get(key)
        if hit is not None and os.path.isdir(hit[0]):
            return hit[0]
        folder = os.path.join(tmp_root, f"p{os.getpid()}-{uuid.uuid4().hex[:12]}")
        os.makedirs(folder)
        fd = os.open(os.path.join(folder, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _folders[key] = (folder, fd)
        return folder


def is_alive(folder: str) -> bool | None:
    """True while the process owning `folder` lives, False once it is gone, None when it cannot be told."""
    if fcntl is None:
        return None
    with _folders_lock:
        if any(f == folder for f, _ in _folders.values()):
            return True
    try:
        fd = os.open(os.path.join(folder, LOCK_FILE), os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock if we took it
    return False


@atexit.register
def _remove_own_folders() -> None:
    """A process that exits normally removes its folders itself (gc is for those that die)."""
    for (_root, pid), (folder, fd) in list(_folders.items()):
        if pid == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.close(fd)


def _after_fork_in_child() -> None:
    # A forked child must not keep its parent's folders alive nor write into them: it makes its own on first use.
    for _folder, fd in _folders.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _folders.clear()
    StoreLock._reset_all()


class StoreLock:
    """`<store>/gc.lock`: shared by writers (counted per process), exclusive for `gc`."""

    _all: ClassVar[dict[str, StoreLock]] = {}

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._count = 0
        self._lock = threading.Lock()

    @classmethod
    def for_path(cls, path: str) -> StoreLock:
        """The one lock object of this process for `path` (the shared lock is counted across threads)."""
        with _folders_lock:
            key = os.path.realpath(path)
            if key not in cls._all:
                cls._all[key] = cls(path)
            return cls._all[key]

    @classmethod
    def _reset_all(cls) -> None:
        for lk in cls._all.values():
            if lk._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(lk._fd)
            lk._fd, lk._count, lk._lock = None, 0, threading.Lock()

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        with self._lock:
            if self._count == 0:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self._fd, fcntl.LOCK_SH)
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1
                if self._count == 0 and self._fd is not None:
                    os.close(self._fd)  # drops the shared lock
                    self._fd = None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
