// @ts-check
// The error of the last query, shown beside the control that caused it (data-role="error", data-control): the
// message and, for the filter, the position with a caret under the filter text.

import { el } from "../dom.js";
import { errorFor, get, onChange } from "../state.js";

/** @import { ErrorControl, Model } from "../types/protocol" */

/**
 * The text and caret line that point at `position` in `text` (a window of at most `width` characters).
 * @param {string | null | undefined} text
 * @param {number | null | undefined} position
 * @param {number} [width]
 * @returns {{line: string, caret: string}}
 */
export function errorSnippet(text, position, width = 60) {
  const s = String(text ?? "").replace(/\s/g, " ");
  const pos = Math.max(0, Math.min(Number(position) || 0, s.length));
  let start = Math.max(0, pos - Math.floor(width / 2));
  const end = Math.min(s.length, start + width);
  start = Math.max(0, Math.min(start, end - width));
  const prefix = start > 0 ? "…" : "";
  const suffix = end < s.length ? "…" : "";
  const line = `${prefix}${s.slice(start, end)}${suffix}`;
  const caret = `${" ".repeat(prefix.length + pos - start)}^`;
  return { line, caret };
}

/**
 * @param {object} ctx
 * @param {Model} ctx.model
 * @param {Record<ErrorControl, HTMLElement>} ctx.slots where each control's error goes
 * @param {HTMLTextAreaElement} ctx.filterInput marked aria-invalid (and the error selected) for a filter error
 * @param {() => boolean} ctx.filterHasFocus
 */
export function createErrorView({ model, slots, filterInput, filterHasFocus }) {
  /** @type {HTMLElement | null} */
  let node = null;

  function draw() {
    if (node) node.remove();
    node = null;
    filterInput.removeAttribute("aria-invalid");
    const err = errorFor(model);
    if (!err) return;
    const control = err.control || "filter";
    node = el("div", "tl-error", null, { "data-role": "error", "data-control": control, role: "alert" });
    const position = err.position;
    node.append(el("span", "tl-error-message", err.message));
    if (position !== null && position !== undefined && control === "filter") {
      node.append(el("span", "tl-error-position", ` (at position ${position})`));
      const { line, caret } = errorSnippet(get(model, "filter"), position);
      node.append(el("pre", "tl-error-snippet", `${line}\n${caret}`));
      filterInput.setAttribute("aria-invalid", "true");
      if (filterHasFocus()) {
        const p = Math.min(Number(position), filterInput.value.length);
        try {
          filterInput.setSelectionRange(p, Math.min(p + 1, filterInput.value.length));
        } catch {
          // not all inputs support selection ranges
        }
      }
    }
    (slots[control] || slots.filter).append(node);
  }

  const off = onChange(model, ["error"], draw);
  draw();
  return {
    cleanup() {
      off();
      if (node) node.remove();
    },
  };
}
