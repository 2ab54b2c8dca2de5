// @ts-check
// The column visibility menu: a checkbox per column (data-column) writing the `hidden_columns` trait, and
// "show all".

import { button, el, popover } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";

/** @import { Model } from "../types/protocol" */
/** @import { SeenColumns } from "../types/frontend" */

/**
 * @param {{model: Model, seenColumns: SeenColumns}} ctx
 */
export function createColumnsMenu({ model, seenColumns }) {
  const root = el("div", "tl-columns", null, { "data-role": "columns" });
  const trigger = button("tl-button", "Columns ▾", null, { title: "show or hide columns" });
  const panel = el("div", "tl-menu tl-columns-panel");
  root.append(trigger, panel);
  const pop = popover(trigger, panel, { onOpen: () => draw() });

  function draw() {
    const hidden = new Set(get(model, "hidden_columns"));
    const names = [...new Set([...get(model, "schema").map((c) => c.name), ...seenColumns.keys(), ...hidden])];
    panel.replaceChildren();
    const actions = el("div", "tl-columns-actions");
    actions.append(button("tl-link", "show all", () => setTraits(model, { hidden_columns: [] })));
    panel.append(actions);
    for (const name of names) {
      const label = el("label", "tl-check");
      const box = el("input", null, null, { type: "checkbox", "data-column": name });
      box.checked = !hidden.has(name);
      box.addEventListener("change", () => {
        const now = new Set(get(model, "hidden_columns"));
        if (box.checked) now.delete(name);
        else now.add(name);
        setTraits(model, { hidden_columns: [...now] });
      });
      label.append(box, el("span", null, name));
      panel.append(label);
    }
    const n = hidden.size;
    trigger.textContent = n ? `Columns (${n} hidden) ▾` : "Columns ▾";
  }

  const off = onChange(model, ["schema", "hidden_columns"], draw);
  draw();
  return {
    el: root,
    cleanup() {
      off();
      pop.cleanup();
      root.remove();
    },
  };
}
