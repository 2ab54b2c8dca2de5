"""YOLO in and out: a dataset written as Ultralytics documents it (data.yaml, images/ and labels/ per split, one
object a line) reads into the boxes, polygons and class names the files hold, and writes back to the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image as PILImage

import tablelens as tl
from tablelens.interop.yolo import label_path, read_yolo

NAMES = {0: "person", 1: "bicycle", 2: "car"}
LABELS = {
    ("train", "a"): "0 0.5 0.5 0.25 0.5\n2 0.125 0.25 0.0625 0.1\n",
    ("train", "b"): "1 0.3 0.6 0.2 0.2\n\n",  # a blank line is allowed
    ("train", "c"): None,  # a background image: no label file
    ("val", "d"): "2 0.1 0.1 0.6 0.1 0.6 0.7 0.1 0.7\n0 0.75 0.75 0.1 0.1\n",  # a polygon and a box
    ("val", "e"): "",  # an empty label file
}


def make_yolo(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for (split, stem), text in LABELS.items():
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        PILImage.fromarray(rng.integers(0, 256, (40, 80, 3), dtype=np.uint8)).save(root / "images" / split
                                                                                    / f"{stem}.jpg")
        if text is not None:
            (root / "labels" / split / f"{stem}.txt").write_text(text)
    (root / "notes.md").write_text("not part of the dataset")
    cfg = root / "data.yaml"
    cfg.write_text(yaml.safe_dump({"path": ".", "train": "images/train", "val": "images/val", "names": NAMES}))
    return cfg


def parse(text: str) -> list[list[float]]:
    return [[float(v) for v in line.split()] for line in text.splitlines() if line.strip()]


def test_reads_splits_boxes_polygons_and_names(tmp_path: Path) -> None:
    make_yolo(tmp_path)
    table = tl.Table.from_yolo(tmp_path)
    assert table.columns == ["split", "file_name", "image", "segments"]
    assert table.get_column("split") == ["train", "train", "train", "val", "val"]
    assert table.get_column("file_name") == [f"images/{s}/{n}.jpg" for s, n in LABELS]
    images = table.get_column("image")
    assert images[0].classes.class_set == [{"id": i, "name": n} for i, n in NAMES.items()]
    a = images[0].boxes["ground_truth"]
    assert a == [{"position": {"middle": [0.5, 0.5], "width": 0.25, "height": 0.5}, "class_id": 0},
                 {"position": {"middle": [0.125, 0.25], "width": 0.0625, "height": 0.1}, "class_id": 2}]
    assert images[2].boxes["ground_truth"] == [] and images[4].boxes["ground_truth"] == []
    d = images[3].boxes["ground_truth"]
    assert d[0] == {"position": {"minX": 0.1, "maxX": 0.6, "minY": 0.1, "maxY": 0.7}, "class_id": 2}
    assert table.get_column("segments")[3] == [[[0.1, 0.1, 0.6, 0.1, 0.6, 0.7, 0.1, 0.7]], None]
    mask = images[3].masks["ground_truth"]
    assert mask.shape == (40, 80)
    assert mask[20, 30] == 2 and mask[2, 2] == 0 and mask[35, 70] == 0  # inside the polygon / outside it
    assert abs(int((mask == 2).sum()) - 0.5 * 80 * 0.6 * 40) < 0.1 * 0.5 * 80 * 0.6 * 40
    assert "ground_truth" not in images[0].masks  # boxes alone paint no mask


def test_round_trip(tmp_path: Path) -> None:
    make_yolo(tmp_path / "in")
    table = read_yolo(tmp_path / "in" / "data.yaml")
    out = table.to_yolo(tmp_path / "out")
    cfg = yaml.safe_load(Path(out).read_text())
    assert cfg == {"train": "images/train", "val": "images/val", "names": NAMES}
    for (split, stem), text in LABELS.items():
        written = tmp_path / "out" / "labels" / split / f"{stem}.txt"
        assert parse(written.read_text()) == parse(text or "")
        src = tmp_path / "in" / "images" / split / f"{stem}.jpg"
        assert (tmp_path / "out" / "images" / split / f"{stem}.jpg").read_bytes() == src.read_bytes()
    again = tl.Table.from_yolo(out)
    assert [img.boxes for img in again.get_column("image")] == [img.boxes for img in table.get_column("image")]


def test_round_trip_through_an_artifact(tmp_path: Path, run) -> None:
    make_yolo(tmp_path / "in")
    art = tl.Artifact("yolo", "dataset")
    art.add(tl.Table.from_yolo(tmp_path / "in"), "all")
    run.log_artifact(art)
    back = run.use_artifact("yolo:latest").get("all")
    back.to_yolo(tmp_path / "out")
    for (split, stem), text in LABELS.items():
        assert parse((tmp_path / "out" / "labels" / split / f"{stem}.txt").read_text()) == parse(text or "")


def test_pixel_boxes_and_other_class_ids_write_dense_indices(tmp_path: Path) -> None:
    PILImage.new("RGB", (200, 100)).save(tmp_path / "x.png")
    classes = tl.Classes([{"id": 3, "name": "cat"}, {"id": 7, "name": "dog"}])
    img = tl.Image(str(tmp_path / "x.png"), classes=classes, boxes={"gt": {"box_data": [
        {"position": {"minX": 50, "maxX": 150, "minY": 25, "maxY": 75}, "domain": "pixel", "class_id": 7}]}})
    out = tl.Table(columns=["image"], data=[[img]]).to_yolo(tmp_path / "out", layer="gt")
    assert yaml.safe_load(Path(out).read_text())["names"] == {0: "cat", 1: "dog"}
    assert parse((tmp_path / "out" / "labels" / "train" / "x.txt").read_text()) == [[1, 0.5, 0.5, 0.5, 0.5]]


def test_without_a_yaml_and_with_a_txt_list(tmp_path: Path) -> None:
    make_yolo(tmp_path)
    (tmp_path / "data.yaml").unlink()
    table = tl.Table.from_yolo(tmp_path, names=["person", "bicycle", "car"])
    assert table.get_column("split") == ["train"] * 3 + ["val"] * 2
    (tmp_path / "val.txt").write_text("./images/val/e.jpg\nimages/val/d.jpg\n")
    (tmp_path / "d.yaml").write_text(yaml.safe_dump({"val": "val.txt", "names": ["person", "bicycle", "car"]}))
    listed = tl.Table.from_yolo(tmp_path / "d.yaml")
    assert listed.get_column("file_name") == ["images/val/e.jpg", "images/val/d.jpg"]


def test_label_path_follows_ultralytics() -> None:
    assert label_path("/d/images/train/x.y.jpg") == "/d/labels/train/x.y.txt"
    assert label_path("/images/d/images/a.png") == "/images/d/labels/a.txt"


@pytest.mark.parametrize(("text", "words"), [
    ("0 0.5 0.5 0.25\n", "got 3 numbers after the class"),
    ("0 0.5 0.5 0.25 0.5 0.1\n", "got 5 numbers after the class"),
    ("5 0.5 0.5 0.25 0.5\n", "class: class 5 is not in the dataset's names"),
    ("0 0.5 1.5 0.25 0.5\n", r"in \[0, 1\]"),
    ("0 0.5 nan 0.25 0.5\n", r"in \[0, 1\]"),
    ("car 0.5 0.5 0.25 0.5\n", "not a number"),
    ("-1 0.5 0.5 0.25 0.5\n", "class: the class must be an index"),
])
def test_malformed_label_lines_name_the_file_and_line(tmp_path: Path, text: str, words: str) -> None:
    make_yolo(tmp_path)
    bad = tmp_path / "labels" / "train" / "b.txt"
    bad.write_text("1 0.3 0.6 0.2 0.2\n" + text)
    with pytest.raises(tl.FormatError, match=rf"labels/train/b\.txt:2: .*{words}") as e:
        tl.Table.from_yolo(tmp_path)
    assert (e.value.file, e.value.line) == (str(bad), 2)


def test_malformed_yaml_and_missing_folders(tmp_path: Path) -> None:
    make_yolo(tmp_path)
    (tmp_path / "data.yaml").write_text("train: images/train\nnames: [a, b\n")
    with pytest.raises(tl.FormatError, match=r"data\.yaml:3: not valid YAML"):
        tl.Table.from_yolo(tmp_path)
    (tmp_path / "data.yaml").write_text(yaml.safe_dump({"train": "images/nope", "names": ["a"]}))
    with pytest.raises(tl.FormatError, match=r"data\.yaml: train: .*images/nope"):
        tl.Table.from_yolo(tmp_path)
    (tmp_path / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "names": ["a", "b"], "nc": 3}))
    with pytest.raises(tl.FormatError, match="nc is 3 but names holds 2"):
        tl.Table.from_yolo(tmp_path)
