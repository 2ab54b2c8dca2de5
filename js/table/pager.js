// @ts-check
// The pager under the table: previous / next page (data-action="prev-page" / "next-page"), where the page sits
// in the result, and the page size.

import { button, el, setOptions } from "../dom.js";
import { get, setTraits } from "../state.js";

/** @import { Model } from "../types/protocol" */
/** @import { Page } from "./page.js" */

const PAGE_SIZES = [10, 25, 50, 100, 200];

/**
 * The `page_size` trait as a usable number of rows.
 * @param {Model} model
 */
export function pageLimit(model) {
  return Math.max(1, get(model, "page_size") | 0 || 50);
}

/**
 * @param {object} ctx
 * @param {Model} ctx.model
 * @param {Page} ctx.page
 * @param {(delta: number) => void} ctx.goPage
 */
export function createPager({ model, page, goPage }) {
  const root = el("div", "tl-pager");

  function render() {
    root.replaceChildren();
    const limit = pageLimit(model);
    const n = page.total;
    const first = n ? page.offset + 1 : 0;
    const last = Math.min(n, page.offset + page.rows.length);
    const prev = button("tl-button", "‹ Prev", () => goPage(-1), { "data-action": "prev-page", "aria-label": "previous page" });
    const next = button("tl-button", "Next ›", () => goPage(1), { "data-action": "next-page", "aria-label": "next page" });
    prev.disabled = page.offset <= 0;
    next.disabled = page.offset + page.rows.length >= n;
    const where = el("span", "tl-pager-text", `${first}–${last} of ${n}`);
    const sizeLabel = el("label", "tl-pager-size");
    const size = el("select", "tl-select", null, { "aria-label": "rows per page" });
    const sizes = PAGE_SIZES.includes(limit) ? PAGE_SIZES : [...PAGE_SIZES, limit].sort((a, b) => a - b);
    setOptions(size, [{ options: sizes.map((s) => ({ value: String(s), text: `${s} / page` })) }], String(limit));
    size.addEventListener("change", () => setTraits(model, { page_size: Number(size.value) }));
    sizeLabel.append(size);
    root.append(prev, where, next, sizeLabel);
  }

  return {
    el: root,
    render,
    cleanup() {
      root.remove();
    },
  };
}
