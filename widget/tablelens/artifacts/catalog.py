"""What a store holds, as plain JSON-able data: the overview (artifacts, versions, aliases, sizes), one version's
details (files, tables with rows and schema, the runs that made and used it) and the lineage graph of versions
and runs. The store browser widget and the `tablelens` command both show these; neither reads the store itself.

A damaged manifest or run file never makes the whole overview fail: the version is listed with its `error` (and
`Store.verify()` tells more), as a run file that cannot be read is left out of the graph.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from ..codec import read_schema
from .management import alias_history, edit_history, latest_edit
from .names import parse_spec

if TYPE_CHECKING:
    from .artifact import Artifact
    from .store import Store

__all__ = ["graph", "overview", "run_detail", "runs", "table_info", "version_detail"]

_TABLE = ".table.parquet"
_JOINED = ".joined-table.json"


def runs(store: Store) -> list[dict[str, Any]]:
    """The store's run records, oldest first; files that cannot be read are left out."""
    try:
        return store.runs()
    except (CorruptFileError, OSError):
        pass
    root = os.path.join(store.dir, "runs")
    out = []
    for f in sorted(os.listdir(root)):
        if f.endswith(".json"):
            try:
                with open(os.path.join(root, f), "rb") as fh:
                    r = json.loads(fh.read())
            except (OSError, ValueError, RecursionError):
                continue
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                out.append(r)
    return sorted(out, key=lambda r: str(r.get("started_at", "")))


def _run_summary(r: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "project", "job_type", "started_at", "finished_at", "host")
    return {**{k: r.get(k) for k in keys}, "used": list(r.get("used") or []), "produced": list(r.get("produced") or [])}


def _size(contents: dict[str, Any]) -> int:
    return sum(int(e.get("size", 0) or 0) for e in contents.values())


def _tables_of(paths: Iterable[str]) -> list[str]:
    out = []
    for p in paths:
        for suffix in (_TABLE, _JOINED):
            if p.endswith(suffix):
                out.append(p[: -len(suffix)])
    return sorted(out)


def _first_line(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip().splitlines()[0]


def overview(store: Store) -> dict[str, Any]:
    """Every artifact with its versions (oldest first), aliases, logical size (bytes of every file of every
    version) and stored size (each distinct object once), grouped by nothing: `type` says the group."""
    arts = []
    all_objects: dict[str, int] = {}
    logical_total = 0
    for name in store.artifacts():
        nums = store._version_numbers(name)
        targets = store.aliases(name)
        versions = []
        objects: dict[str, int] = {}
        logical = 0
        kind = None
        for n in nums:
            v = f"v{n}"
            aliases = (["latest"] if n == nums[-1] else []) + sorted(a for a, t in targets.items() if t == v)
            try:
                m = store._manifest(name, n)
                edit = latest_edit(store, name, n)
            except (CorruptFileError, ArtifactNotFoundError, FileNotFoundError) as e:
                versions.append({"version": v, "aliases": aliases, "error": str(e)})
                continue
            contents = m["contents"]
            size = _size(contents)
            logical += size
            for e in contents.values():
                objects[e["digest"]] = int(e.get("size", 0) or 0)
            kind = m.get("type") or kind
            versions.append({
                "version": v, "aliases": aliases, "created_at": m.get("created_at"), "digest": m["digest"],
                "size": size, "files": len(contents), "tables": _tables_of(contents), "run": m.get("run"),
                "description": _first_line((edit or m).get("description")), "edited": edit is not None,
            })
        all_objects.update(objects)
        logical_total += logical
        dated = [v["created_at"] for v in versions if v.get("created_at")]
        arts.append({
            "name": name, "type": kind or "unspecified", "count": len(nums), "versions": versions,
            "aliases": dict(sorted(targets.items())), "size": logical, "stored": sum(objects.values()),
            "created_at": min(dated) if dated else None, "updated_at": max(dated) if dated else None,
        })
    return {"store": store.dir, "artifacts": arts, "size": logical_total, "stored": sum(all_objects.values()),
            "runs": len(runs(store))}


def table_info(art: Artifact, name: str) -> dict[str, Any]:
    """A table of an artifact: rows and columns (name, kind) read from its Parquet footer after the file is
    checked against its digest; a joined table names its two tables and key. A damaged file gives `error`."""
    path = name + _TABLE
    try:
        if path not in art.manifest:
            obj = art._read_json(name + _JOINED)
            return {"name": name, "kind": "joined", "table1": obj.get("table1"), "table2": obj.get("table2"),
                    "join_key": obj.get("join_key")}
        local = art.media_source().local_path(path)  # hashed first: verified reads
        _schema, meta = read_schema(local, f"{art.qualified_name}/{path}")
        rows = pq.read_metadata(local).num_rows
        edited = sorted(art.table_columns(name))
    except CorruptFileError as e:
        return {"name": name, "kind": "table", "error": str(e)}
    columns = [{"name": c.get("name"), "kind": c.get("kind")} for c in meta["columns"]]
    return {"name": name, "kind": "table", "rows": rows, "columns": columns, "edited_columns": edited}


def version_detail(store: Store, spec: str, *, max_files: int | None = None) -> dict[str, Any]:
    """One version: its fields (description and metadata as edited), digest, files, tables (rows, schema), the
    run that made it and the runs that used it, its edits and the moves of its aliases."""
    name, version = parse_spec(spec)
    art = store.artifact(f"{name}:{version}")
    qualified = art.qualified_name
    manifest = art.manifest
    history = edit_history(store, qualified)
    all_runs = runs(store)
    made_by = next((r for r in all_runs if qualified in (r.get("produced") or [])), None)
    if made_by is None and art._manifest and art._manifest.get("run"):
        made_by = next((r for r in all_runs if r.get("id") == art._manifest["run"]), None)
    used_by = [r for r in all_runs if qualified in (r.get("used") or []) and r is not made_by]
    files = [{"path": p, **e} for p, e in manifest.items()]
    moves = [m for m in alias_history(store, name) if m.get("version") == art.version or
             m.get("previous") == art.version]
    return {
        "spec": qualified, "name": name, "version": art.version, "type": art.type, "digest": art.digest,
        "created_at": art.created_at, "description": art.description, "metadata": art.metadata,
        "aliases": art.aliases, "size": sum(int(e.get("size", 0) or 0) for e in manifest.values()),
        "files": files if max_files is None else files[:max_files], "file_count": len(files),
        "tables": [table_info(art, t) for t in art.tables()],
        "made_by": _run_summary(made_by) if made_by else None, "used_by": [_run_summary(r) for r in used_by],
        "edits": [{k: h.get(k) for k in ("revision", "description", "metadata", "edited_at", "by")}
                  for h in history],
        "alias_moves": [{k: m.get(k) for k in ("alias", "version", "previous", "at", "revision")} for m in moves],
    }


def run_detail(store: Store, run_id: str) -> dict[str, Any]:
    """One run: its record (job type, config, times) and the versions it used and produced."""
    rid = run_id.removeprefix("run:")
    for r in runs(store):
        if r.get("id") == rid:
            return {**_run_summary(r), "config": r.get("config") or {}, "pid": r.get("pid")}
    raise ArtifactNotFoundError(f"the store has no run {rid!r}")


def graph(store: Store) -> dict[str, Any]:
    """The lineage of the whole store, exploded: one node per version (`kind` "version") and per run that used
    or produced one (`kind` "run"), edges version -> run ("used") and run -> version ("produced"). `group` is
    the node of the collapsed graph it belongs to: `artifact:<name>` or `job:<job type>`."""
    nodes: list[dict[str, Any]] = []
    live: set[str] = set()
    for name in store.artifacts():
        nums = store._version_numbers(name)
        targets = store.aliases(name)
        for n in nums:
            v = f"v{n}"
            try:
                m = store._manifest(name, n)
            except (CorruptFileError, ArtifactNotFoundError, FileNotFoundError):
                m = {}
            aliases = (["latest"] if n == nums[-1] else []) + sorted(a for a, t in targets.items() if t == v)
            nodes.append({"id": f"{name}:{v}", "kind": "version", "name": name, "version": v,
                          "type": m.get("type") or "unspecified", "aliases": aliases,
                          "created_at": m.get("created_at"), "group": f"artifact:{name}"})
            live.add(f"{name}:{v}")
    edges: list[dict[str, Any]] = []
    for r in runs(store):
        rid = f"run:{r['id']}"
        mine = [{"source": a, "target": rid, "kind": "used"} for a in dict.fromkeys(r.get("used") or []) if a in live]
        mine += [{"source": rid, "target": a, "kind": "produced"} for a in dict.fromkeys(r.get("produced") or [])
                 if a in live]
        if not mine:
            continue  # a run that touched no version (or only deleted ones) has no place in the lineage
        job = r.get("job_type") or "(no job type)"
        nodes.append({"id": rid, "kind": "run", "name": r.get("name") or r["id"], "job_type": r.get("job_type"),
                      "project": r.get("project"), "started_at": r.get("started_at"), "group": f"job:{job}"})
        edges += mine
    return {"nodes": nodes, "edges": edges}
