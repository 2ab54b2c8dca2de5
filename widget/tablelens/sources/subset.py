"""The rows of a view (or the selected ones) logged as a new artifact version, with lineage to where they came from.

The rows are written by the engine (`QueryResult.to_parquet`, one streamed `COPY`), so a subset of millions of
rows never passes through Python. Media are referenced, not copied: each image, mask and class file the rows
name becomes an entry of the new version with the same digest and a `ref` to the version it came from (the store
holds the bytes once). The run that logs it used the source version, and the manifest's metadata names the view
and the query that made it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from .._core.errors import ArtifactNotFoundError, TablelensError
from .._core.hashing import sha256_file
from ..artifacts import Artifact, Staging, Store, current_store
from ..codec import read_meta
from ..query import QueryResult
from ._lineage import log_derived
from .resolve import ResolvedSource

__all__ = ["SubsetError", "log_rows"]


class SubsetError(TablelensError, ValueError):
    """Rows that cannot be logged as a table: the message says what to change."""


def log_rows(source: ResolvedSource, result: QueryResult, name: str, *, type: str | None = None,
             keys: Sequence[Any] | None = None, description: str | None = None, aliases: Iterable[str] = (),
             view: str | None = None, query: dict[str, Any] | None = None) -> Artifact:
    """Log the rows of `result` (all of them, or those whose `_key` is in `keys`) as table `source.table` of a
    new version of artifact `name`; returns the logged Artifact.

    `view` names the saved view that made the rows (`"artifact/view@rN"`) and `query` is the query spec as JSON;
    both go into the new manifest's metadata beside the source version.
    """
    if result.grouped:
        raise SubsetError("a grouped view holds groups, not rows: clear Group by to log its rows as a table")
    if result.mode == "compare":
        raise SubsetError("a compare view pairs the rows of two versions: stop comparing to log the rows of one "
                          "table (filter on it to choose them)")
    store = source.store or current_store() or Store()
    table = source.table or "table"
    art_type = type or _existing_type(store, name) or "dataset"
    staging_dir = store.tmp_dir
    tmp = os.path.join(staging_dir, f"subset-{uuid.uuid4().hex}.parquet")
    try:
        if keys is not None and not keys:
            raise SubsetError("no rows are selected: select rows first, or log the rows of the view")
        result.to_parquet(tmp, key=False, keys=keys)
        rows = pq.ParquetFile(tmp).metadata.num_rows
        media = _media_paths(tmp)
        digest = sha256_file(tmp)
        store.put_object(tmp, digest, move=True)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    origin = source.artifact if source.artifact is not None and source.artifact.version else None
    meta: dict[str, Any] = {"subset": {"of": f"{origin.qualified_name}/{table}" if origin else source.label,
                                       "view": view, "query": query, "rows": "view" if keys is None else "selected",
                                       "count": rows}}
    art = Artifact(name, art_type, description, {"tablelens": meta})
    staging = art.staging
    staging.add_local_file(f"{table}.table.parquet", store.object_path(digest), digest)
    _reference_media(staging, media, origin, result)
    return log_derived(store, art, origin, "subset", {"subset_of": meta["subset"]["of"], "view": view},
                       tuple(aliases))


def _existing_type(store: Store, name: str) -> str | None:
    try:
        versions = store.versions(name)
    except (ArtifactNotFoundError, ValueError):
        return None
    return versions[-1].get("type") if versions else None


def _media_paths(parquet: str) -> set[str]:
    """The logical paths of the image, mask and class files the rows name (read from the image columns only)."""
    schema = pq.read_schema(parquet)
    images = [c["name"] for c in read_meta(schema)["columns"] if c.get("kind") == "image"]
    if not images:
        return set()
    out: set[str] = set()
    table = pq.read_table(parquet, columns=images)
    for name in images:
        col = table.column(name)
        typ = col.type
        fields = {typ.field(i).name for i in range(typ.num_fields)}
        for f in ("path", "classes"):
            if f in fields:
                out.update(p for p in pc.struct_field(col, f).unique().to_pylist() if p)
        if "masks" in fields:
            masks = pc.struct_field(col, "masks")
            for i in range(masks.type.num_fields):
                layer = pc.struct_field(masks, i)
                out.update(p for p in pc.struct_field(layer, "path").unique().to_pylist() if p)
    return out


def _reference_media(staging: Staging, paths: set[str], origin: Artifact | None, result: QueryResult) -> None:
    files = set(origin.files()) if origin is not None else set()
    for path in sorted(paths):
        if origin is not None and path in files:
            e = origin.get_path(path)
            staging.add_reference(path, e.digest, e.size, e.local_path, e.ref or f"{origin.qualified_name}/{path}")
            continue
        try:  # an unlogged source (a DataFrame with images): its files are copied into the store on log
            local = result.resolve_media(0, path)
        except (LookupError, OSError, ValueError) as e:
            raise SubsetError(f"the rows name the media file {path!r}, which cannot be found: {e}") from None
        staging.add_local_file(path, local)
