// @ts-check
// Colouring boxes by match status (the overlay's `color_by: "status"`, docs/protocol.md): an evaluated table's
// boxes carry `status` — "tp", "fp" or "fn" (and "ignored", or null below the confidence threshold) — and are drawn
// in three fixed styles from the Okabe-Ito palette (told apart with any colour vision), the missed ground truth
// dashed besides. A true positive is drawn once, as its prediction: ground-truth boxes that were matched are left
// out, as are ignored boxes and predictions below the threshold. Pure: no DOM.

/** @import { Box } from "../types/protocol" */
/** @import { OverlayView } from "./overlay-state.js" */

/**
 * @typedef {object} StatusStyle
 * @property {string} status "tp" | "fp" | "fn"
 * @property {string} label
 * @property {string} color "#rrggbb"
 * @property {string} text label text color on `color`
 * @property {number[]} dash line dash in CSS pixels ([] = solid)
 * @property {string} title
 */

/** @type {Readonly<Record<string, Readonly<StatusStyle>>>} */
export const STATUS_STYLES = Object.freeze({
  tp: Object.freeze({ status: "tp", label: "TP", color: "#009e73", text: "#ffffff", dash: [], title: "true positive: a prediction that matched the ground truth" }),
  fp: Object.freeze({ status: "fp", label: "FP", color: "#d55e00", text: "#ffffff", dash: [], title: "false positive: a prediction that matched nothing" }),
  fn: Object.freeze({ status: "fn", label: "FN", color: "#56b4e9", text: "#000000", dash: [6, 4], title: "false negative: ground truth that no prediction matched (dashed)" }),
});

/** Layer names taken for ground truth when the overlay does not say (`truth_layers`). */
const TRUTH_NAMES = /^(ground[_ -]?truth|gt|truth|labels?|annotations?)$/i;

/**
 * Whether `layer` holds ground truth: named in the overlay's truth_layers, else a layer with a missed box (fn) or
 * a ground-truth-like name.
 * @param {OverlayView} view
 * @param {string} layer
 * @param {unknown[]} boxes the layer's boxes in this image
 */
export function isTruthLayer(view, layer, boxes) {
  if (view.truthLayers.size) return view.truthLayers.has(layer);
  if (TRUTH_NAMES.test(layer)) return true;
  return boxes.some((b) => !!b && typeof b === "object" && /** @type {Box} */ (b).status === "fn");
}

/**
 * The style of a box in the status mode, or null when it is not drawn.
 * @param {Box} box
 * @param {boolean} truth the box is ground truth
 * @returns {Readonly<StatusStyle> | null}
 */
export function statusStyle(box, truth) {
  const s = box && typeof box.status === "string" ? box.status : null;
  if (s === "fn") return STATUS_STYLES.fn;
  if (s === "fp") return STATUS_STYLES.fp;
  if (s === "tp") return truth ? null : STATUS_STYLES.tp;
  return null;
}
