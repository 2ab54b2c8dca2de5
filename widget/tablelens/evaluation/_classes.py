"""The classes of an evaluation: ids (dense indices in id order), names, colours, and the ids no class set names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["NONE", "ClassInfo", "class_info"]

#: the confusion matrices' row and column of boxes (or pixels, rows) without a partner
NONE = "none"


@dataclass
class ClassInfo:
    """`ids[k]` is the class id of dense index k (ids sorted); `names[k]` its unique display name."""

    ids: np.ndarray
    names: list[str]
    colors: list[str | None]
    unknown: list[int] = field(default_factory=list)  # ids found in boxes but missing from the class set

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, ids)

    def entries(self) -> list[dict[str, Any]]:
        out = []
        for cid, name, color in zip(self.ids.tolist(), self.names, self.colors):
            e: dict[str, Any] = {"id": cid, "name": name}
            if color:
                e["color"] = color
            out.append(e)
        return out


def class_info(class_sets: Sequence[Sequence[Mapping[str, Any]] | None], seen: Iterable[int]) -> ClassInfo:
    """Classes from the class sets of the evaluated columns (the first naming an id wins) and every id seen in
    the data; ids that no class set names are evaluated too, named `class N`, and listed in `unknown`."""
    names: dict[int, str] = {}
    colors: dict[int, str | None] = {}
    any_set = False
    for cs in class_sets:
        if not cs:
            continue
        any_set = True
        for c in cs:
            cid = int(c["id"])
            if cid not in names:
                names[cid] = str(c.get("name", f"class {cid}"))
                colors[cid] = c.get("color")
    seen_ids = {int(x) for x in seen}
    unknown = sorted(seen_ids - set(names)) if any_set else []
    ids = np.array(sorted(set(names) | seen_ids), dtype=np.int64)
    labels = [names.get(int(i), f"class {int(i)}") for i in ids]
    # names must tell classes apart (and never be taken for the "none" of a confusion matrix)
    counts: dict[str, int] = {}
    for n in labels:
        counts[n] = counts.get(n, 0) + 1
    labels = [f"{n} ({int(i)})" if counts[n] > 1 or n == NONE else n for n, i in zip(labels, ids)]
    return ClassInfo(ids, labels, [colors.get(int(i)) for i in ids], unknown)
