"""The storage interface of a store: the few operations `Store` needs from the place its files live.

Two implementations: `FolderStorage` (`folder.py`, a local folder: the default) and `FsspecStorage` (`remote.py`,
any fsspec URL: `s3://`, `gs://`, `memory://`, ...). `Store`, views, verify and gc are written against this
interface only, so the protocol of docs/storage.md — content-addressed objects checked on every read, version slots
claimed with a create-if-absent, aliases and runs replaced whole — is one piece of code for both.

Keys are `/`-separated paths relative to the store's root (`artifacts/ds/v3.json`). Objects (the content-addressed
bytes) are behind `Objects`, since they are read in other ways: hashed, fetched into a local cache, or opened in
place by the query engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LEASE_STALE_S", "ObjectInfo", "Objects", "Storage", "WriterScan"]

#: a manager lease older than this is taken as left by a dead holder (a manager holds one for milliseconds)
LEASE_STALE_S = 60.0


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object as listed: where it is (a file or a URL, for messages), its size and last change."""

    where: str
    size: int
    mtime: float


@dataclass
class WriterScan:
    """What gc learns about writers: the folders of live ones (kept, with the digests they are about to
    reference) and what dead ones left (removed)."""

    live: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    keep: set[str] = field(default_factory=set)
    dead_bytes: int = 0


class Objects(ABC):
    """The content-addressed objects of a store: `objects/<sha256[:2]>/<sha256>`.

    `path(digest)` is always a local file name: the object itself in a folder store, its place in the local cache
    for a remote one (`fetch` brings it there, checked). Nothing is used before its bytes hash to its name.
    """

    remote: bool = False
    #: the local folder holding object files (a folder store's `objects/`, a remote store's cache)
    dir: str

    @abstractmethod
    def path(self, digest: str) -> str: ...

    @abstractmethod
    def has(self, digest: str) -> bool: ...

    @abstractmethod
    def size(self, digest: str) -> int:
        """The stored object's size in bytes (FileNotFoundError when it is not stored)."""

    @abstractmethod
    def intact(self, digest: str) -> bool:
        """The object exists and its bytes hash to its name (read now, or once per process while unchanged)."""

    @abstractmethod
    def present(self, digest: str, size: int) -> bool:
        """The object can be referenced by a new version as it is (see docs/storage.md for what is checked)."""

    @abstractmethod
    def reuse(self, digest: str, record: Callable[[str], None] | None = None) -> str | None:
        """The object's local file name when a new version may reference it as it is, else None (then the
        writer stores its own bytes). `record` notes the digest where gc looks for what live writers use."""

    @abstractmethod
    def put(self, local: str, digest: str, *, move: bool = False, path: str | None = None,
            artifact: str | None = None) -> int:
        """Store the file `local` as object `digest`; returns the bytes written (0 when it was there intact)."""

    @abstractmethod
    def fetch(self, digest: str, size: int | None = None) -> str:
        """The object's local file, fetched (and checked) first when it is not there; FileNotFoundError when the
        store does not hold it. `size` is what the manifest records (a hint for how to fetch it)."""

    @abstractmethod
    def listing(self) -> dict[str, ObjectInfo]:
        """digest -> ObjectInfo of every object stored (names that are not digests are left out)."""

    @abstractmethod
    def hash_now(self, digest: str) -> str | None:
        """What the stored bytes hash to, read afresh (None when unreadable); for `verify`."""

    @abstractmethod
    def remove(self, digest: str) -> None: ...

    @abstractmethod
    def scan(self, digest: str) -> tuple[str, Any]:
        """Where a reader opens the object in place: (path, fsspec filesystem or None), after checking it. A
        folder store gives the checked local file; a remote store the object's path under its filesystem (see
        `remote.py`), its bytes hashed once per object version (streamed, not stored)."""


class Storage(ABC):
    """Where a store's files live. `url` names it (`Store.dir`); `objects` holds the content-addressed bytes."""

    url: str
    remote: bool = False
    objects: Objects
    #: the local folder holding the writing processes' private folders (`tmp_dir`)
    tmp_root: str

    # -- small files: manifests, aliases, views, runs ----------------------------------------------------------
    @abstractmethod
    def read(self, key: str) -> bytes:
        """The bytes of `key`; FileNotFoundError when it does not exist."""

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Replace `key` whole: a reader sees the old bytes or the new ones, never a mix."""

    @abstractmethod
    def create(self, key: str, data: bytes) -> bool:
        """Create `key` only if absent, atomically (the one primitive concurrent writers rely on); False when it
        exists already."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove `key`; False when it did not exist."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """The names directly under the folder `prefix` (files and sub-folders), [] when there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def where(self, key: str) -> str:
        """The file or URL of `key`, for messages."""

    # -- writers --------------------------------------------------------------------------------------------------
    @property
    @abstractmethod
    def tmp_dir(self) -> str:
        """This process's private local folder for files being written (staging, temporary files)."""

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Held by writers while they make objects reachable (gc waits); a no-op where there is no lock."""
        yield

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by gc; a no-op where there is no lock."""
        yield

    @contextlib.contextmanager
    def manager_lock(self, key: str) -> Iterator[None]:
        """Hold `key` exclusively among every process using this store (artifacts/management.py).

        Here a lease: `key` created only if absent (holder and time inside), removed when done; a waiter polls.
        A lease older than LEASE_STALE_S is taken as left by a dead holder and removed (only if it is still the
        lease that was read). `FolderStorage` uses an `flock` instead, dropped by the kernel when its holder dies.
        """
        holder = {"host": socket.gethostname(), "pid": os.getpid(), "token": uuid.uuid4().hex}
        delay = 0.005
        while True:
            if self.create(key, json.dumps({**holder, "at": time.time()}).encode()):
                break
            try:
                raw = self.read(key)
            except FileNotFoundError:
                continue  # released between our create and read
            try:
                at = float(json.loads(raw)["at"])
            except (ValueError, KeyError, TypeError):
                at = 0.0  # a damaged lease protects nothing
            if time.time() - at > LEASE_STALE_S:
                with contextlib.suppress(FileNotFoundError):
                    if self.read(key) == raw:
                        self.delete(key)
                continue
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        try:
            yield
        finally:
            self.delete(key)

    @abstractmethod
    def writers(self, grace: float) -> WriterScan:
        """The live writers (and what they are about to reference) and what dead ones left."""

    @abstractmethod
    def remove_writer(self, item: str) -> None:
        """Remove what a dead writer left (an item of `WriterScan.dead`)."""

    def object_kept(self, info: ObjectInfo, now: float, grace: float) -> bool:
        """True when gc must keep an unreferenced object for its age alone (see the implementations)."""
        del info, now, grace
        return False
