"""Audio, video, HTML, 3-D, Plotly and molecule cells, long text and user panels in a real JupyterLab (headless
Chromium): what a user sees and can do, checked in the page — playback time, sandbox attributes, canvas pixels."""

from __future__ import annotations

from typing import Any

from .conftest import OpenNotebook
from .harness import NotebookPage, Steps
from .media_types_data import LOSSES, POINT_RGB

SHOW = "import tablelens as tl\nex = tl.Explorer('mediatypes:v0')\nex"
CELL = "[data-role=row][data-key='{key}'] [data-role=cell][data-column='{col}']"

SPARKLINE = """
export function render({cell, el, theme}) {
  const values = cell.values ? cell.values.filter(Boolean).flat() : (Array.isArray(cell.value) ? cell.value : []);
  const w = 80, h = 20, max = Math.max(...values), min = Math.min(...values);
  const x = (i) => (i / Math.max(1, values.length - 1)) * w, y = (v) => h - ((v - min) / ((max - min) || 1)) * h;
  const pts = values.map((v, i) => `${x(i)},${y(v)}`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", w); svg.setAttribute("height", h);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", pts.join(" ")); line.setAttribute("fill", "none");
  line.setAttribute("stroke", theme.colors[0]); line.dataset.n = String(values.length);
  svg.append(line); el.append(svg);
  return () => svg.remove();
}
"""
BROKEN = "export function render({cell, el}) { throw new Error('this panel is broken on purpose'); }"


def _open(open_notebook: OpenNotebook, cells: list[str] | None = None, spec: str = "mediatypes:v0",
          rows: int = 3) -> NotebookPage:
    show = SHOW.replace("mediatypes:v0", spec)
    nb = open_notebook([*(cells or []), show])
    nb.wait_row_count(rows, timeout=90_000)
    nb.page.wait_for_selector("[data-role=explorer] [data-role=row]", timeout=60_000)
    return nb


def _media(nb: NotebookPage, key: int, col: str, state: str = "ready", timeout: float = 60_000) -> Any:
    sel = CELL.format(key=key, col=col) + " [data-role=media]"
    nb.page.wait_for_selector(f"{sel}[data-state={state}]", timeout=timeout)
    return nb.page.locator(sel).first


def test_audio_shows_its_waveform_and_plays(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    cell = _media(nb, 0, "audio")
    steps.step("waveform")
    inked: Any = nb.page.evaluate(
        """(sel) => {
            const c = document.querySelector(sel + ' [data-role=waveform]');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n / (c.width * c.height);
        }""", CELL.format(key=0, col="audio"))
    assert inked > 0.3, inked  # a loud 440 Hz tone fills most of the waveform's height
    assert "1 s" in cell.locator("[data-role=media-facts]").inner_text()
    cell.locator("[data-role=media-play]").click()
    nb.page.wait_for_function(
        """(sel) => { const a = document.querySelector(sel + ' [data-role=media-audio]');
                      return !!a && !a.paused && a.currentTime > 0.2; }""",
        arg=CELL.format(key=0, col="audio"), timeout=30_000)
    steps.step("playing")
    assert cell.get_attribute("data-state") == "playing"  # the clip is 1 s: still playing at 0.2 s
    cell.locator("[data-role=media-play]").click()  # pause
    nb.page.wait_for_selector(CELL.format(key=0, col="audio") + " [data-role=media][data-state=ready]")


def test_video_shows_a_poster_and_plays_inline(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    cell = _media(nb, 0, "video")
    assert cell.locator("[data-role=media-thumb]").count() == 1
    facts = cell.locator("[data-role=media-facts]").inner_text()
    assert "24 frames" in facts and "10 fps" in facts and "64×48" in facts, facts
    steps.step("poster")
    cell.locator("[data-role=media-open]").click()
    nb.page.wait_for_function(
        """(sel) => { const v = document.querySelector(sel + ' [data-role=media-video]');
                      return !!v && v.currentTime > 0.3; }""",
        arg=CELL.format(key=0, col="video"), timeout=30_000)
    steps.step("playing")


def test_html_runs_sandboxed_and_cannot_reach_the_notebook(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([
        "import IPython\nIPython.display.display(IPython.display.Javascript("
        "\"window.__probes = []; window.addEventListener('message', e => { if (e.data && e.data.tablelensProbe) "
        "window.__probes.push(e.data.tablelensProbe); });\"))",
        SHOW,
    ])
    nb.wait_row_count(3, timeout=90_000)
    _media(nb, 0, "html")
    frame = nb.page.locator(CELL.format(key=0, col="html") + " [data-role=html-frame]")
    sandbox = frame.get_attribute("sandbox")
    assert sandbox is not None and "allow-same-origin" not in sandbox and sandbox.split() == ["allow-scripts"]
    nb.page.wait_for_function("() => (window.__probes || []).length > 0", timeout=30_000)
    probes: Any = nb.page.evaluate("() => window.__probes")
    steps.step("probed")
    assert all(p.startswith("blocked:") for p in probes), probes  # its script ran, and parent.document was refused
    assert nb.page.evaluate("() => document.body.dataset.tlPwned") is None
    # the full view opens on click, in a dialog, sandboxed the same way
    nb.page.locator(CELL.format(key=0, col="html") + " [data-role=media-open]").click()
    full = nb.page.locator("[data-role=dialog] [data-role=html-frame]")
    full.wait_for()
    assert full.get_attribute("sandbox") == "allow-scripts"
    nb.page.keyboard.press("Escape")


def test_the_3d_view_draws_the_points(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    cell = _media(nb, 0, "cloud")
    assert "400 points" in cell.locator("[data-role=media-facts]").inner_text()
    cell.locator("[data-role=media-open]").click()
    nb.page.wait_for_selector("[data-role=o3d-view][data-state=ready] [data-role=o3d-canvas]", timeout=60_000)
    nb.page.wait_for_timeout(300)
    steps.step("3-D view")
    green: Any = nb.page.evaluate(
        """(rgb) => {
            const src = document.querySelector('[data-role=o3d-canvas]');
            const c = document.createElement('canvas'); c.width = src.width; c.height = src.height;
            const g = c.getContext('2d'); g.drawImage(src, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            const near = (i, k) => Math.abs(d[i + k] - rgb[k]) < 40;
            for (let i = 0; i < d.length; i += 4) if (near(i, 0) && near(i, 1) && near(i, 2)) n++;
            return n;
        }""", list(POINT_RGB))
    assert green > 200, green  # 400 green points, each a few pixels wide, on a dark background


def test_plotly_molecule_and_long_text_cells(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    plot = _media(nb, 0, "plot")
    assert plot.locator(".main-svg").count() >= 1  # drawn by plotly.js
    mol = _media(nb, 0, "mol")
    assert "12 atoms" in mol.locator("[data-role=media-facts]").inner_text()
    notes = nb.page.locator(CELL.format(key=0, col="notes") + " [data-role=long-text]")
    assert notes.get_attribute("data-state") == "clipped"
    notes.locator("[data-role=text-markdown]").click()
    md = notes.locator("[data-role=html-frame]")
    md.wait_for()
    assert md.get_attribute("sandbox") == ""  # Markdown is shown without any script
    steps.step("markdown")
    assert nb.page.locator(CELL.format(key=1, col="notes")).inner_text().strip() == "short note"


def test_broken_media_are_explained_in_their_cells(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook, spec="badmedia:v0")
    video = _media(nb, 0, "video", state="error")
    audio = _media(nb, 0, "audio", state="error")
    steps.step("broken")
    assert "cannot be shown" in video.inner_text() and "cannot be read" in video.inner_text()
    assert "cannot be shown" in audio.inner_text()
    _media(nb, 1, "video")  # the rows after them are drawn as usual
    _media(nb, 1, "audio")


def test_a_user_panel_draws_list_cells_and_a_broken_one_shows_its_error(open_notebook: OpenNotebook,
                                                                          steps: Steps) -> None:
    nb = _open(open_notebook, [
        f"import tablelens as tl\nSPARK = '''{SPARKLINE}'''\ntl.panel('sparkline', esm=SPARK, for_type='list<float>')",
        f"tl.panel('broken', esm='''{BROKEN}''', for_column='label')",
    ])
    sel = CELL.format(key=0, col="losses") + " [data-role=panel][data-state=ready] polyline"
    nb.page.wait_for_selector(sel, timeout=60_000)
    steps.step("panels")
    assert nb.page.locator(sel).get_attribute("data-n") == str(len(LOSSES[0]))
    error = nb.page.locator(CELL.format(key=0, col="label") + " [data-role=panel-error]")
    error.wait_for()
    assert "broken on purpose" in error.inner_text()
    # the table is intact: the other columns still draw
    _media(nb, 0, "audio")
    assert nb.page.locator(CELL.format(key=2, col="id")).inner_text().strip() == "2"


def test_grouped_media_columns_show_a_histogram_and_samples(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = _open(open_notebook)
    nb.page.select_option("[data-role=explorer] [data-role=group-by]", "label")
    nb.wait_row_count(2, timeout=60_000)
    group = nb.page.locator("[data-role=row] [data-role=cell][data-column=audio] [data-role=media-group]").first
    group.wait_for(timeout=30_000)
    assert group.locator("[data-role=histogram]").count() == 1
    group.locator("[data-role=media][data-kind=audio][data-state=ready]").first.wait_for(timeout=30_000)
    posters = nb.page.locator("[data-role=row] [data-column=video] [data-role=media-samples] [data-role=media-thumb]")
    posters.first.wait_for(timeout=30_000)
    steps.step("grouped")
    assert posters.count() >= 2
