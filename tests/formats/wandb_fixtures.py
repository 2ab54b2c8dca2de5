"""Write folders in the W&B artifact layout, as the wandb SDK stages them (`docs/wandb-table-format.md`).

The wandb package cannot be installed here, so these helpers follow the format document byte for byte: JSON as
`json.dumps(obj, sort_keys=True)`, NaN as null and infinities as bare `Infinity` tokens, md5-based media names,
classes files named by the md5 of `str(class_set)`, 8-bit mask PNGs, `.npz` ndarray columns, joined and
partitioned tables and a `wandb_manifest.json` (base64 md5 digests, sizes, `ref` entries). They share no code
with `tablelens.interop.wandb`, so reading them tests the reader against the document rather than against itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

__all__ = ["WandbDir", "b64_md5", "md5_hex", "sha256_hex"]


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def b64_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _friendly(v: Any) -> Any:
    """What the SDK's `_json_helper` makes of a cell: numpy -> Python, NaN -> None, datetimes -> ms since 1970."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.timezone.utc)
        return int(v.timestamp() * 1000)
    if isinstance(v, np.ndarray):
        return _friendly(v.tolist())
    if isinstance(v, list):
        return [_friendly(x) for x in v]
    if isinstance(v, dict):
        return {k: _friendly(x) for k, x in v.items()}
    return v


def _type_of(v: Any) -> dict[str, Any]:
    """A small `TypeRegistry.type_of`: enough for the column_types of the fixtures."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return {"wb_type": "none"}
    if isinstance(v, bool):
        return {"wb_type": "boolean"}
    if isinstance(v, (int, float)):
        return {"wb_type": "number"}
    if isinstance(v, str):
        return {"wb_type": "string"}
    if isinstance(v, dt.datetime):
        return {"wb_type": "timestamp"}
    if isinstance(v, list):
        elem = _type_of(v[0]) if v else {"wb_type": "unknown"}
        return {"params": {"element_type": elem, "length": len(v)}, "wb_type": "list"}
    if isinstance(v, dict) and v.get("_type") == "image-file":
        return {"wb_type": "image-file"}  # filled in by WandbDir._image_type
    if isinstance(v, dict) and "_type" in v:
        return {"wb_type": v["_type"]}
    if isinstance(v, dict):
        return {"params": {"type_map": {k: _type_of(x) for k, x in v.items()}}, "wb_type": "typedDict"}
    return {"params": {"class_name": type(v).__name__}, "wb_type": "pythonObject"}


def _repr(t: dict[str, Any]) -> str:
    return "None" if t["wb_type"] == "none" else t["wb_type"].capitalize()


def _optional(types: list[dict[str, Any]]) -> dict[str, Any]:
    members: list[dict[str, Any]] = [{"wb_type": "none"}]
    for t in types:
        if t not in members:
            members.append(t)
    if len(members) == 1:
        members.append({"wb_type": "unknown"})
    return {"params": {"allowed_types": sorted(members, key=_repr)}, "wb_type": "union"}


class WandbDir:
    """A folder being staged as the SDK would: add media and tables, then `manifest()`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, bytes] = {}
        self.refs: dict[str, dict[str, Any]] = {}

    # -- files ---------------------------------------------------------------------------------------------
    def write(self, path: str, data: bytes) -> str:
        dest = self.root / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        self.files[path] = data
        return path

    def write_json(self, path: str, obj: Any) -> str:
        return self.write(path, json.dumps(obj, sort_keys=True).encode())

    def add_tmp(self, folder: str, suffix: str, data: bytes) -> str:
        """`artifact.add_file(tmp, is_tmp=True)`: the first part of the name becomes the md5's first 20 hex."""
        return self.write(f"{folder}/{md5_hex(data)[:20]}{suffix}", data)

    def ref(self, path: str, ref: str, size: int = 0, digest: str = "9tGgpd2DYsvWqTvzIAqqRw==") -> None:
        """A manifest entry pointing into another artifact; its bytes are not written."""
        self.refs[path] = {"digest": digest, "ref": ref, "size": size}

    def manifest(self) -> str:
        contents: dict[str, Any] = {p: {"digest": b64_md5(d), "size": len(d)} for p, d in self.files.items()}
        contents.update(self.refs)
        return self.write_json("wandb_manifest.json", {
            "contents": contents, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"}, "version": 1})

    # -- media ---------------------------------------------------------------------------------------------
    def classes(self, class_set: list[dict[str, Any]]) -> dict[str, Any]:
        data = json.dumps({"_type": "classes", "class_set": class_set}, sort_keys=True).encode()
        path = self.write(f"media/classes/{md5_hex(str(class_set).encode())}_cls.classes.json", data)
        return {"digest": b64_md5(data), "path": path, "type": "classes-file"}

    def mask(self, array: np.ndarray) -> dict[str, Any]:
        buf = io.BytesIO()
        PILImage.fromarray(array.astype(np.uint8), mode="L").save(buf, format="PNG")
        data = buf.getvalue()
        return {"_type": "mask", "path": self.add_tmp("media/images/mask", ".mask.png", data),
                "sha256": sha256_hex(data)}

    def image(self, data: np.ndarray | str | os.PathLike[str], caption: str | None = None,
              boxes: dict[str, list[dict[str, Any]]] | None = None, masks: dict[str, np.ndarray] | None = None,
              classes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """An image cell; arrays become PNGs named by md5, files keep their name under their sha256."""
        if isinstance(data, np.ndarray):
            buf = io.BytesIO()
            PILImage.fromarray(data).save(buf, format="PNG")
            raw = buf.getvalue()
            path, fmt = self.add_tmp("media/images", ".png", raw), "png"
        else:
            raw = Path(data).read_bytes()
            sha = sha256_hex(raw)
            path = self.write(f"media/images/{sha[:20]}/{os.path.basename(data)}", raw)
            fmt = os.path.splitext(data)[1][1:]
        with PILImage.open(io.BytesIO(raw)) as im:
            width, height = im.size
        cell: dict[str, Any] = {"_type": "image-file", "format": fmt, "height": height, "path": path,
                                "sha256": sha256_hex(raw), "width": width}
        if caption:
            cell["caption"] = caption
        if boxes:
            cell["boxes"] = boxes
        if masks:
            cell["masks"] = {layer: self.mask(m) for layer, m in masks.items()}
        if classes is not None:
            cell["classes"] = self.classes(classes)
        return cell

    def other_media(self, kind: str, folder: str, suffix: str, data: bytes) -> dict[str, Any]:
        path = self.add_tmp(folder, suffix, data)
        return {"_type": kind, "path": path, "sha256": sha256_hex(data), "size": len(data)}

    # -- tables --------------------------------------------------------------------------------------------
    def table(self, name: str, columns: list[str], rows: list[list[Any]]) -> str:
        """`NAME.table.json`; ndarray columns other than 1-D <= 150 go to an .npz, their cells null."""
        data = [list(r) for r in rows]
        type_map: dict[str, Any] = {}
        for j, col in enumerate(columns):
            values = [r[j] for r in rows]
            arrays = [v for v in values if isinstance(v, np.ndarray)]
            if arrays:
                shape = list(arrays[0].shape)
                if len(shape) == 1 and shape[0] <= 150:
                    type_map[col] = _optional([{"params": {"element_type": {"wb_type": "number"},
                                                           "length": shape[0]}, "wb_type": "list"}])
                    continue
                buf = io.BytesIO()
                np.savez_compressed(buf, **{col: np.array(values)})
                npz = self.write(f"media/serialized_data/{col}_{md5_hex(buf.getvalue())[:8]}.npz", buf.getvalue())
                for r in data:
                    r[j] = None
                type_map[col] = _optional([{"params": {"serialization_path": {"key": col, "path": npz},
                                                       "shape": shape}, "wb_type": "ndarray"}])
                continue
            types = []
            for v in values:
                t = self._image_type(values) if isinstance(v, dict) and v.get("_type") == "image-file" else _type_of(v)
                if t["wb_type"] != "none" and t not in types:
                    types.append(t)
            type_map[col] = _optional(types)
        obj = {"_type": "table", "column_types": {"params": {"type_map": type_map}, "wb_type": "typedDict"},
               "columns": columns, "data": _friendly(data), "log_mode": "IMMUTABLE", "ncols": len(columns),
               "nrows": len(rows)}
        return self.write_json(f"{name}.table.json", obj)

    @staticmethod
    def _image_type(values: list[Any]) -> dict[str, Any]:
        cells = [v for v in values if isinstance(v, dict)]
        box_layers = {k: sorted({b.get("class_id", 0) for c in cells for b in c.get("boxes", {}).get(k, [])})
                      for c in cells for k in c.get("boxes", {})}
        scores = sorted({s for c in cells for bs in c.get("boxes", {}).values() for b in bs
                         for s in b.get("scores", {})})
        mask_layers = {k: [] for c in cells for k in c.get("masks", {})}

        def const(val: Any, is_set: bool = False) -> dict[str, Any]:
            return {"params": {"is_set": is_set, "val": val}, "wb_type": "const"}

        return {"params": {"box_layers": const(box_layers), "box_score_keys": const(scores, True),
                           "class_map": const({}), "mask_layers": const(mask_layers)}, "wb_type": "image-file"}

    def joined(self, name: str, table1: str, table2: str, join_key: str | list[str]) -> str:
        return self.write_json(f"{name}.joined-table.json", {"_type": "joined-table", "join_key": join_key,
                                                             "table1": table1, "table2": table2})

    def partitioned(self, name: str, parts_path: str, columns: list[str], parts: list[list[list[Any]]]) -> str:
        for i, rows in enumerate(parts):
            self.table(f"{parts_path}/{i}", columns, rows)
        return self.write_json(f"{name}.partitioned-table.json",
                               {"_type": "partitioned-table", "parts_path": parts_path})

    def image_file(self, name: str, cell: dict[str, Any]) -> str:
        """`artifact.add(image, NAME)`: the image's JSON on its own."""
        return self.write_json(f"{name}.image-file.json", cell)
