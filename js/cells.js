// @ts-check
// Cell decoding and formatting: pure functions, no DOM. Cells arrive as JSON (docs/protocol.md "Cells"); the
// tagged objects ($num, $date, $ndarray, $image, $media, $medias, $hist, $counts, $images, $cmp, $absent) are
// recognised only when
// the tag is the object's single key.

/** @import { Cell, CellTag, CountsValue, HistValue, ImageCell, ImageValue, MediasValue, MediaValue, Mode, NdarrayValue } from "./types/protocol" */

/** @type {ReadonlySet<string>} */
const TAGS = new Set(["$num", "$date", "$ndarray", "$image", "$media", "$medias", "$hist", "$counts", "$images", "$cmp", "$absent"]);

/**
 * The tag of a tagged cell ("$num", ...) or null.
 * @param {unknown} value
 * @returns {CellTag | null}
 */
function cellTag(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  return keys.length === 1 && TAGS.has(keys[0]) ? /** @type {CellTag} */ (keys[0]) : null;
}

/**
 * What a cell holds, by type.
 * @typedef {{type: "null", value: null} | {type: "bool", value: boolean} | {type: "number", value: number}
 *   | {type: "str", value: string} | {type: "list", value: Cell[]} | {type: "dict", value: {[key: string]: Cell}}
 *   | {type: "date", value: string} | {type: "ndarray", value: NdarrayValue} | {type: "image", value: ImageValue}
 *   | {type: "media", value: MediaValue} | {type: "medias", value: MediasValue}
 *   | {type: "hist", value: HistValue} | {type: "counts", value: CountsValue}
 *   | {type: "images", value: (ImageCell | ImageValue)[]} | {type: "cmp", value: [Cell, Cell]}
 *   | {type: "absent", value: null}} Decoded
 */

/**
 * What a cell holds: `{type, value}` with type one of null, bool, number, str, list, dict, date, ndarray, image,
 * hist, counts, images, cmp, absent. Numbers from `{$num}` become NaN / ±Infinity.
 * @param {unknown} value a cell (anything: a cell the kernel did not send is `undefined`)
 * @returns {Decoded}
 */
export function decodeCell(value) {
  if (value === null || value === undefined) return { type: "null", value: null };
  if (typeof value === "boolean") return { type: "bool", value };
  if (typeof value === "number") return { type: "number", value };
  if (typeof value === "string") return { type: "str", value };
  if (Array.isArray(value)) return { type: "list", value };
  if (typeof value !== "object") return { type: "str", value: String(value) };
  /** @type {any} a tagged cell: its single key says what it holds */
  const v = value;
  switch (cellTag(value)) {
    case "$num":
      return { type: "number", value: /** @type {number} */ (decodeNumber(value)) };
    case "$date":
      return { type: "date", value: String(v.$date) };
    case "$ndarray":
      return { type: "ndarray", value: v.$ndarray || {} };
    case "$image":
      return { type: "image", value: v.$image || {} };
    case "$media":
      return { type: "media", value: v.$media || { kind: "html", key: null, error: "empty media cell" } };
    case "$medias":
      return { type: "medias", value: v.$medias || { kind: "audio", items: [] } };
    case "$hist":
      return { type: "hist", value: v.$hist || { edges: [], counts: [] } };
    case "$counts":
      return { type: "counts", value: v.$counts || { values: [], counts: [] } };
    case "$images":
      return { type: "images", value: Array.isArray(v.$images) ? v.$images : [] };
    case "$cmp":
      return { type: "cmp", value: Array.isArray(v.$cmp) ? [v.$cmp[0], v.$cmp[1]] : [null, null] };
    case "$absent":
      return { type: "absent", value: null };
    default:
      return { type: "dict", value: /** @type {{[key: string]: Cell}} */ (value) };
  }
}

/**
 * A JS number from a plain number or `{$num: "NaN"|"Infinity"|"-Infinity"}`; null otherwise.
 * @param {unknown} value
 * @returns {number | null}
 */
export function decodeNumber(value) {
  if (typeof value === "number") return value;
  if (value && typeof value === "object" && "$num" in value) {
    const s = String(value.$num);
    if (s === "Infinity" || s === "inf" || s === "+Infinity") return Infinity;
    if (s === "-Infinity" || s === "-inf") return -Infinity;
    if (s === "NaN" || s === "nan") return NaN;
    const n = Number(s);
    return Number.isNaN(n) ? NaN : n;
  }
  return null;
}

/**
 * A number as shown in a cell. Integers as they are; floats with up to 6 significant digits, in exponent form
 * when very large or small; a float column's whole numbers keep a ".0" so they read as floats.
 * @param {number | null | undefined} x
 * @param {string | null} [kind] the column's kind ("float" keeps the ".0")
 */
export function formatNumber(x, kind) {
  if (x === null || x === undefined) return "null";
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) x = 0;
  const abs = Math.abs(x);
  if (Number.isInteger(x) && kind !== "float") {
    return abs < 1e21 ? x.toFixed(0) : trimExponent(x.toExponential(6));
  }
  if (x === 0) return kind === "float" ? "0.0" : "0";
  if (abs >= 1e9 || abs < 1e-4) return trimExponent(x.toExponential(3));
  let text = String(Number(x.toPrecision(6)));
  if (text.includes("e")) text = trimExponent(Number(text).toExponential(3));
  else if (kind === "float" && Number.isInteger(x) && !text.includes(".")) text += ".0";
  return text;
}

/** @param {string} text */
function trimExponent(text) {
  // 1.2300e+5 -> 1.23e+5
  return text.replace(/\.?0+e/, "e");
}

/**
 * The full-precision text of a number, for tooltips.
 * @param {number | null | undefined} x
 */
export function numberTitle(x) {
  if (x === null || x === undefined) return "null";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return String(x);
}

const ISO = /^(\d{4,}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::(\d\d)(\.\d+)?)?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * A timestamp as shown in a cell: "2024-01-02 03:04:05Z" — the ISO text with a space for the "T", zero fractions
 * dropped, the time zone kept as sent (never converted to the viewer's zone, so every viewer sees the same).
 */
/** @param {unknown} iso */
export function formatDate(iso) {
  const text = String(iso ?? "");
  const m = ISO.exec(text);
  if (!m) return text;
  const [, date, hm, sec, frac, tz] = m;
  if (!hm) return date + (tz || "");
  let out = `${date} ${hm}:${sec || "00"}`;
  if (frac && /[1-9]/.test(frac)) out += frac.replace(/0+$/, "");
  if (tz) out += tz === "+00:00" || tz === "+0000" ? "Z" : tz;
  return out;
}

/**
 * `text` cut to `max` characters: `{text, clipped}` (the cut text ends with an ellipsis).
 * @param {unknown} text
 * @param {number} [max]
 */
export function clipText(text, max = 300) {
  const s = String(text ?? "");
  if (s.length <= max) return { text: s, clipped: false };
  return { text: `${s.slice(0, Math.max(0, max - 1))}…`, clipped: true };
}

/**
 * A one-line preview of a value for collapsed trees and compare cells; at most `max` characters.
 * @param {unknown} value
 * @param {number} [max]
 */
export function previewValue(value, max = 60) {
  const text = previewText(value, max + 1);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * @param {unknown} value
 * @param {number} budget
 * @returns {string}
 */
function previewText(value, budget) {
  const d = decodeCell(value);
  switch (d.type) {
    case "null":
      return "null";
    case "bool":
      return String(d.value);
    case "number":
      return formatNumber(d.value);
    case "str":
      return JSON.stringify(d.value.length > budget ? d.value.slice(0, budget) : d.value);
    case "date":
      return formatDate(d.value);
    case "ndarray":
      return ndarraySummary(d.value).label;
    case "image":
      return "image";
    case "media":
      return d.value.caption ? `${d.value.kind}: ${d.value.caption}` : d.value.kind;
    case "absent":
      return "absent";
    case "list": {
      const parts = [];
      let used = 2;
      for (const item of d.value) {
        if (used > budget) break;
        const p = previewText(item, budget - used);
        parts.push(p);
        used += p.length + 2;
      }
      return `[${parts.join(", ")}]`;
    }
    case "dict": {
      const parts = [];
      let used = 2;
      for (const [k, v] of Object.entries(d.value)) {
        if (used > budget) break;
        const p = `${k}: ${previewText(v, budget - used)}`;
        parts.push(p);
        used += p.length + 2;
      }
      return `{${parts.join(", ")}}`;
    }
    default:
      return d.type;
  }
}

/**
 * Label of a collapsed list or dict: "[3 items]", "{a, b, c}", "{a, b, … 7 keys}".
 * @param {unknown} value
 */
export function treeLabel(value) {
  if (Array.isArray(value)) {
    return value.length === 1 ? "[1 item]" : `[${value.length} items]`;
  }
  const keys = value && typeof value === "object" ? Object.keys(value) : [];
  if (keys.length === 0) return "{}";
  if (keys.length <= 3) return `{${keys.join(", ")}}`;
  return `{${keys.slice(0, 2).join(", ")}, … ${keys.length} keys}`;
}

/**
 * Children of a list or dict as `[label, value]` pairs, at most `limit`; `more` counts the rest.
 * @param {unknown} value
 * @param {number} [limit]
 * @returns {{entries: [string, unknown][], more: number}}
 */
export function treeEntries(value, limit = 200) {
  /** @type {[string, unknown][]} */
  let entries;
  if (Array.isArray(value)) entries = value.map((v, i) => [String(i), v]);
  else if (value && typeof value === "object") entries = Object.entries(value);
  else entries = [];
  return { entries: entries.slice(0, limit), more: Math.max(0, entries.length - limit) };
}

/**
 * True when a value expands into a tree (a non-empty list, or a dict that is not a tagged cell).
 * @param {unknown} value
 */
export function isTree(value) {
  const d = decodeCell(value);
  return (d.type === "list" && d.value.length > 0) || (d.type === "dict" && Object.keys(d.value).length > 0);
}

/**
 * `{label, preview}` of an `$ndarray`: "float32 3×224×224" and "[0.1, 0.2, …]" of the first values.
 * @param {NdarrayValue} nd
 * @param {number} [previewCount]
 */
export function ndarraySummary(nd, previewCount = 6) {
  const shape = Array.isArray(nd.shape) ? nd.shape : [];
  const dtype = nd.dtype ? String(nd.dtype) : "array";
  const size = shape.reduce((n, s) => n * Number(s), 1);
  const values = Array.isArray(nd.values) ? nd.values : [];
  const shown = values.slice(0, previewCount).map((v) => {
    const n = decodeNumber(v);
    return n === null ? previewValue(v, 12) : formatNumber(n, dtype.startsWith("float") ? "float" : undefined);
  });
  const more = size > shown.length || values.length > shown.length;
  return {
    label: `${dtype} ${shape.length ? shape.join("×") : "scalar"}`,
    preview: `[${shown.join(", ")}${more ? ", …" : ""}]`,
    size,
  };
}

/**
 * For a `$cmp` pair: the two numbers (null for a side that is absent/null) when it is numeric, else null.
 * @param {[unknown, unknown]} pair
 * @returns {[number | null, number | null] | null}
 */
export function cmpNumbers(pair) {
  const nums = pair.map((v) => decodeNumber(v));
  const empty = pair.map((v) => v === null || v === undefined || cellTag(v) === "$absent");
  if (nums.some((n, i) => n === null && !empty[i])) return null;
  if (nums.every((n) => n === null)) return null;
  return [nums[0], nums[1]];
}

/**
 * Deep equality of two cells (NaN equals NaN), used to highlight compare cells whose sides differ.
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
export function sameCell(a, b) {
  const na = decodeNumber(a);
  const nb = decodeNumber(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && (Object.is(na, nb) || na === nb);
  if (a === b) return true;
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = /** @type {Record<string, unknown>} */ (a);
  const rb = /** @type {Record<string, unknown>} */ (b);
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameCell(ra[k], rb[k]));
}

/**
 * Total count of each table in a `$hist` or `$counts` summary.
 * @param {Partial<HistValue> | Partial<CountsValue> | null | undefined} summary
 * @returns {number[]}
 */
export function summaryTotals(summary) {
  const counts = summary && Array.isArray(summary.counts) ? summary.counts : [];
  return counts.map((list) => (Array.isArray(list) ? list.reduce((n, c) => n + (Number(c) || 0), 0) : 0));
}

/**
 * The text of a group/row count for the toolbar: "12 of 100 rows", "7 groups".
 * @param {unknown} numRows
 * @param {unknown} totalRows
 * @param {Mode | string} mode
 */
export function rowCountText(numRows, totalRows, mode) {
  const n = Number(numRows) || 0;
  const grouped = mode === "groups" || mode === "compare-groups";
  if (grouped) return `${n} ${n === 1 ? "group" : "groups"}`;
  const total = Number(totalRows) || 0;
  const noun = n === 1 && (!total || total === 1) ? "row" : "rows";
  return total && total !== n ? `${n} of ${total} rows` : `${n} ${noun}`;
}

/**
 * A cell as plain JS, for user panels (docs/panels.md): `{$num}` becomes NaN / ±Infinity, `{$date}` its ISO text,
 * `{$absent}` undefined, lists and dicts recursively; media, images, ndarrays and summaries stay their payload
 * objects (`{kind, key, ...}`, `{shape, dtype, values}`, `{edges, counts}`...).
 * @param {unknown} value
 * @returns {unknown}
 */
export function plainValue(value) {
  const d = decodeCell(value);
  switch (d.type) {
    case "absent":
      return undefined;
    case "list":
      return d.value.map(plainValue);
    case "dict":
      return Object.fromEntries(Object.entries(d.value).map(([k, v]) => [k, plainValue(v)]));
    case "ndarray":
      return { ...d.value, values: (d.value.values || []).map((v) => decodeNumber(v) ?? v) };
    case "cmp":
      return d.value.map(plainValue);
    default:
      return d.value;
  }
}

/**
 * A duration in seconds as "0:07", "1:02:03" or "0.4 s" (short clips keep their tenths).
 * @param {number | null | undefined} seconds
 */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "?";
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
