// @ts-check
// Class colors that never change: a fixed palette indexed by class id, overridden per class by a `color` in the
// image's class set (tl.Classes([{"id": 1, "name": "car", "color": "#ff0000"}])). The color depends only on
// (id, that override), so a class looks the same in every row, layer, version, session and view.
// Ids missing from a non-empty class set are drawn grey and named "class N". Pure: no DOM.

/** 20 colors that are told apart on photos and on both themes (after Sasha Trubetskoy's list, grey removed). */
export const PALETTE = Object.freeze([
  "#e6194b",
  "#3cb44b",
  "#ffe119",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#bfef45",
  "#fabed4",
  "#469990",
  "#dcbeff",
  "#9a6324",
  "#fffac8",
  "#800000",
  "#aaffc3",
  "#808000",
  "#ffd8b1",
  "#000075",
  "#a9a9ff",
]);

/** Color of class ids that are not in the image's class set. */
export const UNKNOWN_COLOR = "#9e9e9e";

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const RGB = /^rgba?\(\s*(\d{1,3}(?:\.\d+)?)\s*[, ]\s*(\d{1,3}(?:\.\d+)?)\s*[, ]\s*(\d{1,3}(?:\.\d+)?)\s*(?:[,/]\s*[\d.]+%?\s*)?\)$/i;

/** @import { ImageClass } from "../types/protocol" */
/** @typedef {[number, number, number]} RGB */

/**
 * [r, g, b] (0..255) of "#rgb", "#rrggbb" (alpha digits ignored), "rgb(r, g, b)" or an [r, g, b] array; else null.
 * @param {unknown} c
 * @returns {RGB | null}
 */
export function parseColor(c) {
  if (Array.isArray(c) && c.length >= 3 && c.slice(0, 3).every((v) => Number.isFinite(v) && v >= 0 && v <= 255)) {
    return /** @type {RGB} */ (c.slice(0, 3).map((v) => Math.round(v)));
  }
  if (typeof c !== "string") return null;
  const s = c.trim();
  const m = HEX.exec(s);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h.slice(0, 3)].map((d) => d + d).join("");
    return /** @type {RGB} */ ([0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)));
  }
  const r = RGB.exec(s);
  if (r) {
    const v = [r[1], r[2], r[3]].map(Number);
    return v.every((x) => x <= 255) ? /** @type {RGB} */ (v.map((x) => Math.round(x))) : null;
  }
  return null;
}

/**
 * "#rrggbb" of [r, g, b].
 * @param {RGB} rgb
 */
export function toHex(rgb) {
  return `#${rgb.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Palette color of a class id: PALETTE[id mod 20] for integer ids >= 0, grey otherwise.
 * @param {unknown} id
 * @returns {string}
 */
export function paletteColor(id) {
  return typeof id === "number" && Number.isInteger(id) && id >= 0 ? PALETTE[id % PALETTE.length] : UNKNOWN_COLOR;
}

/**
 * Black or white, whichever reads better on `rgb` (for label text on a class-colored background).
 * @param {RGB} rgb
 */
export function textColorOn(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.4 ? "#000000" : "#ffffff";
}

/**
 * @typedef {object} ClassEntry
 * @property {number | string} id
 * @property {string} name
 * @property {string} color "#rrggbb"
 * @property {RGB} rgb
 * @property {string} text black or white: label text on the color
 * @property {boolean} known whether the class set has it
 */

/**
 * @param {number | string} id
 * @param {string} name
 * @param {string} hex
 * @param {boolean} known
 * @returns {ClassEntry}
 */
function entry(id, name, hex, known) {
  const rgb = parseColor(hex) || /** @type {RGB} */ ([158, 158, 158]);
  return Object.freeze({ id, name, color: toHex(rgb), rgb, text: textColorOn(rgb), known });
}

/**
 * @param {unknown} v
 * @returns {number | null}
 */
function toId(v) {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : null;
}

/**
 * @typedef {object} ClassSet
 * @property {number[]} ids the ids of the class set
 * @property {boolean} empty no class set at all
 * @property {string} signature identifies the colors (cache key of colored masks)
 * @property {(id: unknown) => boolean} has
 * @property {(id: unknown) => ClassEntry} get
 */

/** @type {WeakMap<object, ClassSet>} */
const cache = new WeakMap();

/**
 * The class set of an image as a lookup: get(id) -> {id, name, color "#rrggbb", rgb, text, known}.
 * `classes` is the $image's [{id, name, color?}] (anything else counts as no class set). With no class set at
 * all, ids keep their palette colors (there is nothing to be "not in"); with one, unknown ids are grey.
 * Memoized per array, and `signature` identifies the colors for caches of colored masks.
 * @param {ImageClass[] | null | undefined} classes
 * @returns {ClassSet}
 */
export function classSet(classes) {
  const list = Array.isArray(classes) ? classes : [];
  const hit = Array.isArray(classes) ? cache.get(classes) : undefined;
  if (hit) return hit;
  /** @type {Map<number, ClassEntry>} */
  const known = new Map();
  for (const c of list) {
    if (!c || typeof c !== "object") continue;
    const id = toId(c.id);
    if (id === null || known.has(id)) continue;
    const custom = parseColor(c.color);
    const name = c.name == null || c.name === "" ? `class ${id}` : String(c.name);
    known.set(id, entry(id, name, custom ? toHex(custom) : paletteColor(id), true));
  }
  /** @type {Map<number | string, ClassEntry>} */
  const unknown = new Map();
  const empty = known.size === 0;
  /** @type {ClassSet} */
  const set = {
    ids: [...known.keys()],
    empty,
    signature: [...known.values()].map((e) => `${e.id}:${e.color}`).join(",") || "-",
    has: (id) => {
      const n = toId(id);
      return n !== null && known.has(n);
    },
    get(id) {
      const n = toId(id);
      const found = n === null ? undefined : known.get(n);
      if (found) return found;
      const k = n === null ? String(id) : n;
      let e = unknown.get(k);
      if (!e) unknown.set(k, (e = entry(n ?? k, `class ${k}`, empty && n !== null ? paletteColor(n) : UNKNOWN_COLOR, false)));
      return e;
    },
  };
  if (Array.isArray(classes)) cache.set(classes, set);
  return set;
}
