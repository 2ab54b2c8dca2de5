"""In the Explorer a damaged image is an explained placeholder (the rest of the page still shows) and a damaged
table a clear error — never different data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tablelens as tl
from tablelens._core.errors import DamagedObjectError


class _Browser:
    """Sends the Explorer the messages a browser would and keeps its answers (its `send` replaced)."""

    def __init__(self, ex: Any) -> None:
        self.ex, self.sent, self.n = ex, [], 0
        ex.send = lambda msg, buffers=None: self.sent.append((msg, list(buffers or [])))

    def ask(self, msg: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        self.n += 1
        self.ex._on_custom(self.ex, {**msg, "id": self.n}, [])
        self.ex._wait(60)
        return next((m, b) for m, b in self.sent if m.get("id") == self.n)


def _log(run: Any) -> tl.Artifact:
    art = tl.Artifact("pics", "dataset")
    art.add(tl.Table(columns=["id", "img"], data=[[i, tl.Image(np.full((10, 12, 3), 50 * i, np.uint8))]
                                                  for i in range(3)]), "t")
    run.log_artifact(art)
    return art


def test_a_damaged_image_is_an_explained_placeholder(run: Any) -> None:
    art = _log(run)
    victim = sorted(p for p in art.manifest if p.startswith("media/images/"))[0]
    obj = Path(run.store.object_path(art.manifest[victim]["digest"]))
    data = bytearray(obj.read_bytes())
    data[-20] ^= 0xFF
    obj.write_bytes(bytes(data))
    ex = tl.Explorer("pics:v0")
    try:
        ex._wait(60)
        browser = _Browser(ex)
        rows, _ = browser.ask({"type": "rows", "result_version": ex.result_version, "offset": 0, "limit": 50})
        images = [r["cells"]["img"]["$image"] for r in rows["rows"]]
        damaged = [im for im in images if im.get("error")]
        assert len(damaged) == 1 and "damaged" in damaged[0]["error"] and victim in damaged[0]["error"]
        answer, buffers = browser.ask({"type": "thumbs", "items": [{"key": im["key"], "size": 24} for im in images]})
        errors = [it for it in answer["items"] if "error" in it]
        assert len(errors) == 1 and "damaged" in errors[0]["error"] and len(buffers) == 2  # the others still show
    finally:
        ex.close()


def test_a_damaged_table_is_a_clear_error(run: Any) -> None:
    art = _log(run)
    obj = Path(run.store.object_path(art.manifest["t.table.parquet"]["digest"]))
    data = bytearray(obj.read_bytes())
    data[len(data) // 3] ^= 0x01
    obj.write_bytes(bytes(data))
    with pytest.raises(DamagedObjectError, match=r"'t\.table\.parquet' of artifact pics:v0 is damaged"):
        tl.Explorer("pics:v0")
    with pytest.raises(DamagedObjectError):
        tl.query("pics:v0").num_rows  # noqa: B018


def test_comparing_with_a_damaged_version_is_shown_beside_the_compare_control(run: Any) -> None:
    _log(run)
    art = tl.Artifact("pics", "dataset")
    art.add(tl.Table(columns=["id", "img"], data=[[i, None] for i in range(3)]), "t")
    run.log_artifact(art)
    obj = Path(run.store.object_path(art.manifest["t.table.parquet"]["digest"]))
    obj.write_bytes(obj.read_bytes()[:-1])
    ex = tl.Explorer("pics:v0")
    try:
        ex._wait(60)
        ex.compare = "pics:v1"
        ex._wait(60)
        assert ex.error["control"] == "compare" and "damaged" in ex.error["message"]
    finally:
        ex.close()
