// @ts-check
// The Compare control: a <select> of the artifact's other versions (option values are the version specs the
// `compare` trait takes, "" = compare nothing).

import { el, setOptions } from "../dom.js";
import { get, onChange, setTraits, versionSpec } from "../state.js";

/** @import { Model } from "../types/protocol" */
/** @import { OptionSpec } from "../dom.js" */

/**
 * @param {{model: Model}} ctx
 */
export function createCompareControl({ model }) {
  const root = el("div", "tl-control tl-compare");
  const label = el("span", "tl-control-label", "Compare");
  const select = el("select", "tl-select", null, { "data-role": "compare", "aria-label": "compare with" });
  const errorSlot = el("div", "tl-error-slot");
  root.append(label, select, errorSlot);
  select.addEventListener("change", () => setTraits(model, { compare: select.value }));

  function draw() {
    const versions = get(model, "versions");
    const sourceLabel = get(model, "source_label");
    const current = get(model, "compare");
    /** @type {OptionSpec[]} */
    const options = [{ value: "", text: "nothing" }];
    for (const v of versions) {
      if (v.current) continue;
      const spec = versionSpec(v, sourceLabel);
      const aliases = (v.aliases || []).filter((a) => a !== v.version);
      options.push({ value: spec, text: String(v.version), title: aliases.length ? aliases.join(", ") : undefined });
    }
    if (current && !options.some((o) => o.value === current)) options.push({ value: current, text: current });
    setOptions(select, [{ options }], current);
    select.disabled = options.length <= 1;
    root.classList.toggle("tl-active", !!current);
  }

  const off = onChange(model, ["compare", "versions", "source_label"], draw);
  draw();
  return {
    el: root,
    errorSlot,
    cleanup() {
      off();
      root.remove();
    },
  };
}
