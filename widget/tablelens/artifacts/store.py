"""`Store`: a folder of content-addressed objects, version manifests, aliases and runs (see docs/storage.md).

Every write is atomic (write aside, then rename or link), so a process killed mid-write leaves no half-written
version. Version slots `v<N>.json` are claimed with a create-if-absent (`os.link` fails when the name exists):
concurrent writers get distinct versions, and a writer that loses a slot compares its contents with the winner's,
so identical contents logged at once still make one version. Every object, manifest and alias is checked
against its digest or checksum before it is used; `verify` checks them all at once, `gc` removes what dead
writers left and what no version references, `delete` and `remove_alias` are the management primitives.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from .._core.errors import ArtifactNotFoundError, CorruptFileError, DamagedObjectError, VersionInUseError
from .._core.paths import check_inside, check_logical_path
from ._locks import StoreLock, process_folder
from .artifact import Artifact
from .browsing import make_browser
from .maintenance import GcReport, VerifyReport, collect_garbage, verify_store
from .management import UNSET, alias_history, edit_history, edit_version, latest_edit, manage_lock, record_alias
from .manifest import check_alias, check_manifest, contents_digest, dumps, is_tombstone, loads, seal
from .names import NAME, VERSION, check_name, parse_spec
from .objects import ObjectStore
from .staging import Entry
from .views import View, list_views, load_view, save_view, view_history

__all__ = ["Store", "default_store_dir"]

_MAX_ALIAS_HOPS = 32


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
            raw = f.read()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise CorruptFileError(f"{what} {path!r} cannot be read: {e}") from None
    return loads(raw, what, path)


class Store:
    """A folder holding artifacts' versions and the runs that made and used them."""

    def __init__(self, dir: str | os.PathLike[str] | None = None) -> None:
        self.dir = os.path.abspath(os.fspath(dir) if dir is not None else default_store_dir())
        self.objects_dir = os.path.join(self.dir, "objects")
        self.tmp_root = os.path.join(self.dir, "tmp")
        for d in (self.objects_dir, self.tmp_root, os.path.join(self.dir, "artifacts"),
                  os.path.join(self.dir, "runs")):
            os.makedirs(d, exist_ok=True)
        self.lock = StoreLock.for_path(os.path.join(self.dir, "gc.lock"))
        self.object_store = ObjectStore(self.objects_dir, lambda: self.tmp_dir, self.lock)

    def __repr__(self) -> str:
        return f"Store({self.dir!r})"

    @property
    def tmp_dir(self) -> str:
        """This process's private folder for files being written (`tmp/p<pid>-…/`, locked while it lives)."""
        return process_folder(self.tmp_root)

    # -- objects ---------------------------------------------------------------------------------------------------
    def object_path(self, digest: str) -> str:
        return self.object_store.path(digest)

    def size(self) -> int:
        """Bytes held by the store's objects: what it takes on disk, each file counted once."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.objects_dir):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
        return total

    def has_object(self, digest: str) -> bool:
        return self.object_store.has(digest)

    def put_object(self, local: str, digest: str, *, move: bool = False) -> int:
        """Store a file under its digest; returns the bytes written (0 when the store had it intact already)."""
        return self.object_store.put(local, digest, move=move)

    # -- artifacts -------------------------------------------------------------------------------------------------
    def _artifact_dir(self, name: str) -> str:
        return os.path.join(self.dir, "artifacts", check_name(name))

    def artifacts(self) -> list[str]:
        """Names of the artifacts in the store (those with at least one version that is not deleted)."""
        root = os.path.join(self.dir, "artifacts")
        return sorted(n for n in os.listdir(root) if NAME.match(n) and self._version_numbers(n))

    def _slots(self, name: str) -> tuple[list[int], set[int]]:
        """(every claimed version number, the deleted ones); a deleted version keeps its number forever."""
        d = self._artifact_dir(name)
        if not os.path.isdir(d):
            return [], set()
        nums, deleted = [], set()
        for f in os.listdir(d):
            m = re.fullmatch(r"v(\d+)\.(json|deleted)", f)
            if m:
                (nums.append if m.group(2) == "json" else deleted.add)(int(m.group(1)))
        return sorted(nums), deleted

    def _version_numbers(self, name: str) -> list[int]:
        nums, deleted = self._slots(name)
        return [n for n in nums if n not in deleted]

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of an artifact, oldest first: version, digest, aliases, created_at, run, type."""
        nums = self._version_numbers(name)
        if not nums:
            raise ArtifactNotFoundError(f"no artifact named {name!r} in {self.dir}; the store has {self.artifacts()}")
        aliases = self._alias_targets(name)
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

    def _manifest_file(self, name: str, n: int) -> str:
        return os.path.join(self._artifact_dir(name), f"v{n}.json")

    def _manifest(self, name: str, n: int, *, deleted_ok: bool = False) -> dict[str, Any]:
        """Version `n`'s manifest, checked (fields, checksum, artifact digest, safe paths)."""
        path = self._manifest_file(name, n)
        m = check_manifest(_read_json(path, "manifest"), name, f"v{n}", path, f"artifacts/{name}/v{n}.json")
        if is_tombstone(m) and not deleted_ok:
            raise ArtifactNotFoundError(f"version {name}:v{n} was deleted on {m.get('deleted_at')}")
        return m

    # -- aliases ---------------------------------------------------------------------------------------------------
    def _alias_file(self, name: str, alias: str) -> str:
        return os.path.join(self._artifact_dir(name), "aliases", f"{alias}.json")

    def _alias_names(self, name: str) -> list[str]:
        d = os.path.join(self._artifact_dir(name), "aliases")
        if not os.path.isdir(d):
            return []
        return sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json") and NAME.match(f[:-5]))

    def _alias_targets(self, name: str) -> dict[str, str]:
        """alias -> the version it names ("v3"). An alias file that is damaged or loops is left out here (listing
        versions must not fail for it); using that alias raises, and `verify` reports it."""
        out: dict[str, str] = {}
        for a in self._alias_names(name):
            try:
                out[a] = f"v{self._follow_alias(name, a)}"
            except (CorruptFileError, ArtifactNotFoundError, FileNotFoundError):
                continue
        return out

    def _alias_raw(self, name: str, alias: str) -> str:
        path = self._alias_file(name, alias)
        return check_alias(_read_json(path, "alias file"), name, alias, path, f"artifacts/{name}/aliases/{alias}.json")

    def _follow_alias(self, name: str, alias: str) -> int:
        """The version number an alias names; an alias naming another alias (written by hand) is followed, a loop
        is a CorruptFileError naming it."""
        chain = [alias]
        target = self._alias_raw(name, alias)
        while not VERSION.match(target):
            if target == "latest":
                return self.resolve_version(name, "latest")
            if target in chain or len(chain) > _MAX_ALIAS_HOPS:
                raise CorruptFileError(f"alias {alias!r} of artifact {name!r} never reaches a version: "
                                       f"{' -> '.join([*chain, target])}; set it again with Store.set_alias")
            if not os.path.exists(self._alias_file(name, target)):
                raise ArtifactNotFoundError(f"alias {alias!r} of artifact {name!r} names {target!r}, which is "
                                            "neither a version nor an alias")
            chain.append(target)
            target = self._alias_raw(name, target)
        return int(target[1:])

    def aliases(self, name: str) -> dict[str, str]:
        """The custom aliases of an artifact and the versions they name ("latest" is implicit)."""
        check_name(name)
        return self._alias_targets(name)

    def set_alias(self, name: str, alias: str, version: str) -> str:
        """Point `alias` at a version ("v3", "latest" or another alias: the version it names now is recorded);
        returns that version ("v3"). The move is recorded in the alias's log (`alias_history`)."""
        if not isinstance(alias, str) or alias == "latest" or VERSION.match(alias) or not NAME.match(alias):
            raise ValueError(f"alias {alias!r} is reserved or malformed; use letters, digits, '-', '_' or '.'")
        with manage_lock(self, name):  # no delete between "v<n> exists" and the alias naming it (management.py)
            n = self.resolve_version(name, version)
            previous = self._alias_targets(name).get(alias)
            d = os.path.join(self._artifact_dir(name), "aliases")
            os.makedirs(d, exist_ok=True)
            record = seal({"alias": alias, "name": name, "version": f"v{n}"})
            _atomic_write(self._alias_file(name, alias), dumps(record), self.tmp_dir)
            record_alias(self, name, alias, f"v{n}", previous)
        return f"v{n}"

    def alias(self, spec: str, alias: str) -> str:
        """Add `alias` to the version `spec` names ("preds:v3"), moving it from the version it named; returns
        "name:vN". Every move is recorded (`alias_history`)."""
        name, version = parse_spec(spec)
        return f"{name}:{self.set_alias(name, alias, version)}"

    def alias_history(self, name: str, alias: str | None = None) -> list[dict[str, Any]]:
        """Every recorded move of `alias` (or of all of `name`'s aliases), oldest first (artifacts/management.py)."""
        return alias_history(self, name, alias)

    def remove_alias(self, name: str, alias: str) -> None:
        """Remove a custom alias (the version stays; `gc` reclaims nothing until the version is deleted)."""
        if not isinstance(alias, str) or not NAME.match(alias):
            raise ValueError(f"alias {alias!r} is malformed")
        with manage_lock(self, name):
            previous = self._alias_targets(name).get(alias)
            try:
                os.remove(self._alias_file(name, alias))
            except FileNotFoundError:
                raise ArtifactNotFoundError(f"artifact {name!r} has no alias {alias!r}; aliases: "
                                            f"{sorted(self._alias_targets(name))}") from None
            record_alias(self, name, alias, None, previous)

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
                gone = " (it was deleted)" if n in self._slots(name)[1] else ""
                raise ArtifactNotFoundError(
                    f"artifact {name!r} has no version {version}{gone}; it has v{nums[0]}..v{nums[-1]}")
            return n
        if not NAME.match(version) or not os.path.exists(self._alias_file(name, version)):
            raise ArtifactNotFoundError(f"artifact {name!r} has no alias {version!r}; aliases: "
                                        f"{sorted(self._alias_targets(name))}")
        n = self._follow_alias(name, version)
        if n not in nums:
            raise ArtifactNotFoundError(f"alias {version!r} of artifact {name!r} names v{n}, which is deleted")
        return n

    def artifact(self, spec: str) -> Artifact:
        """The logged artifact named by 'name:v1', 'name:latest', 'name:ALIAS' or 'name'."""
        name, version = parse_spec(spec)
        n = self.resolve_version(name, version)
        manifest = self._manifest(name, n)
        entries = {}
        for p, e in manifest["contents"].items():
            local = self.object_path(e["digest"])
            entries[p] = Entry(p, e["digest"], int(e.get("size", 0)), local, e.get("ref"))
        aliases = [a for a, v in self._alias_targets(name).items() if v == f"v{n}"]
        if n == self._version_numbers(name)[-1]:
            aliases.insert(0, "latest")
        art = Artifact._from_store(self, manifest, entries, aliases)
        edit = latest_edit(self, name, n)  # description and metadata edited since (the manifest never changes)
        if edit is not None:
            art.description, art.metadata = edit["description"], edit["metadata"]
        return art

    # -- logging ---------------------------------------------------------------------------------------------------
    def log(self, staged: Mapping[str, Entry], *, name: str, type: str, description: str | None,
            metadata: dict[str, Any], run: str | None, aliases: Iterable[str] = (),
            staging_dir: str | None = None) -> tuple[dict[str, Any], int]:
        """Store the files and write a new version (or return the version whose contents are identical).

        Returns (manifest, bytes written to the store).
        """
        check_name(name)
        aliases = [a for a in aliases if a != "latest"]
        for a in aliases:
            if not isinstance(a, str) or VERSION.match(a) or not NAME.match(a):
                raise ValueError(f"alias {a!r} is reserved or malformed; use letters, digits, '-', '_' or '.'")
        written = 0
        with self.lock.shared():  # gc waits until the objects are referenced by the new manifest
            for entry in staged.values():
                check_logical_path(entry.path)
                if entry.root is not None:
                    check_inside(entry.root, entry.local_path, f"{entry.path!r}")
                if not os.path.exists(entry.local_path) and not self.has_object(entry.digest):
                    raise FileNotFoundError(
                        f"cannot log {name}: the bytes of {entry.path!r} are missing ({entry.local_path}); copy the "
                        "file there (a reference into another artifact needs that artifact's files) and log again")
                own = staging_dir is not None and os.path.dirname(entry.local_path) == staging_dir
                if not os.path.exists(entry.local_path):  # not here, but the store holds it: check that copy
                    if not self.object_store.intact(entry.digest):
                        raise DamagedObjectError(self.object_path(entry.digest), entry.digest, None, path=entry.path,
                                                 detail="its bytes are not here and the store's copy is damaged")
                    continue
                written += self.object_store.put(entry.local_path, entry.digest, move=own, path=entry.path,
                                                 artifact=name)
            contents = {p: e.to_json() for p, e in sorted(staged.items())}
            digest = contents_digest((p, e["digest"]) for p, e in contents.items())
            manifest = self._publish(name, digest, {
                "name": name, "type": type, "version": "", "digest": digest, "description": description,
                "metadata": metadata, "created_at": _now(), "run": run, "contents": contents})
            for a in aliases:
                self.set_alias(name, a, manifest["version"])
        return manifest, written

    def _same_contents(self, name: str, n: int, digest: str) -> dict[str, Any] | None:
        """Version `n`'s manifest when it holds contents with `digest` (None when not, deleted or unreadable)."""
        try:
            m = self._manifest(name, n)
        except (ArtifactNotFoundError, CorruptFileError, FileNotFoundError):
            return None
        return m if m["digest"] == digest else None

    def _publish(self, name: str, digest: str, record: dict[str, Any]) -> dict[str, Any]:
        """Claim the next version slot for `record`, or return the version that holds the same contents.

        The slot `v<N>.json` is created only if absent (`os.link`; `PUT If-None-Match: *` on object storage).
        A writer first reads every version; when it loses slot N to another writer it reads the winner's
        manifest and returns it if the contents are the same. Since slots are claimed in increasing order and
        never reused, a writer that claims slot N has read every version below N: identical contents logged by
        concurrent writers become one version.
        """
        d = self._artifact_dir(name)
        os.makedirs(d, exist_ok=True)
        slots, _deleted = self._slots(name)
        for k in reversed(self._version_numbers(name)):
            same = self._same_contents(name, k, digest)
            if same is not None:
                return same
        n = slots[-1] + 1 if slots else 0
        while True:
            manifest = seal({**record, "version": f"v{n}"})
            fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, prefix="manifest-")
            with os.fdopen(fd, "wb") as f:
                f.write(dumps(manifest))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, self._manifest_file(name, n))  # fails if another writer took v<n>
                return manifest
            except FileExistsError:
                same = self._same_contents(name, n, digest)
                if same is not None:
                    return same
                n += 1
            finally:
                os.remove(tmp)

    # -- management --------------------------------------------------------------------------------------------------
    def delete(self, spec: str, force: bool = False) -> str:
        """Delete a version ("name:v3" or "name:ALIAS"); returns "name:vN". Its number is never reused.

        Refused (VersionInUseError) while a custom alias names the version, unless `force` (which removes those
        aliases too). The bytes stay until `gc` finds no other version referencing them.
        """
        if not isinstance(spec, str) or ":" not in spec:
            raise ValueError(f"name the version to delete, as 'name:v3' or 'name:ALIAS', got {spec!r}")
        name, version = parse_spec(spec)
        with manage_lock(self, name):  # no alias moves onto the version while it is being deleted
            n = self.resolve_version(name, version)
            held = sorted(a for a, v in self._alias_targets(name).items() if v == f"v{n}")
            if held and not force:
                raise VersionInUseError(f"{name}:v{n} is named by the alias(es) {held}; remove them with "
                                        f"Store.remove_alias or delete with force=True")
            for a in held:
                self.remove_alias(name, a)
            marker = os.path.join(self._artifact_dir(name), f"v{n}.deleted")
            with open(marker, "ab"):
                pass  # the number stays claimed: the tombstone keeps the slot, the marker hides it from listings
            tomb = seal({"name": name, "version": f"v{n}", "deleted": True, "deleted_at": _now()})
            _atomic_write(self._manifest_file(name, n), dumps(tomb), self.tmp_dir)
        return f"{name}:v{n}"

    def edit(self, spec: str, *, description: Any = UNSET, metadata: Any = UNSET,
             update_metadata: Mapping[str, Any] | None = None, remove_metadata: Iterable[str] = ()) -> Artifact:
        """Edit a version's description and/or metadata; returns the version as it reads now.

        `metadata` replaces the dict, `update_metadata` sets keys, `remove_metadata` removes keys. The edit is
        recorded beside the version (`edit_history`); its manifest, files and digest never change.
        """
        edit_version(self, spec, description=description, metadata=metadata, update_metadata=update_metadata,
                     remove_metadata=remove_metadata)
        return self.artifact(spec)

    def edit_history(self, spec: str) -> list[dict[str, Any]]:
        """A version's description and metadata through time: revision 0 as logged, then each edit."""
        return edit_history(self, spec)

    def verify(self) -> VerifyReport:
        """Check every object's hash, every manifest (and the objects it references) and every alias, like
        `git fsck`; the report lists what is damaged or missing and which versions it affects."""
        return verify_store(self)

    def gc(self, dry_run: bool = False) -> GcReport:
        """Remove staging folders left by writers that died and objects no version references.

        A writer that is alive is never touched (its folder is locked while it lives; objects it is about to
        reference are listed in its staging folder). `dry_run` lists what would be removed and its bytes.
        """
        return collect_garbage(self, dry_run=dry_run)

    def explore(self, **options: Any) -> Any:
        """The store browser widget (docs/store-browser.md): artifacts by type, versions, the lineage graph,
        aliases, deletes and edits; `view="graph"`, `explode=True`, `selected="name:v3"` choose what it shows."""
        return make_browser(self, **options)

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
