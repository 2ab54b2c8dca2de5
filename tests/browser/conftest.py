"""Session fixtures of the browser tests: one JupyterLab and one Chromium for the whole run.

Each test writes its own notebook and opens it in a fresh workspace; on failure, the screenshots of its steps,
the browser console and the end of Lab's log are written to `test-artifacts/<test name>/`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .data import build_store
from .harness import ROOT, JupyterLab, NotebookPage, Steps, chromium_available, lab_session, write_notebook

ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class BrowserEnv:
    lab: JupyterLab
    browser: Any
    root: Path
    frames: dict[str, Any]


@pytest.fixture(scope="session")
def browser_env(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[BrowserEnv]:
    if not chromium_available():
        pytest.fail("Debian's chromium is needed at /usr/bin/chromium for the browser tests: run `make browser` "
                    "(or `apt-get install -y chromium`)")
    if not (ROOT / "widget" / "tablelens" / "static" / "explorer.js").exists():
        pytest.fail("the front end is not built: run `npm install && npm run build` (or `pip install -e .`)")
    root = tmp_path_factory.mktemp("lab")
    store = root / "store"
    frames = build_store(store)
    env = {"TABLELENS_DIR": str(store), "TABLELENS_CACHE": str(root / "cache")}
    with lab_session(root, env, chromium) as (lab, _pw, browser):
        yield BrowserEnv(lab, browser, root, frames)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def steps(request: pytest.FixtureRequest) -> Iterator[Steps]:
    s = Steps(request.node.name, ARTIFACTS)
    yield s
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        d = s.save()  # the "failure" screenshot was taken before the page closed (open_notebook)
        nb = getattr(s, "notebook", None)
        if nb is not None:
            (d / "console.txt").write_text("\n".join(nb.console_errors + nb.dialogs))
            (d / "lab.log").write_text(nb.lab.log_tail(200))


OpenNotebook = Callable[..., NotebookPage]


@pytest.fixture
def open_notebook(browser_env: BrowserEnv, steps: Steps, request: pytest.FixtureRequest
                  ) -> Iterator[OpenNotebook]:
    """`open_notebook(cells, run=N)` writes a notebook, opens it and runs its first N cells (all by default)."""
    opened: list[NotebookPage] = []
    contexts: list[Any] = []

    def open_(cells: Sequence[str], run: int | None = None, viewport: tuple[int, int] = (1400, 1000),
              app: str = "lab") -> NotebookPage:
        name = f"nb-{uuid.uuid4().hex[:8]}.ipynb"
        write_notebook(browser_env.root / name, cells)
        context = browser_env.browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                                  device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        nb = NotebookPage(page, browser_env.lab, name)
        opened.append(nb)
        steps.page = page
        steps.notebook = nb  # type: ignore[attr-defined]
        nb.open(app=app)
        steps.step("opened")
        if run is None:
            nb.run_all()
        elif run > 0:
            nb.run_cells(run)
        return nb

    yield open_
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        steps.step("failure")
    for nb in opened:
        nb.close()
    for c in contexts:
        c.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


os.environ.setdefault("PYTHONHASHSEED", "0")
