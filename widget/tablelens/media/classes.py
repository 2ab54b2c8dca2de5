"""`Classes`: the mapping from class id to name (and optional color) shared by the images of a table."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["INT64_MAX", "INT64_MIN", "Classes"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class Classes:
    """A class set, as in W&B: `Classes([{"id": 0, "name": "road"}, {"id": 1, "name": "car", "color": "#ff0000"}])`."""

    def __init__(self, class_set: Iterable[Mapping[str, Any]]) -> None:
        if isinstance(class_set, Classes):
            class_set = class_set.class_set
        if isinstance(class_set, (str, bytes)) or not isinstance(class_set, Iterable):
            raise TypeError("Classes takes a list of {'id': int, 'name': str} dicts")
        entries: list[dict[str, Any]] = []
        seen: set[int] = set()
        for i, entry in enumerate(class_set):
            if not isinstance(entry, Mapping):
                raise TypeError(f"Classes entry {i} must be a dict with 'id' and 'name', got {entry!r}")
            cid = entry.get("id")
            if isinstance(cid, bool) or (not isinstance(cid, int) and not _is_integral(cid)):
                raise ValueError(f"Classes entry {i}: 'id' must be an integer, got {cid!r}")
            cid = int(cid)  # type: ignore[arg-type]
            if not INT64_MIN <= cid <= INT64_MAX:
                raise ValueError(f"Classes entry {i}: 'id' {cid} does not fit in 64 bits; class ids are int64")
            if cid in seen:
                raise ValueError(f"Classes entry {i}: id {cid} appears twice; give each class its own id")
            seen.add(cid)
            name = entry.get("name")
            if not isinstance(name, str):
                raise ValueError(f"Classes entry {i} (id {cid}): 'name' must be a string, got {name!r}")
            clean: dict[str, Any] = {"id": cid, "name": name}
            color = entry.get("color")
            if color is not None:
                if not isinstance(color, str) or not _COLOR.match(color):
                    raise ValueError(f"Classes entry {i} (id {cid}): 'color' must look like '#ff0000', got {color!r}")
                clean["color"] = color.lower()
            entries.append(clean)
        self._entries = entries

    @property
    def class_set(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self._entries]

    def name(self, class_id: int) -> str | None:
        for e in self._entries:
            if e["id"] == class_id:
                return e["name"]
        return None

    def ids(self) -> list[int]:
        return [e["id"] for e in self._entries]

    def to_json(self) -> dict[str, Any]:
        return {"_type": "classes", "class_set": self.class_set}

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Classes:
        if not isinstance(obj, Mapping) or "class_set" not in obj:
            raise ValueError("a classes file holds {'_type': 'classes', 'class_set': [...]}")
        return cls(obj["class_set"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Classes):
            return NotImplemented
        return sorted(self._entries, key=lambda e: e["id"]) == sorted(other._entries, key=lambda e: e["id"])

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self.class_set)

    def __repr__(self) -> str:
        return f"Classes({self._entries!r})"


def _is_integral(x: object) -> bool:
    try:
        import numpy as np

        return isinstance(x, np.integer)
    except ImportError:  # pragma: no cover
        return False
