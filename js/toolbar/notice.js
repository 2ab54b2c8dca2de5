// @ts-check
// The notice line under the toolbar (data-role="notice", data-level="info"|"warning"): what the last view, edit,
// export or subset action reported — a view applied to a version that lacks some of its columns, a commit's new
// version. Dismissed with its × (which clears the `notice` trait).

import { button, el } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";

/** @import { Model } from "../types/protocol" */

/**
 * @param {{model: Model}} ctx
 */
export function createNotice({ model }) {
  const root = el("div", "tl-notice-slot");

  function draw() {
    root.replaceChildren();
    const notice = get(model, "notice");
    if (!notice || !notice.message) return;
    const level = notice.level === "warning" ? "warning" : "info";
    const box = el("div", `tl-notice tl-notice-${level}`, null, { "data-role": "notice", "data-level": level, role: level === "warning" ? "alert" : "status" });
    box.append(
      el("span", "tl-notice-text", notice.message),
      button("tl-icon-button tl-notice-close", "×", () => setTraits(model, { notice: {} }), { "aria-label": "dismiss", title: "dismiss" }),
    );
    root.append(box);
  }

  const off = onChange(model, ["notice"], draw);
  draw();
  return {
    el: root,
    cleanup() {
      off();
      root.remove();
    },
  };
}
