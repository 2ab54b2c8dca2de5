// The enlarged view: the full-resolution image with the same overlays, the media controls beside it, the notes
// about what could not be drawn, and the row's other values. Arrow keys (and the ‹ › buttons) step to the
// previous / next row, Escape or the backdrop closes it. One per widget; opening another image replaces it.
//
// Navigation: opts.onNavigate(delta) returns (or resolves to) {image, row?, compare?, onNavigate?} for the
// neighbouring row, or null at either end. Without onNavigate the view steps through the image cells mounted on
// the page, in document order, within the same column.

import { renderMediaControls } from "./controls.js";
import { dpr, el, formatValue } from "./dom.js";
import { mediaState } from "./registry.js";
import { hideTooltip } from "./tooltip.js";
import { mountView } from "./view.js";

const ASIDE_WIDTH = 300;

function stageBox() {
  const vw = globalThis.innerWidth || 1024;
  const vh = globalThis.innerHeight || 768;
  return { width: Math.max(160, Math.round(vw * 0.92 - ASIDE_WIDTH - 48)), height: Math.max(160, Math.round(vh * 0.86 - 56)) };
}

function columnOf(node) {
  const cell = node && node.closest ? node.closest("[data-column]") : null;
  return cell ? cell.dataset.column : null;
}

/** The mounted image cells of the page, in document order, in the same column as `source`. */
function siblingCells(ctx, source) {
  const col = columnOf(source);
  const roots = [...mediaState(ctx).views]
    .map((v) => v.root)
    .filter((r) => r && r.isConnected && r._tlMedia && r.dataset.role === "image" && !r.closest('[data-role="viewer"]'))
    .filter((r) => columnOf(r) === col && !r.closest('[data-role="image-grid"]') === !source.closest('[data-role="image-grid"]'));
  return roots.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
}

function rowValues(row, skipImage) {
  const list = el("dl", { className: "tl-media-values", dataset: { role: "viewer-values" } });
  const cells = row && row.cells && typeof row.cells === "object" ? row.cells : null;
  if (!cells) return list;
  for (const [name, value] of Object.entries(cells)) {
    if (value && typeof value === "object" && value.$image && value.$image === skipImage) continue;
    list.append(el("dt", { text: name }), el("dd", { text: formatValue(value), attrs: { title: formatValue(value) } }));
  }
  return list;
}

/** Open (or update) the enlarged view of `entry` = {image, compare, row, onNavigate, source}. */
export function openViewer(ctx, entry) {
  const s = mediaState(ctx);
  if (s.viewer) {
    s.viewer.show(entry);
    return s.viewer;
  }
  const previousFocus = document.activeElement;
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
    "div",
    {
      className: "tl-media-viewer",
      dataset: { role: "viewer", lmSuppressShortcuts: "true" },
      attrs: { role: "dialog", "aria-modal": "true", "aria-label": "enlarged image", tabindex: "-1" },
    },
    el("div", { className: "tl-media-viewer-backdrop", on: { click: () => viewer.close() } }),
    panel,
  );
  document.body.append(root);
  const cleanupControls = renderMediaControls(controlsHolder, undefined, ctx);

  let current = null;
  let view = null;
  let imageRoot = null;
  let navToken = 0;
  let notesTimer = null;

  function refreshNotes() {
    // the widget was closed or re-rendered without images under us: nothing left to come back to
    const others = [...s.views].some((v) => v !== view && v.root && v.root.isConnected);
    if (!others) return viewer.close();
    notes.replaceChildren(...(view ? view.notes() : []).map((n) => el("li", { text: n })));
  }

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
    const siblings = current.source ? siblingCells(ctx, current.source) : [];
    const i = siblings.indexOf(current.source);
    const target = i >= 0 ? siblings[i + delta] : null;
    if (!target) return;
    const info = target._tlMedia;
    show({ ...info, source: target });
    target.scrollIntoView?.({ block: "nearest" });
  }

  function onKey(e) {
    const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[e.key];
    if (step) {
      if (e.target && e.target.matches && e.target.matches('input[type="range"]')) return; // the slider's own keys
      e.preventDefault();
      e.stopPropagation();
      navigate(step);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      viewer.close();
    }
  }
  root.addEventListener("keydown", onKey);
  prev.addEventListener("click", () => navigate(-1));
  next.addEventListener("click", () => navigate(1));
  close.addEventListener("click", () => viewer.close());

  const viewer = {
    root,
    show,
    navigate,
    close() {
      if (notesTimer) clearInterval(notesTimer);
      hideTooltip();
      if (view) view.destroy();
      cleanupControls();
      root.removeEventListener("keydown", onKey);
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
