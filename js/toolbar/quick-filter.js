// @ts-check
// The quick filter of the compare modes: which rows to show (buttons with data-value and aria-pressed; hidden
// outside the compare modes).

import { button, el } from "../dom.js";
import { get, isCompareMode, onChange, setTraits } from "../state.js";
import { TABLE_COLORS } from "../theme.js";

/** @import { Model, QuickFilter } from "../types/protocol" */

/** @type {Readonly<Record<QuickFilter, string>>} the label of each value of the `quick_filter` trait */
export const QUICK_FILTER_LABELS = Object.freeze({
  all: "All",
  both: "In both",
  only0: "Only in A",
  only1: "Only in B",
});

/**
 * @param {{model: Model}} ctx
 */
export function createQuickFilter({ model }) {
  const root = el("div", "tl-segmented", null, { "data-role": "quick-filter", role: "group", "aria-label": "rows" });
  for (const [value, text] of /** @type {[QuickFilter, string][]} */ (Object.entries(QUICK_FILTER_LABELS))) {
    const b = button("tl-segment", text, () => setTraits(model, { quick_filter: value }), { "data-value": value });
    if (value === "only0" || value === "only1") {
      const marker = el("span", "tl-side-dot");
      marker.style.background = TABLE_COLORS[value === "only0" ? 0 : 1];
      b.prepend(marker);
    }
    root.append(b);
  }

  function draw() {
    root.hidden = !isCompareMode(get(model, "mode"));
    const value = get(model, "quick_filter");
    for (const b of root.querySelectorAll("button")) {
      const on = b.dataset.value === value;
      b.setAttribute("aria-pressed", String(on));
      b.classList.toggle("tl-on", on);
    }
  }

  const off = onChange(model, ["quick_filter", "mode"], draw);
  draw();
  return {
    el: root,
    cleanup() {
      off();
      root.remove();
    },
  };
}
