// @ts-check
// js/media: images with bounding boxes and segmentation masks in the Explorer: image cells (a thumbnail with its
// boxes and masks drawn over it), the grid of sample images of a group, the media controls (legend, score
// thresholds, mask opacity, compare style) and the enlarged view.
//
// ctx = {requestThumbs(items: [{key, size}]) -> Promise<Map<key, ImageBitmap|url|{error}>>,
//        requestMasks(items: [{key}]) -> Promise<Map<key, {width, height, data}|{error}>>,
//        requestImage(key) -> Promise<ImageBitmap|url|{error}>, model, getOverlay() -> dict, setOverlay(dict)}
//
// renderImageCell(container, image, ctx, opts) -> cleanup
//   image = the $image object of docs/protocol.md; opts = {size (CSS px, longest side), row: {cells},
//   onNavigate(delta) -> {image, row?, compare?, onNavigate?} | null | Promise of it,
//   compare: null | {other: $image|null, side: 0|1}}. For a $cmp cell call it ONCE with `image` = side `side`'s
//   image and `other` = the other side's: it draws both versions (overlaid, or side by side per the overlay
//   trait's compare_style).
// renderImageGrid(container, images, ctx, opts) -> cleanup          sample thumbnails of a group
// renderMediaControls(container, schemaColumns, ctx) -> cleanup    legend, thresholds, opacity, compare style
// onOverlayChange(ctx)                                              call on the model's change:overlay
// (typed in js/types/frontend.d.ts: MediaCtx, MediaApi). Set ctx.overlayRoot to the widget's root element: the
// enlarged view and the hover card are mounted inside it (media/host.js).
//
// Selectors (stable, for tests): [data-role=image] (a cell's root; data-state = loading|ready|error),
// [data-role=overlay-canvas] (transparent canvas over the image, same size; data-boxes / data-masks on its
// [data-role=image-frame] count what is drawn), [data-role=base-canvas], [data-role=image-error],
// [data-role=media-note], [data-role=legend], [data-role=legend-layer][data-layer],
// [data-role=layer-toggle][data-layer], [data-role=class-toggle][data-layer][data-class-id],
// [data-role=score-threshold][data-score], [data-role=mask-opacity], [data-role=compare-style] button[data-value],
// [data-role=overlay-reset], [data-role=viewer], [data-role=viewer-values], [data-role=box-tooltip].

import "../theme.css";
import "./media.css";
import "./kinds/kinds.css";
import { overlayChanged } from "./registry.js";

/** @import { MediaCtx } from "../types/frontend" */

export { renderImageCell, renderImageGrid } from "./cell.js";
export { renderMediaControls } from "./controls.js";
export { renderLongText, renderMediaCell, renderMediaSamples } from "./kinds/index.js";

/**
 * Redraw every mounted image (and sync the controls) with the overlay state now in the model.
 * @param {MediaCtx} ctx
 */
export function onOverlayChange(ctx) {
  overlayChanged(ctx);
}
