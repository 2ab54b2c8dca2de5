// @ts-check
// Compare mode: how an image of version A and the same row's image of version B are shown. Pure: it decides the
// panels; view.js draws them.
//   overlay style      one base image, A's overlays solid and B's dashed on top of it (when both images have
//                      the same size; otherwise side by side, with a note saying why)
//   side-by-side style A and B each in their own panel with their own overlays
// A side without the row (or without an image) leaves one panel labelled "A only" / "B only".

/**
 * @import { ImageValue, Side } from "../types/protocol"
 * @import { CompareOpts } from "../types/frontend"
 */

/**
 * One image panel: its base image and the images whose overlays are drawn on it.
 * @typedef {object} Panel
 * @property {ImageValue | null} base
 * @property {string | null} label
 * @property {{image: ImageValue | null, side: Side | null, dashed: boolean}[]} sources
 */

/**
 * Sides [A, B] of a compare cell rendered for `image` with opts.compare = {other, side}.
 * @param {ImageValue | null | undefined} image
 * @param {CompareOpts | null | undefined} compare
 * @returns {[ImageValue | null, ImageValue | null]}
 */
function compareSides(image, compare) {
  const side = compare && compare.side === 1 ? 1 : 0;
  const other = compare ? compare.other ?? null : null;
  return side === 0 ? [image ?? null, other] : [other, image ?? null];
}

/** @param {ImageValue} im */
const dimsOf = (im) => (im && im.width && im.height && im.width > 0 && im.height > 0 ? `${im.width}x${im.height}` : null);

/**
 * Panels to draw: [{base: $image, label: string|null, sources: [{image, side, dashed}]}] and notes.
 * Without compare: one panel of the image alone (side null).
 * @param {ImageValue | null} image
 * @param {CompareOpts | null | undefined} compare
 * @param {string} style the overlay's compare style
 * @returns {{panels: Panel[], notes: string[], key?: boolean}}
 */
export function comparePanels(image, compare, style) {
  if (!compare) return { panels: [{ base: image, label: null, sources: [{ image, side: null, dashed: false }] }], notes: [] };
  const [a, b] = compareSides(image, compare);
  if (!a && !b) return { panels: [{ base: null, label: null, sources: [] }], notes: [] };
  if (!a || !b) {
    const only = a || b;
    const side = a ? 0 : 1;
    return {
      panels: [{ base: only, label: side === 0 ? "A only" : "B only", sources: [{ image: only, side, dashed: side === 1 }] }],
      notes: [],
    };
  }
  /** @type {string[]} */
  const notes = [];
  let sideBySide = style === "side-by-side";
  if (!sideBySide && (a.error || b.error || dimsOf(a) !== dimsOf(b))) {
    sideBySide = true;
    notes.push(
      a.error || b.error
        ? "one version's image is unavailable: shown side by side"
        : `the versions' images differ in size (${dimsOf(a) ?? "?"} vs ${dimsOf(b) ?? "?"}): shown side by side`,
    );
  }
  if (sideBySide) {
    return {
      panels: [
        { base: a, label: "A", sources: [{ image: a, side: 0, dashed: false }] },
        { base: b, label: "B", sources: [{ image: b, side: 1, dashed: true }] },
      ],
      notes,
    };
  }
  return {
    panels: [
      {
        base: a,
        label: null,
        sources: [
          { image: a, side: 0, dashed: false },
          { image: b, side: 1, dashed: true },
        ],
      },
    ],
    notes,
    key: true, // show the "A solid / B dashed" key
  };
}
