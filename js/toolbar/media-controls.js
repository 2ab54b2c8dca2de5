// @ts-check
// The toolbar's slot for the media controls (legend, thresholds, mask opacity, compare style: js/media), redrawn
// when the image columns of the schema change.

import { el } from "../dom.js";
import { get, onChange } from "../state.js";

/** @import { Model } from "../types/protocol" */
/** @import { MediaApi, MediaCtx } from "../types/frontend" */

/**
 * @param {{model: Model, media?: MediaApi, mediaCtx?: MediaCtx}} ctx
 */
export function createMediaControlsSlot({ model, media, mediaCtx }) {
  const root = el("div", "tl-media-controls");
  /** @type {(() => void) | null} */
  let cleanupControls = null;
  let schemaKey = "";

  function draw() {
    const schema = get(model, "schema");
    const key = JSON.stringify(schema.filter((c) => c.kind === "image" || c.kind === "images"));
    if (key === schemaKey) return;
    schemaKey = key;
    if (cleanupControls) cleanupControls();
    cleanupControls = null;
    root.replaceChildren();
    if (!media || !mediaCtx) return;
    try {
      const c = media.renderMediaControls(root, schema, mediaCtx);
      if (typeof c === "function") cleanupControls = c;
    } catch (err) {
      root.append(el("span", "tl-cell-error", `media controls failed: ${err instanceof Error ? err.message : err}`));
    }
  }

  const off = onChange(model, ["schema"], draw);
  draw();
  return {
    el: root,
    cleanup() {
      off();
      if (cleanupControls) cleanupControls();
      root.remove();
    },
  };
}
