// @ts-check
// The store browser's graph layout, an asset module (loaded from the kernel when the graph is first shown, as
// plotly.js is): dagre's layered layout, left to right. The default export is an object with `layout`.
import dagre from "@dagrejs/dagre";

/** @import { Graph, LayoutResult } from "../types/store" */

/**
 * Lay out `graph` left to right; `sizes` gives each node's box (the labels decide it).
 * @param {Graph} graph
 * @param {Record<string, {width: number, height: number}>} sizes
 * @returns {LayoutResult}
 */
function layout(graph, sizes) {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, edgesep: 8, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { ...(sizes[n.id] || { width: 120, height: 28 }) });
  for (const e of graph.edges) if (e.source !== e.target) g.setEdge(e.source, e.target);
  dagre.layout(g);
  /** @type {LayoutResult["nodes"]} */
  const nodes = {};
  for (const id of g.nodes()) {
    const n = g.node(id);
    nodes[id] = { x: n.x, y: n.y, width: n.width, height: n.height };
  }
  const edges = g.edges().map((e) => ({
    source: e.v,
    target: e.w,
    points: (g.edge(e).points || []).map((/** @type {{x: number, y: number}} */ p) => ({ x: p.x, y: p.y })),
  }));
  const size = g.graph();
  return { width: size.width || 0, height: size.height || 0, nodes, edges };
}

export default { layout };
