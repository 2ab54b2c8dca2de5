"""Image folders (torchvision's ImageFolder layout) and Hugging Face datasets in memory or from local files.

The `datasets` library's own `imagefolder` builder, run offline on the same folder, is the oracle for which class
each image belongs to; a `datasets.Dataset` built in the test is the source of the cells from_huggingface gives.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import tablelens as tl
from tablelens.interop.image_folder import read_image_folder


@pytest.fixture
def hf_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def make_folder(root: Path, nested: bool = False) -> dict[str, str]:
    """root/<class>/<file>; returns relative path -> class."""
    rng = np.random.default_rng(0)
    files = {"cat/1.png": "cat", "cat/0.jpg": "cat", "dog/a.PNG": "dog", "zebra/z.webp": "zebra",
             "dog/b.bmp": "dog"}
    if nested:
        files["cat/more/2.png"] = "cat"
    for rel in files:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        fmt = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".bmp": "BMP"}[p.suffix.lower()]
        PILImage.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(p, format=fmt)
    (root / "dog" / "readme.txt").write_text("not an image")
    return files


def test_image_folder_classes_match_the_datasets_imagefolder_builder(tmp_path: Path, hf_offline: None) -> None:
    import datasets

    files = make_folder(tmp_path / "root")
    table = tl.Table.from_image_folder(tmp_path / "root")
    assert table.columns == ["file_name", "image", "label", "class_name"]
    oracle = datasets.load_dataset("imagefolder", data_dir=str(tmp_path / "root"), split="train")
    names = oracle.features["label"].names
    expected = {(str(Path(im["path"]).relative_to(tmp_path / "root")), names[label], label)
                for im, label in zip(oracle.cast_column("image", datasets.Image(decode=False))["image"],
                                     oracle["label"])}
    got = set(zip(table.get_column("file_name"), table.get_column("class_name"), table.get_column("label")))
    assert got == expected and {f for f, _, _ in got} == set(files)


def test_image_folder_order_nesting_and_formats(tmp_path: Path) -> None:
    make_folder(tmp_path / "root", nested=True)
    rng = np.random.default_rng(1)
    PILImage.fromarray(rng.integers(0, 256, (5, 7), dtype=np.uint8)).save(tmp_path / "root" / "zebra" / "g.pgm")
    table = read_image_folder(tmp_path / "root")
    # torchvision: classes sorted; per class, os.walk sorted, then file names sorted
    assert table.get_column("file_name") == ["cat/0.jpg", "cat/1.png", "cat/more/2.png", "dog/a.PNG",
                                             "dog/b.bmp", "zebra/g.pgm", "zebra/z.webp"]
    assert table.get_column("label") == [0, 0, 0, 1, 1, 2, 2]
    images = table.get_column("image")
    assert images[0].path == str(tmp_path / "root" / "cat" / "0.jpg") and images[0].format == "jpeg"
    assert images[5].format == "png" and images[5].to_numpy().shape == (5, 7)  # pgm is stored as PNG
    some = read_image_folder(tmp_path / "root", extensions=[".png", "webp"])
    assert some.get_column("file_name") == ["cat/1.png", "cat/more/2.png", "dog/a.PNG", "zebra/z.webp"]


def test_image_folder_errors(tmp_path: Path) -> None:
    make_folder(tmp_path / "root")
    (tmp_path / "root" / "empty").mkdir()
    with pytest.raises(tl.FormatError, match=r"no image files .* in the class folders empty"):
        tl.Table.from_image_folder(tmp_path / "root")
    (tmp_path / "flat").mkdir()
    with pytest.raises(tl.FormatError, match="no class folders"):
        tl.Table.from_image_folder(tmp_path / "flat")


def test_image_folder_round_trip_through_an_artifact(tmp_path: Path, run) -> None:
    make_folder(tmp_path / "root")
    art = tl.Artifact("folder", "dataset")
    art.add(tl.Table.from_image_folder(tmp_path / "root"), "t")
    run.log_artifact(art)
    run.use_artifact("folder:latest").get("t").to_image_folder(tmp_path / "out")
    back = tl.Table.from_image_folder(tmp_path / "out")
    assert back.get_column("file_name") == tl.Table.from_image_folder(tmp_path / "root").get_column("file_name")
    for rel in back.get_column("file_name"):
        assert (tmp_path / "out" / rel).read_bytes() == (tmp_path / "root" / rel).read_bytes()


def png_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(np.random.default_rng(seed).integers(0, 256, (6, 9, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_huggingface_features_map_to_cells(hf_offline: None, run) -> None:
    import datasets

    features = datasets.Features({
        "image": datasets.Image(),
        "label": datasets.ClassLabel(names=["cat", "dog"]),
        "tags": datasets.Sequence(datasets.ClassLabel(names=["indoor", "outdoor", "night"])),
        "objects": datasets.Sequence({"bbox": datasets.Sequence(datasets.Value("float32"), length=4),
                                      "category": datasets.ClassLabel(names=["a", "b"])}),
        "score": datasets.Value("float64"),
        "caption": datasets.Value("string"),
    })
    data = {
        "image": [{"bytes": png_bytes(i), "path": None} for i in range(4)],
        "label": [0, 1, -1, 1],
        "tags": [[0, 2], [], [1], [2, 2]],
        "objects": [{"bbox": [[1, 2, 3, 4]], "category": [1]}, {"bbox": [], "category": []},
                    {"bbox": [[0, 0, 1, 1], [2, 2, 1, 1]], "category": [0, 1]}, {"bbox": [], "category": []}],
        "score": [0.5, 0.25, None, 1.0],
        "caption": ["one", "two", "three", None],
    }
    ds = datasets.Dataset.from_dict(data, features=features).select([3, 0, 2])  # indices apply
    table = tl.Table.from_huggingface(ds)
    assert table.columns == list(features)
    assert table.get_column("label") == ["dog", "cat", None]
    assert table.get_column("tags") == [["night", "night"], ["indoor", "night"], ["outdoor"]]
    assert table.get_column("objects")[2] == {"bbox": [[0, 0, 1, 1], [2, 2, 1, 1]], "category": ["a", "b"]}
    assert table.get_column("score") == [1.0, 0.5, None] and table.get_column("caption") == [None, "one", "three"]
    images = table.get_column("image")
    assert [im.digest for im in images] == [hashlib.sha256(png_bytes(i)).hexdigest() for i in (3, 0, 2)]
    assert images[0].format == "png" and (images[0].width, images[0].height) == (9, 6)
    art = tl.Artifact("hf", "dataset")
    art.add(table, "t")
    run.log_artifact(art)
    back = run.use_artifact("hf:latest").get("t")
    assert [im.digest for im in back.get_column("image")] == [im.digest for im in images]  # bytes kept as given
    assert np.array_equal(back.get_column("image")[1].to_numpy(),
                          np.asarray(PILImage.open(io.BytesIO(png_bytes(0)))))


def test_huggingface_dataset_from_local_files_and_splits(tmp_path: Path, hf_offline: None) -> None:
    import datasets

    make_folder(tmp_path / "root")
    dd = datasets.load_dataset("imagefolder", data_dir=str(tmp_path / "root"))
    table = tl.Table.from_huggingface(dd)
    assert table.columns == ["split", "image", "label"]
    assert set(table.get_column("split")) == {"train"}
    paths = {Path(im.path).relative_to(tmp_path / "root").as_posix() for im in table.get_column("image")}
    assert paths == {"cat/1.png", "cat/0.jpg", "dog/a.PNG", "zebra/z.webp", "dog/b.bmp"}  # by path, not copied
    assert tl.Table.from_huggingface(dd, split="train").columns == ["image", "label"]
    with pytest.raises(ValueError, match="no split 'test'"):
        tl.Table.from_huggingface(dd, split="test")


def test_huggingface_unsupported_features_are_named(hf_offline: None) -> None:
    import datasets

    ds = datasets.Dataset.from_dict({"clip": [None]},
                                    features=datasets.Features({"clip": datasets.Audio(decode=False)}))
    with pytest.raises(tl.FormatError, match=r"column 'clip': Audio features are not read by tablelens yet"):
        tl.Table.from_huggingface(ds)
    with pytest.raises(TypeError, match=r"datasets\.Dataset"):
        tl.Table.from_huggingface([1, 2, 3])
