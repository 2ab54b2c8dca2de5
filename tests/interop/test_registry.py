"""The data model reaches the converters of `interop` through the registry of `model/converters.py`."""

from __future__ import annotations

import pytest

import tablelens as tl
from tablelens.interop import coco, huggingface, image_folder, voc, yolo
from tablelens.model.converters import converter


def test_every_table_method_reaches_its_interop_module() -> None:
    assert converter("coco")._read is coco.read_coco
    assert converter("coco")._write is coco.write_coco
    assert converter("coco-results")._write is coco.write_coco_results
    assert converter("yolo")._read is yolo.read_yolo and converter("yolo")._write is yolo.write_yolo
    assert converter("voc")._read is voc.read_voc and converter("voc")._write is voc.write_voc
    assert converter("image_folder")._read is image_folder.read_image_folder
    assert converter("huggingface")._read is huggingface.read_huggingface
    for name in ("from_coco", "to_coco", "from_yolo", "to_yolo", "from_voc", "to_voc", "from_image_folder",
                 "to_image_folder", "from_huggingface"):
        assert callable(getattr(tl.Table, name))


def test_unknown_formats_and_directions_are_named() -> None:
    with pytest.raises(ValueError, match=r"no converter for the 'parquet' format; known: coco, coco-results"):
        converter("parquet")
    with pytest.raises(NotImplementedError, match="reads the huggingface format but does not write it"):
        converter("huggingface").write(tl.Table(columns=["a"], data=[[1]]))
    with pytest.raises(NotImplementedError, match="writes the coco-results format but does not read it"):
        converter("coco-results").read("x.json")
