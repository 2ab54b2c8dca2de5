// @ts-check
// Pending cell edits (data-role="edits", shown while the `pending_edits` trait is above 0): how many there are,
// Undo (the last edit), Discard (all) and Commit, which logs them as a new version of the artifact (the kernel
// then shows that version). Buttons carry data-action="undo-edit" | "discard-edits" | "commit-edits".

import { button, el } from "../dom.js";
import { isStale } from "../protocol.js";
import { get, onChange } from "../state.js";

/** @import { Model } from "../types/protocol" */
/** @import { Actions } from "../actions.js" */

/**
 * @param {{model: Model, actions: Actions}} ctx
 */
export function createEditsBar({ model, actions }) {
  const root = el("div", "tl-edits", null, { "data-role": "edits", role: "group", "aria-label": "pending edits" });
  const count = el("span", "tl-edits-count");
  const message = el("input", "tl-input tl-edits-message", null, { type: "text", placeholder: "what changed (optional)", "data-field": "commit-description", "aria-label": "commit description" });
  message.addEventListener("keydown", (ev) => ev.stopPropagation());
  const undo = button("tl-button", "Undo", () => run(undo, () => actions.undoEdit()), { "data-action": "undo-edit", title: "take back the last edit" });
  const discard = button("tl-button", "Discard", () => run(discard, () => actions.discardEdits()), { "data-action": "discard-edits", title: "drop every pending edit" });
  const commit = button("tl-button tl-primary", "Commit", () => run(commit, () => actions.commitEdits(message.value.trim()).then((a) => {
    message.value = "";
    actions.notify(`Committed the edits as ${a.spec}`);
  })), { "data-action": "commit-edits", title: "log the edits as a new version" });
  root.append(count, message, undo, discard, commit);

  /**
   * @param {HTMLButtonElement} btn
   * @param {() => Promise<unknown>} fn
   */
  async function run(btn, fn) {
    btn.disabled = true;
    try {
      await fn();
    } catch (err) {
      if (!isStale(err)) actions.notify(err instanceof Error ? err.message : String(err), "warning");
    } finally {
      btn.disabled = false;
    }
  }

  function draw() {
    const n = get(model, "pending_edits");
    root.hidden = !(n > 0);
    root.dataset.count = String(n);
    count.textContent = `${n} pending edit${n === 1 ? "" : "s"}`;
  }

  const off = onChange(model, ["pending_edits"], draw);
  draw();
  return {
    el: root,
    cleanup() {
      off();
      root.remove();
    },
  };
}
