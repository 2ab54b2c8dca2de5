"""`Store.verify()` (every hash, manifest and alias, like `git fsck`) and `Store.gc()` (what dead writers left and
what no version references), with the typed reports they return. See docs/storage.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from .management import check_records
from .manifest import is_tombstone
from .names import NAME

if TYPE_CHECKING:
    from .store import Store

__all__ = ["GcReport", "Problem", "VerifyReport", "collect_garbage", "verify_store"]

#: a file in `tmp/` that no live-writer lock covers (written by an older tablelens, or on a system without
#: `fcntl`) is left alone this long after it last changed; on object storage, where there is no lock to ask,
#: unreferenced objects younger than this are kept (docs/storage.md, "Object storage")
GRACE_S = 24 * 3600
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Problem:
    """One fault `verify` found.

    `kind`: "damaged-object" (bytes do not hash to their name), "missing-object" (a manifest names an object the
    store does not hold), "damaged-manifest", "damaged-alias" (unreadable, or a loop), "dangling-alias" (names a
    version that does not exist), "damaged-edit" (an edit of a version's description or metadata that fails its
    checksum: the version cannot be read until it is removed), "damaged-alias-log" or "damaged-run". `file` is
    the store file at fault (relative to the store), `versions` the versions it makes unreadable in whole or in
    part ("name:v3"), `paths` their logical paths.
    """

    kind: str
    file: str
    message: str
    versions: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" — affects {', '.join(self.versions)}" if self.versions else ""
        paths = f" ({', '.join(self.paths[:5])}{', …' if len(self.paths) > 5 else ''})" if self.paths else ""
        return f"{self.kind}: {self.file}{where}{paths}: {self.message}"


@dataclass
class VerifyReport:
    """What `Store.verify()` checked and found; `ok` when nothing is damaged or missing."""

    store: str
    problems: list[Problem] = field(default_factory=list)
    objects: int = 0
    bytes: int = 0
    versions: int = 0
    aliases: int = 0
    unreferenced: int = 0
    unreferenced_bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def damaged_versions(self) -> list[str]:
        """Every version some problem makes unreadable, in whole or in part."""
        return sorted({v for p in self.problems for v in p.versions}, key=_version_key)

    def __str__(self) -> str:
        head = (f"Store {self.store}: {_n(self.objects, 'object')} ({_size(self.bytes)}), "
                f"{_n(self.versions, 'version')}, {_n(self.aliases, 'alias', 'aliases')} checked; ")
        tail = (f"; {_n(self.unreferenced, 'unreferenced object')} ({_size(self.unreferenced_bytes)}) that "
                "Store.gc() would remove" if self.unreferenced else "")
        if self.ok:
            return head + "no problems" + tail
        lines = [head + f"{_n(len(self.problems), 'problem')}, damaged versions: "
                 f"{', '.join(self.damaged_versions) or '-'}" + tail]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"VerifyReport(ok={self.ok}, problems={len(self.problems)}, objects={self.objects})"


@dataclass
class GcReport:
    """What `Store.gc()` removed (or, with `dry_run`, would remove) and what it left alone."""

    store: str
    dry_run: bool
    objects: list[str] = field(default_factory=list)  # digests
    object_bytes: int = 0
    folders: list[str] = field(default_factory=list)  # staging folders, relative to the store
    folder_bytes: int = 0
    live_folders: list[str] = field(default_factory=list)  # writers alive: left alone

    @property
    def bytes(self) -> int:
        return self.object_bytes + self.folder_bytes

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        out = (f"Store {self.store}: {verb} {_n(len(self.objects), 'unreferenced object')} "
               f"({_size(self.object_bytes)}) and {_n(len(self.folders), 'staging folder')} of dead writers "
               f"({_size(self.folder_bytes)}): {_size(self.bytes)} in all")
        if self.live_folders:
            out += f"; left {_n(len(self.live_folders), 'folder')} of live writers alone"
        if self.dry_run:
            out += "".join(f"\n  object {d}" for d in self.objects[:50])
            out += f"\n  … and {len(self.objects) - 50} more objects" if len(self.objects) > 50 else ""
            out += "".join(f"\n  folder {f}" for f in self.folders)
        return out

    def __repr__(self) -> str:
        return (f"GcReport(dry_run={self.dry_run}, objects={len(self.objects)}, folders={len(self.folders)}, "
                f"bytes={self.bytes})")


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _version_key(spec: str) -> tuple[str, int]:
    name, _, v = spec.rpartition(":")
    return name, int(v[1:]) if v[1:].isdigit() else -1


def _rel(store: Store, path: str) -> str:
    if store.remote:
        return path[len(store.dir) + 1:] if path.startswith(store.dir + "/") else path
    return os.path.relpath(path, store.dir).replace(os.sep, "/")


def _names(store: Store) -> list[str]:
    return sorted(n for n in store.storage.list("artifacts") if NAME.match(n))


def _hash_all(store: Store, digests: list[str]) -> dict[str, str | None]:
    """digest -> what its bytes hash to now (None if unreadable), read afresh: hashlib releases the GIL, and
    reading objects from a remote store is I/O."""
    workers = 16 if store.remote else max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(digests, pool.map(store.object_store.hash_now, digests)))


def verify_store(store: Store) -> VerifyReport:
    report = VerifyReport(store.dir)
    objects = store.object_store.listing()
    actual = _hash_all(store, sorted(objects))
    report.objects = len(objects)
    report.bytes = sum(info.size for info in objects.values())
    uses: dict[str, list[tuple[str, str]]] = defaultdict(list)  # digest -> (version, logical path)
    for name in _names(store):
        slots, deleted = store._slots(name)
        for n in slots:
            if n in deleted:
                continue
            spec = f"{name}:v{n}"
            report.versions += 1
            try:
                m = store._manifest(name, n)
            except (CorruptFileError, ArtifactNotFoundError, FileNotFoundError) as e:
                report.problems.append(Problem("damaged-manifest", _rel(store, store._manifest_file(name, n)),
                                               str(e), (spec,)))
                continue
            for p, e in m["contents"].items():
                uses[e["digest"]].append((spec, p))
        live = set(store._version_numbers(name))
        for alias in store._alias_names(name):
            report.aliases += 1
            file = _rel(store, store._alias_file(name, alias))
            try:
                n = store._follow_alias(name, alias)
            except (CorruptFileError, FileNotFoundError) as e:
                report.problems.append(Problem("damaged-alias", file, str(e)))
                continue
            except ArtifactNotFoundError as e:
                report.problems.append(Problem("dangling-alias", file, str(e)))
                continue
            if n not in live:
                report.problems.append(Problem("dangling-alias", file, f"alias {alias!r} of {name!r} names v{n}, "
                                               "which does not exist or was deleted; set it again or remove it"))
        for kind, file, message, versions in check_records(store, name):  # edits and alias moves
            report.problems.append(Problem(kind, file, message, versions))
    for digest, where in sorted(uses.items()):
        versions = tuple(sorted({v for v, _ in where}, key=_version_key))
        paths = tuple(sorted({p for _, p in where}))
        if digest not in objects:
            report.problems.append(Problem("missing-object", f"objects/{digest[:2]}/{digest}",
                                           "the store does not hold this object", versions, paths))
        elif actual[digest] != digest:
            report.problems.append(Problem("damaged-object", _rel(store, objects[digest].where),
                                           _damage(actual[digest]), versions, paths))
    for digest, info in sorted(objects.items()):
        if digest not in uses:
            report.unreferenced += 1
            report.unreferenced_bytes += info.size
            if actual[digest] != digest:
                report.problems.append(Problem("damaged-object", _rel(store, info.where),
                                               _damage(actual[digest]) + " (no version uses it; gc removes it)"))
    for f in sorted(store.storage.list("runs")):
        if f.endswith(".json"):
            try:
                json.loads(store.storage.read(f"runs/{f}"))
            except (OSError, ValueError, RecursionError) as e:
                report.problems.append(Problem("damaged-run", f"runs/{f}", f"not valid JSON ({e})"))
    return report


def _damage(actual: str | None) -> str:
    return "cannot be read" if actual is None else f"its bytes hash to {actual}, not to its name"


def _reachable(store: Store) -> set[str]:
    """Every object digest some version (not deleted) references. A manifest that cannot be read keeps every
    digest-like string in its bytes: gc never deletes what a damaged manifest might name."""
    keep: set[str] = set()
    for name in _names(store):
        slots, deleted = store._slots(name)
        for n in slots:
            if n in deleted:
                continue
            try:
                m = store._manifest(name, n, deleted_ok=True)
            except (CorruptFileError, ArtifactNotFoundError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    keep |= set(_HEX64.findall(store.storage.read(store._manifest_key(name, n)).decode("latin-1")))
                continue
            if not is_tombstone(m):
                keep |= {e["digest"] for e in m["contents"].values()}
    return keep


def collect_garbage(store: Store, *, dry_run: bool, grace: float | None = None) -> GcReport:
    report = GcReport(store.dir, dry_run)
    grace = GRACE_S if grace is None else float(grace)
    now = time.time()
    with store.storage.exclusive():  # no writer is between "reference an object" and "publish the manifest" now
        keep = _reachable(store)
        writers = store.storage.writers(grace)
        report.live_folders = [_rel(store, p) for p in writers.live]
        keep |= writers.keep
        objects = store.object_store.listing()
        for digest, info in sorted(objects.items()):
            if digest in keep or store.storage.object_kept(info, now, grace):
                continue
            report.objects.append(digest)
            report.object_bytes += info.size
        report.folders = [_rel(store, p) for p in writers.dead]
        report.folder_bytes = writers.dead_bytes
        if not dry_run:
            for digest in report.objects:
                store.object_store.remove(digest)
            for path in writers.dead:
                store.storage.remove_writer(path)
    return report
