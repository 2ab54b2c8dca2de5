"""Fixtures of the integrity tests: a store holding every kind of stored object, and what reads back from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _kinds import build_artifact, read_everything

import tablelens as tl


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with `ds:v0` (alias `best`) built by `build_artifact`, what reads back from it, and the stored file
    of each kind with its logical path and digest."""
    d = tmp_path_factory.mktemp("every-kind") / "store"
    run = tl.init(dir=str(d))
    art = build_artifact()
    run.log_artifact(art, aliases=["best"])
    run.finish()
    store = tl.Store(d)
    manifest = art.manifest

    def obj(pred: Any) -> tuple[Path, str, str]:
        path = next(p for p in sorted(manifest) if pred(p))
        digest = manifest[path]["digest"]
        return Path(store.object_path(digest)), path, digest

    files = {
        "table": obj(lambda p: p == "t.table.parquet"),
        "image": obj(lambda p: p.startswith("media/images/") and "/mask/" not in p),
        "mask": obj(lambda p: p.startswith("media/images/mask/")),
        "classes": obj(lambda p: p.startswith("media/classes/")),
        "joined": obj(lambda p: p == "j.joined-table.json"),
        "image-file": obj(lambda p: p == "single.image-file.json"),
        "classes-file": obj(lambda p: p == "cls.classes.json"),
        "manifest": (d / "artifacts" / "ds" / "v0.json", None, None),
        "alias": (d / "artifacts" / "ds" / "aliases" / "best.json", None, None),
    }
    paths: dict[str, set[str]] = {}
    for p, e in manifest.items():
        paths.setdefault(e["digest"], set()).add(p)
    return {"dir": d, "files": files, "paths": paths, "expected": read_everything(d, "ds:best")}
