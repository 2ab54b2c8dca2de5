// @ts-check
// The lineage graph, drawn in SVG: laid out left to right by dagre (an asset loaded when the graph is first
// shown), collapsed or exploded, panned by dragging and zoomed with the wheel, a click selects a node, and the
// selection's upstream and downstream are highlighted (the rest dimmed).
//
// data-role="graph" carries data-state ("loading" | "drawn" | "error"), data-mode ("collapsed" | "exploded"),
// data-nodes and data-edges (what is drawn) and, once drawn, data-layout-ms and data-draw-ms. Inside it:
// data-role="node" (data-id, data-kind, data-rel = "selected" | "upstream" | "downstream" | "other" while
// something is selected) and data-role="edge" (data-source, data-target, data-lit when on the highlighted path).

import { button, el } from "../dom.js";
import { collapse, neighbourhood, nodeFor, nodeLabel, nodeSize } from "./graph-model.js";

/** @import { Graph, LayoutResult } from "../types/store" */
/** @import { Requests } from "./requests.js" */

const SVG = "http://www.w3.org/2000/svg";
const MIN_SCALE = 0.03;
const MAX_SCALE = 4;
const READABLE = 0.6; // the smallest scale the first view of a graph uses (labels stay legible); Fit shows all

/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} [attrs]
 * @returns {SVGElementTagNameMap[K]}
 */
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * @param {{requests: Requests, onSelect: (id: string) => void}} opts
 */
export function createGraphView({ requests, onSelect }) {
  const root = el("div", "tl-graph", null, { "data-role": "graph", "data-state": "loading" });
  const tools = el("div", "tl-graph-tools");
  const canvas = el("div", "tl-graph-canvas");
  const status = el("div", "tl-graph-status", "Loading the graph…");
  root.append(tools, canvas, status);
  const surface = svg("svg", { class: "tl-graph-svg" });
  const defs = svg("defs");
  const marker = svg("marker", { id: `tl-arrow-${Math.random().toString(36).slice(2)}`, viewBox: "0 0 10 10",
    refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "tl-graph-arrow" }));
  defs.append(marker);
  const viewport = svg("g", { class: "tl-graph-viewport" });
  surface.append(defs, viewport);
  canvas.append(surface);

  /** @type {Graph | null} */
  let exploded = null;
  /** @type {Graph | null} */
  let shown = null;
  let explode = false;
  let selected = "";
  let view = { x: 0, y: 0, k: 1 };
  /** @type {LayoutResult | null} */
  let laid = null;
  let generation = 0;

  const apply = () => viewport.setAttribute("transform", `translate(${view.x} ${view.y}) scale(${view.k})`);
  /** Show the whole graph (`all`), or, when that would make labels unreadable, its top left at a readable size. */
  const fit = (all = true) => {
    if (!laid) return;
    const w = canvas.clientWidth || 800;
    const h = canvas.clientHeight || 480;
    const whole = Math.min(1.2, w / Math.max(1, laid.width), h / Math.max(1, laid.height));
    if (all || whole >= READABLE) {
      const k = Math.max(MIN_SCALE, whole);
      view = { k, x: (w - laid.width * k) / 2, y: (h - laid.height * k) / 2 };
    } else {
      const k = Math.min(1, Math.max(READABLE, w / Math.max(1, laid.width)));
      view = { k, x: Math.max(8, (w - laid.width * k) / 2), y: 8 };
    }
    apply();
  };
  /** @param {number} factor @param {number} [cx] @param {number} [cy] */
  const zoom = (factor, cx, cy) => {
    const k = Math.max(MIN_SCALE, Math.min(MAX_SCALE, view.k * factor));
    const x0 = cx ?? (canvas.clientWidth || 800) / 2;
    const y0 = cy ?? (canvas.clientHeight || 480) / 2;
    view = { k, x: x0 - ((x0 - view.x) * k) / view.k, y: y0 - ((y0 - view.y) * k) / view.k };
    apply();
  };
  tools.append(
    button("tl-btn", "Fit", () => fit(true), { "data-action": "fit", title: "Show the whole graph" }),
    button("tl-btn", "+", () => zoom(1.25), { "data-action": "zoom-in", title: "Zoom in" }),
    button("tl-btn", "−", () => zoom(0.8), { "data-action": "zoom-out", title: "Zoom out" }),
    el("span", "tl-graph-hint", "Drag to pan, wheel to zoom, click a node to select it"),
  );

  // pan and zoom
  /** @type {{x: number, y: number, vx: number, vy: number, moved: boolean, id: number} | null} */
  let drag = null;
  /** @param {PointerEvent} ev */
  const down = (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false, id: ev.pointerId };
  };
  /** @param {PointerEvent} ev */
  const move = (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) surface.setPointerCapture?.(drag.id);
    drag.moved = true;
    view = { ...view, x: drag.vx + dx, y: drag.vy + dy };
    apply();
  };
  /** @param {PointerEvent} ev */
  const up = (ev) => {
    const was = drag;
    drag = null;
    if (!was || was.moved) return;
    const target = /** @type {Element | null} */ (ev.target);
    const node = target && target.closest ? target.closest("[data-role=node]") : null;
    const id = node ? node.getAttribute("data-id") : null;
    if (id) onSelect(id);
  };
  /** @param {WheelEvent} ev */
  const wheel = (ev) => {
    ev.preventDefault();
    const r = surface.getBoundingClientRect();
    zoom(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  };
  surface.addEventListener("pointerdown", down);
  surface.addEventListener("pointermove", move);
  surface.addEventListener("pointerup", up);
  surface.addEventListener("wheel", wheel, { passive: false });

  /** Mark the selection and what lies upstream and downstream of it. */
  const highlight = () => {
    if (!shown || !exploded) return;
    const id = nodeFor(exploded, shown, selected);
    const near = id ? neighbourhood(shown, id) : null;
    for (const g of viewport.querySelectorAll("[data-role=node]")) {
      const nid = g.getAttribute("data-id") || "";
      if (!id || !near) g.removeAttribute("data-rel");
      else if (nid === id) g.setAttribute("data-rel", "selected");
      else if (near.upstream.has(nid)) g.setAttribute("data-rel", "upstream");
      else if (near.downstream.has(nid)) g.setAttribute("data-rel", "downstream");
      else g.setAttribute("data-rel", "other");
    }
    for (const p of viewport.querySelectorAll("[data-role=edge]")) {
      const s = p.getAttribute("data-source") || "";
      const t = p.getAttribute("data-target") || "";
      const lit = !!id && !!near && (((s === id || near.upstream.has(s)) && (t === id || near.upstream.has(t))) ||
        ((s === id || near.downstream.has(s)) && (t === id || near.downstream.has(t))));
      p.toggleAttribute("data-lit", lit);
    }
    root.toggleAttribute("data-has-selection", !!id);
  };

  /** @param {Graph} graph @param {LayoutResult} result */
  const draw = (graph, result) => {
    const frag = document.createDocumentFragment();
    const edges = svg("g", { class: "tl-graph-edges" });
    const markerUrl = `url(#${marker.id})`;
    for (const e of result.edges) {
      if (!e.points.length) continue;
      const d = e.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(" ");
      edges.append(svg("path", { d, "data-role": "edge", "data-source": e.source, "data-target": e.target,
        class: "tl-graph-edge", "marker-end": markerUrl }));
    }
    const nodes = svg("g", { class: "tl-graph-nodes" });
    for (const n of graph.nodes) {
      const box = result.nodes[n.id];
      if (!box) continue;
      const g = svg("g", { "data-role": "node", "data-id": n.id, "data-kind": n.kind, class: `tl-graph-node tl-node-${n.kind}`,
        transform: `translate(${(box.x - box.width / 2).toFixed(1)} ${(box.y - box.height / 2).toFixed(1)})` });
      const round = n.kind === "run" || n.kind === "job" ? box.height / 2 : 4;
      g.append(svg("rect", { width: box.width, height: box.height, rx: round, ry: round }));
      const { title, sub } = nodeLabel(n);
      const t1 = svg("text", { x: box.width / 2, y: 14, class: "tl-graph-title" });
      t1.textContent = title; // untrusted text: never markup
      const t2 = svg("text", { x: box.width / 2, y: 27, class: "tl-graph-sub" });
      t2.textContent = sub;
      const tip = svg("title");
      tip.textContent = `${title}\n${sub}`;
      g.append(t1, t2, tip);
      nodes.append(g);
    }
    frag.append(edges, nodes);
    viewport.replaceChildren(frag);
  };

  /** Lay out and draw the graph the current mode shows. */
  const render = async () => {
    const gen = ++generation;
    const t0 = performance.now();
    root.dataset.state = "loading";
    status.textContent = "Loading the graph…";
    status.hidden = false;
    try {
      const [layoutModule] = await Promise.all([requests.loadLayout(), exploded ? null : fetchGraph()]);
      if (gen !== generation || !exploded) return;
      const graph = explode ? exploded : collapse(exploded);
      /** @type {Record<string, {width: number, height: number}>} */
      const sizes = {};
      for (const n of graph.nodes) sizes[n.id] = nodeSize(n);
      const t1 = performance.now();
      const result = layoutModule.layout(graph, sizes);
      const t2 = performance.now();
      draw(graph, result);
      shown = graph;
      laid = result;
      fit(false);
      highlight();
      root.dataset.mode = explode ? "exploded" : "collapsed";
      root.dataset.nodes = String(graph.nodes.length);
      root.dataset.edges = String(graph.edges.length);
      root.dataset.layoutMs = (t2 - t1).toFixed(1);
      root.dataset.drawMs = (performance.now() - t2).toFixed(1);
      root.dataset.totalMs = (performance.now() - t0).toFixed(1);
      status.hidden = graph.nodes.length > 0;
      status.textContent = graph.nodes.length ? "" : "No lineage yet: log artifacts from runs to see how they connect.";
      root.dataset.state = "drawn";
    } catch (err) {
      if (gen !== generation) return;
      root.dataset.state = "error";
      status.hidden = false;
      status.textContent = `The graph could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  const fetchGraph = async () => {
    const { msg } = await requests.request({ type: "graph" });
    if (msg.type === "graph") exploded = msg.graph;
  };

  return {
    el: root,
    /**
     * Show the graph (fetched and laid out when first shown or after `reload`).
     * @param {{explode: boolean, selected: string}} state
     */
    show(state) {
      const again = state.explode !== explode || !shown;
      explode = state.explode;
      selected = state.selected;
      if (again) void render();
      else highlight();
    },
    /** @param {string} key */
    select(key) {
      selected = key;
      highlight();
    },
    /** The store changed: fetch the graph again when it is next shown. */
    reload() {
      exploded = null;
      shown = null;
    },
    fit,
    cleanup() {
      generation++;
      surface.removeEventListener("pointerdown", down);
      surface.removeEventListener("pointermove", move);
      surface.removeEventListener("pointerup", up);
      surface.removeEventListener("wheel", wheel);
      root.remove();
    },
  };
}
