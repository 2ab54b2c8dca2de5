"""Make the README's screenshots (docs/img/*.png) with the browser tests' harness and the demo data.

Run: `python tests/browser/screenshots.py` (about a minute). It fills a scratch store with
`python -m tablelens.demo --quick`'s artifacts, opens them in JupyterLab + headless Chromium and saves the
Explorer element of each view as a small palette PNG (< 300 KB).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "widget"))

import harness  # noqa: E402

__all__ = ["main"]

VIEWS = {
    "grouped": (
        "ex = tl.Explorer('scene-predictions:v1', group_by='dominant_pred', sort=[('count', 'desc')])\n"
        "ex.hidden_columns = ['id', 'sidewalk', 'pole', 'sign', 'vegetation', 'pred_boxes']\nex",
        "[data-role=histogram][data-drawn]",
    ),
    "compare": (
        "ex = tl.Explorer('digit-predictions:v0', compare='digit-predictions:v1',\n"
        "                 filter=\"{$ne: ['$0.pred', '$1.pred']}\")\n"
        "ex.hidden_columns = [f'score_{i}' for i in range(10)]\nex",
        "[data-role=histogram][data-drawn]",
    ),
    "images": (
        "ex = tl.Explorer('scene-predictions:v1')\n"
        "ex.hidden_columns = ['sidewalk', 'pole', 'sign', 'vegetation', 'sky', 'person', 'pred_boxes']\nex",
        "[data-role=image][data-state=ready] [data-role=image-frame]:not([data-masks='0'])",
    ),
}


def shrink(png: Path, colors: int = 256) -> int:
    """Re-save as an optimised palette PNG; returns the size in bytes."""
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)
    return png.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=HERE.parents[1] / "docs" / "img")
    ap.add_argument("--width", type=int, default=1280)
    args = ap.parse_args()
    from tablelens.demo import generate

    with tempfile.TemporaryDirectory(prefix="tablelens-shots-") as tmp:
        root = Path(tmp)
        store = root / "store"
        generate(str(store), quick=True, log=lambda _m: None)
        args.out.mkdir(parents=True, exist_ok=True)
        with harness.lab_session(root, {"TABLELENS_DIR": str(store), "TABLELENS_CACHE": str(root / "cache")}) as (
                lab, _pw, browser):
            for name, (code, ready) in VIEWS.items():
                harness.write_notebook(root / f"{name}.ipynb", [f"import tablelens as tl\n{code}"])
                context = browser.new_context(viewport={"width": args.width, "height": 1100}, device_scale_factor=1)
                page = context.new_page()
                nb = harness.NotebookPage(page, lab, f"{name}.ipynb").open()
                nb.command("application:toggle-left-area")
                nb.run_all()
                page.wait_for_selector(ready, timeout=120_000)
                page.wait_for_timeout(1500)  # the remaining charts and overlays of the page
                path = args.out / f"{name}.png"
                page.locator("[data-role=explorer]").first.screenshot(path=str(path))
                print(f"{path}: {shrink(path) / 1000:.0f} KB")
                nb.close()
                context.close()


if __name__ == "__main__":
    main()
