// @vitest-environment happy-dom
// @ts-check
// The lineage graph: collapsing the exploded graph the kernel sends, what lies upstream and downstream, and the
// SVG view laid out by the real dagre asset — node counts, a click selecting, the highlight of a selection.
import { describe, expect, it, vi } from "vitest";
import layoutModule from "../../assets/graph-layout.js";
import { createGraphView } from "../graph-view.js";
import { collapse, neighbourhood, nodeFor, nodeLabel } from "../graph-model.js";

/** @import { Graph, GraphNode } from "../../types/store" */

/**
 * A pipeline: build-dataset -> ds:v0 -> predict (x2) -> preds:v0, preds:v1; evaluate uses preds:v1 -> report:v0.
 * @returns {Graph}
 */
function pipeline() {
  /** @type {(id: string, name: string, version: string, type: string) => GraphNode} */
  const v = (id, name, version, type) => ({ id, kind: "version", name, version, type, aliases: [], group: `artifact:${name}` });
  /** @type {(id: string, job: string) => GraphNode} */
  const r = (id, job) => ({ id, kind: "run", name: id.slice(4), job_type: job, group: `job:${job}` });
  return {
    nodes: [v("ds:v0", "ds", "v0", "dataset"), v("preds:v0", "preds", "v0", "predictions"),
      v("preds:v1", "preds", "v1", "predictions"), v("report:v0", "report", "v0", "report"),
      r("run:b", "build-dataset"), r("run:p0", "predict"), r("run:p1", "predict"), r("run:e", "evaluate")],
    edges: [
      { source: "run:b", target: "ds:v0", kind: "produced" },
      { source: "ds:v0", target: "run:p0", kind: "used" }, { source: "run:p0", target: "preds:v0", kind: "produced" },
      { source: "ds:v0", target: "run:p1", kind: "used" }, { source: "run:p1", target: "preds:v1", kind: "produced" },
      { source: "preds:v1", target: "run:e", kind: "used" }, { source: "run:e", target: "report:v0", kind: "produced" },
    ],
  };
}

describe("graph model", () => {
  it("collapses versions by artifact and runs by job type, counting them", () => {
    const c = collapse(pipeline());
    expect(c.nodes.map((n) => [n.id, n.kind, n.count]).sort()).toEqual([
      ["artifact:ds", "artifact", 1], ["artifact:preds", "artifact", 2], ["artifact:report", "artifact", 1],
      ["job:build-dataset", "job", 1], ["job:evaluate", "job", 1], ["job:predict", "job", 2],
    ]);
    expect(c.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual([
      "artifact:ds>job:predict", "artifact:preds>job:evaluate", "job:build-dataset>artifact:ds",
      "job:evaluate>artifact:report", "job:predict>artifact:preds",
    ]);
    expect(nodeLabel(c.nodes.find((n) => n.id === "artifact:preds") || c.nodes[0]).sub).toBe("predictions · 2 versions");
  });

  it("finds upstream and downstream, and the node standing for a selection", () => {
    const g = pipeline();
    const near = neighbourhood(g, "preds:v1");
    expect([...near.upstream].sort()).toEqual(["ds:v0", "run:b", "run:p1"]);
    expect([...near.downstream].sort()).toEqual(["report:v0", "run:e"]);
    const c = collapse(g);
    expect(nodeFor(g, c, "preds:v1")).toBe("artifact:preds");
    expect(nodeFor(g, g, "preds:v1")).toBe("preds:v1");
    expect(nodeFor(g, c, "artifact:ds")).toBe("artifact:ds");
    expect(nodeFor(g, g, "nothing")).toBe(null);
    const cycle = { nodes: g.nodes, edges: [...g.edges, { source: "report:v0", target: "run:b", kind: /** @type {const} */ ("used") }] };
    expect(neighbourhood(cycle, "ds:v0").upstream.has("ds:v0")).toBe(false); // a cycle ends
  });
});

describe("graph view", () => {
  /** @param {Graph} graph */
  function mount(graph) {
    const onSelect = vi.fn();
    const requests = {
      request: vi.fn(async () => ({ msg: /** @type {const} */ ({ type: "graph", id: 1, graph }), buffers: [] })),
      loadLayout: vi.fn(async () => layoutModule),
    };
    const view = createGraphView({ requests: /** @type {any} */ (requests), onSelect });
    document.body.append(view.el);
    return { view, onSelect, requests };
  }
  const drawn = async (/** @type {HTMLElement} */ el) => {
    await vi.waitFor(() => expect(el.dataset.state).toBe("drawn"));
  };

  it("draws the collapsed graph, then every version and run when exploded", async () => {
    const { view, requests } = mount(pipeline());
    view.show({ explode: false, selected: "" });
    await drawn(view.el);
    expect(view.el.dataset.mode).toBe("collapsed");
    expect(view.el.querySelectorAll("[data-role=node]").length).toBe(6);
    expect(view.el.querySelectorAll("[data-role=edge]").length).toBe(5);
    view.show({ explode: true, selected: "" });
    await vi.waitFor(() => expect(view.el.dataset.mode).toBe("exploded"));
    expect(view.el.querySelectorAll("[data-role=node]").length).toBe(8);
    expect(requests.request).toHaveBeenCalledTimes(1); // the graph is fetched once, then collapsed or not here
    // left to right: a producer sits left of what it produced
    const x = (/** @type {string} */ id) => Number(
      /** @type {Element} */ (view.el.querySelector(`[data-id="${id}"]`)).getAttribute("transform")?.match(/translate\(([-\d.]+)/)?.[1]);
    expect(x("run:b")).toBeLessThan(x("ds:v0"));
    expect(x("ds:v0")).toBeLessThan(x("run:p1"));
    expect(x("preds:v1")).toBeLessThan(x("report:v0"));
    view.cleanup();
  });

  it("selects a node on click and highlights what lies upstream and downstream", async () => {
    const { view, onSelect } = mount(pipeline());
    view.show({ explode: true, selected: "" });
    await drawn(view.el);
    const node = /** @type {SVGGElement} */ (view.el.querySelector('[data-id="preds:v1"]'));
    node.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: 5, clientY: 5 }));
    node.dispatchEvent(new PointerEvent("pointerup", { bubbles: true, button: 0, clientX: 5, clientY: 5 }));
    expect(onSelect).toHaveBeenCalledWith("preds:v1");
    view.select("preds:v1");
    const rel = (/** @type {string} */ id) => view.el.querySelector(`[data-id="${id}"]`)?.getAttribute("data-rel");
    expect(rel("preds:v1")).toBe("selected");
    expect([rel("run:p1"), rel("ds:v0"), rel("run:b")]).toEqual(["upstream", "upstream", "upstream"]);
    expect([rel("run:e"), rel("report:v0")]).toEqual(["downstream", "downstream"]);
    expect([rel("preds:v0"), rel("run:p0")]).toEqual(["other", "other"]);
    expect(view.el.querySelectorAll("[data-role=edge][data-lit]").length).toBe(5);
    // a drag pans instead of selecting
    onSelect.mockClear();
    node.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: 5, clientY: 5 }));
    node.dispatchEvent(new PointerEvent("pointermove", { bubbles: true, button: 0, clientX: 60, clientY: 40 }));
    node.dispatchEvent(new PointerEvent("pointerup", { bubbles: true, button: 0, clientX: 60, clientY: 40 }));
    expect(onSelect).not.toHaveBeenCalled();
    view.cleanup();
  });

  it("never renders names as markup", async () => {
    const g = pipeline();
    g.nodes[4] = { ...g.nodes[4], name: "<img src=x onerror=alert(1)>" };
    const { view } = mount(g);
    view.show({ explode: true, selected: "" });
    await drawn(view.el);
    expect(view.el.querySelector("img")).toBe(null);
    expect(view.el.textContent).toContain("<img src=x onerror=alert(1)>");
    view.cleanup();
  });
});
