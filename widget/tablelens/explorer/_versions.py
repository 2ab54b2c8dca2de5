"""What the sidebar says about the shown source: its artifact's versions (current, compared) and how a short
compare spec ("v4", "best") names a version of that artifact."""

from __future__ import annotations

from typing import Any

from .._core.errors import ArtifactNotFoundError
from ..sources import ResolvedSource

__all__ = ["normalize_compare", "version_entries"]


def normalize_compare(spec: str, source: ResolvedSource) -> str:
    """`"v4"` or `"best"` (a version or alias of the shown artifact) -> `"name:v4"`; other specs unchanged."""
    spec = spec.strip()
    store, name = source.store, source.name
    if spec and name and store is not None and ":" not in spec and "/" not in spec and \
            not spec.endswith(".parquet"):
        try:
            store.resolve_version(name, spec)
        except (ArtifactNotFoundError, ValueError, OSError):
            return spec
        return f"{name}:{spec}"
    return spec


def version_entries(source: ResolvedSource, compared: ResolvedSource | None) -> list[dict[str, Any]]:
    """The `versions` trait: every version of the shown artifact, newest first, flagged current / compared."""
    store, name = source.store, source.name
    if not name or store is None:
        return []
    try:
        versions = store.versions(name)
    except (ArtifactNotFoundError, OSError, ValueError):
        return []
    compared_version = compared.version if compared is not None and compared.name == name else None
    return [{
        "version": v["version"],
        "spec": f"{name}:{v['version']}",
        "aliases": list(v.get("aliases") or []),
        "created_at": v.get("created_at") or "",
        "tables": list(v.get("tables") or []),
        "current": v["version"] == source.version,
        "compared": v["version"] == compared_version,
    } for v in reversed(versions)]
