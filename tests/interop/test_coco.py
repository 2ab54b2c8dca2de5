"""COCO in and out, with pycocotools as the oracle: what `COCO(...)` reads from the files the tests write and from
the files `to_coco` writes must agree (counts, boxes, areas, decoded masks); COCOeval gives the same figures."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

import tablelens as tl
from tablelens.interop.coco import read_coco, write_coco, write_coco_results

from .coco_fixtures import CATEGORIES, make_coco, make_results


def quiet_coco(path: Path | str) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


@pytest.fixture
def coco_files(tmp_path: Path) -> tuple[Path, Path]:
    return make_coco(tmp_path / "coco")


def test_rows_columns_boxes_and_classes(coco_files: tuple[Path, Path]) -> None:
    ann_path, images_dir = coco_files
    oracle = quiet_coco(ann_path)
    table = tl.Table.from_coco(ann_path, images_dir)
    assert table.columns == ["image_id", "file_name", "width", "height", "image", "annotations"]
    assert table.get_column("image_id") == sorted(oracle.getImgIds())
    for image_id, img, recs in zip(table.get_column("image_id"), table.get_column("image"),
                                   table.get_column("annotations")):
        info = oracle.loadImgs(image_id)[0]
        assert (img.width, img.height) == (info["width"], info["height"])
        assert img.path == str(images_dir / info["file_name"])
        anns = oracle.loadAnns(oracle.getAnnIds(imgIds=image_id))
        boxes = img.boxes["ground_truth"]
        assert len(boxes) == len(anns) == len(recs)
        for box, rec, ann in zip(boxes, recs, anns):
            x, y, w, h = ann["bbox"]
            assert box == {"position": {"minX": x, "maxX": x + w, "minY": y, "maxY": y + h}, "domain": "pixel",
                           "class_id": ann["category_id"]}
            assert (rec["id"], rec["bbox"], rec["area"], rec["iscrowd"]) == (ann["id"], ann["bbox"], ann["area"],
                                                                            ann["iscrowd"])
        assert img.classes.class_set == [{"id": c["id"], "name": c["name"]} for c in CATEGORIES]  # ids kept


def painted_like_documented(oracle: COCO, image_id: int) -> np.ndarray:
    """The mask layer as docs/formats.md says: crowd first, then larger objects first, category ids, 0 elsewhere."""
    info = oracle.loadImgs(image_id)[0]
    out = np.zeros((info["height"], info["width"]), np.uint8)
    anns = oracle.loadAnns(oracle.getAnnIds(imgIds=image_id))
    order = sorted(range(len(anns)), key=lambda j: (1 - anns[j]["iscrowd"], -anns[j]["area"], j))
    for j in order:
        out[oracle.annToMask(anns[j]).astype(bool)] = anns[j]["category_id"]
    return out


def test_masks_are_the_segmentations_pycocotools_decodes(coco_files: tuple[Path, Path]) -> None:
    ann_path, images_dir = coco_files
    oracle = quiet_coco(ann_path)
    table = tl.Table.from_coco(ann_path, images_dir)
    painted = 0
    for image_id, img in zip(table.get_column("image_id"), table.get_column("image")):
        expected = painted_like_documented(oracle, image_id)
        if not oracle.getAnnIds(imgIds=image_id):
            assert img.masks == {}
            continue
        got = img.masks["ground_truth"]
        assert got.shape == expected.shape and np.array_equal(got, expected), image_id
        painted += int((got > 0).sum())
    assert painted > 0
    # overlaps exist in the fixture, so the order matters: a smaller object stays on top of a larger one
    assert any(len(oracle.getAnnIds(imgIds=i)) > 1 for i in oracle.getImgIds())


def test_round_trip_ground_truth_is_exact(coco_files: tuple[Path, Path], tmp_path: Path) -> None:
    ann_path, images_dir = coco_files
    table = tl.Table.from_coco(ann_path, images_dir)
    out = tmp_path / "written.json"
    written = table.to_coco(out, categories=CATEGORIES)
    assert json.loads(out.read_text()) == written
    a, b = quiet_coco(ann_path), quiet_coco(out)
    assert a.getImgIds() == b.getImgIds() and a.getAnnIds() == b.getAnnIds() and a.getCatIds() == b.getCatIds()
    assert a.loadImgs(a.getImgIds()) == [{**im, "license": 1} for im in b.loadImgs(b.getImgIds())]
    assert a.loadCats(a.getCatIds()) == b.loadCats(b.getCatIds())
    for ann_a, ann_b in zip(a.loadAnns(a.getAnnIds()), b.loadAnns(b.getAnnIds())):
        for key in ("id", "image_id", "category_id", "bbox", "area", "iscrowd"):
            assert ann_a[key] == ann_b[key], (key, ann_a["id"])
        assert np.array_equal(a.annToMask(ann_a), b.annToMask(ann_b))
    # the uncompressed crowd RLE is written compressed: the same pixels
    crowd = [x for x in b.loadAnns(b.getAnnIds()) if x["iscrowd"]]
    assert crowd and all(isinstance(x["segmentation"]["counts"], str) for x in crowd)


def test_round_trip_through_an_artifact(coco_files: tuple[Path, Path], run) -> None:
    ann_path, images_dir = coco_files
    art = tl.Artifact("coco", "dataset")
    art.add(tl.Table.from_coco(ann_path, images_dir), "val")
    run.log_artifact(art)
    back = run.use_artifact("coco:latest").get("val")
    assert back.to_coco(categories=CATEGORIES)["annotations"] == \
        tl.Table.from_coco(ann_path, images_dir).to_coco(categories=CATEGORIES)["annotations"]
    oracle = quiet_coco(ann_path)
    for image_id, img in zip(back.get_column("image_id"), back.get_column("image")):
        if oracle.getAnnIds(imgIds=image_id):
            assert np.array_equal(img.masks["ground_truth"], painted_like_documented(oracle, image_id))


def coco_eval(gt: COCO, dets: list[dict[str, Any]]) -> np.ndarray:
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize("decimals", [2, None])
def test_results_round_trip_and_evaluate_the_same(coco_files: tuple[Path, Path], tmp_path: Path,
                                                  decimals: int | None) -> None:
    ann_path, images_dir = coco_files
    dets = make_results(ann_path, decimals=decimals)
    table = tl.Table.from_coco(ann_path, images_dir, results=dets)
    img = table.get_column("image")[0]
    assert set(img.boxes) == {"ground_truth", "predictions"}
    assert all("score" in b["scores"] for b in img.boxes["predictions"])
    written = table.to_coco(tmp_path / "dets.json", score="score")
    assert len(written) == len(dets)
    for d, w in zip(dets, written):
        assert (d["image_id"], d["category_id"], d["score"]) == (w["image_id"], w["category_id"], w["score"])
        if decimals is not None:
            assert d["bbox"] == w["bbox"]  # a detector's rounded figures come back exactly
        else:  # full-precision floats: x and y exactly, width and height so that x + width is the same float
            assert d["bbox"][:2] == w["bbox"][:2]
            assert d["bbox"][0] + d["bbox"][2] == w["bbox"][0] + w["bbox"][2]
            assert d["bbox"][1] + d["bbox"][3] == w["bbox"][1] + w["bbox"][3]
    gt = quiet_coco(ann_path)
    assert np.array_equal(coco_eval(gt, dets), coco_eval(gt, json.loads((tmp_path / "dets.json").read_text())))


def test_a_table_built_by_hand_writes_coco_pycocotools_reads(tmp_path: Path) -> None:
    """No annotations column: boxes (relative or pixel) become annotations with new ids and width x height area."""
    from PIL import Image as PILImage

    PILImage.new("RGB", (200, 100)).save(tmp_path / "a.png")
    classes = tl.Classes([{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}])
    boxes = {"ground_truth": {"box_data": [
        {"position": {"middle": [0.5, 0.5], "width": 0.25, "height": 0.5}, "class_id": 1},
        {"position": {"minX": 10, "maxX": 30.5, "minY": 5, "maxY": 25}, "domain": "pixel", "class_id": 2}]}}
    t = tl.Table(columns=["image"], data=[[tl.Image(str(tmp_path / "a.png"), classes=classes, boxes=boxes)]])
    out = t.to_coco(tmp_path / "gt.json")
    assert out["images"] == [{"id": 0, "file_name": "a.png", "width": 200, "height": 100}]
    assert out["categories"] == [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    gt = quiet_coco(tmp_path / "gt.json")
    anns = gt.loadAnns(gt.getAnnIds())
    assert [a["bbox"] for a in anns] == [[75.0, 25.0, 50.0, 50.0], [10.0, 5.0, 20.5, 20.0]]
    assert [a["area"] for a in anns] == [2500.0, 410.0] and [a["id"] for a in anns] == [1, 2]
    assert {a["iscrowd"] for a in anns} == {0}


def test_read_coco_takes_a_loaded_dict_and_masks_can_be_left_out(coco_files: tuple[Path, Path]) -> None:
    ann_path, images_dir = coco_files
    data = json.loads(ann_path.read_text())
    table = read_coco(data, images_dir, masks=False)
    assert all(img.masks == {} for img in table.get_column("image"))
    assert write_coco(table, categories=CATEGORIES)["annotations"] == \
        write_coco(read_coco(ann_path, images_dir), categories=CATEGORIES)["annotations"]
    with pytest.raises(ValueError, match=r"row 0, layer 'ground_truth', box 0: no score 'conf'"):
        write_coco_results(table, layer="ground_truth", score="conf")


# ------------------------------------------------------------------------------------------------ bad input
def broken(coco_files: tuple[Path, Path], tmp_path: Path, change: Any) -> tuple[Path, Path]:
    ann_path, images_dir = coco_files
    data = json.loads(ann_path.read_text())
    change(data)
    out = tmp_path / "broken.json"
    out.write_text(json.dumps(data, indent=1))
    return out, images_dir


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda d: d["annotations"][2].update(image_id=999), r"annotations\[2\]\.image_id", "999 names no entry"),
    (lambda d: d["annotations"][1].update(category_id=2), r"annotations\[1\]\.category_id", "2 names no entry"),
    (lambda d: d["annotations"][0].update(bbox=[1, 2, 3]), r"annotations\[0\]\.bbox", r"\[x, y, width, height\]"),
    (lambda d: d["annotations"][0].update(bbox=[1, 2, -3, 4]), r"annotations\[0\]\.bbox", "negative"),
    (lambda d: d["annotations"][3].update(id=d["annotations"][0]["id"]), r"annotations\[3\]\.id", "twice"),
    (lambda d: d["annotations"][0].update(segmentation={"size": [7, 9], "counts": [63]}),
     r"annotations\[0\]\.segmentation\.size", "disagrees with its image"),
    (lambda d: d["annotations"][0].update(segmentation={"size": [d["images"][0]["height"], d["images"][0]["width"]],
                                                        "counts": "0:0"}),
     r"annotations\[0\]\.segmentation\.counts", "pixels"),
    (lambda d: d["annotations"][0].update(segmentation=[[1, 2, 3]]), r"annotations\[0\]\.segmentation\[0\]",
     "even number"),
    (lambda d: d["images"][1].update(file_name="nope.png"), r"images\[1\]\.file_name", "does not exist"),
    (lambda d: d["images"][2].update(width=0), r"images\[2\]", "positive"),
    (lambda d: d["categories"].append({"id": 1, "name": "again"}), r"categories\[4\]\.id", "twice"),
    (lambda d: d.pop("images"), "images", "missing"),
])
def test_malformed_annotations_name_the_file_and_field(coco_files: tuple[Path, Path], tmp_path: Path, change: Any,
                                                       field: str, words: str) -> None:
    path, images_dir = broken(coco_files, tmp_path, change)
    with pytest.raises(tl.FormatError, match=rf"broken\.json: {field}: .*{words}") as e:
        tl.Table.from_coco(path, images_dir)
    assert e.value.file == str(path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [],\n "annotations": [\n  {"id": 1,}\n]}')
    with pytest.raises(tl.FormatError, match=r"bad\.json:3: not valid JSON") as e:
        tl.Table.from_coco(bad, tmp_path)
    assert e.value.line == 3


def test_results_naming_unknown_images_or_categories(coco_files: tuple[Path, Path]) -> None:
    ann_path, images_dir = coco_files
    dets = make_results(ann_path)
    dets[4]["image_id"] = 12345
    with pytest.raises(tl.FormatError, match=r"<results>: \[4\]\.image_id: image id 12345"):
        tl.Table.from_coco(ann_path, images_dir, results=dets)
    dets = make_results(ann_path)
    del dets[0]["score"]
    with pytest.raises(tl.FormatError, match=r"\[0\]\.score"):
        tl.Table.from_coco(ann_path, images_dir, results=dets)


def test_a_table_read_from_coco_is_queried_before_it_is_logged(coco_files: tuple[Path, Path]) -> None:
    """An unlogged table with images is staged in a scratch folder for the engine (and the Explorer)."""
    ann_path, images_dir = coco_files
    table = tl.Table.from_coco(ann_path, images_dir)
    oracle = quiet_coco(ann_path)
    with_dogs = sorted({a["image_id"] for a in oracle.loadAnns(oracle.getAnnIds(catIds=[18]))})
    has_dog = ("{$gte: [{$size: {$filter: {input: '$image.boxes.ground_truth', as: 'b', "
               "cond: {$eq: ['$$b.class_id', 18]}}}}, 1]}")
    result = tl.query(table, filter=has_dog)
    assert sorted(result.to_pandas()["image_id"]) == with_dogs


def test_masks_painted_run_by_run_equal_pycocotools_decode() -> None:
    """The hand-written RLE reading and painting (interop/_masks.py) against pycocotools' own decoder."""
    from pycocotools import mask as mask_utils

    from tablelens.interop._masks import PaintedMask, rle_counts

    rng = np.random.default_rng(3)
    for trial in range(60):
        h, w = (int(v) for v in rng.integers(1, 90, 2))
        shapes, expected = [], np.zeros((h, w), np.uint16)
        for k in range(int(rng.integers(1, 5))):
            m = np.asfortranarray((rng.random((h, w)) < rng.uniform(0, 1)).astype(np.uint8))
            if k % 2:
                m[:, : w // 2] = 0  # long runs as well as single pixels
            rle = mask_utils.encode(m)
            rle["counts"] = rle["counts"].decode("ascii")
            assert sum(rle_counts(rle["counts"])) == h * w
            cid = int(rng.integers(1, 300))
            shapes.append((cid, rle))
            expected[mask_utils.decode(rle).astype(bool)] = cid
        got = PaintedMask((w, h), shapes).array()
        assert np.array_equal(got, expected), trial
