// @ts-check
// Plotly charts: loading plotly.js once per page (docs/protocol.md "Assets"), pure chart-spec builders for
// `$hist`, `$counts` and numeric `$cmp` cells, and a manager that draws a chart only when its container scrolls
// into view, as a static small chart that opens an interactive one on click.

import { decodeNumber, formatNumber, previewValue } from "./cells.js";
import { TABLE_COLORS, TABLE_LABELS } from "./theme.js";

/**
 * @import { Buffer, CountsValue, HistValue } from "./types/protocol"
 * @import { Protocol } from "./protocol.js"
 * @import { ChartTheme } from "./theme.js"
 */

/**
 * What the front end uses of Plotly (plotly.js has no types here: its objects are plain data).
 * @typedef {object} Plotly
 * @property {(el: HTMLElement, data: PlotlyObject[], layout: PlotlyObject, config: PlotlyObject) => Promise<unknown>} newPlot
 * @property {(el: HTMLElement) => void} purge
 */
/** @typedef {Record<string, any>} PlotlyObject a trace, layout or config: Plotly's own schema */
/** @typedef {{data: PlotlyObject[], layout: PlotlyObject, config: PlotlyObject}} ChartSpec */
/**
 * @typedef {object} SpecOpts
 * @property {ChartTheme | null} [theme]
 * @property {boolean} [small] a static chart for a cell (else the interactive one of the dialog)
 * @property {string[]} [labels] the two tables' names
 * @property {string} [title]
 */

const PLOTLY_KEY = "__tablelens_plotly__";

/** globalThis, where the loaded Plotly is kept for every widget of the page. */
const page = /** @type {{[PLOTLY_KEY]?: Promise<Plotly>, Plotly?: Plotly}} */ (/** @type {unknown} */ (globalThis));

/**
 * The Plotly module for this page: from the cache on globalThis, else asked from the kernel.
 * @param {Protocol} protocol
 * @param {{timeoutMs?: number}} [opts]
 * @returns {Promise<Plotly>}
 */
export function loadPlotly(protocol, { timeoutMs = 120000 } = {}) {
  const cached = page[PLOTLY_KEY];
  if (cached) return cached;
  const promise = (async () => {
    const { msg, buffers } = await protocol.request("asset", { name: "plotly" }, { timeoutMs });
    const buffer = buffers[msg.buffer ?? 0];
    if (!buffer) throw new Error("the kernel sent no plotly.js bytes");
    return importScript(buffer);
  })();
  page[PLOTLY_KEY] = promise;
  promise.catch(() => {
    if (page[PLOTLY_KEY] === promise) delete page[PLOTLY_KEY]; // let a later chart retry
  });
  return promise;
}

/**
 * Load plotly's bytes through a Blob URL: import() (how anywidget itself loads modules), else a script tag.
 * @param {Buffer} buffer
 * @returns {Promise<Plotly>}
 */
async function importScript(buffer) {
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer;
  const url = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (bytes)], { type: "text/javascript" }));
  try {
    try {
      const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
      const plotly = (mod && mod.default && mod.default.newPlot ? mod.default : null) || page.Plotly;
      if (plotly && plotly.newPlot) return plotly;
    } catch {
      // fall back to a classic script (a UMD build sets window.Plotly)
    }
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error("plotly.js failed to load"));
      document.head.append(script);
    });
    if (!page.Plotly || !page.Plotly.newPlot) throw new Error("plotly.js did not define Plotly");
    return page.Plotly;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// ---------------------------------------------------------------- spec builders (pure)

/**
 * @param {ChartTheme | null | undefined} theme
 * @param {boolean | undefined} small
 * @returns {PlotlyObject}
 */
function baseLayout(theme, small) {
  const t = theme || /** @type {Partial<ChartTheme>} */ ({});
  const font = { family: t.family, color: t.font, size: small ? 9 : 12 };
  const axis = {
    gridcolor: t.grid,
    zerolinecolor: t.grid,
    linecolor: t.grid,
    tickfont: { size: small ? 8 : 11, color: t.muted || t.font },
    automargin: !small,
    fixedrange: small,
  };
  return {
    font,
    paper_bgcolor: t.background || "rgba(0,0,0,0)",
    plot_bgcolor: t.background || "rgba(0,0,0,0)",
    margin: small ? { l: 4, r: 4, t: 4, b: 14 } : { l: 50, r: 20, t: 40, b: 50 },
    showlegend: false,
    xaxis: { ...axis },
    yaxis: { ...axis, showticklabels: !small, showgrid: !small },
    bargap: 0.05,
    hoverlabel: { font: { size: small ? 10 : 12 } },
  };
}

/**
 * Plotly `config` for a small static chart or an interactive one.
 * @param {boolean} interactive
 * @returns {PlotlyObject}
 */
export function chartConfig(interactive) {
  return interactive
    ? { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] }
    : { staticPlot: true, displayModeBar: false, responsive: false };
}

/**
 * @param {unknown} e a histogram edge: a number, `{$num}`, `{$date}` or a date string
 * @returns {{x: number, date: boolean}}
 */
function edgeValue(e) {
  const n = decodeNumber(e);
  if (n !== null) return { x: n, date: false };
  if (e && typeof e === "object" && "$date" in e) return { x: Date.parse(String(e.$date)), date: true };
  if (typeof e === "string" && !Number.isNaN(Date.parse(e))) return { x: Date.parse(e), date: true };
  return { x: NaN, date: false };
}

/**
 * @param {string[] | undefined} labels
 * @param {number} i
 */
function tableLabel(labels, i) {
  return (labels && labels[i]) || (i === 0 || i === 1 ? TABLE_LABELS[i] : `table ${i}`);
}

/**
 * The color of table `t` (table 0's beyond the two).
 * @param {number} t
 */
function colorOf(t) {
  return t === 1 ? TABLE_COLORS[1] : TABLE_COLORS[0];
}

/**
 * A histogram from `{edges, counts: [[...] per table]}`: bar traces over the edges (bar i spans edges i..i+1),
 * one trace per table, overlaid, colored by table.
 * @param {Partial<HistValue> | null | undefined} hist
 * @param {SpecOpts} [opts]
 * @returns {ChartSpec}
 */
export function histogramSpec(hist, opts = {}) {
  const edges = (hist && Array.isArray(hist.edges) ? hist.edges : []).map(edgeValue);
  const countsPerTable = hist && Array.isArray(hist.counts) ? hist.counts : [];
  const isDate = edges.some((e) => e.date);
  const bins = Math.max(0, edges.length - 1);
  /** @type {(number | string)[]} */
  const x = [];
  /** @type {number[]} */
  const width = [];
  /** @type {string[]} */
  const ranges = [];
  for (let i = 0; i < bins; i++) {
    const lo = edges[i].x;
    const hi = edges[i + 1].x;
    x.push(isDate ? new Date((lo + hi) / 2).toISOString() : (lo + hi) / 2);
    width.push(hi - lo);
    ranges.push(isDate ? `${new Date(lo).toISOString()} – ${new Date(hi).toISOString()}` : `${fmt(lo)} – ${fmt(hi)}`);
  }
  const multi = countsPerTable.length > 1;
  const data = countsPerTable.map((counts, t) => ({
    type: "bar",
    name: tableLabel(opts.labels, t),
    x,
    y: x.map((_, i) => Number(counts[i]) || 0),
    width,
    marker: { color: colorOf(t), line: { width: 0 } },
    opacity: multi ? 0.6 : 0.9,
    customdata: ranges,
    hovertemplate: `%{customdata}<br>%{y}${multi ? `<extra>${escapeHover(tableLabel(opts.labels, t))}</extra>` : "<extra></extra>"}`,
  }));
  const layout = baseLayout(opts.theme, opts.small);
  layout.barmode = "overlay";
  layout.bargap = 0;
  if (isDate) layout.xaxis.type = "date";
  if (opts.small) layout.xaxis.nticks = 3;
  if (!opts.small) {
    layout.showlegend = multi;
    if (opts.title) layout.title = { text: escapeHover(opts.title), font: { size: 14 } };
    layout.yaxis.title = { text: "count" };
  }
  return { data, layout, config: chartConfig(!opts.small) };
}

/**
 * Bar chart of top values from `{values, counts: [[...] per table]}`: horizontal bars, most frequent on top,
 * grouped per table.
 * @param {Partial<CountsValue> | null | undefined} summary
 * @param {SpecOpts} [opts]
 * @returns {ChartSpec}
 */
export function countsSpec(summary, opts = {}) {
  const values = summary && Array.isArray(summary.values) ? summary.values : [];
  const countsPerTable = summary && Array.isArray(summary.counts) ? summary.counts : [];
  const labels = values.map((v) => previewValue(v, opts.small ? 14 : 40));
  // the same text twice would merge bars on a category axis: make labels unique
  /** @type {Map<string, number>} */
  const seen = new Map();
  const y = labels.map((l) => {
    const n = seen.get(l) || 0;
    seen.set(l, n + 1);
    return n ? `${l} (${n + 1})` : l;
  });
  const multi = countsPerTable.length > 1;
  const data = countsPerTable.map((counts, t) => ({
    type: "bar",
    orientation: "h",
    name: tableLabel(opts.labels, t),
    y: y.map(escapeHover),
    x: y.map((_, i) => Number(counts[i]) || 0),
    marker: { color: colorOf(t) },
    hovertemplate: `%{y}: %{x}${multi ? `<extra>${escapeHover(tableLabel(opts.labels, t))}</extra>` : "<extra></extra>"}`,
  }));
  const layout = baseLayout(opts.theme, opts.small);
  layout.barmode = "group";
  layout.bargap = 0.15;
  layout.yaxis = { ...layout.yaxis, autorange: "reversed", showticklabels: true, type: "category", automargin: true };
  layout.xaxis.showticklabels = !opts.small;
  if (opts.small) layout.margin = { l: 4, r: 4, t: 2, b: 2 };
  if (!opts.small) {
    layout.showlegend = multi;
    if (opts.title) layout.title = { text: escapeHover(opts.title), font: { size: 14 } };
  }
  return { data, layout, config: chartConfig(!opts.small) };
}

/**
 * A numeric compare cell `[a, b]` (null = absent) as one bar per table.
 * @param {[number | null, number | null]} numbers
 * @param {SpecOpts} [opts]
 * @returns {ChartSpec}
 */
export function compareBarSpec(numbers, opts = {}) {
  const names = [0, 1].map((t) => tableLabel(opts.labels, t));
  const y = numbers.map((n) => (n === null || !Number.isFinite(n) ? null : n));
  const text = numbers.map((n) => (n === null ? "absent" : formatNumber(n)));
  const data = [
    {
      type: "bar",
      orientation: "h",
      y: names.map(escapeHover),
      x: y,
      text,
      textposition: opts.small ? "none" : "auto",
      insidetextanchor: "start",
      textfont: { size: opts.small ? 9 : 12 },
      marker: { color: [TABLE_COLORS[0], TABLE_COLORS[1]] },
      hovertemplate: "%{y}: %{text}<extra></extra>",
      cliponaxis: false,
    },
  ];
  const layout = baseLayout(opts.theme, opts.small);
  layout.yaxis = { ...layout.yaxis, autorange: "reversed", showticklabels: !opts.small, type: "category" };
  layout.xaxis.showticklabels = !opts.small;
  layout.xaxis.zeroline = true;
  if (opts.small) layout.margin = { l: 2, r: 2, t: 2, b: 2 };
  else if (opts.title) layout.title = { text: escapeHover(opts.title), font: { size: 14 } };
  return { data, layout, config: chartConfig(!opts.small) };
}

/**
 * Plotly renders trace names/labels as (restricted) HTML: escape untrusted text.
 * @param {unknown} text
 */
export function escapeHover(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** @param {number} x */
function fmt(x) {
  return formatNumber(x, "float");
}

/** Size of the small static charts, in CSS pixels. */
const SMALL_CHART = Object.freeze({ width: 180, height: 64 });

// ---------------------------------------------------------------- drawing

/** @typedef {{build: (small: boolean) => ChartSpec, drawn: boolean, title: string}} ChartEntry */

/**
 * Draws charts lazily: `add(container, build)` registers a container and a `build(small: boolean) -> spec`;
 * the chart is drawn when the container becomes visible and opens an interactive chart on click.
 * @param {object} opts
 * @param {() => Promise<Plotly>} opts.loadPlotly
 * @param {(title: string, fill: (body: HTMLElement) => unknown) => () => void} opts.openDialog
 */
export function createChartManager({ loadPlotly: load, openDialog }) {
  /** @type {Map<HTMLElement, ChartEntry>} */
  const entries = new Map();
  /** @type {Promise<Plotly> | null} */
  let plotlyPromise = null;
  const getPlotly = () => (plotlyPromise ||= load().catch((e) => ((plotlyPromise = null), Promise.reject(e))));
  const observer =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver(
          (records) => {
            for (const r of records) if (r.isIntersecting) draw(/** @type {HTMLElement} */ (r.target));
          },
          { rootMargin: "200px 0px" },
        )
      : null;

  /** @param {HTMLElement} container */
  async function draw(container) {
    const entry = entries.get(container);
    if (!entry || entry.drawn) return;
    entry.drawn = true;
    if (observer) observer.unobserve(container);
    const spec = entry.build(true);
    const w = container.clientWidth || SMALL_CHART.width;
    const h = container.clientHeight || SMALL_CHART.height;
    try {
      const Plotly = await getPlotly();
      if (!entries.has(container)) return;
      container.replaceChildren();
      await Plotly.newPlot(container, spec.data, { ...spec.layout, width: w, height: h }, spec.config);
      container.dataset.drawn = "plotly";
    } catch (err) {
      if (!entries.has(container)) return;
      drawFallback(container, spec);
      container.dataset.drawn = "fallback";
      container.title = `interactive chart unavailable: ${err instanceof Error ? err.message : err}`;
    }
  }

  /** @param {ChartEntry} entry */
  function openInteractive(entry) {
    openDialog(entry.title || "chart", async (body) => {
      const spec = entry.build(false);
      const width = Math.max(320, Math.min(900, (body.clientWidth || 720) - 8));
      const height = Math.max(260, Math.round(width * 0.55));
      try {
        const Plotly = await getPlotly();
        const plot = document.createElement("div");
        plot.dataset.role = "chart-interactive";
        body.append(plot);
        await Plotly.newPlot(plot, spec.data, { ...spec.layout, width, height }, spec.config);
        return () => Plotly.purge(plot);
      } catch (err) {
        const msg = document.createElement("div");
        msg.className = "tl-muted";
        msg.textContent = `cannot draw the chart: ${err instanceof Error ? err.message : err}`;
        body.append(msg);
        return () => {};
      }
    });
  }

  /**
   * Draw a chart in `container` once it is visible; a click opens the interactive one. Returns the cleanup.
   * @param {HTMLElement} container
   * @param {(small: boolean) => ChartSpec} build
   * @param {string} title
   * @returns {() => void}
   */
  function add(container, build, title) {
    /** @type {ChartEntry} */
    const entry = { build, drawn: false, title };
    entries.set(container, entry);
    container.tabIndex = -1;
    /** @param {MouseEvent} ev */
    const onClick = (ev) => {
      ev.stopPropagation();
      openInteractive(entry);
    };
    container.addEventListener("click", onClick);
    if (observer) observer.observe(container);
    else queueMicrotask(() => draw(container));
    return () => {
      container.removeEventListener("click", onClick);
      if (observer) observer.unobserve(container);
      entries.delete(container);
      if (entry.drawn && plotlyPromise) {
        plotlyPromise.then((P) => P.purge(container)).catch(() => {});
      }
    };
  }

  function dispose() {
    if (observer) observer.disconnect();
    for (const container of [...entries.keys()]) entries.delete(container);
  }

  return { add, dispose };
}
/** @typedef {ReturnType<typeof createChartManager>} ChartManager */

/**
 * A plain DOM bar chart of a spec's first values, used when plotly.js cannot be loaded.
 * @param {HTMLElement} container
 * @param {ChartSpec} spec
 */
function drawFallback(container, spec) {
  container.replaceChildren();
  const box = document.createElement("div");
  box.className = "tl-fallback-chart";
  const traces = spec.data || [];
  const horizontal = traces[0] && traces[0].orientation === "h";
  /** @type {number[][]} */
  const series = traces.map((t) => ((horizontal ? t.x : t.y) || []).map((/** @type {unknown} */ v) => (typeof v === "number" && Number.isFinite(v) ? v : 0)));
  const max = Math.max(1e-12, ...series.flat().map(Math.abs));
  const n = Math.max(0, ...series.map((s) => s.length));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < series.length; t++) {
      const bar = document.createElement("span");
      bar.className = "tl-fallback-bar";
      const frac = Math.abs(series[t][i] || 0) / max;
      bar.style.background = colorOf(t);
      if (horizontal) bar.style.width = `${(frac * 100).toFixed(1)}%`;
      else bar.style.height = `${(frac * 100).toFixed(1)}%`;
      box.append(bar);
    }
  }
  box.classList.add(horizontal ? "tl-horizontal" : "tl-vertical");
  container.append(box);
}
