"""Files of an artifact before and after it is logged: logical path -> bytes on disk, content-addressed.

A `Staging` is the media sink tables are encoded into: every file is written once under its sha256, in a
private folder (inside the store when one is known, so logging is a rename and bytes the store already holds are
never written again). Bytes are read back only through `checked_file` / `checked_bytes`, which compare them with
the digest recorded for them (`DamagedObjectError` otherwise) and keep files read from a folder inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .._core.errors import ArtifactNotFoundError, DamagedObjectError
from .._core.hashing import file_sha256, sha256_bytes, sha256_file
from .._core.paths import check_inside, check_logical_path, local_file, make_parents
from ..codec import write_parquet
from ..media.classes import Classes
from ..media.image import Mask, Pixels

if TYPE_CHECKING:
    from .objects import ObjectStore

__all__ = ["Entry", "EntrySource", "Staging", "checked_bytes", "checked_file", "copy_checked"]

#: the file in a staging folder listing the store objects it refers to (`gc` keeps them)
REFS_FILE = ".refs"


@dataclass(frozen=True)
class Entry:
    """One file of an artifact: its logical path, content digest, size, local bytes and optional reference.

    `root` is set for a file read from a folder (a W&B download): its bytes must stay inside that folder.
    """

    path: str
    digest: str
    size: int
    local_path: str
    ref: str | None = None
    root: str | None = None

    def download(self, root: str | None = None) -> str:
        """The local file, checked against its digest; with `root`, a new copy at `root/<path>` (as wandb's
        entry.download; an existing file is never overwritten)."""
        if root is None:
            return checked_file(self)
        dest = local_file(os.fspath(root), self.path)
        make_parents(os.fspath(root), dest)
        copy_checked(self, dest)
        return dest

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"digest": self.digest, "size": self.size}
        if self.ref:
            out["ref"] = self.ref
        return out


def _local(entry: Entry) -> str:
    if entry.root is not None:
        check_inside(entry.root, entry.local_path, f"{entry.path!r}")
    return entry.local_path


def checked_file(entry: Entry, artifact: str | None = None) -> str:
    """The entry's local file once its bytes are found to hash to its digest (hashed once per process while the
    file is unchanged); DamagedObjectError names `artifact` ("name:v3"), the logical path and the object."""
    local = _local(entry)
    actual = file_sha256(local)
    if actual != entry.digest:
        raise DamagedObjectError(local, entry.digest, actual, artifact=artifact, path=entry.path)
    return local


def checked_bytes(entry: Entry, artifact: str | None = None) -> bytes:
    """The entry's bytes, read once and checked against its digest before they are used."""
    local = _local(entry)
    with open(local, "rb") as f:
        data = f.read()
    actual = sha256_bytes(data)
    if actual != entry.digest:
        raise DamagedObjectError(local, entry.digest, actual, artifact=artifact, path=entry.path)
    return data


def copy_checked(entry: Entry, dest: str, artifact: str | None = None) -> None:
    """Copy the entry's bytes to the new file `dest` (never over an existing file or link), checked as copied."""
    local = _local(entry)
    h = hashlib.sha256()
    with open(local, "rb") as fi, open(dest, "xb") as fo:
        try:
            while chunk := fi.read(1 << 20):
                h.update(chunk)
                fo.write(chunk)
        except BaseException:
            fo.close()
            os.remove(dest)
            raise
    if h.hexdigest() != entry.digest:
        os.remove(dest)
        raise DamagedObjectError(local, entry.digest, h.hexdigest(), artifact=artifact, path=entry.path)


class _EncodedDigests:
    """Raw-pixel hash -> (digest, format) of its encoding, for this process.

    Logging a new version whose images mostly come from the same arrays as an earlier one then skips encoding them
    (the store already holds those files): only new pixels are encoded and written.
    """

    def __init__(self, limit: int = 1_000_000) -> None:
        self._map: dict[str, tuple[str, str]] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: str | None) -> tuple[str, str] | None:
        return self._map.get(key) if key else None

    def put(self, key: str | None, digest: str, fmt: str) -> None:
        if key is None:
            return
        with self._lock:
            if len(self._map) >= self._limit:
                self._map.clear()
            self._map[key] = (digest, fmt)


_ENCODED = _EncodedDigests()


class Staging:
    """The files of an artifact being built; implements the media sink of `codec.images`."""

    def __init__(self, root: str | None = None, objects: ObjectStore | None = None) -> None:
        base = root or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="tablelens-staging-", dir=base)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.dir, True)
        self._objects = objects  # a store's objects: digests found there intact are not written again
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._refs: set[str] = set()
        self.bytes_staged = 0

    @property
    def entries(self) -> Mapping[str, Entry]:
        """Logical path -> entry of every file added so far (read-only: add files with the `add_*` methods)."""
        return MappingProxyType(self._entries)

    # -- adding files -------------------------------------------------------------------------------------------
    def _existing_object(self, digest: str) -> str | None:
        """The store's file of `digest` when it holds it intact (a damaged copy is not reused: this artifact
        keeps its own bytes, and logging it replaces the damaged copy)."""
        if self._objects is None:
            return None
        return self._objects.reuse(digest, self._record_ref)

    def _record_ref(self, digest: str) -> None:
        """Note in the staging folder that it refers to a store object, so `Store.gc` keeps it until logged."""
        with self._lock:
            if digest in self._refs:
                return
            self._refs.add(digest)
            with open(os.path.join(self.dir, REFS_FILE), "a") as f:
                f.write(digest + "\n")

    def add_bytes(self, path: str, data: bytes, digest: str | None = None) -> Entry:
        path = check_logical_path(path)
        digest = digest or sha256_bytes(data)
        local = self._existing_object(digest) or os.path.join(self.dir, digest)
        if not os.path.exists(local):
            tmp = f"{local}.{threading.get_ident()}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, local)
            with self._lock:
                self.bytes_staged += len(data)
        return self._put(Entry(path, digest, len(data), local))

    def add_file_copy(self, path: str, local: str) -> Entry:
        """Copy a user's file into the staging folder (streamed, so a large file never sits in memory)."""
        path = check_logical_path(path)
        tmp = os.path.join(self.dir, f"copy-{os.getpid()}-{threading.get_ident()}.tmp")
        shutil.copyfile(local, tmp)
        digest = sha256_file(tmp)
        dest = self._existing_object(digest) or os.path.join(self.dir, digest)
        if os.path.exists(dest):
            os.remove(tmp)
        else:
            os.replace(tmp, dest)
            with self._lock:
                self.bytes_staged += os.path.getsize(dest)
        return self._put(Entry(path, digest, os.path.getsize(dest), dest))

    def add_local_file(self, path: str, local: str, digest: str | None = None, ref: str | None = None,
                       root: str | None = None) -> Entry:
        """Add a file that already exists on disk (an object of a store, or a user's file, copied on log).

        `root`: the folder the file was found in (its bytes must stay inside it, see `Entry.root`).
        """
        path = check_logical_path(path)
        digest = digest or sha256_file(local)
        if self._objects is not None and os.path.dirname(os.path.dirname(os.path.abspath(local))) == self._objects.dir:
            self._objects.reuse(digest, self._record_ref)  # a store object (an image of another version): keep it
        return self._put(Entry(path, digest, os.path.getsize(local), local, ref, root))

    def add_reference(self, path: str, digest: str, size: int, local_path: str, ref: str | None) -> Entry:
        """Add an entry whose bytes may be absent here (a reference, or a file left out of a partial copy)."""
        return self._put(Entry(check_logical_path(path), digest, size, local_path, ref))

    def _put(self, entry: Entry) -> Entry:
        with self._lock:
            old = self._entries.get(entry.path)
            if old is not None and old.digest != entry.digest:
                raise ValueError(f"the artifact already has a different file at {entry.path!r}; choose another name")
            self._entries[entry.path] = entry
        return entry

    # -- the media sink --------------------------------------------------------------------------------------------
    def add_image_pixels(self, pixels: Pixels) -> str:
        if pixels.origin is not None and pixels.path is not None:
            origin, path = pixels.origin
            self.add_local_file(path, pixels.path, pixels.digest, ref=f"{origin}/{path}")
            return path
        if pixels.path is not None:
            fmt = pixels.format
            ext = "jpg" if fmt == "jpeg" else fmt
            digest = pixels.digest
            path = f"media/images/{digest[:20]}.{ext}"
            known = self._entries.get(path)
            if known is None or known.digest != digest:  # a file many cells name is added once
                self.add_local_file(path, pixels.path, digest)
            pixels.release()
            return path
        key = pixels.content_key()
        known = _ENCODED.get(key)
        stored = self._existing_object(known[0]) if known else None
        if known and stored:
            digest, fmt = known
            pixels.assume_encoded(digest, fmt)
            path = f"media/images/{digest[:20]}.{fmt}"
            self.add_local_file(path, stored, digest)
            return path
        data, fmt = pixels.encoded()
        _ENCODED.put(key, pixels.digest, fmt)
        path = f"media/images/{pixels.digest[:20]}.{fmt}"
        self.add_bytes(path, data, pixels.digest)
        pixels.release()  # keep memory flat: the digest is known, the array can encode again if asked
        return path

    def add_mask(self, mask: Mask) -> str:
        key = mask.content_key()
        known = _ENCODED.get(key)
        stored = self._existing_object(known[0]) if known else None
        if known and stored:
            mask._digest = known[0]
            path = f"media/images/mask/{known[0][:20]}.mask.png"
            self.add_local_file(path, stored, known[0])
            return path
        data = mask.png()
        _ENCODED.put(key, mask.digest, "png")
        path = f"media/images/mask/{mask.digest[:20]}.mask.png"
        if mask.path is not None and mask._array is None:
            self.add_local_file(path, mask.path, mask.digest)
        else:
            self.add_bytes(path, data, mask.digest)
        mask._png = None
        return path

    def add_classes(self, classes: Classes) -> str:
        data = classes.to_bytes()
        digest = sha256_bytes(data)
        return self.add_bytes(f"media/classes/{digest[:20]}_cls.classes.json", data, digest).path

    def add_json(self, path: str, obj: Any) -> Entry:
        return self.add_bytes(path, json.dumps(obj, sort_keys=True, separators=(",", ":")).encode())

    def add_table(self, path: str, arrow: pa.Table) -> Entry:
        tmp = os.path.join(self.dir, f"table-{os.getpid()}-{threading.get_ident()}.parquet.tmp")
        write_parquet(arrow, tmp)
        digest = sha256_file(tmp)
        local = self._existing_object(digest) or os.path.join(self.dir, digest)
        if os.path.exists(local):
            os.remove(tmp)
        else:
            self.bytes_staged += os.path.getsize(tmp)
            os.replace(tmp, local)
        return self._put(Entry(check_logical_path(path), digest, os.path.getsize(local), local))


class EntrySource:
    """The media source (codec.MediaSource) over an artifact's entries, staged or stored.

    It holds the staging it reads from (when there is one), so tables read from an unlogged artifact keep its
    folder alive, and the artifact it belongs to, so a table read from an artifact knows where it came from.
    """

    def __init__(self, entries: Mapping[str, Entry], origin: str | None, staging: Staging | None = None,
                 artifact: Any = None) -> None:
        self._entries = entries
        self._origin = origin
        self._staging = staging
        self.artifact = artifact

    def entry(self, logical_path: str) -> Entry:
        path = check_logical_path(logical_path, "media path")
        entry = self._entries.get(path)
        if entry is None:
            raise ArtifactNotFoundError(f"the artifact has no file {path!r} (named by a table cell)")
        return entry

    @property
    def label(self) -> str | None:
        """The artifact as error messages name it ("name:v3", or "name (not logged)")."""
        if self._origin:
            return self._origin
        name = getattr(self.artifact, "name", None)
        return f"{name} (not logged)" if name else None

    def local_path(self, logical_path: str) -> str:
        """The local file of `logical_path`, checked against its digest (DamagedObjectError otherwise)."""
        return checked_file(self.entry(logical_path), self.label)

    def lazy_file(self, logical_path: str) -> tuple[str, Callable[[], bytes]]:
        """The local file, unchecked, and a function returning its bytes checked against its digest: media
        decoded later (pixels, masks) are hashed when they are read, not when the table is."""
        entry = self.entry(logical_path)
        label = self.label
        return entry.local_path, lambda: checked_bytes(entry, label)

    def origin(self) -> str | None:
        return self._origin
