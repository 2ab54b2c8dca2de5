"""`Store.verify()` (every hash, manifest and alias, like `git fsck`) and `Store.gc()` (what dead writers left and
what no version references), with the typed reports they return. See docs/storage.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from .._core.hashing import sha256_file
from ._locks import HAVE_LOCKS, LOCK_FILE, is_alive
from .management import check_records
from .manifest import is_tombstone
from .names import NAME

if TYPE_CHECKING:
    from .store import Store

__all__ = ["GcReport", "Problem", "VerifyReport", "collect_garbage", "verify_store"]

#: a file in `tmp/` that no live-writer lock covers (written by an older tablelens, or on a system without
#: `fcntl`) is left alone this long after it last changed
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
    return os.path.relpath(path, store.dir).replace(os.sep, "/")


def _names(store: Store) -> list[str]:
    root = os.path.join(store.dir, "artifacts")
    return sorted(n for n in os.listdir(root) if NAME.match(n) and os.path.isdir(os.path.join(root, n)))


def _hash_all(files: dict[str, str]) -> dict[str, str | None]:
    """digest -> what the file hashes to now (None if unreadable), read afresh: hashlib releases the GIL."""
    def one(item: tuple[str, str]) -> tuple[str, str | None]:
        try:
            return item[0], sha256_file(item[1])
        except OSError:
            return item[0], None

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        return dict(pool.map(one, files.items()))


def verify_store(store: Store) -> VerifyReport:
    report = VerifyReport(store.dir)
    objects = store.object_store.digests()
    actual = _hash_all(objects)
    report.objects = len(objects)
    report.bytes = sum(_file_size(f) for f in objects.values())
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
            report.problems.append(Problem("damaged-object", _rel(store, objects[digest]), _damage(actual[digest]),
                                           versions, paths))
    for digest, file in sorted(objects.items()):
        if digest not in uses:
            report.unreferenced += 1
            report.unreferenced_bytes += _file_size(file)
            if actual[digest] != digest:
                report.problems.append(Problem("damaged-object", _rel(store, file),
                                               _damage(actual[digest]) + " (no version uses it; gc removes it)"))
    runs = os.path.join(store.dir, "runs")
    for f in sorted(os.listdir(runs)):
        if f.endswith(".json"):
            try:
                with open(os.path.join(runs, f), "rb") as fh:
                    json.loads(fh.read())
            except (OSError, ValueError, RecursionError) as e:
                report.problems.append(Problem("damaged-run", f"runs/{f}", f"not valid JSON ({e})"))
    return report


def _damage(actual: str | None) -> str:
    return "cannot be read" if actual is None else f"its bytes hash to {actual}, not to its name"


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
                try:
                    with open(store._manifest_file(name, n), "rb") as f:
                        keep |= set(_HEX64.findall(f.read().decode("latin-1")))
                except OSError:
                    pass
                continue
            if not is_tombstone(m):
                keep |= {e["digest"] for e in m["contents"].values()}
    return keep


def _live_refs(folder: str) -> set[str]:
    """Digests the stagings of a live writer's folder refer to (listed in their `.refs` files)."""
    refs: set[str] = set()
    for dirpath, _dirs, files in os.walk(folder):
        if ".refs" in files:
            try:
                with open(os.path.join(dirpath, ".refs")) as f:
                    refs |= {line.strip() for line in f if _HEX64.fullmatch(line.strip())}
            except OSError:
                pass
    return refs


def collect_garbage(store: Store, *, dry_run: bool) -> GcReport:
    report = GcReport(store.dir, dry_run)
    now = time.time()
    with store.lock.exclusive():  # no writer is between "reference an object" and "publish the manifest" now
        keep = _reachable(store)
        dead: list[str] = []
        for entry in sorted(os.listdir(store.tmp_root)):
            path = os.path.join(store.tmp_root, entry)
            alive = is_alive(path) if os.path.isdir(path) and os.path.exists(os.path.join(path, LOCK_FILE)) else None
            if alive is None:  # no lock to ask: a grace period decides
                alive = now - _mtime(path) < GRACE_S
            if alive:
                report.live_folders.append(_rel(store, path))
                keep |= _live_refs(path)
            else:
                dead.append(path)
        objects = store.object_store.digests()
        for digest, file in sorted(objects.items()):
            if digest in keep or (not HAVE_LOCKS and now - _mtime(file) < GRACE_S):
                continue
            report.objects.append(digest)
            report.object_bytes += _file_size(file)
        for path in dead:
            report.folders.append(_rel(store, path))
            report.folder_bytes += _tree_size(path)
        if not dry_run:
            for digest in report.objects:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(objects[digest])
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.dirname(objects[digest]))  # the fan-out folder, once empty
            for path in dead:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
    return report


def _mtime(path: str) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0
