// @ts-check
// The table's header: the column widths (<colgroup>), a sticky header cell per column with its kind, a click
// that sorts (Shift+click adds a key; asc -> desc -> off), the sort arrows, resize handles (drag; double-click
// resets), and the checkbox that selects the rows on the page.

import { button, el } from "../dom.js";
import { setKeys } from "../nav.js";
import { get, setTraits } from "../state.js";
import { TABLE_COLORS } from "../theme.js";
import { MIN_WIDTH, SELECT_WIDTH } from "./columns.js";

/** @import { Model, SchemaColumn, SortKey } from "../types/protocol" */
/** @import { Widths } from "./columns.js" */
/** @import { Page } from "./page.js" */

/**
 * The sort after a click on a column header: cycles asc -> desc -> off; with `add` keeps the other keys.
 * @param {SortKey[]} sort
 * @param {string} column
 * @param {boolean} add
 * @returns {SortKey[]}
 */
export function headerSort(sort, column, add) {
  const current = sort.find(([c]) => c === column);
  /** @type {SortKey[1] | null} */
  const next = !current ? "asc" : current[1] === "asc" ? "desc" : null;
  if (!add) return next ? [[column, next]] : [];
  const others = sort.filter(([c]) => c !== column);
  if (!next) return others;
  return current ? sort.map(([c, d]) => (c === column ? [c, next] : [c, d])) : [...sort, [column, next]];
}

/**
 * @param {object} ctx
 * @param {Model} ctx.model
 * @param {Page} ctx.page
 * @param {Widths} ctx.widths
 * @param {HTMLTableElement} ctx.table whose width is set (fixed layout)
 * @param {HTMLElement} ctx.area marked tl-resizing while a column is dragged
 */
export function createHeader({ model, page, widths, table, area }) {
  const colgroup = el("colgroup");
  const thead = el("thead");
  /** @type {(() => void)[]} */
  let dragCleanups = [];

  function setTableWidth() {
    table.style.width = `${widths.total(page.columns)}px`;
  }

  /** @param {string} name */
  function colOf(name) {
    for (const col of colgroup.querySelectorAll("col")) if (col.dataset.column === name) return col;
    return null;
  }

  /**
   * @param {HTMLElement} handle
   * @param {SchemaColumn} column
   */
  function attachResize(handle, column) {
    handle.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      const startX = ev.clientX;
      const startW = widths.of(column);
      /** @param {PointerEvent} e */
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
        area.classList.remove("tl-resizing");
        dragCleanups = dragCleanups.filter((c) => c !== up);
      };
      area.classList.add("tl-resizing");
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
      dragCleanups.push(up);
    });
    handle.addEventListener("dblclick", (ev) => {
      ev.stopPropagation();
      widths.reset(column.name);
      const col = colOf(column.name);
      if (col) col.style.width = `${widths.of(column)}px`;
      setTableWidth();
    });
    handle.addEventListener("click", (ev) => ev.stopPropagation());
  }

  /** Draw the header of `page.columns`. */
  function render() {
    const selCol = el("col", "tl-col-select");
    selCol.style.width = `${SELECT_WIDTH}px`;
    colgroup.replaceChildren(selCol);
    for (const c of page.columns) {
      const col = el("col", null, null, { "data-column": c.name });
      col.style.width = `${widths.of(c)}px`;
      colgroup.append(col);
    }
    setTableWidth();
    const tr = el("tr");
    const selTh = el("th", "tl-select-cell", null, { scope: "col" });
    const all = el("input", "tl-select-all", null, { type: "checkbox", "aria-label": "select the rows on this page" });
    all.addEventListener("change", () => {
      const keys = page.rows.map((r) => r._key);
      setTraits(model, { selected_keys: setKeys(get(model, "selected_keys"), keys, all.checked) });
    });
    selTh.append(all);
    tr.append(selTh);
    const sort = get(model, "sort");
    for (const c of page.columns) {
      const th = el("th", "tl-th", null, { scope: "col", "data-column": c.name, "data-kind": c.kind || "" });
      if (c.table === 0 || c.table === 1) {
        th.style.setProperty("--tl-side-color", TABLE_COLORS[c.table]);
        th.classList.add("tl-th-side");
      }
      const name = button("tl-th-name", c.label || c.name, (ev) => {
        setTraits(model, { sort: headerSort(get(model, "sort"), c.name, ev.shiftKey) });
      }, { title: `${c.label || c.name} (${c.kind}) — click to sort, Shift+click to add a sort key` });
      const s = sort.findIndex(([col]) => col === c.name);
      th.append(name, el("span", "tl-kind", c.kind || ""));
      if (s >= 0) {
        const arrow = el("span", "tl-sort-arrow", `${sort[s][1] === "desc" ? "↓" : "↑"}${sort.length > 1 ? s + 1 : ""}`);
        th.setAttribute("aria-sort", sort[s][1] === "desc" ? "descending" : "ascending");
        th.append(arrow);
      }
      const handle = el("span", "tl-resize", null, { "aria-hidden": "true", title: "drag to resize, double-click to reset" });
      attachResize(handle, c);
      th.append(handle);
      tr.append(th);
    }
    thead.replaceChildren(tr);
    updateSelectAll();
  }

  /** Check the select-all box when every row on the page is selected (indeterminate when some are). */
  function updateSelectAll() {
    const all = /** @type {HTMLInputElement | null} */ (thead.querySelector(".tl-select-all"));
    if (!all) return;
    const selected = new Set(get(model, "selected_keys"));
    const n = page.rows.filter((r) => selected.has(r._key)).length;
    all.checked = page.rows.length > 0 && n === page.rows.length;
    all.indeterminate = n > 0 && n < page.rows.length;
  }

  return {
    el: thead,
    colgroup,
    render,
    updateSelectAll,
    cleanup() {
      for (const up of dragCleanups.splice(0)) up();
      colgroup.remove();
      thead.remove();
    },
  };
}
