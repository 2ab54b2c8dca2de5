// @ts-check
// The script of a tablelens report (tl.report, "Export report"): one self-contained HTML page. It reads the data
// the kernel saved in the page (<script id="tl-report-data" type="application/json">) and draws each view with
// the Explorer's own modules — the table (js/table/), cells and charts, js/media for images, overlays and the
// legend — over an offline model (offline.js) that answers their requests from that data. plotly.js is bundled
// in: the page makes no network request at all.
//
// Stable data-role attributes (tests rely on them): report (the page's root), report-view (one per view, with
// data-index), view-title, view-description, view-source, row-count (data-count), query (the tl.query code),
// notice, report-section (extra sections, e.g. metrics); inside a view the Explorer's own roles (row, cell,
// image, histogram, legend, class-toggle, mask-opacity, ...).

import "../theme.css";
import "../styles.css";
import "../views.css";
import "./report.css";
import Plotly from "plotly.js-cartesian-dist-min";
import { rowCountText } from "../cells.js";
import { createChartManager } from "../charts.js";
import { el, openDialog } from "../dom.js";
import * as media from "../media/index.js";
import { createMediaContext, createProtocol } from "../protocol.js";
import { createTable } from "../table/index.js";
import { TABLE_COLORS } from "../theme.js";
import { createMediaControlsSlot } from "../toolbar/media-controls.js";
import { createOfflineModel } from "./offline.js";

/**
 * @import { Row, Traits } from "../types/protocol"
 * @import { SavedMedia } from "./offline.js"
 */

/**
 * One view of the report, as the kernel saved it (explorer/report.py).
 * @typedef {object} ReportView
 * @property {string} title
 * @property {string | null} [description]
 * @property {string} source
 * @property {string} code the tl.query(...) call
 * @property {string | null} [notice]
 * @property {{num_rows: number, total_rows: number, shown: number, mode: string}} counts
 * @property {Partial<Traits>} traits
 * @property {Row[]} rows
 * @property {{kind: string, title?: string, columns?: string[], rows?: unknown[][]}[]} [sections]
 */
/**
 * @typedef {object} ReportData
 * @property {string} title
 * @property {string | null} [description]
 * @property {string} [generator]
 * @property {string} [created_at]
 * @property {ReportView[]} views
 * @property {Record<string, SavedMedia>} media
 */

/**
 * "first 100 of 2,345 rows" / "12 groups": what the view's counts say.
 * @param {ReportView["counts"]} counts
 */
export function countsText(counts) {
  const base = rowCountText(counts.num_rows, counts.total_rows, /** @type {any} */ (counts.mode));
  if (counts.shown < counts.num_rows) return `${base} — the first ${counts.shown} shown`;
  return base;
}

/**
 * An extra section (a hook for other reports' parts, e.g. evaluation metrics): a titled table of text.
 * @param {{kind: string, title?: string, columns?: string[], rows?: unknown[][]}} section
 */
function extraSection(section) {
  const box = el("div", "tl-report-extra", null, { "data-role": "report-section", "data-kind": section.kind });
  if (section.title) box.append(el("h3", null, section.title));
  if (section.kind === "table" && Array.isArray(section.columns)) {
    const table = el("table", "tl-report-extra-table");
    const head = el("tr");
    for (const c of section.columns) head.append(el("th", null, c));
    table.append(head);
    for (const r of section.rows || []) {
      const tr = el("tr");
      for (const v of r) tr.append(el("td", null, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v ?? "")));
      table.append(tr);
    }
    box.append(table);
  }
  return box;
}

/**
 * Draw one view into a new section; returns the cleanup.
 * @param {HTMLElement} host
 * @param {ReportView} view
 * @param {number} index
 * @param {Record<string, SavedMedia>} saved
 */
export function renderView(host, view, index, saved) {
  const model = createOfflineModel(view.traits, view.rows, saved);
  const root = el("section", "tl-explorer tl-theme tl-report-view", null, { "data-role": "report-view", "data-index": String(index) });
  root.style.setProperty("--tl-a", TABLE_COLORS[0]);
  root.style.setProperty("--tl-b", TABLE_COLORS[1]);
  root.dataset.mode = view.counts.mode;
  root.classList.toggle("tl-compare-mode", view.counts.mode.startsWith("compare"));
  root.classList.toggle("tl-group-mode", view.counts.mode.endsWith("groups"));
  const protocol = createProtocol(model);
  const mediaSession = createMediaContext(protocol, model);
  mediaSession.ctx.overlayRoot = root;
  const charts = createChartManager({
    loadPlotly: async () => Plotly,
    openDialog: (title, fill) => openDialog(root, title, fill),
  });

  const head = el("div", "tl-report-view-head");
  head.append(el("h2", "tl-report-view-title", view.title, { "data-role": "view-title" }));
  if (view.description) head.append(el("p", "tl-report-view-description", view.description, { "data-role": "view-description" }));
  const meta = el("div", "tl-report-meta");
  meta.append(
    el("span", "tl-report-source", view.source, { "data-role": "view-source" }),
    el("span", "tl-row-count", countsText(view.counts), { "data-role": "row-count", "data-count": String(view.counts.num_rows) }),
  );
  head.append(meta);
  if (view.notice) head.append(el("div", "tl-notice tl-notice-warning", view.notice, { "data-role": "notice", "data-level": "warning" }));
  const query = el("details", "tl-report-query");
  query.open = true;
  query.append(el("summary", null, "Query"), el("pre", "tl-code", view.code, { "data-role": "query" }));
  head.append(query);

  const controls = createMediaControlsSlot({ model, media, mediaCtx: mediaSession.ctx });
  const bar = el("div", "tl-toolbar-row tl-report-controls");
  bar.append(controls.el);
  const table = createTable({ model, protocol, media, mediaSession, charts });
  const offOverlay = () => model.off("change:overlay", onOverlay);
  function onOverlay() {
    media.onOverlayChange(mediaSession.ctx);
  }
  model.on("change:overlay", onOverlay);
  root.append(head, bar, table.el);
  for (const s of view.sections || []) root.append(extraSection(s));
  host.append(root);
  return () => {
    offOverlay();
    table.cleanup();
    controls.cleanup();
    charts.dispose();
    mediaSession.newPage();
    protocol.dispose();
    root.remove();
  };
}

/**
 * Draw the whole report from the data saved in the page.
 * @param {Document} doc
 */
export function renderReport(doc) {
  const host = doc.getElementById("tl-report");
  const script = doc.getElementById("tl-report-data");
  if (!host || !script) return;
  host.dataset.role = "report";
  /** @type {ReportData} */
  const data = JSON.parse(script.textContent || "{}");
  const head = el("header", "tl-report-head tl-theme");
  head.append(el("h1", null, data.title || "tablelens report"));
  if (data.description) head.append(el("p", null, data.description));
  head.append(el("div", "tl-muted", [data.generator, data.created_at].filter(Boolean).join(" · ")));
  host.append(head);
  (data.views || []).forEach((view, i) => renderView(host, view, i, data.media || {}));
  host.dataset.ready = "true";
}

if (typeof document !== "undefined" && document.getElementById("tl-report-data")) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => renderReport(document));
  else renderReport(document);
}
