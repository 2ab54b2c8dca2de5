// @ts-check
// Table cells: one image (or a compare pair) as a thumbnail with overlays, and the grid of sample thumbnails of
// a grouped row. Clicking (or Enter on) a thumbnail opens the enlarged view.

import { el, errorText } from "./dom.js";
import { mountView } from "./view.js";
import { openViewer } from "./viewer.js";

/**
 * @import { ImageValue } from "../types/protocol"
 * @import { ImageCellOpts, MediaCtx, NavTarget } from "../types/frontend"
 * @import { ViewHandle } from "./registry.js"
 */

const DEFAULT_SIZE = 128;
const DEFAULT_GRID_SIZE = 64;

/**
 * @param {ImageCellOpts["size"]} size
 * @param {number} fallback
 * @returns {{width: number, height: number}}
 */
function sizeBox(size, fallback) {
  if (size && typeof size === "object") return { width: size.width || fallback, height: size.height || fallback };
  const n = Number(size) > 0 ? Number(size) : fallback;
  return { width: n, height: n };
}

/**
 * renderImageCell(container, image, ctx, opts) -> cleanup.
 * opts: {size (CSS px, longest side), compare: null | {other, side}, row: {cells}, column, onNavigate(delta)}
 * @param {HTMLElement} container
 * @param {ImageValue | null} image
 * @param {MediaCtx} ctx
 * @param {ImageCellOpts} [opts]
 * @returns {() => void}
 */
export function renderImageCell(container, image, ctx, opts = {}) {
  const compare = opts.compare || null;
  /** @type {ViewHandle["root"]} */
  const root = el("div", {
    className: "tl-media-cell",
    dataset: {
      role: "image",
      state: "loading",
      key: image && image.key != null ? image.key : null,
      column: opts.column != null ? opts.column : null,
    },
    attrs: { tabindex: "0", role: "button", "aria-label": "Open the enlarged view" },
  });
  container.append(root);
  const open = () =>
    openViewer(ctx, { image, compare, row: opts.row || null, onNavigate: opts.onNavigate || null, source: root });
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      e.stopPropagation();
      open();
    }
  };
  root.addEventListener("keydown", onKey);
  /** @type {ViewHandle | null} */
  let view = null;
  try {
    view = mountView(root, ctx, image, { box: sizeBox(opts.size, DEFAULT_SIZE), compare, fullRes: false, onOpen: open });
    root._tlMedia = { image, compare, row: opts.row || null, onNavigate: opts.onNavigate || null };
  } catch (e) {
    // never break the table: show what went wrong in the cell
    console.error("tablelens: image cell failed", e);
    root.dataset.state = "error";
    root.replaceChildren(el("div", { className: "tl-media-placeholder", dataset: { role: "image-error" }, text: `Image cannot be shown: ${errorText(e)}` }));
  }
  return () => {
    root.removeEventListener("keydown", onKey);
    if (view) view.destroy();
    root.remove();
  };
}

/**
 * renderImageGrid(container, images, ctx, opts) -> cleanup: sample thumbnails of a group, each with overlays;
 * the enlarged view steps through the grid's images with the arrow keys.
 * @param {HTMLElement} container
 * @param {ImageValue[]} images
 * @param {MediaCtx} ctx
 * @param {ImageCellOpts} [opts]
 * @returns {() => void}
 */
export function renderImageGrid(container, images, ctx, opts = {}) {
  const list = Array.isArray(images) ? images : [];
  const grid = el("div", { className: "tl-media-grid", dataset: { role: "image-grid", count: list.length } });
  container.append(grid);
  /** @type {(i: number) => (delta: number) => NavTarget | null} */
  const nav = (i) => (delta) => {
    const j = i + delta;
    if (j < 0 || j >= list.length) return null;
    return { image: list[j], row: opts.row || null, onNavigate: nav(j) };
  };
  const size = opts.size || DEFAULT_GRID_SIZE;
  const cleanups = list.map((image, i) => renderImageCell(grid, image, ctx, { ...opts, size, onNavigate: nav(i) }));
  if (!list.length) grid.append(el("span", { className: "tl-media-empty", text: "no images" }));
  return () => {
    for (const c of cleanups) c();
    grid.remove();
  };
}
