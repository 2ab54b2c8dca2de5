"""Image: every pixel source, boxes and masks validated and read back as logged, references never copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

import tablelens as tl

CLASSES = tl.Classes([{"id": 0, "name": "road"}, {"id": 1, "name": "car"}])
BOX = {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5}, "class_id": 1, "scores": {"conf": 0.9}}


def rgb(h: int = 20, w: int = 30, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(20, 30), (20, 30, 3), (20, 30, 4)])
def test_uint8_arrays(shape):
    arr = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    img = tl.Image(arr)
    assert (img.width, img.height) == (30, 20)
    assert np.array_equal(np.asarray(img.image), arr)


def test_float_arrays_in_unit_range_are_scaled():
    arr = np.linspace(0, 1, 600).reshape(20, 30)
    img = tl.Image(arr)
    assert np.asarray(img.image).max() == 255 and np.asarray(img.image).min() == 0


@pytest.mark.parametrize("bad", [np.zeros((3,)), np.zeros((4, 4, 5)), np.full((4, 4), 300.0), np.full((2, 2), np.nan)])
def test_bad_arrays_are_refused(bad):
    with pytest.raises(ValueError):
        tl.Image(bad)


def test_pil_and_files(tmp_path):
    arr = rgb()
    pil = PILImage.fromarray(arr)
    assert np.array_equal(np.asarray(tl.Image(pil).image), arr)
    for ext, fmt in (("png", "png"), ("bmp", "bmp"), ("webp", "webp"), ("jpg", "jpeg")):
        p = tmp_path / f"x.{ext}"
        pil.save(p, **({"lossless": True} if ext == "webp" else {}))
        img = tl.Image(str(p), caption="from file")
        assert img.format == fmt and (img.width, img.height) == (30, 20)
        assert img.caption == "from file"
    with pytest.raises(FileNotFoundError):
        tl.Image(str(tmp_path / "missing.png"))
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="not an image"):
        _ = tl.Image(str(tmp_path / "junk.png")).format


def test_file_bytes_are_stored_unchanged(run, tmp_path):
    p = tmp_path / "photo.jpg"
    PILImage.fromarray(rgb()).save(p, quality=70)
    art = tl.Artifact("files", "dataset")
    art.add(tl.Table(columns=["img"], data=[[tl.Image(str(p))]]), "t")
    run.log_artifact(art)
    img = run.use_artifact("files:v0").get("t").data[0][0]
    assert Path(img.path).read_bytes() == p.read_bytes()
    assert img.format == "jpeg"


def test_boxes_both_formats_and_domains_read_back_as_logged():
    boxes = {
        "ground_truth": {"box_data": [BOX]},
        "predictions": {"box_data": [
            {"position": {"middle": [15, 10], "width": 10, "height": 4}, "domain": "pixel", "class_id": 0,
             "box_caption": "road 0.7", "scores": {"conf": 0.7, "iou": 0.5}},
        ]},
    }
    img = tl.Image(rgb(), classes=CLASSES, boxes=boxes)
    assert img.boxes == {"ground_truth": [BOX], "predictions": boxes["predictions"]["box_data"]}
    assert img.classes == CLASSES


def test_class_labels_given_per_layer_make_the_class_set():
    img = tl.Image(rgb(), boxes={"p": {"box_data": [BOX], "class_labels": {1: "car", 0: "road"}}})
    assert img.classes == CLASSES


@pytest.mark.parametrize(("box", "field"), [
    ({"class_id": 1}, "position"),
    ({"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2}, "class_id": 1}, "position"),
    ({"position": {"minX": 0.5, "maxX": 0.4, "minY": 0.2, "maxY": 0.3}, "class_id": 1}, "position.minX"),
    ({"position": {"minX": "a", "maxX": 0.4, "minY": 0.2, "maxY": 0.3}, "class_id": 1}, "position.minX"),
    ({"position": {"middle": [1], "width": 1, "height": 1}, "class_id": 1}, "position.middle"),
    ({"position": {"middle": [1, 1], "width": -1, "height": 1}, "class_id": 1}, "position.width"),
    ({"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": "car"}, "class_id"),
    ({"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 1, "domain": "px"}, "domain"),
    ({"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 1, "scores": {"c": "x"}}, "scores.c"),
    ({"position": {"minX": 0, "maxX": float("nan"), "minY": 0, "maxY": 1}, "class_id": 1}, "position.maxX"),
])
def test_invalid_boxes_name_layer_index_and_field(box, field):
    with pytest.raises(ValueError) as e:
        tl.Image(rgb(), boxes={"preds": {"box_data": [BOX, box]}})
    msg = str(e.value)
    assert "'preds'" in msg and "box 1" in msg and field in msg


def test_masks_from_arrays_and_files(tmp_path):
    m = np.zeros((20, 30), dtype=np.uint8)
    m[2:5, 3:9] = 1
    p = tmp_path / "m.png"
    PILImage.fromarray(m).save(p)
    img = tl.Image(rgb(), classes=CLASSES, masks={"gt": {"mask_data": m}, "pred": {"path": str(p)}})
    assert np.array_equal(img.masks["gt"], m) and np.array_equal(img.masks["pred"], m)


@pytest.mark.parametrize(("spec", "field"), [
    ({"mask_data": np.zeros((2, 2, 2), dtype=np.uint8)}, "mask_data"),
    ({"mask_data": np.full((2, 2), 0.5)}, "mask_data"),
    ({"mask_data": np.full((2, 2), -1)}, "mask_data"),
    ({"path": "/no/such/mask.png"}, "path"),
    ({}, "mask_data"),
])
def test_invalid_masks_name_layer_and_field(spec, field):
    with pytest.raises(ValueError) as e:
        tl.Image(rgb(), masks={"gt": spec})
    assert "'gt'" in str(e.value) and field in str(e.value)


def test_masks_with_many_classes_round_trip(run):
    m = (np.arange(600).reshape(20, 30) * 7).astype(np.int64)
    art = tl.Artifact("many", "dataset")
    art.add(tl.Table(columns=["i"], data=[[tl.Image(rgb(), masks={"gt": {"mask_data": m}})]]), "t")
    run.log_artifact(art)
    assert np.array_equal(run.use_artifact("many:v0").get("t").data[0][0].masks["gt"], m)


def test_image_round_trip_through_artifact(run):
    m = np.zeros((20, 30), dtype=np.uint8)
    m[1:4, 1:4] = 1
    img = tl.Image(rgb(), caption="<img src=x onerror=alert(1)>", classes=CLASSES,
                   boxes={"gt": {"box_data": [BOX]}}, masks={"gt": {"mask_data": m}})
    art = tl.Artifact("one", "dataset")
    art.add(img, "an-image")
    art.add(CLASSES, "classes")
    run.log_artifact(art)
    got = run.use_artifact("one:latest")
    assert got.get("an-image") == img
    assert got.get("classes") == CLASSES
    back = got.get("an-image")
    assert back.caption == "<img src=x onerror=alert(1)>"
    assert back.boxes == {"gt": [BOX]} and np.array_equal(back.masks["gt"], m)


def test_image_from_image_shares_pixels_and_logs_a_reference(run):
    ds = tl.Artifact("ds", "dataset")
    ds.add(tl.Table(columns=["id", "img"], data=[[i, tl.Image(rgb(64, 64, i))] for i in range(5)]), "data")
    run.log_artifact(ds)
    before = _objects_size(run.store)
    data = run.use_artifact("ds:v0").get("data")
    preds = tl.Table(columns=["id", "pred"])
    for i, row in data.iterrows():
        pred = tl.Image(row[1], classes=CLASSES, boxes={"predictions": {"box_data": [BOX]}})
        assert pred._pixels is row[1]._pixels  # the pixels are a reference, not a copy
        preds.add_data(i, pred)
    pa = tl.Artifact("preds", "predictions")
    pa.add(preds, "predictions")
    run.log_artifact(pa)
    refs = [e for p, e in pa.manifest.items() if p.startswith("media/images/") and "mask" not in p]
    assert len(refs) == 5 and all(e["ref"].startswith("ds:v0/media/images/") for e in refs)
    grown = _objects_size(run.store) - before
    image_bytes = sum(e["size"] for e in refs)
    assert grown < image_bytes / 2  # only the table and classes were written, no image bytes
    back = run.use_artifact("preds:v0").get("predictions")
    assert back == preds


def _objects_size(store) -> int:
    import os

    total = 0
    for root, _, files in os.walk(store.objects_dir):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def test_image_equality():
    a = tl.Image(rgb(), caption="a")
    assert a == tl.Image(rgb(), caption="a")
    assert a != tl.Image(rgb(), caption="b")
    assert a != tl.Image(rgb(seed=3), caption="a")
    assert a != tl.Image(rgb(), caption="a", boxes={"g": {"box_data": [BOX]}})


# -- property: any valid set of boxes and masks round-trips exactly -----------------------------------------------


_coord = st.floats(min_value=-5, max_value=300, allow_nan=False)


@st.composite
def _box(draw):
    if draw(st.booleans()):
        x0, x1 = sorted(draw(st.tuples(_coord, _coord)))
        y0, y1 = sorted(draw(st.tuples(_coord, _coord)))
        pos = {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}
    else:
        pos = {"middle": [draw(_coord), draw(_coord)], "width": draw(st.floats(0, 50)),
               "height": draw(st.floats(0, 50))}
    box = {"position": pos, "class_id": draw(st.integers(0, 300))}
    if draw(st.booleans()):
        box["domain"] = "pixel"
    if draw(st.booleans()):
        box["box_caption"] = draw(st.text(max_size=10))
    if draw(st.booleans()):
        box["scores"] = draw(st.dictionaries(st.sampled_from(["conf", "iou", "x y"]), st.floats(0, 1), min_size=1))
    return box


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=st.dictionaries(st.sampled_from(["ground_truth", "predictions", "lay er"]),
                              st.lists(_box(), max_size=4), max_size=3),
       mask_ids=st.lists(st.integers(0, 400), min_size=1, max_size=3),
       caption=st.one_of(st.none(), st.text(max_size=12)))
def test_property_boxes_and_masks_round_trip(run, layers, mask_ids, caption):
    mask = np.resize(np.array(mask_ids, dtype=np.int64), (6, 5))
    img = tl.Image(rgb(6, 5), caption=caption, classes=CLASSES,
                   boxes={k: {"box_data": v} for k, v in layers.items()}, masks={"m": {"mask_data": mask}})
    other = tl.Image(rgb(6, 5, seed=9))  # a second row without boxes or masks
    art = tl.Artifact("prop", "dataset")
    art.add(tl.Table(columns=["img"], data=[[img], [other], [None]]), "t")
    run.log_artifact(art)
    back = run.use_artifact(f"prop:{art.version}").get("t").data
    assert back[0][0] == img and back[1][0] == other and back[2][0] is None
    assert back[0][0].boxes == img.boxes
