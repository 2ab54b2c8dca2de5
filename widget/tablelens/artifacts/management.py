"""Managing versions after they are logged: alias moves (each one recorded), deletes, and edits of a version's
description and metadata (recorded beside the version; its manifest and digest never change). See
docs/storage.md "Aliases, deletes and edits".

The protocol, in two parts:

- **One manager at a time per artifact.** Moving or removing an alias, deleting a version and editing one take an
  exclusive lock on `artifacts/<name>/manage.lock` (an `flock`, dropped by the kernel when its process dies) around
  check-then-act: a delete that finds no alias on `v3` cannot be overtaken by a move onto `v3` before its
  tombstone is written, so no alias ever names a deleted version, and an edit merging metadata keys reads the
  latest revision and writes the next one without another editor in between. Logging new versions takes no such
  lock (it is create-if-absent, docs/storage.md), so managing never slows writers.
- **Every change is a new file, never a rewrite.** Each alias move or removal appends a record
  `artifacts/<name>/alias-log/<alias>/r<K>.json`, each edit a revision `artifacts/<name>/edits/v<N>/r<K>.json`,
  both created with `os.link` (which fails when the name exists), sealed with a checksum like manifests. So
  concurrent moves lose nothing: the alias ends at one of the versions it was moved to and the log holds every
  move, in the order the lock granted them.

The pointer `aliases/<alias>.json` stays the one file readers read (docs/storage.md); the log is the record.
A process killed between writing the pointer and its log record leaves a move without its record (never a
record without its move).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._core.errors import CorruptFileError
from ._locks import StoreLock
from .context import current_run
from .manifest import dumps, loads, seal
from .names import VERSION, check_name, parse_spec

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "UNSET",
    "alias_history",
    "check_records",
    "edit_history",
    "edit_version",
    "latest_edit",
    "manage_lock",
    "record_alias",
]

RECORD_FORMAT = 1
_REVISION = re.compile(r"^r(\d+)\.json$")
_EDIT_FIELDS = frozenset({"format", "name", "version", "revision", "description", "metadata", "edited_at", "by",
                          "checksum"})
_ALIAS_LOG_FIELDS = frozenset({"format", "name", "alias", "revision", "version", "previous", "at", "by",
                               "checksum"})


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: the default of `Store.edit`'s fields: "leave this field as it is"
UNSET: Any = _Unset()

_held = threading.local()  # lock paths this thread holds (a manager calling another manager does not lock twice)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _by() -> dict[str, Any]:
    """Who made a change: host, process and the current run (if any)."""
    run = current_run()
    return {"host": socket.gethostname(), "pid": os.getpid(), "run": run.id if run is not None else None}


@contextlib.contextmanager
def manage_lock(store: Store, name: str) -> Iterator[None]:
    """Hold artifact `name`'s manager lock (re-entrant within a thread)."""
    path = os.path.join(store._artifact_dir(name), "manage.lock")
    held: set[str] = getattr(_held, "paths", None) or set()
    _held.paths = held
    if path in held:
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with StoreLock(path).exclusive():
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)


# ------------------------------------------------------------------------------------------------ revision files
def _revisions(folder: str) -> list[int]:
    if not os.path.isdir(folder):
        return []
    return sorted(int(m.group(1)) for f in os.listdir(folder) if (m := _REVISION.match(f)))


def _append(store: Store, folder: str, record: dict[str, Any]) -> dict[str, Any]:
    """Write `record` as the next revision `r<K>.json` of `folder` (create-if-absent, so never over another)."""
    os.makedirs(folder, exist_ok=True)
    have = _revisions(folder)
    n = have[-1] + 1 if have else 1
    fd, tmp = tempfile.mkstemp(dir=store.tmp_dir, prefix="record-")
    try:
        while True:
            sealed = seal({**record, "revision": n})
            with open(fd, "wb", closefd=False) as f:
                f.seek(0)
                f.truncate()
                f.write(dumps(sealed))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, os.path.join(folder, f"r{n}.json"))  # fails if that revision exists
                return sealed
            except FileExistsError:
                n += 1
    finally:
        os.close(fd)
        os.remove(tmp)


def _read_record(path: str, fields: frozenset[str], what: str) -> dict[str, Any]:
    """A record file, checked against its checksum; CorruptFileError naming the file otherwise."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CorruptFileError(f"{what} {path!r} cannot be read: {e}") from None
    record = loads(raw, what, path)
    if not isinstance(record, dict) or set(record) - fields or "checksum" not in record:
        raise CorruptFileError(f"{what} {path!r} is not a tablelens record; it is damaged")
    if seal({k: v for k, v in record.items() if k != "checksum"})["checksum"] != record["checksum"]:
        raise CorruptFileError(f"{what} {path!r} does not match its checksum (it was changed after it was "
                               "written); remove it to fall back on the revision before it")
    return record


# ------------------------------------------------------------------------------------------------ aliases
def _alias_log_dir(store: Store, name: str, alias: str) -> str:
    return os.path.join(store._artifact_dir(name), "alias-log", alias)


def record_alias(store: Store, name: str, alias: str, version: str | None, previous: str | None) -> None:
    """Append one move (`version` None: a removal) to the alias's log; called with the manager lock held."""
    _append(store, _alias_log_dir(store, name, alias), {
        "format": RECORD_FORMAT, "name": name, "alias": alias, "version": version, "previous": previous,
        "at": _now(), "by": _by()})


def alias_history(store: Store, name: str, alias: str | None = None) -> list[dict[str, Any]]:
    """Every recorded move of `alias` (or of every alias of `name`), oldest first: `alias`, `version` (None when
    removed), `previous`, `at`, `by` and `revision` (the move's number for that alias)."""
    check_name(name)
    root = os.path.join(store._artifact_dir(name), "alias-log")
    names = [alias] if alias is not None else (sorted(os.listdir(root)) if os.path.isdir(root) else [])
    out = []
    for a in names:
        folder = os.path.join(root, a)
        out += [_read_record(os.path.join(folder, f"r{k}.json"), _ALIAS_LOG_FIELDS, "alias log record")
                for k in _revisions(folder)]
    return sorted(out, key=lambda r: (r["at"], r["alias"], r["revision"]))


# ------------------------------------------------------------------------------------------------ edits
def _edits_dir(store: Store, name: str, n: int) -> str:
    return os.path.join(store._artifact_dir(name), "edits", f"v{n}")


def latest_edit(store: Store, name: str, n: int) -> dict[str, Any] | None:
    """The latest edit of version `n` (its `description` and `metadata` are the version's current ones), or None
    when it was never edited. A damaged record raises: a version never shows fields that fail their checksum."""
    folder = _edits_dir(store, name, n)
    revs = _revisions(folder)
    if not revs:
        return None
    return _read_record(os.path.join(folder, f"r{revs[-1]}.json"), _EDIT_FIELDS, "edit record")


def _check_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        return dict(json.loads(json.dumps(dict(metadata))))
    except (TypeError, ValueError) as e:
        raise ValueError(f"artifact metadata must be JSON-serialisable: {e}") from None


def edit_version(store: Store, spec: str, *, description: Any = UNSET, metadata: Any = UNSET,
                 update_metadata: Mapping[str, Any] | None = None,
                 remove_metadata: Iterable[str] = ()) -> dict[str, Any]:
    """Record a new description and/or metadata for a version; returns the edit record.

    `metadata` replaces the whole dict; `update_metadata` sets keys and `remove_metadata` removes keys of the
    current metadata (both applied under the manager lock, so concurrent editors of different keys lose nothing).
    The manifest is never rewritten: the version's digest and files stay as they were logged.
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise ValueError(f"name the version to edit, as 'name:v3' or 'name:ALIAS', got {spec!r}")
    if description is not UNSET and description is not None and not isinstance(description, str):
        raise TypeError(f"description must be a string or None, got {type(description).__name__}")
    remove = [remove_metadata] if isinstance(remove_metadata, str) else list(remove_metadata)
    if description is UNSET and metadata is UNSET and not update_metadata and not remove:
        raise ValueError("nothing to edit: give description=, metadata=, update_metadata= or remove_metadata=")
    name, version = parse_spec(spec)
    new_meta = _check_metadata(metadata) if metadata is not UNSET else None
    updates = _check_metadata(update_metadata or {})
    with manage_lock(store, name):
        n = store.resolve_version(name, version)
        manifest = store._manifest(name, n)
        last = latest_edit(store, name, n)
        current = last if last is not None else manifest
        meta = dict(new_meta if new_meta is not None else (current.get("metadata") or {}))
        missing = [k for k in remove if k not in meta]
        if missing:
            raise KeyError(f"{name}:v{n} has no metadata key(s) {missing}; its keys: {sorted(meta)}")
        meta.update(updates)
        for k in remove:
            del meta[k]
        return _append(store, _edits_dir(store, name, n), {
            "format": RECORD_FORMAT, "name": name, "version": f"v{n}",
            "description": current.get("description") if description is UNSET else description,
            "metadata": meta, "edited_at": _now(), "by": _by()})


def edit_history(store: Store, spec: str) -> list[dict[str, Any]]:
    """A version's description and metadata through time, oldest first: revision 0 is what was logged (with
    `edited_at` = its creation time), each later revision one edit."""
    name, version = parse_spec(spec)
    n = store.resolve_version(name, version)
    m = store._manifest(name, n)
    first = {"revision": 0, "name": name, "version": f"v{n}", "description": m.get("description"),
             "metadata": m.get("metadata") or {}, "edited_at": m.get("created_at"), "by": None}
    folder = _edits_dir(store, name, n)
    return [first, *(_read_record(os.path.join(folder, f"r{k}.json"), _EDIT_FIELDS, "edit record")
                     for k in _revisions(folder))]


# ------------------------------------------------------------------------------------------------ verify
def check_records(store: Store, name: str) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
    """(kind, file relative to the store, message, versions) for each damaged edit or alias-log record of `name`;
    `Store.verify` reports them."""
    root = store._artifact_dir(name)
    for sub, fields, what, kind in (("edits", _EDIT_FIELDS, "edit record", "damaged-edit"),
                                    ("alias-log", _ALIAS_LOG_FIELDS, "alias log record", "damaged-alias-log")):
        base = os.path.join(root, sub)
        if not os.path.isdir(base):
            continue
        for key in sorted(os.listdir(base)):
            folder = os.path.join(base, key)
            for k in _revisions(folder):
                path = os.path.join(folder, f"r{k}.json")
                try:
                    _read_record(path, fields, what)
                except CorruptFileError as e:
                    versions = (f"{name}:{key}",) if sub == "edits" and VERSION.match(key) else ()
                    rel = os.path.relpath(path, store.dir).replace(os.sep, "/")
                    yield kind, rel, str(e), versions
