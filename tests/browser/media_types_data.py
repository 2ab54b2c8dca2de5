"""The media-types artifacts the browser tests open: every cell kind W&B tables hold, with contents the tests can
check in the page (a 1 s tone, a 2.4 s clip, an HTML page whose script tries to reach the notebook, a point cloud
of one known colour), and a W&B folder whose video and audio files are broken."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

#: what the HTML cell's script reports to the page (window.postMessage), and the attribute it tries to set
HTML_PROBE = """<h1 id="t">sandboxed</h1><script>
let result;
try { parent.document.body.dataset.tlPwned = "1"; result = "read:" + parent.document.title; }
catch (e) { result = "blocked:" + e.name; }
document.getElementById("t").textContent = result;
parent.postMessage({tablelensProbe: result}, "*");
</script>"""
POINT_RGB = (0, 255, 0)  # every point of the 3-D cell
LOSSES = [[1.0, 0.6, 0.4, 0.3, 0.25], [0.9, 0.8, 0.5, 0.45, 0.2], [2.0, 1.0, 0.5, 0.25, 0.125]]
LONG = "# Notes\n\nThe **model** confuses cats with dogs at night. " * 12


def _video(frames: int = 24, fps: int = 10, w: int = 64, h: int = 48) -> Any:
    import tablelens as tl

    t = np.arange(frames)[:, None, None]
    x = np.arange(w)[None, None, :]
    red = ((x + t * 4) % w * 255 // w).astype(np.uint8)  # a moving gradient: every frame differs
    data = np.zeros((frames, 3, h, w), np.uint8)
    data[:, 0] = np.broadcast_to(red, (frames, h, w))
    data[:, 2] = 120
    return tl.Video(data, fps=fps, format="mp4", caption="moving gradient")


def media_types_rows() -> tuple[list[str], list[list[Any]]]:
    import plotly.graph_objects as go

    import tablelens as tl

    sr = 8000
    tone = np.sin(np.linspace(0, 440 * 2 * np.pi, sr)).astype(np.float32) * 0.6
    points = np.hstack([np.random.default_rng(0).random((400, 3)), np.tile(POINT_RGB, (400, 1))]).astype(float)
    pdb = "".join(f"ATOM  {i + 1:5d}  C   ALA A   1    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00           C\n"
                  for i, (x, y, z) in enumerate(np.random.default_rng(1).random((12, 3)) * 5))
    mol = tl.Molecule(io.StringIO(pdb), caption="twelve carbons", file_type="pdb")
    cols = ["id", "label", "audio", "video", "html", "cloud", "plot", "mol", "losses", "notes"]
    rows = [
        [0, "cat", tl.Audio(tone, sample_rate=sr, caption="440 Hz"), _video(), tl.Html(HTML_PROBE, inject=False),
         tl.Object3D(points, caption="green cloud"), tl.Plotly(go.Figure(go.Bar(x=["a", "b"], y=[2, 1]))), mol,
         LOSSES[0], LONG],
        [1, "dog", tl.Audio(tone[: sr // 2], sample_rate=sr, caption="half"), _video(12, 6), None, None, None, None,
         LOSSES[1], "short note"],
        [2, "cat", tl.Audio(tone[: sr // 4], sample_rate=sr), _video(8, 4), None, None, None, None, LOSSES[2], None],
    ]
    return cols, rows


def build_media_types(run: Any, scratch: Path) -> None:
    """`mediatypes` v0 (table `cells`), and `badmedia` v0: a W&B folder whose mp4 is cut and whose wav is not one."""
    import tablelens as tl

    cols, rows = media_types_rows()
    art = tl.Artifact("mediatypes", type="dataset")
    art.add(tl.Table(columns=cols, data=rows), "cells")
    run.log_artifact(art)

    good = tl.Artifact("src", type="dataset")
    good.add(tl.Table(columns=["id", "audio", "video"], data=[[r[0], r[2], r[3]] for r in rows]), "cells")
    folder = Path(good.export(scratch / "badmedia", format="wandb"))
    data = json.loads((folder / "cells.table.json").read_text())["data"]
    video, audio = folder / data[0][2]["path"], folder / data[0][1]["path"]
    video.write_bytes(video.read_bytes()[:300])  # cut before the first picture
    audio.write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot a wav file at all")
    (folder / "wandb_manifest.json").unlink()  # the files no longer match their digests
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tl.MissingMediaWarning)
        run.log_artifact(tl.Artifact.from_dir(folder, name="badmedia"))
    shutil.rmtree(folder, ignore_errors=True)
