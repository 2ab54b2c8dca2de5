// @ts-check
// Segmentation masks colored by class. A mask (pixel value = class id) is turned into RGBA once per
// (mask, class colors, hidden classes) through a lookup table and kept as a canvas at the mask's own
// resolution; drawing it is then one scaled drawImage with smoothing off (crisp class boundaries), and opacity is
// applied at draw time, so dragging the opacity slider recolors nothing. Toggling a class recolors each mask
// once (a table lookup per pixel) and toggling it back is a cache hit.

import { maskSizeDiffers } from "./geometry.js";

/**
 * @import { DecodedMask } from "../types/frontend"
 * @import { ClassSet } from "./palette.js"
 */
/** @typedef {Uint8Array | Uint8ClampedArray | Uint16Array} MaskData */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * One RGBA pixel packed for a Uint32Array view of ImageData (platform byte order).
 * @param {number} r
 * @param {number} g
 * @param {number} b
 * @param {number} [a]
 */
export function packRGBA(r, g, b, a = 255) {
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/** @type {WeakMap<MaskData, {maxId: number, ids: number[]}>} */
const stats = new WeakMap();

/**
 * {maxId, ids} of a mask's data: the largest value and the sorted values present (for the legend).
 * Memoized per data array.
 * @param {MaskData} data
 * @returns {{maxId: number, ids: number[]}}
 */
export function maskStats(data) {
  const hit = stats.get(data);
  if (hit) return hit;
  const bins = new Uint32Array(data instanceof Uint8Array || data instanceof Uint8ClampedArray ? 256 : 65536);
  for (let i = 0; i < data.length; i++) bins[data[i]]++;
  const ids = [];
  for (let v = 0; v < bins.length; v++) if (bins[v]) ids.push(v);
  const out = { maxId: ids.length ? ids[ids.length - 1] : 0, ids };
  stats.set(data, out);
  return out;
}

/**
 * Lookup table id -> packed RGBA (opaque class color), length `size`. Transparent: hidden ids, and id 0 when it is
 * not in the class set (0 is the "no class"/background of most masks unless the class set names it).
 * @param {ClassSet} classes
 * @param {ReadonlySet<number> | null | undefined} hidden
 * @param {number} size
 */
export function buildLut(classes, hidden, size) {
  const lut = new Uint32Array(Math.max(1, size));
  for (let id = 0; id < lut.length; id++) {
    if (hidden && hidden.has(id)) continue;
    if (id === 0 && !classes.has(0)) continue;
    const [r, g, b] = classes.get(id).rgb;
    lut[id] = packRGBA(r, g, b, 255);
  }
  return lut;
}

/**
 * RGBA bytes of `data` (class ids) through `lut`; ids beyond the table are transparent.
 * @param {MaskData} data
 * @param {Uint32Array} lut
 * @param {Uint8ClampedArray<ArrayBuffer>} [out]
 */
export function colorize(data, lut, out = new Uint8ClampedArray(data.length * 4)) {
  const px = new Uint32Array(out.buffer, out.byteOffset, data.length);
  const n = lut.length;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    px[i] = v < n ? lut[v] : 0;
  }
  return out;
}

/** @type {WeakMap<MaskData, Map<string, DecodedMask>>} data -> "wxh" -> mask */
const samples = new WeakMap();

/**
 * The mask resampled to w x h by nearest neighbour at pixel centres (what an unsmoothed drawImage picks), so a
 * thumbnail recolors only the pixels it shows: a 640x480 mask on a 96 px thumbnail is 7k pixels, not 300k.
 * Memoized per data array and size.
 * @param {DecodedMask} mask
 * @param {number} w
 * @param {number} h
 * @returns {DecodedMask}
 */
export function sampleMask(mask, w, h) {
  if (mask.width === w && mask.height === h) return mask;
  let bySize = samples.get(mask.data);
  if (!bySize) {
    bySize = new Map();
    samples.set(mask.data, bySize);
  }
  const k = `${w}x${h}`;
  let out = bySize.get(k);
  if (out) return out;
  const src = mask.data;
  const data = new (src.constructor === Uint16Array ? Uint16Array : Uint8Array)(w * h);
  const cols = new Uint32Array(w);
  for (let x = 0; x < w; x++) cols[x] = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / w));
  for (let y = 0; y < h; y++) {
    const row = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / h)) * mask.width;
    const o = y * w;
    for (let x = 0; x < w; x++) data[o + x] = src[row + cols[x]];
  }
  out = { width: w, height: h, data };
  bySize.set(k, out);
  return out;
}

/**
 * Whether `m` looks like a decoded mask {width, height, data} whose data fits its size.
 * @param {unknown} m
 * @returns {m is DecodedMask}
 */
export function isMask(m) {
  if (!m || typeof m !== "object") return false;
  const d = /** @type {Partial<DecodedMask>} */ (m);
  return (
    typeof d.width === "number" &&
    typeof d.height === "number" &&
    Number.isInteger(d.width) &&
    Number.isInteger(d.height) &&
    d.width > 0 &&
    d.height > 0 &&
    !!d.data &&
    d.data.length >= d.width * d.height
  );
}

/**
 * Notes a user should read about a mask drawn over an image of imageW x imageH.
 * @param {string} layer
 * @param {unknown} mask
 * @param {number} imageW
 * @param {number} imageH
 * @returns {string[]}
 */
export function maskNotes(layer, mask, imageW, imageH) {
  if (!isMask(mask)) return [`mask "${layer}" could not be read`];
  if (maskSizeDiffers(mask.width, mask.height, imageW, imageH)) {
    return [`mask "${layer}" is ${mask.width}x${mask.height} but the image is ${imageW}x${imageH}: stretched to fit`];
  }
  return [];
}

// ------------------------------------------------------------------ colored canvases (browser only)

const MAX_CACHED_PIXELS = 24 * 1024 * 1024; // ~96 MB of RGBA
/** @typedef {OffscreenCanvas | HTMLCanvasElement} AnyCanvas */
/** @type {Map<string, {canvas: AnyCanvas, pixels: number}>} key -> canvas; insertion order = LRU order */
const colored = new Map();
let cachedPixels = 0;

/**
 * @param {number} w
 * @param {number} h
 * @returns {AnyCanvas}
 */
function newCanvas(w, h) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(w, h);
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  return c;
}

/**
 * A canvas with the mask's visible classes colored (opaque; draw with globalAlpha), at the mask's resolution or,
 * when the mask has more pixels than the canvas it is drawn on (cw x ch), sampled down to exactly that size.
 * `maskKey` identifies the mask; `hiddenSig` is hiddenSignature() of its layer.
 * @param {string} maskKey
 * @param {DecodedMask} fullMask
 * @param {ClassSet} classes
 * @param {ReadonlySet<number> | null | undefined} hidden
 * @param {string} hiddenSig
 * @param {number} [cw]
 * @param {number} [ch]
 * @returns {AnyCanvas}
 */
export function coloredMask(maskKey, fullMask, classes, hidden, hiddenSig, cw = Infinity, ch = Infinity) {
  const mask = fullMask.width * fullMask.height > cw * ch ? sampleMask(fullMask, cw, ch) : fullMask;
  const key = `${maskKey}@${mask.width}x${mask.height}|${classes.signature}|${hiddenSig}`;
  const hit = colored.get(key);
  if (hit) {
    colored.delete(key);
    colored.set(key, hit);
    return hit.canvas;
  }
  const { width, height, data } = mask;
  const n = width * height;
  const lut = buildLut(classes, hidden, maskStats(fullMask.data).maxId + 1);
  const rgba = colorize(data.length === n ? data : data.subarray(0, n), lut);
  const canvas = newCanvas(width, height);
  const g = /** @type {CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null} */ (canvas.getContext("2d"));
  if (g) g.putImageData(new ImageData(rgba, width, height), 0, 0);
  colored.set(key, { canvas, pixels: n });
  cachedPixels += n;
  while (cachedPixels > MAX_CACHED_PIXELS && colored.size > 1) {
    const oldest = colored.entries().next().value;
    if (!oldest) break;
    colored.delete(oldest[0]);
    cachedPixels -= oldest[1].pixels;
  }
  return canvas;
}
