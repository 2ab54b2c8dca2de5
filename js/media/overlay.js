// Drawing one image's overlays on a transparent canvas that covers the displayed image exactly: masks first
// (colored by class, scaled crisply from their own resolution, at the chosen opacity), then boxes (stroked
// inside their rectangle in the class color, solid for A and dashed for B in compare mode), then labels where
// there is room. Returns what it drew so the caller can hit-test hovers and explain what it could not draw.

import { displayRect, labelRect } from "./geometry.js";
import { coloredMask, isMask, maskNotes } from "./masks.js";
import { boxVisible, hiddenSignature, isLayerHidden } from "./overlay-state.js";
import { classSet } from "./palette.js";

const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const widths = new Map(); // `${font}|${text}` -> measured width

function measure(g, font, text) {
  const k = `${font}|${text}`;
  let w = widths.get(k);
  if (w === undefined) {
    w = g.measureText(text).width;
    if (widths.size > 5000) widths.clear();
    widths.set(k, w);
  }
  return w;
}

/** Label text of a box: class name and, when it has scores, the first one. */
export function labelText(cls, box) {
  let text = cls.name;
  if (box.scores && typeof box.scores === "object") {
    const first = Object.values(box.scores).find((v) => typeof v === "number" && Number.isFinite(v));
    if (first !== undefined) text += ` ${first.toFixed(2)}`;
  }
  return text;
}

/**
 * Draw overlays of `sources` on `g` (a 2d context of a cw x ch canvas showing the whole image).
 * @param sources [{image: $image, masks: Map<layer, mask|{error}>, side: 0|1|null, dashed: boolean,
 *                  dims: {width, height}}]  dims = the image's native size
 * @param view    readOverlay() of the overlay trait
 * @param opts    {dpr, labels}
 * @returns {hits: [{x0,y0,x1,y1, box, cls, layer, side, clipped}], boxes, masks, notes: string[]}
 */
export function drawOverlays(g, cw, ch, sources, view, { dpr = 1, labels = true } = {}) {
  g.clearRect(0, 0, cw, ch);
  const hits = [];
  const notes = [];
  const pendingLabels = [];
  let masksDrawn = 0;
  const lw = Math.max(1, Math.round(2 * dpr));
  const font = `${Math.max(9, Math.round(11 * dpr))}px ${FONT_FAMILY}`;
  const textH = Math.round(15 * dpr);
  const pad = Math.round(3 * dpr);

  for (const src of sources) {
    const image = src.image;
    if (!image) continue;
    const W = src.dims.width;
    const H = src.dims.height;
    const classes = classSet(image.classes);
    const tag = src.side === 1 ? "B: " : src.side === 0 && sources.length > 1 ? "A: " : "";

    // masks
    if (image.masks && typeof image.masks === "object") {
      for (const [layer, maskKey] of Object.entries(image.masks)) {
        if (maskKey == null || isLayerHidden(view, layer)) continue;
        const m = src.masks && src.masks.get(layer);
        if (m === undefined) continue; // not arrived yet
        if (m && m.error) {
          notes.push(`${tag}mask "${layer}" unavailable: ${m.error}`);
          continue;
        }
        notes.push(...maskNotes(layer, m, W, H).map((n) => tag + n));
        if (!isMask(m)) continue;
        const hidden = view.hiddenClasses.get(layer);
        const canvas = coloredMask(String(maskKey), m, classes, hidden, hiddenSignature(view, layer), cw, ch);
        g.save();
        g.globalAlpha = view.maskOpacity;
        g.imageSmoothingEnabled = false;
        g.drawImage(canvas, 0, 0, cw, ch);
        g.restore();
        masksDrawn++;
      }
    }

    // boxes
    if (image.boxes && typeof image.boxes === "object") {
      let outside = 0;
      let invalid = 0;
      const unknown = new Set();
      g.save();
      g.lineWidth = lw;
      g.setLineDash(src.dashed ? [Math.round(5 * dpr), Math.round(3 * dpr)] : []);
      for (const [layer, list] of Object.entries(image.boxes)) {
        if (!Array.isArray(list) || isLayerHidden(view, layer)) continue;
        for (const box of list) {
          if (!box || typeof box !== "object" || !boxVisible(view, layer, box)) continue;
          const r = displayRect(box, W, H, cw, ch);
          if (r.invalid) {
            invalid++;
            continue;
          }
          if (r.outside) {
            outside++;
            continue;
          }
          const cls = classes.get(box.class_id);
          if (!cls.known && !classes.empty) unknown.add(cls.id);
          g.strokeStyle = cls.color;
          const w = r.x1 - r.x0;
          const h = r.y1 - r.y0;
          if (w > 2 * lw && h > 2 * lw) {
            g.strokeRect(r.x0 + lw / 2, r.y0 + lw / 2, w - lw, h - lw); // the stroke stays inside the box
          } else {
            g.fillStyle = cls.color;
            g.fillRect(r.x0, r.y0, w, h);
          }
          hits.push({ ...r, box, cls, layer, side: src.side ?? null });
          if (labels) pendingLabels.push({ r, cls, text: tag + labelText(cls, box) });
        }
      }
      g.restore();
      if (outside) notes.push(`${tag}${outside} box${outside > 1 ? "es" : ""} outside the image (not drawn)`);
      if (invalid) notes.push(`${tag}${invalid} box${invalid > 1 ? "es" : ""} with unreadable coordinates (not drawn)`);
      if (unknown.size) notes.push(`${tag}class ids not in the class set: ${[...unknown].join(", ")} (grey)`);
    }
  }

  if (pendingLabels.length) {
    g.save();
    g.font = font;
    g.textBaseline = "middle";
    for (const { r, cls, text } of pendingLabels) {
      const tw = measure(g, font, text) + 2 * pad;
      const at = labelRect(r, tw, textH, cw, ch);
      if (!at) continue;
      g.fillStyle = cls.color;
      g.fillRect(at.x, at.y, at.w, at.h);
      g.fillStyle = cls.text;
      g.fillText(text, at.x + pad, at.y + at.h / 2);
    }
    g.restore();
  }
  return { hits, boxes: hits.length, masks: masksDrawn, notes };
}
