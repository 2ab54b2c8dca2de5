"""`FsspecStorage`: a store on object storage (`s3://bucket/prefix`, `gs://...`, any fsspec URL).

The protocol is the folder store's (docs/storage.md, "Object storage"), on the object store's own guarantees:

- a PUT replaces an object whole (aliases, runs, tombstones are plain PUTs);
- a version slot or a view revision is claimed with a *conditional* PUT — S3's `If-None-Match: *`, which fsspec
  spells `pipe_file(..., mode="create")` — answered 412 (FileExistsError) when the name exists. A filesystem whose
  `pipe_file` has no such mode is refused when a version is published, never raced;
- there is no `flock`: gc keeps every unreferenced object younger than its grace period (24 hours by default),
  and a writer never reuses an object older than half of it (it writes its own bytes again, which renews the
  object's age) — so an object a live writer uploaded or reuses is never collected under it.

Objects are read through a local, content-addressed cache (`$TABLELENS_CACHE/store`, default
`~/.cache/tablelens/store`):
media and small JSON are fetched on first use and hashed as they arrive, then valid forever. Tables are not
copied: the query engine reads them in place through the store's filesystem (registered with DuckDB under a
protocol of its own), after their bytes were hashed once — streamed, never stored — and that check is remembered
per object version (ETag) in the cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import inspect
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .._core.errors import CorruptFileError, DamagedObjectError, StoreConfigError
from .._core.hashing import copy_verified, file_sha256
from ._locks import process_folder
from .objects import DIGEST
from .storage import ObjectInfo, Objects, Storage, WriterScan

__all__ = ["FsspecStorage", "RemoteObjects", "default_cache_dir", "is_url"]

log = logging.getLogger("tablelens")
_CHUNK = 1 << 22


def is_url(text: str) -> bool:
    """True for an fsspec URL (`s3://...`); a Windows drive (`C:\\x`) or a plain path is not one."""
    head, sep, _ = text.partition("://")
    return bool(sep) and len(head) > 1 and head.replace("+", "").replace("-", "").isalnum()


def default_cache_dir() -> str:
    """`$TABLELENS_CACHE/store`, else `$XDG_CACHE_HOME/tablelens/store`, else `~/.cache/tablelens/store` (the root
    of every tablelens cache; thumbnails have their own folder beside this one)."""
    root = os.environ.get("TABLELENS_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "tablelens")
    return os.path.join(root, "store")


def _has_create(fs: Any) -> bool:
    """Does this filesystem implement `pipe_file(mode="create")` itself (an exclusive write)? fsspec's generic
    one checks, then writes: two writers could both pass the check, so it does not count."""
    from fsspec.asyn import AsyncFileSystem
    from fsspec.spec import AbstractFileSystem

    cls = type(fs)
    if isinstance(fs, AsyncFileSystem) and cls._pipe_file is not AsyncFileSystem._pipe_file:
        return "mode" in inspect.signature(cls._pipe_file).parameters
    return cls.pipe_file is not AbstractFileSystem.pipe_file and "mode" in inspect.signature(cls.pipe_file).parameters


def _version_token(info: dict[str, Any]) -> str:
    """What changes whenever an object's bytes do: its ETag (S3), generation (GCS), else size and mtime."""
    for k in ("ETag", "etag", "generation", "md5Hash", "version_id"):
        if info.get(k):
            return f"{k}={info[k]}"
    return f"size={info.get('size')},mtime={_mtime(info)}"


def _mtime(info: dict[str, Any]) -> float:
    for k in ("LastModified", "mtime", "updated", "created", "last_modified", "timeCreated"):
        v = info.get(k)
        if v is None:
            continue
        if isinstance(v, (int, float)):
            return float(v)
        if isinstance(v, dt.datetime):
            return (v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)).timestamp()
        if isinstance(v, str):
            with contextlib.suppress(ValueError):
                return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
    return 0.0


class FsspecStorage(Storage):
    """A store at an fsspec URL. `storage_options` go to the filesystem (endpoint, credentials); `cache_dir` is
    the local cache of fetched objects and this process's staging folder."""

    remote = True

    def __init__(self, url: str, *, storage_options: dict[str, Any] | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec is a dependency
            raise StoreConfigError(f"a store at {url!r} needs fsspec: pip install fsspec") from None
        options = dict(storage_options or {})
        if url.startswith("s3://"):
            options.setdefault("use_listings_cache", False)  # another writer's new version must be seen at once
        try:
            fs, root = fsspec.core.url_to_fs(url, **options)
        except ImportError as e:
            raise StoreConfigError(f"a store at {url!r} needs the filesystem of its protocol: {e}") from None
        except ValueError as e:
            raise StoreConfigError(f"{url!r} is not a store URL fsspec can open: {e}") from None
        self.fs = fs
        self.root = root.rstrip("/")
        self.url = url.rstrip("/")
        self.cache_dir = os.path.abspath(os.fspath(cache_dir) if cache_dir is not None else default_cache_dir())
        self.tmp_root = os.path.join(self.cache_dir, "tmp")
        os.makedirs(self.tmp_root, exist_ok=True)
        self.can_create = _has_create(fs)
        self.objects = RemoteObjects(self)

    def __repr__(self) -> str:
        return f"FsspecStorage({self.url!r})"

    def full(self, key: str) -> str:
        return f"{self.root}/{key}" if key else self.root

    # -- small files -----------------------------------------------------------------------------------------------
    def read(self, key: str) -> bytes:
        try:
            return self.fs.cat_file(self.full(key))
        except FileNotFoundError:
            raise FileNotFoundError(self.where(key)) from None

    def write(self, key: str, data: bytes) -> None:
        self.fs.pipe_file(self.full(key), data)  # one PUT: readers see the old object or the new one

    def create(self, key: str, data: bytes) -> bool:
        if not self.can_create:
            raise StoreConfigError(
                f"the store at {self.url!r} cannot publish versions safely: its filesystem "
                f"({type(self.fs).__name__}) has no exclusive write (pipe_file(mode='create'), S3's If-None-Match),"
                " so two writers could take the same version number; use S3, or a filesystem that has one")
        try:
            self.fs.pipe_file(self.full(key), data, mode="create")
        except FileExistsError:
            return False
        return True

    def delete(self, key: str) -> bool:
        try:
            self.fs.rm_file(self.full(key))
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        path = self.full(prefix)
        try:
            found = self.fs.ls(path, detail=False, refresh=True)
        except FileNotFoundError:
            return []
        except TypeError:  # a filesystem without `refresh`
            found = self.fs.ls(path, detail=False)
        names = []
        for p in found:
            name = p.rstrip("/").rsplit("/", 1)[-1]
            if name and p.rstrip("/") != path:
                names.append(name)
        return names

    def exists(self, key: str) -> bool:
        try:
            self.fs.info(self.full(key))
        except FileNotFoundError:
            return False
        return True

    def where(self, key: str) -> str:
        return f"{self.url}/{key}"

    # -- writers ----------------------------------------------------------------------------------------------------
    @property
    def tmp_dir(self) -> str:
        """This process's staging folder, in the local cache (objects are uploaded from it)."""
        return process_folder(self.tmp_root)

    def writers(self, grace: float) -> WriterScan:
        """Nothing to ask on object storage: writers keep their staging on their own machine, and the grace
        period protects what they uploaded (`object_kept`)."""
        del grace
        return WriterScan()

    def remove_writer(self, item: str) -> None:  # pragma: no cover - writers() lists none
        del item

    def object_kept(self, info: ObjectInfo, now: float, grace: float) -> bool:
        return now - info.mtime < grace

    # -- the query engine's view of the objects ----------------------------------------------------------------
    def scan_filesystem(self) -> Any:
        """An fsspec filesystem rooted at the store, under a protocol of its own (`tlstore<hash>://`), which
        the engine registers with DuckDB: two stores (two endpoints) never share a name, and DuckDB's own
        `s3://` handling (its httpfs extension, downloaded at run time) is never asked for."""
        with _scan_lock:
            hit = _scan_fs.get(self.url)
            if hit is None:
                proto = "tlstore" + hashlib.sha256(self.url.encode()).hexdigest()[:12]
                cls = type(f"StoreFileSystem_{proto}", (_scan_base(),), {"protocol": proto, "cachable": False})
                hit = _scan_fs[self.url] = cls(path=self.root, fs=self.fs)
            return hit


_scan_fs: dict[str, Any] = {}
_scan_lock = threading.Lock()
_scan_cls: list[type] = []
#: the read size of in-place scans: Parquet column chunks, not s3fs's 50 MiB read-ahead per open file
SCAN_BLOCK = 4 << 20


def _scan_base() -> type:
    """fsspec's DirFileSystem, remembering what it learns of each object: a store's objects are named by their
    content and never change, so their size is asked once (DuckDB opens a file once per thread and query)."""
    if _scan_cls:
        return _scan_cls[0]
    from fsspec.implementations.dirfs import DirFileSystem

    class StoreFileSystem(DirFileSystem):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._infos: dict[str, dict[str, Any]] = {}

        def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
            hit = self._infos.get(path)
            if hit is None:
                hit = self._infos[path] = super().info(path, **kwargs)
            return hit

        def open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            if "r" in mode:
                kwargs.setdefault("block_size", SCAN_BLOCK)
                kwargs.setdefault("size", self.info(path)["size"])
            return super().open(path, mode, **kwargs)

    _scan_cls.append(StoreFileSystem)
    return StoreFileSystem
#: an object older than this (seconds) is not reused as it is: its bytes are written again (see gc's grace)
REUSE_S = 12 * 3600


class RemoteObjects(Objects):
    """The objects of a remote store, with the local cache `<cache>/objects/<sha[:2]>/<sha>`."""

    remote = True

    def __init__(self, storage: FsspecStorage) -> None:
        self.storage = storage
        self.fs = storage.fs
        self.dir = os.path.join(storage.cache_dir, "objects")
        self._verified_dir = os.path.join(storage.cache_dir, "verified")
        self._verified: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def key(self, digest: str) -> str:
        if not isinstance(digest, str) or not DIGEST.match(digest):
            raise CorruptFileError(f"{digest!r} is not a sha256 digest")
        return f"objects/{digest[:2]}/{digest}"

    def url(self, digest: str) -> str:
        return self.storage.where(self.key(digest))

    def path(self, digest: str) -> str:
        self.key(digest)
        return os.path.join(self.dir, digest[:2], digest)

    def _info(self, digest: str) -> dict[str, Any] | None:
        try:
            return self.fs.info(self.storage.full(self.key(digest)))
        except FileNotFoundError:
            return None

    def has(self, digest: str) -> bool:
        return self._info(digest) is not None

    def size(self, digest: str) -> int:
        cached = self.path(digest)
        if os.path.exists(cached):
            return os.path.getsize(cached)
        info = self._info(digest)
        if info is None:
            raise FileNotFoundError(f"the store {self.storage.url} holds no object {digest}")
        return int(info.get("size") or 0)

    def intact(self, digest: str) -> bool:
        return self.hash_now(digest) == digest

    def present(self, digest: str, size: int) -> bool:
        """Stored with the size the manifest records: reading it back would mean downloading it, so its bytes are
        hashed when it is read (every read is checked), not here."""
        info = self._info(digest)
        return info is not None and (not size or int(info.get("size", -1)) == size)

    def reuse(self, digest: str, record: Callable[[str], None] | None = None) -> str | None:
        info = self._info(digest)
        if info is None or time.time() - _mtime(info) > REUSE_S:
            return None  # absent, or old enough that gc may collect it soon: the writer stores its own bytes
        if record is not None:
            record(digest)
        return self.path(digest)

    def put(self, local: str, digest: str, *, move: bool = False, path: str | None = None,
            artifact: str | None = None) -> int:
        info = self._info(digest)
        size = os.path.getsize(local)
        if info is not None and int(info.get("size", -1)) == size and time.time() - _mtime(info) < REUSE_S:
            return 0
        tmp = os.path.join(self.storage.tmp_dir, f"obj-{uuid.uuid4().hex}")
        try:
            if move and _same_device(local, tmp):  # our own staging file, hashed as it was written
                os.link(local, tmp)
            elif move:
                copy_verified(local, tmp, digest)
            else:
                actual = copy_verified(local, tmp, digest)
                if actual != digest:
                    raise DamagedObjectError(local, digest, actual, artifact=artifact, path=path, detail=(
                        f"the file changed after it was added to the artifact (it now hashes to {actual[:12]}…, "
                        f"not {digest[:12]}…); add it again"))
            self.fs.put_file(tmp, self.storage.full(self.key(digest)))  # one PUT: the object appears whole
            self._keep_in_cache(tmp, digest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
        return size

    def _keep_in_cache(self, tmp: str, digest: str) -> None:
        dest = self.path(digest)
        if os.path.exists(dest):
            return
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with contextlib.suppress(OSError):
            os.replace(tmp, dest)

    def fetch(self, digest: str, size: int | None = None) -> str:
        """The cached copy, fetched first when missing or damaged; its bytes are hashed as they arrive. `size`
        (the manifest's): a small object is fetched with one GET, a large one streamed."""
        dest = self.path(digest)
        if os.path.exists(dest):
            with contextlib.suppress(OSError):
                if file_sha256(dest) == digest:
                    return dest
            log.warning("tablelens: the cached copy of %s is damaged; fetching it again", digest)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        tmp = f"{dest}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
        h = hashlib.sha256()
        full = self.storage.full(self.key(digest))
        try:
            try:
                if size is not None and 0 < size <= _CHUNK:
                    data = self.fs.cat_file(full)
                    h.update(data)
                    with open(tmp, "wb") as fo:
                        fo.write(data)
                else:
                    with self.fs.open(full, "rb") as fi, open(tmp, "wb") as fo:
                        while chunk := fi.read(_CHUNK):
                            h.update(chunk)
                            fo.write(chunk)
            except FileNotFoundError:
                raise FileNotFoundError(f"the store {self.storage.url} holds no object {digest}") from None
            if h.hexdigest() != digest:
                raise DamagedObjectError(self.url(digest), digest, h.hexdigest())
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
        return dest

    def listing(self) -> dict[str, ObjectInfo]:
        base = self.storage.full("objects")
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        out = {}
        for p, info in found.items():
            name = p.rstrip("/").rsplit("/", 1)[-1]
            if DIGEST.match(name) and info.get("type", "file") != "directory":
                out[name] = ObjectInfo(self.storage.where(f"objects/{name[:2]}/{name}"), int(info.get("size") or 0),
                                       _mtime(info))
        return out

    def hash_now(self, digest: str) -> str | None:
        h = hashlib.sha256()
        try:
            with self.fs.open(self.storage.full(self.key(digest)), "rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
        except OSError:
            return None
        return h.hexdigest()

    def remove(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.storage.full(self.key(digest)))

    # -- in-place reads ----------------------------------------------------------------------------------------
    def scan(self, digest: str) -> tuple[str, Any]:
        """The object in the store, read in place, after its bytes were hashed (streamed: once per object version
        per machine)."""
        self.verify_in_place(digest)
        fs = self.storage.scan_filesystem()
        return f"{fs.protocol}://{self.key(digest)}", fs

    def verify_in_place(self, digest: str) -> None:
        info = self._info(digest)
        if info is None:
            raise FileNotFoundError(f"the store {self.storage.url} holds no object {digest}")
        token = _version_token(info)
        if (digest, token) in self._verified:
            return
        marker = os.path.join(self._verified_dir, digest[:2], digest)
        try:
            with open(marker) as f:
                if json.load(f).get("token") == token:
                    with self._lock:
                        self._verified.add((digest, token))
                    return
        except (OSError, ValueError):
            pass
        actual = self.hash_now(digest)
        if actual != digest:
            raise DamagedObjectError(self.url(digest), digest, actual)
        with self._lock:
            self._verified.add((digest, token))
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        tmp = f"{marker}.{uuid.uuid4().hex[:8]}"
        with open(tmp, "w") as f:
            json.dump({"token": token, "url": self.url(digest)}, f)
        os.replace(tmp, marker)


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(os.path.dirname(b)).st_dev
    except OSError:
        return False
