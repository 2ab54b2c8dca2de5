// @ts-check
// The Group by control: a <select> for the first key (the columns that can be grouped, and nested paths seen in
// dict cells), chips for further keys, and a "+ path" input that adds a column or a `$col.a.b` path.

import { button, el, setOptions } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";
import { columnChoices } from "./choices.js";

/** @import { Model } from "../types/protocol" */
/** @import { SeenColumns } from "../types/frontend" */

/**
 * @param {{model: Model, seenColumns: SeenColumns, suggestPaths: () => string[]}} ctx
 */
export function createGroupBy({ model, seenColumns, suggestPaths }) {
  const root = el("div", "tl-control tl-group");
  const label = el("label", "tl-control-label", "Group by");
  const select = el("select", "tl-select", null, { "data-role": "group-by", "aria-label": "group by" });
  const chips = el("span", "tl-chips");
  const path = el("input", "tl-path-input", null, {
    type: "text",
    placeholder: "+ path",
    title: "add a group key: a column or a nested path such as $meta.source (Enter)",
    "aria-label": "add a group key",
  });
  const errorSlot = el("div", "tl-error-slot");
  root.append(label, select, chips, path, errorSlot);

  select.addEventListener("change", () => {
    const value = select.value;
    const rest = get(model, "group_by").slice(1).filter((k) => k !== value);
    setTraits(model, { group_by: value ? [value, ...rest] : [] });
  });
  path.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const value = path.value.trim();
    if (!value) return;
    const keys = get(model, "group_by").filter((k) => k !== value);
    setTraits(model, { group_by: [...keys, value] });
    path.value = "";
  });

  function draw() {
    const keys = get(model, "group_by");
    const choices = columnChoices(seenColumns, true);
    const paths = suggestPaths().filter((p) => !choices.includes(p));
    const first = keys[0] || "";
    const groups = [
      { options: [{ value: "", text: "none" }, ...choices.map((c) => ({ value: c, text: c }))] },
      { label: "nested", options: paths.map((p) => ({ value: p, text: p })) },
    ];
    if (first && !choices.includes(first) && !paths.includes(first)) groups[0].options.push({ value: first, text: first });
    setOptions(select, groups, first);
    chips.replaceChildren();
    for (const k of keys.slice(1)) {
      const chip = el("span", "tl-chip", null, { "data-key": k });
      chip.append(el("span", "tl-muted", "then "), el("span", null, k));
      chip.append(button("tl-chip-x", "×", () => setTraits(model, { group_by: get(model, "group_by").filter((x) => x !== k) }), { "aria-label": `stop grouping by ${k}` }));
      chips.append(chip);
    }
  }

  const off = onChange(model, ["group_by", "schema"], draw);
  draw();
  return {
    el: root,
    errorSlot,
    /** Redraw the choices (the columns seen, or the nested paths in the rows on screen, changed). */
    draw,
    cleanup() {
      off();
      root.remove();
    },
  };
}
