// @ts-check
// A Plotly cell: the logged figure drawn with the bundled plotly.js (the partial "cartesian" build the charts use,
// loaded once per page) — small and static in the cell, interactive in a dialog on click. A figure using a trace
// type that build lacks says which, instead of drawing nothing.

import { el } from "../dom.js";
import { attempt, facts, fileBlob, frame, onActivate, showError } from "./common.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/**
 * The trace types of `figure` that `Plotly` cannot draw (its registered trace modules).
 * @param {any} Plotly
 * @param {any} figure
 * @returns {string[]}
 */
export function missingTraceTypes(Plotly, figure) {
  const known = Plotly && Plotly.PlotSchema && typeof Plotly.PlotSchema.get === "function"
    ? Object.keys(Plotly.PlotSchema.get().traces || {}) : null;
  if (!known) return [];
  const types = (Array.isArray(figure.data) ? figure.data : []).map((/** @type {any} */ t) => String((t && t.type) || "scatter"));
  return [...new Set(types.filter((/** @type {string} */ t) => !known.includes(t)))];
}

/**
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderPlotly(container, value, ctx, opts = {}) {
  const { root, body } = frame(value, !!opts.compact);
  container.append(root);
  const width = Math.round((opts.size || 96) * 1.7);
  const height = Math.round(width * 0.62);
  const plot = el("div", {
    className: "tl-mc-plotly",
    dataset: { role: "media-open" },
    attrs: { tabindex: "0", role: "button", "aria-label": "open the interactive chart", title: "click for the interactive chart" },
    style: { width: `${width}px`, height: `${height}px` },
  });
  body.append(plot);
  if (value.trace_types && value.trace_types.length) body.append(facts([value.trace_types.join(", ")]));
  let disposed = false;
  /** @type {any} */
  let figure = null;
  /** @type {any} */
  let Plotly = null;
  /** @type {(() => void) | null} */
  let close = null;
  const fail = (/** @type {unknown} */ err) => !disposed && showError(root, body, "plotly", err);
  if (!value.key) {
    showError(root, body, "plotly", value.error || "this cell has no file");
    return () => root.remove();
  }
  attempt(async () => {
    if (!ctx.loadPlotly) throw new Error("plotly.js is not available here");
    const [file, P] = await Promise.all([fileBlob(ctx, value), ctx.loadPlotly()]);
    let parsed;
    try {
      parsed = JSON.parse(await file.blob.text());
    } catch (e) {
      throw new Error(`the figure is not valid JSON (${e instanceof Error ? e.message : e})`);
    }
    if (disposed) return;
    const missing = missingTraceTypes(P, parsed);
    if (missing.length) {
      throw new Error(`the bundled plotly.js (cartesian build) has no ${missing.join(", ")} traces; read the figure in Python (cell.to_figure())`);
    }
    figure = parsed;
    Plotly = P;
    const layout = { ...(figure.layout || {}), width, height, margin: { l: 24, r: 8, t: 20, b: 20 }, showlegend: false };
    await Plotly.newPlot(plot, figure.data || [], layout, { staticPlot: true, displayModeBar: false, responsive: false });
    root.dataset.state = "ready";
  }, fail);

  const open = () => {
    if (!figure || !Plotly || !ctx.openDialog) return;
    close = ctx.openDialog(value.caption || "Plotly figure", async (dialogBody) => {
      const big = el("div", { className: "tl-mc-plotly-full", dataset: { role: "plotly-full" } });
      dialogBody.append(big);
      const w = Math.min(1000, Math.round((globalThis.innerWidth || 1000) * 0.75));
      await Plotly.newPlot(big, figure.data || [], { ...(figure.layout || {}), width: w, height: Math.round(w * 0.6) },
        { responsive: false, displaylogo: false });
      return () => Plotly.purge(big);
    });
  };
  onActivate(plot, open);
  return () => {
    disposed = true;
    if (close) close();
    if (Plotly) Plotly.purge(plot);
    root.remove();
  };
}
