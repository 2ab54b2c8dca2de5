"""`Artifact`: a named, typed, versioned set of files; `add`/`get` store and rebuild tables, images and classes."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core.errors import ArtifactNotFoundError, CorruptFileError
from .._core.hashing import sha256_file
from .._core.paths import check_logical_path, local_file, new_folder
from ..codec import encode_values, image_from_record, parse_descriptor
from ..media.classes import Classes
from ..media.image import Image
from ..model import JoinedTable, Table
from ..model import display as _display
from .context import current_store
from .layouts import layout
from .manifest import contents_digest
from .names import check_name
from .staging import Entry, EntrySource, Staging, checked_bytes, copy_checked

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Artifact"]

_TABLE = ".table.parquet"
_COLUMNS = ".table.columns.json"  # the column files of an edited table (codec/overrides.py)
_JOINED = ".joined-table.json"
_IMAGE = ".image-file.json"
_CLASSES = ".classes.json"


class Artifact:
    """A versioned set of files, as `wandb.Artifact`: `add(obj, name)` then `run.log_artifact(art)`."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        incremental: bool = False,
        use_as: str | None = None,
    ) -> None:
        del incremental, use_as  # wandb options without meaning here
        self.name = check_name(name)
        if not isinstance(type, str) or not type:
            raise ValueError("an artifact needs a type, for example 'dataset' or 'predictions'")
        self.type = type
        self.description = description
        if metadata is not None:
            try:
                json.dumps(metadata)
            except (TypeError, ValueError) as e:
                raise ValueError(f"artifact metadata must be JSON-serialisable: {e}") from None
        self.metadata: dict[str, Any] = dict(metadata or {})
        store = current_store()
        self._staging: Staging | None = Staging(store.tmp_dir if store else None,
                                                store.object_store if store else None)
        self._entries: Mapping[str, Entry] = self._staging.entries
        self._store: Store | None = None
        self._manifest: dict[str, Any] | None = None
        self._aliases: list[str] = []
        self._added: dict[int, str] = {}  # id(table) -> path, so a JoinedTable reuses a table already added
        self.bytes_written = 0

    # -- logged state ----------------------------------------------------------------------------------------------
    @classmethod
    def _from_store(cls, store: Store, manifest: dict[str, Any], entries: Mapping[str, Entry],
                    aliases: list[str]) -> Artifact:
        art = cls.__new__(cls)
        art.name = manifest["name"]
        art.type = manifest.get("type") or "unspecified"
        art.description = manifest.get("description")
        art.metadata = manifest.get("metadata") or {}
        art._staging = None
        art._entries = entries
        art._store = store
        art._manifest = manifest
        art._aliases = aliases
        art._added = {}
        art.bytes_written = 0
        return art

    def _mark_logged(self, store: Store, manifest: dict[str, Any], aliases: list[str], written: int) -> None:
        self._store = store
        self._manifest = manifest
        self._aliases = aliases
        self.bytes_written = written
        self._entries = {p: Entry(p, e["digest"], int(e.get("size", 0)), store.object_path(e["digest"]), e.get("ref"))
                         for p, e in manifest["contents"].items()}
        self._staging = None  # its folder is removed when collected; the store holds the bytes now

    @property
    def version(self) -> str | None:
        """'v0', 'v1', ... once logged, else None."""
        return self._manifest["version"] if self._manifest else None

    @property
    def aliases(self) -> list[str]:
        return list(self._aliases)

    @property
    def digest(self) -> str:
        """sha256 of the sorted (path, file digest) pairs: identical contents, identical digest."""
        if self._manifest:
            return self._manifest["digest"]
        return contents_digest((p, e.digest) for p, e in self._entries.items())

    @property
    def qualified_name(self) -> str:
        return f"{self.name}:{self.version}" if self.version else self.name

    @property
    def manifest(self) -> dict[str, dict[str, Any]]:
        """Logical path -> {digest, size, ref?}."""
        return {p: e.to_json() for p, e in sorted(self._entries.items())}

    @property
    def created_at(self) -> str | None:
        return self._manifest.get("created_at") if self._manifest else None

    @property
    def store(self) -> Store | None:
        return self._store

    def files(self) -> list[str]:
        return sorted(self._entries)

    def tables(self) -> list[str]:
        """Names of the tables and joined tables in the artifact."""
        out = []
        for p in self._entries:
            for suffix in (_TABLE, _JOINED):
                if p.endswith(suffix):
                    out.append(p[: -len(suffix)])
        return sorted(out)

    def table_name(self, name: str) -> str | None:
        """The artifact's table called `name`, written as `add` took it (`./t`, `t`, `t.table.parquet` all give
        `t`); None when it has no such table."""
        norm = check_logical_path(name, "table name")
        for suffix in (_TABLE, _JOINED):
            if norm.endswith(suffix):
                norm = norm[: -len(suffix)]
                break
        return norm if norm in self.tables() else None

    @property
    def _label(self) -> str:
        return self.qualified_name if self.version else f"{self.name} (not logged)"

    def table_columns(self, name: str) -> dict[str, str]:
        """The column files of table `name` in an edited version: {column: logical path} ({} when unedited)."""
        path = name + _COLUMNS
        if path not in self._entries:
            return {}
        columns = parse_descriptor(self._read_json(path), path)
        for p in columns.values():
            check_logical_path(p, f"{path}: column file")
            if p not in self._entries:
                raise CorruptFileError(f"{path!r} names the column file {p!r}, which artifact "
                                       f"{self.qualified_name} does not have")
        return columns

    def table_files(self, name: str) -> list[str]:
        """Every file table `name` is made of: its Parquet file and, in an edited version, its column files."""
        columns = self.table_columns(name)
        return [name + _TABLE, *([name + _COLUMNS] if columns else []), *sorted(columns.values())]

    def __repr__(self) -> str:
        return f"Artifact({self.qualified_name!r}, type={self.type!r}, files={len(self._entries)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if not self.tables():
            return {"text/plain": repr(self)}
        return _display.mimebundle(self, repr(self), **kwargs)

    # -- adding ------------------------------------------------------------------------------------------------------
    @property
    def staging(self) -> Staging:
        """The files being added (for readers of other layouts that add files directly); refused once logged."""
        if self._staging is None:
            raise ValueError(f"artifact {self.qualified_name} is logged and cannot change; create a new Artifact "
                             "with the same name to make a new version")
        return self._staging

    def add(self, obj: Table | JoinedTable | Image | Classes, name: str) -> Entry:
        """Store a Table, JoinedTable, Image or Classes under `name` (with every media file it needs)."""
        staging = self.staging
        check_logical_path(name, "name")
        if isinstance(obj, Table):
            path = name if name.endswith(_TABLE) else name + _TABLE
            entry = staging.add_table(path, obj.encode(staging))
            self._added[id(obj)] = path
            return entry
        if isinstance(obj, JoinedTable):
            paths = []
            for i, t in ((1, obj.table1), (2, obj.table2)):
                paths.append(self._added.get(id(t)) or self.add(t, f"{name}.table{i}").path)
            return staging.add_json(name + _JOINED, {"_type": "joined-table", "table1": paths[0],
                                                     "table2": paths[1], "join_key": obj.join_key})
        if isinstance(obj, Image):
            enc = encode_values(name, [obj], staging)
            return staging.add_json(name + _IMAGE, enc.array.to_pylist()[0])
        if isinstance(obj, Classes):
            return staging.add_bytes(name + _CLASSES, obj.to_bytes())
        raise TypeError(f"Artifact.add takes a Table, JoinedTable, Image or Classes, got {type(obj).__name__}; "
                        "use add_file for other files")

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None, is_tmp: bool = False) -> Entry:
        del is_tmp
        local = os.fspath(local_path)
        if not os.path.isfile(local):
            raise FileNotFoundError(f"no file {local!r} to add")
        return self.staging.add_file_copy(name or os.path.basename(local), local)

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None) -> list[Entry]:
        root = Path(local_path)
        if not root.is_dir():
            raise NotADirectoryError(f"no folder {os.fspath(local_path)!r} to add")
        out = []
        for f in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = f.relative_to(root).as_posix()
            out.append(self.add_file(f, f"{name}/{rel}" if name else rel))
        return out

    # -- getting -----------------------------------------------------------------------------------------------------
    def media_source(self) -> EntrySource:
        """Where the media files named by this artifact's tables are (its staging folder or the store)."""
        return EntrySource(self._entries, self.qualified_name if self.version else None, self._staging, self)

    def get_path(self, name: str) -> Entry:
        """The entry of a file: `.path`, `.digest`, `.size`, `.ref`, `.download()`."""
        path = check_logical_path(name, "name")
        if path not in self._entries:
            raise ArtifactNotFoundError(f"artifact {self.qualified_name} has no file {path!r}; files: "
                                        f"{', '.join(self.files()[:20])}")
        return self._entries[path]

    get_entry = get_path

    def get(self, name: str) -> Table | JoinedTable | Image | Classes:
        """Rebuild the object added under `name`; equal to what was added."""
        name = check_logical_path(name, "name")
        for suffix in (_TABLE, _JOINED, _IMAGE, _CLASSES):
            base = name[: -len(suffix)] if name.endswith(suffix) else name
            path = base + suffix
            if path in self._entries:
                return self._get_entry(path, suffix)
        raise ArtifactNotFoundError(
            f"artifact {self.qualified_name} has no table, image or classes named {name!r}; "
            f"tables: {self.tables()}")

    def _get_entry(self, path: str, suffix: str) -> Any:
        if suffix == _TABLE:
            source = self.media_source()
            columns = self.table_columns(path[: -len(_TABLE)])
            files = tuple((c, source.local_path(p)) for c, p in columns.items())  # checked, as the table is
            return Table._from_stored(source.local_path(path), source, path, files)
        obj = self._read_json(path)
        if suffix == _JOINED:
            if obj.get("_type") != "joined-table" or not {"table1", "table2", "join_key"} <= obj.keys():
                raise CorruptFileError(f"{path!r} is not a joined table (needs table1, table2, join_key)")
            t1, t2 = (self.get(check_logical_path(obj[k], f"{path}: {k}")) for k in ("table1", "table2"))
            return JoinedTable(t1, t2, obj["join_key"])
        if suffix == _IMAGE:
            return image_from_record(obj, self.media_source())
        return Classes.from_json(obj)

    def _read_json(self, path: str) -> Any:
        data = checked_bytes(self._entries[path], self._label)  # DamagedObjectError before any byte is used
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as e:
            raise CorruptFileError(f"{path!r} in artifact {self.qualified_name} cannot be read: {e}") from None

    def download(self, root: str | os.PathLike[str] | None = None) -> str:
        """Copy every file to `root/<path>` (default: a folder named after the artifact) and return the folder.

        `root` must not exist or be an empty folder, or already hold exactly these files (then nothing is
        written): nothing is ever overwritten, no file is written through a symbolic link, and a failure leaves
        no half-written folder. Every file is checked against its digest as it is copied.
        """
        root = os.fspath(root) if root is not None else os.path.join("artifacts", self.qualified_name.replace(":", "-"))
        if os.path.isdir(root) and not os.path.islink(root) and os.listdir(root) and self._already_in(root):
            return root
        with new_folder(root, "download") as tmp:
            for entry in self._entries.values():
                dest = local_file(tmp, entry.path)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                copy_checked(entry, dest, self._label)
        return root

    def _already_in(self, root: str) -> bool:
        """True when `root` holds exactly this artifact's files, byte for byte, and no symbolic link."""
        found = set()
        for dirpath, dirs, files in os.walk(root):
            for n in dirs + files:
                if os.path.islink(os.path.join(dirpath, n)):
                    return False
            found |= {Path(os.path.relpath(os.path.join(dirpath, f), root)).as_posix() for f in files}
        if found != set(self._entries):
            return False
        return all(sha256_file(local_file(root, p)) == e.digest for p, e in self._entries.items())

    # -- interchange with the W&B layout ------------------------------------------------------------------------
    @classmethod
    def from_dir(cls, path: str | os.PathLike[str], name: str | None = None, type: str = "dataset",
                 format: str = "wandb") -> Artifact:
        """Open a folder in the W&B layout (a download from W&B, or a folder staged by the wandb SDK)."""
        return layout(format).read(os.fspath(path), name=name, type=type)

    def export(self, path: str | os.PathLike[str], format: str = "wandb") -> str:
        """Write the artifact to a folder: `format="wandb"` (W&B table layout) or `"tablelens"` (files as stored)."""
        if format == "tablelens":
            return self.download(path)
        return layout(format).write(self, os.fspath(path))
