"""Thumbnails and mask PNGs: sizes, aspect, content-hash caching, bad files, and the page payload budget."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tablelens.media import thumbnails as th
from tablelens.media.thumbnails import (
    MaskError,
    MediaError,
    mask_png,
    masks,
    pack_items,
    thumbnail,
    thumbnails,
)


def realistic(w: int = 256, h: int = 256, seed: int = 0) -> Image.Image:
    """A photo-like image: smooth colour field, a few flat discs, texture and sensor noise (sigma 8)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (8, 8, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(w / 25, w / 4)
        base[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    tex = rng.normal(0, 40, (max(1, h // 2), max(1, w // 2), 3)) + 128
    tex_img = Image.fromarray(tex.clip(0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR)
    base += (np.asarray(tex_img).astype(np.float32) - 128) * 0.5
    base += rng.normal(0, 8, (h, w, 3))
    return Image.fromarray(base.clip(0, 255).astype(np.uint8))


def save(img: Image.Image, path: Path, **kw: object) -> str:
    img.save(path, **kw)
    return str(path)


@pytest.fixture
def cache(tmp_path: Path) -> str:
    return str(tmp_path / "cache")


def decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# --------------------------------------------------------------------------- sizes and formats


@pytest.mark.parametrize(
    ("src", "size", "want"),
    [
        ((640, 480), 256, (256, 192)),  # landscape: longest side = size, aspect kept
        ((300, 900), 128, (43, 128)),  # portrait
        ((100, 60), 256, (100, 60)),  # never upscaled
        ((1000, 1000), 1000, (1000, 1000)),
        ((4000, 3), 64, (64, 1)),  # extreme aspect still has a pixel
    ],
)
def test_longest_side_and_aspect(tmp_path: Path, cache: str, src: tuple[int, int], size: int, want: tuple[int, int]):
    path = save(realistic(*src), tmp_path / "a.png")
    data, mime, width, height = thumbnail(path, size, cache)
    assert (width, height) == want
    im = decoded(data)
    assert im.size == want
    assert f"image/{im.format.lower()}" == mime


def test_jpeg_source_uses_draft_and_keeps_content(tmp_path: Path, cache: str):
    img = Image.new("RGB", (2000, 1000), (200, 30, 30))
    img.paste((20, 20, 220), (1000, 0, 2000, 1000))  # right half blue
    path = save(img, tmp_path / "big.jpg", quality=90)
    data, _mime, width, height = thumbnail(path, 200, cache)
    assert (width, height) == (200, 100)
    px = decoded(data).convert("RGB")
    left, right = px.getpixel((40, 50)), px.getpixel((160, 50))
    assert left[0] > 150 and left[2] < 80  # still red on the left
    assert right[2] > 150 and right[0] < 80  # blue on the right


def test_photo_is_lossy_and_small(tmp_path: Path, cache: str):
    path = save(realistic(256, 256), tmp_path / "p.png")
    data, mime, _w, _h = thumbnail(path, 256, cache)
    assert mime in ("image/webp", "image/jpeg")
    assert len(data) < 25_000


def test_flat_image_is_lossless_png(tmp_path: Path, cache: str):
    img = Image.new("RGB", (256, 256), (0, 128, 255))
    img.paste((255, 0, 0), (50, 50, 120, 120))
    path = save(img, tmp_path / "flat.png")
    data, mime, _w, _h = thumbnail(path, 256, cache)
    assert len(data) < 5_000
    if mime == "image/png":
        assert decoded(data).convert("RGB").getpixel((60, 60)) == (255, 0, 0)


def test_alpha_is_kept(tmp_path: Path, cache: str):
    img = realistic(128, 128).convert("RGBA")
    alpha = Image.new("L", (128, 128), 0)
    alpha.paste(255, (0, 0, 64, 128))
    img.putalpha(alpha)
    path = save(img, tmp_path / "alpha.png")
    data, mime, _w, _h = thumbnail(path, 128, cache)
    assert mime in ("image/png", "image/webp")
    im = decoded(data).convert("RGBA")
    assert im.getpixel((100, 64))[3] == 0
    assert im.getpixel((20, 64))[3] == 255


def test_opaque_rgba_is_not_treated_as_alpha(tmp_path: Path, cache: str):
    path = save(realistic(256, 256).convert("RGBA"), tmp_path / "opaque.png")
    _data, mime, _w, _h = thumbnail(path, 256, cache)
    assert mime in ("image/jpeg", "image/webp")


@pytest.mark.parametrize("mode", ["L", "P", "1", "I;16", "I", "F", "CMYK", "LA"])
def test_every_common_mode(tmp_path: Path, cache: str, mode: str):
    base = realistic(64, 48)
    if mode in ("I;16", "I", "F"):
        arr = np.linspace(0, 4000, 64 * 48).reshape(48, 64)
        img = Image.fromarray(arr.astype(np.uint16 if mode == "I;16" else np.int32 if mode == "I" else np.float32))
        ext = "tiff"
    else:
        img = base.convert(mode)
        ext = "tiff" if mode == "CMYK" else "png"
    path = save(img, tmp_path / f"m.{ext}")
    data, _mime, width, height = thumbnail(path, 32, cache)
    assert (width, height) == (32, 24)
    assert decoded(data).size == (32, 24)
    if mode in ("I;16", "I", "F"):  # high-bit-depth ranges are stretched, not clipped to white
        g = decoded(data).convert("L")
        assert g.getpixel((0, 0)) < 30 and g.getpixel((31, 23)) > 225


def test_bad_size(tmp_path: Path, cache: str):
    path = save(realistic(10, 10), tmp_path / "a.png")
    with pytest.raises(ValueError, match="positive"):
        thumbnail(path, 0, cache)


# --------------------------------------------------------------------------- caching


def test_cache_by_content_and_size(tmp_path: Path, cache: str, monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[int, int]] = []
    real = th._encode

    def counting(img: Image.Image) -> tuple[bytes, str]:
        calls.append(img.size)
        return real(img)

    monkeypatch.setattr(th, "_encode", counting)
    path = save(realistic(300, 200), tmp_path / "a.png")
    first = thumbnail(path, 128, cache)
    assert len(calls) == 1
    assert thumbnail(path, 128, cache) == first  # second call: served from disk, not re-encoded
    assert len(calls) == 1
    thumbnail(path, 64, cache)  # another size: encoded once more
    assert len(calls) == 2
    # the same bytes under another name (a copy in another artifact) reuse the entry
    copy = tmp_path / "elsewhere" / "b.png"
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    assert thumbnail(str(copy), 128, cache) == first
    assert len(calls) == 2
    entries = [p for p in Path(cache).rglob("*") if p.is_file()]
    assert len(entries) == 2
    assert not [p for p in entries if p.name.startswith(".tmp-")]  # no temp files left behind


def test_changed_file_is_not_served_stale(tmp_path: Path, cache: str):
    path = tmp_path / "a.png"
    save(Image.new("RGB", (100, 100), (255, 0, 0)), path)
    red = thumbnail(str(path), 50, cache)
    save(Image.new("RGB", (100, 100), (0, 0, 255)), path)  # same name, same byte count, new content
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse-mtime filesystems: still a change
    blue = thumbnail(str(path), 50, cache)
    assert decoded(blue[0]).convert("RGB").getpixel((25, 25))[2] > 200
    assert red[0] != blue[0]


def test_corrupt_cache_entry_is_regenerated(tmp_path: Path, cache: str):
    path = save(realistic(100, 100), tmp_path / "a.png")
    data = thumbnail(path, 64, cache)[0]
    (entry,) = [p for p in Path(cache).rglob("*") if p.is_file()]
    entry.write_bytes(b"garbage")
    assert thumbnail(path, 64, cache)[0] == data


def test_unwritable_cache_still_serves(tmp_path: Path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    path = save(realistic(100, 100), tmp_path / "a.png")
    _data, _mime, width, _h = thumbnail(path, 64, str(blocker / "cache"))
    assert width == 64


def test_default_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TABLELENS_CACHE", str(tmp_path / "tlc"))
    path = save(realistic(50, 50), tmp_path / "a.png")
    thumbnail(path, 32)
    assert list((tmp_path / "tlc" / "thumbs").rglob("*-32.*"))


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path, cache: str):
    with pytest.raises(MediaError, match="not found") as e:
        thumbnail(str(tmp_path / "nope.png"), 64, cache)
    assert e.value.reason == "missing"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "corrupt"), (b"this is not an image", "corrupt"), (None, "corrupt")],
)
def test_corrupt_files(tmp_path: Path, cache: str, content: bytes | None, reason: str):
    path = tmp_path / "bad.png"
    if content is None:  # a real PNG cut in half
        buf = io.BytesIO()
        realistic(200, 200).save(buf, format="PNG")
        content = buf.getvalue()[: len(buf.getvalue()) // 2]
    path.write_bytes(content)
    with pytest.raises(MediaError) as e:
        thumbnail(str(path), 64, cache)
    assert e.value.reason == reason
    assert str(path) in str(e.value)


def test_batch_never_raises_and_keeps_order(tmp_path: Path, cache: str):
    good = save(realistic(120, 80), tmp_path / "good.png")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    folder = tmp_path / "dir.png"
    folder.mkdir()
    items = [
        ("a", good, 64),
        ("b", str(tmp_path / "missing.png"), 64),
        ("c", str(bad), 64),
        ("d", str(folder), 64),
    ]
    items += [("e", good, -3), ("f", good, 32)]
    out = thumbnails(items, cache_dir=cache)
    assert [r["key"] for r in out] == ["a", "b", "c", "d", "e", "f"]
    assert out[0]["width"] == 64 and isinstance(out[0]["data"], bytes)
    assert "not found" in out[1]["error"]
    assert "corrupt" in out[2]["error"] or "unknown" in out[2]["error"]
    assert "folder" in out[3]["error"] or "permission" in out[3]["error"]
    assert "positive" in out[4]["error"]
    assert out[5]["width"] == 32


def test_pack_items_uses_buffers_not_base64(tmp_path: Path, cache: str):
    good = save(realistic(40, 40), tmp_path / "good.png")
    out = thumbnails([("a", good, 32), ("b", str(tmp_path / "x.png"), 32), ("c", good, 16)], cache_dir=cache)
    items, buffers = pack_items(out)
    assert items[0] == {"key": "a", "mime": out[0]["mime"], "width": 32, "height": 32, "buffer": 0}
    assert set(items[1]) == {"key", "error"}
    assert items[2]["buffer"] == 1
    assert buffers == [out[0]["data"], out[2]["data"]]


# --------------------------------------------------------------------------- payload budget


def test_page_of_50_thumbnails_under_1mb(tmp_path: Path, cache: str):
    items = []
    for i in range(50):
        items.append((f"k{i}", save(realistic(256, 256, seed=i), tmp_path / f"{i}.png"), 256))
    out = thumbnails(items, cache_dir=cache)
    assert all("data" in r for r in out)
    total = sum(len(r["data"]) for r in out)
    assert total < 1_000_000, f"{total} bytes"


# --------------------------------------------------------------------------- masks


def read_ids(data: bytes) -> np.ndarray:
    im = decoded(data)
    assert im.mode == "L" and im.format == "PNG"
    return np.asarray(im)


def test_mask_8bit_roundtrip(tmp_path: Path):
    ids = (np.arange(40 * 30).reshape(30, 40) % 7).astype(np.uint8)
    path = save(Image.fromarray(ids, mode="L"), tmp_path / "m.png")
    assert np.array_equal(read_ids(mask_png(path)), ids)


def test_mask_16bit_small_ids_narrowed(tmp_path: Path):
    ids = (np.arange(20 * 10).reshape(10, 20) % 200).astype(np.uint16)
    path = save(Image.fromarray(ids), tmp_path / "m16.png")
    assert Image.open(path).mode.startswith("I")
    assert np.array_equal(read_ids(mask_png(path)), ids.astype(np.uint8))


def test_mask_16bit_large_ids_is_a_clear_error(tmp_path: Path):
    ids = np.zeros((10, 10), np.uint16)
    ids[0, 0] = 300
    path = save(Image.fromarray(ids), tmp_path / "m16.png")
    with pytest.raises(MaskError, match="300"):
        mask_png(path)
    (out,) = masks([("m", path)])
    assert "300" in out["error"] and "0..255" in out["error"]


def test_mask_palette_uses_indices_not_colors(tmp_path: Path):
    ids = np.array([[0, 1], [2, 3]], np.uint8)
    img = Image.fromarray(ids, mode="P")
    img.putpalette([255, 255, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90] + [0] * (256 * 3 - 12))
    path = save(img, tmp_path / "p.png")
    assert np.array_equal(read_ids(mask_png(path)), ids)


def test_mask_rgb_is_rejected(tmp_path: Path):
    path = save(Image.new("RGB", (4, 4)), tmp_path / "rgb.png")
    with pytest.raises(MaskError, match="single-channel"):
        mask_png(path)


def test_masks_batch(tmp_path: Path):
    ids = np.eye(8, dtype=np.uint8) * 3
    good = save(Image.fromarray(ids, mode="L"), tmp_path / "m.png")
    out = masks([("a", good), ("b", str(tmp_path / "none.png"))])
    assert out[0]["width"] == 8 and out[0]["mime"] == "image/png"
    assert np.array_equal(read_ids(out[0]["data"]), ids)
    assert "not found" in out[1]["error"]
