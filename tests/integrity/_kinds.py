"""An artifact holding every kind of stored file, and a reader of everything a user can read from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import tablelens as tl


def build_artifact(seed: int = 0) -> tl.Artifact:
    """An artifact with every kind of file: a table with images (boxes, a mask, a class set), a joined table, a
    single image and a class set."""
    rng = np.random.default_rng(seed)
    classes = tl.Classes([{"id": 0, "name": "background"}, {"id": 1, "name": "car", "color": "#ff0000"}])
    rows = []
    for i in range(3):
        mask = np.zeros((12, 16), np.uint8)
        mask[2 + i:6 + i, 3:9] = 1
        img = tl.Image(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), caption=f"row {i}", classes=classes,
                       boxes={"pred": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.4 + i / 10, "minY": 0.2,
                                                                  "maxY": 0.5}, "class_id": 1,
                                                     "scores": {"conf": 0.5 + i / 10}}]}},
                       masks={"gt": {"mask_data": mask}})
        rows.append([i, f"name {i}", i / 4, {"k": [i, i + 1]}, img])
    table = tl.Table(columns=["id", "name", "score", "meta", "img"], data=rows)
    other = tl.Table(columns=["id", "label"], data=[[2, "b"], [0, "a"], [1, "c"]])
    art = tl.Artifact("ds", "dataset", description="every kind of file", metadata={"seed": seed})
    art.add(table, "t")
    art.add(tl.JoinedTable(table, other, "id"), "j")
    art.add(tl.Image(rng.integers(0, 256, (5, 7), dtype=np.uint8), caption="alone"), "single")
    art.add(classes, "cls")
    return art


def snapshot_image(img: tl.Image | None) -> Any:
    if img is None:
        return None
    return (img.to_numpy().tobytes(), img.width, img.height, img.caption, img.boxes,
            {k: m.tobytes() for k, m in img.masks.items()}, img.classes.class_set if img.classes else None)


def snapshot_table(t: tl.Table) -> Any:
    return [[snapshot_image(c) if isinstance(c, tl.Image) else c for c in r] for r in t.data]


def read_everything(store_dir: Path | str, spec: str, *, query: bool = True) -> dict[str, Any]:
    """Everything a user can read from the version, as plain data (pixels as bytes)."""
    art = tl.Store(store_dir).artifact(spec)
    out: dict[str, Any] = {"version": art.version, "metadata": art.metadata, "files": art.files()}
    out["t"] = snapshot_table(art.get("t"))
    j = art.get("j")
    out["j"] = (snapshot_table(j.table1), j.table2.data, j.join_key)
    out["single"] = snapshot_image(art.get("single"))
    out["cls"] = art.get("cls").class_set
    if query:
        out["query"] = tl.query(art, table="t", filter={"$gte": ["$id", 1]}).to_pandas()["name"].tolist()
    return out


