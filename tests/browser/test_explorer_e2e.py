"""The Explorer end to end: a real JupyterLab, a real kernel, headless Chromium, a user's clicks and keys."""

from __future__ import annotations

import math

from .conftest import BrowserEnv, OpenNotebook
from .harness import NotebookPage, Steps

SHOW = "import tablelens as tl\nex = tl.Explorer('preds:v0')\nex"


def _shown(nb: NotebookPage, n: int, timeout: float = 90_000) -> None:
    """Wait until the first Explorer shows `n` matching rows and has drawn its rows."""
    nb.wait_row_count(n, timeout=timeout)
    nb.page.wait_for_selector("[data-role=explorer] [data-role=row]", timeout=timeout)


def _column(nb: NotebookPage, name: str) -> list[str]:
    return nb.page.eval_on_selector_all(
        f"[data-role=explorer] [data-role=row] [data-role=cell][data-column='{name}']",
        "els => els.map(e => e.innerText.trim())")


def _over(env: BrowserEnv, version: str, x: float) -> int:
    return int(sum(1 for s in env.frames[version]["score"] if not math.isnan(s) and s > x))


def test_table_renders(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    steps.step("rendered")
    assert nb.page.locator("[data-role=explorer] [data-role=row]").count() == 50  # one page
    assert "100" in nb.explorer().locator("[data-role=row-count]").inner_text()
    assert _column(nb, "id")[:3] == ["0", "1", "2"]
    assert _column(nb, "label")[:3] == ["cat", "dog", "bird"]
    assert _column(nb, "score")[5:7] == ["NaN", "inf"]
    versions = nb.explorer().locator("[data-role=versions] [data-version]")
    assert versions.count() == 2
    nb.page.click("[data-role=explorer] [data-action=next-page]")
    nb.page.wait_for_function(
        "() => document.querySelector(\"[data-role=row] [data-column=id]\").innerText.trim() === '50'")
    steps.step("second page")
    assert not nb.dialogs


def test_typing_a_filter_changes_the_row_count(open_notebook: OpenNotebook, browser_env: BrowserEnv,
                                               steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    editor = nb.explorer().locator("[data-role=filter]")
    editor.fill("{$gt: ['$score', 0.5]}")
    steps.step("typed")
    editor.press("Enter")
    expected = _over(browser_env, "v0", 0.5)
    _shown(nb, expected)
    steps.step("filtered")
    assert nb.page.locator("[data-role=explorer] [data-role=row]").count() == min(50, expected)
    ids = [int(x) for x in _column(nb, "id")]
    assert all(i == 6 or i > 50 for i in ids)  # inf (id 6) and 0.51..0.99


def test_bad_filter_shows_error_and_keeps_rows(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    before = _column(nb, "id")
    editor = nb.explorer().locator("[data-role=filter]")
    editor.fill("{$gt: ['$score', 0.5]")
    editor.press("Enter")
    error = nb.explorer().locator("[data-role=error]")
    error.wait_for(state="visible")
    steps.step("error shown")
    assert error.get_attribute("data-control") == "filter"
    assert error.inner_text().strip()
    assert nb.row_count() == 100
    assert _column(nb, "id") == before
    editor.fill("{$lt: ['$id', 10]}")
    editor.press("Enter")
    _shown(nb, 10)
    assert nb.explorer().locator("[data-role=error]").count() == 0


def test_grouping_draws_histograms(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    nb.explorer().locator("[data-role=group-by]").select_option("label")
    _shown(nb, 3)
    chart = nb.explorer().locator("[data-role=cell][data-column=score] [data-role=histogram]").first
    chart.wait_for()
    nb.page.wait_for_selector("[data-role=histogram][data-drawn=plotly] svg", timeout=60_000)
    steps.step("grouped")
    assert nb.explorer().locator("[data-role=histogram][data-chart=hist]").count() >= 3
    assert sorted(_column(nb, "count")) == ["33", "33", "34"]


def test_sorting_orders_rows(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    nb.explorer().locator("[data-role=sort]").select_option("score")
    nb.page.wait_for_selector("[data-role=sort-key][data-column=score]")
    nb.explorer().locator("[data-role=sort-key][data-column=score] [data-action=direction]").click()
    nb.page.wait_for_selector("[data-role=sort-key][data-column=score][data-direction=desc]")
    nb.page.wait_for_function(
        "() => document.querySelector(\"[data-role=row] [data-column=id]\").innerText.trim() === '6'")
    steps.step("sorted desc")
    ids = [int(x) for x in _column(nb, "id")]
    assert ids[:4] == [6, 99, 98, 97]  # inf first, then by score descending


def test_compare_two_versions_and_quick_filter(open_notebook: OpenNotebook, steps: Steps) -> None:
    nb = open_notebook([SHOW])
    _shown(nb, 100)
    nb.explorer().locator("[data-role=compare]").select_option("preds:v1")
    _shown(nb, 110)
    steps.step("comparing")
    cell = nb.explorer().locator("[data-role=row][data-key='15'] [data-role=cell][data-column=score]")
    text = cell.inner_text()
    assert "0.15" in text and "0.65" in text  # both versions' values
    quick = nb.explorer().locator("[data-role=quick-filter]")
    quick.locator("[data-value=both]").click()
    _shown(nb, 90)
    steps.step("in both")
    quick.locator("[data-value=only1]").click()
    _shown(nb, 10)
    assert sorted(int(x.split()[-1]) for x in _column(nb, "id")) == list(range(100, 110))


def test_setting_a_trait_from_python_updates_the_view(open_notebook: OpenNotebook, browser_env: BrowserEnv,
                                                       steps: Steps) -> None:
    nb = open_notebook([SHOW, "ex.filter = \"{$gt: ['$score', 0.9]}\"", "ex.group_by = 'label'"], run=1)
    _shown(nb, 100)
    nb.run_cell(1)
    _shown(nb, _over(browser_env, "v0", 0.9))
    steps.step("filter from python")
    assert nb.explorer().locator("[data-role=filter]").input_value() == "{$gt: ['$score', 0.9]}"
    nb.run_cell(2)
    nb.page.wait_for_selector("[data-role=explorer][data-mode=groups]")
    steps.step("group from python")
    assert nb.explorer().locator("[data-role=group-by]").input_value() == "label"



def test_works_in_notebook_7(open_notebook: OpenNotebook, browser_env: BrowserEnv, steps: Steps) -> None:
    nb = open_notebook([SHOW], app="notebook")
    _shown(nb, 100)
    steps.step("rendered in Notebook 7")
    editor = nb.explorer().locator("[data-role=filter]")
    editor.fill("{$gt: ['$score', 0.5]}")
    editor.press("Enter")
    _shown(nb, _over(browser_env, "v0", 0.5))
