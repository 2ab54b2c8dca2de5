"""Pascal VOC in and out: annotation files written as the VOC devkit lays them out read into pixel boxes with their
names, difficult and truncated flags, and write back to the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import tablelens as tl
from tablelens.interop.voc import VOC_CLASSES, read_voc

OBJECTS = {
    "2007_000027": [("person", 174, 101, 349, 351, 0, 0)],
    "2007_000032": [("aeroplane", 104, 78, 375, 183, 0, 0), ("aeroplane", 133, 88, 197, 123, 0, 0),
                    ("person", 195, 180, 213, 229, 1, 0), ("person", 26, 189, 44, 238, 0, 1)],
    "2007_000033": [],
}


def voc_xml(image_id: str, objects: list[tuple]) -> str:
    objs = "".join(
        f"""
  <object>
    <name>{n}</name>
    <pose>Left</pose>
    <truncated>{t}</truncated>
    <difficult>{d}</difficult>
    <bndbox>
      <xmin>{x0}</xmin>
      <ymin>{y0}</ymin>
      <xmax>{x1}</xmax>
      <ymax>{y1}</ymax>
    </bndbox>
  </object>""" for n, x0, y0, x1, y1, d, t in objects)
    return f"""<annotation>
  <folder>VOC2007</folder>
  <filename>{image_id}.jpg</filename>
  <source><database>The VOC2007 Database</database></source>
  <size>
    <width>500</width>
    <height>400</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>{objs}
</annotation>
"""


def make_voc(root: Path) -> Path:
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    (root / "ImageSets" / "Main").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for image_id, objects in OBJECTS.items():
        PILImage.fromarray(rng.integers(0, 256, (400, 500, 3), dtype=np.uint8)).save(
            root / "JPEGImages" / f"{image_id}.jpg")
        (root / "Annotations" / f"{image_id}.xml").write_text(voc_xml(image_id, objects))
    (root / "ImageSets" / "Main" / "val.txt").write_text("2007_000032\n2007_000027\n")
    return root


def test_reads_boxes_names_and_flags(tmp_path: Path) -> None:
    table = tl.Table.from_voc(make_voc(tmp_path / "VOC2007"))
    assert table.columns == ["image_id", "file_name", "width", "height", "image", "objects"]
    assert table.get_column("image_id") == list(OBJECTS)
    images = table.get_column("image")
    assert images[0].classes.class_set == [{"id": i + 1, "name": n} for i, n in enumerate(VOC_CLASSES)]
    for img, objs, expected in zip(images, table.get_column("objects"), OBJECTS.values()):
        assert (img.width, img.height) == (500, 400)
        assert img.boxes["ground_truth"] == [
            {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}, "domain": "pixel",
             "class_id": VOC_CLASSES.index(n) + 1} for n, x0, y0, x1, y1, _, _ in expected]
        assert [(o["name"], o["difficult"], o["truncated"], o["pose"]) for o in objs] == [
            (n, d, t, "Left") for n, *_, d, t in expected]


def test_image_sets_and_own_classes(tmp_path: Path) -> None:
    root = make_voc(tmp_path / "VOC2007")
    val = read_voc(root, image_set="val", classes=["person", "aeroplane"])
    assert val.get_column("image_id") == ["2007_000032", "2007_000027"]
    assert val.get_column("image")[0].classes.class_set == [{"id": 1, "name": "person"},
                                                            {"id": 2, "name": "aeroplane"}]
    (root / "Annotations" / "2007_000033.xml").write_text(voc_xml("2007_000033", [("gnome", 1, 2, 3, 4, 0, 0)]))
    names = tl.Table.from_voc(root).get_column("image")[0].classes.class_set
    assert names == [{"id": 1, "name": "aeroplane"}, {"id": 2, "name": "gnome"}, {"id": 3, "name": "person"}]


def test_round_trip(tmp_path: Path) -> None:
    table = tl.Table.from_voc(make_voc(tmp_path / "in"))
    table.to_voc(tmp_path / "out")
    back = read_voc(tmp_path / "out")
    for col in ("image_id", "file_name", "width", "height", "objects"):
        assert back.get_column(col) == table.get_column(col)
    assert [i.boxes for i in back.get_column("image")] == [i.boxes for i in table.get_column("image")]
    assert (tmp_path / "out" / "JPEGImages" / "2007_000032.jpg").read_bytes() == \
        (tmp_path / "in" / "JPEGImages" / "2007_000032.jpg").read_bytes()


def test_round_trip_through_an_artifact(tmp_path: Path, run) -> None:
    art = tl.Artifact("voc", "dataset")
    art.add(tl.Table.from_voc(make_voc(tmp_path / "in")), "t")
    run.log_artifact(art)
    run.use_artifact("voc:latest").get("t").to_voc(tmp_path / "out")
    assert (tmp_path / "out" / "Annotations" / "2007_000032.xml").read_text().count("<object>") == 4
    back = read_voc(tmp_path / "out")
    assert back.get_column("objects") == tl.Table.from_voc(tmp_path / "in").get_column("objects")


@pytest.mark.parametrize(("old", "new", "at", "words"), [
    ("<xmin>104</xmin>", "<xmin>400</xmin>", "<bndbox>", r"object\[0\]\.bndbox: xmin \(400\) is greater than xmax"),
    ("<ymax>183</ymax>", "<ymax>abc</ymax>", "<ymax>abc", r"object\[0\]\.bndbox\.ymax: must be a number"),
    ("<difficult>0</difficult>", "<difficult>2</difficult>", "<difficult>2", r"object\[0\]\.difficult: must be 0 or 1"),
    ("<filename>2007_000032.jpg</filename>", "<filename>gone.jpg</filename>", "<filename>",
     "filename: the image file"),
    ("</annotation>", "</annotatio>", "</annotatio>", "not valid XML: mismatched tag"),
])
def test_malformed_files_name_the_file_line_and_field(tmp_path: Path, old: str, new: str, at: str,
                                                      words: str) -> None:
    root = make_voc(tmp_path / "VOC")
    bad = root / "Annotations" / "2007_000032.xml"
    text = bad.read_text().replace(old, new, 1)
    bad.write_text(text)
    line = text[:text.index(at)].count("\n") + 1
    with pytest.raises(tl.FormatError, match=rf"2007_000032\.xml:{line}: {words}"):
        tl.Table.from_voc(root)
