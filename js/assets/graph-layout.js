// @ts-check
// The store browser's graph layout, an asset module (loaded from the kernel when the graph is first shown, as
// plotly.js is): dagre's layered layout, left to right, one connected part of the graph at a time; the parts are
// then packed in rows (largest first) so that a store of many separate pipelines is drawn about as wide as it is
// tall instead of as one very tall column. The default export is an object with `layout`.
import dagre from "@dagrejs/dagre";

/** @import { Graph, LayoutResult } from "../types/store" */

const GAP = 32; // between packed parts
const ASPECT = 1.6; // width / height the packing aims at

/**
 * The connected parts of `graph` (edges taken both ways), largest first.
 * @param {Graph} graph
 * @returns {Graph[]}
 */
export function components(graph) {
  /** @type {Map<string, string>} */
  const parent = new Map(graph.nodes.map((n) => [n.id, n.id]));
  /** @param {string} x @returns {string} */
  const find = (x) => {
    let r = x;
    while (parent.get(r) !== r) r = /** @type {string} */ (parent.get(r));
    while (parent.get(x) !== r) {
      const next = /** @type {string} */ (parent.get(x));
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const e of graph.edges) {
    if (!parent.has(e.source) || !parent.has(e.target)) continue;
    parent.set(find(e.source), find(e.target));
  }
  /** @type {Map<string, Graph>} */
  const parts = new Map();
  for (const n of graph.nodes) {
    const r = find(n.id);
    if (!parts.has(r)) parts.set(r, { nodes: [], edges: [] });
    /** @type {Graph} */ (parts.get(r)).nodes.push(n);
  }
  for (const e of graph.edges) {
    if (parent.has(e.source) && parent.has(e.target)) /** @type {Graph} */ (parts.get(find(e.source))).edges.push(e);
  }
  return [...parts.values()].sort((a, b) => b.nodes.length - a.nodes.length);
}

/**
 * dagre on one connected part.
 * @param {Graph} graph
 * @param {Record<string, {width: number, height: number}>} sizes
 * @returns {LayoutResult}
 */
function layoutPart(graph, sizes) {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, edgesep: 8, marginx: 0, marginy: 0 });
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

/**
 * Lay out `graph` left to right; `sizes` gives each node's box (the labels decide it).
 * @param {Graph} graph
 * @param {Record<string, {width: number, height: number}>} sizes
 * @returns {LayoutResult}
 */
function layout(graph, sizes) {
  const parts = components(graph).map((p) => layoutPart(p, sizes));
  const area = parts.reduce((s, p) => s + (p.width + GAP) * (p.height + GAP), 0);
  const rowWidth = Math.max(...parts.map((p) => p.width), Math.sqrt(area * ASPECT), 1);
  /** @type {LayoutResult} */
  const out = { width: 0, height: 0, nodes: {}, edges: [] };
  let x = 16;
  let y = 16;
  let rowHeight = 0;
  for (const p of parts) {
    if (x > 16 && x + p.width > rowWidth + 16) {
      x = 16;
      y += rowHeight + GAP;
      rowHeight = 0;
    }
    for (const [id, n] of Object.entries(p.nodes)) out.nodes[id] = { ...n, x: n.x + x, y: n.y + y };
    for (const e of p.edges) out.edges.push({ ...e, points: e.points.map((q) => ({ x: q.x + x, y: q.y + y })) });
    out.width = Math.max(out.width, x + p.width + 16);
    rowHeight = Math.max(rowHeight, p.height);
    x += p.width + GAP;
  }
  out.height = y + rowHeight + 16;
  return out;
}

export default { layout };
