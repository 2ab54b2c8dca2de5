// @ts-check
// The confusion matrix as a Plotly heatmap spec (pure: tested without a browser). Rows are the true classes
// (top to bottom), columns the predicted ones; each cell's hover says how many boxes / rows / pixels it holds and
// how many table rows a click shows. Colors grow with log(count), so small confusions stay visible beside a
// large diagonal; the counts are written in the cells.

import { escapeHover } from "../charts.js";

/**
 * @import { ChartSpec, PlotlyObject } from "../charts.js"
 * @import { ChartTheme } from "../theme.js"
 */

/**
 * @param {{labels: string[], values: number[][], rows: number[][], unit: string}} cm
 * @param {ChartTheme | null} [theme]
 * @param {number} [maxWidth] the room there is (CSS pixels)
 * @returns {ChartSpec}
 */
export function heatmapSpec(cm, theme, maxWidth = 520) {
  const labels = cm.labels.map((l) => escapeHover(l));
  const z = cm.values.map((row) => row.map((v) => (v > 0 ? Math.log10(v + 1) : null)));
  const text = cm.values.map((row) => row.map((v) => (v > 0 ? String(v) : "")));
  const hover = cm.values.map((row, a) =>
    row.map((v, b) => `truth ${labels[a]} → predicted ${labels[b]}<br>${v} ${escapeHover(cm.unit)}, ${cm.rows[a][b]} rows`),
  );
  const t = theme || /** @type {Partial<ChartTheme>} */ ({});
  /** @type {PlotlyObject} */
  const trace = {
    type: "heatmap",
    x: labels,
    y: labels,
    z,
    text,
    texttemplate: "%{text}",
    textfont: { size: 10 },
    customdata: hover,
    hovertemplate: "%{customdata}<extra></extra>",
    colorscale: "Blues",
    reversescale: true, // plotly's Blues runs dark to light: more boxes, darker cells
    showscale: false,
    xgap: 1,
    ygap: 1,
  };
  const n = labels.length;
  const size = Math.max(200, Math.min(maxWidth, 520, 90 + n * 28));
  /** @type {PlotlyObject} */
  const layout = {
    width: size,
    height: size,
    margin: { l: 70, r: 6, t: 6, b: 70 },
    font: { family: t.family, color: t.font, size: 10 },
    paper_bgcolor: t.background || "rgba(0,0,0,0)",
    plot_bgcolor: t.background || "rgba(0,0,0,0)",
    xaxis: { title: { text: "predicted" }, type: "category", tickangle: -45, automargin: true, fixedrange: true },
    yaxis: { title: { text: "truth" }, type: "category", autorange: "reversed", automargin: true, fixedrange: true },
  };
  return { data: [trace], layout, config: { displaylogo: false, displayModeBar: false, responsive: false } };
}
