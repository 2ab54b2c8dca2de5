"""Reading the W&B layout (`docs/wandb-table-format.md`): a folder becomes an unlogged Artifact.

Every `NAME.table.json` is converted to the Parquet form at once, so queries and the Explorer work on tables
logged with W&B unchanged; media files stay where they are (the artifact's entries point at them, nothing is
copied). What maps to what, and what is lost, is in `docs/wandb-interop.md`.

A folder never pulls in other local files: a symbolic link (to a file or a folder) whose target leaves the
folder is refused when the folder is opened, and again when the artifact is logged or exported (its entries
record the folder, `Entry.root`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._core.errors import CorruptFileError, MissingMediaWarning, TablelensError
from ..._core.hashing import sha256_bytes
from ..._core.paths import check_inside, check_logical_path
from ...artifacts import Artifact, Entry, Staging
from ...codec import encode_columns, encode_values, stage_media_file
from ...media._mediafile import MediaFile
from ...media.classes import Classes
from ...media.image import Image, Mask, Pixels, validate_boxes
from ._common import (
    EPOCH,
    FORMATS,
    IMAGE,
    JOINED,
    MANIFEST,
    PARQUET,
    PARTITIONED,
    SHA256,
    TABLE,
    b64,
    hash_file,
    local_file,
)
from .media import kind_of, media_cell

__all__ = ["read_wandb_dir"]


def read_wandb_dir(path: str | os.PathLike[str], name: str | None = None, type: str = "dataset") -> Artifact:
    """Open a folder in the W&B layout as an unlogged Artifact whose tables are already in Parquet form.

    `name` defaults to the folder's name made safe (`my-data:v3` -> `my-data-v3`).
    """
    root = os.path.abspath(os.fspath(path))
    if not os.path.exists(root):
        raise FileNotFoundError(f"no folder {os.fspath(path)!r} to open")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"{os.fspath(path)!r} is a file; give the folder that holds the W&B artifact")
    art = Artifact(name or _folder_name(root), type)
    _Reader(root, art.staging).run()
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

    def add_media_file(self, file: MediaFile, folder: str) -> str:
        return self.paths.get(id(file)) or stage_media_file(self.staging, file, folder)


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
        self._media: dict[str, tuple[MediaFile, bool]] = {}

    # -- files ---------------------------------------------------------------------------------------------
    def local(self, path: str) -> str | None:
        local = local_file(self.root, path)
        if not os.path.lexists(local):
            return None
        check_inside(self.root, local, f"{path!r} in the folder")  # a link out of the folder is refused
        return local if os.path.isfile(local) else None

    def add(self, path: str) -> Entry:
        """Add the folder's file at `path` as it is, checking it against the manifest's md5 when listed."""
        local = self.local(path)
        if local is None:  # pragma: no cover - callers check first
            raise CorruptFileError(f"{path!r} is not in the folder")
        listed = self.manifest.get(path, {})
        if path not in self._digests:
            sha, md5, _ = hash_file(local)
            want = listed.get("digest")
            if want is not None and not listed.get("ref") and want != b64(md5):
                raise CorruptFileError(f"{path!r} does not match its digest in {MANIFEST} ({want}, the file has "
                                       f"{b64(md5)}); the file is damaged or was changed after the download")
            self._digests[path] = sha
        return self.staging.add_local_file(path, local, self._digests[path], ref=listed.get("ref"), root=self.root)

    def add_missing(self, path: str, sha_hint: Any, where: str) -> Entry:
        """An entry for a file whose bytes are not in the folder (a manifest reference, or a file left out of a
        partial copy): the table opens, that cell fails on use and the Explorer shows why."""
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
        digest = sha_hint if isinstance(sha_hint, str) and SHA256.match(sha_hint) else sha256_bytes(
            (ref or path).encode())
        size = listed.get("size") if isinstance(listed.get("size"), int) else 0
        return self.staging.add_reference(path, digest, size, local_file(self.root, path), ref)

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
        table_files = [p for p in files if p.endswith(TABLE)]
        parts: dict[str, list[str]] = {}
        for p in (p for p in files if p.endswith(PARTITIONED)):
            parts[p] = self.partition_parts(p, table_files)
        in_parts = {q for qs in parts.values() for q in qs}
        for p in table_files:
            if p not in in_parts:
                self.convert_table(p, [p])
        for p, qs in parts.items():
            self.convert_table(p, qs)
        for p in files:
            if p.endswith(JOINED):
                self.convert_joined(p)
            elif p.endswith(IMAGE):
                self.convert_image_file(p)
        for p in files:
            if p not in self.consumed and p not in self.staging.entries:
                self.add(p)
        for p, listed in self.manifest.items():
            if listed.get("ref") and p not in self.staging.entries and self.local(p) is None:
                self.add_missing(p, None, MANIFEST)

    def walk(self) -> list[str]:
        """Every file of the folder. Symbolic links must stay inside it; a link to a folder inside is not walked
        (its files are listed where they really are, and a link back up cannot loop)."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            for d in list(dirnames):
                full = os.path.join(dirpath, d)
                if os.path.islink(full):
                    check_inside(self.root, full, f"folder {self._rel(full)!r}")
                    dirnames.remove(d)
            dirnames.sort()
            for f in filenames:
                full = os.path.join(dirpath, f)
                rel = check_logical_path(self._rel(full), "file")
                if os.path.islink(full):
                    check_inside(self.root, full, f"{rel!r}")
                    if not os.path.exists(full):
                        raise CorruptFileError(f"{rel!r} is a symbolic link to {os.readlink(full)!r}, which does not "
                                               "exist or loops; remove it or put the file there")
                out.append(rel)
        return sorted(out)

    def _rel(self, full: str) -> str:
        return os.path.relpath(full, self.root).replace(os.sep, "/")

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
        base = path[: -len(TABLE)] if path.endswith(TABLE) else path[: -len(PARTITIONED)]
        out = base + PARQUET
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
            media = kind_of(kind)
            if media is not None:
                return self.media(where, media, v)
            if isinstance(kind, str) and isinstance(v.get("path"), str):
                check_logical_path(v["path"], f"{where}: {kind} path")
            return v
        if ctype.timestamp and isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                return EPOCH + dt.timedelta(milliseconds=v)
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

    def media(self, where: str, kind: str, v: dict[str, Any]) -> Any:
        """An audio, video, HTML, 3-D, Plotly or molecule cell over the folder's file (shared by every cell that
        names it)."""
        if not isinstance(v.get("path"), str):
            raise CorruptFileError(f"{where}: the {v.get('_type')} cell has no 'path'")
        path = check_logical_path(v["path"], f"{where}: {v.get('_type')} path")
        if path not in self._media:
            ext = _media_ext(path)
            local = self.local(path)
            if local is not None:
                file = MediaFile(ext=ext, path=local, digest=self.add(path).digest)
            else:
                entry = self.add_missing(path, v.get("sha256"), where)
                file = MediaFile(ext=ext, path=entry.local_path, digest=entry.digest, size=entry.size)
            self._media[path] = (file, local is not None)
            self.sink.paths[id(file)] = path
        file, present = self._media[path]
        return media_cell(kind, v, file, where, present)

    def pixels(self, where: str, path: str, v: dict[str, Any]) -> Pixels:
        if path in self._pixels:
            return self._pixels[path]
        fmt = v.get("format") if isinstance(v.get("format"), str) else os.path.splitext(path)[1].lstrip(".")
        fmt = FORMATS.get(fmt.lower(), fmt.lower()) or None
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


def _media_ext(path: str) -> str:
    """A media file's extension, with W&B's two-part ones (`.pts.json`, `.plotly.json`) kept whole."""
    name = path.rsplit("/", 1)[-1].lower()
    for two in ("pts.json", "plotly.json"):
        if name.endswith("." + two):
            return two
    return os.path.splitext(name)[1].lstrip(".")


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
