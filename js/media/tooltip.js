// @ts-check
// The hover card of a box (class, layer, caption, scores): one element per widget, inside its root (host.js),
// shown in the top layer at the pointer (fixed to the viewport) and filled with text nodes only.

import { el } from "./dom.js";
import { hideFromTop, mountOverlay, showOnTop } from "./host.js";

/** @import { Hit } from "./overlay.js" */

/** @type {WeakMap<HTMLElement, HTMLElement>} host -> its hover card */
const tips = new WeakMap();
/** @type {HTMLElement | null} the card on show (one pointer: one card) */
let shown = null;

/**
 * The hover card of `host` (made on first use).
 * @param {HTMLElement} host
 */
function tipIn(host) {
  let tip = tips.get(host);
  if (!tip || !tip.isConnected) {
    tip = el("div", { className: "tl-media-tooltip", dataset: { role: "box-tooltip" }, attrs: { role: "tooltip", popover: "manual" } });
    tip.hidden = true;
    mountOverlay(tip, host);
    tips.set(host, tip);
  }
  return tip;
}

/**
 * Show `lines` ([{text, strong?}]) near client point (x, y), in `host`.
 * @param {HTMLElement} host
 * @param {{text: string, strong?: boolean}[]} lines
 * @param {number} x
 * @param {number} y
 */
export function showTooltip(host, lines, x, y) {
  const t = tipIn(host);
  if (shown && shown !== t) hideFromTop(shown);
  t.replaceChildren(...lines.map((l) => el("div", { className: l.strong ? "tl-media-tooltip-title" : "", text: l.text })));
  showOnTop(t);
  shown = t;
  const pad = 12;
  const w = t.offsetWidth;
  const h = t.offsetHeight;
  const vw = globalThis.innerWidth || 1e6;
  const vh = globalThis.innerHeight || 1e6;
  t.style.left = `${Math.max(0, x + pad + w > vw ? x - pad - w : x + pad)}px`;
  t.style.top = `${Math.max(0, y + pad + h > vh ? y - pad - h : y + pad)}px`;
}

/** Hide the hover card. */
export function hideTooltip() {
  if (shown) hideFromTop(shown);
  shown = null;
}

/**
 * Text lines describing a drawn box.
 * @param {Hit} hit
 * @returns {{text: string, strong?: boolean}[]}
 */
export function boxLines(hit) {
  const { box, cls, layer, side } = hit;
  /** @type {{text: string, strong?: boolean}[]} */
  const lines = [{ text: cls.known ? cls.name : `${cls.name} (not in the class set)`, strong: true }];
  lines.push({ text: `layer: ${layer}${side === 0 ? " · A" : side === 1 ? " · B" : ""}` });
  if (box.box_caption != null && box.box_caption !== "") lines.push({ text: String(box.box_caption) });
  if (box.scores && typeof box.scores === "object") {
    for (const [k, v] of Object.entries(box.scores)) {
      if (v == null) continue;
      lines.push({ text: `${k}: ${typeof v === "number" ? Number(v.toFixed(4)) : v}` });
    }
  }
  if (hit.clipped) lines.push({ text: "clipped at the image edge" });
  return lines;
}
