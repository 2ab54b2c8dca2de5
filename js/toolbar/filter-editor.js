// @ts-check
// The filter editor: a growing <textarea> (Enter applies, Shift+Enter adds a line, Escape restores the applied
// filter), its clear button and Apply button, and the recent filters that drop down under it while it has the
// focus (one click applies one). The filter's error is drawn into `errorSlot` by error-view.js. Its element does
// not box the editor and the Apply button (display: contents): both are items of the toolbar's row.

import { button, el } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";

/** @import { Model } from "../types/protocol" */

/**
 * @param {{model: Model}} ctx
 */
export function createFilterEditor({ model }) {
  const root = el("div", "tl-filter-editor");
  const col = el("div", "tl-filter-col");
  const box = el("div", "tl-filter-box");
  const input = el("textarea", "tl-filter-input", null, {
    "data-role": "filter",
    rows: "1",
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "Filter, e.g. {$gt: ['$score', 0.5]} — Enter applies, Shift+Enter new line",
    "aria-label": "filter expression",
  });
  const clearButton = button("tl-icon-button tl-clear", "×", () => {
    input.value = "";
    apply();
  }, { title: "clear the filter", "aria-label": "clear the filter" });
  const applyButton = button("tl-button tl-apply", "Apply", () => apply(), { title: "apply the filter (Enter)" });
  const suggest = el("ul", "tl-menu tl-filter-suggest", null, { role: "listbox", "aria-label": "recent filters" });
  suggest.hidden = true;
  const errorSlot = el("div", "tl-error-slot");
  box.append(input, clearButton);
  col.append(box, suggest, errorSlot);
  root.append(col, applyButton);

  function resize() {
    input.style.height = "auto";
    const h = Math.min(input.scrollHeight || 0, 160);
    if (h) input.style.height = `${h}px`;
  }

  /**
   * Apply `text` (default: what is typed): the `filter` trait takes it.
   * @param {string} [text]
   */
  function apply(text) {
    suggest.hidden = true;
    const value = (text ?? input.value).trim();
    input.value = value;
    resize();
    setTraits(model, { filter: value });
  }

  function drawSuggest() {
    const text = input.value.trim();
    const filters = get(model, "recent_filters").filter((f) => f !== text && (!text || f.includes(text)));
    suggest.replaceChildren();
    for (const f of filters.slice(0, 10)) {
      const li = el("li", null, null, { role: "none" });
      const item = button("tl-menu-item", f, () => {
        suggest.hidden = true;
        apply(f);
      }, { role: "option", title: f });
      item.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the focus: no blur before click
      li.append(item);
      suggest.append(li);
    }
    suggest.hidden = filters.length === 0 || !hasFocus();
  }

  /** Whether the editor has the focus (also inside a shadow root, where document.activeElement is its host). */
  function hasFocus() {
    const rootNode = /** @type {Document | ShadowRoot} */ (input.getRootNode());
    return (rootNode.activeElement || document.activeElement) === input;
  }

  function draw() {
    input.value = get(model, "filter");
    resize();
  }

  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      apply();
    } else if (ev.key === "Escape") {
      input.value = get(model, "filter");
      resize();
    }
    ev.stopPropagation(); // typing here must not drive the table's keyboard navigation
  });
  input.addEventListener("input", () => {
    resize();
    drawSuggest();
  });
  input.addEventListener("focus", () => drawSuggest());
  input.addEventListener("blur", () => {
    suggest.hidden = true;
  });

  const off = onChange(model, ["filter"], draw);
  draw();
  return {
    el: root,
    input,
    errorSlot,
    apply,
    hasFocus,
    focus: () => input.focus(),
    cleanup() {
      off();
      root.remove();
    },
  };
}
