// @ts-check
// The lineage graph as data (pure functions, no DOM): the collapsed graph (one node per artifact name and per job
// type) made from the exploded one the kernel sends, which node stands for a selection, and what lies upstream
// and downstream of a node.

/** @import { Graph, GraphNode, GraphEdge } from "../types/store" */

/**
 * One node per group ("artifact:<name>", "job:<job type>"), edges between groups (deduplicated, no self loops).
 * @param {Graph} graph the exploded graph
 * @returns {Graph}
 */
export function collapse(graph) {
  /** @type {Map<string, GraphNode>} */
  const groups = new Map();
  /** @type {Map<string, string>} */
  const groupOf = new Map();
  for (const n of graph.nodes) {
    groupOf.set(n.id, n.group);
    const known = groups.get(n.group);
    if (known) {
      known.count = (known.count || 0) + 1;
      continue;
    }
    const artifact = n.kind === "version";
    groups.set(n.group, {
      id: n.group,
      kind: artifact ? "artifact" : "job",
      group: n.group,
      name: artifact ? n.name : n.job_type ?? null,
      type: artifact ? n.type : undefined,
      job_type: artifact ? undefined : n.job_type ?? null,
      count: 1,
    });
  }
  /** @type {Map<string, GraphEdge>} */
  const edges = new Map();
  for (const e of graph.edges) {
    const source = groupOf.get(e.source);
    const target = groupOf.get(e.target);
    if (!source || !target || source === target) continue;
    const key = `${source}\u0000${target}`;
    if (!edges.has(key)) edges.set(key, { source, target, kind: e.kind });
  }
  return { nodes: [...groups.values()], edges: [...edges.values()] };
}

/**
 * The node of the shown graph that stands for `selected` ("name:v3", "run:<id>", "artifact:<name>",
 * "job:<type>"): itself when shown, else its group (exploded -> collapsed) or nothing.
 * @param {Graph} exploded
 * @param {Graph} shown
 * @param {string} selected
 * @returns {string | null}
 */
export function nodeFor(exploded, shown, selected) {
  if (!selected) return null;
  if (shown.nodes.some((n) => n.id === selected)) return selected;
  const n = exploded.nodes.find((x) => x.id === selected);
  if (n && shown.nodes.some((x) => x.id === n.group)) return n.group;
  return null;
}

/**
 * Every node reachable from `id` against (upstream) and along (downstream) the edges; `id` in neither.
 * @param {Graph} graph
 * @param {string} id
 * @returns {{upstream: Set<string>, downstream: Set<string>}}
 */
export function neighbourhood(graph, id) {
  /** @type {Map<string, string[]>} */
  const out = new Map();
  /** @type {Map<string, string[]>} */
  const into = new Map();
  for (const e of graph.edges) {
    if (!out.has(e.source)) out.set(e.source, []);
    if (!into.has(e.target)) into.set(e.target, []);
    /** @type {string[]} */ (out.get(e.source)).push(e.target);
    /** @type {string[]} */ (into.get(e.target)).push(e.source);
  }
  /** @param {Map<string, string[]>} next */
  const walk = (next) => {
    /** @type {Set<string>} */
    const seen = new Set();
    const stack = [id];
    while (stack.length) {
      const at = /** @type {string} */ (stack.pop());
      for (const other of next.get(at) || []) {
        if (other === id || seen.has(other)) continue;
        seen.add(other);
        stack.push(other);
      }
    }
    return seen;
  };
  return { upstream: walk(into), downstream: walk(out) };
}

/**
 * The text a node shows: a version's "name:v3" (aliases after), a run's name with its job type, a collapsed
 * node's name with how many versions or runs it holds.
 * @param {GraphNode} n
 * @returns {{title: string, sub: string}}
 */
export function nodeLabel(n) {
  if (n.kind === "version") return { title: `${n.name}:${n.version}`, sub: (n.aliases || []).join(", ") || n.type || "" };
  if (n.kind === "run") return { title: String(n.name || n.id), sub: n.job_type || "run" };
  if (n.kind === "artifact") return { title: String(n.name), sub: `${n.type || "artifact"} · ${n.count} version${n.count === 1 ? "" : "s"}` };
  return { title: String(n.job_type || "(no job type)"), sub: `${n.count} run${n.count === 1 ? "" : "s"}` };
}

/**
 * A node's box for the layout, from its label (an estimate of the text's width: the layout runs before drawing).
 * @param {GraphNode} n
 * @returns {{width: number, height: number}}
 */
export function nodeSize(n) {
  const { title, sub } = nodeLabel(n);
  const chars = Math.max(title.length, sub.length * 0.85);
  return { width: Math.round(Math.min(240, Math.max(72, chars * 6.6 + 20))), height: 34 };
}
