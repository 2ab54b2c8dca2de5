"""Store browser benchmark: the lineage graph with 500 exploded nodes, drawn in a real JupyterLab and headless
Chromium (the browser tests' harness).

The store: 10 datasets of 5 versions (each made by a `build-dataset` run) and 20 prediction artifacts of 10 versions
(each made by a `train` run that used one dataset version): 250 versions + 250 runs = 500 nodes, 450 edges;
collapsed, 30 artifacts + 2 job types.

Measured in the page (`performance.now()`), from the click on Explode (or on Explode again, after collapsing) until
the first animation frame after the graph is drawn: layout (dagre, the asset), SVG drawing, and the whole. The
baseline, in the same run: the same view with dagre replaced by a hand-written layout (longest-path layers, nodes
stacked in input order: no crossing reduction), injected into the page's asset cache — the cost of drawing with
no layout work to speak of. Also the first show of the graph (fetching the graph message and the layout asset).

Prints figures; never passes or fails on a time. Run: `python benchmarks/store_browser_bench.py`. The store is
kept in benchmarks/data/store-browser/ (gitignored) and reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "widget"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402

__all__ = ["main"]

DATASETS, DATASET_VERSIONS, PREDICTIONS, PREDICTION_VERSIONS = 10, 5, 20, 10

# The baseline layout: what a hand-written layered layout costs at the least (ranks by longest path from the
# sources, nodes stacked per rank in input order, straight edges).
BASELINE = """
(() => {
  const layout = (graph, sizes) => {
    const into = new Map(graph.nodes.map((n) => [n.id, []]));
    for (const e of graph.edges) if (into.has(e.target)) into.get(e.target).push(e.source);
    const rank = new Map();
    const rankOf = (id, depth = 0) => {
      if (rank.has(id)) return rank.get(id);
      if (depth > graph.nodes.length) return 0;
      const r = Math.max(-1, ...into.get(id).map((s) => rankOf(s, depth + 1))) + 1;
      rank.set(id, r);
      return r;
    };
    const columns = [];
    for (const n of graph.nodes) { const r = rankOf(n.id); (columns[r] = columns[r] || []).push(n.id); }
    const nodes = {};
    let x = 16, height = 0;
    for (const col of columns) {
      if (!col) continue;
      const w = Math.max(...col.map((id) => sizes[id].width));
      let y = 16;
      for (const id of col) {
        const s = sizes[id];
        nodes[id] = {x: x + w / 2, y: y + s.height / 2, ...s};
        y += s.height + 14;
      }
      height = Math.max(height, y);
      x += w + 48;
    }
    const edges = graph.edges.map((e) => ({source: e.source, target: e.target, points: [
      {x: nodes[e.source].x + nodes[e.source].width / 2, y: nodes[e.source].y},
      {x: nodes[e.target].x - nodes[e.target].width / 2, y: nodes[e.target].y}]}));
    return {width: x, height, nodes, edges};
  };
  const key = "__tablelens_assets__";
  if (!(globalThis[key] instanceof Map)) globalThis[key] = new Map();
  globalThis[key].set("asset:graph-layout", Promise.resolve({layout}));
})()
"""

MEASURE = """
async ([mode]) => {
  const graph = document.querySelector('[data-role=graph]');
  const box = document.querySelector('[data-role=explode]');
  const until = (ok) => new Promise((r) => {
    const t = () => (graph.dataset.state === 'drawn' && ok() ? r() : requestAnimationFrame(t));
    t();
  });
  if (box.checked === (mode === 'exploded')) {  // start from the other mode
    box.click();
    await until(() => graph.dataset.mode !== mode);
  }
  const t0 = performance.now();
  box.click();
  await until(() => graph.dataset.mode === mode);
  await new Promise((r) => requestAnimationFrame(() => r()));
  return {total: performance.now() - t0, layout: Number(graph.dataset.layoutMs), draw: Number(graph.dataset.drawMs),
          nodes: Number(graph.dataset.nodes), edges: Number(graph.dataset.edges),
          drawn: graph.querySelectorAll('[data-role=node]').length};
}
"""


def build_store(store: Path) -> None:
    import tablelens as tl

    for d in range(DATASETS):
        for v in range(DATASET_VERSIONS):
            with tl.init(project="bench", job_type="build-dataset", dir=str(store)) as run:
                art = tl.Artifact(f"dataset-{d:02d}", "dataset")
                art.add(tl.Table(columns=["id", "v"], data=[[d, v]]), "rows")
                run.log_artifact(art)
    for p in range(PREDICTIONS):
        for v in range(PREDICTION_VERSIONS):
            with tl.init(project="bench", job_type="train", dir=str(store)) as run:
                run.use_artifact(f"dataset-{p % DATASETS:02d}:v{v % DATASET_VERSIONS}")
                art = tl.Artifact(f"predictions-{p:02d}", "predictions")
                art.add(tl.Table(columns=["id", "v", "score"], data=[[p, v, v / 10]]), "predictions")
                run.log_artifact(art)


def measure(nb: harness.NotebookPage, label: str, repeats: int, out: dict[str, Any]) -> None:
    runs = [nb.page.evaluate(MEASURE, ["exploded"]) for _ in range(repeats)]
    first = runs[0]
    out[f"{label}: nodes drawn (exploded)"] = first["drawn"]
    out[f"{label}: edges"] = first["edges"]
    for key in ("layout", "draw", "total"):
        out[f"{label}: Explode -> drawn, {key} (ms, median of {repeats})"] = statistics.median(r[key] for r in runs)
    back = [nb.page.evaluate(MEASURE, ["collapsed"]) for _ in range(repeats)]
    out[f"{label}: collapse -> drawn, total (ms, median; {back[0]['drawn']} nodes)"] = statistics.median(
        r["total"] for r in back)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "store-browser")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--fresh", action="store_true", help="make the store again")
    ap.add_argument("--screenshot", type=Path, default=None, help="save the exploded graph (dagre) as a PNG here")
    args = ap.parse_args()
    store = args.data / "store"
    if args.fresh and args.data.exists():
        shutil.rmtree(args.data)
    if not (store / "runs").exists() or len(os.listdir(store / "runs")) < 250:
        if store.exists():
            shutil.rmtree(store)
        t0 = time.perf_counter()
        build_store(store)
        print(f"made the store (250 versions, 250 runs) in {time.perf_counter() - t0:.1f} s")
    root = args.data / "lab"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    cells = ["import tablelens as tl\nimport tablelens.explorer  # the kernel is warm",
             f"b = tl.Store({str(store)!r}).explore(view='graph')\nb"]
    out: dict[str, Any] = {}
    with harness.lab_session(root, {"TABLELENS_DIR": str(store)}) as (lab, _pw, browser):
        for label, inject in (("dagre", None), ("baseline (hand-written layout)", BASELINE)):
            name = f"bench-{len(out)}.ipynb"
            harness.write_notebook(root / name, cells)
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            page = context.new_page()
            nb = harness.NotebookPage(page, lab, name).open(timeout=120_000)
            if inject:
                page.evaluate(inject)
            nb.run_cell(0)
            nb.wait_idle(120_000)
            t0 = time.perf_counter()
            nb.run_cell(1)
            page.wait_for_selector("[data-role=graph][data-state=drawn][data-mode=collapsed]", timeout=120_000)
            out[f"{label}: cell run -> collapsed graph on screen, first show (s)"] = time.perf_counter() - t0
            measure(nb, label, args.repeats, out)
            if args.screenshot and not inject:
                page.evaluate(MEASURE, ["exploded"])
                page.locator("[data-role=store-browser]").screenshot(path=str(args.screenshot))
            nb.close()
            context.close()
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"{platform.platform()}; load average {os.getloadavg()[0]:.1f}")
    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v:.1f}" if isinstance(v, float) else f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
