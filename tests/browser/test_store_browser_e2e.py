"""The store browser end to end, in real JupyterLab and headless Chromium, on the quick demo store: the lineage
graph drawn (collapsed, then exploded with the node count the store implies), a click on a node selecting it (its
upstream highlighted), "Open" showing an Explorer with the table's rows below the browser, and aliases, edits and
deletes made with the widget landing in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tablelens as tl

from .conftest import OpenNotebook
from .harness import Steps


def _expected_counts(store: tl.Store) -> tuple[int, int]:
    """(collapsed, exploded) node counts, from the store's own records: artifact names + job types of the runs
    that touched a version; versions + those runs."""
    live = {f"{n}:{v['version']}" for n in store.artifacts() for v in store.versions(n)}
    runs = [r for r in store.runs() if live & set(r["used"] + r["produced"])]
    return len(store.artifacts()) + len({r["job_type"] for r in runs}), len(live) + len(runs)


def _graph_drawn(page: Any, mode: str, nodes: int) -> None:
    page.wait_for_selector(f"[data-role=graph][data-state=drawn][data-mode={mode}][data-nodes='{nodes}']",
                           timeout=90_000)


def _browser_cell(store: Path, **options: Any) -> str:
    args = "".join(f", {k}={v!r}" for k, v in options.items())
    return f"import tablelens as tl\nb = tl.Store({str(store)!r}).explore({args.lstrip(', ')})\nb"


def test_the_demo_graph_collapses_explodes_and_selects(open_notebook: OpenNotebook, demo_store_template: Path,
                                                      steps: Steps) -> None:
    store = tl.Store(demo_store_template)
    collapsed, exploded = _expected_counts(store)
    assert (collapsed, exploded) == (6, 12)  # 4 artifacts + 2 job types; 6 versions + 6 runs
    nb = open_notebook([_browser_cell(demo_store_template, view="graph"), "print(b.selected, b.detail.get('kind'))"],
                       run=1)
    page = nb.page
    _graph_drawn(page, "collapsed", collapsed)
    graph = page.locator("[data-role=graph]")
    assert graph.locator("[data-role=node]").count() == collapsed
    assert graph.locator("[data-role=edge]").count() == int(graph.get_attribute("data-edges") or -1) > 0
    assert sorted(graph.locator("[data-role=node]").evaluate_all("els => els.map(e => e.dataset.id)")) == sorted(
        [f"artifact:{n}" for n in store.artifacts()] + ["job:build-dataset", "job:predict"])
    steps.step("collapsed")

    page.locator("[data-role=explode]").check()
    _graph_drawn(page, "exploded", exploded)
    assert graph.locator("[data-role=node]").count() == exploded
    assert graph.locator("[data-role=node][data-kind=run]").count() == len(store.runs())
    steps.step("exploded")

    # a click on a version node selects it: the details show it, its upstream is highlighted
    node = graph.locator("[data-role=node][data-id='digit-predictions:v1']")
    node.click()
    page.wait_for_selector("[data-role=detail][data-kind=version][data-key='digit-predictions:v1']", timeout=60_000)
    assert node.get_attribute("data-rel") == "selected"
    maker = next(r for r in store.runs() if "digit-predictions:v1" in r["produced"])
    builder = next(r for r in store.runs() if "digits:v0" in r["produced"])
    for up in (f"run:{maker['id']}", "digits:v0", f"run:{builder['id']}"):
        assert graph.locator(f"[data-role=node][data-id='{up}']").get_attribute("data-rel") == "upstream", up
    assert graph.locator("[data-role=node][data-id='street-scenes:v0']").get_attribute("data-rel") == "other"
    detail = page.locator("[data-role=detail]")
    rows = len(store.artifact("digit-predictions:v1").get("predictions"))
    shown = detail.locator("[data-role=table][data-table=predictions] [data-rows]").get_attribute("data-rows")
    assert shown == str(rows)
    steps.step("selected")

    # the kernel knows the selection too
    nb.run_cell(1)
    nb.wait_idle()
    page.wait_for_function("() => document.body.innerText.includes('digit-predictions:v1 version')", timeout=30_000)

    # a run in the details links back into the graph; collapsing keeps the selection on its group
    detail.locator(f"button[data-key='run:{maker['id']}']").click()
    page.wait_for_selector(f"[data-role=detail][data-kind=run][data-key='run:{maker['id']}']", timeout=60_000)
    assert graph.locator(f"[data-role=node][data-id='run:{maker['id']}']").get_attribute("data-rel") == "selected"
    page.locator("[data-role=explode]").uncheck()
    _graph_drawn(page, "collapsed", collapsed)
    assert graph.locator("[data-role=node][data-id='job:predict']").get_attribute("data-rel") == "selected"
    graph.locator("[data-role=node][data-id='artifact:street-scenes']").click()
    page.wait_for_selector("[data-role=detail][data-kind=artifact][data-key='artifact:street-scenes']",
                           timeout=60_000)
    assert graph.locator("[data-role=node][data-id='job:predict']").get_attribute("data-rel") == "downstream"
    assert graph.locator("[data-role=node][data-id='job:build-dataset']").get_attribute("data-rel") == "upstream"
    steps.step("collapsed again")


def test_open_shows_an_explorer_with_the_table_rows(open_notebook: OpenNotebook, demo_store_template: Path,
                                                   steps: Steps) -> None:
    store = tl.Store(demo_store_template)
    rows = len(store.artifact("scene-predictions:better").get("predictions"))
    nb = open_notebook([_browser_cell(demo_store_template)])
    page = nb.page
    page.wait_for_selector("[data-role=artifact-list] [data-role=version][data-spec='scene-predictions:v1']",
                           timeout=90_000)
    types = page.locator("[data-role=type-group]").evaluate_all("els => els.map(e => e.dataset.type)")
    assert types == ["dataset", "predictions"]
    page.locator("[data-role=version][data-spec='scene-predictions:v1']").click()
    page.wait_for_selector("[data-role=detail][data-key='scene-predictions:v1'] [data-role=table]", timeout=60_000)
    assert page.locator("[data-role=version][data-spec='scene-predictions:v1']").get_attribute(
        "aria-selected") == "true"
    steps.step("selected")
    page.locator("[data-role=table][data-table=predictions] [data-action=open]").click()
    nb.wait_row_count(rows, timeout=90_000)
    page.wait_for_selector("[data-role=explorer] [data-role=row]", timeout=90_000)
    assert page.locator("[data-role=explorer] [data-role=row]").count() == min(rows, 50)
    ids = page.eval_on_selector_all("[data-role=explorer] [data-role=row] [data-role=cell][data-column=id]",
                                    "els => els.map(e => e.innerText.trim())")
    expected = tl.query(store.artifact("scene-predictions:v1")).page(0, 3)["id"].tolist()
    assert [int(x) for x in ids[:3]] == expected
    # the Explorer sits below the browser, in the same output
    box = page.locator("[data-role=store-browser]").bounding_box()
    ex = page.locator("[data-role=explorer]").bounding_box()
    assert box is not None and ex is not None and ex["y"] >= box["y"] + box["height"] - 1
    assert page.locator("[data-role=notice]").first.inner_text().startswith("opened scene-predictions:v1/predictions")
    steps.step("opened")


def test_aliases_edits_and_deletes_from_the_widget(open_notebook: OpenNotebook, demo_store_copy: Path,
                                                  steps: Steps) -> None:
    nb = open_notebook([_browser_cell(demo_store_copy, selected="digit-predictions:v0")])
    page = nb.page
    detail = page.locator("[data-role=detail]")
    page.wait_for_selector("[data-role=detail][data-key='digit-predictions:v0'] [data-role=aliases]", timeout=90_000)
    detail.locator("[data-field=alias]").fill("production")
    detail.locator("[data-action=add-alias]").click()
    page.wait_for_selector("[data-role=detail] [data-role=aliases] [data-alias=production]", timeout=60_000)
    store = tl.Store(demo_store_copy)
    assert store.aliases("digit-predictions")["production"] == "v0"
    page.wait_for_selector("[data-role=version][data-spec='digit-predictions:v0'] [data-alias=production]")
    steps.step("alias added")

    digest = store.artifact("digit-predictions:v0").digest
    detail.locator("[data-action=edit]").click()
    detail.locator("textarea[data-field=description]").fill("the weak model, reviewed")
    detail.locator("textarea[data-field=metadata]").fill('{"reviewed": true}')
    detail.locator("[data-action=save-edit]").click()
    page.wait_for_function("() => document.querySelector('[data-role=detail] [data-field=description-text]')"
                           ".innerText === 'the weak model, reviewed'", timeout=60_000)
    art = store.artifact("digit-predictions:v0")
    assert (art.description, art.metadata, art.digest) == ("the weak model, reviewed", {"reviewed": True}, digest)
    steps.step("edited")

    # a delete is refused while the alias names the version; forced, it removes the alias too
    detail.locator("[data-action=delete]").click()
    detail.locator("[data-action=confirm-delete]").click()
    page.wait_for_selector("[data-role=notice][data-level=error]", timeout=60_000)
    assert "production" in page.locator("[data-role=notice]").inner_text()
    assert store.artifact("digit-predictions:v0").version == "v0"
    detail.locator("[data-field=force]").check()
    detail.locator("[data-action=confirm-delete]").click()
    page.wait_for_selector("[data-role=detail][data-kind=artifact][data-key='artifact:digit-predictions']",
                           timeout=60_000)
    assert [v["version"] for v in store.versions("digit-predictions")] == ["v1"]
    assert "production" not in store.aliases("digit-predictions")
    assert page.locator("[data-role=version][data-spec='digit-predictions:v0']").count() == 0
    steps.step("deleted")
