"""The W&B table layout (`docs/wandb-table-format.md`): open a folder as an Artifact, export an Artifact as one.

Opening converts every `NAME.table.json` to the Parquet form at once, so queries and the Explorer work on tables
logged with W&B unchanged; media files stay where they are (the artifact's entries point at them, nothing is
copied). Exporting writes what the wandb SDK writes: sorted JSON keys, md5-based media names, `.npz` columns and
a `wandb_manifest.json`. What maps to what, and what is lost, is in `docs/wandb-interop.md`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._hashing import sha256_bytes
from .._paths import check_logical_path
from ..errors import CorruptFileError, MissingMediaWarning, TablelensError
from ..media.classes import Classes
from ..media.image import Image, Mask, Pixels, validate_boxes
from .parquet import decode_column, encode_columns, encode_values, read_meta

if TYPE_CHECKING:
    import pyarrow as pa

    from ..artifacts.artifact import Artifact
    from ..artifacts.staging import Entry, Staging

__all__ = ["OTHER_MEDIA_TYPES", "read_wandb_dir", "write_wandb_dir"]

MANIFEST = "wandb_manifest.json"
#: cell `_type`s kept as dict cells (their files are added to the artifact as plain files)
OTHER_MEDIA_TYPES = frozenset({
    "audio-file", "video-file", "html-file", "molecule-file", "object3D-file", "plotly-file", "bokeh-file",
    "graph-file", "histogram",
})
_TABLE = ".table.json"
_JOINED = ".joined-table.json"
_PARTITIONED = ".partitioned-table.json"
_IMAGE = ".image-file.json"
_PARQUET = ".table.parquet"
_EPOCH = dt.datetime(1970, 1, 1)
_MAX_INLINE_ARRAY = 150  # the SDK keeps 1-D arrays up to this length inline (Table._MAX_EMBEDDING_DIMENSIONS)
_FORMATS = {"jpg": "jpeg", "tif": "tiff"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ---------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------

def _md5() -> Any:
    return hashlib.md5(usedforsecurity=False)  # names and manifest digests, as W&B uses it; not for security


def _hash_file(local: str) -> tuple[str, str, int]:
    """(sha256 hex, md5 hex, size) of a file, read once."""
    sha, md5 = hashlib.sha256(), _md5()
    size = 0
    with open(local, "rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


def _b64(md5_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii")


def _dumps(obj: Any) -> bytes:
    """JSON as the SDK writes it: sorted keys, default separators, bare `Infinity` tokens (NaN is null already)."""
    return json.dumps(obj, sort_keys=True).encode()


def _local(root: str, path: str) -> str:
    return os.path.join(root, *path.split("/"))


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------

def read_wandb_dir(path: str | os.PathLike[str], name: str | None = None, type: str = "dataset") -> Artifact:
    """Open a folder in the W&B layout as an unlogged Artifact whose tables are already in Parquet form.

    `name` defaults to the folder's name made safe (`my-data:v3` -> `my-data-v3`).
    """
    from ..artifacts.artifact import Artifact

    root = os.path.abspath(os.fspath(path))
    if not os.path.exists(root):
        raise FileNotFoundError(f"no folder {os.fspath(path)!r} to open")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"{os.fspath(path)!r} is a file; give the folder that holds the W&B artifact")
    art = Artifact(name or _folder_name(root), type)
    _Reader(root, art._writable()).run()
    return art


def _folder_name(root: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", os.path.basename(root.rstrip("/\\"))).strip("-.")
    return name or "wandb-artifact"


@dataclass
class _ColumnType:
    """What `column_types` says about one column that changes how its cells read."""

    timestamp: bool = False
    ndarray: bool = False
    npz: tuple[str, str] | None = None  # (path, key) of the column's arrays


class _Sink:
    """Media sink that keeps W&B's own file names: media files were added as they are in the folder."""

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self.paths: dict[int, str] = {}  # id(Pixels | Mask | Classes) -> logical path in the folder

    def add_image_pixels(self, pixels: Pixels) -> str:
        return self.paths.get(id(pixels)) or self.staging.add_image_pixels(pixels)

    def add_mask(self, mask: Mask) -> str:
        return self.paths.get(id(mask)) or self.staging.add_mask(mask)

    def add_classes(self, classes: Classes) -> str:
        return self.paths.get(id(classes)) or self.staging.add_classes(classes)


class _Reader:
    """One pass over a W&B folder: manifest, tables (converted), joined/partitioned tables, then plain files."""

    def __init__(self, root: str, staging: Staging) -> None:
        self.root = root
        self.staging = staging
        self.sink = _Sink(staging)
        self.manifest: dict[str, dict[str, Any]] = {}
        self.consumed: set[str] = set()  # files converted into something else (not added as they are)
        self.tables: dict[str, str] = {}  # W&B table path -> Parquet path
        self.columns: dict[str, list[str]] = {}  # Parquet path -> column names
        self._digests: dict[str, str] = {}
        self._pixels: dict[str, Pixels] = {}
        self._masks: dict[str, Mask] = {}
        self._classes: dict[str, Classes] = {}

    # -- files ---------------------------------------------------------------------------------------------
    def local(self, path: str) -> str | None:
        local = _local(self.root, path)
        return local if os.path.isfile(local) else None

    def add(self, path: str) -> Entry:
        """Add the folder's file at `path` as it is, checking it against the manifest's md5 when listed."""
        local = self.local(path)
        if local is None:  # pragma: no cover - callers check first
            raise CorruptFileError(f"{path!r} is not in the folder")
        listed = self.manifest.get(path, {})
        if path not in self._digests:
            sha, md5, _ = _hash_file(local)
            want = listed.get("digest")
            if want is not None and not listed.get("ref") and want != _b64(md5):
                raise CorruptFileError(f"{path!r} does not match its digest in {MANIFEST} ({want}, the file has "
                                       f"{_b64(md5)}); the file is damaged or was changed after the download")
            self._digests[path] = sha
        return self.staging.add_local_file(path, local, self._digests[path], ref=listed.get("ref"))

    def add_missing(self, path: str, sha_hint: Any, where: str) -> Entry:
        """An entry for a file whose bytes are not in the folder (a manifest reference, or a file left out of a
        partial copy): the table opens, that cell fails on use and the Explorer shows why."""
        from ..artifacts.staging import Entry

        listed = self.manifest.get(path)
        if listed is not None and not listed.get("ref"):
            raise CorruptFileError(f"{MANIFEST} lists {path!r}, which is not in the folder and not a reference; "
                                   "the download is incomplete")
        if path in self.staging.entries:
            return self.staging.entries[path]
        if listed is None:
            warnings.warn(f"{where} names {path!r}, which is neither in the folder nor a reference in {MANIFEST}: "
                          "the table opens, but that file's cells cannot be shown until it is copied into the folder",
                          MissingMediaWarning, stacklevel=2)
            listed = {"ref": None}
        ref = str(listed["ref"]) if listed["ref"] else None
        # The bytes are unknown: the digest is the cell's sha256 when it gives one, else a hash of where they were.
        digest = sha_hint if isinstance(sha_hint, str) and _SHA256.match(sha_hint) else sha256_bytes(
            (ref or path).encode())
        size = listed.get("size") if isinstance(listed.get("size"), int) else 0
        entry = Entry(path, digest, size, _local(self.root, path), ref)
        self.staging.entries[path] = entry  # add_local_file needs the bytes; a reference has none here
        return entry

    def load_json(self, path: str, what: str) -> Any:
        local = self.local(path)
        if local is None:
            raise CorruptFileError(f"{what} {path!r} is not in the folder")
        try:
            with open(local, "rb") as f:
                return json.loads(f.read())
        except (ValueError, RecursionError) as e:
            raise CorruptFileError(f"{what} {path!r} is not valid JSON: {e}") from None
        except OSError as e:
            raise CorruptFileError(f"{what} {path!r} cannot be read: {e}") from None

    # -- the pass ------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.load_manifest()
        files = self.walk()
        table_files = [p for p in files if p.endswith(_TABLE)]
        parts: dict[str, list[str]] = {}
        for p in (p for p in files if p.endswith(_PARTITIONED)):
            parts[p] = self.partition_parts(p, table_files)
        in_parts = {q for qs in parts.values() for q in qs}
        for p in table_files:
            if p not in in_parts:
                self.convert_table(p, [p])
        for p, qs in parts.items():
            self.convert_table(p, qs)
        for p in files:
            if p.endswith(_JOINED):
                self.convert_joined(p)
            elif p.endswith(_IMAGE):
                self.convert_image_file(p)
        for p in files:
            if p not in self.consumed and p not in self.staging.entries:
                self.add(p)
        for p, listed in self.manifest.items():
            if listed.get("ref") and p not in self.staging.entries and self.local(p) is None:
                self.add_missing(p, None, MANIFEST)

    def walk(self) -> list[str]:
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            for f in filenames:
                rel = os.path.relpath(os.path.join(dirpath, f), self.root).replace(os.sep, "/")
                out.append(check_logical_path(rel, "file"))
        return sorted(out)

    def load_manifest(self) -> None:
        if self.local(MANIFEST) is None:
            return
        obj = self.load_json(MANIFEST, "manifest")
        if not isinstance(obj, dict) or not isinstance(obj.get("contents"), dict):
            raise CorruptFileError(f"{MANIFEST} has no 'contents' object; it is not a W&B artifact manifest")
        for p, e in obj["contents"].items():
            path = check_logical_path(p, f"{MANIFEST}: path")
            if not isinstance(e, dict):
                raise CorruptFileError(f"{MANIFEST}: entry {p!r} is not an object")
            for key, kind in (("ref", str), ("digest", str), ("size", int)):
                if e.get(key) is not None and not isinstance(e[key], kind):
                    raise CorruptFileError(f"{MANIFEST}: entry {p!r} has a malformed {key!r}: {e[key]!r}")
            if not e.get("ref") and self.local(path) is None:
                raise CorruptFileError(f"{MANIFEST} lists {p!r}, which is not in the folder and not a reference; "
                                       "the download is incomplete")
            self.manifest[path] = e

    # -- tables --------------------------------------------------------------------------------------------
    def partition_parts(self, path: str, table_files: list[str]) -> list[str]:
        obj = self.load_json(path, "partitioned table")
        if not isinstance(obj, dict) or obj.get("_type") != "partitioned-table":
            raise CorruptFileError(f"partitioned table {path!r} does not have _type 'partitioned-table'")
        parts_path = obj.get("parts_path")
        if not isinstance(parts_path, str):
            raise CorruptFileError(f"partitioned table {path!r} has no 'parts_path'")
        prefix = check_logical_path(parts_path, f"{path}: parts_path").rstrip("/") + "/"
        parts = sorted(p for p in table_files if p.startswith(prefix))  # the manifest's (sorted) order, as W&B
        if not parts:
            raise CorruptFileError(f"partitioned table {path!r}: no .table.json parts under {parts_path!r}")
        return parts

    def convert_table(self, path: str, sources: list[str]) -> None:
        """Read one table (or a partitioned table's parts, concatenated) and store it as Parquet."""
        base = path[: -len(_TABLE)] if path.endswith(_TABLE) else path[: -len(_PARTITIONED)]
        out = base + _PARQUET
        if out in self.staging.entries:
            raise CorruptFileError(f"{path!r} and another file both make the table {base!r}; rename one")
        columns: list[str] | None = None
        rows: list[list[Any]] = []
        for src in sources:
            cols, part = self.read_table(src)
            if columns is None:
                columns = cols
            elif cols != columns:
                raise CorruptFileError(f"{src!r} has columns {cols}, but the other parts of {path!r} have {columns}")
            rows.extend(part)
            self.consumed.add(src)
        self.consumed.add(path)
        columns = columns or []
        try:
            arrow = encode_columns(columns, rows, self.sink)
        except TablelensError:
            raise
        except (TypeError, ValueError) as e:
            raise CorruptFileError(f"table {path!r} cannot be stored: {e}") from None
        self.staging.add_table(out, arrow)
        self.tables[path] = out
        self.columns[out] = columns

    def read_table(self, path: str) -> tuple[list[str], list[list[Any]]]:
        obj = self.load_json(path, "table file")
        if not isinstance(obj, dict):
            raise CorruptFileError(f"table file {path!r} holds a {type(obj).__name__}, not a table object")
        kind = obj.get("_type", "table")  # run-logged table files carry no _type
        if kind != "table":
            raise CorruptFileError(f"table file {path!r} has _type {kind!r}; a .table.json file holds a 'table'")
        columns, data = obj.get("columns"), obj.get("data")
        if not isinstance(columns, list) or not all(isinstance(c, (str, int)) and not isinstance(c, bool)
                                                    for c in columns):
            raise CorruptFileError(f"table file {path!r}: 'columns' must be a list of names")
        columns = [str(c) for c in columns]
        if len(set(columns)) != len(columns):
            dup = next(c for c in columns if columns.count(c) > 1)
            raise CorruptFileError(f"table file {path!r}: column {dup!r} appears more than once")
        if not isinstance(data, list):
            raise CorruptFileError(f"table file {path!r}: 'data' must be a list of rows")
        for i, row in enumerate(data):
            if not isinstance(row, list) or len(row) != len(columns):
                got = f"{len(row)} cells" if isinstance(row, list) else f"a {type(row).__name__}"
                raise CorruptFileError(f"table file {path!r}: row {i} has {got} but the table has "
                                       f"{len(columns)} columns")
        for key, want in (("ncols", len(columns)), ("nrows", len(data))):
            if obj.get(key) is not None and obj[key] != want:
                raise CorruptFileError(f"table file {path!r}: '{key}' says {obj[key]!r} but the file holds {want}")
        types = self.column_types(path, obj.get("column_types"), columns)
        arrays = {j: self.load_npz(path, c, types[c].npz, len(data))
                  for j, c in enumerate(columns) if types[c].npz is not None}
        rows = []
        for i, row in enumerate(data):
            out = []
            for j, cell in enumerate(row):
                if j in arrays:
                    v = arrays[j][i]
                    out.append(v if isinstance(v, np.ndarray) else v.item())
                else:
                    out.append(self.cell(f"table file {path!r}, row {i}, column {columns[j]!r}", cell,
                                         types[columns[j]]))
            rows.append(out)
        return columns, rows

    def column_types(self, path: str, spec: Any, columns: list[str]) -> dict[str, _ColumnType]:
        out = {c: _ColumnType() for c in columns}
        if spec is None:
            return out
        type_map = spec.get("params", {}).get("type_map") if isinstance(spec, dict) and isinstance(
            spec.get("params"), dict) else None
        if not isinstance(type_map, dict):
            raise CorruptFileError(f"table file {path!r}: 'column_types' is not a typedDict with params.type_map")
        for c, t in type_map.items():
            if c not in out:
                continue
            for member in _union_members(t):
                wb = member.get("wb_type")
                if wb == "timestamp":
                    out[c].timestamp = True
                elif wb == "ndarray":
                    out[c].ndarray = True
                    sp = (member.get("params") or {}).get("serialization_path")
                    if sp is not None:
                        if not isinstance(sp, dict) or not isinstance(sp.get("path"), str) or not isinstance(
                                sp.get("key"), str):
                            raise CorruptFileError(f"table file {path!r}: column {c!r} has a malformed "
                                                   "serialization_path (needs 'path' and 'key')")
                        out[c].npz = (check_logical_path(sp["path"], f"{path}: column {c!r}: serialization path"),
                                      sp["key"])
        return out

    def load_npz(self, path: str, column: str, npz: tuple[str, str] | None, nrows: int) -> np.ndarray:
        assert npz is not None
        file, key = npz
        where = f"table file {path!r}, column {column!r}"
        local = self.local(file)
        if local is None:
            raise CorruptFileError(f"{where}: its arrays are in {file!r}, which is not in the folder")
        try:
            with np.load(local, allow_pickle=False) as f:
                if not hasattr(f, "files") or key not in f.files:
                    have = getattr(f, "files", [])
                    raise CorruptFileError(f"{where}: {file!r} has no array {key!r} (it has {have})")
                arr = f[key]
        except TablelensError:
            raise
        except ValueError as e:
            raise CorruptFileError(f"{where}: {file!r} cannot be read without unpickling Python objects ({e}); "
                                   "tablelens never unpickles data from a folder") from None
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise CorruptFileError(f"{where}: {file!r} is not a readable .npz file: {e}") from None
        if arr.ndim == 0 or len(arr) < nrows:
            raise CorruptFileError(f"{where}: {file!r} holds {0 if arr.ndim == 0 else len(arr)} rows but the "
                                   f"table has {nrows}")
        self.consumed.add(file)
        return arr

    def cell(self, where: str, v: Any, ctype: _ColumnType) -> Any:
        if isinstance(v, dict):
            kind = v.get("_type")
            if kind == "image-file":
                return self.image(where, v)
            if isinstance(kind, str) and isinstance(v.get("path"), str):
                check_logical_path(v["path"], f"{where}: {kind} path")
            return v
        if ctype.timestamp and isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                return _EPOCH + dt.timedelta(milliseconds=v)
            except (OverflowError, ValueError) as e:
                raise CorruptFileError(f"{where}: {v!r} is not a time in milliseconds since 1970 ({e})") from None
        if ctype.ndarray and isinstance(v, list):
            return _array_or_list(v)
        return v

    # -- media ---------------------------------------------------------------------------------------------
    def image(self, where: str, v: dict[str, Any]) -> Image:
        if not isinstance(v.get("path"), str):
            raise CorruptFileError(f"{where}: the image cell has no 'path'")
        pixels = self.pixels(where, check_logical_path(v["path"], f"{where}: image path"), v)
        caption = v.get("caption")
        try:
            boxes, _ = validate_boxes(v.get("boxes"))
        except ValueError as e:
            raise CorruptFileError(f"{where}: {e}") from None
        raw_masks = v.get("masks") or {}
        if not isinstance(raw_masks, dict):
            raise CorruptFileError(f"{where}: 'masks' must be an object of layer -> mask")
        masks = {}
        for layer, m in raw_masks.items():
            if not isinstance(m, dict) or not isinstance(m.get("path"), str):
                raise CorruptFileError(f"{where}: mask layer {layer!r} has no 'path'")
            masks[layer] = self.mask(where, check_logical_path(m["path"], f"{where}: mask {layer!r} path"),
                                     m.get("sha256"))
        classes = None
        spec = v.get("classes")
        if spec is not None:
            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                raise CorruptFileError(f"{where}: 'classes' must be {{'type': 'classes-file', 'path': ...}}")
            classes = self.classes(where, check_logical_path(spec["path"], f"{where}: classes path"))
        return Image._restore(pixels, None if caption is None else str(caption), classes, boxes, masks)

    def pixels(self, where: str, path: str, v: dict[str, Any]) -> Pixels:
        if path in self._pixels:
            return self._pixels[path]
        fmt = v.get("format") if isinstance(v.get("format"), str) else os.path.splitext(path)[1].lstrip(".")
        fmt = _FORMATS.get(fmt.lower(), fmt.lower()) or None
        w, h = v.get("width"), v.get("height")
        size = (w, h) if _is_int(w) and _is_int(h) else None
        local = self.local(path)
        if local is not None:
            digest = self.add(path).digest
            if size is None:
                size = _image_size(local, where)
            px = Pixels(path=local, fmt=fmt, digest=digest, size=size)
        else:
            entry = self.add_missing(path, v.get("sha256"), where)
            px = Pixels(path=entry.local_path, fmt=fmt or "png", digest=entry.digest, size=size or (0, 0))
        self._pixels[path] = px
        self.sink.paths[id(px)] = path
        return px

    def mask(self, where: str, path: str, sha_hint: Any) -> Mask:
        if path not in self._masks:
            local = self.local(path)
            if local is not None:
                m = Mask(path=local, digest=self.add(path).digest)
            else:
                entry = self.add_missing(path, sha_hint, where)
                m = Mask(path=entry.local_path, digest=entry.digest)
            self._masks[path] = m
            self.sink.paths[id(m)] = path
        return self._masks[path]

    def classes(self, where: str, path: str) -> Classes:
        if path not in self._classes:
            if self.local(path) is None:
                what = "a reference whose bytes are" if self.manifest.get(path, {}).get("ref") else "a file"
                raise CorruptFileError(f"{where}: classes file {path!r} is {what} not in the folder; copy it in")
            obj = self.load_json(path, "classes file")
            if isinstance(obj, dict) and obj.get("_type", "classes") != "classes":
                raise CorruptFileError(f"classes file {path!r} has _type {obj.get('_type')!r}, not 'classes'")
            try:
                c = Classes.from_json(obj)
            except (TypeError, ValueError) as e:
                raise CorruptFileError(f"classes file {path!r} (named by {where}): {e}") from None
            self.add(path)
            self._classes[path] = c
            self.sink.paths[id(c)] = path
        return self._classes[path]

    # -- joined tables and single images -------------------------------------------------------------------
    def convert_joined(self, path: str) -> None:
        obj = self.load_json(path, "joined table")
        if not isinstance(obj, dict) or obj.get("_type") != "joined-table":
            raise CorruptFileError(f"joined table {path!r} does not have _type 'joined-table'")
        out: dict[str, Any] = {"_type": "joined-table"}
        for k in ("table1", "table2"):
            if not isinstance(obj.get(k), str):
                raise CorruptFileError(f"joined table {path!r} has no {k!r}")
            target = check_logical_path(obj[k], f"{path}: {k}")
            if target not in self.tables:
                if self.manifest.get(target, {}).get("ref") and self.local(target) is None:
                    raise CorruptFileError(f"joined table {path!r}: {k} {target!r} is a reference into another "
                                           "artifact whose files are not in the folder; download them into it")
                raise CorruptFileError(f"joined table {path!r}: {k} names {target!r}, which is not a table in "
                                       "the folder")
            out[k] = self.tables[target]
        key = obj.get("join_key")
        keys = [key, key] if isinstance(key, str) else key
        if not isinstance(keys, list) or len(keys) != 2 or not all(isinstance(x, str) for x in keys):
            raise CorruptFileError(f"joined table {path!r}: join_key must be a column name or a pair of names")
        for k, col in zip(("table1", "table2"), keys):
            if col not in self.columns[out[k]]:
                raise CorruptFileError(f"joined table {path!r}: join key {col!r} is not a column of {k} "
                                       f"({obj[k]!r}); its columns are {self.columns[out[k]]}")
        out["join_key"] = key
        self.consumed.add(path)
        self.staging.add_json(path, out)

    def convert_image_file(self, path: str) -> None:
        """A single image added with `artifact.add(image, NAME)`: its JSON becomes the tablelens image record."""
        obj = self.load_json(path, "image file")
        if not isinstance(obj, dict) or obj.get("_type") != "image-file":
            raise CorruptFileError(f"image file {path!r} does not have _type 'image-file'")
        img = self.image(f"image file {path!r}", obj)
        enc = encode_values(path, [img], self.sink)
        self.consumed.add(path)
        self.staging.add_json(path, enc.array.to_pylist()[0])


def _union_members(t: Any) -> list[dict[str, Any]]:
    if not isinstance(t, dict):
        return []
    if t.get("wb_type") == "union":
        allowed = (t.get("params") or {}).get("allowed_types")
        return [m for a in allowed for m in _union_members(a)] if isinstance(allowed, list) else []
    return [t]


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _image_size(local: str, where: str) -> tuple[int, int]:
    from PIL import Image as PILImage

    try:
        with PILImage.open(local) as im:
            return im.size
    except Exception as e:
        raise CorruptFileError(f"{where}: {local!r} is not an image Pillow can read: {e}") from None


def _array_or_list(v: list[Any]) -> Any:
    """An inline ndarray cell: numbers back to an array (null -> NaN, as the writer wrote NaN); else the list."""
    try:
        arr = np.array(v)
        if arr.dtype == object:
            arr = np.array(v, dtype=np.float64)
    except (ValueError, TypeError):
        return v
    return arr if arr.dtype.kind in "biufU" and arr.ndim >= 1 else v


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------

def write_wandb_dir(artifact: Artifact, path: str | os.PathLike[str]) -> str:
    """Write the artifact to an empty (or new) folder in the W&B layout and return the folder."""
    root = os.path.abspath(os.fspath(path))
    if os.path.exists(root) and (not os.path.isdir(root) or os.listdir(root)):
        raise FileExistsError(f"{os.fspath(path)!r} exists and is not an empty folder; export into a new folder")
    os.makedirs(root, exist_ok=True)
    _Writer(artifact, root).run()
    return os.fspath(path)


class _Writer:
    def __init__(self, artifact: Artifact, root: str) -> None:
        self.art = artifact
        self.root = root
        self.source = artifact._source()
        self.written: dict[str, tuple[str, int]] = {}  # path -> (base64 md5, size)
        self.refs: dict[str, dict[str, Any]] = {}
        self.consumed: set[str] = {MANIFEST}
        self.tables: dict[str, str] = {}  # Parquet path -> W&B table path
        self._media: dict[str, tuple[str, str]] = {}  # local file -> (W&B path, sha256)
        self._classes: dict[bytes, tuple[str, str]] = {}  # classes file bytes -> (path, base64 md5)
        self._old = self._old_manifest()

    def _old_manifest(self) -> dict[str, Any]:
        """The manifest of the folder this artifact was opened from: the digests of references."""
        if MANIFEST not in self.art.files():
            return {}
        try:
            with open(self.art.get_path(MANIFEST).local_path, "rb") as f:
                contents = json.load(f).get("contents")
        except (OSError, ValueError, AttributeError):
            return {}
        return contents if isinstance(contents, dict) else {}

    # -- files ---------------------------------------------------------------------------------------------
    def put(self, path: str, data: bytes) -> str:
        """Write bytes at `path`; returns their base64 md5."""
        md5 = _b64(_md5_hex(data))
        if self._already(path, md5):
            return md5
        dest = self._dest(path)
        with open(dest + ".tmp", "wb") as f:
            f.write(data)
        os.replace(dest + ".tmp", dest)
        self.written[path] = (md5, len(data))
        return md5

    def copy(self, path: str, local: str, md5_hex: str, size: int) -> None:
        if self._already(path, _b64(md5_hex)):
            return
        dest = self._dest(path)
        shutil.copyfile(local, dest + ".tmp")
        os.replace(dest + ".tmp", dest)
        self.written[path] = (_b64(md5_hex), size)

    def _already(self, path: str, md5: str) -> bool:
        check_logical_path(path)
        if path in self.written:
            if self.written[path][0] != md5:
                raise ValueError(f"two different files would both be written at {path!r}; rename one of them")
            return True
        return False

    def _dest(self, path: str) -> str:
        dest = _local(self.root, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        return dest

    def ref(self, path: str, entry: Entry) -> None:
        """A file whose bytes are not here: listed in the manifest as a reference, as W&B does."""
        if not entry.ref:
            raise CorruptFileError(f"the bytes of {path!r} are missing ({entry.local_path!r}) and it is not a "
                                   "reference; the artifact cannot be exported")
        old = self._old.get(path) if isinstance(self._old.get(path), dict) else {}
        self.refs[path] = {"digest": old.get("digest") or entry.digest, "ref": entry.ref,
                           "size": old.get("size", entry.size)}

    # -- the pass ------------------------------------------------------------------------------------------
    def run(self) -> None:
        files = self.art.files()
        for p in files:
            if p.endswith(_PARQUET):
                self.table(p)
        for p in files:
            if p.endswith(_JOINED):
                self.joined(p)
            elif p.endswith(_IMAGE):
                self.image_file(p)
        for p in files:
            if p not in self.consumed:
                self.other(p)
        contents: dict[str, Any] = {p: {"digest": d, "size": s} for p, (d, s) in self.written.items()}
        contents.update({p: e for p, e in self.refs.items() if p not in contents})
        manifest = {"contents": dict(sorted(contents.items())), "storagePolicy": "wandb-storage-policy-v1",
                    "storagePolicyConfig": {"storageLayout": "V2"}, "version": 1}
        dest = self._dest(MANIFEST)
        with open(dest + ".tmp", "wb") as f:
            f.write(_dumps(manifest))
        os.replace(dest + ".tmp", dest)

    def other(self, path: str) -> None:
        entry = self.art.get_path(path)
        if os.path.isfile(entry.local_path):
            _, md5, size = _hash_file(entry.local_path)
            self.copy(path, entry.local_path, md5, size)
        else:
            self.ref(path, entry)

    def table(self, path: str) -> None:
        table = self.art.get(path)
        arrow = table.to_arrow()
        meta = read_meta(arrow.schema, path)
        columns = list(arrow.column_names)
        base = path[: -len(_PARQUET)]
        cells: list[list[Any]] = []
        type_map: dict[str, Any] = {}
        for j, (name, cmeta) in enumerate(zip(columns, meta["columns"])):
            col_cells, type_map[name] = self.column(base, name, arrow.column(j), cmeta)
            cells.append(col_cells)
        rows = [list(r) for r in zip(*cells)] if cells else [[] for _ in range(arrow.num_rows)]
        obj = {"_type": "table", "column_types": {"params": {"type_map": type_map}, "wb_type": "typedDict"},
               "columns": columns, "data": rows, "log_mode": "IMMUTABLE", "ncols": len(columns),
               "nrows": len(rows)}
        out = base + _TABLE
        self.put(out, _dumps(obj))
        self.tables[path] = out
        self.consumed.add(path)

    def column(self, table: str, name: str, col: pa.ChunkedArray, cmeta: dict[str, Any]) -> tuple[list[Any], Any]:
        kind = cmeta["kind"]
        if kind == "image":
            records = col.to_pylist()
            images = decode_column(col, cmeta, self.source)
            out = [None if r is None else self.image_cell(r, img) for r, img in zip(records, images)]
            return out, _optional(_image_type([i for i in images if i is not None]))
        values = decode_column(col, cmeta, self.source)
        if kind == "ndarray":
            return self.ndarray_column(table, name, values)
        cells = [_json_value(v) for v in values]
        scalar = {"bool": "boolean", "int": "number", "float": "number", "str": "string", "datetime": "timestamp",
                  "null": "unknown"}.get(kind)
        if scalar is not None:
            return cells, _optional({"wb_type": scalar})
        return cells, _optional(_merge_all(_type_of(v) for v in values if v is not None))

    def ndarray_column(self, table: str, name: str, arrays: list[Any]) -> tuple[list[Any], Any]:
        present = [a for a in arrays if a is not None]
        shapes = {a.shape for a in present}
        if present and len(present) == len(arrays) and len(shapes) == 1:
            shape = list(next(iter(shapes)))
            if not (len(shape) == 1 and shape[0] <= _MAX_INLINE_ARRAY):
                stacked = np.stack(present)
                buf = io.BytesIO()
                np.savez_compressed(buf, **{name: stacked})
                ident = _md5_hex(stacked.tobytes() + f"{stacked.dtype}{stacked.shape}".encode())[:8]
                npz = f"media/serialized_data/{_safe_file_name(name)}_{ident}.npz"
                self.put(npz, buf.getvalue())
                t = {"params": {"serialization_path": {"key": name, "path": npz}, "shape": shape},
                     "wb_type": "ndarray"}
                return [None] * len(arrays), _optional(t)
        # 1-D arrays up to 150 long inline, as the SDK; ragged or optional columns too (an .npz cannot hold them
        # without pickling). The ndarray type (rather than W&B's list type) tells a reader they are arrays.
        types = [{"params": {"serialization_path": None, "shape": list(s)}, "wb_type": "ndarray"}
                 for s in sorted(shapes)]
        return [None if a is None else _json_value(a.tolist()) for a in arrays], _optional(_merge_all(types))

    # -- media ---------------------------------------------------------------------------------------------
    def media(self, path: str, kind: str) -> tuple[str, str] | None:
        """Copy a media file under its W&B name; (W&B path, sha256), or None when its bytes are not here."""
        entry = self.art.get_path(path)
        local = entry.local_path
        if not os.path.isfile(local):
            self.ref(path, entry)
            return None
        if local not in self._media:
            sha, md5, size = _hash_file(local)
            if kind == "mask":
                dest = f"media/images/mask/{md5[:20]}.mask.png"
            elif path.lower().endswith(".png"):
                dest = f"media/images/{md5[:20]}.png"  # made from pixels: named by md5, as the SDK
            else:
                dest = f"media/images/{sha[:20]}/{path.rsplit('/', 1)[-1]}"  # made from a file: keeps its name
            self.copy(dest, local, md5, size)
            self._media[local] = (dest, sha)
        return self._media[local]

    def image_cell(self, rec: dict[str, Any], img: Image) -> dict[str, Any]:
        self.consumed.add(rec["path"])
        written = self.media(rec["path"], "image")
        path, sha = written if written is not None else (rec["path"], rec["digest"])
        name = path.rsplit("/", 1)[-1]
        fmt = name.rsplit(".", 1)[-1].lower() if "." in name else (rec.get("format") or "png")
        cell: dict[str, Any] = {"_type": "image-file", "format": fmt,
                                "height": int(rec["height"] or 0), "path": path, "sha256": sha,
                                "width": int(rec["width"] or 0)}
        if img.caption is not None:
            cell["caption"] = img.caption
        if img._box_layers:
            cell["boxes"] = img.boxes
        if img._mask_layers:
            masks = {}
            for layer, m in (rec.get("masks") or {}).items():
                if m is None:
                    continue
                self.consumed.add(m["path"])
                written = self.media(m["path"], "mask")
                mpath, msha = written if written is not None else (m["path"], m["digest"])
                masks[layer] = {"_type": "mask", "path": mpath, "sha256": msha}
            cell["masks"] = masks
        classes = img.classes
        if classes is None and (img._box_layers or img._mask_layers):
            classes = _default_classes(img)  # the layout requires classes with boxes or masks
        if rec.get("classes"):
            self.consumed.add(rec["classes"])
        if classes is not None:
            cpath, digest = self.classes(classes)
            cell["classes"] = {"digest": digest, "path": cpath, "type": "classes-file"}
        return cell

    def classes(self, classes: Classes) -> tuple[str, str]:
        class_set = classes.class_set
        data = _dumps({"_type": "classes", "class_set": class_set})
        if data not in self._classes:
            path = f"media/classes/{_md5_hex(str(class_set).encode())}_cls.classes.json"
            self._classes[data] = (path, self.put(path, data))
        return self._classes[data]

    def joined(self, path: str) -> None:
        try:
            with open(self.art.get_path(path).local_path, "rb") as f:
                obj = json.load(f)
            t1, t2 = (self.tables.get(check_logical_path(obj[k], f"{path}: {k}")) for k in ("table1", "table2"))
            key = obj["join_key"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CorruptFileError(f"joined table {path!r} cannot be read: {e}") from None
        if t1 is None or t2 is None:
            raise CorruptFileError(f"joined table {path!r} names a table the artifact does not hold")
        self.put(path, _dumps({"_type": "joined-table", "join_key": key, "table1": t1, "table2": t2}))
        self.consumed.add(path)

    def image_file(self, path: str) -> None:
        from .parquet import image_from_record

        try:
            with open(self.art.get_path(path).local_path, "rb") as f:
                rec = json.load(f)
            img = image_from_record(rec, self.source)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CorruptFileError(f"image file {path!r} cannot be read: {e}") from None
        self.put(path, _dumps(self.image_cell(rec, img)))
        self.consumed.add(path)


def _md5_hex(data: bytes) -> str:
    h = _md5()
    h.update(data)
    return h.hexdigest()


def _safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip(".") or "column"


def _default_classes(img: Image) -> Classes:
    """The class set the SDK makes when none is given: `class_<id>` for every id in the boxes and masks."""
    ids = {b["class_id"] for boxes in img._box_layers.values() for b in boxes}
    for m in img._mask_layers.values():
        with contextlib.suppress(OSError):  # a mask whose bytes are elsewhere: its ids are unknown here
            ids.update(int(x) for x in np.unique(m.array()))
    return Classes([{"id": i, "name": f"class_{i}"} for i in sorted(ids)])


def _ms(d: dt.date) -> int:
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    if d.tzinfo is not None:
        d = d.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (d - _EPOCH) // dt.timedelta(milliseconds=1)


def _json_value(v: Any) -> Any:
    """A cell as the SDK serialises it: NaN -> null, datetimes -> ms since 1970, numpy -> Python."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, (dt.datetime, dt.date)):
        return _ms(v)
    if isinstance(v, np.generic):
        return _json_value(v.item())
    if isinstance(v, np.ndarray):
        return _json_value(v.tolist())
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _json_value(x) for k, x in v.items()}
    raise TypeError(f"a cell of type {type(v).__name__} has no W&B form")


# -- column_types -------------------------------------------------------------------------------------------

_NONE = {"wb_type": "none"}


def _type_of(v: Any) -> dict[str, Any]:
    """The W&B type description of a value (`wandb.sdk.data_types._dtypes.TypeRegistry.type_of`)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return _NONE
    if isinstance(v, (bool, np.bool_)):
        return {"wb_type": "boolean"}
    if isinstance(v, (int, float, np.integer, np.floating)):
        return {"wb_type": "number"}
    if isinstance(v, str):
        return {"wb_type": "string"}
    if isinstance(v, (dt.datetime, dt.date)):
        return {"wb_type": "timestamp"}
    if isinstance(v, np.ndarray):
        return {"params": {"serialization_path": None, "shape": list(v.shape)}, "wb_type": "ndarray"}
    if isinstance(v, (list, tuple)):
        element = _merge_all(_type_of(x) for x in v)
        return {"params": {"element_type": element, "length": len(v)}, "wb_type": "list"}
    if isinstance(v, Mapping) and not isinstance(v.get("_type"), str):
        return {"params": {"type_map": {str(k): _type_of(x) for k, x in v.items()}}, "wb_type": "typedDict"}
    return {"wb_type": "any"}  # media kept as dicts, and anything else: accepts every value


def _members(t: dict[str, Any]) -> list[dict[str, Any]]:
    return list(t["params"]["allowed_types"]) if t.get("wb_type") == "union" else [t]


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The least type that accepts the values of both (W&B widens to a union; lists and dicts merge inside)."""
    if a == b or b.get("wb_type") == "unknown":
        return a
    if a.get("wb_type") == "unknown":
        return b
    wa, wb = a.get("wb_type"), b.get("wb_type")
    if wa == wb == "list":
        pa_, pb = a["params"], b["params"]
        return {"params": {"element_type": _merge(pa_["element_type"], pb["element_type"]),
                           "length": pa_["length"] if pa_["length"] == pb["length"] else None}, "wb_type": "list"}
    if wa == wb == "typedDict":
        ma, mb = a["params"]["type_map"], b["params"]["type_map"]
        merged = {k: _merge(ma.get(k, _NONE), mb.get(k, _NONE)) for k in {**ma, **mb}}
        return {"params": {"type_map": merged}, "wb_type": "typedDict"}
    members: list[dict[str, Any]] = []
    for m in _members(a) + _members(b):
        same = next((i for i, x in enumerate(members) if x.get("wb_type") == m.get("wb_type")
                     and m.get("wb_type") in ("list", "typedDict")), None)
        if same is not None:
            members[same] = _merge(members[same], m)
        elif m not in members:
            members.append(m)
    if any(m.get("wb_type") == "any" for m in members):
        members = [m for m in members if m.get("wb_type") in ("any", "none")]
    if len(members) == 1:
        return members[0]
    return {"params": {"allowed_types": sorted(members, key=_type_repr)}, "wb_type": "union"}


def _merge_all(types: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"wb_type": "unknown"}
    for t in types:
        out = _merge(out, t)
    return out


def _optional(t: dict[str, Any]) -> dict[str, Any]:
    """`union[none, t]`: the SDK makes every column optional."""
    members = [m for m in _members(t) if m != _NONE] or [{"wb_type": "unknown"}]
    return {"params": {"allowed_types": sorted([_NONE, *members], key=_type_repr)}, "wb_type": "union"}


def _type_repr(t: dict[str, Any]) -> str:
    """Approximately `str(Type)`, the key the SDK sorts union members by."""
    wb = str(t.get("wb_type", ""))
    p = t.get("params") or {}
    if wb == "list":
        return _type_repr(p.get("element_type", {})) + "[]"
    if wb == "typedDict":
        return "{" + ", ".join(f"'{k}': {_type_repr(v)}" for k, v in p.get("type_map", {}).items()) + "}"
    if wb == "union":
        return " or ".join(_type_repr(x) for x in p.get("allowed_types", []))
    if wb == "none":
        return "None"
    return wb.capitalize() + (f"({json.dumps(p, sort_keys=True)})" if p else "")


def _image_type(images: list[Image]) -> dict[str, Any]:
    """The `image-file` column type: box and mask layers, score keys and class names seen in the column."""
    box_layers: dict[str, set[int]] = {}
    mask_layers: dict[str, set[int]] = {}
    score_keys: set[str] = set()
    class_map: dict[str, str] = {}
    for img in images:
        for layer, boxes in img._box_layers.items():
            box_layers.setdefault(layer, set()).update(b["class_id"] for b in boxes)
            score_keys.update(k for b in boxes for k in b.get("scores", {}))
        for layer in img._mask_layers:
            mask_layers.setdefault(layer, set())
        if img.classes is not None:
            class_map.update({str(e["id"]): e["name"] for e in img.classes.class_set})

    def const(val: Any, is_set: bool = False) -> dict[str, Any]:
        return {"params": {"is_set": is_set, "val": val}, "wb_type": "const"}

    return {"params": {"box_layers": const({k: sorted(v) for k, v in box_layers.items()}),
                       "box_score_keys": const(sorted(score_keys), True),
                       "class_map": const(class_map),
                       "mask_layers": const({k: sorted(v) for k, v in mask_layers.items()})},
            "wb_type": "image-file"}
