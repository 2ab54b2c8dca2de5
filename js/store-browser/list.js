// @ts-check
// The artifacts of the store, grouped by type: each with its version count, aliases, logical and stored sizes and
// last update; its versions listed under it. A click selects an artifact or a version.
//
// data-role="artifact-list"; inside: "type-group" (data-type), "artifact" (data-name; its header's click selects
// "artifact:<name>"), "version" (data-spec = "name:v3"; aria-selected when selected).

import { el } from "../dom.js";
import { formatSize, formatTime } from "./format.js";

/** @import { Overview } from "../types/store" */

/**
 * @param {{onSelect: (key: string) => void}} opts
 */
export function createList({ onSelect }) {
  const root = el("div", "tl-store-list", null, { "data-role": "artifact-list" });
  /** @param {MouseEvent} ev */
  const click = (ev) => {
    const target = /** @type {HTMLElement | null} */ (ev.target);
    const item = target?.closest("[data-key]");
    const key = item?.getAttribute("data-key");
    if (key) onSelect(key);
  };
  root.addEventListener("click", click);

  /**
   * @param {Overview} overview
   * @param {string} selected
   */
  function update(overview, selected) {
    const arts = overview.artifacts || [];
    root.replaceChildren();
    if (!arts.length) {
      root.append(el("div", "tl-store-empty", "This store holds no artifacts yet."));
      return;
    }
    const types = [...new Set(arts.map((a) => a.type))].sort();
    for (const type of types) {
      const group = el("section", "tl-store-group", null, { "data-role": "type-group", "data-type": type });
      const mine = arts.filter((a) => a.type === type);
      group.append(el("h4", "tl-store-group-title", `${type} (${mine.length})`));
      for (const a of mine) {
        const box = el("div", "tl-store-artifact", null, { "data-role": "artifact", "data-name": a.name });
        const head = el("div", "tl-store-artifact-head", null, { "data-key": `artifact:${a.name}`,
          "aria-selected": selected === `artifact:${a.name}` ? "true" : "false" });
        head.append(
          el("span", "tl-store-name", a.name),
          el("span", "tl-store-count", `${a.count} version${a.count === 1 ? "" : "s"}`),
          el("span", "tl-store-size", `${formatSize(a.size)} · ${formatSize(a.stored)} stored`,
            { title: "logical size (every file of every version) · stored size (each distinct file once)" }),
          el("span", "tl-store-time", formatTime(a.updated_at)),
        );
        box.append(head);
        const list = el("div", "tl-store-versions");
        for (const v of [...a.versions].reverse()) {
          const spec = `${a.name}:${v.version}`;
          const row = el("div", "tl-store-version", null, { "data-role": "version", "data-spec": spec, "data-key": spec,
            "aria-selected": selected === spec ? "true" : "false" });
          row.append(el("span", "tl-store-vname", v.version));
          for (const alias of v.aliases) row.append(el("span", "tl-chip", alias, { "data-alias": alias }));
          row.append(
            el("span", "tl-store-desc", v.error ? `cannot be read: ${v.error}` : v.description || ""),
            el("span", "tl-store-size", formatSize(v.size)),
            el("span", "tl-store-time", formatTime(v.created_at)),
          );
          list.append(row);
        }
        box.append(list);
        group.append(box);
      }
      root.append(group);
    }
  }

  return {
    el: root,
    update,
    cleanup() {
      root.removeEventListener("click", click);
      root.remove();
    },
  };
}
