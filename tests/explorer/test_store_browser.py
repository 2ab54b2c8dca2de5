"""The store browser's kernel side without a browser: its traits, the messages the browser sends (the graph, the
layout asset, management actions) and what they change in the store; details of each kind of selection."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import tablelens as tl
from tablelens.explorer import Explorer, StoreBrowser


@pytest.fixture
def pipeline(store_dir: Any) -> tl.Store:
    """`ds` v0 made by a build run; `preds` v0 and v1 each made by a predict run that used ds:v0."""
    with tl.init(job_type="build-dataset", dir=str(store_dir)) as run:
        art = tl.Artifact("ds", "dataset", description="the data")
        art.add(tl.Table(columns=["id", "x"], data=[[i, i * 2] for i in range(30)]), "rows")
        run.log_artifact(art)
    for k in range(2):
        with tl.init(job_type="predict", dir=str(store_dir)) as run:
            run.use_artifact("ds:v0")
            art = tl.Artifact("preds", "predictions", metadata={"k": k})
            art.add(tl.Table(columns=["id", "score"], data=[[i, i / 30 + k] for i in range(30)]), "predictions")
            run.log_artifact(art, aliases=["best"] if k else [])
    return tl.Store(store_dir)


class Sent:
    def __init__(self, b: StoreBrowser) -> None:
        self.messages: list[tuple[dict[str, Any], Any]] = []
        b.send = lambda msg, buffers=None: self.messages.append((msg, buffers))  # type: ignore[method-assign]
        self.b = b

    def ask(self, **msg: Any) -> tuple[dict[str, Any], Any]:
        self.b._on_custom(self.b, {"id": len(self.messages) + 1, **msg}, [])
        return self.messages[-1]


def test_explore_shows_the_store_and_tl_browse_the_default_one(pipeline: tl.Store) -> None:
    b = pipeline.explore(view="graph", explode=True)
    assert isinstance(b, StoreBrowser) and (b.view, b.explode) == ("graph", True)
    assert b.store_dir == pipeline.dir
    arts = {a["name"]: a for a in b.overview["artifacts"]}
    assert set(arts) == {"ds", "preds"} and arts["preds"]["count"] == 2
    assert arts["preds"]["aliases"] == {"best": "v1"}
    assert tl.browse().store_dir == pipeline.dir  # $TABLELENS_DIR is this store
    bundle = b._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the browser and its output area below


def test_the_graph_and_the_layout_asset_travel_in_messages(pipeline: tl.Store) -> None:
    b = StoreBrowser(pipeline)
    sent = Sent(b)
    msg, _ = sent.ask(type="graph")
    graph = msg["graph"]
    kinds = sorted(n["kind"] for n in graph["nodes"])
    assert kinds == ["run"] * 3 + ["version"] * 3
    assert {(e["source"].split(":")[0], e["kind"]) for e in graph["edges"]} == {("run", "produced"), ("ds", "used")}
    assert {n["group"] for n in graph["nodes"]} == {"artifact:ds", "artifact:preds", "job:build-dataset",
                                                   "job:predict"}
    msg, buffers = sent.ask(type="asset", name="graph-layout")
    assert msg["type"] == "asset" and msg["name"] == "graph-layout"
    assert bytes(buffers[0]) == (Path(tl.__file__).parent / "static" / "graph-layout.js").read_bytes()
    msg, _ = sent.ask(type="nonsense")
    assert msg["type"] == "error" and "unknown request type" in msg["message"]


def test_selections_read_their_details(pipeline: tl.Store) -> None:
    b = StoreBrowser(pipeline)
    d = b.select("preds:best")
    assert b.selected == "preds:v1" and d["kind"] == "version"
    assert d["tables"] == [{"name": "predictions", "kind": "table", "rows": 30, "edited_columns": [],
                            "columns": [{"name": "id", "kind": "int"}, {"name": "score", "kind": "float"}]}]
    assert d["made_by"]["job_type"] == "predict" and d["made_by"]["used"] == ["ds:v0"]
    ds = b.select("ds:v0")
    assert sorted(r["job_type"] for r in ds["used_by"]) == ["predict", "predict"]
    run = b.select(f"run:{d['made_by']['id']}")
    assert run["kind"] == "run" and run["produced"] == ["preds:v1"]
    assert b.select("job:predict")["runs"][0]["produced"] == ["preds:v0"]
    assert b.select("artifact:preds")["count"] == 2
    assert b.select("preds:v9")["kind"] == "error" and "no version v9" in b.detail["message"]
    b.selected = "ds:v0"  # from the browser: read on a thread
    deadline = time.monotonic() + 30
    while b.detail.get("key") != "ds:v0" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.detail["key"] == "ds:v0" and not b.busy


def test_actions_manage_the_store_and_open_an_explorer_below(pipeline: tl.Store) -> None:
    b = StoreBrowser(pipeline, selected="preds:v0")
    sent = Sent(b)
    version = b.graph_version
    msg, _ = sent.ask(type="action", action="alias", spec="preds:v0", alias="production")
    assert msg["ok"] and pipeline.aliases("preds")["production"] == "v0"
    assert b.graph_version > version and "production" in b.detail["aliases"]  # refreshed
    msg, _ = sent.ask(type="action", action="edit", spec="preds:v0", description="first", metadata='{"k": 0, "ok": 1}')
    assert msg["ok"] and pipeline.artifact("preds:v0").metadata == {"k": 0, "ok": 1}
    msg, _ = sent.ask(type="action", action="edit", spec="preds:v0", metadata="{not json")
    assert not msg["ok"] and "not JSON" in msg["message"] and b.notice["level"] == "error"
    msg, _ = sent.ask(type="action", action="delete", spec="preds:v0")
    assert not msg["ok"] and "production" in msg["message"]
    msg, _ = sent.ask(type="action", action="remove-alias", name="preds", alias="production")
    assert msg["ok"] and "production" not in pipeline.aliases("preds")
    msg, _ = sent.ask(type="action", action="delete", spec="preds:v0")
    assert msg["ok"] and b.selected == "artifact:preds"
    assert [v["version"] for v in pipeline.versions("preds")] == ["v1"]
    msg, _ = sent.ask(type="action", action="open", spec="preds:v1", table="predictions")
    assert msg["ok"] and b.opened == "preds:v1/predictions"
    assert isinstance(b.explorer, Explorer) and len(b.output.outputs) == 1
    assert b.explorer._wait().num_rows == 30
    first = b.explorer
    b.open_table("ds:v0")  # replaces the one shown
    assert b.explorer is not first and len(b.output.outputs) == 1 and b.opened == "ds:v0/rows"
    msg, _ = sent.ask(type="action", action="launch-rockets")
    assert not msg["ok"] and "unknown action" in msg["message"]
