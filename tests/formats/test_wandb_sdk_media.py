"""W&B folders written by the real wandb SDK (offline) hold every cell type; tablelens reads them unchanged and
writes folders the SDK reads back (tests/formats/wandb_sdk.py says exactly how the SDK is driven)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from wandb_sdk import offline_wandb, read_table, stage_folder

import tablelens as tl

pytest.importorskip("wandb")

LONG = "A long note. " * 60  # 780 characters: a long-text cell
PDB = ("ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\n"
       "ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C\n"
       "ATOM      3  O   ALA A   1      12.000   7.000  -4.000  1.00  0.00           O\nEND\n")
SDF = "x\n  made by hand\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n" \
      "    0.0000    0.0000    0.0000 C   0  0\n    1.2000    0.0000    0.0000 O   0  0\n  1  2  2  0\nM  END\n$$$$\n"


def _video_file(path: Path, frames: int, fmt: str = "mp4", fps: int = 5) -> Path:
    rng = np.random.default_rng(frames)
    data = (rng.random((frames, 3, 24, 32)) * 255).astype(np.uint8)
    path.write_bytes(tl.Video(data, fps=fps, format=fmt).read_bytes())
    return path


class SdkFolder:
    """One artifact staged by the SDK: the wandb objects put in, and the folder it gives."""

    def __init__(self, root: Path) -> None:
        self.root = root
        with offline_wandb(root / "sdk") as wandb:
            import plotly.graph_objects as go

            rng = np.random.default_rng(0)
            mp4 = _video_file(root / "walk.mp4", 8)
            gif = _video_file(root / "spin.gif", 5, "gif", fps=4)
            (root / "ala.pdb").write_text(PDB)
            (root / "co.sdf").write_text(SDF)
            self.tone = (np.sin(np.linspace(0, 440 * 2 * np.pi, 8000)) * 0.5).astype(np.float32)
            self.points = rng.random((40, 3))
            self.colored = np.hstack([rng.random((10, 3)), rng.integers(0, 255, (10, 3))]).astype(float)
            self.box = wandb.box3d(center=(0.5, 0.5, 0.5), size=(0.4, 0.2, 0.2), orientation=(1, 0, 0, 0),
                                   color=(1, 0, 0), label="car", score=0.8)
            self.figure = go.Figure(go.Bar(x=["a", "b"], y=[3, 1]), layout={"title": {"text": "bars"}})
            mask = np.zeros((16, 16), np.uint8)
            mask[:8, :8] = 2
            classes = [{"id": 1, "name": "car"}, {"id": 2, "name": "road"}]
            self.image_boxes = {"predictions": {"box_data": [
                {"position": {"minX": 0.1, "maxX": 0.6, "minY": 0.2, "maxY": 0.7}, "class_id": 1,
                 "box_caption": "car 0.9", "scores": {"conf": 0.9}}], "class_labels": {1: "car", 2: "road"}}}
            self.wb = {
                "audio": [wandb.Audio(self.tone, sample_rate=8000, caption="tone"),
                          wandb.Audio(self.tone[:4000], sample_rate=8000, caption="short")],
                "video": [wandb.Video(str(mp4), caption="walk"), wandb.Video(str(gif), caption="spin")],
                "html": [wandb.Html("<h1>report</h1><script>parent.x = 1</script>"),
                         wandb.Html("<p>plain</p>", inject=False)],
                "cloud": [wandb.Object3D.from_point_cloud(points=self.points, boxes=[self.box]),
                          wandb.Object3D(self.colored)],
                "mol": [wandb.Molecule(str(root / "ala.pdb"), caption="alanine"),
                        wandb.Molecule(str(root / "co.sdf"), caption="CO")],
                "img": [wandb.Image(np.full((16, 16, 3), 90, np.uint8), caption="street",
                                    boxes=self.image_boxes, masks={"seg": {"mask_data": mask}},
                                    classes=wandb.Classes(classes)),
                        wandb.Image(np.full((16, 16, 3), 200, np.uint8), caption="empty")],
                "text": [LONG, "short"],
                "score": [0.5, 1.5],
            }
            cols = list(self.wb)
            art = wandb.Artifact("media-fixture", type="dataset")
            art.add(wandb.Table(columns=["id", *cols], data=[[i, *(self.wb[c][i] for c in cols)] for i in range(2)]),
                    "media")
            art.add(wandb.Table(columns=["id", "plot"], data=[[0, wandb.Plotly(self.figure)]]), "plots")
            t1 = wandb.Table(columns=["id", "label"], data=[[0, "a"], [1, "b"]])
            t2 = wandb.Table(columns=["id", "tone"], data=[[0, wandb.Audio(self.tone, sample_rate=8000,
                                                                          caption="joined")], [1, None]])
            art.add(t1, "left")
            art.add(t2, "right")
            art.add(wandb.JoinedTable(t1, t2, "id"), "both")
            self.folder = stage_folder(art, root / "folder")
        self.rows = json.loads((self.folder / "media.table.json").read_text())["data"]

    def file(self, cell: dict[str, Any]) -> bytes:
        return (self.folder / cell["path"]).read_bytes()


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> SdkFolder:
    return SdkFolder(tmp_path_factory.mktemp("sdk"))


def test_every_cell_type_reads_back_unchanged(sdk: SdkFolder) -> None:
    art = tl.Artifact.from_dir(sdk.folder)
    rows = art.get("media").data
    by = {c: [r[j + 1] for r in rows] for j, c in enumerate(sdk.wb)}
    for i, raw in enumerate(sdk.rows):
        cells = dict(zip(sdk.wb, raw[1:]))
        for col in ("audio", "video", "html", "cloud", "mol"):
            got = by[col][i]
            assert got.read_bytes() == sdk.file(cells[col]), (col, i)  # the media bytes, unchanged
            assert got.digest == cells[col]["sha256"]
            assert got.caption == cells[col].get("caption")
    a = by["audio"][0]
    assert (a.sample_rate, a.channels, a.frames) == (8000, 1, 8000) and a.duration == pytest.approx(1.0)
    assert a.to_numpy() == pytest.approx(sdk.tone, abs=1 / 32767 + 1e-6)  # 16-bit PCM, as the SDK writes it
    assert by["audio"][1].duration == pytest.approx(0.5)
    walk, spin = by["video"]
    assert (walk.format, walk.frames, walk.fps, walk.width, walk.height) == ("mp4", 8, 5.0, 32, 24)
    assert (spin.format, spin.frames) == ("gif", 5)
    assert by["html"][0].html == sdk.wb["html"][0].html and by["html"][1].html == "<p>plain</p>"
    cloud = by["cloud"][0]
    assert cloud.boxes == [{"corners": [list(p) for p in sdk.box["corners"]], "label": "car",
                            "color": [1.0, 0.0, 0.0], "score": 0.8}]
    assert cloud.to_numpy() == pytest.approx(sdk.points)
    assert by["cloud"][1].to_numpy() == pytest.approx(sdk.colored) and by["cloud"][1].boxes == []
    assert [m.num_atoms for m in by["mol"]] == [3, 2] and [m.format for m in by["mol"]] == ["pdb", "sdf"]
    street = by["img"][0]
    assert street.caption == "street" and street.boxes["predictions"][0]["box_caption"] == "car 0.9"
    assert street.boxes["predictions"][0]["scores"] == {"conf": 0.9}
    assert int(street.masks["seg"][0, 0]) == 2 and int(street.masks["seg"][12, 12]) == 0
    classes_file = sdk.folder / dict(zip(sdk.wb, sdk.rows[0][1:]))["img"]["classes"]["path"]
    sdk_classes = json.loads(classes_file.read_text())["class_set"]
    assert street.classes.class_set == sdk_classes  # as the SDK wrote them (it adds class_0 for the mask)
    assert by["text"] == [LONG, "short"] and by["score"] == [0.5, 1.5]
    plot = art.get("plots").data[0][1]
    assert plot.figure["data"][0]["type"] == "bar" and plot.figure["data"][0]["y"] == [3, 1]
    assert plot.figure["layout"]["title"]["text"] == "bars"
    joined = art.get("both")
    assert isinstance(joined, tl.JoinedTable)
    assert tl.query(joined).num_rows == 2


def test_filters_reach_the_facts_of_the_new_cells(sdk: SdkFolder) -> None:
    table = tl.Artifact.from_dir(sdk.folder).get("media")

    def ids(flt: str) -> list[int]:
        return sorted(tl.query(table, filter=flt).to_pandas()["id"].tolist())

    assert ids("{$gt: ['$audio.duration', 0.75]}") == [0]
    assert ids("{$eq: ['$audio.sample_rate', 8000]}") == [0, 1]
    assert ids("{$eq: ['$video.frames', 5]}") == [1]
    assert ids("{$gte: ['$video.fps', 5]}") == [0]
    assert ids("{$eq: ['$video.width', 32]}") == [0, 1]
    assert ids("{$gt: [{$strLenCP: '$text'}, 500]}") == [0]
    assert ids("{$gt: [{$size: '$cloud.boxes'}, 0]}") == [0]
    assert ids("{$in: ['car', '$cloud.boxes.label']}") == [0]
    assert ids("{$gt: ['$mol.atoms', 2]}") == [0]
    assert ids("{$eq: ['$mol.caption', 'CO']}") == [1]


def test_export_is_read_by_the_sdk(sdk: SdkFolder, tmp_path: Path) -> None:
    art = tl.Artifact.from_dir(sdk.folder)
    out = Path(art.export(tmp_path / "out", format="wandb"))
    with offline_wandb(tmp_path / "sdk") as wandb:
        back = read_table(out, "media")
        assert back.columns == ["id", *sdk.wb]
        for i, row in enumerate(back.data):
            cells = dict(zip(sdk.wb, row[1:]))
            want = dict(zip(sdk.wb, sdk.rows[i][1:]))
            for col, cls in (("audio", wandb.Audio), ("video", wandb.Video), ("html", wandb.Html),
                             ("cloud", wandb.Object3D), ("mol", wandb.Molecule)):
                got = cells[col]
                assert isinstance(got, cls), (col, type(got))
                assert got._sha256 == want[col]["sha256"], col  # the SDK hashed the same bytes
            # of these, the SDK's from_json keeps only the audio caption (the others' from_json drop it)
            assert cells["audio"]._caption == want["audio"]["caption"]
            img = cells["img"]
            assert isinstance(img, wandb.Image) and img._caption == ["street", "empty"][i]
            assert img._sha256 == want["img"]["sha256"]
            if i == 0:
                assert img._boxes["predictions"]._val == sdk.image_boxes["predictions"]["box_data"]
                assert set(img._masks) == {"seg"}
            assert cells["text"] == [LONG, "short"][i] and cells["score"] == [0.5, 1.5][i]
        joined = read_table(out, "both")
        assert isinstance(joined, wandb.JoinedTable)
    # the SDK cannot read Plotly cells back at all (wandb.Plotly.from_json gives it a path, which it refuses):
    # the exported cell must be what the SDK writes, and its file the figure
    ours = json.loads((out / "plots.table.json").read_text())
    theirs = json.loads((sdk.folder / "plots.table.json").read_text())
    assert ours["column_types"] == theirs["column_types"]
    cell, sdk_cell = ours["data"][0][1], theirs["data"][0][1]
    assert cell == sdk_cell
    assert json.loads((out / cell["path"]).read_text()) == json.loads((sdk.folder / sdk_cell["path"]).read_text())


def test_logged_and_exported_cells_are_the_sdk_cells(sdk: SdkFolder, tmp_path: Path) -> None:
    """Through the store and back out: every media cell's JSON (type, path, sha256, caption) and file unchanged."""
    run = tl.init(project="wandb-media", dir=str(tmp_path / "store"))
    run.log_artifact(tl.Artifact.from_dir(sdk.folder, name="fixture"))
    art = run.use_artifact("fixture:latest")
    out = Path(art.export(tmp_path / "out", format="wandb"))
    ours = json.loads((out / "media.table.json").read_text())
    theirs = json.loads((sdk.folder / "media.table.json").read_text())
    for i in range(2):
        for j, col in enumerate(sdk.wb):
            mine, want = ours["data"][i][j + 1], theirs["data"][i][j + 1]
            if col in ("audio", "html", "cloud", "mol"):
                assert mine == want, col
            elif col == "video":  # the size is added, as the SDK does for videos it encodes itself
                assert {k: v for k, v in mine.items() if k not in ("width", "height")} == want
            if isinstance(want, dict):
                assert (out / mine["path"]).read_bytes() == (sdk.folder / want["path"]).read_bytes()
    kinds = {c: ours["column_types"]["params"]["type_map"][c] for c in ("audio", "video", "html", "cloud", "mol")}
    assert kinds == {c: theirs["column_types"]["params"]["type_map"][c] for c in kinds}


def test_bad_media_in_a_folder_opens_and_fails_on_use(sdk: SdkFolder, tmp_path: Path) -> None:
    import shutil

    folder = Path(shutil.copytree(sdk.folder, tmp_path / "copy"))
    (folder / "wandb_manifest.json").unlink()
    walk = json.loads((folder / "media.table.json").read_text())["data"][0][2]["path"]
    data = (folder / walk).read_bytes()
    (folder / walk).write_bytes(data[: len(data) // 3])  # a truncated mp4
    tone = json.loads((folder / "media.table.json").read_text())["data"][0][1]["path"]
    (folder / tone).write_bytes(b"RIFF....WAVEnot really a wave file")
    with pytest.warns(tl.MissingMediaWarning, match="cannot be read|not an audio file"):
        art = tl.Artifact.from_dir(folder)
    rows = art.get("media").data
    video, audio = rows[0][2], rows[0][1]
    assert video.frames is None and audio.duration is None
    with pytest.raises(tl.MediaFileError, match=r"walk\.mp4"):
        video.to_numpy()
    with pytest.raises(tl.MediaFileError):
        audio.to_numpy()
    assert rows[1][2].frames == 5  # the other cells are unharmed
