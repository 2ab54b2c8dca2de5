// Plotly charts: loading plotly.js once per page (docs/protocol.md "Assets"), pure chart-spec builders for
// `$hist`, `$counts` and numeric `$cmp` cells, and a manager that draws a chart only when its container scrolls
// into view, as a static small chart that opens an interactive one on click.

import { decodeNumber, formatNumber, previewValue } from "./cells.js";
import { TABLE_COLORS, TABLE_LABELS } from "./theme.js";

const PLOTLY_KEY = "__tablelens_plotly__";

/** The Plotly module for this page: from the cache on globalThis, else asked from the kernel. */
export function loadPlotly(protocol, { timeoutMs = 120000 } = {}) {
  const cached = globalThis[PLOTLY_KEY];
  if (cached) return cached;
  const promise = (async () => {
    const { msg, buffers } = await protocol.request("asset", { name: "plotly" }, { timeoutMs });
    const buffer = buffers[msg.buffer ?? 0];
    if (!buffer) throw new Error("the kernel sent no plotly.js bytes");
    return importScript(buffer);
  })();
  globalThis[PLOTLY_KEY] = promise;
  promise.catch(() => {
    if (globalThis[PLOTLY_KEY] === promise) delete globalThis[PLOTLY_KEY]; // let a later chart retry
  });
  return promise;
}

/** Load plotly's bytes through a Blob URL: import() (how anywidget itself loads modules), else a script tag. */
async function importScript(buffer) {
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer;
  const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
  try {
    try {
      const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
      const plotly = (mod && mod.default && mod.default.newPlot ? mod.default : null) || globalThis.Plotly;
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
    if (!globalThis.Plotly || !globalThis.Plotly.newPlot) throw new Error("plotly.js did not define Plotly");
    return globalThis.Plotly;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// ---------------------------------------------------------------- spec builders (pure)

function baseLayout(theme, small) {
  const t = theme || {};
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

/** Plotly `config` for a small static chart or an interactive one. */
export function chartConfig(interactive) {
  return interactive
    ? { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] }
    : { staticPlot: true, displayModeBar: false, responsive: false };
}

function edgeValue(e) {
  const n = decodeNumber(e);
  if (n !== null) return { x: n, date: false };
  if (e && typeof e === "object" && "$date" in e) return { x: Date.parse(e.$date), date: true };
  if (typeof e === "string" && !Number.isNaN(Date.parse(e))) return { x: Date.parse(e), date: true };
  return { x: NaN, date: false };
}

function tableLabel(labels, i) {
  return (labels && labels[i]) || TABLE_LABELS[i] || `table ${i}`;
}

/**
 * A histogram from `{edges, counts: [[...] per table]}`: bar traces over the edges (bar i spans edges i..i+1),
 * one trace per table, overlaid, colored by table.
 * @param opts `{theme, small, labels: [nameA, nameB], title}`
 */
export function histogramSpec(hist, opts = {}) {
  const edges = (hist && Array.isArray(hist.edges) ? hist.edges : []).map(edgeValue);
  const countsPerTable = hist && Array.isArray(hist.counts) ? hist.counts : [];
  const isDate = edges.some((e) => e.date);
  const bins = Math.max(0, edges.length - 1);
  const x = [];
  const width = [];
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
    marker: { color: TABLE_COLORS[t] || TABLE_COLORS[0], line: { width: 0 } },
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
 */
export function countsSpec(summary, opts = {}) {
  const values = summary && Array.isArray(summary.values) ? summary.values : [];
  const countsPerTable = summary && Array.isArray(summary.counts) ? summary.counts : [];
  const labels = values.map((v) => previewValue(v, opts.small ? 14 : 40));
  // the same text twice would merge bars on a category axis: make labels unique
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
    marker: { color: TABLE_COLORS[t] || TABLE_COLORS[0] },
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

/** A numeric compare cell `[a, b]` (null = absent) as one bar per table. */
export function compareBarSpec(numbers, opts = {}) {
  const names = [0, 1].map((t) => tableLabel(opts.labels, t));
  const y = [0, 1].map((t) => (numbers[t] === null || !Number.isFinite(numbers[t]) ? null : numbers[t]));
  const text = [0, 1].map((t) => (numbers[t] === null ? "absent" : formatNumber(numbers[t])));
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

/** Plotly renders trace names/labels as (restricted) HTML: escape untrusted text. */
export function escapeHover(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(x) {
  return formatNumber(x, "float");
}

/** Size of the small static charts, in CSS pixels. */
export const SMALL_CHART = Object.freeze({ width: 180, height: 64 });

/** A spec sized for a cell (small) or for the enlarged dialog. */
export function sized(spec, width, height) {
  return { ...spec, layout: { ...spec.layout, width, height } };
}

// ---------------------------------------------------------------- drawing

/**
 * Draws charts lazily: `add(container, build)` registers a container and a `build(small: boolean) -> spec`;
 * the chart is drawn when the container becomes visible and opens an interactive chart on click.
 * @param opts `{loadPlotly: () => Promise<Plotly>, openDialog: (title, fillBody) => close}`
 */
export function createChartManager({ loadPlotly: load, openDialog }) {
  const entries = new Map(); // container -> {build, drawn, title}
  let plotlyPromise = null;
  const getPlotly = () => (plotlyPromise ||= load().catch((e) => ((plotlyPromise = null), Promise.reject(e))));
  const observer =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver(
          (records) => {
            for (const r of records) if (r.isIntersecting) draw(r.target);
          },
          { rootMargin: "200px 0px" },
        )
      : null;

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
      container.title = `interactive chart unavailable: ${err && err.message ? err.message : err}`;
    }
  }

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
        msg.textContent = `cannot draw the chart: ${err && err.message ? err.message : err}`;
        body.append(msg);
        return () => {};
      }
    });
  }

  function add(container, build, title) {
    const entry = { build, drawn: false, title };
    entries.set(container, entry);
    container.tabIndex = -1;
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

  return { add, dispose, open: (container) => entries.has(container) && openInteractive(entries.get(container)) };
}

/** A plain DOM bar chart of a spec's first values, used when plotly.js cannot be loaded. */
export function drawFallback(container, spec) {
  container.replaceChildren();
  const box = document.createElement("div");
  box.className = "tl-fallback-chart";
  const traces = spec.data || [];
  const horizontal = traces[0] && traces[0].orientation === "h";
  const series = traces.map((t) => ((horizontal ? t.x : t.y) || []).map((v) => (Number.isFinite(v) ? v : 0)));
  const max = Math.max(1e-12, ...series.flat().map(Math.abs));
  const n = Math.max(0, ...series.map((s) => s.length));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < series.length; t++) {
      const bar = document.createElement("span");
      bar.className = "tl-fallback-bar";
      const frac = Math.abs(series[t][i] || 0) / max;
      bar.style.background = TABLE_COLORS[t] || TABLE_COLORS[0];
      if (horizontal) bar.style.width = `${(frac * 100).toFixed(1)}%`;
      else bar.style.height = `${(frac * 100).toFixed(1)}%`;
      box.append(bar);
    }
  }
  box.classList.add(horizontal ? "tl-horizontal" : "tl-vertical");
  container.append(box);
}
