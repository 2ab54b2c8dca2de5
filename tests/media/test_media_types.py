"""Audio, Video, Html, Object3D, Plotly and Molecule cells: W&B's arguments, their facts, bad input as typed errors
that name the file, and the round trip through a store (values, bytes, references)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import tablelens as tl
from tablelens.media.audio import waveform_peaks
from tablelens.media.previews import preview

SR = 8000


def _tone(seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    return (np.sin(np.linspace(0, 2 * np.pi * 300 * seconds, int(SR * seconds))) * amp).astype(np.float32)


def _frames(n: int = 6, w: int = 32, h: int = 24) -> np.ndarray:
    return (np.random.default_rng(n).random((n, 3, h, w)) * 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------- audio
def test_audio_from_samples_is_16_bit_wav_with_its_facts() -> None:
    a = tl.Audio(_tone(0.5), sample_rate=SR, caption="tone")
    assert (a.format, a.sample_rate, a.channels, a.frames, a.caption) == ("wav", SR, 1, SR // 2, "tone")
    assert a.duration == pytest.approx(0.5)
    assert a.to_numpy() == pytest.approx(_tone(0.5), abs=1 / 32767 + 1e-6)
    stereo = tl.Audio(np.stack([_tone(0.25), -_tone(0.25)], axis=1), sample_rate=SR)
    assert stereo.channels == 2 and stereo.to_numpy().shape == (SR // 4, 2)
    with pytest.raises(ValueError, match="sample_rate"):
        tl.Audio(_tone())


def test_audio_files_of_several_formats(tmp_path: Path) -> None:
    import soundfile as sf

    for fmt in ("wav", "flac", "ogg", "mp3"):
        p = tmp_path / f"t.{fmt}"
        sf.write(p, _tone(1.0), SR, format=fmt.upper())
        a = tl.Audio(p)
        assert a.format == fmt and a.sample_rate == SR and a.duration == pytest.approx(1.0, abs=0.06), fmt


@pytest.mark.parametrize(("data", "match"), [
    (b"RIFF\x10\x00\x00\x00WAVEnot a wave", r"'[^']*bad\.wav' is not an audio file"),
    (b"", r"is not an audio file"),
])
def test_a_wav_that_is_not_a_wav_is_a_typed_error_naming_it(tmp_path: Path, data: bytes, match: str) -> None:
    p = tmp_path / "bad.wav"
    p.write_bytes(data)
    with pytest.raises(tl.MediaFileError, match=match) as e:
        tl.Audio(p)
    assert e.value.reason == "corrupt"
    with pytest.raises(tl.MediaFileError, match="does not exist") as e:
        tl.Audio(tmp_path / "nope.wav")
    assert e.value.reason == "missing"


def test_waveform_peaks_follow_the_signal() -> None:
    ramp = np.concatenate([np.zeros(SR // 2), np.full(SR // 2, 0.5)]).astype(np.float32)
    peaks = np.frombuffer(waveform_peaks(tl.Audio(ramp, sample_rate=SR)._file, "ramp", 10), np.int8).reshape(10, 2)
    assert (peaks[:5] == 0).all() and (peaks[5:] == 64).all()  # silence, then a constant 0.5 * 127


# ----------------------------------------------------------------------------------------------- video
@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif"])
def test_video_from_frames(fmt: str) -> None:
    v = tl.Video(_frames(6), fps=3, format=fmt, caption="clip")
    assert (v.format, v.frames, v.width, v.height, v.caption) == (fmt, 6, 32, 24, "clip")
    assert v.fps == pytest.approx(3, rel=0.1) and v.duration == pytest.approx(2, rel=0.1)
    assert v.to_numpy().shape == (6, 3, 24, 32)


def test_video_batches_tile_as_wandb_and_odd_sizes_are_padded() -> None:
    v = tl.Video(np.zeros((3, 4, 3, 10, 15), np.uint8))  # 3 clips -> padded to 4, a 2x2 grid
    assert (v.width, v.height, v.frames, v.format, v.fps) == (30, 20, 4, "mp4", 4)
    odd = tl.Video(np.zeros((2, 1, 7, 9), np.uint8))  # 4:2:0 needs even sizes
    assert (odd.width, odd.height) == (10, 8)
    with pytest.raises(ValueError, match="time, channels, height, width"):
        tl.Video(np.zeros((3, 10, 10), np.uint8))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        tl.Video(np.zeros((3, 2, 10, 10), np.uint8))
    with pytest.raises(ValueError, match="formats are gif, mp4, webm, ogg"):
        tl.Video(_frames(), format="avi")


def test_truncated_and_unknown_codec_videos_are_typed_errors(tmp_path: Path) -> None:
    good = tl.Video(_frames(8)).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good[: len(good) // 4])
    with pytest.raises(tl.MediaFileError, match=r"cut\.mp4' cannot be read.*truncated") as e:
        tl.Video(cut)
    assert e.value.reason == "corrupt"
    alien = tmp_path / "alien.mp4"
    alien.write_bytes(good.replace(b"avc1", b"zzzz"))  # a codec FFmpeg has never heard of
    with pytest.raises(tl.MediaFileError, match=r"alien\.mp4': its codec is not one FFmpeg can decode") as e:
        tl.Video(alien)
    assert e.value.reason == "unsupported"
    with pytest.raises(tl.MediaFileError, match="Video reads gif, mp4, webm, ogg files"):
        tl.Video(tmp_path / "x.avi")


# ----------------------------------------------------------------------------------------------- html
def test_html_injects_what_wandb_injects() -> None:
    wandb = pytest.importorskip("wandb")
    for doc in ("<p>x</p>", "<html><body>y</body></html>", "<html><head><title>t</title></head></html>"):
        assert tl.Html(doc).html == wandb.Html(doc).html
        assert tl.Html(doc, inject=False).html == doc


def test_html_from_a_file_and_a_file_object(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text("<b>file</b>")
    assert tl.Html(str(p), inject=False).html == "<b>file</b>" and tl.Html(str(p), inject=False).path == str(p)
    assert tl.Html(io.StringIO("<i>io</i>"), inject=False).html == "<i>io</i>"
    assert tl.Html(str(p), inject=False, data_is_not_path=True).html == str(p)  # the text itself


# ----------------------------------------------------------------------------------------------- 3-D
def test_box3d_is_wandbs() -> None:
    wandb = pytest.importorskip("wandb")
    args = {"center": (1, 2, 3), "size": (2, 1, 0.5), "orientation": (0.9, 0.1, 0.3, 0.2), "color": (1, 0, 0),
            "label": "car", "score": 0.7}
    ours, theirs = tl.box3d(**args), wandb.box3d(**args)
    assert np.allclose(ours["corners"], theirs["corners"]) and ours["label"] == theirs["label"]


def test_point_clouds_and_their_boxes() -> None:
    pts = np.random.default_rng(0).random((50, 4))
    box = tl.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(1, 0, 0, 0), color=(0, 1, 0), label="x")
    o = tl.Object3D(pts, caption="cloud", boxes=[box])
    doc = json.loads(o.read_bytes())
    assert doc["type"] == "lidar/beta" and len(doc["points"]) == 50 and doc["boxes"][0]["label"] == "x"
    assert o.num_points == 50 and o.boxes[0]["color"] == [0.0, 1.0, 0.0] and np.allclose(o.to_numpy(), pts)
    plain = tl.Object3D(pts[:, :3])
    assert json.loads(plain.read_bytes()) == pts[:, :3].tolist()  # no boxes: the list of points, as W&B writes
    with pytest.raises(ValueError, match=r"\(N, 3\), \(N, 4\) or \(N, 6\)"):
        tl.Object3D(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"boxes\[0\]: 'corners' must be 8"):
        tl.Object3D(pts, boxes=[{"corners": [[0, 0, 0]], "color": [1, 0, 0]}])


def test_meshes_are_read_with_trimesh_and_drawn(tmp_path: Path) -> None:
    import trimesh

    path = tmp_path / "box.glb"
    trimesh.creation.box().export(path)
    o = tl.Object3D(path)
    assert o.format == "glb" and o.num_points == 8
    obj = tmp_path / "tri.obj"
    obj.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    assert tl.Object3D(obj).num_points == 3
    _data, mime, w, h = preview("object3d", str(path), "glb", 64, str(tmp_path / "cache"))
    assert mime.startswith("image/") and max(w, h) == 64
    bad = tmp_path / "bad.obj"
    bad.write_text("this is not a mesh\n")
    with pytest.raises(tl.MediaFileError, match=r"bad\.obj"):
        tl.Object3D(bad)


# ----------------------------------------------------------------------------------------------- plotly, molecules
def test_plotly_figures_as_wandb_stores_them() -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=np.arange(3), y=np.array([1.5, np.nan, 2.0])))
    p = tl.Plotly(fig)
    doc = json.loads(p.read_bytes())
    assert doc["data"][0]["x"] == [0, 1, 2] and doc["data"][0]["y"] == [1.5, None, 2.0]  # lists, NaN as null
    assert p.trace_types == ["scatter"] and p.to_figure().data[0].type == "scatter"
    with pytest.raises(TypeError, match="plotly figure"):
        tl.Plotly(42)


def test_molecules_count_their_atoms(tmp_path: Path) -> None:
    pdb = tmp_path / "m.pdb"
    pdb.write_text("ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\n"
                   "HETATM    2  O   HOH A   2       1.000   2.000   3.000  1.00  0.00           O\n")
    m = tl.Molecule(pdb, caption="water and N")
    assert (m.format, m.num_atoms, m.caption) == ("pdb", 2, "water and N")
    assert tl.Molecule(io.StringIO("x"), file_type="mmtf").num_atoms is None  # stored, not parsed
    with pytest.raises(tl.MediaFileError, match="Molecule reads"):
        tl.Molecule(tmp_path / "m.xyz")
    bad = tmp_path / "bad.pdb"
    bad.write_text("ATOM      1  N   ALA A   1      not numbers here\n")
    with pytest.raises(tl.MediaFileError, match=r"line 1: the coordinates"):
        tl.Molecule(bad)


# ----------------------------------------------------------------------------------------------- the store
def test_round_trip_through_the_store_and_references(tmp_path: Path) -> None:
    import plotly.graph_objects as go

    cells = [tl.Audio(_tone(0.2), sample_rate=SR, caption="a"), tl.Video(_frames(4), caption="v"),
             tl.Html("<p>h</p>"), tl.Object3D(np.random.default_rng(1).random((5, 6))),
             tl.Plotly(go.Figure(go.Bar(y=[1]))), tl.Molecule(io.StringIO("x"), file_type="cif")]
    run = tl.init(project="media", dir=str(tmp_path / "store"))
    art = tl.Artifact("m", type="dataset")
    art.add(tl.Table(columns=["a", "v", "h", "o", "p", "m"], data=[cells, [None] * 6]), "t")
    run.log_artifact(art)
    back = run.use_artifact("m:v0").get("t").data
    assert back[0] == cells and back[1] == [None] * 6
    assert [c.read_bytes() for c in back[0]] == [c.read_bytes() for c in cells]
    assert back[0][0].duration == pytest.approx(0.2) and back[0][1].frames == 4
    # a cell read from one artifact and logged in another refers to the stored file (no copy)
    art2 = tl.Artifact("m2", type="dataset")
    art2.add(tl.Table(columns=["a"], data=[[tl.Audio(back[0][0], caption="again")]]), "t")
    run.log_artifact(art2)
    stored = run.use_artifact("m2:v0")
    path = next(p for p in stored.files() if p.startswith("media/audio/"))
    assert stored.get_path(path).ref is not None
    assert stored.get("t").data[0][0].caption == "again"


def test_media_cannot_be_mixed_or_nested() -> None:
    with pytest.raises(TypeError, match=r"column 'c', row 1: a column of Audio cells can hold only those"):
        tl.Table(columns=["c"], data=[[tl.Audio(_tone(0.1), sample_rate=SR)], [tl.Html("x")]]).to_arrow()
    with pytest.raises(TypeError, match="Html cells inside lists or dicts are not supported"):
        tl.Table(columns=["c"], data=[[[tl.Html("x")]]]).to_arrow()
