// @ts-check
// Pure geometry of image overlays: where a logged box lands on a canvas. No DOM here, so every rule
// (position formats, domains, scaling, clipping, label room, hit testing) is unit tested in node.
//
// A box arrives as docs/protocol.md describes: {minX, maxX, minY, maxY, domain} where domain "pixel" means image
// pixels and anything else means fractions of the image's width/height. Boxes logged as {middle, width, height}
// (or W&B's nested {position: {...}}) are accepted too, so nothing depends on the kernel having normalised them.

/** @import { Box } from "../types/protocol" */

/** @typedef {{x0: number, y0: number, x1: number, y1: number}} Rect */

/**
 * @param {unknown} v
 * @returns {v is number}
 */
const finite = (v) => typeof v === "number" && Number.isFinite(v);

/**
 * Rectangle of `box` in image pixels: {x0, y0, x1, y1} with x0 <= x1 and y0 <= y1, or null when its
 * coordinates are missing or not finite.
 * @param {Box | null | undefined} box a box of the $image struct
 * @param {number | undefined} imageW the image's width in pixels (native, not the thumbnail's)
 * @param {number | undefined} imageH the image's height in pixels
 * @returns {Rect | null}
 */
export function boxRect(box, imageW, imageH) {
  if (!box || typeof box !== "object") return null;
  const p = box.position && typeof box.position === "object" ? box.position : box;
  let minX;
  let maxX;
  let minY;
  let maxY;
  if (finite(p.minX) && finite(p.maxX) && finite(p.minY) && finite(p.maxY)) {
    ({ minX, maxX, minY, maxY } = /** @type {{minX: number, maxX: number, minY: number, maxY: number}} */ (p));
  } else if (Array.isArray(p.middle) && finite(p.middle[0]) && finite(p.middle[1]) && finite(p.width) && finite(p.height)) {
    minX = p.middle[0] - p.width / 2;
    maxX = p.middle[0] + p.width / 2;
    minY = p.middle[1] - p.height / 2;
    maxY = p.middle[1] + p.height / 2;
  } else {
    return null;
  }
  const domain = box.domain ?? p.domain;
  if (domain !== "pixel") {
    if (!(imageW && imageH && imageW > 0 && imageH > 0)) return null;
    minX *= imageW;
    maxX *= imageW;
    minY *= imageH;
    maxY *= imageH;
  }
  return {
    x0: Math.min(minX, maxX),
    x1: Math.max(minX, maxX),
    y0: Math.min(minY, maxY),
    y1: Math.max(minY, maxY),
  };
}

/**
 * `r` scaled by (sx, sy): image pixels to canvas pixels.
 * @param {Rect} r
 * @param {number} sx
 * @param {number} sy
 * @returns {Rect}
 */
export function scaleRect(r, sx, sy) {
  return { x0: r.x0 * sx, x1: r.x1 * sx, y0: r.y0 * sy, y1: r.y1 * sy };
}

/**
 * `r` clipped to [0, w] x [0, h]. Null when nothing of it is inside; `clipped` tells whether it was cut.
 * @param {Rect} r
 * @param {number} w
 * @param {number} h
 * @returns {(Rect & {clipped: boolean}) | null}
 */
export function clipRect(r, w, h) {
  if (r.x1 <= 0 || r.y1 <= 0 || r.x0 >= w || r.y0 >= h) return null;
  const out = { x0: Math.max(0, r.x0), y0: Math.max(0, r.y0), x1: Math.min(w, r.x1), y1: Math.min(h, r.y1) };
  return { ...out, clipped: out.x0 !== r.x0 || out.y0 !== r.y0 || out.x1 !== r.x1 || out.y1 !== r.y1 };
}

/**
 * Where `box` is drawn on a canvas of canvasW x canvasH that shows the whole image (imageW x imageH):
 * scaled, clipped to the canvas and snapped to whole pixels (at least 1 px wide and high), so the same
 * rectangle logged in the pixel domain and in the relative domain lands on exactly the same pixels.
 * Returns {x0, y0, x1, y1, clipped} or {outside: true} or {invalid: true}.
 * @param {Box} box
 * @param {number} imageW
 * @param {number} imageH
 * @param {number} canvasW
 * @param {number} canvasH
 * @returns {(Rect & {clipped: boolean, outside?: undefined, invalid?: undefined}) | {outside: true, invalid?: undefined} | {invalid: true, outside?: undefined}}
 */
export function displayRect(box, imageW, imageH, canvasW, canvasH) {
  const r = boxRect(box, imageW, imageH);
  if (!r) return { invalid: true };
  if (!(imageW > 0 && imageH > 0)) return { invalid: true };
  const c = clipRect(scaleRect(r, canvasW / imageW, canvasH / imageH), canvasW, canvasH);
  if (!c) return { outside: true };
  const x0 = Math.min(Math.round(c.x0), canvasW - 1);
  const y0 = Math.min(Math.round(c.y0), canvasH - 1);
  return {
    x0,
    y0,
    x1: Math.max(x0 + 1, Math.round(c.x1)),
    y1: Math.max(y0 + 1, Math.round(c.y1)),
    clipped: c.clipped,
  };
}

/**
 * Size (integers >= 1) of a w x h image scaled to fit in maxW x maxH, keeping its aspect (up or down).
 * @param {number} w
 * @param {number} h
 * @param {number} maxW
 * @param {number} [maxH]
 * @returns {{width: number, height: number}}
 */
export function fitWithin(w, h, maxW, maxH = maxW) {
  if (!(w > 0 && h > 0)) return { width: Math.max(1, Math.round(maxW)), height: Math.max(1, Math.round(maxH)) };
  const s = Math.min(maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Thumbnail sizes asked of the kernel: few distinct sizes so its disk cache and ours are shared across views. */
const THUMB_BUCKETS = Object.freeze([32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048]);

/**
 * Longest side, in device pixels, to ask the kernel for: the displayed size times the device pixel ratio,
 * rounded up to a bucket, and never more than the image has (the kernel never upscales).
 * @param {number} displayLongest CSS pixels
 * @param {number} [dpr]
 * @param {number} [nativeLongest]
 */
export function thumbRequestSize(displayLongest, dpr = 1, nativeLongest = Infinity) {
  const need = Math.max(1, Math.ceil(displayLongest * (dpr > 0 ? dpr : 1)));
  const bucket = THUMB_BUCKETS.find((b) => b >= need) ?? need;
  return nativeLongest > 0 && Number.isFinite(nativeLongest) ? Math.min(bucket, Math.ceil(nativeLongest)) : bucket;
}

/**
 * Where a label of textW x textH goes for a drawn rect on a canvas canvasW wide: above the box when there
 * is room, else inside its top edge when the box is at least 1.5 labels tall; null when the box is too narrow
 * for the text (the label is then only shown on hover).
 * @param {Rect} r
 * @param {number} textW
 * @param {number} textH
 * @param {number} canvasW
 * @returns {{x: number, y: number, w: number, h: number} | null}
 */
export function labelRect(r, textW, textH, canvasW) {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  if (w < textW || textW > canvasW) return null;
  const x = Math.max(0, Math.min(r.x0, canvasW - textW));
  if (r.y0 >= textH) return { x, y: r.y0 - textH, w: textW, h: textH };
  if (h >= 1.5 * textH) return { x, y: r.y0, w: textW, h: textH };
  return null;
}

/**
 * Index of the rect under (x, y), preferring the smallest (a box inside another stays reachable);
 * `tol` widens each rect so thin boxes can be hovered. -1 when none.
 * @param {Rect[]} rects
 * @param {number} x
 * @param {number} y
 * @param {number} [tol]
 */
export function hitTest(rects, x, y, tol = 0) {
  let best = -1;
  let bestArea = Infinity;
  for (let i = 0; i < rects.length; i++) {
    const r = rects[i];
    if (x >= r.x0 - tol && x <= r.x1 + tol && y >= r.y0 - tol && y <= r.y1 + tol) {
      const area = (r.x1 - r.x0) * (r.y1 - r.y0);
      if (area < bestArea) {
        best = i;
        bestArea = area;
      }
    }
  }
  return best;
}

/**
 * True when a mask of maskW x maskH does not have the image's size (it is then stretched over the image).
 * @param {number} maskW
 * @param {number} maskH
 * @param {number} imageW
 * @param {number} imageH
 */
export function maskSizeDiffers(maskW, maskH, imageW, imageH) {
  return imageW > 0 && imageH > 0 && (maskW !== imageW || maskH !== imageH);
}
