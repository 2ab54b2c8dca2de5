// @ts-check
// The Sort control: the current keys as chips (click reverses one, × removes it: data-role="sort-key" with
// data-column and data-direction, the button data-action="direction") and a <select> that adds a key.

import { button, el, setOptions } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";
import { columnChoices } from "./choices.js";

/** @import { Model, SortKey } from "../types/protocol" */
/** @import { SeenColumns } from "../types/frontend" */

/**
 * Toggle a sort key's direction or append it; returns the new sort list.
 * @param {SortKey[]} sort
 * @param {string} column
 * @returns {SortKey[]}
 */
export function addSortKey(sort, column) {
  const i = sort.findIndex(([c]) => c === column);
  if (i >= 0) return sort.map(([c, d], j) => (j === i ? [c, d === "asc" ? "desc" : "asc"] : [c, d]));
  return [...sort, [column, "asc"]];
}

/**
 * The sort with key `i` reversed.
 * @param {SortKey[]} sort
 * @param {number} i
 * @returns {SortKey[]}
 */
export function reverseSortKey(sort, i) {
  return sort.map(([c, d], j) => (j === i ? [c, d === "desc" ? "asc" : "desc"] : [c, d]));
}

/**
 * @param {{model: Model, seenColumns: SeenColumns}} ctx
 */
export function createSortControl({ model, seenColumns }) {
  const root = el("div", "tl-control tl-sort");
  const label = el("span", "tl-control-label", "Sort");
  const chips = el("span", "tl-chips");
  const select = el("select", "tl-select", null, { "data-role": "sort", "aria-label": "add a sort key" });
  const errorSlot = el("div", "tl-error-slot");
  root.append(label, chips, select, errorSlot);
  select.addEventListener("change", () => {
    const value = select.value;
    if (!value) return;
    setTraits(model, { sort: addSortKey(get(model, "sort"), value) });
    select.value = "";
  });

  function draw() {
    const sort = get(model, "sort");
    chips.replaceChildren();
    sort.forEach(([column, dir], i) => {
      const chip = el("span", "tl-chip", null, { "data-role": "sort-key", "data-column": column, "data-direction": dir });
      const flip = button("tl-chip-main", `${column} ${dir === "desc" ? "↓" : "↑"}`, () => {
        setTraits(model, { sort: reverseSortKey(get(model, "sort"), i) });
      }, { title: `${dir === "desc" ? "descending" : "ascending"}: click to reverse`, "data-action": "direction" });
      const remove = button("tl-chip-x", "×", () => setTraits(model, { sort: get(model, "sort").filter((_, j) => j !== i) }), { "aria-label": `stop sorting by ${column}` });
      chip.append(flip, remove);
      chips.append(chip);
    });
    const choices = columnChoices(seenColumns, true);
    setOptions(select, [{ options: [{ value: "", text: sort.length ? "+ then by…" : "none" }, ...choices.map((c) => ({ value: c, text: c }))] }], "");
  }

  const off = onChange(model, ["sort", "schema"], draw);
  draw();
  return {
    el: root,
    errorSlot,
    /** Redraw the choices (the columns seen changed). */
    draw,
    cleanup() {
      off();
      root.remove();
    },
  };
}
