// The table: a window of the current result (one page, asked for with `rows` messages), sticky header with
// column kinds, resizable columns, keyboard navigation, row selection (the `selected_keys` trait) and a pager.
//
// Media interface used for image cells (js/media/index.js, issue 5):
//   renderImageCell(container, image, ctx, opts) -> cleanup     container carries data-role="image"
//   renderImageGrid(container, images, ctx, opts) -> cleanup    container carries data-role="image-grid"
//   opts = {size (longest side, CSS px), compare: null | {other, side}, row (the ROW: {_key, cells}), column}
//   ctx  = {requestThumbs, requestMasks, requestImage, model, getOverlay, setOverlay} (js/protocol.js), plus
//          ctx.pageRows() -> the rows on screen and ctx.schema() -> the visible columns, for an enlarged view.

import { renderCell } from "./cell-view.js";
import { decodeCell, isTree, previewValue } from "./cells.js";
import { button, el, setOptions } from "./dom.js";
import { navigate, rangeKeys, setKeys, toggleKey } from "./nav.js";
import { isStale } from "./protocol.js";
import { get, isCompareMode, onChange, setTraits } from "./state.js";
import { TABLE_COLORS, TABLE_LABELS, chartTheme } from "./theme.js";

const DEFAULT_WIDTHS = {
  int: 90,
  float: 100,
  bool: 70,
  str: 220,
  datetime: 180,
  list: 200,
  dict: 220,
  json: 220,
  ndarray: 200,
  image: 130,
  images: 220,
  hist: 200,
  counts: 210,
  compare: 210,
  count: 90,
  key: 160,
  mixed: 140,
  null: 70,
};
const MIN_WIDTH = 48;
const SELECT_WIDTH = 64;
const PAGE_SIZES = [10, 25, 50, 100, 200];

/** Default width of a column, in CSS pixels. */
export function defaultWidth(column, mode) {
  const base = DEFAULT_WIDTHS[column && column.kind] || 150;
  // compare cells hold two values (or a small bar chart): give them room
  if (mode === "compare" && column && column.table == null && !["key", "count"].includes(column.kind)) {
    return Math.max(base, column.kind === "image" ? 220 : 170);
  }
  return base;
}

/** The sort after a click on a column header: cycles asc -> desc -> off; with `add` keeps the other keys. */
export function headerSort(sort, column, add) {
  const current = sort.find(([c]) => c === column);
  const next = !current ? "asc" : current[1] === "asc" ? "desc" : null;
  if (!add) return next ? [[column, next]] : [];
  const others = sort.filter(([c]) => c !== column);
  if (!next) return others;
  return current ? sort.map(([c, d]) => (c === column ? [c, next] : [c, d])) : [...sort, [column, next]];
}

/** Nested paths (`$col.key.sub`) seen in the dict cells of `rows`, for the Group by suggestions. */
export function nestedPaths(rows, schema, { maxDepth = 3, limit = 40 } = {}) {
  const out = new Set();
  const walk = (prefix, value, depth) => {
    if (out.size >= limit || depth > maxDepth) return;
    const d = decodeCell(value);
    if (d.type !== "dict") return;
    for (const [k, v] of Object.entries(d.value)) {
      const path = `${prefix}.${k}`;
      out.add(path);
      walk(path, v, depth + 1);
    }
  };
  for (const column of schema) {
    if (!["dict", "json", "mixed", "list"].includes(column.kind)) continue;
    for (const row of rows) walk(`$${column.name}`, row.cells ? row.cells[column.name] : undefined, 1);
  }
  return [...out].slice(0, limit);
}

/**
 * @param ctx `{model, protocol, media, mediaSession, charts, openDialog, root}` where mediaSession is
 *   `createMediaContext(...)` (`{ctx, newPage}`)
 */
export function createTable(ctx) {
  const { model, protocol, media, mediaSession, charts } = ctx;
  const cleanups = [];
  const root = el("div", "tl-table-area");
  const scroller = el("div", "tl-scroller", null, { tabindex: "0", role: "grid", "aria-label": "rows" });
  const table = el("table", "tl-table");
  const colgroup = el("colgroup");
  const thead = el("thead");
  const tbody = el("tbody");
  table.append(colgroup, thead, tbody);
  scroller.append(table);
  const status = el("div", "tl-table-status", null, { role: "status" });
  status.hidden = true;
  const pager = el("div", "tl-pager");
  root.append(status, scroller, pager);

  let rows = []; // the page on screen: [{_key, cells}]
  let offset = 0; // its offset in the result
  let total = 0; // rows (or groups) in the result, from the last answer
  let shownVersion = null; // result_version of the rows on screen
  let wantedOffset = 0;
  let columns = []; // visible schema entries
  const widths = new Map(); // column name -> px (kept for this view)
  let focus = { row: -1, col: 0 };
  let anchor = null; // row index of the last selection click, for shift ranges
  let cellCleanups = [];
  let rowNodes = [];
  let pendingFocusRow = null; // after a page change by keyboard: "first" | "last"

  mediaSession.ctx.pageRows = () => rows;
  mediaSession.ctx.schema = () => columns;

  // ------------------------------------------------------------ fetching
  let fetchSeq = 0;
  async function fetchPage(newOffset) {
    const seq = ++fetchSeq;
    const limit = Math.max(1, get(model, "page_size") | 0 || 50);
    wantedOffset = Math.max(0, newOffset | 0);
    root.classList.add("tl-loading");
    try {
      const msg = await protocol.requestRows(wantedOffset, limit);
      if (seq !== fetchSeq) return;
      rows = Array.isArray(msg.rows) ? msg.rows : [];
      offset = Number(msg.offset) || 0;
      total = Number(msg.total ?? get(model, "num_rows")) || 0;
      shownVersion = msg.result_version;
      setStatus(null);
      render();
      ctx.onRows?.(rows);
    } catch (err) {
      if (isStale(err) || seq !== fetchSeq) return;
      setStatus(`cannot load rows: ${err && err.message ? err.message : err}`);
    } finally {
      if (seq === fetchSeq) root.classList.remove("tl-loading");
    }
  }

  function setStatus(text) {
    status.hidden = !text;
    status.textContent = text || "";
  }

  // ------------------------------------------------------------ rendering
  function visibleColumns() {
    const hidden = new Set(get(model, "hidden_columns"));
    return get(model, "schema").filter((c) => !hidden.has(c.name));
  }

  function tableLabels() {
    const versions = get(model, "versions");
    const a = versions.find((v) => v.current);
    const b = versions.find((v) => v.compared);
    const names = [a ? a.version : "", b ? b.version : get(model, "compare")];
    return names.map((n, t) => (n ? `${TABLE_LABELS[t]} · ${n}` : TABLE_LABELS[t]));
  }

  function clearCells() {
    for (const c of cellCleanups.splice(0)) c();
  }

  function render() {
    clearCells();
    mediaSession.newPage();
    columns = visibleColumns();
    renderHeader();
    renderBody();
    renderPager();
  }

  /** Fixed table layout needs an explicit table width: the sum of the columns'. */
  function setTableWidth() {
    const sum = columns.reduce((n, c) => n + (widths.get(c.name) || defaultWidth(c, get(model, "mode"))), SELECT_WIDTH);
    table.style.width = `${sum}px`;
  }

  function renderHeader() {
    const selCol = el("col", "tl-col-select");
    selCol.style.width = `${SELECT_WIDTH}px`;
    colgroup.replaceChildren(selCol);
    for (const c of columns) {
      const col = el("col", null, null, { "data-column": c.name });
      col.style.width = `${widths.get(c.name) || defaultWidth(c, get(model, "mode"))}px`;
      colgroup.append(col);
    }
    setTableWidth();
    const tr = el("tr");
    const selTh = el("th", "tl-select-cell", null, { scope: "col" });
    const all = el("input", "tl-select-all", null, { type: "checkbox", "aria-label": "select the rows on this page" });
    all.addEventListener("change", () => {
      const keys = rows.map((r) => r._key);
      setTraits(model, { selected_keys: setKeys(get(model, "selected_keys"), keys, all.checked) });
    });
    selTh.append(all);
    tr.append(selTh);
    const sort = get(model, "sort");
    columns.forEach((c) => {
      const th = el("th", "tl-th", null, { scope: "col", "data-column": c.name, "data-kind": c.kind || "" });
      if (c.table === 0 || c.table === 1) th.style.setProperty("--tl-side-color", TABLE_COLORS[c.table]);
      if (c.table === 0 || c.table === 1) th.classList.add("tl-th-side");
      const name = button("tl-th-name", c.label || c.name, (ev) => {
        setTraits(model, { sort: headerSort(get(model, "sort"), c.name, ev.shiftKey) });
      }, { title: `${c.label || c.name} (${c.kind}) — click to sort, Shift+click to add a sort key` });
      const s = sort.findIndex(([col]) => col === c.name);
      const kind = el("span", "tl-kind", c.kind || "");
      th.append(name, kind);
      if (s >= 0) {
        const arrow = el("span", "tl-sort-arrow", `${sort[s][1] === "desc" ? "↓" : "↑"}${sort.length > 1 ? s + 1 : ""}`);
        th.setAttribute("aria-sort", sort[s][1] === "desc" ? "descending" : "ascending");
        th.append(arrow);
      }
      const handle = el("span", "tl-resize", null, { "aria-hidden": "true", title: "drag to resize, double-click to reset" });
      attachResize(handle, c);
      th.append(handle);
      tr.append(th);
    });
    thead.replaceChildren(tr);
    updateSelectAll();
  }

  function colOf(name) {
    for (const col of colgroup.children) if (col.dataset.column === name) return col;
    return null;
  }

  function attachResize(handle, column) {
    handle.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      const startX = ev.clientX;
      const startW = widths.get(column.name) || defaultWidth(column, get(model, "mode"));
      const move = (e) => {
        const w = Math.max(MIN_WIDTH, Math.round(startW + e.clientX - startX));
        widths.set(column.name, w);
        const col = colOf(column.name); // looked up each time: a new page may have been drawn meanwhile
        if (col) col.style.width = `${w}px`;
        setTableWidth();
      };
      const up = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        root.classList.remove("tl-resizing");
      };
      root.classList.add("tl-resizing");
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
    });
    handle.addEventListener("dblclick", (ev) => {
      ev.stopPropagation();
      widths.delete(column.name);
      const col = colOf(column.name);
      if (col) col.style.width = `${defaultWidth(column, get(model, "mode"))}px`;
      setTableWidth();
    });
    handle.addEventListener("click", (ev) => ev.stopPropagation());
  }

  function rowLabel(row) {
    const keys = columns.filter((c) => c.kind === "key");
    return keys.map((c) => previewValue(row.cells ? row.cells[c.name] : null, 30)).join(", ");
  }

  function renderBody() {
    const selected = new Set(get(model, "selected_keys"));
    const env = {
      media,
      mediaCtx: mediaSession.ctx,
      charts,
      theme: (() => {
        let cached = null;
        return () => (cached ||= chartTheme(root));
      })(),
      labels: tableLabels(),
      imageSize: 96,
    };
    const frag = document.createDocumentFragment();
    rowNodes = [];
    rows.forEach((row, i) => {
      const tr = el("tr", "tl-row", null, { "data-role": "row", "data-key": String(row._key), "aria-rowindex": String(offset + i + 1) });
      const isSel = selected.has(row._key);
      tr.classList.toggle("tl-selected", isSel);
      tr.setAttribute("aria-selected", String(isSel));
      const selTd = el("td", "tl-select-cell");
      const box = el("input", "tl-select-row", null, { type: "checkbox", "aria-label": `select row ${offset + i + 1}`, tabindex: "-1" });
      box.checked = isSel;
      box.addEventListener("click", (ev) => {
        ev.stopPropagation();
        selectRow(i, ev.shiftKey ? "range" : "toggle");
      });
      const num = el("span", "tl-rownum", String(offset + i + 1));
      selTd.append(box, num);
      selTd.addEventListener("click", (ev) => selectRow(i, ev.shiftKey ? "range" : "toggle"));
      tr.append(selTd);
      const rowEnv = { ...env, row, rowLabel: rowLabel(row) };
      const cut = new Set(Array.isArray(row.truncated) ? row.truncated : []);
      columns.forEach((c, j) => {
        const td = el("td", "tl-cell", null, { "data-role": "cell", "data-column": c.name, role: "gridcell" });
        const raw = row.cells ? row.cells[c.name] : undefined;
        if (raw === undefined) td.classList.add("tl-missing");
        const d = decodeCell(raw);
        td.classList.add(`tl-t-${d.type}`);
        if (d.type === "number") td.classList.add("tl-right");
        if (isTree(raw)) td.classList.add("tl-has-tree");
        cellCleanups.push(renderCell(td, raw === undefined ? null : raw, c, rowEnv));
        if (cut.has(c.name)) {
          td.classList.add("tl-truncated");
          td.append(el("span", "tl-cut", "cut", { title: "the kernel cut this value to keep the page small; the full value is in Python (ex.view)" }));
        }
        td.addEventListener("click", (ev) => {
          setFocus(i, j, false);
          if (ev.ctrlKey || ev.metaKey) selectRow(i, "toggle");
          else if (ev.shiftKey) selectRow(i, "range");
        });
        tr.append(td);
      });
      rowNodes.push(tr);
      frag.append(tr);
    });
    if (!rows.length) {
      const tr = el("tr", "tl-empty-row");
      const td = el("td", "tl-empty", shownVersion === null ? "loading…" : emptyText(), { colspan: String(columns.length + 1) });
      tr.append(td);
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    if (pendingFocusRow !== null && rows.length) {
      setFocus(pendingFocusRow === "last" ? rows.length - 1 : 0, focus.col, true);
    } else if (focus.row >= rows.length) {
      focus = { row: rows.length ? rows.length - 1 : -1, col: focus.col };
      drawFocus(false);
    } else {
      drawFocus(false);
    }
    pendingFocusRow = null;
  }

  function emptyText() {
    const mode = get(model, "mode");
    return mode === "groups" || mode === "compare-groups" ? "No groups." : "No rows match.";
  }

  function renderPager() {
    pager.replaceChildren();
    const limit = Math.max(1, get(model, "page_size") | 0 || 50);
    const n = total;
    const first = n ? offset + 1 : 0;
    const last = Math.min(n, offset + rows.length);
    const prev = button("tl-button", "‹ Prev", () => goPage(-1), { "data-action": "prev-page", "aria-label": "previous page" });
    const next = button("tl-button", "Next ›", () => goPage(1), { "data-action": "next-page", "aria-label": "next page" });
    prev.disabled = offset <= 0;
    next.disabled = offset + rows.length >= n;
    const where = el("span", "tl-pager-text", `${first}–${last} of ${n}`);
    const sizeLabel = el("label", "tl-pager-size");
    const size = el("select", "tl-select", null, { "aria-label": "rows per page" });
    const sizes = PAGE_SIZES.includes(limit) ? PAGE_SIZES : [...PAGE_SIZES, limit].sort((a, b) => a - b);
    setOptions(size, [{ options: sizes.map((s) => ({ value: String(s), text: `${s} / page` })) }], String(limit));
    size.addEventListener("change", () => setTraits(model, { page_size: Number(size.value) }));
    sizeLabel.append(size);
    pager.append(prev, where, next, sizeLabel);
  }

  function goPage(delta) {
    const limit = Math.max(1, get(model, "page_size") | 0 || 50);
    const target = Math.max(0, offset + delta * limit);
    if (delta > 0 && target >= total) return;
    if (delta < 0 && offset === 0) return;
    fetchPage(target);
  }

  // ------------------------------------------------------------ selection and focus
  function selectRow(i, how) {
    const row = rows[i];
    if (!row) return;
    const keys = rows.map((r) => r._key);
    let selected = get(model, "selected_keys");
    if (how === "range" && anchor !== null) {
      selected = setKeys(selected, rangeKeys(keys, anchor, i), true);
    } else {
      selected = toggleKey(selected, row._key);
      anchor = i;
    }
    setTraits(model, { selected_keys: selected });
  }

  function drawSelection() {
    const selected = new Set(get(model, "selected_keys"));
    rows.forEach((row, i) => {
      const tr = rowNodes[i];
      if (!tr) return;
      const on = selected.has(row._key);
      tr.classList.toggle("tl-selected", on);
      tr.setAttribute("aria-selected", String(on));
      const box = tr.querySelector(".tl-select-row");
      if (box) box.checked = on;
    });
    updateSelectAll();
  }

  function updateSelectAll() {
    const all = thead.querySelector(".tl-select-all");
    if (!all) return;
    const selected = new Set(get(model, "selected_keys"));
    const n = rows.filter((r) => selected.has(r._key)).length;
    all.checked = rows.length > 0 && n === rows.length;
    all.indeterminate = n > 0 && n < rows.length;
  }

  function setFocus(row, col, scroll) {
    focus = { row, col };
    drawFocus(scroll);
  }

  function drawFocus(scroll) {
    for (const td of tbody.querySelectorAll(".tl-focus")) td.classList.remove("tl-focus");
    for (const tr of tbody.querySelectorAll(".tl-row-focus")) tr.classList.remove("tl-row-focus");
    const tr = rowNodes[focus.row];
    if (!tr) return;
    tr.classList.add("tl-row-focus");
    const td = tr.children[focus.col + 1];
    if (td) {
      td.classList.add("tl-focus");
      if (scroll && td.scrollIntoView) td.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  scroller.addEventListener("keydown", (ev) => {
    if (ev.target !== scroller && ev.target.closest) {
      if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
      // Enter / Space on a button inside a cell (expand a tree, open an image) activate that button
      if ((ev.key === "Enter" || ev.key === " ") && ev.target.closest("button, a[href]")) return;
    }
    const limit = Math.max(1, get(model, "page_size") | 0 || 50);
    const result = navigate(focus, ev, {
      rows: rows.length,
      cols: columns.length,
      hasPrev: offset > 0,
      hasNext: offset + Math.max(rows.length, limit) < total,
    });
    if (!result.handled) return;
    ev.preventDefault();
    switch (result.action) {
      case "next-page":
        pendingFocusRow = "first";
        focus = { row: 0, col: result.col };
        goPage(1);
        return;
      case "prev-page":
        pendingFocusRow = result.row === -2 ? "last" : "first";
        focus = { row: 0, col: result.col };
        goPage(-1);
        return;
      case "select":
        setFocus(result.row, result.col, true);
        selectRow(result.row, "toggle");
        return;
      case "select-range":
        if (anchor === null) anchor = focus.row;
        setFocus(result.row, result.col, true);
        selectRow(result.row, "range");
        return;
      case "clear":
        if (get(model, "selected_keys").length) setTraits(model, { selected_keys: [] });
        return;
      case "open": {
        setFocus(result.row, result.col, true);
        const td = rowNodes[result.row] && rowNodes[result.row].children[result.col + 1];
        const target = td && td.querySelector("button, [data-role=histogram], [data-role=image] canvas, [data-role=image] img");
        if (target) target.click();
        return;
      }
      default:
        setFocus(result.row, result.col, true);
    }
  });
  scroller.addEventListener("focus", () => {
    if (focus.row < 0 && rows.length) setFocus(0, 0, false);
  });

  // ------------------------------------------------------------ trait changes
  cleanups.push(
    onChange(model, ["result_version"], () => {
      anchor = null;
      fetchPage(0);
    }),
    onChange(model, ["page_size"], () => fetchPage(offset)),
    onChange(model, ["schema", "hidden_columns"], () => {
      // with a new result on its way, wait for its rows: old rows under new columns would flash nulls
      if (shownVersion === null || get(model, "result_version") === shownVersion) render();
    }),
    onChange(model, ["selected_keys"], drawSelection),
    onChange(model, ["sort"], () => renderHeader()),
    onChange(model, ["versions", "compare"], () => {
      if (isCompareMode(get(model, "mode"))) render();
    }),
  );

  // JupyterLab theme switches: redraw so that the charts take the new colors
  if (typeof MutationObserver === "function" && document.body) {
    const observer = new MutationObserver(() => render());
    observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
    cleanups.push(() => observer.disconnect());
  }

  render();
  fetchPage(0);

  return {
    el: root,
    rows: () => rows,
    columns: () => columns,
    refresh: () => fetchPage(offset),
    cleanup() {
      fetchSeq++;
      for (const c of cleanups.splice(0)) c();
      clearCells();
      root.remove();
    },
  };
}
