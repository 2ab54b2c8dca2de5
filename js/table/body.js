// @ts-check
// The table's body: a row per result row (data-role="row", data-key, aria-selected) with a cell per visible
// column (data-role="cell", data-column), row selection (click, Shift+click ranges, Ctrl/Cmd+click; the
// `selected_keys` trait), and keyboard navigation of the focused cell (js/nav.js), which turns the page at
// either end.

import { renderCell } from "../cell-view.js";
import { decodeCell, isTree, previewValue } from "../cells.js";
import { el } from "../dom.js";
import { navigate, rangeKeys, setKeys, toggleKey } from "../nav.js";
import { get, isGroupMode, setTraits } from "../state.js";

/** @import { Model, Row } from "../types/protocol" */
/** @import { CellEnv } from "../cell-view.js" */
/** @import { Page } from "./page.js" */
/** @import { CellEditor } from "./cell-editor.js" */

/**
 * @param {object} ctx
 * @param {Model} ctx.model
 * @param {Page} ctx.page
 * @param {HTMLElement} ctx.scroller the focusable grid whose keys move the focus
 * @param {(delta: number) => void} ctx.goPage
 * @param {() => number} ctx.limit rows per page
 * @param {() => void} ctx.onSelection called after the selection is drawn (the header's select-all box)
 * @param {CellEditor} [ctx.editor] in-place cell editing (double-click or F2; js/table/cell-editor.js)
 */
export function createBody({ model, page, scroller, goPage, limit, onSelection, editor }) {
  const tbody = el("tbody");
  /** @type {HTMLTableRowElement[]} */
  let rowNodes = [];
  /** @type {(() => void)[]} */
  let cellCleanups = [];
  let focus = { row: -1, col: 0 };
  /** @type {number | null} row index of the last selection click, for shift ranges */
  let anchor = null;
  /** @type {"first" | "last" | null} after a page change by keyboard: where the focus goes */
  let pendingFocusRow = null;

  function clearCells() {
    for (const c of cellCleanups.splice(0)) c();
  }

  /** @param {Row} row */
  function rowLabel(row) {
    const keys = page.columns.filter((c) => c.kind === "key");
    return keys.map((c) => previewValue(row.cells ? row.cells[c.name] : null, 30)).join(", ");
  }

  function emptyText() {
    return isGroupMode(get(model, "mode")) ? "No groups." : "No rows match.";
  }

  /**
   * Draw the rows of the page (the cells' previous drawings are cleaned up first).
   * @param {Omit<CellEnv, "row" | "rowLabel">} env what every cell is drawn with
   */
  function render(env) {
    editor?.cancel();
    clearCells();
    const { rows, offset, columns } = page;
    const selected = new Set(get(model, "selected_keys"));
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
      /** @type {CellEnv} */
      const rowEnv = { ...env, row, rowLabel: rowLabel(row) };
      const cut = new Set(Array.isArray(row.truncated) ? row.truncated : []);
      const edited = new Set(Array.isArray(row.edited) ? row.edited : []);
      columns.forEach((c, j) => {
        const td = el("td", "tl-cell", null, { "data-role": "cell", "data-column": c.name, role: "gridcell" });
        const raw = row.cells ? row.cells[c.name] : undefined;
        if (raw === undefined) td.classList.add("tl-missing");
        const d = decodeCell(raw);
        td.classList.add(`tl-t-${d.type}`);
        if (d.type === "number") td.classList.add("tl-right");
        if (isTree(raw)) td.classList.add("tl-has-tree");
        cellCleanups.push(renderCell(td, raw === undefined ? null : raw, c, rowEnv));
        if (edited.has(c.name)) {
          td.classList.add("tl-edited");
          td.dataset.edited = "true";
          td.title = "edited, not committed yet (Commit logs a new version)";
        }
        if (editor && editor.canEdit(row, c)) {
          td.classList.add("tl-editable");
          td.addEventListener("dblclick", (ev) => {
            ev.preventDefault();
            editor.start(td, row, c);
          });
        }
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
      const text = page.shownVersion === null ? "loading…" : emptyText();
      tr.append(el("td", "tl-empty", text, { colspan: String(columns.length + 1) }));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    if (pendingFocusRow !== null && rows.length) {
      setFocus(pendingFocusRow === "last" ? rows.length - 1 : 0, focus.col, true);
    } else {
      if (focus.row >= rows.length) focus = { row: rows.length ? rows.length - 1 : -1, col: focus.col };
      drawFocus(false);
    }
    pendingFocusRow = null;
  }

  // ------------------------------------------------------------ selection

  /**
   * @param {number} i row index on the page
   * @param {"toggle" | "range"} how
   */
  function selectRow(i, how) {
    const row = page.rows[i];
    if (!row) return;
    const keys = page.rows.map((r) => r._key);
    let selected = get(model, "selected_keys");
    if (how === "range" && anchor !== null) {
      selected = setKeys(selected, rangeKeys(keys, anchor, i), true);
    } else {
      selected = toggleKey(selected, row._key);
      anchor = i;
    }
    setTraits(model, { selected_keys: selected });
  }

  /** Mark the selected rows (the `selected_keys` trait changed). */
  function drawSelection() {
    const selected = new Set(get(model, "selected_keys"));
    page.rows.forEach((row, i) => {
      const tr = rowNodes[i];
      if (!tr) return;
      const on = selected.has(row._key);
      tr.classList.toggle("tl-selected", on);
      tr.setAttribute("aria-selected", String(on));
      const box = /** @type {HTMLInputElement | null} */ (tr.querySelector(".tl-select-row"));
      if (box) box.checked = on;
    });
    onSelection();
  }

  // ------------------------------------------------------------ focus and keys

  /**
   * @param {number} row
   * @param {number} col
   * @param {boolean} scroll
   */
  function setFocus(row, col, scroll) {
    focus = { row, col };
    drawFocus(scroll);
  }

  /** @param {boolean} scroll */
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

  /** @param {KeyboardEvent} ev */
  function onKey(ev) {
    const target = /** @type {Element | null} */ (ev.target);
    if (target && target !== scroller && target.closest) {
      if (target.closest("input, textarea, select, [contenteditable]")) return;
      // Enter / Space on a button inside a cell (expand a tree, open an image) activate that button
      if ((ev.key === "Enter" || ev.key === " ") && target.closest("button, a[href]")) return;
    }
    const { rows, offset, total, columns } = page;
    if (ev.key === "F2" && editor && rows[focus.row] && columns[focus.col]) {
      const td = rowNodes[focus.row] && /** @type {HTMLElement | undefined} */ (rowNodes[focus.row].children[focus.col + 1]);
      if (td && editor.start(td, rows[focus.row], columns[focus.col])) ev.preventDefault();
      return;
    }
    const result = navigate(focus, ev, {
      rows: rows.length,
      cols: columns.length,
      hasPrev: offset > 0,
      hasNext: offset + Math.max(rows.length, limit()) < total,
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
        const open = td && td.querySelector("button, [data-role=histogram], [data-role=image] canvas, [data-role=image] img");
        if (open) /** @type {HTMLElement} */ (open).click();
        return;
      }
      default:
        setFocus(result.row, result.col, true);
    }
  }
  const onFocus = () => {
    if (focus.row < 0 && page.rows.length) setFocus(0, 0, false);
  };
  scroller.addEventListener("keydown", onKey);
  scroller.addEventListener("focus", onFocus);

  return {
    el: tbody,
    render,
    /** Clean up the cells on screen (their charts, images and listeners). */
    clear: clearCells,
    drawSelection,
    /** A new result: a Shift range no longer starts from a row of the old one. */
    resetAnchor() {
      anchor = null;
    },
    cleanup() {
      scroller.removeEventListener("keydown", onKey);
      scroller.removeEventListener("focus", onFocus);
      clearCells();
      tbody.remove();
    },
  };
}
