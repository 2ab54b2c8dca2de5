// @ts-check
// Media cells other than images, by kind: a registry of renderers (audio, video, html, object3d, plotly, molecule),
// each `(container, value, ctx, opts) -> cleanup`, and the samples of a grouped media column. A renderer that
// throws leaves an explained placeholder in its cell, never a broken table.
//
// Selectors (stable, for tests): [data-role=media][data-kind][data-state=loading|ready|playing|error] (a cell's
// root), [data-role=media-error], [data-role=media-facts], [data-role=waveform] (canvas), [data-role=media-play],
// [data-role=media-audio], [data-role=media-open] (click target of video, HTML, 3-D, Plotly, molecule cells),
// [data-role=media-video], [data-role=media-gif], [data-role=media-thumb], [data-role=media-note],
// [data-role=html-frame] (sandboxed iframe), [data-role=o3d-view] / [data-role=o3d-canvas] (3-D dialog),
// [data-role=plotly-full], [data-role=media-samples], [data-role=long-text] (data-state=clipped|open|markdown),
// [data-role=text-expand], [data-role=text-markdown].

import { el, errorText } from "../dom.js";
import { renderAudio } from "./audio.js";
import { showError } from "./common.js";
import { renderHtml } from "./html.js";
import { renderObject3D } from "./object3d.js";
import { renderPlotly } from "./plotly.js";
import { renderVideo } from "./video.js";

export { renderLongText } from "./text.js";

/**
 * @import { MediaKind, MediasValue, MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/** @typedef {(container: HTMLElement, value: MediaValue, ctx: MediaCtx, opts?: MediaCellOpts) => () => void} Renderer */

/** @type {Record<MediaKind, Renderer>} */
export const RENDERERS = {
  audio: renderAudio,
  video: renderVideo,
  html: renderHtml,
  object3d: renderObject3D,
  plotly: renderPlotly,
  molecule: renderObject3D,
};

/**
 * Draw one media cell with the renderer of its kind; returns the cleanup.
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderMediaCell(container, value, ctx, opts = {}) {
  const render = value && RENDERERS[value.kind];
  if (!render) {
    const node = el("div", { className: "tl-mc", dataset: { role: "media", kind: String(value && value.kind), state: "error" } });
    container.append(node);
    showError(node, node, String(value && value.kind), "this kind of media has no viewer");
    return () => node.remove();
  }
  try {
    return render(container, value, ctx, opts);
  } catch (err) {
    console.error("tablelens: a media cell failed", err);
    const node = el("div", { className: "tl-mc", dataset: { role: "media", kind: value.kind, state: "error" } });
    container.append(node);
    showError(node, node, value.kind, errorText(err));
    return () => node.remove();
  }
}

/** How many samples of a group are drawn, by kind (players and posters take room). */
const SAMPLES = { audio: 3, video: 4, object3d: 4, molecule: 4, html: 0, plotly: 0 };

/**
 * The samples of a grouped media column: a few players (audio), a grid of posters (video) or of pictures (3-D,
 * molecules). HTML and Plotly columns have none in groups.
 * @param {HTMLElement} container
 * @param {MediasValue} group
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderMediaSamples(container, group, ctx, opts = {}) {
  const items = Array.isArray(group.items) ? group.items.slice(0, SAMPLES[group.kind] ?? 4) : [];
  const grid = el("div", { className: `tl-mc-samples tl-mc-samples-${group.kind}`, dataset: { role: "media-samples", count: items.length } });
  container.append(grid);
  const cleanups = items.map((v) => renderMediaCell(grid, v, ctx, { ...opts, compact: true, size: Math.round((opts.size || 96) / 2) }));
  return () => {
    for (const c of cleanups) c();
    grid.remove();
  };
}
