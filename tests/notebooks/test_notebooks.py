"""Every notebook in notebooks/ runs top to bottom in a fresh kernel and shows what a reader expects to see.

Each runs from a temporary copy of notebooks/, against its own temporary store (`TABLELENS_DIR`), with the
large table shrunk by `TABLELENS_DEMO_ROWS` so the suite stays fast. Assertions read the outputs a person would
read: printed figures, the rows the seed's filters return, the store size that shows no image was copied.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["quickstart", "segmentation", "from_wandb", "python_queries", "large_table", "media_and_formats",
         "evaluation"]
TEST_ROWS = 200_000
pytestmark = pytest.mark.slow


def execute(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[Any, float]:
    """Run notebooks/<name>.ipynb in a fresh kernel from a copy of the folder; return it and the seconds taken."""
    from nbclient import NotebookClient

    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns("tablelens-store", ".ipynb_checkpoints"))
    monkeypatch.setenv("TABLELENS_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("TABLELENS_DEMO_ROWS", str(TEST_ROWS))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT / "widget"),
                                                                   os.environ.get("PYTHONPATH")])))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def text_of(nb: Any) -> str:
    """Everything the notebook printed or displayed as text, in order."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out.append(o["text"])
            elif "data" in o:
                out.append(o["data"].get("text/plain", ""))
    return "\n".join(out)


def mimetypes_of(nb: Any) -> set[str]:
    return {m for cell in nb.cells for o in cell.get("outputs", []) for m in o.get("data", {})}


def number_after(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, f"no output matches {pattern!r}:\n{text[-3000:]}"
    return float(m.group(1).replace(",", ""))


# ---------------------------------------------------------------------------------------------- shape
@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_clean_and_starts_with_what_it_shows(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "# %pip install tablelens" in first_code.source  # for Colab, commented out
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs are stored in git"
    raw = (NOTEBOOKS / f"{name}.ipynb").read_text()
    assert "http://" not in raw and "https://" not in raw.replace("https://docs.wandb.ai", "")


# ---------------------------------------------------------------------------------------------- runs
def test_quickstart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("quickstart", tmp_path, monkeypatch)
    text = text_of(nb)
    assert "logged digits:v0: 1797 images" in text
    weak = number_after(r"\(weak\): accuracy ([\d.]+)%", text)
    better = number_after(r"\(better\): accuracy ([\d.]+)%", text)
    assert better > weak + 5 and better > 95
    # the predictions refer to the dataset's images: every test image by reference, nothing copied
    refs = number_after(r"\(better\): accuracy [\d.]+%, (\d+) images by reference", text)
    dataset_mb = number_after(r"the store holds ([\d.]+) MB", text)
    grew = number_after(r"\(\+([\d.]+) MB for two versions", text)
    assert refs > 600 and grew < dataset_mb / 4
    assert number_after(r"(\d+) groups", text) == 10
    changed = number_after(r"(\d+) of \d+ test digits changed their prediction", text)
    assert 20 < changed < refs
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"quickstart ran in {seconds:.0f} s")


def test_segmentation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("segmentation", tmp_path, monkeypatch)
    text = text_of(nb)
    src = "\n".join(c.source for c in nb.cells)
    # the seed's two filters, verbatim
    assert "{$gt: ['$0.road', 0.05]}" in src
    assert ("{ $gte: [ {$size: {$filter: {input: '$0.pred_mask.boxes.ground_truth', as: 'box', "
            "cond: {$eq: ['$$box.class_id', 13]} } } }, 1] }") in src
    road = number_after(r"(\d+) of \d+ scenes have road IoU > 0.05", text)
    cars = number_after(r"(\d+) of \d+ scenes have a car", text)
    total = number_after(r"\d+ of (\d+) scenes have a car", text)
    assert 0 < road < total and 0 < cars < total
    weak = number_after(r"weak\s+mean IoU ([\d.]+)", text)
    better = number_after(r"better\s+mean IoU ([\d.]+)", text)
    assert better > weak
    assert number_after(r"(\d+) dominant_pred groups", text) >= 2
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"segmentation ran in {seconds:.0f} s")


def test_from_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("from_wandb", tmp_path, monkeypatch)
    text = text_of(nb)
    assert "tables: ['scenes', 'stats']" in text
    cars = number_after(r"(\d+) of \d+ scenes have a car", text)
    assert 0 < cars < 24
    assert re.search(r"logged street-scenes-v3:v\d", text)
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"from_wandb ran in {seconds:.0f} s")


def test_python_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("python_queries", tmp_path, monkeypatch)
    text = text_of(nb)
    assert number_after(r"(\d+) test digits the better model gets wrong", text) > 0
    assert number_after(r"(\d+) scenes have road IoU > 0.05", text) > 0
    assert number_after(r"(\d+) scenes have a car", text) > 0
    assert number_after(r"(\d+) predictions changed", text) > 0
    assert "application/vnd.plotly.v1+json" in mimetypes_of(nb)
    assert "SELECT" in text  # the SQL the engine runs
    print(f"python_queries ran in {seconds:.0f} s")


def test_media_and_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("media_and_formats", tmp_path, monkeypatch)
    text = text_of(nb)
    n_anns = number_after(r"wrote 12 images and (\d+) annotations", text)
    assert "Table(12 rows x 6 columns: image_id, file_name, width, height, image, annotations)" in text
    assert "classes: [(1, 'ball'), (3, 'box'), (7, 'cone')]" in text
    assert f"pycocotools reads back 12 images and {n_anns:.0f} annotations; boxes equal: True, masks equal: True" \
        in text
    assert "detections written; the same as given: True" in text
    ap_original = number_after(r"COCOeval bbox AP: ([\d.]+) on the originals", text)
    assert 0.3 < ap_original < 1 and number_after(r"([\d.]+) on what tablelens wrote", text) == ap_original
    assert number_after(r"Table\(12 rows x 3 columns: split, file_name, image\) -> (\d+) boxes", text) == n_anns
    assert number_after(r"objects\) -> (\d+) boxes", text) == n_anns
    assert "tables ['coco', 'folder', 'voc', 'yolo'], 12 image files" in text
    # the media types part: every cell kind logged and read back, filters on their facts, a bad file explained
    assert "Audio(wav, 0.5 s, caption='engine 0') | Video(mp4, 64x48, 8 frames at 8 fps" in text
    assert re.search(r"\$engine\.duration', 1\.2\]\}\s+-> ids \[3, 4, 5\]", text), text[-2000:]
    assert re.search(r"'truck', '\$lidar\.boxes\.label'\]\}\s+-> ids \[1, 4\]", text)
    assert re.search(r"MediaFileError \(corrupt\): '[^']+engine\.wav' is not an audio file", text)
    assert "['sparkline', 'class-bar'] | Table(12 rows x 4 columns: image, majority, classes, losses)" in text
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"media_and_formats ran in {seconds:.0f} s")


def test_evaluation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("evaluation", tmp_path, monkeypatch)
    text = text_of(nb)
    m_ap = number_after(r"mAP ([\d.]+), AP50", text)
    assert 0.2 < m_ap < 1
    # the detection metrics equal pycocotools' on what the COCO converters write
    assert "all twelve numbers agree to 1e-6: True" in text
    assert number_after(r"COCOeval mAP ([\d.]+)", text) == m_ap
    tp, fp = number_after(r"(\d+) TP", text), number_after(r"(\d+) FP", text)
    assert tp > 0 and fp > 0
    assert 0 < number_after(r"(\d+) of \d+ scenes have a false positive", text) <= 120
    # a higher threshold: fewer false positives, more misses
    fps = [float(x) for x in re.findall(r"threshold \S+: precision [\d.]+, recall [\d.]+, FP (\d+)", text)]
    assert len(fps) == 4 and fps == sorted(fps, reverse=True)
    assert number_after(r"weak mAP ([\d.]+)", text) < m_ap
    assert re.search(r"scene-predictions:v\d -> run:\w+, .*run:\w+ -> scene-eval:v1", text)
    assert "scikit-learn agrees: True" in text and number_after(r"accuracy ([\d.]+), macro F1", text) > 0.95
    weak = number_after(r"weak\s+mIoU ([\d.]+)", text)
    assert number_after(r"better mIoU ([\d.]+)", text) > weak
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"evaluation ran in {seconds:.0f} s")


def test_large_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = execute("large_table", tmp_path, monkeypatch)
    text = text_of(nb)
    assert f"{TEST_ROWS:,} rows" in text
    timings = re.findall(r"^\s*(.+?)\s{2,}([\d.]+) s", text, re.M)
    assert len(timings) >= 5, text
    assert "application/vnd.jupyter.widget-view+json" in mimetypes_of(nb)
    print(f"large_table ran in {seconds:.0f} s")


def test_large_table_reuses_its_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The large table is generated once: a second run of the notebook finds it in the store."""
    nb, _ = execute("large_table", tmp_path / "a", monkeypatch, TABLELENS_DIR=str(tmp_path / "shared"))
    assert "generated large-predictions" in text_of(nb)
    nb, _ = execute("large_table", tmp_path / "b", monkeypatch, TABLELENS_DIR=str(tmp_path / "shared"))
    assert "reusing large-predictions" in text_of(nb) and "generated" not in text_of(nb)


