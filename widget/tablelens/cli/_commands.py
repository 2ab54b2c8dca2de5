"""The verbs of the `tablelens` command, one function each: `args` in, text (or JSON) out, an exit status back.

What a store holds is read through `tablelens.artifacts.catalog` (the store browser shows the same data);
queries run on the engine and write their files with its streaming exports, so no verb holds a whole table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict
from typing import Any

from .._core.errors import FilterError, VersionInUseError
from ..artifacts import Artifact, Store, catalog, init
from ..sources import query as run_query
from . import _text
from ._lineage import lineage_trees, render_tree

__all__ = ["Failure", "alias_ls", "alias_rm", "alias_set", "edit", "export", "gc", "import_", "lineage", "ls",
           "query", "rm", "show", "verify"]

_EXT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
                ".json": "jsonl", ".txt": "table"}
_CHUNK = 1 << 20


class Failure(Exception):
    """A fault of the user's request, already worded for the terminal (exit status 1)."""


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json_out(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=1, default=str, ensure_ascii=False) + "\n")


def _store(args: argparse.Namespace, create: bool = False) -> Store:
    """The store named by --store / $TABLELENS_DIR; a folder that is not a store is refused (never created)."""
    path = os.path.abspath(args.store)
    if not create and not os.path.isdir(os.path.join(path, "artifacts")):
        raise Failure(f"no tablelens store at {path}: give --store DIR or set $TABLELENS_DIR")
    return Store(path)


def _spec(spec: str) -> str:
    return spec if ":" in spec else f"{spec}:latest"


# ------------------------------------------------------------------------------------------------ ls, show
def ls(args: argparse.Namespace) -> int:
    store = _store(args)
    view = catalog.overview(store)
    if args.name is not None:
        art = next((a for a in view["artifacts"] if a["name"] == args.name), None)
        if art is None:
            raise Failure(f"no artifact named {args.name!r} in {store.dir}; it has "
                          f"{', '.join(a['name'] for a in view['artifacts']) or 'none'}")
        if args.json:
            _json_out(art)
            return 0
        _out(f"{art['name']} ({_text.clean(art['type'])}): {art['count']} version{'s' * (art['count'] != 1)}, "
             f"{_text.size(art['size'])} logical, {_text.size(art['stored'])} stored")
        rows = [[v["version"], ", ".join(v["aliases"]) or "-", _text.when(v.get("created_at")),
                 _text.size(v.get("size")), v.get("files", "-"), ", ".join(v.get("tables", [])) or "-",
                 ("(edited) " if v.get("edited") else "") + _text.clean(v.get("description") or v.get("error") or "",
                                                                      50)]
                for v in art["versions"]]
        _out(_text.table(["VERSION", "ALIASES", "CREATED", "SIZE", "FILES", "TABLES", "DESCRIPTION"], rows, "  ",
                         right=(3, 4)))
        return 0
    if args.json:
        _json_out(view)
        return 0
    arts = view["artifacts"]
    versions = sum(a["count"] for a in arts)
    _out(f"Store {view['store']}: {len(arts)} artifact{'s' * (len(arts) != 1)}, {versions} version"
         f"{'s' * (versions != 1)}, {view['runs']} run{'s' * (view['runs'] != 1)}; "
         f"{_text.size(view['size'])} logical, {_text.size(view['stored'])} stored")
    for kind in sorted({a["type"] for a in arts}):
        _out()
        _out(_text.clean(kind))
        rows = [[a["name"], a["count"], a["versions"][-1]["version"] if a["versions"] else "-",
                 ", ".join(f"{k}={v}" for k, v in a["aliases"].items()) or "-", _text.size(a["size"]),
                 _text.size(a["stored"]), _text.when(a.get("updated_at"))]
                for a in arts if a["type"] == kind]
        _out(_text.table(["NAME", "VERSIONS", "LATEST", "ALIASES", "SIZE", "STORED", "UPDATED"], rows, "  ",
                         right=(1, 4, 5)))
    return 0


def _run_line(r: dict[str, Any] | None) -> str:
    if not r:
        return "-"
    job = f" [{_text.clean(r['job_type'])}]" if r.get("job_type") else ""
    return f"run {_text.clean(r.get('name') or r.get('id'))}{job} {_text.when(r.get('started_at'))}"


def show(args: argparse.Namespace) -> int:
    store = _store(args)
    d = catalog.version_detail(store, _spec(args.spec))
    if args.json:
        _json_out(d)
        return 0
    _out(f"{d['spec']}  ({_text.clean(d['type'])})")
    fields = [
        ("aliases", ", ".join(d["aliases"]) or "-"),
        ("digest", d["digest"]),
        ("created", _text.when(d["created_at"])),
        ("size", f"{_text.size(d['size'])} in {d['file_count']} file{'s' * (d['file_count'] != 1)}"),
        ("made by", _run_line(d["made_by"])),
        ("used by", "; ".join(_run_line(r) for r in d["used_by"]) or "-"),
        ("description", _text.clean(d["description"]) if d["description"] else "-"),
    ]
    if len(d["edits"]) > 1:
        fields.append(("edited", f"{len(d['edits']) - 1} time(s), last {_text.when(d['edits'][-1]['edited_at'])}"))
    for k, v in fields:
        _out(f"  {k:<12} {v}")
    meta = json.dumps(d["metadata"], indent=2, sort_keys=True, default=str).splitlines() if d["metadata"] else ["-"]
    _out(f"  {'metadata':<12} {_text.clean(meta[0])}")
    for line in meta[1:]:
        _out(f"  {'':<12} {_text.clean(line)}")
    if d["tables"]:
        _out()
        _out("tables")
        for t in d["tables"]:
            if "error" in t:
                _out(f"  {t['name']}  cannot be read: {_text.clean(t['error'])}")
            elif t["kind"] == "joined":
                _out(f"  {t['name']}  joined table: {_text.clean(t['table1'])} + {_text.clean(t['table2'])} "
                     f"on {_text.clean(t['join_key'])}")
            else:
                edited = f", edited columns {', '.join(t['edited_columns'])}" if t["edited_columns"] else ""
                _out(f"  {t['name']}  {t['rows']:,} rows, {len(t['columns'])} columns{edited}")
                _out(_text.table(["COLUMN", "KIND"], [[c["name"], c["kind"]] for c in t["columns"]], "    "))
    _out()
    files = d["files"] if args.files else d["files"][:20]
    _out(f"files ({d['file_count']})")
    _out(_text.table(["PATH", "SIZE", "DIGEST", "REF"],
                     [[f["path"], _text.size(f.get("size")), f["digest"][:12], f.get("ref") or ""] for f in files],
                     "  ", right=(1,)))
    if len(files) < d["file_count"]:
        _out(f"  … {d['file_count'] - len(files)} more (--files lists them all)")
    return 0


# ------------------------------------------------------------------------------------------------ query
def _sort_keys(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for v in values:
        key, sep, direction = v.rpartition(":")
        if sep and direction.lower() in ("asc", "desc") and key:
            out.append((key, direction.lower()))
        else:
            out.append((v, "asc"))
    return out


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output and args.output != "-":
        ext = os.path.splitext(args.output)[1].lower()
        if ext not in _EXT_FORMATS:
            raise Failure(f"cannot tell the format of {args.output!r} from its extension; give --format "
                          "csv, jsonl, parquet or table")
        return _EXT_FORMATS[ext]
    return "table"


def _filter_failure(err: FilterError, text: str) -> Failure:
    where = {"filter": "filter", "group-by": "--group-by", "sort": "--sort", "source": "source"}.get(
        err.control or "", "query")
    message = f"bad {where}: {err.message}"
    if err.control == "filter" and err.position is not None and text:
        line = text.replace("\n", " ")
        message += f"\n  {line}\n  {' ' * min(err.position, len(line))}^"
    return Failure(message)


def query(args: argparse.Namespace) -> int:
    store = _store(args)
    fmt = _format_of(args)
    art = store.artifact(_spec(args.spec))
    table = args.table
    if table is None:
        tables = art.tables()
        if len(tables) != 1:
            raise Failure(f"{art.qualified_name} has {len(tables)} tables ({', '.join(tables) or 'none'}); "
                          "choose one with --table")
        table = tables[0]
    elif art.table_name(table) is None:
        raise Failure(f"{art.qualified_name} has no table {table!r}; its tables: {', '.join(art.tables())}")
    try:
        result = run_query(art, table=table, filter=args.filter or None, group_by=args.group_by or None,
                           sort=_sort_keys(args.sort) or None)
        if fmt == "table":
            return _print_table(result, args)
        return _write_rows(result, fmt, args)
    except FilterError as e:
        raise _filter_failure(e, args.filter) from None


def _print_table(result: Any, args: argparse.Namespace) -> int:
    limit = max(0, args.limit)
    page = result.page(0, limit)
    names = [c for c in page.columns if not (args.no_key and c == "_key")]
    rows = [[_text.cell_text(v) for v in page[c]] for c in names]
    lines = [_text.table(names, list(zip(*rows)) if rows else [])]
    what = "group" if result.grouped else "row"
    n, total = result.num_rows, result.total_rows
    lines.append(f"({len(page)} of {n:,} {what}{'s' * (n != 1)}"
                 + (f"; {total:,} rows in the table)" if result.grouped or n != total else ")"))
    text = "\n".join(lines) + "\n"
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _write_rows(result: Any, fmt: str, args: argparse.Namespace) -> int:
    """Every row through the engine's export (DuckDB `COPY`: any size, flat memory), to a file or copied to
    standard output in chunks."""
    write = {"csv": result.to_csv, "jsonl": result.to_json, "parquet": result.to_parquet}[fmt]
    if args.output and args.output != "-":
        write(args.output, key=not args.no_key)
        print(f"wrote {result.num_rows:,} {'groups' if result.grouped else 'rows'} to {args.output}",
              file=sys.stderr)
        return 0
    if fmt == "parquet" and sys.stdout.isatty():
        raise Failure("Parquet is binary: write it to a file with -o FILE, or pipe it to another program")
    with tempfile.TemporaryDirectory(prefix="tablelens-query-") as tmp:
        path = write(os.path.join(tmp, f"result.{fmt}"), key=not args.no_key)
        sys.stdout.flush()
        with open(path, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer, _CHUNK)
        sys.stdout.buffer.flush()
    return 0


# ------------------------------------------------------------------------------------------------ folders
def export(args: argparse.Namespace) -> int:
    store = _store(args)
    art = store.artifact(_spec(args.spec))
    path = art.export(args.dir, format=args.format)
    _out(f"wrote {art.qualified_name} to {path} ({args.format} layout)")
    return 0


def import_(args: argparse.Namespace) -> int:
    if not os.path.isdir(args.dir):
        raise Failure(f"no folder {args.dir!r} to import")
    store = _store(args, create=True)
    with init(project=None, job_type="import", dir=store.dir, config={"imported_from": os.path.abspath(args.dir)}
              ) as run:
        art = Artifact.from_dir(args.dir, name=args.name, type=args.type)
        if args.description is not None:
            art.description = args.description
        run.log_artifact(art, aliases=args.alias)
    if args.json:
        _json_out({"spec": art.qualified_name, "files": len(art.files()), "tables": art.tables(),
                   "aliases": art.aliases})
        return 0
    _out(f"imported {art.qualified_name}: {len(art.files())} files, tables {', '.join(art.tables()) or '-'}")
    return 0


# ------------------------------------------------------------------------------------------------ lineage
def lineage(args: argparse.Namespace) -> int:
    store = _store(args)
    if ":" in args.spec:
        roots = [store.artifact(args.spec).qualified_name]
    else:
        roots = [f"{args.spec}:{v['version']}" for v in store.versions(args.spec)]
    trees = lineage_trees(catalog.graph(store), roots, args.depth)
    if args.json:
        _json_out(trees)
        return 0
    _out("\n\n".join(render_tree(t) for t in trees))
    return 0


# ------------------------------------------------------------------------------------------------ management
def alias_set(args: argparse.Namespace) -> int:
    store = _store(args)
    if ":" not in args.spec:
        raise Failure(f"name the version the alias is for, as NAME:VERSION (e.g. {args.spec}:v3)")
    name = args.spec.rpartition(":")[0]
    before = store.aliases(name).get(args.alias) if name in store.artifacts() else None
    now = store.alias(args.spec, args.alias)
    moved = f" (moved from {before})" if before and f"{name}:{before}" != now else ""
    _out(f"{args.alias} -> {now}{moved}")
    return 0


def alias_rm(args: argparse.Namespace) -> int:
    store = _store(args)
    was = store.aliases(args.name).get(args.alias)
    store.remove_alias(args.name, args.alias)
    _out(f"removed alias {args.alias} of {args.name}" + (f" (it named {was})" if was else ""))
    return 0


def alias_ls(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.history:
        moves = store.alias_history(args.name)
        if args.json:
            _json_out(moves)
            return 0
        rows = [[_text.when(m["at"]), m["alias"], m.get("previous") or "-", m.get("version") or "(removed)",
                 f"{_text.clean((m.get('by') or {}).get('host'))}:{(m.get('by') or {}).get('pid')}"] for m in moves]
        _out(_text.table(["WHEN", "ALIAS", "FROM", "TO", "BY"], rows))
        return 0
    latest = store.versions(args.name)[-1]["version"]
    targets = {"latest": latest, **store.aliases(args.name)}
    if args.json:
        _json_out(targets)
        return 0
    _out(_text.table(["ALIAS", "VERSION"], sorted(targets.items())))
    return 0


def rm(args: argparse.Namespace) -> int:
    store = _store(args)
    if ":" not in args.spec:
        raise Failure(f"name the version to delete, as NAME:VERSION (e.g. {args.spec}:v3); `rm` never deletes "
                      "a whole artifact")
    name = args.spec.rpartition(":")[0]
    held = store.aliases(name)
    try:
        done = store.delete(args.spec, force=args.force)
    except VersionInUseError:
        n = store.resolve_version(name, args.spec.rpartition(":")[2])
        on = sorted(a for a, v in held.items() if v == f"v{n}")
        raise Failure(f"{name}:v{n} is named by the alias(es) {', '.join(on)}: move or remove them first "
                      f"(`tablelens alias rm {name} ALIAS`), or delete with --force, which removes them") from None
    removed = sorted(a for a, v in held.items() if f"{name}:{v}" == done)
    extra = f"; removed its aliases {', '.join(removed)}" if removed else ""
    _out(f"deleted {done}{extra}. Its bytes stay until `tablelens gc` removes what no version uses.")
    return 0


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def edit(args: argparse.Namespace) -> int:
    store = _store(args)
    if ":" not in args.spec:
        raise Failure(f"name the version to edit, as NAME:VERSION (e.g. {args.spec}:v3)")
    if args.history:
        history = store.edit_history(args.spec)
        if args.json:
            _json_out(history)
            return 0
        for h in history:
            who = "as logged" if h["revision"] == 0 else f"edit {h['revision']}"
            _out(f"{_text.when(h['edited_at'])}  {who}: {_text.clean(h.get('description') or '-', 60)}  "
                 f"{_text.clean(json.dumps(h.get('metadata'), sort_keys=True, default=str), 80)}")
        return 0
    kwargs: dict[str, Any] = {}
    if args.description is not None:
        kwargs["description"] = args.description or None
    if args.metadata is not None:
        try:
            meta = json.loads(args.metadata)
        except ValueError as e:
            raise Failure(f"--metadata is not JSON: {e}") from None
        if not isinstance(meta, dict):
            raise Failure("--metadata must be a JSON object, e.g. '{\"accuracy\": 0.91}'")
        kwargs["metadata"] = meta
    updates = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise Failure(f"--set takes KEY=VALUE, got {item!r}")
        updates[key] = _parse_value(value)
    if updates:
        kwargs["update_metadata"] = updates
    if args.unset:
        kwargs["remove_metadata"] = args.unset
    if not kwargs:
        raise Failure("nothing to edit: give --description, --metadata, --set or --unset (or --history)")
    art = store.edit(args.spec, **kwargs)
    if args.json:
        _json_out({"spec": art.qualified_name, "description": art.description, "metadata": art.metadata,
                   "digest": art.digest})
        return 0
    _out(f"edited {art.qualified_name} (digest unchanged: {art.digest[:12]})")
    _out(f"  description  {_text.clean(art.description) if art.description else '-'}")
    _out(f"  metadata     {_text.clean(json.dumps(art.metadata, sort_keys=True, default=str))}")
    return 0


# ------------------------------------------------------------------------------------------------ verify, gc
def verify(args: argparse.Namespace) -> int:
    store = _store(args)
    report = store.verify()
    if args.json:
        _json_out({**asdict(report), "ok": report.ok, "damaged_versions": report.damaged_versions})
    else:
        _out(str(report))
    return 0 if report.ok else 1


def gc(args: argparse.Namespace) -> int:
    store = _store(args)
    report = store.gc(dry_run=args.dry_run)
    if args.json:
        _json_out({**asdict(report), "bytes": report.bytes})
    else:
        _out(str(report))
    return 0
