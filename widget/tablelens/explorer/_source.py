"""What the Explorer shows: the object handed to the query engine, its label, and its artifact's versions.

Resolved once, when the widget is made, so that a wrong name fails at once in the cell that asked for it rather
than later in a background thread.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tablelens.errors import ArtifactNotFoundError

__all__ = ["SourceInfo", "describe_source", "media_meta", "normalize_compare", "version_entries"]

_VERSION = re.compile(r"^v\d+$")


@dataclass
class SourceInfo:
    """The source as the query engine takes it (`obj` + `table`), and what the sidebar says about it."""

    obj: Any
    table: str | None
    label: str
    artifact: str | None = None  # artifact name when the source is a logged artifact's table
    version: str | None = None  # "v3"
    store: Any = None
    tables: list[str] = field(default_factory=list)
    table_name: str | None = None  # the table's name in its artifact (the compared version's table too)
    parquet_path: str | None = None  # the stored table, when there is one (its column metadata)


def _current_store() -> Any:
    from tablelens.artifacts import Store
    from tablelens.artifacts.run import current_store

    return current_store() or Store()


def describe_source(source: Any, table: str | None = None) -> SourceInfo:
    """Resolve `source` (spec, Table, JoinedTable, Artifact, DataFrame, Arrow table or Parquet path)."""
    import pandas as pd
    import pyarrow as pa

    from tablelens.artifacts import Artifact
    from tablelens.joined import JoinedTable
    from tablelens.table import Table

    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if isinstance(source, str):
        if source.endswith(".parquet") or os.path.isfile(source):
            if not os.path.isfile(source):
                raise FileNotFoundError(f"no Parquet file at {source!r}; pass an existing path or a 'name:v3' spec")
            return SourceInfo(source, None, Path(source).name, parquet_path=source)
        base, _, tname = source.partition("/")
        art = _current_store().artifact(base)
        return _artifact_info(art, tname or table)
    if isinstance(source, Artifact):
        return _artifact_info(source, table)
    if isinstance(source, Table):
        origin = source._source.origin() if source._source is not None else None
        if origin and source._parquet_path:
            try:
                art = _current_store().artifact(origin)
            except (ArtifactNotFoundError, ValueError, OSError):
                art = None
            if art is not None:
                name = _table_name(art, source._parquet_path)
                if name is not None:
                    info = _artifact_info(art, name)
                    info.obj = source
                    info.table = None
                    return info
        return SourceInfo(source, None, f"Table ({len(source.columns)} columns)", parquet_path=source._parquet_path)
    if isinstance(source, JoinedTable):
        return SourceInfo(source, None, f"JoinedTable on {source.join_key}")
    if isinstance(source, pd.DataFrame):
        return SourceInfo(source, None, f"DataFrame ({len(source)} rows)")
    if isinstance(source, pa.Table):
        return SourceInfo(source, None, f"Arrow table ({source.num_rows} rows)")
    raise TypeError(f"the Explorer cannot show a {type(source).__name__}: pass a 'name:v3' spec, a tl.Table, "
                    "tl.JoinedTable or tl.Artifact, a pandas DataFrame, a pyarrow Table or a Parquet path")


def _artifact_info(art: Any, table: str | None) -> SourceInfo:
    tables = art.tables()
    if not tables:
        raise ArtifactNotFoundError(f"artifact {art.qualified_name} holds no table to explore; "
                                    f"its files: {art.files()[:10]}")
    if table is None:
        table = tables[0]
    elif table not in tables:
        raise ArtifactNotFoundError(f"artifact {art.qualified_name} has no table {table!r}; its tables: {tables}")
    return SourceInfo(art, table, f"{art.qualified_name} / {table}", art.name if art.version else None,
                      art.version, art.store, tables, table, _table_path(art, table))


def _table_path(art: Any, table: str) -> str | None:
    try:
        return str(art.get_path(f"{table}.table.parquet").local_path)
    except (ArtifactNotFoundError, ValueError):
        return None  # a joined table


def _table_name(art: Any, parquet_path: str) -> str | None:
    real = os.path.realpath(parquet_path)
    for name in art.tables():
        try:
            entry = art.get_path(f"{name}.table.parquet")
        except (ArtifactNotFoundError, ValueError):
            continue
        if os.path.realpath(entry.local_path) == real:
            return name
    return None


def normalize_compare(spec: str, info: SourceInfo) -> str:
    """`"v4"` or `"best"` (a version or alias of the shown artifact) -> `"name:v4"`; other specs unchanged."""
    spec = spec.strip()
    if spec and info.artifact and ":" not in spec and "/" not in spec and not spec.endswith(".parquet"):
        try:
            info.store.resolve_version(info.artifact, spec)
        except (ArtifactNotFoundError, ValueError, OSError):
            return spec
        return f"{info.artifact}:{spec}"
    return spec


def version_entries(info: SourceInfo, compared: str) -> list[dict[str, Any]]:
    """The `versions` trait: every version of the shown artifact, flagged current / compared."""
    if not info.artifact or info.store is None:
        return []
    try:
        versions = info.store.versions(info.artifact)
    except (ArtifactNotFoundError, OSError, ValueError):
        return []
    compared_version = None
    if compared:
        name, _, ver = compared.partition(":")
        if name == info.artifact and ver:
            try:
                compared_version = f"v{info.store.resolve_version(name, ver.split('/')[0])}"
            except (ArtifactNotFoundError, ValueError, OSError):
                compared_version = None
    out = []
    for v in reversed(versions):  # newest first, as in the W&B sidebar
        out.append({
            "version": v["version"],
            "spec": f"{info.artifact}:{v['version']}",
            "aliases": list(v.get("aliases") or []),
            "created_at": v.get("created_at") or "",
            "tables": list(v.get("tables") or []),
            "current": v["version"] == info.version,
            "compared": v["version"] == compared_version,
        })
    return out


_MEDIA_KEYS = ("layers", "scores", "classes")
_meta_cache: dict[str, dict[str, dict[str, Any]]] = {}


def _image_meta(path: str | None) -> dict[str, dict[str, Any]]:
    """Column name -> {layers, scores, classes} of the image columns of a stored table (cached per file)."""
    if not path:
        return {}
    hit = _meta_cache.get(path)
    if hit is None:
        from tablelens.formats.parquet import read_schema

        try:
            _schema, meta = read_schema(path)
        except (OSError, ValueError):
            meta = {}
        hit = {c["name"]: {k: c[k] for k in _MEDIA_KEYS if k in c}
               for c in meta.get("columns", []) if isinstance(c, dict) and c.get("kind") == "image"}
        _meta_cache[path] = hit
    return hit


def media_meta(info: SourceInfo, compare: str, max_classes: int = 256) -> dict[str, dict[str, Any]]:
    """What the legend can list before any image is on screen: per image column, the layers, score keys and
    class set recorded in the Parquet metadata (docs/storage.md), merged over the shown and compared tables."""
    paths = [info.parquet_path]
    if compare and info.store is not None and ":" in compare:
        try:
            base, _, tname = compare.partition("/")
            art = info.store.artifact(base)
            paths.append(_table_path(art, tname or info.table_name or ""))
        except (ArtifactNotFoundError, ValueError, OSError):
            pass
    out: dict[str, dict[str, Any]] = {}
    for path in paths:
        for name, m in _image_meta(path).items():
            merged = out.setdefault(name, {"layers": {"boxes": [], "masks": []}, "scores": {}, "classes": []})
            for kind in ("boxes", "masks"):
                for layer in (m.get("layers") or {}).get(kind, []):
                    if layer not in merged["layers"][kind]:
                        merged["layers"][kind].append(layer)
            for layer, keys in (m.get("scores") or {}).items():
                have = merged["scores"].setdefault(layer, [])
                have += [k for k in keys if k not in have]
            known = {c.get("id") for c in merged["classes"]}
            merged["classes"] += [c for c in (m.get("classes") or []) if c.get("id") not in known]
            merged["classes"] = merged["classes"][:max_classes]
    return out
