// The hover card of a box (class, layer, caption, scores): one element per document, positioned at the pointer,
// filled with text nodes only.

import { el } from "./dom.js";

let tip = null;

function element() {
  if (!tip || !tip.isConnected) {
    tip = el("div", { className: "tl-media-tooltip", dataset: { role: "box-tooltip" }, attrs: { role: "tooltip" } });
    tip.hidden = true;
    document.body.append(tip);
  }
  return tip;
}

/** Show `lines` ([{text, strong?}]) near client point (x, y). */
export function showTooltip(lines, x, y) {
  const t = element();
  t.replaceChildren(...lines.map((l) => el("div", { className: l.strong ? "tl-media-tooltip-title" : "", text: l.text })));
  t.hidden = false;
  const pad = 12;
  const w = t.offsetWidth;
  const h = t.offsetHeight;
  const vw = globalThis.innerWidth || 1e6;
  const vh = globalThis.innerHeight || 1e6;
  t.style.left = `${Math.max(0, x + pad + w > vw ? x - pad - w : x + pad)}px`;
  t.style.top = `${Math.max(0, y + pad + h > vh ? y - pad - h : y + pad)}px`;
}

export function hideTooltip() {
  if (tip) tip.hidden = true;
}

/** Text lines describing a drawn box. */
export function boxLines(hit) {
  const { box, cls, layer, side } = hit;
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
