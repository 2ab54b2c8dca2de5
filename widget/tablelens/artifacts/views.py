"""Saved views: named Explorer states kept in the store beside their artifact, with every revision kept.

A view is JSON (what it holds is the Explorer's business: `tablelens.explorer` writes and reads the spec; the
store only keeps it). Each save is a new revision file created with `os.link`, which fails when the name exists,
so processes saving at once each get their own revision and nothing is lost — the same pattern as version
manifests (docs/storage.md). Logged versions are never touched.

    <store>/artifacts/<artifact>/views/<view>/r<N>.json
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from .names import NAME

if TYPE_CHECKING:
    from .store import Store

__all__ = ["View", "check_view_name", "list_views", "load_view", "save_view", "view_history"]

VIEW_FORMAT = 1
_REVISION = re.compile(r"^r(\d+)\.json$")


def check_view_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name) or name in (".", ".."):
        raise ValueError(f"view name {name!r} may hold only letters, digits, '-', '_' and '.'; choose another name")
    return name


@dataclass(frozen=True)
class View:
    """One revision of a saved view: `artifact` is the artifact it is kept beside, `spec` the Explorer state.

    `spec` is JSON-able (`ex.view_spec`): the source it was saved on, the query, visible columns, overlay and
    page size. Pass a View to `tl.Explorer(source, view=...)` or `tl.report([...])`.
    """

    artifact: str
    name: str
    revision: int
    spec: dict[str, Any]
    description: str | None = None
    created_at: str | None = None
    store_dir: str | None = field(default=None, compare=False)

    @property
    def ref(self) -> str:
        """`"artifact/view@rN"`: how manifests and messages name this revision."""
        return f"{self.artifact}/{self.name}@r{self.revision}"

    @property
    def source(self) -> str | None:
        """The source spec the view was saved on (`"name:v3"`, `"name:latest"`, ...), with its table."""
        src = self.spec.get("source")
        return src.get("spec") if isinstance(src, dict) else None

    def to_json(self) -> dict[str, Any]:
        return {"format": VIEW_FORMAT, "artifact": self.artifact, "name": self.name, "revision": self.revision,
                "description": self.description, "created_at": self.created_at, "spec": self.spec}

    def __repr__(self) -> str:
        return f"View({self.ref!r}, source={self.source!r})"


def _dir(store: Store, artifact: str, name: str | None = None) -> str:
    d = os.path.join(store._artifact_dir(artifact), "views")
    return os.path.join(d, check_view_name(name)) if name is not None else d


def _revisions(folder: str) -> list[int]:
    if not os.path.isdir(folder):
        return []
    return sorted(int(m.group(1)) for f in os.listdir(folder) if (m := _REVISION.match(f)))


def _read(store: Store, artifact: str, name: str, n: int) -> View:
    path = os.path.join(_dir(store, artifact, name), f"r{n}.json")
    try:
        with open(path, "rb") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise CorruptFileError(f"view file {path!r} cannot be read: {e}") from None
    if not isinstance(data, dict) or data.get("format") != VIEW_FORMAT or not isinstance(data.get("spec"), dict):
        raise CorruptFileError(f"view file {path!r} is not a tablelens view (format {VIEW_FORMAT} with a 'spec')")
    return View(artifact, name, n, data["spec"], data.get("description"), data.get("created_at"), store.dir)


def save_view(store: Store, artifact: str, name: str, spec: dict[str, Any], description: str | None = None) -> View:
    """Write a new revision of view `name` of `artifact`; concurrent savers each get their own revision."""
    check_view_name(name)
    store.resolve_version(artifact, "latest")  # the artifact must exist: ArtifactNotFoundError names the store
    try:
        text = json.dumps(spec)
    except (TypeError, ValueError) as e:
        raise ValueError(f"a view spec must be JSON data: {e}") from None
    folder = _dir(store, artifact, name)
    os.makedirs(folder, exist_ok=True)
    have = _revisions(folder)
    n = have[-1] + 1 if have else 1
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    record = {"format": VIEW_FORMAT, "artifact": artifact, "name": name, "revision": n,
              "description": description, "created_at": created, "spec": json.loads(text)}
    fd, tmp = tempfile.mkstemp(dir=store.tmp_dir, prefix="view-")
    try:
        while True:
            record["revision"] = n
            data = json.dumps(record, indent=1, sort_keys=True).encode()
            with open(fd, "wb", closefd=False) as f:
                f.seek(0)
                f.truncate()
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, os.path.join(folder, f"r{n}.json"))  # fails if another saver took r<n>
                break
            except FileExistsError:
                n += 1
    finally:
        os.close(fd)
        os.remove(tmp)
    return View(artifact, name, n, record["spec"], description, created, store.dir)


def load_view(store: Store, artifact: str, name: str, revision: int | None = None) -> View:
    """The latest revision of a view (or revision `revision`); ArtifactNotFoundError lists the views there are."""
    revs = _revisions(_dir(store, artifact, name))
    if not revs:
        have = [v.name for v in list_views(store, artifact)]
        raise ArtifactNotFoundError(f"artifact {artifact!r} has no view named {name!r}; its views: {have}")
    if revision is None:
        return _read(store, artifact, name, revs[-1])
    if revision not in revs:
        raise ArtifactNotFoundError(f"view {artifact}/{name} has no revision {revision}; "
                                    f"it has r{revs[0]}..r{revs[-1]}")
    return _read(store, artifact, name, revision)


def view_history(store: Store, artifact: str, name: str) -> list[View]:
    """Every revision of a view, oldest first."""
    revs = _revisions(_dir(store, artifact, name))
    if not revs:
        raise ArtifactNotFoundError(f"artifact {artifact!r} has no view named {name!r}")
    return [_read(store, artifact, name, n) for n in revs]


def list_views(store: Store, artifact: str) -> list[View]:
    """The latest revision of each view of `artifact`, by name."""
    store.resolve_version(artifact, "latest")
    root = _dir(store, artifact)
    if not os.path.isdir(root):
        return []
    out = []
    for name in sorted(os.listdir(root)):
        if NAME.match(name) and (revs := _revisions(os.path.join(root, name))):
            out.append(_read(store, artifact, name, revs[-1]))
    return out
