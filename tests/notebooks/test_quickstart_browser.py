"""The quickstart in a real JupyterLab and headless Chromium: run all cells as a newcomer would, then look.

It checks what the reader sees: no error output, every Explorer drawn with the right row count and digit
thumbnails loaded, and the compare view's count equal to what the notebook printed.
"""

from __future__ import annotations

import re
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from browser.harness import NotebookPage, chromium_available, lab_session  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[tuple[Any, Any, Path]]:
    if not chromium_available():
        pytest.fail("Debian's chromium is needed at /usr/bin/chromium: run `make browser`")
    if not (ROOT / "widget" / "tablelens" / "static" / "explorer.js").exists():
        pytest.fail("the front end is not built: run `npm install && npm run build` (or `pip install -e .`)")
    root = tmp_path_factory.mktemp("quickstart-lab")
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", root / "quickstart.ipynb")
    env = {"TABLELENS_DIR": str(root / "store"), "TABLELENS_CACHE": str(root / "cache")}
    with lab_session(root, env, chromium) as (server, _pw, browser):
        yield server, browser, root


def _wait_until_done(page: Any, timeout: float) -> None:
    """Until the last cell has run, or a cell has failed (Lab's run-all then stops), and the kernel is idle."""
    page.wait_for_function(
        """() => {
            const nb = window.jupyterapp.shell.currentWidget;
            const cells = nb.content.widgets;
            const last = cells[cells.length - 1].model;
            const failed = cells.some(c => c.model.type === 'code'
                && c.model.outputs.toJSON().some(o => o.output_type === 'error'));
            return (failed || last.executionCount !== null)
                && nb.sessionContext.session.kernel.status === 'idle';
        }""", timeout=timeout)


def test_quickstart_runs_top_to_bottom_in_jupyterlab(lab: tuple[Any, Any, Path]) -> None:
    server, browser, _root = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(120_000)
    nb = NotebookPage(page, server, "quickstart.ipynb")
    try:
        nb.open()
        nb.run_all()
        _wait_until_done(page, timeout=180_000)
        errors = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code')
            .flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error'))
            .map(o => o.ename + ': ' + o.evalue)""")
        assert errors == []

        explorers = page.locator("[data-role=explorer]")
        explorers.nth(2).wait_for(timeout=60_000)
        assert explorers.count() == 3  # the predictions, grouped by predicted class, the two versions compared
        nb.wait_row_count(714, index=0, timeout=90_000)
        page.wait_for_selector("[data-role=explorer] [data-role=row] [data-role=image][data-state=ready]",
                               timeout=60_000)

        text = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code')
            .flatMap(c => c.model.outputs.toJSON())
            .map(o => o.output_type === 'stream' ? [].concat(o.text).join('') : '')
            .join('\\n')""")
        changed = re.search(r"(\d+) of 714 test digits changed", text)
        assert changed, text[-2000:]
        nb.wait_row_count(int(changed.group(1)), index=explorers.count() - 1, timeout=90_000)
        assert not nb.dialogs
    except Exception:
        out = ROOT / "test-artifacts" / f"quickstart-{uuid.uuid4().hex[:6]}"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "page.png"), full_page=True)
        (out / "console.txt").write_text("\n".join(nb.console_errors + nb.dialogs))
        (out / "lab.log").write_text(server.log_tail(200))
        raise
    finally:
        nb.close()
        context.close()
