"""The Explorer's kernel side for audio, video, HTML, 3-D, Plotly and molecule cells, long text and user panels:
the `$media` cells of a page, their previews, waveforms and files in ONE message each (binary buffers), grouped
media columns, and the panels trait and schema."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
from PIL import Image

import tablelens as tl

SR = 8000
SPARK = "export function render({cell, el}) { el.textContent = String(cell.value); return () => {}; }"


def _frames(n: int, w: int = 40, h: int = 30) -> np.ndarray:
    data = np.zeros((n, 3, h, w), np.uint8)
    data[:, 0] = np.linspace(0, 255, w, dtype=np.uint8)[None, None, :]
    return data


@pytest.fixture
def media_art(run: Any) -> dict[str, Any]:
    """`mt` v0: 4 rows of audio, video, HTML, a point cloud, a Plotly figure, a molecule, losses and notes."""
    import plotly.graph_objects as go

    tone = np.sin(np.linspace(0, 2 * np.pi * 200, SR)).astype(np.float32) * 0.8
    rows = []
    for i in range(4):
        rows.append([
            i, "ab"[i % 2],
            tl.Audio(tone[: SR // (i + 1)], sample_rate=SR, caption=f"clip {i}"),
            tl.Video(_frames(4 + 2 * i), fps=4, caption=f"video {i}"),
            tl.Html(f"<p>row {i}</p><script>1</script>", inject=False),
            tl.Object3D(np.random.default_rng(i).random((10 + i, 3))),
            tl.Plotly(go.Figure(go.Scatter(x=[0, 1], y=[i, i + 1]))),
            tl.Molecule(io.StringIO("ATOM      1  C   ALA A   1       0.000   0.000   0.000  1.00  0.00           C\n"),
                        file_type="pdb"),
            [1.0, 0.5 / (i + 1), 0.25],
            ("very long note " * 40) if i % 2 == 0 else "short",
        ])
    cols = ["id", "g", "audio", "video", "html", "cloud", "plot", "mol", "losses", "notes"]
    art = tl.Artifact("mt", type="dataset")
    art.add(tl.Table(columns=cols, data=rows), "cells")
    run.log_artifact(art)
    return {"tone": tone}


def test_media_cells_carry_their_facts_and_keys(media_art: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("mt:v0")
    kinds = {c["name"]: c["kind"] for c in ex.schema}
    assert [kinds[c] for c in ("audio", "video", "html", "cloud", "plot", "mol")] == [
        "audio", "video", "html", "object3d", "plotly", "molecule"]
    assert next(c for c in ex.schema if c["name"] == "notes").get("text") is True  # long text
    cells = cap.rows()["rows"][1]["cells"]
    audio = cells["audio"]["$media"]
    assert audio["kind"] == "audio" and audio["key"].startswith("aud:") and audio["caption"] == "clip 1"
    assert audio["duration"] == pytest.approx(0.5) and audio["sample_rate"] == SR and audio["format"] == "wav"
    video = cells["video"]["$media"]
    assert (video["frames"], video["fps"], video["width"], video["height"]) == (6, 4, 40, 30)
    assert cells["cloud"]["$media"]["points"] == 11 and cells["cloud"]["$media"]["boxes"] == 0
    assert cells["plot"]["$media"]["trace_types"] == ["scatter"]
    assert cells["mol"]["$media"]["atoms"] == 1
    assert cells["html"]["$media"]["key"].startswith("html:")


def test_previews_waveforms_and_files_travel_in_one_message_each(media_art: dict[str, Any],
                                                                  make_explorer: Any) -> None:
    _ex, cap = make_explorer("mt:v0")
    rows = cap.rows()["rows"]
    videos = [r["cells"]["video"]["$media"]["key"] for r in rows]
    clouds = [r["cells"]["cloud"]["$media"]["key"] for r in rows]
    msg, buffers = cap.request({"type": "thumbs", "items": [{"key": k, "size": 64} for k in videos + clouds]})
    assert len(buffers) == 8 and all("error" not in it for it in msg["items"])
    poster = msg["items"][0]
    with Image.open(io.BytesIO(buffers[poster["buffer"]])) as im:
        assert im.size == (poster["width"], poster["height"]) and max(im.size) <= 64
        px = np.asarray(im.convert("RGB"))
    assert px[:, -3:, 0].mean() > px[:, :3, 0].mean() + 100  # the red gradient of the first frame, left to right

    audios = [r["cells"]["audio"]["$media"]["key"] for r in rows]
    msg, buffers = cap.request({"type": "waveforms", "items": [{"key": k, "bins": 100} for k in audios]})
    assert msg["type"] == "waveforms" and len(buffers) == 4
    peaks = np.frombuffer(buffers[msg["items"][0]["buffer"]], np.int8).reshape(100, 2)
    assert peaks[:, 0].min() <= -95 and peaks[:, 1].max() >= 95  # a 0.8 tone: min and max near -/+ 0.8 * 127
    assert all(isinstance(v, (str, int, float)) for it in msg["items"] for v in it.values())

    html, plot = rows[0]["cells"]["html"]["$media"]["key"], rows[0]["cells"]["plot"]["$media"]["key"]
    msg, buffers = cap.request({"type": "media", "items": [{"key": audios[0]}, {"key": html}, {"key": plot},
                                                           {"key": "aud:nope"}]})
    items = msg["items"]
    assert [it.get("mime") for it in items[:3]] == ["audio/wav", "text/html", "application/json"]
    assert buffers[items[1]["buffer"]] == b"<p>row 0</p><script>1</script>"
    assert json.loads(buffers[items[2]["buffer"]])["data"][0]["type"] == "scatter"
    assert "unknown media key" in items[3]["error"]
    wav = tl.Audio(media_art["tone"], sample_rate=SR).read_bytes()
    assert buffers[items[0]["buffer"]] == wav  # the stored file as it is


def test_the_whole_text_of_a_cut_cell_and_the_assets(media_art: dict[str, Any], make_explorer: Any) -> None:
    _ex, cap = make_explorer("mt:v0")
    msg, buffers = cap.request({"type": "cell", "key": 0, "column": "notes"})
    assert msg["type"] == "cell" and msg["chars"] == len("very long note " * 40)
    assert buffers[0].decode() == "very long note " * 40
    msg, _ = cap.request({"type": "cell", "key": 0, "column": "id"})
    assert msg["type"] == "error" and "not text" in msg["message"]
    for name, size in (("three", 300_000), ("markdown", 10_000)):
        msg, buffers = cap.request({"type": "asset", "name": name})
        assert msg["type"] == "asset" and len(buffers[0]) > size, name


def test_grouped_media_columns_have_a_histogram_and_samples(media_art: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("mt:v0", group_by="g")
    kinds = {c["name"]: c["kind"] for c in ex.schema}
    assert kinds["audio"] == kinds["video"] == kinds["cloud"] == "media" and kinds["notes"] == "hist"
    row = cap.rows()["rows"][0]["cells"]  # group "a": rows 0 and 2
    audio = row["audio"]["$medias"]
    assert audio["kind"] == "audio" and audio["field"] == "duration"
    assert sum(audio["hist"]["counts"][0]) == 2 and len(audio["items"]) == 2
    assert {it["caption"] for it in audio["items"]} == {"clip 0", "clip 2"}
    assert row["cloud"]["$medias"]["field"] == "points"
    notes = row["notes"]["$hist"]  # long text: a histogram of lengths
    assert notes["edges"][0] <= len("very long note " * 40) <= notes["edges"][-1]


def test_filters_on_the_facts_of_media_cells(media_art: dict[str, Any], make_explorer: Any) -> None:
    def ids(flt: str) -> list[int]:
        ex, cap = make_explorer("mt:v0", filter=flt)
        assert ex.error == {}, ex.error
        return [r["cells"]["id"] for r in cap.rows()["rows"]]

    assert ids("{$gte: ['$audio.duration', 0.5]}") == [0, 1]
    assert ids("{$gt: ['$video.frames', 6]}") == [2, 3]
    assert ids("{$eq: ['$video.width', 40]}") == [0, 1, 2, 3]
    assert ids("{$lt: ['$video.fps', 4]}") == []
    assert ids("{$gt: [{$strLenCP: '$notes'}, 100]}") == [0, 2]
    assert ids("{$eq: ['$audio.caption', 'clip 3']}") == [3]


def test_panels_are_listed_by_digest_and_named_in_the_schema(media_art: dict[str, Any], make_explorer: Any) -> None:
    ex, cap = make_explorer("mt:v0")
    try:
        p = tl.panel("spark", esm=SPARK, for_type="list<float>")
        assert [e["name"] for e in ex.panels] == ["spark"] and ex.panels[0]["digest"] == p.digest
        panels = {c["name"]: c.get("panel") for c in ex.schema}
        assert panels["losses"] == "spark" and panels["notes"] is None and panels["id"] is None
        tl.panel("by-name", esm=SPARK, for_column="id")
        assert {c["name"]: c.get("panel") for c in ex.schema}["id"] == "by-name"
        msg, buffers = cap.request({"type": "panel", "name": "spark"})
        assert msg["digest"] == p.digest and buffers[0].decode() == SPARK
        msg, _ = cap.request({"type": "panel", "name": "nope"})
        assert msg["type"] == "error" and "spark" in msg["message"]
        with pytest.raises(ValueError, match="for_type= and/or for_column="):
            tl.panel("x", esm=SPARK)
        with pytest.raises(ValueError, match="exports render"):
            tl.panel("x", esm="console.log(1)", for_type="int")
    finally:
        tl.remove_panel("spark")
        tl.remove_panel("by-name")
    assert ex.panels == [] and all("panel" not in c for c in ex.schema)


def test_panel_from_a_file(tmp_path: Any, media_art: dict[str, Any], make_explorer: Any) -> None:
    path = tmp_path / "bar.js"
    path.write_text(SPARK)
    ex, _cap = make_explorer("mt:v0", group_by="g")
    try:
        tl.panel("bar", esm=path, for_column="g")
        assert tl.panels()[0].esm == SPARK
        assert {c["name"]: c.get("panel") for c in ex.schema}["g"] == "bar"  # the group key column
    finally:
        tl.remove_panel("bar")
