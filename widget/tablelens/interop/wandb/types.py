"""W&B column types (`column_types` of a table file): the type of a value, merged over a column as the SDK does."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ...media.image import Image

__all__ = ["image_type", "merge_all", "optional", "type_of"]

_NONE = {"wb_type": "none"}


def type_of(v: Any) -> dict[str, Any]:
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
        element = merge_all(type_of(x) for x in v)
        return {"params": {"element_type": element, "length": len(v)}, "wb_type": "list"}
    if isinstance(v, Mapping) and not isinstance(v.get("_type"), str):
        return {"params": {"type_map": {str(k): type_of(x) for k, x in v.items()}}, "wb_type": "typedDict"}
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


def merge_all(types: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"wb_type": "unknown"}
    for t in types:
        out = _merge(out, t)
    return out


def optional(t: dict[str, Any]) -> dict[str, Any]:
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


def image_type(images: list[Image]) -> dict[str, Any]:
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
