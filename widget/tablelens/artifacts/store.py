"""`Store`: a folder of content-addressed objects, version manifests, aliases and runs (see docs/storage.md).

Every write is atomic (write aside, then rename or link), so a process killed mid-write leaves no half-written
version, and version numbers are allocated with `os.link`, which fails when the name exists, so concurrent
writers get distinct versions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from .._core.hashing import sha256_bytes
from .._core.paths import check_logical_path
from .artifact import Artifact
from .names import NAME, VERSION, check_name, parse_spec
from .staging import Entry
from .views import View, list_views, load_view, save_view, view_history

__all__ = ["Store", "default_store_dir"]


def default_store_dir() -> str:
    """`$TABLELENS_DIR`, else `./tablelens-store` in the working directory."""
    return os.environ.get("TABLELENS_DIR") or os.path.join(os.getcwd(), "tablelens-store")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _atomic_write(path: str, data: bytes, tmpdir: str) -> None:
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


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, "rb") as f:
            return json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise CorruptFileError(f"{what} {path!r} is not valid JSON: {e}") from None


class Store:
    """A folder holding artifacts' versions and the runs that made and used them."""

    def __init__(self, dir: str | os.PathLike[str] | None = None) -> None:
        self.dir = os.path.abspath(os.fspath(dir) if dir is not None else default_store_dir())
        self.objects_dir = os.path.join(self.dir, "objects")
        self.tmp_dir = os.path.join(self.dir, "tmp")
        for d in (self.objects_dir, self.tmp_dir, os.path.join(self.dir, "artifacts"), os.path.join(self.dir, "runs")):
            os.makedirs(d, exist_ok=True)

    def __repr__(self) -> str:
        return f"Store({self.dir!r})"

    # -- objects ---------------------------------------------------------------------------------------------------
    def object_path(self, digest: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
            raise CorruptFileError(f"{digest!r} is not a sha256 digest")
        return os.path.join(self.objects_dir, digest[:2], digest)

    def size(self) -> int:
        """Bytes held by the store's objects: what it takes on disk, each file counted once."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.objects_dir):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
        return total

    def has_object(self, digest: str) -> bool:
        return os.path.exists(self.object_path(digest))

    def put_object(self, local: str, digest: str, *, move: bool = False) -> int:
        """Store a file under its digest; returns the bytes written (0 when the store had it already)."""
        dest = self.object_path(digest)
        if os.path.exists(dest):
            return 0
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        size = os.path.getsize(local)
        if move and _same_device(local, self.tmp_dir):
            os.link(local, tmp := os.path.join(self.tmp_dir, f"obj-{uuid.uuid4().hex}"))
        else:
            tmp = os.path.join(self.tmp_dir, f"obj-{uuid.uuid4().hex}")
            shutil.copyfile(local, tmp)
        os.replace(tmp, dest)
        return size

    # -- artifacts -------------------------------------------------------------------------------------------------
    def _artifact_dir(self, name: str) -> str:
        return os.path.join(self.dir, "artifacts", check_name(name))

    def artifacts(self) -> list[str]:
        """Names of the artifacts in the store."""
        root = os.path.join(self.dir, "artifacts")
        return sorted(n for n in os.listdir(root) if self._version_numbers(n))

    def _version_numbers(self, name: str) -> list[int]:
        d = self._artifact_dir(name)
        if not os.path.isdir(d):
            return []
        nums = []
        for f in os.listdir(d):
            m = re.fullmatch(r"v(\d+)\.json", f)
            if m:
                nums.append(int(m.group(1)))
        return sorted(nums)

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of an artifact, oldest first: version, digest, aliases, created_at, run, type."""
        nums = self._version_numbers(name)
        if not nums:
            raise ArtifactNotFoundError(f"no artifact named {name!r} in {self.dir}; the store has {self.artifacts()}")
        aliases = self._aliases(name)
        out = []
        for n in nums:
            m = self._manifest(name, n)
            v = f"v{n}"
            al = [a for a, ver in aliases.items() if ver == v]
            if n == nums[-1]:
                al = ["latest", *al]
            out.append({"version": v, "digest": m["digest"], "aliases": al, "created_at": m.get("created_at"),
                        "run": m.get("run"), "type": m.get("type"), "tables": _tables_in(m["contents"])})
        return out

    def _manifest(self, name: str, n: int) -> dict[str, Any]:
        path = os.path.join(self._artifact_dir(name), f"v{n}.json")
        m = _read_json(path, "manifest")
        if not isinstance(m, dict) or not isinstance(m.get("contents"), dict):
            raise CorruptFileError(f"manifest {path!r} has no 'contents'")
        for p, e in m["contents"].items():
            check_logical_path(p, f"manifest {path!r}: path")
            if not isinstance(e, dict) or not isinstance(e.get("digest"), str):
                raise CorruptFileError(f"manifest {path!r}: entry {p!r} has no digest")
        return m

    def _aliases(self, name: str) -> dict[str, str]:
        d = os.path.join(self._artifact_dir(name), "aliases")
        out: dict[str, str] = {}
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.endswith(".json"):
                    out[f[:-5]] = _read_json(os.path.join(d, f), "alias file")["version"]
        return out

    def set_alias(self, name: str, alias: str, version: str) -> None:
        if alias == "latest" or VERSION.match(alias) or not NAME.match(alias):
            raise ValueError(f"alias {alias!r} is reserved or malformed; use letters, digits, '-', '_' or '.'")
        d = os.path.join(self._artifact_dir(name), "aliases")
        os.makedirs(d, exist_ok=True)
        _atomic_write(os.path.join(d, f"{alias}.json"), json.dumps({"version": version}).encode(), self.tmp_dir)

    def resolve_version(self, name: str, version: str = "latest") -> int:
        nums = self._version_numbers(name)
        if not nums:
            raise ArtifactNotFoundError(f"no artifact named {name!r} in {self.dir}; the store has {self.artifacts()}")
        if version == "latest":
            return nums[-1]
        m = VERSION.match(version)
        if m:
            n = int(m.group(1))
            if n not in nums:
                raise ArtifactNotFoundError(
                    f"artifact {name!r} has no version {version}; it has v{nums[0]}..v{nums[-1]}")
            return n
        aliases = self._aliases(name)
        if version not in aliases:
            raise ArtifactNotFoundError(f"artifact {name!r} has no alias {version!r}; aliases: {sorted(aliases)}")
        return self.resolve_version(name, aliases[version])

    def artifact(self, spec: str) -> Artifact:
        """The logged artifact named by 'name:v1', 'name:latest', 'name:ALIAS' or 'name'."""
        name, version = parse_spec(spec)
        n = self.resolve_version(name, version)
        manifest = self._manifest(name, n)
        entries = {}
        for p, e in manifest["contents"].items():
            local = self.object_path(e["digest"])
            entries[p] = Entry(p, e["digest"], int(e.get("size", 0)), local, e.get("ref"))
        aliases = [a for a, v in self._aliases(name).items() if v == f"v{n}"]
        if n == self._version_numbers(name)[-1]:
            aliases.insert(0, "latest")
        return Artifact._from_store(self, manifest, entries, aliases)

    def log(self, staged: Mapping[str, Entry], *, name: str, type: str, description: str | None,
            metadata: dict[str, Any], run: str | None, aliases: Iterable[str] = (),
            staging_dir: str | None = None) -> tuple[dict[str, Any], int]:
        """Store the files and write a new version (or return the version whose contents are identical).

        Returns (manifest, bytes written to the store).
        """
        check_name(name)
        written = 0
        for entry in staged.values():
            check_logical_path(entry.path)
            if not os.path.exists(entry.local_path) and not self.has_object(entry.digest):
                raise FileNotFoundError(
                    f"cannot log {name}: the bytes of {entry.path!r} are missing ({entry.local_path}); copy the file "
                    "there (a reference into another artifact needs that artifact's files) and log again")
            own = staging_dir is not None and os.path.dirname(entry.local_path) == staging_dir
            written += self.put_object(entry.local_path, entry.digest, move=own)
        contents = {p: e.to_json() for p, e in sorted(staged.items())}
        digest = sha256_bytes(json.dumps(sorted((p, e["digest"]) for p, e in contents.items())).encode())
        d = self._artifact_dir(name)
        os.makedirs(d, exist_ok=True)
        nums = self._version_numbers(name)
        # identical contents: return the version that has them (as W&B does), newest first, instead of a copy
        for k in reversed(nums):
            existing = self._manifest(name, k)
            if existing["digest"] == digest:
                for a in aliases:
                    if a != "latest":
                        self.set_alias(name, a, existing["version"])
                return existing, written
        n = nums[-1] + 1 if nums else 0
        manifest: dict[str, Any] = {
            "name": name, "type": type, "version": "", "digest": digest, "description": description,
            "metadata": metadata, "created_at": _now(), "run": run, "contents": contents,
        }
        while True:
            manifest["version"] = f"v{n}"
            fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, prefix="manifest-")
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(manifest, indent=1, sort_keys=True).encode())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, os.path.join(d, f"v{n}.json"))  # fails if another writer took v<n>
                break
            except FileExistsError:
                n += 1
            finally:
                os.remove(tmp)
        for a in aliases:
            if a != "latest":
                self.set_alias(name, a, f"v{n}")
        return manifest, written

    # -- saved views (artifacts/views.py) ---------------------------------------------------------------------------
    def views(self, name: str) -> list[View]:
        """The saved views of artifact `name` (the latest revision of each)."""
        return list_views(self, name)

    def view(self, name: str, view: str, revision: int | None = None) -> View:
        """A saved view of artifact `name`: its latest revision, or revision `revision`."""
        return load_view(self, name, view, revision)

    def view_history(self, name: str, view: str) -> list[View]:
        """Every revision of a saved view, oldest first."""
        return view_history(self, name, view)

    def save_view(self, name: str, view: str, spec: dict[str, Any], description: str | None = None) -> View:
        """Save a new revision of a view of artifact `name` (an Explorer's `view_spec`)."""
        return save_view(self, name, view, spec, description)

    # -- runs and lineage ----------------------------------------------------------------------------------------------
    def write_run(self, record: dict[str, Any]) -> None:
        _atomic_write(os.path.join(self.dir, "runs", f"{record['id']}.json"),
                      json.dumps(record, indent=1, sort_keys=True).encode(), self.tmp_dir)

    def runs(self) -> list[dict[str, Any]]:
        root = os.path.join(self.dir, "runs")
        out = [_read_json(os.path.join(root, f), "run file") for f in sorted(os.listdir(root)) if f.endswith(".json")]
        return sorted(out, key=lambda r: r.get("started_at", ""))

    def lineage(self, name_or_version: str) -> dict[str, list[dict[str, Any]]]:
        """The graph around an artifact (all its versions) or one version: nodes and used/produced edges."""
        name, version = parse_spec(name_or_version) if ":" in name_or_version else (name_or_version, None)
        wanted = {f"{name}:v{n}" for n in self._version_numbers(name)} if version is None else {
            f"{name}:v{self.resolve_version(name, version)}"}
        if not wanted:
            raise ArtifactNotFoundError(f"no artifact named {name!r} in {self.dir}")
        edges: list[dict[str, Any]] = []
        for r in self.runs():
            rid = f"run:{r['id']}"
            edges += [{"from": a, "to": rid, "kind": "used"} for a in r.get("used", [])]
            edges += [{"from": rid, "to": a, "kind": "produced"} for a in r.get("produced", [])]
        # keep the connected part of the graph, walking both ways from the wanted versions
        keep = set(wanted)
        changed = True
        while changed:
            changed = False
            for e in edges:
                if (e["from"] in keep) != (e["to"] in keep):
                    keep |= {e["from"], e["to"]}
                    changed = True
        runs = {f"run:{r['id']}": r for r in self.runs()}
        nodes = []
        for k in sorted(keep):
            if k.startswith("run:"):
                r = runs.get(k, {})
                nodes.append({"id": k, "kind": "run", "project": r.get("project"), "job_type": r.get("job_type")})
            else:
                nodes.append({"id": k, "kind": "artifact"})
        return {"nodes": nodes, "edges": [e for e in edges if e["from"] in keep and e["to"] in keep]}


def _tables_in(contents: dict[str, Any]) -> list[str]:
    names = []
    for p in contents:
        for suffix in (".table.parquet", ".joined-table.json"):
            if p.endswith(suffix):
                names.append(p[: -len(suffix)])
    return sorted(names)


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False

