"""The W&B table layout: folders written as the SDK writes them open unchanged; exports open again equal.

Fixtures are written by `wandb_fixtures.py` straight from `docs/wandb-table-format.md` (the wandb package cannot be
installed here), so every test reads what W&B would have written, not what our own writer makes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from wandb_fixtures import WandbDir, b64_md5, md5_hex, sha256_hex

import tablelens as tl
from tablelens.codec import read_parquet
from tablelens.interop.wandb import read_wandb_dir, write_wandb_dir

CLASSES = [{"id": 0, "name": "road"}, {"id": 1, "name": "car"}, {"id": 2, "name": "person"}]
REF = "wandb-artifact://41727469666163743a313233/media/images/0123456789abcdef0123.png"


@pytest.fixture(autouse=True)
def _no_current_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Artifacts stage in the system temp folder unless a test starts a run itself."""
    from tablelens.artifacts import context

    monkeypatch.setattr(context, "_current", [])


def pixels(seed: int, h: int = 32, w: int = 48) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def mask(seed: int, h: int = 32, w: int = 48) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 3, (h, w)).astype(np.uint8)


BOXES = {"ground_truth": [
    {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1, "box_caption": "car",
     "scores": {"conf": 0.9, "iou": 0.5}},
    {"position": {"middle": [24, 16], "width": 10, "height": 8}, "domain": "pixel", "class_id": 2},
]}


def every_cell_folder(root: Path, src: Path) -> dict[str, Any]:
    """A dataset table with every kind of cell the layout has, plus a plain file; returns what was written."""
    w = WandbDir(root)
    jpg = src / "photo.jpg"
    PILImage.fromarray(pixels(9, 20, 30)).save(jpg, quality=90)
    image = w.image(pixels(1), caption="street", boxes=BOXES, masks={"ground_truth": mask(2)}, classes=CLASSES)
    plain = w.image(pixels(3))
    photo = w.image(jpg)
    wav = tl.Audio(np.linspace(-0.5, 0.5, 800), sample_rate=8000).read_bytes()  # a real 0.1 s WAV file
    audio = w.other_media("audio-file", "media/audio", ".wav", wav)
    html = w.other_media("html-file", "media/html", ".html", b"<p>hi</p>")
    hist = {"_type": "histogram", "bins": [0.0, 0.5, 1.0], "values": [3, 4]}
    when = [dt.datetime(2021, 3, 4, 5, 6, 7, 123000), dt.datetime(1969, 12, 31, 23, 59, 59), None]
    feat = [np.arange(6, dtype=np.float32).reshape(2, 3) + i for i in range(3)]
    big = [np.arange(200, dtype=np.int64) * i for i in range(3)]
    columns = ["id", "score", "name", "flag", "when", "tags", "meta", "emb", "feat", "big", "image", "photo",
               "audio", "html", "hist", "mixed", "empty"]
    rows = [
        [0, 0.5, "a", True, when[0], ["x", "y"], {"k": 1, "n": {"deep": [1, 2]}}, np.array([0.5, 1.5]), feat[0],
         big[0], image, photo, audio, html, hist, 1, None],
        [1, float("nan"), "b", False, when[1], [], {"k": 2, "n": {"deep": []}}, np.array([2.5, 3.5]), feat[1],
         big[1], plain, None, None, None, None, "two", None],
        [2, float("inf"), None, None, when[2], ["z"], {"k": None, "n": {"deep": [3]}}, np.array([4.5, 5.5]),
         feat[2], big[2], None, photo, audio, None, hist, None, None],
    ]
    rows[1][1] = float("nan")
    w.table("dataset", columns, rows)
    w.write("README.txt", b"notes about the data\n")
    w.manifest()
    return {"columns": columns, "rows": rows, "image": image, "photo": photo, "audio": audio, "html": html,
            "hist": hist, "when": when, "feat": feat, "big": big, "jpg": jpg}


# --------------------------------------------------------------------------- reading W&B folders


def test_every_cell_type_opens_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    f = every_cell_folder(tmp_path / "dl", src)
    art = tl.Artifact.from_dir(tmp_path / "dl")
    assert art.version is None and art.name == "dl" and art.type == "dataset"
    assert art.tables() == ["dataset"]
    assert not any(p.endswith(".table.json") for p in art.files())
    t = art.get("dataset")
    assert isinstance(t, tl.Table) and t.columns == f["columns"] and len(t) == 3

    assert t.get_column("id") == [0, 1, 2]
    score = t.get_column("score")
    assert score[0] == 0.5 and score[1] is None and score[2] == math.inf  # W&B wrote NaN as null
    assert t.get_column("name") == ["a", "b", None]
    assert t.get_column("flag") == [True, False, None]
    assert t.get_column("when") == f["when"]
    assert t.get_column("tags") == [["x", "y"], [], ["z"]]
    assert t.get_column("meta") == [{"k": 1, "n": {"deep": [1, 2]}}, {"k": 2, "n": {"deep": []}},
                                    {"k": None, "n": {"deep": [3]}}]
    assert t.get_column("emb") == [[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]]  # the SDK logs short 1-D arrays as lists
    for got, want in zip(t.get_column("feat"), f["feat"]):
        assert isinstance(got, np.ndarray) and got.dtype == np.float32 and np.array_equal(got, want)
    for got, want in zip(t.get_column("big"), f["big"]):
        assert got.shape == (200,) and np.array_equal(got, want)
    sound, none_audio, again = t.get_column("audio")  # media cells (tests/formats/test_wandb_sdk_media.py)
    assert isinstance(sound, tl.Audio) and none_audio is None and again == sound
    assert sound.digest == f["audio"]["sha256"] and sound.duration == pytest.approx(0.1)
    page, none1, none2 = t.get_column("html")
    assert isinstance(page, tl.Html) and page.html == "<p>hi</p>" and none1 is none2 is None
    assert t.get_column("hist") == [f["hist"], None, f["hist"]]
    assert t.get_column("mixed") == [1, "two", None]
    assert t.get_column("empty") == [None, None, None]

    img, plain, none = t.get_column("image")
    assert none is None
    assert np.array_equal(img.to_numpy(), pixels(1)) and (img.width, img.height) == (48, 32)
    assert img.caption == "street" and img.classes == tl.Classes(CLASSES)
    assert img.boxes == {"ground_truth": BOXES["ground_truth"]}
    assert np.array_equal(img.masks["ground_truth"], mask(2))
    assert plain.classes is None and plain.boxes == {} and plain.caption is None
    assert np.array_equal(plain.to_numpy(), pixels(3))
    photo = t.get_column("photo")[0]
    assert photo.format == "jpeg" and (photo.width, photo.height) == (30, 20)
    assert np.array_equal(photo.to_numpy(), np.asarray(PILImage.open(f["jpg"])))

    # media stay under their W&B names, pointing at the folder's files (nothing copied); plain files are kept
    assert img.path == str(tmp_path / "dl" / f["image"]["path"])
    for p in (f["image"]["path"], f["photo"]["path"], f["image"]["masks"]["ground_truth"]["path"],
              f["image"]["classes"]["path"], f["audio"]["path"], "README.txt", "wandb_manifest.json"):
        assert p in art.files()
    assert Path(art.get_path("README.txt").local_path).read_bytes() == b"notes about the data\n"
    # converted files are not kept beside their Parquet form
    assert not any(p.startswith("media/serialized_data/") for p in art.files())


def test_opened_table_is_the_stored_parquet_form(tmp_path: Path) -> None:
    """The query engine and the Explorer scan the Parquet file: image columns carry their layers and classes."""
    every_cell_folder(tmp_path / "dl", tmp_path)
    t = tl.Artifact.from_dir(tmp_path / "dl").get("dataset")
    stored = t.stored_file
    kinds = {c["name"]: c for c in read_parquet(stored.parquet_path)[1]["columns"]}
    assert kinds["image"]["kind"] == "image" and kinds["image"]["layers"]["boxes"] == ["ground_truth"]
    assert kinds["image"]["scores"] == {"ground_truth": ["conf", "iou"]}
    assert kinds["when"]["kind"] == "datetime" and kinds["feat"]["kind"] == "ndarray"
    assert kinds["score"]["kind"] == "float" and kinds["mixed"]["kind"] == "mixed"
    assert read_parquet(stored.parquet_path)[0].num_rows == 3


def test_logged_from_dir_gives_the_same_table_back(tmp_path: Path) -> None:
    every_cell_folder(tmp_path / "dl", tmp_path)
    art = tl.Artifact.from_dir(tmp_path / "dl", name="street-scenes")
    before = art.get("dataset")
    run = tl.init(dir=tmp_path / "store")
    run.log_artifact(art)
    assert art.version == "v0"
    again = run.use_artifact("street-scenes:latest").get("dataset")
    assert again == before
    run.finish()


def test_name_defaults_to_the_folder_made_safe(tmp_path: Path) -> None:
    WandbDir(tmp_path / "my data:v3").table("t", ["a"], [[1]])
    assert tl.Artifact.from_dir(tmp_path / "my data:v3").name == "my-data-v3"
    assert read_wandb_dir(tmp_path / "my data:v3", name="x", type="predictions").type == "predictions"


def test_joined_table(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    w.table("dataset", ["id", "image"], [[i, w.image(pixels(i), classes=CLASSES, masks={"gt": mask(i)})]
                                         for i in range(3)])
    w.table("preds", ["id", "guess"], [[i, f"class {i}"] for i in (2, 0, 1)])
    w.joined("joined", "dataset.table.json", "preds.table.json", "id")
    w.manifest()
    art = tl.Artifact.from_dir(tmp_path / "dl")
    assert art.tables() == ["dataset", "joined", "preds"]
    jt = art.get("joined")
    assert isinstance(jt, tl.JoinedTable) and jt.join_key == "id"
    assert jt.table1 == art.get("dataset") and jt.table2 == art.get("preds")
    assert jt.table2.get_column("guess") == ["class 2", "class 0", "class 1"]

    out = write_wandb_dir(art, tmp_path / "out")
    obj = json.loads((Path(out) / "joined.joined-table.json").read_text())
    assert obj == {"_type": "joined-table", "join_key": "id", "table1": "dataset.table.json",
                   "table2": "preds.table.json"}
    assert tl.Artifact.from_dir(out).get("joined") == jt


def test_joined_table_with_a_key_per_table(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    w.table("a", ["id"], [[1]])
    w.table("b", ["ref"], [[1]])
    w.joined("j", "a.table.json", "b.table.json", ["id", "ref"])
    assert tl.Artifact.from_dir(tmp_path / "dl").get("j").join_key == ["id", "ref"]


def test_partitioned_table_reads_as_one_table(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    w.partitioned("big", "parts", ["id", "x"], [[[0, 0.5], [1, 1.5]], [[2, 2.5]], [[3, float("inf")]]])
    w.manifest()
    art = tl.Artifact.from_dir(tmp_path / "dl")
    assert art.tables() == ["big"]
    t = art.get("big")
    assert t.get_column("id") == [0, 1, 2, 3] and t.get_column("x") == [0.5, 1.5, 2.5, math.inf]
    assert not any(p.startswith("parts/") for p in art.files())


def test_single_image_file(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    w.image_file("sample", w.image(pixels(4), caption="one", boxes=BOXES, classes=CLASSES))
    art = tl.Artifact.from_dir(tmp_path / "dl")
    img = art.get("sample")
    assert isinstance(img, tl.Image) and img.caption == "one" and np.array_equal(img.to_numpy(), pixels(4))
    out = Path(write_wandb_dir(art, tmp_path / "out"))
    cell = json.loads((out / "sample.image-file.json").read_text())
    assert cell["_type"] == "image-file" and cell["boxes"] == {"ground_truth": _floats(BOXES["ground_truth"])}
    assert tl.Artifact.from_dir(out).get("sample") == img


def test_infinity_tokens_are_read(tmp_path: Path) -> None:
    root = tmp_path / "dl"
    root.mkdir()
    (root / "t.table.json").write_text(
        '{"_type": "table", "columns": ["x", "l"], "data": [[Infinity, [1, -Infinity]], [-Infinity, null], '
        '[null, [NaN]]], "ncols": 2, "nrows": 3}')
    t = tl.Artifact.from_dir(root).get("t")
    assert t.get_column("x") == [math.inf, -math.inf, None]
    assert t.get_column("l")[0] == [1, -math.inf]


def test_ref_entry_without_bytes_opens_and_fails_clearly_on_pixels(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    here = w.image(pixels(5), classes=CLASSES, boxes=BOXES)
    missing = {"_type": "image-file", "format": "png", "height": 32, "width": 48, "sha256": "ab" * 32,
               "path": "media/images/0123456789abcdef0123.png", "classes": here["classes"],
               "boxes": {"ground_truth": [BOXES["ground_truth"][0]]}}
    w.table("preds", ["id", "image"], [[0, here], [1, missing]])
    w.ref(missing["path"], REF, size=4708)
    w.manifest()
    art = tl.Artifact.from_dir(tmp_path / "dl")  # no crash at open time
    entry = art.get_path(missing["path"])
    assert entry.ref == REF and entry.size == 4708 and entry.digest == "ab" * 32
    t = art.get("preds")
    ok, img = t.get_column("image")
    assert np.array_equal(ok.to_numpy(), pixels(5))
    assert (img.width, img.height) == (48, 32) and img.boxes == {"ground_truth": [BOXES["ground_truth"][0]]}
    with pytest.raises(FileNotFoundError, match=r"not available.*0123456789abcdef0123\.png"):
        _ = img.image

    # exporting keeps the reference (with its W&B digest) instead of inventing bytes
    out = Path(write_wandb_dir(art, tmp_path / "out"))
    manifest = json.loads((out / "wandb_manifest.json").read_text())
    assert manifest["contents"][missing["path"]] == {"digest": "9tGgpd2DYsvWqTvzIAqqRw==", "ref": REF, "size": 4708}
    cells = json.loads((out / "preds.table.json").read_text())["data"]
    assert cells[1][1]["path"] == missing["path"] and cells[1][1]["sha256"] == "ab" * 32
    assert not (out / missing["path"]).exists()


def test_ref_entry_with_bytes_present_is_used_and_recorded(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    cell = w.image(pixels(6))
    w.table("t", ["image"], [[cell]])
    data = w.files.pop(cell["path"])  # listed as a reference, but a download resolved it into the folder
    w.ref(cell["path"], REF, size=len(data), digest=b64_md5(data))
    w.manifest()
    art = tl.Artifact.from_dir(tmp_path / "dl")
    assert art.get_path(cell["path"]).ref == REF
    assert np.array_equal(art.get("t").get_column("image")[0].to_numpy(), pixels(6))


def test_other_media_files_are_kept_with_their_cells(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    graph = w.other_media("bokeh-file", "media/bokeh", ".bokeh.json", b'{"doc": 1}')  # no tablelens media kind
    w.table("t", ["v"], [[graph]])
    art = tl.Artifact.from_dir(tmp_path / "dl")
    assert art.get("t").get_column("v") == [graph]
    assert Path(art.get_path(graph["path"]).local_path).read_bytes() == b'{"doc": 1}'


# --------------------------------------------------------------------------- bad input


def _table_dir(tmp_path: Path, obj: Any, text: str | None = None, manifest: Any = None) -> Path:
    root = tmp_path / "dl"
    root.mkdir(exist_ok=True)
    (root / "t.table.json").write_text(text if text is not None else json.dumps(obj))
    if manifest is not None:
        (root / "wandb_manifest.json").write_text(json.dumps(manifest))
    return root


def _cell_table(cell: Any) -> dict[str, Any]:
    return {"_type": "table", "columns": ["c"], "data": [[cell]], "ncols": 1, "nrows": 1}


@pytest.mark.parametrize(("text", "match"), [
    ('{"_type": "table", "columns": ["a"], "data": [[1]', r"'t\.table\.json' is not valid JSON"),
    ('{"_type": "fancy-table", "columns": ["a"], "data": [[1]]}', r"'t\.table\.json' has _type 'fancy-table'"),
    ('{"_type": "joined-table", "table1": "a", "table2": "b", "join_key": "id"}', r"has _type 'joined-table'"),
    ('[1, 2, 3]', r"holds a list, not a table object"),
    ('{"_type": "table", "columns": ["a", "b"], "data": [[1, 2], [3]]}', r"row 1 has 1 cells but the table has 2"),
    ('{"_type": "table", "columns": ["a", "a"], "data": []}', r"column 'a' appears more than once"),
    ('{"_type": "table", "columns": ["a"], "data": [[1]], "nrows": 5}', r"'nrows' says 5 but the file holds 1"),
    ('{"_type": "table", "columns": "a", "data": []}', r"'columns' must be a list"),
    ('{"_type": "table", "columns": ["a"], "data": [[1]], "column_types": 7}', r"'column_types' is not"),
    ('{"_type": "table", "columns": ["a"], "data": [[{"_type": "image-file"}]]}', r"image cell has no 'path'"),
])
def test_garbled_table_files_name_the_file_and_the_fault(tmp_path: Path, text: str, match: str) -> None:
    root = _table_dir(tmp_path, None, text)
    with pytest.raises(tl.CorruptFileError, match=match):
        tl.Artifact.from_dir(root)


@pytest.mark.parametrize("bad", ["../x.png", "/etc/passwd", "media/../../x.png", "C:/x.png"])
def test_unsafe_manifest_paths_are_refused(tmp_path: Path, bad: str) -> None:
    root = _table_dir(tmp_path, _cell_table(1), manifest={"contents": {bad: {"digest": "x", "ref": REF, "size": 0}},
                                                           "version": 1})
    with pytest.raises(tl.UnsafePathError, match=r"wandb_manifest\.json"):
        tl.Artifact.from_dir(root)


@pytest.mark.parametrize("where", ["image", "mask", "classes", "npz", "audio"])
def test_unsafe_paths_in_table_cells_are_refused(tmp_path: Path, where: str) -> None:
    w = WandbDir(tmp_path / "dl")
    cell = w.image(pixels(7), masks={"gt": mask(7)}, classes=CLASSES)
    obj: dict[str, Any] = _cell_table(cell)
    if where == "image":
        cell["path"] = "../x.png"
    elif where == "mask":
        cell["masks"]["gt"]["path"] = "/tmp/evil.png"
    elif where == "classes":
        cell["classes"]["path"] = "media/../../classes.json"
    elif where == "audio":
        obj = _cell_table({"_type": "audio-file", "path": "../../song.wav"})
    else:
        obj = {"_type": "table", "columns": ["a"], "data": [[None]], "column_types": {"params": {"type_map": {
            "a": {"params": {"serialization_path": {"key": "a", "path": "../a.npz"}, "shape": [2, 2]},
                  "wb_type": "ndarray"}}}, "wb_type": "typedDict"}}
    w.write_json("t.table.json", obj)
    with pytest.raises(tl.UnsafePathError, match=r"t\.table\.json"):
        tl.Artifact.from_dir(tmp_path / "dl")


def test_manifest_faults(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "dl")
    w.table("t", ["a"], [[1]])
    w.write("notes.txt", b"one")
    w.manifest()
    (tmp_path / "dl" / "notes.txt").write_bytes(b"two")  # changed after the download
    with pytest.raises(tl.CorruptFileError, match=r"'notes\.txt' does not match its digest"):
        tl.Artifact.from_dir(tmp_path / "dl")
    (tmp_path / "dl" / "notes.txt").unlink()
    with pytest.raises(tl.CorruptFileError, match=r"lists 'notes\.txt'.*download is incomplete"):
        tl.Artifact.from_dir(tmp_path / "dl")
    (tmp_path / "dl" / "wandb_manifest.json").write_text('{"version": 1}')
    with pytest.raises(tl.CorruptFileError, match="no 'contents'"):
        tl.Artifact.from_dir(tmp_path / "dl")


def test_pickled_npz_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "dl"
    (root / "media" / "serialized_data").mkdir(parents=True)
    np.savez(root / "media" / "serialized_data" / "a_x.npz", a=np.array([np.zeros(2), None], dtype=object))
    _table_dir(tmp_path, {"_type": "table", "columns": ["a"], "data": [[None], [None]], "column_types": {
        "params": {"type_map": {"a": {"params": {"allowed_types": [{"wb_type": "none"}, {"params": {
            "serialization_path": {"key": "a", "path": "media/serialized_data/a_x.npz"}, "shape": [2]},
            "wb_type": "ndarray"}]}, "wb_type": "union"}}}, "wb_type": "typedDict"}})
    with pytest.raises(tl.CorruptFileError, match="never unpickles"):
        tl.Artifact.from_dir(root)


@pytest.mark.parametrize(("box", "match"), [
    ({"position": {"minX": 0.1, "maxX": 0.2, "minY": 0.1, "maxY": 0.2}}, "field 'class_id'"),
    ({"position": {"minX": 0.5, "maxX": 0.2, "minY": 0.1, "maxY": 0.2}, "class_id": 1}, "'position.minX'"),
    ({"position": {"x": 1}, "class_id": 1}, "field 'position' needs"),
])
def test_bad_boxes_name_the_cell(tmp_path: Path, box: dict[str, Any], match: str) -> None:
    w = WandbDir(tmp_path / "dl")
    w.table("t", ["image"], [[w.image(pixels(8), boxes={"gt": [box]}, classes=CLASSES)]])
    with pytest.raises(tl.CorruptFileError, match=rf"t\.table\.json', row 0, column 'image'.*{match}"):
        tl.Artifact.from_dir(tmp_path / "dl")


def test_joined_and_partitioned_faults(tmp_path: Path) -> None:
    w = WandbDir(tmp_path / "a")
    w.table("t", ["id"], [[1]])
    w.joined("j", "t.table.json", "gone.table.json", "id")
    with pytest.raises(tl.CorruptFileError, match=r"table2 names 'gone.table\.json'"):
        tl.Artifact.from_dir(tmp_path / "a")
    w.joined("j", "t.table.json", "t.table.json", "key")
    with pytest.raises(tl.CorruptFileError, match="join key 'key' is not a column"):
        tl.Artifact.from_dir(tmp_path / "a")
    w.ref("other.table.json", "wandb-artifact://abc/other.table.json")
    w.manifest()
    w.joined("j", "t.table.json", "other.table.json", "id")
    (tmp_path / "a" / "wandb_manifest.json").unlink()
    w.files.pop("wandb_manifest.json")
    w.manifest()
    with pytest.raises(tl.CorruptFileError, match="reference into another artifact"):
        tl.Artifact.from_dir(tmp_path / "a")

    p = WandbDir(tmp_path / "b")
    p.table("parts/0", ["a"], [[1]])
    p.table("parts/1", ["b"], [[1]])
    p.write_json("x.partitioned-table.json", {"_type": "partitioned-table", "parts_path": "parts"})
    with pytest.raises(tl.CorruptFileError, match="has columns \\['b'\\], but the other parts"):
        tl.Artifact.from_dir(tmp_path / "b")


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tl.Artifact.from_dir(tmp_path / "nope")
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        tl.Artifact.from_dir(tmp_path / "f")


# --------------------------------------------------------------------------- exporting


def seed_like_table(n: int = 12) -> tl.Table:
    """Street scenes as in the seed story: images with boxes (both position forms), masks, classes, captions."""
    classes = tl.Classes(CLASSES)
    t = tl.Table(columns=["id", "image", "label", "road", "when", "emb"])
    for i in range(n):
        boxes = {"ground_truth": {"box_data": [
            {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5}, "class_id": 1,
             "scores": {"conf": 0.5 + i / 100}, "box_caption": f"car {i}"},
            {"position": {"middle": [10 + i, 12], "width": 6, "height": 4}, "domain": "pixel", "class_id": 2}]},
            "predictions": {"box_data": [{"position": {"minX": 0.0, "maxX": 1.0, "minY": 0.0, "maxY": 1.0},
                                          "class_id": 0}]}}
        img = tl.Image(pixels(100 + i), caption=f"scene {i}" if i % 3 else None, classes=classes, boxes=boxes,
                       masks={"ground_truth": {"mask_data": mask(200 + i)}})
        t.add_data(i, img, ["road", "car", "person"][i % 3], i / 7, dt.datetime(2022, 1, 1 + i, 12, 0, 0, 250000),
                   np.linspace(0, 1, 8) * i)
    return t


def test_seed_like_dataset_round_trips(tmp_path: Path) -> None:
    table = seed_like_table()
    art = tl.Artifact("street-scenes", "dataset")
    art.add(table, "dataset")
    assert write_wandb_dir(art, tmp_path / "out") == str(tmp_path / "out")
    back = tl.Artifact.from_dir(tmp_path / "out")
    assert back.get("dataset") == table
    emb = back.get("dataset").get_column("emb")
    assert all(isinstance(e, np.ndarray) for e in emb)  # 1-D arrays come back as arrays, not lists


def test_logged_artifact_exports_and_reopens_equal(tmp_path: Path) -> None:
    table = seed_like_table(4)
    preds = tl.Table(columns=["id", "guess", "score"], data=[[i, "car", i / 3] for i in range(4)])
    run = tl.init(dir=tmp_path / "store")
    art = tl.Artifact("scenes", "dataset")
    art.add(table, "dataset")
    art.add(tl.JoinedTable(table, preds, "id"), "joined")
    art.add(tl.Classes(CLASSES), "labels")
    (tmp_path / "notes.md").write_text("# notes\n")
    art.add_file(tmp_path / "notes.md", "docs/notes.md")
    run.log_artifact(art)
    logged = run.use_artifact("scenes:v0")
    out = logged.export(tmp_path / "out", format="wandb")
    back = tl.Artifact.from_dir(out)
    assert back.get("dataset") == table
    assert back.get("joined") == logged.get("joined")
    assert back.get("labels") == tl.Classes(CLASSES)
    assert Path(back.get_path("docs/notes.md").local_path).read_text() == "# notes\n"
    run.finish()


def test_ndarray_columns(tmp_path: Path) -> None:
    columns = {
        "grid": [np.arange(6, dtype=np.float32).reshape(2, 3) * i for i in range(3)],  # 2-D: .npz, dtype kept
        "long": [np.arange(151) + i for i in range(3)],  # 1-D over 150: .npz
        "short": [np.array([i, i + 0.5, np.nan]) for i in range(3)],  # 1-D up to 150: inline
        "ragged": [np.arange(i + 1) for i in range(3)],  # inline (an .npz cannot hold it without pickling)
        "optional": [np.ones((2, 2)), None, np.zeros((2, 2))],  # inline
    }
    table = tl.Table(columns=list(columns), data=[list(r) for r in zip(*columns.values())])
    art = tl.Artifact("arrays", "dataset")
    art.add(table, "t")
    out = Path(write_wandb_dir(art, tmp_path / "out"))
    obj = json.loads((out / "t.table.json").read_text())
    types = obj["column_types"]["params"]["type_map"]
    for name in ("grid", "long"):
        nd = next(m for m in types[name]["params"]["allowed_types"] if m["wb_type"] == "ndarray")
        sp = nd["params"]["serialization_path"]
        assert sp["key"] == name and re.fullmatch(rf"media/serialized_data/{name}_[0-9a-f]{{8}}\.npz", sp["path"])
        assert all(row[obj["columns"].index(name)] is None for row in obj["data"])
        with np.load(out / sp["path"], allow_pickle=False) as f:
            assert f[name].shape == (3, *columns[name][0].shape)
    assert nd["params"]["shape"] == [151]
    assert obj["data"][0][obj["columns"].index("short")] == [0.0, 0.5, None]
    back = tl.Artifact.from_dir(out).get("t")
    assert back == table
    assert back.get_column("grid")[1].dtype == np.float32


def test_nan_reads_back_as_none(tmp_path: Path) -> None:
    """Documented: W&B writes NaN as null, so a float NaN comes back as None."""
    art = tl.Artifact("n", "dataset")
    art.add(tl.Table(columns=["x", "l"], data=[[float("nan"), [1.0, float("nan")]], [1.5, []]]), "t")
    back = tl.Artifact.from_dir(write_wandb_dir(art, tmp_path / "out")).get("t")
    assert back.get_column("x") == [None, 1.5] and back.get_column("l") == [[1.0, None], []]


def test_exported_json_follows_the_format_document(tmp_path: Path) -> None:
    table = seed_like_table(3)
    table.add_column("score", [math.inf, -math.inf, float("nan")])
    art = tl.Artifact("doc", "dataset")
    art.add(table, "dataset")
    out = Path(write_wandb_dir(art, tmp_path / "out"))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())

    for f in (f for f in files if f.endswith(".json")):
        text = (out / f).read_text()
        assert text == json.dumps(json.loads(text), sort_keys=True), f"{f} is not written as the SDK writes JSON"
        assert "NaN" not in text

    obj = json.loads((out / "dataset.table.json").read_text())
    assert set(obj) == {"_type", "columns", "data", "ncols", "nrows", "column_types", "log_mode"}
    assert obj["_type"] == "table" and obj["log_mode"] == "IMMUTABLE"
    assert (obj["ncols"], obj["nrows"]) == (len(obj["columns"]), len(obj["data"])) == (7, 3)
    assert obj["column_types"]["wb_type"] == "typedDict"
    assert set(obj["column_types"]["params"]["type_map"]) == set(obj["columns"])
    raw = (out / "dataset.table.json").read_text()
    assert re.search(r"[ \[]Infinity[,\]]", raw) and re.search(r"[ \[]-Infinity[,\]]", raw)  # bare tokens
    col = obj["columns"].index
    assert [r[col("score")] for r in obj["data"]] == [math.inf, -math.inf, None]
    assert obj["data"][0][col("when")] == int(dt.datetime(2022, 1, 1, 12, 0, 0, 250000,
                                                          tzinfo=dt.timezone.utc).timestamp() * 1000)

    for row in obj["data"]:
        cell = row[col("image")]
        data = (out / cell["path"]).read_bytes()
        assert cell["path"] == f"media/images/{md5_hex(data)[:20]}.png" and cell["sha256"] == sha256_hex(data)
        assert cell["format"] == "png" and (cell["width"], cell["height"]) == (48, 32)
        assert set(cell) <= {"_type", "path", "sha256", "format", "width", "height", "caption", "boxes", "masks",
                             "classes"}
        for box in cell["boxes"]["ground_truth"]:
            assert set(box) <= {"position", "domain", "class_id", "box_caption", "scores"}
        m = cell["masks"]["ground_truth"]
        mdata = (out / m["path"]).read_bytes()
        assert m["_type"] == "mask" and m["path"] == f"media/images/mask/{md5_hex(mdata)[:20]}.mask.png"
        assert m["sha256"] == sha256_hex(mdata) and PILImage.open(io.BytesIO(mdata)).mode == "L"
        c = cell["classes"]
        cdata = (out / c["path"]).read_bytes()
        assert c["type"] == "classes-file" and c["digest"] == b64_md5(cdata)
        assert c["path"] == f"media/classes/{md5_hex(str(CLASSES).encode())}_cls.classes.json"
        assert json.loads(cdata) == {"_type": "classes", "class_set": CLASSES}
    assert "caption" not in obj["data"][0][col("image")] and obj["data"][1][col("image")]["caption"] == "scene 1"

    manifest = json.loads((out / "wandb_manifest.json").read_text())
    assert manifest["version"] == 1 and manifest["storagePolicy"] == "wandb-storage-policy-v1"
    assert manifest["storagePolicyConfig"] == {"storageLayout": "V2"}
    listed = manifest["contents"]
    assert sorted(listed) == [f for f in files if f != "wandb_manifest.json"]
    for f, e in listed.items():
        data = (out / f).read_bytes()
        assert e == {"digest": base64.b64encode(hashlib.md5(data).digest()).decode(), "size": len(data)}


def test_export_of_an_opened_folder_reopens_equal(tmp_path: Path) -> None:
    every_cell_folder(tmp_path / "dl", tmp_path)
    art = tl.Artifact.from_dir(tmp_path / "dl")
    out = art.export(tmp_path / "out")
    again = tl.Artifact.from_dir(out)
    assert again.get("dataset") == art.get("dataset")
    assert again.get_path("README.txt").digest == art.get_path("README.txt").digest
    # media keep their W&B names when they already have them
    assert {p for p in again.files() if p.startswith("media/images/")} == {
        p for p in art.files() if p.startswith("media/images/")}


def test_images_without_classes_get_the_sdk_default_classes(tmp_path: Path) -> None:
    img = tl.Image(pixels(11), boxes={"gt": {"box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0,
                                                                             "maxY": 1}, "class_id": 4}]}},
                   masks={"gt": {"mask_data": np.full((32, 48), 2)}})
    assert img.classes is None
    art = tl.Artifact("c", "dataset")
    art.add(tl.Table(columns=["image"], data=[[img]]), "t")
    back = tl.Artifact.from_dir(write_wandb_dir(art, tmp_path / "out")).get("t").get_column("image")[0]
    assert back.classes == tl.Classes([{"id": 2, "name": "class_2"}, {"id": 4, "name": "class_4"}])


def test_export_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    art = tl.Artifact("e", "dataset")
    art.add(tl.Table(columns=["a"], data=[[1]]), "t")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        art.export(tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


# --------------------------------------------------------------------------- property: scalar tables round trip

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_ms_datetimes = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
_columns = st.sampled_from([
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=True),
    _text,
    st.booleans(),
    st.none() | st.integers(-5, 5),
    st.none() | _ms_datetimes,
    st.lists(st.integers(-100, 100), max_size=4),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 9) | _text, max_size=2),
    st.one_of(st.integers(0, 3), _text, st.none()),
])


@st.composite
def tables(draw: st.DrawFn) -> tl.Table:
    n_cols = draw(st.integers(1, 4))
    n_rows = draw(st.integers(0, 6))
    kinds = [draw(_columns) for _ in range(n_cols)]
    names = draw(st.lists(st.text("abcxyz_ ", min_size=1, max_size=5), min_size=n_cols, max_size=n_cols,
                          unique=True))
    rows = [[draw(k) for k in kinds] for _ in range(n_rows)]
    return tl.Table(columns=names, data=rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_scalar_tables_round_trip(table: tl.Table) -> None:
    art = tl.Artifact("p", "dataset")
    art.add(table, "t")
    with tempfile.TemporaryDirectory() as d:
        back = read_wandb_dir(write_wandb_dir(art, os.path.join(d, "out"))).get("t")
        assert back == table


def _floats(boxes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Boxes as stored: coordinates are doubles in the Parquet form."""
    out = json.loads(json.dumps(boxes))
    for b in out:
        p = b["position"]
        for k in p:
            p[k] = [float(x) for x in p[k]] if isinstance(p[k], list) else float(p[k])
    return out


def test_a_missing_media_file_opens_with_a_warning_and_fails_only_on_use(tmp_path: Path) -> None:
    cell = {"_type": "image-file", "path": "media/x.png", "width": 4, "height": 3, "format": "png"}
    root = _table_dir(tmp_path, {"_type": "table", "columns": ["a", "b"], "data": [[cell, 1]]}, None)
    with pytest.warns(tl.MissingMediaWarning, match=r"row 0, column 'a' names 'media/x\.png'"):
        art = tl.Artifact.from_dir(root)
    table = art.get("t")
    assert table.get_column("b") == [1]  # the rest of the table is there
    img = table.get_column("a")[0]
    assert (img.width, img.height) == (4, 3)
    with pytest.raises(FileNotFoundError, match=r"x\.png"):
        img.image  # noqa: B018
