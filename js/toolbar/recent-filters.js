// @ts-check
// The recent filters menu: the kernel's `recent_filters` (last good filters, newest first) as a drop-down;
// one click applies one.

import { button, el, popover } from "../dom.js";
import { get, onChange } from "../state.js";

/** @import { Model } from "../types/protocol" */

/**
 * @param {{model: Model, apply: (filter: string) => void}} ctx
 */
export function createRecentFilters({ model, apply }) {
  const root = el("div", "tl-recent", null, { "data-role": "recent-filters" });
  const trigger = button("tl-button tl-recent-button", "Recent ▾", null, { title: "recent filters" });
  const list = el("ul", "tl-menu tl-recent-list", null, { role: "menu" });
  root.append(trigger, list);
  const pop = popover(trigger, list);

  function draw() {
    const filters = get(model, "recent_filters");
    list.replaceChildren();
    trigger.disabled = filters.length === 0;
    for (const f of filters) {
      const li = el("li", null, null, { role: "none" });
      const item = button("tl-menu-item tl-recent-item", f, () => {
        pop.close();
        apply(f);
      }, { role: "menuitem", title: f, "data-filter": f });
      li.append(item);
      list.append(li);
    }
  }

  const off = onChange(model, ["recent_filters"], draw);
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
