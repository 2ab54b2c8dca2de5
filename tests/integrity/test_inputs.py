"""Hostile input gets a typed error at the earliest point (`Image()`, `Table()`, `add_data`) naming the column, row
and field — and nothing that logs is unreadable: deep nesting is stored so it reads back, or refused at log."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

import tablelens as tl
from tablelens._core.errors import ImageTooLargeError


def _box(**over: Any) -> dict[str, Any]:
    box = {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5}, "class_id": 1}
    box.update(over)
    return box


def test_duplicate_dataframe_columns_are_named() -> None:
    df = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match="'a' appears more than once"):
        tl.Table(dataframe=df)
    with pytest.raises(ValueError, match="'1' appears more than once"):
        tl.Table(dataframe=pd.DataFrame([[1, 2]], columns=[1, "1"]))


def test_a_class_id_beyond_64_bits_is_refused_at_image() -> None:
    with pytest.raises(ValueError, match=r"boxes layer 'p', box 0: field 'class_id' .* 64 bits"):
        tl.Image(np.zeros((4, 4), np.uint8), boxes={"p": {"box_data": [_box(class_id=2**70)]}})
    with pytest.raises(ValueError, match=r"box 0: field 'position.maxX' is too large"):
        tl.Image(np.zeros((4, 4), np.uint8), boxes={"p": {"box_data": [_box(position={
            "minX": 0, "maxX": 10**400, "minY": 0, "maxY": 1})]}})
    with pytest.raises(ValueError, match="64 bits"):
        tl.Classes([{"id": -(2**64), "name": "x"}])
    ok = tl.Image(np.zeros((4, 4), np.uint8), boxes={"p": {"box_data": [_box(class_id=2**63 - 1)]}})
    assert ok.boxes["p"][0]["class_id"] == 2**63 - 1


def test_the_largest_class_id_round_trips(run: Any) -> None:
    img = tl.Image(np.zeros((4, 4), np.uint8), boxes={"p": {"box_data": [_box(class_id=2**63 - 1)]}})
    art = tl.Artifact("cid", "dataset")
    art.add(tl.Table(columns=["img"], data=[[img]]), "t")
    run.log_artifact(art)
    assert run.use_artifact("cid:v0").get("t").data[0][0].boxes["p"][0]["class_id"] == 2**63 - 1


def test_a_mask_of_another_size_than_its_image_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"masks layer 'gt': the mask is 3x5 .* the image is 4x6"):
        tl.Image(np.zeros((4, 6, 3), np.uint8), masks={"gt": {"mask_data": np.zeros((3, 5), np.uint8)}})
    f = tmp_path / "m.png"
    PILImage.fromarray(np.zeros((4, 7), np.uint8)).save(f)
    with pytest.raises(ValueError, match=r"masks layer 'gt': the mask is 4x7"):
        tl.Image(np.zeros((4, 6, 3), np.uint8), masks={"gt": {"path": str(f)}})
    base = tl.Image(np.zeros((4, 6, 3), np.uint8))
    with pytest.raises(ValueError, match="the image is 4x6"):
        tl.Image(base, masks={"gt": {"mask_data": np.zeros((6, 4), np.uint8)}})  # transposed
    assert tl.Image(base, masks={"gt": {"mask_data": np.zeros((4, 6), np.uint8)}}).masks["gt"].shape == (4, 6)


def test_random_bytes_named_png_are_refused_at_image(tmp_path: Path) -> None:
    f = tmp_path / "noise.png"
    f.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(ValueError, match=r"noise\.png.*not an image"):
        tl.Image(str(f))


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` (no pixel data: Pillow reads the size from the header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))


def test_an_image_too_large_to_decode_is_refused_at_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "huge.png"
    f.write_bytes(_png_header(20000, 20000))
    with pytest.raises(ImageTooLargeError, match=r"huge\.png.*MAX_IMAGE_PIXELS"):
        tl.Image(str(f))
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 100)  # arrays are held to the same limit
    with pytest.raises(ImageTooLargeError, match=r"20x20 .*400 pixels"):
        tl.Image(np.zeros((20, 20), np.uint8))


def test_to_numpy_beyond_the_limit_is_a_typed_error(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", None)  # logged by someone who raised the limit
    art = tl.Artifact("big", "dataset")
    art.add(tl.Table(columns=["img"], data=[[tl.Image(np.zeros((30, 30), np.uint8))]]), "t")
    run.log_artifact(art)
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 100)  # read where the default-like limit holds
    img = run.use_artifact("big:v0").get("t").data[0][0]
    with pytest.raises(ImageTooLargeError, match="too large to decode safely"):
        img.to_numpy()


def test_a_damaged_png_never_raises_a_raw_pillow_error(tmp_path: Path) -> None:
    f = tmp_path / "cut.png"
    PILImage.fromarray(np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(f)
    f.write_bytes(f.read_bytes()[:300])  # the header survives, the pixels do not
    img = tl.Image(str(f))  # accepted: its header is sound, and its bytes are stored as they are
    for use in (img.to_numpy, lambda: img.image, lambda: img == tl.Image(np.zeros((40, 40, 3), np.uint8))):
        with pytest.raises(tl.CorruptFileError, match=r"cut\.png.*cannot be decoded"):
            use()


def _nested(depth: int, kind: str) -> Any:
    v: Any = 1
    for i in range(depth):
        v = [v] if kind == "list" or (kind == "mix" and i % 2) else {"k": v}
    return v


@pytest.mark.parametrize(("kind", "depth"), [("list", 50), ("dict", 100), ("mix", 66), ("list", 33), ("dict", 33)])
def test_deep_values_that_log_read_back_everywhere(run: Any, tmp_path: Path, kind: str, depth: int) -> None:
    """Parquet readers refuse lists 50 deep and dicts 100 deep: such cells are stored as JSON text instead."""
    value = _nested(depth, kind)
    art = tl.Artifact("deep", "dataset")
    art.add(tl.Table(columns=["id", "v"], data=[[0, value], [1, None]]), "t")
    run.log_artifact(art)
    got = run.use_artifact("deep:latest")
    assert got.get("t").data == [[0, value], [1, None]]
    assert got.get("t").to_pandas()["v"][0] == value
    assert tl.query(got, table="t", filter={"$eq": ["$id", 0]}).to_pandas()["v"][0] == value
    assert tl.Artifact.from_dir(got.export(tmp_path / "wb")).get("t").data[0][1] == value


@pytest.mark.parametrize("depth", [101, 500, 5000])
def test_values_nested_too_deep_are_refused_naming_column_and_row(run: Any, depth: int) -> None:
    value = _nested(depth, "list")
    t = tl.Table(columns=["id", "v"], data=[[0, 1]])
    with pytest.raises(TypeError, match=r"column 'v', row 1: .*more than 100 levels"):
        t.add_data(1, value)
    t = tl.Table(columns=["id", "v"], data=[[0, [1]], [1, value]])
    with pytest.raises(TypeError, match=r"column 'v', row 1: .*more than 100 levels"):
        tl.Artifact("deep", "dataset").add(t, "t")
    mixed = tl.Table(columns=["v"], data=[[1], ["s"], [_nested(depth, "dict")]])
    with pytest.raises(TypeError, match=r"column 'v', row 2: .*more than 100 levels"):
        tl.Artifact("deep", "dataset").add(mixed, "t")
    df = pd.DataFrame({"v": pd.Series([[1], value], dtype=object)})
    with pytest.raises(TypeError, match=r"column 'v', row 1"):
        tl.Artifact("deep", "dataset").add(tl.Table(dataframe=df), "t")
    assert "deep" not in run.store.artifacts()
