// @ts-check
// The table: a window of the current result (one page, asked for with `rows` messages) drawn by its parts —
// header.js (sticky header: sort, resize, select-all), body.js (rows, cells, selection, keyboard navigation) and
// pager.js — over the page they share (page.js).
//
// Image cells are drawn by js/media through the media interface (js/types/frontend.d.ts MediaApi):
//   renderImageCell(container, image, ctx, opts) -> cleanup     container carries data-role="image"
//   renderImageGrid(container, images, ctx, opts) -> cleanup    container carries data-role="image-grid"
//   opts = {size (longest side, CSS px), compare: null | {other, side}, row (the ROW: {_key, cells}), column}
//   ctx  = the media context of js/protocol.js (requestThumbs, requestMasks, requestImage, model, getOverlay,
//          setOverlay), plus ctx.pageRows() -> the rows on screen and ctx.schema() -> the visible columns, for the
//          enlarged view.

import { el } from "../dom.js";
import { renderPanelCell } from "../panels.js";
import { isStale } from "../protocol.js";
import { get, isCompareMode, onChange } from "../state.js";
import { TABLE_LABELS, chartTheme, hostTheme } from "../theme.js";
import { createBody } from "./body.js";
import { createCellEditor } from "./cell-editor.js";
import { createWidths } from "./columns.js";
import { createHeader } from "./header.js";
import { emptyPage } from "./page.js";
import { createPager, pageLimit } from "./pager.js";

/** @import { Model, Row } from "../types/protocol" */
/** @import { MediaApi } from "../types/frontend" */
/** @import { ChartManager } from "../charts.js" */
/** @import { ChartTheme } from "../theme.js" */
/** @import { MediaSession, Protocol } from "../protocol.js" */
/** @import { Actions } from "../actions.js" */

/**
 * @typedef {object} TableContext
 * @property {Model} model
 * @property {Protocol} protocol
 * @property {MediaApi} [media]
 * @property {MediaSession} mediaSession
 * @property {ChartManager} [charts]
 * @property {(rows: Row[]) => void} [onRows] called when a page arrives
 * @property {Actions} [actions] cell edits go through it (none: the table is read-only)
 */

/**
 * @param {TableContext} ctx
 */
export function createTable(ctx) {
  const { model, protocol, media, mediaSession, charts } = ctx;
  /** @type {(() => void)[]} */
  const cleanups = [];
  const root = el("div", "tl-table-area");
  const scroller = el("div", "tl-scroller", null, { tabindex: "0", role: "grid", "aria-label": "rows" });
  const table = el("table", "tl-table");
  const status = el("div", "tl-table-status", null, { role: "status" });
  status.hidden = true;

  const page = emptyPage();
  const widths = createWidths(() => get(model, "mode"));
  const limit = () => pageLimit(model);
  const header = createHeader({ model, page, widths, table, area: root });
  const editor = ctx.actions ? createCellEditor({ model, actions: ctx.actions }) : undefined;
  const body = createBody({ model, page, scroller, goPage, limit, onSelection: () => header.updateSelectAll(), editor });
  const pager = createPager({ model, page, goPage });
  table.append(header.colgroup, header.el, body.el);
  scroller.append(table);
  root.append(status, scroller, pager.el);

  mediaSession.ctx.pageRows = () => page.rows;
  mediaSession.ctx.schema = () => page.columns;

  // ------------------------------------------------------------ fetching
  let fetchSeq = 0;
  /** @param {number} newOffset */
  async function fetchPage(newOffset) {
    const seq = ++fetchSeq;
    root.classList.add("tl-loading");
    try {
      const msg = await protocol.requestRows(Math.max(0, newOffset | 0), limit());
      if (seq !== fetchSeq) return;
      page.rows = Array.isArray(msg.rows) ? msg.rows : [];
      page.offset = Number(msg.offset) || 0;
      page.total = Number(msg.total ?? get(model, "num_rows")) || 0;
      page.shownVersion = msg.result_version;
      setStatus(null);
      render();
      ctx.onRows?.(page.rows);
    } catch (err) {
      if (isStale(err) || seq !== fetchSeq) return;
      setStatus(`cannot load rows: ${err instanceof Error ? err.message : err}`);
    } finally {
      if (seq === fetchSeq) root.classList.remove("tl-loading");
    }
  }

  /** @param {number} delta */
  function goPage(delta) {
    const target = Math.max(0, page.offset + delta * limit());
    if (delta > 0 && target >= page.total) return;
    if (delta < 0 && page.offset === 0) return;
    fetchPage(target);
  }

  /** @param {string | null} text */
  function setStatus(text) {
    status.hidden = !text;
    status.textContent = text || "";
  }

  // ------------------------------------------------------------ rendering
  /** "A · v3" / "B · v4": the names of the two tables in compare views. */
  function tableLabels() {
    const versions = get(model, "versions");
    const a = versions.find((v) => v.current);
    const b = versions.find((v) => v.compared);
    const names = [a ? a.version : "", b ? b.version : get(model, "compare")];
    return names.map((n, t) => (n ? `${TABLE_LABELS[t]} · ${n}` : TABLE_LABELS[t]));
  }

  function render() {
    body.clear(); // the old page's cells go first, then what they still wait for
    mediaSession.newPage();
    const hidden = new Set(get(model, "hidden_columns"));
    page.columns = get(model, "schema").filter((c) => !hidden.has(c.name));
    header.render();
    /** @type {ChartTheme | null} */
    let theme = null;
    const themeOf = () => (theme ||= chartTheme(root));
    const panels = new Map((get(model, "panels") || []).map((p) => [p.name, p]));
    body.render({
      media,
      mediaCtx: mediaSession.ctx,
      charts,
      theme: themeOf,
      labels: tableLabels(),
      imageSize: 96,
      // a column drawn by a user panel (docs/panels.md): the panel gets the cell, the table keeps going if it fails
      panel: (td, raw, column, row) => {
        const entry = column.panel ? panels.get(column.panel) : undefined;
        if (!entry) return null;
        return renderPanelCell(td, raw, column, { protocol, model, entry, row, theme: themeOf, dark: () => hostTheme(root) === "dark" });
      },
    });
    pager.render();
  }

  cleanups.push(
    onChange(model, ["result_version"], () => {
      body.resetAnchor();
      fetchPage(0);
    }),
    onChange(model, ["page_size"], () => fetchPage(page.offset)),
    onChange(model, ["schema", "hidden_columns", "panels"], () => {
      // with a new result on its way, wait for its rows: old rows under new columns would flash nulls
      if (page.shownVersion === null || get(model, "result_version") === page.shownVersion) render();
    }),
    onChange(model, ["selected_keys"], () => body.drawSelection()),
    onChange(model, ["sort"], () => header.render()),
    onChange(model, ["versions", "compare"], () => {
      if (isCompareMode(get(model, "mode"))) render();
    }),
  );

  render();
  fetchPage(0);

  return {
    el: root,
    rows: () => page.rows,
    columns: () => page.columns,
    refresh: () => fetchPage(page.offset),
    /** Draw the page again (the host's theme changed: the charts take its colors). */
    redraw: render,
    cleanup() {
      fetchSeq++;
      for (const c of cleanups.splice(0)) c();
      header.cleanup();
      body.cleanup();
      pager.cleanup();
      root.remove();
    },
  };
}
