"""`ObjectStore`: the store's content-addressed files, `objects/<sha256[:2]>/<sha256>`, always checked.

An object is used only after its bytes are found to hash to its name (`_core.hashing.file_sha256`: once per
process while the file stays unchanged). Storing an object whose digest exists checks the existing copy first
and replaces it when it is damaged, so logging the intact file again repairs the store. An object this process
wrote itself (from bytes it hashed) is reused without hashing it again while its identity (device, inode, size,
mtime, ctime) is unchanged; reads never rely on that (see docs/storage.md).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import uuid
from collections.abc import Callable

from .._core.errors import CorruptFileError, DamagedObjectError
from .._core.hashing import copy_verified, file_identity, file_sha256
from ._locks import StoreLock

__all__ = ["DIGEST", "ObjectStore"]

DIGEST = re.compile(r"^[0-9a-f]{64}$")
log = logging.getLogger("tablelens")


class ObjectStore:
    """The `objects/` folder of a store; `tmp` gives the folder temporary files are written in first."""

    def __init__(self, dir: str, tmp: Callable[[], str], lock: StoreLock) -> None:
        self.dir = dir
        self._tmp = tmp
        self.lock = lock

    def _reusable(self, digest: str) -> bool:
        """Intact, for reusing it in a new version: an object this process wrote is trusted while its identity is
        unchanged; any other is hashed (once per process while unchanged)."""
        ident = _WRITTEN.get(digest)
        if ident is not None:
            try:
                if file_identity(self.path(digest)) == ident:
                    return True
            except OSError:
                return False
        return self.intact(digest)
    def path(self, digest: str) -> str:
        if not isinstance(digest, str) or not DIGEST.match(digest):
            raise CorruptFileError(f"{digest!r} is not a sha256 digest")
        return os.path.join(self.dir, digest[:2], digest)

    def has(self, digest: str) -> bool:
        return os.path.exists(self.path(digest))

    def intact(self, digest: str) -> bool:
        """True when the object exists and its bytes hash to its name."""
        try:
            return file_sha256(self.path(digest)) == digest
        except OSError:
            return False

    def reuse(self, digest: str, record: Callable[[str], None] | None = None) -> str | None:
        """The object's file when the store holds it intact (after `record`ing the digest), else None.

        `record` writes the digest where `gc` looks for objects a live writer is about to reference; the
        shared lock makes record-then-check atomic with respect to `gc`.
        """
        if not os.path.exists(self.path(digest)):  # the common case while logging new data: no lock, no record
            return None
        with self.lock.shared():
            if record is not None:
                record(digest)
            return self.path(digest) if self._reusable(digest) else None

    def put(self, local: str, digest: str, *, move: bool = False, path: str | None = None,
            artifact: str | None = None) -> int:
        """Store the file `local` as object `digest`; returns the bytes written (0 when the store had it intact).

        `move`: `local` is a file of our own staging, hashed as it was written, so it is linked in rather than
        copied. Any other file is hashed as it is copied, and refused (DamagedObjectError) when it no longer
        matches `digest` (it changed after it was added).
        """
        dest = self.path(digest)
        if os.path.exists(dest):
            if self._reusable(digest):
                return 0
            actual = _hash_or_none(dest)
            if actual == digest:
                return 0
            if os.path.exists(local) and os.path.samefile(local, dest):
                raise DamagedObjectError(dest, digest, actual, artifact=artifact, path=path, detail=(
                    "the store's copy was damaged after it was added to this artifact; add the original file "
                    "again"))
            log.warning("tablelens: object %s was damaged (hashes to %s); replacing it with the intact copy of %s",
                        digest, actual, path or local)
        tmp = os.path.join(self._tmp(), f"obj-{uuid.uuid4().hex}")
        try:
            if move and _same_device(local, tmp):
                os.link(local, tmp)
            else:
                actual = copy_verified(local, tmp, digest)
                if actual != digest:
                    raise DamagedObjectError(local, digest, actual, artifact=artifact, path=path, detail=(
                        f"the file changed after it was added to the artifact (it now hashes to {actual[:12]}…, "
                        f"not {digest[:12]}…); add it again"))
            size = os.path.getsize(tmp)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(tmp, dest)
            _remember_written(digest, file_identity(dest))
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return size

    def digests(self) -> dict[str, str]:
        """digest -> file of every object in the folder (names that are not digests are left out)."""
        out = {}
        for dirpath, _dirs, files in os.walk(self.dir):
            for f in files:
                if DIGEST.match(f):
                    out[f] = os.path.join(dirpath, f)
        return out


_WRITTEN: dict[str, tuple[int, ...]] = {}  # digest -> identity of the object file this process wrote
_WRITTEN_MAX = 1 << 20
_written_lock = threading.Lock()


def _remember_written(digest: str, ident: tuple[int, ...]) -> None:
    with _written_lock:
        if len(_WRITTEN) >= _WRITTEN_MAX:
            _WRITTEN.clear()
        _WRITTEN[digest] = ident


def _hash_or_none(path: str) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(os.path.dirname(b)).st_dev
    except OSError:
        return False
