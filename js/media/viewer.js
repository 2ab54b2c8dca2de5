// @ts-check
// The enlarged view: the full-resolution image with the same overlays, the media controls beside it, the notes
// about what could not be drawn, and the row's other values. Arrow keys (and the ‹ › buttons) step to the
// previous / next row, Escape or the backdrop closes it. One per widget; opening another image replaces it.
// It is a modal <dialog> inside the widget's root (host.js): styled by the widget's CSS wherever the widget lives,
// shown in the top layer over the whole viewport.
//
// Navigation: entry.onNavigate(delta) returns (or resolves to) {image, row?, compare?, onNavigate?} for the
// neighbouring row, or null at either end. Without onNavigate the view steps through the image cells mounted on
// the page, in document order, within the same column.

import { showModal } from "../dom.js";
import { renderMediaControls } from "./controls.js";
import { dpr, el, formatValue } from "./dom.js";
import { mountOverlay, overlayHost } from "./host.js";
import { mediaState } from "./registry.js";
import { hideTooltip } from "./tooltip.js";
import { mountView } from "./view.js";

/**
 * @import { ImageValue, Row } from "../types/protocol"
 * @import { MediaCtx } from "../types/frontend"
 * @import { ViewerEntry, ViewerHandle, ViewHandle } from "./registry.js"
 */

const ASIDE_WIDTH = 300;

/** Room for the image: most of the viewport, beside the aside. */
function stageBox() {
  const vw = globalThis.innerWidth || 1024;
  const vh = globalThis.innerHeight || 768;
  return { width: Math.max(160, Math.round(vw * 0.92 - ASIDE_WIDTH - 48)), height: Math.max(160, Math.round(vh * 0.86 - 56)) };
}

/** @param {Element | null | undefined} node */
function columnOf(node) {
  const cell = node && node.closest ? /** @type {HTMLElement | null} */ (node.closest("[data-column]")) : null;
  return cell ? cell.dataset.column : null;
}

/**
 * The mounted image cells of the page, in document order, in the same column as `source`.
 * @param {MediaCtx} ctx
 * @param {HTMLElement} source
 * @returns {ViewHandle["root"][]}
 */
function siblingCells(ctx, source) {
  const col = columnOf(source);
  const inGrid = !!source.closest('[data-role="image-grid"]');
  const roots = [...mediaState(ctx).views]
    .map((v) => v.root)
    .filter((r) => r && r.isConnected && r._tlMedia && r.dataset.role === "image" && !r.closest('[data-role="viewer"]'))
    .filter((r) => columnOf(r) === col && !!r.closest('[data-role="image-grid"]') === inGrid);
  return roots.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
}

/**
 * The row's values as a definition list (text only), leaving out the image on show.
 * @param {Row | null | undefined} row
 * @param {ImageValue | null | undefined} skipImage
 */
function rowValues(row, skipImage) {
  const list = el("dl", { className: "tl-media-values", dataset: { role: "viewer-values" } });
  const cells = row && row.cells && typeof row.cells === "object" ? row.cells : null;
  if (!cells) return list;
  for (const [name, value] of Object.entries(cells)) {
    if (value && typeof value === "object" && "$image" in value && value.$image === skipImage) continue;
    list.append(el("dt", { text: name }), el("dd", { text: formatValue(value), attrs: { title: formatValue(value) } }));
  }
  return list;
}

/**
 * Open (or update) the enlarged view of `entry` = {image, compare, row, onNavigate, source}.
 * @param {MediaCtx} ctx
 * @param {ViewerEntry} entry
 * @returns {ViewerHandle}
 */
export function openViewer(ctx, entry) {
  const s = mediaState(ctx);
  if (s.viewer) {
    s.viewer.show(entry);
    return s.viewer;
  }
  const rootNode = /** @type {Document | ShadowRoot} */ (entry.source ? entry.source.getRootNode() : document);
  const previousFocus = /** @type {HTMLElement | null} */ (rootNode.activeElement || document.activeElement);
  const title = el("span", { className: "tl-media-viewer-title" });
  const counter = el("span", { className: "tl-media-viewer-counter" });
  const stage = el("div", { className: "tl-media-viewer-stage" });
  const notes = el("ul", { className: "tl-media-viewer-notes", dataset: { role: "viewer-notes" } });
  const valuesHolder = el("div", { className: "tl-media-viewer-row" });
  const controlsHolder = el("div", { className: "tl-media-viewer-controls" });
  const prev = el("button", { attrs: { type: "button", title: "previous row (←)" }, dataset: { role: "viewer-prev" }, text: "‹" });
  const next = el("button", { attrs: { type: "button", title: "next row (→)" }, dataset: { role: "viewer-next" }, text: "›" });
  const close = el("button", { attrs: { type: "button", title: "close (Esc)" }, dataset: { role: "viewer-close" }, text: "×" });
  const panel = el(
    "div",
    { className: "tl-media-viewer-panel" },
    el("div", { className: "tl-media-viewer-head" }, title, counter, el("span", { className: "tl-media-spacer" }), prev, next, close),
    el("div", { className: "tl-media-viewer-body" }, stage, el("aside", { className: "tl-media-viewer-aside" }, controlsHolder, notes, valuesHolder)),
  );
  const root = el(
    "dialog",
    {
      className: "tl-media-viewer",
      dataset: { role: "viewer", lmSuppressShortcuts: "true" },
      attrs: { "aria-modal": "true", "aria-label": "enlarged image", tabindex: "-1" },
    },
    el("div", { className: "tl-media-viewer-backdrop", on: { click: () => viewer.close() } }),
    panel,
  );
  mountOverlay(root, overlayHost(ctx, entry.source));
  showModal(root);
  const cleanupControls = renderMediaControls(controlsHolder, undefined, ctx);

  /** @type {ViewerEntry | null} */
  let current = null;
  /** @type {ViewHandle | null} */
  let view = null;
  /** @type {HTMLElement | null} */
  let imageRoot = null;
  let navToken = 0;
  /** @type {ReturnType<typeof setInterval> | null} */
  let notesTimer = null;

  function refreshNotes() {
    // the widget was closed or re-rendered without images under us: nothing left to come back to
    const others = [...s.views].some((v) => v !== view && v.root && v.root.isConnected);
    if (!others) return viewer.close();
    notes.replaceChildren(...(view ? view.notes() : []).map((n) => el("li", { text: n })));
  }

  /** @param {ViewerEntry} e */
  function show(e) {
    current = e;
    if (view) view.destroy();
    if (imageRoot) imageRoot.remove();
    hideTooltip();
    const image = e.image || (e.compare && e.compare.other) || null;
    const cap = image && image.caption ? String(image.caption) : image && image.key != null ? String(image.key) : "";
    title.textContent = cap;
    title.title = cap;
    imageRoot = el("div", { className: "tl-media-cell tl-media-large", dataset: { role: "image", state: "loading" } });
    stage.replaceChildren(imageRoot);
    view = mountView(imageRoot, ctx, e.image, { box: stageBox(), compare: e.compare || null, fullRes: true, onOpen: null });
    valuesHolder.replaceChildren(rowValues(e.row, e.image));
    const siblings = e.onNavigate ? null : e.source ? siblingCells(ctx, e.source) : [];
    if (siblings && e.source) {
      const i = siblings.indexOf(e.source);
      counter.textContent = i >= 0 ? `${i + 1} / ${siblings.length}` : "";
    } else counter.textContent = "";
    notes.replaceChildren();
    if (notesTimer) clearInterval(notesTimer);
    notesTimer = setInterval(refreshNotes, 500); // notes appear as the full image and masks arrive
    root.focus({ preventScroll: true });
  }

  /** @param {number} delta */
  async function navigate(delta) {
    if (!current) return;
    const token = ++navToken;
    if (current.onNavigate) {
      let r = null;
      try {
        r = await current.onNavigate(delta);
      } catch (err) {
        console.warn("tablelens: navigation failed", err);
      }
      if (token !== navToken || !r || !(r.image || r.compare)) return;
      show({ image: r.image ?? null, compare: r.compare ?? current.compare ?? null, row: r.row ?? null, onNavigate: r.onNavigate ?? current.onNavigate, source: null });
      return;
    }
    const source = current.source;
    const siblings = source ? siblingCells(ctx, source) : [];
    const i = source ? siblings.indexOf(source) : -1;
    const target = i >= 0 ? siblings[i + delta] : null;
    if (!target || !target._tlMedia) return;
    show({ ...target._tlMedia, source: target });
    target.scrollIntoView?.({ block: "nearest" });
  }

  /** @type {Record<string, number>} */
  const STEPS = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    const step = STEPS[e.key];
    const target = /** @type {Element | null} */ (e.target);
    if (step) {
      if (target && target.matches && target.matches('input[type="range"]')) return; // the slider's own keys
      e.preventDefault();
      e.stopPropagation();
      navigate(step);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      viewer.close();
    } else {
      e.stopPropagation(); // the host (JupyterLab's notebook shortcuts) must not act on keys typed here
    }
  }
  /** @param {Event} e */
  const onCancel = (e) => {
    e.preventDefault(); // Escape: close through viewer.close, which cleans up
    viewer.close();
  };
  root.addEventListener("keydown", onKey);
  root.addEventListener("cancel", onCancel);
  prev.addEventListener("click", () => navigate(-1));
  next.addEventListener("click", () => navigate(1));
  close.addEventListener("click", () => viewer.close());

  /** @type {ViewerHandle} */
  const viewer = {
    root,
    show,
    navigate,
    close() {
      if (s.viewer !== viewer) return; // closed already
      if (notesTimer) clearInterval(notesTimer);
      hideTooltip();
      if (view) view.destroy();
      cleanupControls();
      root.removeEventListener("keydown", onKey);
      root.removeEventListener("cancel", onCancel);
      if (root.open && typeof root.close === "function") root.close();
      root.remove();
      s.viewer = null;
      if (previousFocus && previousFocus.isConnected && previousFocus.focus) previousFocus.focus({ preventScroll: true });
    },
  };
  s.viewer = viewer;
  root.style.setProperty("--tl-media-dpr", String(dpr()));
  show(entry);
  return viewer;
}
