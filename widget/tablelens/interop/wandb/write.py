"""Writing the W&B layout: what the wandb SDK writes for an artifact's tables, media and manifest.

Sorted JSON keys, md5-based media names, `.npz` columns and a `wandb_manifest.json` (docs/wandb-interop.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import re
import shutil
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..._core.errors import CorruptFileError, TablelensError
from ..._core.paths import check_logical_path, new_folder
from ...artifacts import Artifact, Entry
from ...codec import MEDIA_KINDS, decode_column, image_from_record, read_meta
from ...media.classes import Classes
from ...media.image import Image
from ._common import (
    EPOCH,
    IMAGE,
    JOINED,
    MANIFEST,
    MAX_INLINE_ARRAY,
    PARQUET,
    TABLE,
    b64,
    dumps,
    hash_file,
    local_file,
    new_md5,
)
from .media import column_type, wandb_cell
from .types import image_type, merge_all, optional, type_of

__all__ = ["write_wandb_dir"]


def write_wandb_dir(artifact: Artifact, path: str | os.PathLike[str]) -> str:
    """Write the artifact to an empty (or new) folder in the W&B layout and return the folder.

    The files are written into a private folder beside it, renamed into place once complete: nothing is
    overwritten, nothing is written through a symbolic link, a failure leaves no half-written folder. Every
    file is read through the artifact's checked reads (`DamagedObjectError` for damaged bytes).
    """
    with new_folder(os.fspath(path), "export") as tmp:
        _Writer(artifact, tmp).run()
    return os.fspath(path)


class _Writer:
    def __init__(self, artifact: Artifact, root: str) -> None:
        self.art = artifact
        self.root = root
        self.source = artifact.media_source()
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
            with open(self.source.local_path(MANIFEST), "rb") as f:
                contents = json.load(f).get("contents")
        except TablelensError:
            raise
        except (OSError, ValueError, AttributeError):
            return {}
        return contents if isinstance(contents, dict) else {}

    # -- files ---------------------------------------------------------------------------------------------
    def put(self, path: str, data: bytes) -> str:
        """Write bytes at `path`; returns their base64 md5."""
        md5 = b64(_md5_hex(data))
        if self._already(path, md5):
            return md5
        dest = self._dest(path)
        with open(dest + ".tmp", "wb") as f:
            f.write(data)
        os.replace(dest + ".tmp", dest)
        self.written[path] = (md5, len(data))
        return md5

    def copy(self, path: str, local: str, md5_hex: str, size: int) -> None:
        if self._already(path, b64(md5_hex)):
            return
        dest = self._dest(path)
        shutil.copyfile(local, dest + ".tmp")
        os.replace(dest + ".tmp", dest)
        self.written[path] = (b64(md5_hex), size)

    def _already(self, path: str, md5: str) -> bool:
        check_logical_path(path)
        if path in self.written:
            if self.written[path][0] != md5:
                raise ValueError(f"two different files would both be written at {path!r}; rename one of them")
            return True
        return False

    def _dest(self, path: str) -> str:
        dest = local_file(self.root, path)
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
            if p.endswith(PARQUET):
                self.table(p)
        for p in files:
            if p.endswith(JOINED):
                self.joined(p)
            elif p.endswith(IMAGE):
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
            f.write(dumps(manifest))
        os.replace(dest + ".tmp", dest)

    def other(self, path: str) -> None:
        entry = self.art.get_path(path)
        if os.path.isfile(entry.local_path):
            local = self.source.local_path(path)  # checked: digest, and inside its folder
            _, md5, size = hash_file(local)
            self.copy(path, local, md5, size)
        else:
            self.ref(path, entry)

    def table(self, path: str) -> None:
        table = self.art.get(path)
        arrow = table.to_arrow()
        meta = read_meta(arrow.schema, path)
        columns = list(arrow.column_names)
        base = path[: -len(PARQUET)]
        cells: list[list[Any]] = []
        type_map: dict[str, Any] = {}
        for j, (name, cmeta) in enumerate(zip(columns, meta["columns"])):
            col_cells, type_map[name] = self.column(base, name, arrow.column(j), cmeta)
            cells.append(col_cells)
        rows = [list(r) for r in zip(*cells)] if cells else [[] for _ in range(arrow.num_rows)]
        obj = {"_type": "table", "column_types": {"params": {"type_map": type_map}, "wb_type": "typedDict"},
               "columns": columns, "data": rows, "log_mode": "IMMUTABLE", "ncols": len(columns),
               "nrows": len(rows)}
        out = base + TABLE
        self.put(out, dumps(obj))
        self.tables[path] = out
        self.consumed.update(self.art.table_files(base))  # an edited table's column files are in its cells now

    def column(self, table: str, name: str, col: pa.ChunkedArray, cmeta: dict[str, Any]) -> tuple[list[Any], Any]:
        kind = cmeta["kind"]
        if kind == "image":
            records = col.to_pylist()
            images = decode_column(col, cmeta, self.source)
            out = [None if r is None else self.image_cell(r, img) for r, img in zip(records, images)]
            return out, optional(image_type([i for i in images if i is not None]))
        if kind in MEDIA_KINDS:
            records = col.to_pylist()
            cells = decode_column(col, cmeta, self.source)
            return ([None if r is None else self.media_cell(kind, r, c) for r, c in zip(records, cells)],
                    optional(column_type(kind)))
        values = decode_column(col, cmeta, self.source)
        if kind == "ndarray":
            return self.ndarray_column(table, name, values)
        cells = [_json_value(v) for v in values]
        scalar = {"bool": "boolean", "int": "number", "float": "number", "str": "string", "datetime": "timestamp",
                  "null": "unknown"}.get(kind)
        if scalar is not None:
            return cells, optional({"wb_type": scalar})
        return cells, optional(merge_all(type_of(v) for v in values if v is not None))

    def ndarray_column(self, table: str, name: str, arrays: list[Any]) -> tuple[list[Any], Any]:
        present = [a for a in arrays if a is not None]
        shapes = {a.shape for a in present}
        if present and len(present) == len(arrays) and len(shapes) == 1:
            shape = list(next(iter(shapes)))
            if not (len(shape) == 1 and shape[0] <= MAX_INLINE_ARRAY):
                stacked = np.stack(present)
                buf = io.BytesIO()
                np.savez_compressed(buf, **{name: stacked})
                ident = _md5_hex(stacked.tobytes() + f"{stacked.dtype}{stacked.shape}".encode())[:8]
                npz = f"media/serialized_data/{_safe_file_name(name)}_{ident}.npz"
                self.put(npz, buf.getvalue())
                t = {"params": {"serialization_path": {"key": name, "path": npz}, "shape": shape},
                     "wb_type": "ndarray"}
                return [None] * len(arrays), optional(t)
        # 1-D arrays up to 150 long inline, as the SDK; ragged or optional columns too (an .npz cannot hold them
        # without pickling). The ndarray type (rather than W&B's list type) tells a reader they are arrays.
        types = [{"params": {"serialization_path": None, "shape": list(s)}, "wb_type": "ndarray"}
                 for s in sorted(shapes)]
        return [None if a is None else _json_value(a.tolist()) for a in arrays], optional(merge_all(types))

    # -- media ---------------------------------------------------------------------------------------------
    def media(self, path: str, kind: str) -> tuple[str, str] | None:
        """Copy a media file under its W&B name; (W&B path, sha256), or None when its bytes are not here."""
        entry = self.art.get_path(path)
        if not os.path.isfile(entry.local_path):
            self.ref(path, entry)
            return None
        local = self.source.local_path(path)  # checked: digest, and inside its folder
        if local not in self._media:
            sha, md5, size = hash_file(local)
            if kind == "mask":
                dest = f"media/images/mask/{md5[:20]}.mask.png"
            elif path.lower().endswith(".png"):
                dest = f"media/images/{md5[:20]}.png"  # made from pixels: named by md5, as the SDK
            else:
                dest = f"media/images/{sha[:20]}/{path.rsplit('/', 1)[-1]}"  # made from a file: keeps its name
            self.copy(dest, local, md5, size)
            self._media[local] = (dest, sha)
        return self._media[local]

    def media_cell(self, kind: str, rec: dict[str, Any], cell: Any) -> dict[str, Any]:
        """An audio, video, HTML, 3-D, Plotly or molecule cell: its file copied under its logical path (the W&B
        media folders), or listed as a reference when its bytes are elsewhere."""
        path = rec["path"]
        self.consumed.add(path)
        entry = self.art.get_path(path)
        if os.path.isfile(entry.local_path):
            if entry.local_path not in self._media:
                sha, md5, size = hash_file(entry.local_path)
                self.copy(path, entry.local_path, md5, size)
                self._media[entry.local_path] = (path, sha)
            path, sha = self._media[entry.local_path]
        else:
            self.ref(path, entry)
            sha = rec.get("digest") or entry.digest
        return wandb_cell(kind, path, sha, cell, rec)

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
        data = dumps({"_type": "classes", "class_set": class_set})
        if data not in self._classes:
            path = f"media/classes/{_md5_hex(str(class_set).encode())}_cls.classes.json"
            self._classes[data] = (path, self.put(path, data))
        return self._classes[data]

    def joined(self, path: str) -> None:
        try:
            with open(self.source.local_path(path), "rb") as f:
                obj = json.load(f)
            t1, t2 = (self.tables.get(check_logical_path(obj[k], f"{path}: {k}")) for k in ("table1", "table2"))
            key = obj["join_key"]
        except TablelensError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CorruptFileError(f"joined table {path!r} cannot be read: {e}") from None
        if t1 is None or t2 is None:
            raise CorruptFileError(f"joined table {path!r} names a table the artifact does not hold")
        self.put(path, dumps({"_type": "joined-table", "join_key": key, "table1": t1, "table2": t2}))
        self.consumed.add(path)

    def image_file(self, path: str) -> None:
        try:
            with open(self.source.local_path(path), "rb") as f:
                rec = json.load(f)
            img = image_from_record(rec, self.source)
        except TablelensError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CorruptFileError(f"image file {path!r} cannot be read: {e}") from None
        self.put(path, dumps(self.image_cell(rec, img)))
        self.consumed.add(path)


def _md5_hex(data: bytes) -> str:
    h = new_md5()
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
    return (d - EPOCH) // dt.timedelta(milliseconds=1)


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
