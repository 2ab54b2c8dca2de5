// @ts-check
// Drawing one image's overlays on a transparent canvas that covers the displayed image exactly: masks first
// (colored by class, scaled crisply from their own resolution, at the chosen opacity), then boxes (stroked
// inside their rectangle in the class color, solid for A and dashed for B in compare mode), then labels where
// there is room. Returns what it drew so the caller can hit-test hovers and explain what it could not draw.

import { displayRect, labelRect } from "./geometry.js";
import { coloredMask, isMask, maskNotes } from "./masks.js";
import { boxVisible, hiddenSignature, isLayerHidden } from "./overlay-state.js";
import { classSet } from "./palette.js";
import { isTruthLayer, statusStyle } from "./status.js";

/**
 * @import { Box, ImageValue, Side } from "../types/protocol"
 * @import { MaskValue } from "../types/frontend"
 * @import { Rect } from "./geometry.js"
 * @import { OverlayView } from "./overlay-state.js"
 * @import { ClassEntry } from "./palette.js"
 */

/**
 * An image whose overlays are drawn, with its masks (as they arrive) and its native size.
 * @typedef {object} OverlaySource
 * @property {ImageValue | null} image
 * @property {Map<string, MaskValue>} masks layer -> mask
 * @property {Side | null} side
 * @property {boolean} dashed
 * @property {{width: number, height: number} | null} dims
 */

/**
 * A drawn box, for hit testing hovers.
 * @typedef {Rect & {clipped?: boolean, box: Box, cls: ClassEntry, layer: string, side: Side | null}} Hit
 */

/** @typedef {CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D} Context2D */

const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
/** @type {Map<string, number>} `${font}|${text}` -> measured width */
const widths = new Map();

/**
 * @param {Context2D} g
 * @param {string} font
 * @param {string} text
 */
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

/**
 * Label text of a box: class name and, when it has scores, the first one.
 * @param {ClassEntry} cls
 * @param {Box} box
 * @param {string} [prefix] the status label in the status mode
 */
function labelText(cls, box, prefix = "") {
  let text = prefix ? `${prefix} ${cls.name}` : cls.name;
  if (box.scores && typeof box.scores === "object") {
    const first = Object.values(box.scores).find((v) => typeof v === "number" && Number.isFinite(v));
    if (typeof first === "number") text += ` ${first.toFixed(2)}`;
  }
  return text;
}

/**
 * Draw overlays of `sources` on `g` (a 2d context of a cw x ch canvas showing the whole image).
 * @param {Context2D} g
 * @param {number} cw
 * @param {number} ch
 * @param {(OverlaySource & {dims: {width: number, height: number}})[]} sources dims = the image's native size
 * @param {OverlayView} view readOverlay() of the overlay trait
 * @param {{dpr?: number, labels?: boolean}} [opts]
 * @returns {{hits: Hit[], boxes: number, masks: number, notes: string[]}}
 */
export function drawOverlays(g, cw, ch, sources, view, { dpr = 1, labels = true } = {}) {
  g.clearRect(0, 0, cw, ch);
  /** @type {Hit[]} */
  const hits = [];
  /** @type {string[]} */
  const notes = [];
  /** @type {{r: Rect, cls: {color: string, text: string}, text: string}[]} */
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
        if (m && "error" in m) {
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
      /** @type {Set<number | string>} */
      const unknown = new Set();
      g.save();
      g.lineWidth = lw;
      const byStatus = view.colorBy === "status";
      const baseDash = src.dashed ? [Math.round(5 * dpr), Math.round(3 * dpr)] : [];
      for (const [layer, list] of Object.entries(image.boxes)) {
        if (!Array.isArray(list) || isLayerHidden(view, layer)) continue;
        const truth = byStatus && isTruthLayer(view, layer, list);
        for (const box of list) {
          if (!box || typeof box !== "object" || !boxVisible(view, layer, box)) continue;
          const style = byStatus ? statusStyle(box, truth) : null;
          if (byStatus && !style) continue; // matched ground truth (drawn as its prediction), ignored, below threshold
          const r = displayRect(box, W, H, cw, ch);
          if (r.invalid) {
            invalid++;
            continue;
          }
          if (r.outside) {
            outside++;
            continue;
          }
          const rect = /** @type {Rect & {clipped: boolean}} */ (r);
          const cls = classes.get(box.class_id);
          if (!cls.known && !classes.empty) unknown.add(cls.id);
          const color = style ? style.color : cls.color;
          g.strokeStyle = color;
          g.setLineDash(style ? (style.dash.length ? style.dash.map((d) => Math.round(d * dpr)) : baseDash) : baseDash);
          const w = rect.x1 - rect.x0;
          const h = rect.y1 - rect.y0;
          if (w > 2 * lw && h > 2 * lw) {
            g.strokeRect(rect.x0 + lw / 2, rect.y0 + lw / 2, w - lw, h - lw); // the stroke stays inside the box
          } else {
            g.fillStyle = color;
            g.fillRect(rect.x0, rect.y0, w, h);
          }
          hits.push({ ...rect, box, cls, layer, side: src.side ?? null });
          if (labels) {
            const colors = style ? { color: style.color, text: style.text } : cls;
            pendingLabels.push({ r: rect, cls: colors, text: tag + labelText(cls, box, style ? style.label : "") });
          }
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
      const at = labelRect(r, tw, textH, cw);
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
