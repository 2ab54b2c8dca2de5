// @ts-check
// Editing one cell in place (double-click, or F2 on the focused cell): an input (data-role="cell-editor") with
// the cell's value as text; Enter sends it to the kernel, which checks it against the column's kind (a str
// column takes text, an int column an integer, a list column JSON of its type) and keeps it as a pending edit;
// the page then redraws with the edited cell highlighted (class tl-edited). A refusal is shown under the input
// (data-role="edit-error") and the editor stays open; Escape gives up. Only the rows view of a stored table is
// editable, and only the columns the kernel lists in `editable_columns`.

import { editText } from "../actions.js";
import { el } from "../dom.js";
import { isStale } from "../protocol.js";
import { get } from "../state.js";

/** @import { Model, Row, SchemaColumn } from "../types/protocol" */
/** @import { Actions } from "../actions.js" */

/** Kinds edited in a multi-line box (their text is JSON or may be long). */
const MULTILINE = new Set(["list", "dict", "json", "mixed"]);

/**
 * @param {{model: Model, actions: Actions}} ctx
 */
export function createCellEditor({ model, actions }) {
  /** @type {{td: HTMLElement, cancel: () => void} | null} */
  let active = null;

  /**
   * Whether a cell can be edited: the rows view, a row with a position key, a column the kernel lists.
   * @param {Row} row
   * @param {SchemaColumn} column
   */
  function canEdit(row, column) {
    return get(model, "mode") === "rows" && typeof row._key === "number" && get(model, "editable_columns").includes(column.name);
  }

  /**
   * Open the editor in `td` for `column` of `row`; returns false when the cell cannot be edited.
   * @param {HTMLElement} td
   * @param {Row} row
   * @param {SchemaColumn} column
   */
  function start(td, row, column) {
    if (!canEdit(row, column)) return false;
    if (active && active.td === td) return true;
    if (active) active.cancel();
    const kept = [...td.childNodes];
    const raw = row.cells ? row.cells[column.name] : null;
    const text = editText(raw);
    const multiline = MULTILINE.has(column.kind) || text.includes("\n") || text.length > 60;
    const input = multiline
      ? el("textarea", "tl-input tl-cell-input", null, { rows: "3", "data-role": "cell-editor", spellcheck: "false" })
      : el("input", "tl-input tl-cell-input", null, { type: "text", "data-role": "cell-editor", spellcheck: "false" });
    input.value = text;
    input.setAttribute("aria-label", `edit ${column.name} of row ${row._key}`);
    const error = el("div", "tl-edit-error", null, { "data-role": "edit-error", role: "alert" });
    error.hidden = true;
    td.classList.add("tl-editing");
    td.replaceChildren(input, error);
    input.focus();
    input.select();
    let busy = false;

    function close() {
      if (active && active.td === td) active = null;
      td.classList.remove("tl-editing");
    }
    function cancel() {
      close();
      td.replaceChildren(...kept);
    }
    async function submit() {
      if (busy) return;
      busy = true;
      input.setAttribute("aria-busy", "true");
      try {
        await actions.edit(row._key, column.name, input.value);
        close(); // the page redraws with the edit (actions' onEdited)
      } catch (err) {
        if (isStale(err)) return;
        error.hidden = false;
        error.textContent = err instanceof Error ? err.message : String(err);
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } finally {
        busy = false;
        input.removeAttribute("aria-busy");
      }
    }
    /** @param {KeyboardEvent} ev */
    const onKey = (ev) => {
      ev.stopPropagation(); // keys typed here are not for the table's navigation nor the notebook
      if (ev.key === "Escape") {
        ev.preventDefault();
        cancel();
        td.focus?.();
      } else if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        submit();
      }
    };
    /** @type {HTMLElement} */ (input).addEventListener("keydown", onKey);
    input.addEventListener("click", (ev) => ev.stopPropagation());
    input.addEventListener("dblclick", (ev) => ev.stopPropagation());
    active = { td, cancel };
    return true;
  }

  return {
    canEdit,
    start,
    /** Close an open editor without sending it (the page is about to be redrawn). */
    cancel() {
      if (active) active.cancel();
      active = null;
    },
  };
}

/** @typedef {ReturnType<typeof createCellEditor>} CellEditor */
