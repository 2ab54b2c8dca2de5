"""Image cells made from file paths: each distinct file is read once per process, however many cells name it.

Reads are counted with an audit hook on `open` (every file open in Python raises that event), so the test sees
every read of the image files whatever code path makes it: hashing, sniffing the format, reading the size, the
store's copy at log time.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import tablelens as tl
from tablelens._core.hashing import sha256_file
from tablelens.media import _files

_opens: Counter[str] | None = None


def _hook(event: str, args: tuple) -> None:
    if event == "open" and _opens is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _opens[os.fsdecode(args[0])] += 1


sys.addaudithook(_hook)


@contextmanager
def counting_opens() -> Iterator[Counter[str]]:
    global _opens
    _opens = Counter()
    try:
        yield _opens
    finally:
        _opens = None


def write_jpegs(folder: Path, n: int) -> list[str]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        p = folder / f"img{i}.jpg"
        PILImage.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(p, quality=90)
        out.append(str(p))
    return out


BOXES = {"ground_truth": {"box_data": [{"position": {"minX": 1, "maxX": 9, "minY": 2, "maxY": 8},
                                        "domain": "pixel", "class_id": 1}]}}


def test_each_file_is_read_once_however_many_cells_name_it(tmp_path: Path, run) -> None:
    _files.forget()
    paths = write_jpegs(tmp_path, 3)
    time.sleep(_files.SETTLED_S + 0.1)  # a file written just now is read again on each use (see _files.py)
    with counting_opens() as opens:
        cells = [tl.Image(paths[i % 3], boxes=BOXES) for i in range(300)]
        art = tl.Artifact("by-path", "dataset")
        art.add(tl.Table(columns=["id", "image"], data=[[i, c] for i, c in enumerate(cells)]), "t")
        run.log_artifact(art)
    for p in paths:
        # one read to hash it (format and size come from the same bytes), one copy into the store
        assert opens[p] <= 2, f"{p} was opened {opens[p]} times for 100 cells"
    back = run.use_artifact("by-path:latest").get("t")
    stored = back.get_column("image")
    assert [img.digest for img in stored] == [sha256_file(paths[i % 3]) for i in range(300)]
    assert {(img.width, img.height) for img in stored} == {(32, 24)}
    assert stored[4].boxes == cells[4].boxes
    assert len({e.digest for p, e in art._entries.items() if p.startswith("media/images/")}) == 3


def test_a_changed_file_is_read_again(tmp_path: Path, run) -> None:
    _files.forget()
    (path,) = write_jpegs(tmp_path, 1)
    first = tl.Image(path)
    assert (first.width, first.height) == (32, 24)
    digest = first.digest
    PILImage.fromarray(np.zeros((10, 40, 3), np.uint8)).save(path, format="PNG")  # same name, new bytes
    second = tl.Image(path)
    assert second.digest == sha256_file(path) != digest
    assert (second.width, second.height, second.format) == (40, 10, "png")
    art = tl.Artifact("changed", "dataset")
    art.add(second, "img")
    run.log_artifact(art)
    assert run.use_artifact("changed:latest").get("img").digest == second.digest


def test_a_file_rewritten_within_the_same_tick_is_not_trusted(tmp_path: Path) -> None:
    """Same size, same mtime (set back by hand), new bytes: a file that had just changed was not remembered."""
    _files.forget()
    (path,) = write_jpegs(tmp_path, 1)
    st = os.stat(path)
    first = _files.file_sha256(path)
    data = bytearray(Path(path).read_bytes())
    data[-3] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _files.file_sha256(path) == sha256_file(path) != first


def test_a_file_that_is_not_an_image_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match=r"notes\.jpg"):
        _ = tl.Image(str(bad)).format
