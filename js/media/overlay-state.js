// @ts-check
// The `overlay` trait (docs/protocol.md): what every image shows. Pure functions: reading the dict into fast
// lookups (tolerant of anything Python may have set), asking what is visible, and making the next dict after a
// user action (never mutating the current one, so the model sees a new value).
//   {"hidden_classes": {layer: [class_id]}, "hidden_layers": [layer], "score_min": {score: x},
//    "mask_opacity": 0.5, "compare_style": "overlay" | "side-by-side", "color_by": "class" | "status",
//    "truth_layers": [layer]}

/** @import { Box, CompareStyle, OverlayDict } from "../types/protocol" */

/**
 * The overlay dict as fast lookups.
 * @typedef {object} OverlayView
 * @property {Set<string>} hiddenLayers
 * @property {Map<string, Set<number>>} hiddenClasses layer -> hidden class ids
 * @property {Map<string, number>} scoreMin score key -> threshold
 * @property {number} maskOpacity 0..1
 * @property {CompareStyle} compareStyle
 * @property {"class" | "status"} colorBy boxes colored by class, or by match status (js/media/status.js)
 * @property {Set<string>} truthLayers layers holding ground truth (status mode), when the trait names them
 */

const DEFAULT_OPACITY = 0.5;

/** @type {WeakMap<object, Readonly<OverlayView>>} */
const views = new WeakMap();
const EMPTY = Object.freeze({});

/**
 * @param {unknown} v
 * @returns {number | null}
 */
function num(v) {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/**
 * Lookups of an overlay dict: {hiddenLayers: Set, hiddenClasses: Map<layer, Set<id>>, scoreMin: Map<key, x>,
 * maskOpacity (0..1), compareStyle}. Memoized per dict object: redrawing 50 images reads it once.
 * @param {unknown} raw the trait's value (anything Python may have set)
 * @returns {Readonly<OverlayView>}
 */
export function readOverlay(raw) {
  const dict = /** @type {OverlayDict} */ (raw && typeof raw === "object" ? raw : EMPTY);
  const hit = views.get(dict);
  if (hit) return hit;
  const hiddenLayers = new Set(Array.isArray(dict.hidden_layers) ? dict.hidden_layers.map(String) : []);
  /** @type {Map<string, Set<number>>} */
  const hiddenClasses = new Map();
  if (dict.hidden_classes && typeof dict.hidden_classes === "object") {
    for (const [layer, ids] of Object.entries(dict.hidden_classes)) {
      if (!Array.isArray(ids)) continue;
      const set = new Set(/** @type {number[]} */ (ids.map(num).filter((n) => n !== null)));
      if (set.size) hiddenClasses.set(layer, set);
    }
  }
  /** @type {Map<string, number>} */
  const scoreMin = new Map();
  if (dict.score_min && typeof dict.score_min === "object") {
    for (const [k, v] of Object.entries(dict.score_min)) {
      const n = num(v);
      if (n !== null) scoreMin.set(k, n);
    }
  }
  const op = num(dict.mask_opacity);
  const view = Object.freeze({
    hiddenLayers,
    hiddenClasses,
    scoreMin,
    maskOpacity: op === null ? DEFAULT_OPACITY : Math.min(1, Math.max(0, op)),
    compareStyle: dict.compare_style === "side-by-side" ? "side-by-side" : "overlay",
    colorBy: dict.color_by === "status" ? "status" : "class",
    truthLayers: new Set(Array.isArray(dict.truth_layers) ? dict.truth_layers.map(String) : []),
  });
  views.set(dict, view);
  return view;
}

/**
 * @param {OverlayView} view
 * @param {string} layer
 */
export const isLayerHidden = (view, layer) => view.hiddenLayers.has(String(layer));

/**
 * @param {OverlayView} view
 * @param {string} layer
 * @param {unknown} classId
 */
export function isClassHidden(view, layer, classId) {
  const set = view.hiddenClasses.get(String(layer));
  return !!set && set.has(Number(classId));
}

/**
 * Hidden class ids of a layer as a stable string, for cache keys of colored masks.
 * @param {OverlayView} view
 * @param {string} layer
 */
export function hiddenSignature(view, layer) {
  const set = view.hiddenClasses.get(String(layer));
  return set && set.size ? [...set].sort((a, b) => a - b).join(",") : "";
}

/**
 * A box passes when each of its scores that has a threshold is >= it (a box without that score passes).
 * @param {OverlayView} view
 * @param {Box | null | undefined} box
 */
export function passesScores(view, box) {
  if (!view.scoreMin.size || !box || !box.scores || typeof box.scores !== "object") return true;
  for (const [k, min] of view.scoreMin) {
    const s = num(box.scores[k]);
    if (s !== null && s < min) return false;
  }
  return true;
}

/**
 * Whether a box of `layer` is drawn: its layer and class shown and its scores over the thresholds.
 * @param {OverlayView} view
 * @param {string} layer
 * @param {Box} box
 */
export function boxVisible(view, layer, box) {
  return !isLayerHidden(view, layer) && !isClassHidden(view, layer, box.class_id) && passesScores(view, box);
}

/**
 * A copy of the dict whose nested parts can be changed.
 * @param {unknown} raw
 * @returns {OverlayDict & {hidden_classes: Record<string, number[]>, hidden_layers: string[], score_min: Record<string, number>}}
 */
function clone(raw) {
  const d = /** @type {OverlayDict} */ (raw && typeof raw === "object" ? raw : {});
  return {
    ...d,
    hidden_classes: { ...(d.hidden_classes && typeof d.hidden_classes === "object" ? d.hidden_classes : {}) },
    hidden_layers: Array.isArray(d.hidden_layers) ? [...d.hidden_layers] : [],
    score_min: { ...(d.score_min && typeof d.score_min === "object" ? d.score_min : {}) },
  };
}

/**
 * Next dict with class `classId` of `layer` shown if it was hidden, hidden if shown (or forced by `hidden`).
 * @param {unknown} raw
 * @param {string} layer
 * @param {unknown} classId
 * @param {boolean} [hidden]
 * @returns {OverlayDict}
 */
export function toggleClass(raw, layer, classId, hidden) {
  const next = clone(raw);
  const id = Number(classId);
  const ids = new Set((Array.isArray(next.hidden_classes[layer]) ? next.hidden_classes[layer] : []).map(Number));
  const hide = hidden ?? !ids.has(id);
  if (hide) ids.add(id);
  else ids.delete(id);
  if (ids.size) next.hidden_classes[layer] = [...ids].sort((a, b) => a - b);
  else delete next.hidden_classes[layer];
  return next;
}

/**
 * Next dict with `layer` hidden if it was shown, shown if hidden (or forced by `hidden`).
 * @param {unknown} raw
 * @param {string} layer
 * @param {boolean} [hidden]
 * @returns {OverlayDict}
 */
export function toggleLayer(raw, layer, hidden) {
  const next = clone(raw);
  const set = new Set(next.hidden_layers.map(String));
  const hide = hidden ?? !set.has(String(layer));
  if (hide) set.add(String(layer));
  else set.delete(String(layer));
  next.hidden_layers = [...set].sort();
  return next;
}

/**
 * Next dict with the threshold of score `key` (a value <= `floor` removes it: nothing is hidden by it).
 * @param {unknown} raw
 * @param {string} key
 * @param {unknown} value
 * @param {number} [floor]
 * @returns {OverlayDict}
 */
export function setScoreMin(raw, key, value, floor = 0) {
  const next = clone(raw);
  const n = num(value);
  if (n === null || n <= floor) delete next.score_min[key];
  else next.score_min[key] = n;
  return next;
}

/**
 * Next dict with the mask opacity (0..1).
 * @param {unknown} raw
 * @param {unknown} value
 * @returns {OverlayDict}
 */
export function setMaskOpacity(raw, value) {
  const next = clone(raw);
  const n = num(value);
  next.mask_opacity = n === null ? DEFAULT_OPACITY : Math.min(1, Math.max(0, n));
  return next;
}

/**
 * Next dict with the compare style.
 * @param {unknown} raw
 * @param {string} style
 * @returns {OverlayDict}
 */
export function setCompareStyle(raw, style) {
  const next = clone(raw);
  next.compare_style = style === "side-by-side" ? "side-by-side" : "overlay";
  return next;
}

/**
 * Next dict with boxes colored by class or by match status (and, when given, the ground-truth layers).
 * @param {unknown} raw
 * @param {string} mode "class" | "status"
 * @param {string[]} [truthLayers]
 * @returns {OverlayDict}
 */
export function setColorBy(raw, mode, truthLayers) {
  const next = clone(raw);
  next.color_by = mode === "status" ? "status" : "class";
  if (truthLayers) next.truth_layers = [...truthLayers];
  return next;
}

/**
 * Next dict with every class and layer shown and no thresholds (opacity and compare style kept).
 * @param {unknown} raw
 * @returns {OverlayDict}
 */
export function showAll(raw) {
  const next = clone(raw);
  next.hidden_classes = {};
  next.hidden_layers = [];
  next.score_min = {};
  return next;
}
