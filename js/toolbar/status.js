// @ts-check
// What the toolbar says about the result: a busy indicator while a query runs (data-role="busy"), the source
// label, and the row count (data-role="row-count", the number also in data-count). Its element does not box them
// (display: contents): they sit in the toolbar's row as its own items.

import { rowCountText } from "../cells.js";
import { el } from "../dom.js";
import { get, onChange } from "../state.js";

/** @import { Model } from "../types/protocol" */

/**
 * @param {{model: Model}} ctx
 */
export function createStatus({ model }) {
  const root = el("span", "tl-status");
  const busySlot = el("span", "tl-busy-slot");
  const sourceLabel = el("span", "tl-source-label");
  const rowCount = el("span", "tl-row-count", null, { "data-role": "row-count", "aria-live": "polite" });

  /** @type {HTMLElement | null} */
  let busyNode = null;
  function drawBusy() {
    const busy = !!get(model, "busy");
    if (busy && !busyNode) {
      busyNode = el("span", "tl-busy", null, { "data-role": "busy", role: "status", "aria-label": "running" });
      busyNode.append(el("span", "tl-spinner"), el("span", "tl-busy-text", "running…"));
      busySlot.append(busyNode);
    } else if (!busy && busyNode) {
      busyNode.remove();
      busyNode = null;
    }
  }

  function drawSource() {
    const label = get(model, "source_label");
    sourceLabel.textContent = label;
    sourceLabel.title = label;
    sourceLabel.hidden = !label;
  }

  function drawCount() {
    const n = get(model, "num_rows");
    rowCount.textContent = rowCountText(n, get(model, "total_rows"), get(model, "mode"));
    rowCount.dataset.count = String(n);
  }

  const offs = [
    onChange(model, ["num_rows", "total_rows", "mode"], drawCount),
    onChange(model, ["busy"], drawBusy),
    onChange(model, ["source_label"], drawSource),
  ];
  root.append(busySlot, sourceLabel, rowCount);
  drawCount();
  drawSource();
  drawBusy();
  return {
    el: root,
    cleanup() {
      for (const off of offs) off();
      root.remove();
    },
  };
}
