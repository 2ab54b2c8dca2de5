"""`resolve(anything) -> ResolvedSource`: the one place that finds the table behind what a user passed.

Accepted: a `"name:v3"` / `"name:v3/table"` / `"name:alias"` spec, an Artifact (with `table=`), a Table or
JoinedTable, a pandas DataFrame, a pyarrow Table, a Parquet path. The result holds the engine's scan source
(`tablelens.query.ScanSource` / `JoinedScan`) and what the Explorer's sidebar says about it (label, artifact,
versions, tables). `tl.query` and the Explorer both call it, once per source.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from .._core.errors import ArtifactNotFoundError, FilterError, UnsafePathError
from ..artifacts import Artifact, EntrySource, Staging, Store, current_store, parse_spec
from ..codec import encode_dataframe
from ..model import JoinedTable, Table
from ..model.table import StoredFile
from ..query import JoinedScan, Scan, ScanSource

__all__ = ["ResolvedSource", "resolve"]


@dataclass(frozen=True, eq=False)
class ResolvedSource:
    """A source as the engine scans it (`scan`) and as the Explorer describes it.

    `artifact` and `table` are set when the source is a table of an artifact (logged or not); `tables` lists
    the artifact's tables.
    """

    scan: Scan
    label: str
    obj: Any = None
    artifact: Artifact | None = None
    table: str | None = None
    tables: tuple[str, ...] = ()
    keep: Any = field(default=None, repr=False)  # what must live as long as the scan (a scratch folder)

    @property
    def name(self) -> str | None:
        """The artifact's name when the source is a table of a logged artifact."""
        return self.artifact.name if self.artifact is not None and self.artifact.version else None

    @property
    def version(self) -> str | None:
        return self.artifact.version if self.artifact is not None else None

    @property
    def store(self) -> Store | None:
        return self.artifact.store if self.artifact is not None else None

    def media_meta(self) -> dict[str, dict[str, Any]]:
        """Per image column: the box/mask layers, score keys and class set recorded in the table's metadata."""
        scans = [self.scan] if isinstance(self.scan, ScanSource) else [self.scan.left, self.scan.right]
        out: dict[str, dict[str, Any]] = {}
        for scan in scans:
            for c in scan.columns:
                if c.kind == "image":
                    out.setdefault(c.name, {k: c.meta[k] for k in ("layers", "scores", "classes") if k in c.meta})
        return out


def resolve(obj: Any, table: str | None = None, *, store: Store | None = None, default_table: bool = False,
            cannot: str = "Cannot query") -> ResolvedSource:
    """Find the table behind `obj`.

    `table` names a table of an artifact; without it, an artifact with several tables is refused unless
    `default_table` (then its first table is taken). Errors: ArtifactNotFoundError (no such artifact, version,
    alias or table), FileNotFoundError (no such Parquet file), TypeError (not a source; the message starts with
    `cannot`), FilterError (a DataFrame whose cells cannot be stored).
    """
    import pandas as pd

    if isinstance(obj, ResolvedSource):
        return obj
    if isinstance(obj, (ScanSource, JoinedScan)):  # the engine's own protocol, for tables kept elsewhere
        return ResolvedSource(obj, obj.label, obj)
    if isinstance(obj, os.PathLike):
        obj = os.fspath(obj)
    if isinstance(obj, str):
        return _from_text(obj, table, store, default_table)
    if isinstance(obj, Artifact):
        return _from_artifact(obj, table, default_table)
    if isinstance(obj, Table):
        return _from_table(obj)
    if isinstance(obj, JoinedTable):
        left, right = _from_table(obj.table1), _from_table(obj.table2)
        key = obj.join_key if isinstance(obj.join_key, str) else tuple(obj.join_key)
        label = f"JoinedTable on {obj.join_key}"
        assert isinstance(left.scan, ScanSource) and isinstance(right.scan, ScanSource)
        return ResolvedSource(JoinedScan(left.scan, right.scan, key, label), label, obj,
                              keep=(left.keep, right.keep))
    if isinstance(obj, pd.DataFrame):
        return _from_dataframe(obj)
    if isinstance(obj, pa.Table):
        label = f"Arrow table ({obj.num_rows} rows)"
        return ResolvedSource(ScanSource.from_arrow(obj, label), label, obj)
    raise TypeError(f"{cannot} a {type(obj).__name__}: pass a 'name:v3' spec, a tl.Table, tl.JoinedTable or "
                    "tl.Artifact (with table=), a pandas DataFrame, a pyarrow Table or a Parquet path")


# ------------------------------------------------------------------------------------------------- kinds
def _from_text(text: str, table: str | None, store: Store | None, default_table: bool) -> ResolvedSource:
    if text.endswith(".parquet") or os.path.isfile(text):
        if not os.path.isfile(text):
            raise FileNotFoundError(f"No Parquet file at {text!r}; pass an existing path or a 'name:v3' spec")
        scan = ScanSource.from_parquet(text, os.path.basename(text))
        return ResolvedSource(scan, scan.label, text)
    base, _, inner = text.partition("/")
    try:
        parse_spec(base)
    except ValueError:
        raise FileNotFoundError(f"{text!r} is neither a Parquet file nor a 'name:version' artifact spec") from None
    art = (store or current_store() or Store()).artifact(base)
    return _from_artifact(art, inner or table, default_table)


def _from_artifact(art: Artifact, table: str | None, default_table: bool) -> ResolvedSource:
    tables = tuple(art.tables())
    if not tables:
        raise ArtifactNotFoundError(f"artifact {art.qualified_name} holds no table; its files: {art.files()[:10]}")
    if table is None:
        if len(tables) > 1 and not default_table:
            raise ArtifactNotFoundError(f"The artifact holds {len(tables)} tables ({', '.join(tables)}); "
                                        "pass table=NAME")
        table = tables[0]
    else:  # `./t`, `t` and `t.table.parquet` name the same table, as in Artifact.add and Artifact.get
        try:
            found = art.table_name(table)
        except UnsafePathError as e:
            raise ArtifactNotFoundError(f"artifact {art.qualified_name} has no table {table!r}: {e}") from None
        if found is None:
            raise ArtifactNotFoundError(f"artifact {art.qualified_name} has no table {table!r}; its tables: "
                                        f"{list(tables)}")
        table = found
    obj = art.get(table)
    label = f"{art.qualified_name} / {table}"
    inner = _table_source(obj, label) if isinstance(obj, Table) else resolve(obj)
    return ResolvedSource(inner.scan, label, art, art, table, tables, inner.keep)


def _from_table(t: Table) -> ResolvedSource:
    """A Table; one read from an artifact still knows its artifact (the Explorer lists its versions)."""
    stored = t.stored_file
    artifact = stored.source.artifact if stored is not None and isinstance(stored.source, EntrySource) else None
    if artifact is not None:
        name = _table_name(artifact, stored)  # type: ignore[arg-type]
        if name is not None:
            label = f"{artifact.qualified_name} / {name}"
            return ResolvedSource(_table_source(t, label).scan, label, t, artifact, name, tuple(artifact.tables()))
    return _table_source(t, f"Table ({len(t.columns)} columns)")


def _table_source(t: Table, label: str) -> ResolvedSource:
    """The scan of a table: a stored one is its Parquet files handed to the engine, checked against their digests
    first (DamagedObjectError otherwise) — every part of a table that grew, in place on object storage; its media
    are checked as the engine's results name them."""
    stored = t.stored_file
    if stored is None:
        return _scratch(t, label)
    logical = stored.logical_parts or ((stored.logical_path,) if stored.logical_path else ())
    if logical and isinstance(stored.source, EntrySource):
        files, fs = stored.source.scan_paths(list(logical))
    else:
        files, fs = list(stored.files), stored.filesystem
    scan = ScanSource.from_parquet(files, label, resolve_media=stored.source.local_path,
                                   column_files=stored.column_files, filesystem=fs or stored.filesystem,
                                   part_rows=stored.part_rows or None, schema=stored.schema)
    return ResolvedSource(scan, label, t)


def _table_name(art: Artifact, stored: StoredFile) -> str | None:
    if stored.logical_path is not None and stored.logical_path.endswith(".table.parquet"):
        name = stored.logical_path[: -len(".table.parquet")]
        if name in art.tables():
            return name
    real = os.path.realpath(stored.parquet_path)
    for name in art.tables():
        try:
            entry = art.get_path(f"{name}.table.parquet")
        except (ArtifactNotFoundError, ValueError):
            continue
        if os.path.realpath(entry.local_path) == real:
            return name
    return None


def _from_dataframe(df: Any) -> ResolvedSource:
    label = f"DataFrame ({len(df)} rows)"
    try:
        arrow = encode_dataframe(df, None)
    except TypeError as e:
        if "holds images" in str(e):  # images need their files stored: go through a scratch artifact
            return _scratch(Table(dataframe=df), label)
        raise FilterError(f"This DataFrame cannot be queried: {e}", control="source") from None
    return ResolvedSource(ScanSource.from_arrow(arrow, label), label, df)


# --------------------------------------------------------------------------------------- unlogged tables
_scratch_lock = threading.Lock()
_scratch_root: list[str] = []
#: id(table) -> (revision, resolved): an unlogged table is encoded once per change, not once per query
_scratch_cache: dict[int, tuple[int, ResolvedSource]] = {}


def _scratch(t: Table, label: str) -> ResolvedSource:
    """An unlogged table: in memory as Arrow, or (with images) stored in a per-process scratch folder."""
    key = id(t)
    with _scratch_lock:
        hit = _scratch_cache.get(key)
    if hit is not None and hit[0] == t.revision and hit[1].label == label:
        return hit[1]
    in_memory = t.arrow_media
    if not t.has_media():
        resolved = ResolvedSource(ScanSource.from_arrow(t.to_arrow(), label), label, t)
    elif in_memory is not None:  # Arrow whose images name files of a media source: scanned as it is
        arrow, media = in_memory
        scan = ScanSource.from_arrow(arrow, label, resolve_media=media.local_path)
        resolved = ResolvedSource(scan, label, t, keep=media)
    else:
        staging = Staging(_root())
        entry = staging.add_table("table.table.parquet", t.encode(staging))
        source = EntrySource(staging.entries, None, staging)
        scan = ScanSource.from_parquet(entry.local_path, label, resolve_media=source.local_path,
                                       identity=f"sha256:{entry.digest}")
        resolved = ResolvedSource(scan, label, t, keep=staging)
    with _scratch_lock:
        if key not in _scratch_cache:
            weakref.finalize(t, _scratch_cache.pop, key, None)
        _scratch_cache[key] = (t.revision, resolved)
    return resolved


def _root() -> str:
    with _scratch_lock:
        if not _scratch_root:
            root = tempfile.mkdtemp(prefix="tablelens-scratch-")
            atexit.register(shutil.rmtree, root, True)  # the folder lives as long as the process
            _scratch_root.append(root)
        return _scratch_root[0]
