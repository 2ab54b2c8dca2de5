// @ts-check
// An image view: one or two frames (compare side by side), each a base-image canvas with a transparent overlay
// canvas exactly on top. Used by table cells (thumbnails) and by the enlarged view (full resolution). It asks
// the widget context for thumbnails / masks / the full image, draws when they arrive, redraws overlays when the
// overlay state changes (through the registry), explains what it could not draw, and never throws into the
// table: a missing or unreadable image becomes a visible placeholder with the reason.

import { comparePanels } from "./compare.js";
import { dpr as devicePixelRatio, el, errorText, isStale } from "./dom.js";
import { fitWithin, hitTest, thumbRequestSize } from "./geometry.js";
import { overlayHost } from "./host.js";
import { drawOverlays } from "./overlay.js";
import { addView, currentView, removeView } from "./registry.js";
import { boxLines, hideTooltip, showTooltip } from "./tooltip.js";

/**
 * @import { ImageValue, Side } from "../types/protocol"
 * @import { CompareOpts, MediaCtx, ThumbValue } from "../types/frontend"
 * @import { Hit, OverlaySource } from "./overlay.js"
 * @import { OverlayView } from "./overlay-state.js"
 * @import { ViewHandle } from "./registry.js"
 */

/** @typedef {ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas} Drawable */
/** @typedef {{width: number, height: number}} Size */

/**
 * @param {ImageValue | null | undefined} im
 * @returns {Size | null}
 */
const validDims = (im) => (im && im.width && im.height && im.width > 0 && im.height > 0 ? { width: im.width, height: im.height } : null);

/**
 * @param {Drawable | null | undefined} d
 * @returns {Size | null}
 */
function drawableSize(d) {
  if (!d) return null;
  const width = ("naturalWidth" in d && d.naturalWidth) || d.width;
  const height = ("naturalHeight" in d && d.naturalHeight) || d.height;
  return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * A thumbnail map value as something drawImage accepts: ImageBitmap/canvas/img as is, a URL string loaded.
 * @param {ThumbValue | null | undefined} value
 * @returns {Promise<Drawable>}
 */
async function toDrawable(value) {
  if (value == null) throw new Error("no image in the answer");
  if (typeof value === "object" && "error" in value) throw new Error(String(value.error));
  if (typeof value === "string") {
    const img = new Image();
    img.src = value;
    await img.decode();
    return img;
  }
  if (!drawableSize(value)) throw new Error("the image has no pixels");
  return value;
}

/**
 * What a frame knows of its drawing.
 * @typedef {object} FrameState
 * @property {"loading" | "ready" | "error"} state
 * @property {string | null} error
 * @property {Drawable | null} bitmap
 * @property {boolean} full whether the bitmap is the full-resolution image
 * @property {string | null} [fullError]
 * @property {boolean} [unknownSize] the image's size was not recorded (taken from the thumbnail)
 * @property {Hit[]} hits
 * @property {string[]} notes
 * @property {number} boxes
 * @property {number} masks
 */

/**
 * One frame: base canvas + overlay canvas + placeholder/badge/label.
 * @param {MediaCtx} ctx
 * @param {ImageValue | null} base the image whose pixels are drawn
 * @param {{image: ImageValue | null, side: Side | null, dashed: boolean}[]} sources whose overlays are drawn on `base`'s pixels
 * @param {{box: Size, fullRes: boolean, label: string | null, onOpen?: (() => void) | null, onChange: (contentChanged?: boolean) => void}} opts
 */
function createFrame(ctx, base, sources, { box, fullRes, label, onOpen, onChange }) {
  const ratio = devicePixelRatio();
  /** @type {OverlaySource[]} */
  const srcs = sources.map((s) => ({ ...s, masks: new Map(), dims: validDims(s.image) }));
  /** @type {FrameState} */
  const st = { state: "loading", error: null, bitmap: null, full: false, hits: [], notes: [], boxes: 0, masks: 0 };
  let alive = true;
  let dims = validDims(base);
  let display = { width: 1, height: 1 };

  const baseCanvas = el("canvas", { className: "tl-media-base", dataset: { role: "base-canvas" } });
  const overlayCanvas = el("canvas", { className: "tl-media-overlay", dataset: { role: "overlay-canvas" } });
  const badge = el("span", { className: "tl-media-badge", dataset: { role: "media-note" }, text: "!" });
  badge.hidden = true;
  const frame = el(
    "div",
    { className: "tl-media-frame", dataset: { role: "image-frame", side: sources.length === 1 ? sources[0].side : null } },
    baseCanvas,
    overlayCanvas,
    label ? el("span", { className: "tl-media-side", text: label }) : null,
    badge,
  );

  function layout() {
    const d = dims || drawableSize(st.bitmap) || { width: box.width, height: box.height };
    display = fitWithin(d.width, d.height, box.width, box.height);
    frame.style.width = `${display.width}px`;
    frame.style.height = `${display.height}px`;
    const cw = Math.max(1, Math.round(display.width * ratio));
    const ch = Math.max(1, Math.round(display.height * ratio));
    for (const c of [baseCanvas, overlayCanvas]) {
      if (c.width !== cw) c.width = cw;
      if (c.height !== ch) c.height = ch;
    }
  }

  /** @param {string} message */
  function fail(message) {
    if (!alive) return;
    st.state = "error";
    st.error = message;
    layout();
    const text = el("span", { className: "tl-media-placeholder-text", text: "Image unavailable" });
    const why = el("span", { className: "tl-media-placeholder-why", text: message });
    const placeholder = el(
      "div",
      { className: "tl-media-placeholder", dataset: { role: "image-error" }, attrs: { title: message, role: "img", "aria-label": `Image unavailable: ${message}` } },
      el("span", { className: "tl-media-placeholder-icon", attrs: { "aria-hidden": "true" }, text: "⚠" }),
      text,
      why,
    );
    frame.replaceChildren(placeholder, ...(label ? [el("span", { className: "tl-media-side", text: label })] : []));
    onChange();
  }

  function drawBase() {
    const g = baseCanvas.getContext("2d");
    if (!g || !st.bitmap) return;
    g.clearRect(0, 0, baseCanvas.width, baseCanvas.height);
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = "high";
    g.drawImage(st.bitmap, 0, 0, baseCanvas.width, baseCanvas.height);
  }

  /**
   * @param {Drawable} bitmap
   * @param {boolean} full
   */
  function setBitmap(bitmap, full) {
    if (!alive || st.state === "error") return;
    if (st.full && !full) return; // a late thumbnail never replaces the full image
    st.bitmap = bitmap;
    st.full = full;
    if (!dims) {
      dims = drawableSize(bitmap);
      st.unknownSize = true;
      for (const s of srcs) if (!s.dims) s.dims = dims;
    }
    layout();
    drawBase();
    st.state = "ready";
    redraw(currentView(ctx));
    onChange();
  }

  /** @param {OverlayView} view */
  function redraw(view) {
    if (!alive || st.state !== "ready") return;
    const g = overlayCanvas.getContext("2d");
    if (!g) return;
    const drawable = /** @type {(OverlaySource & {dims: Size})[]} */ (srcs.filter((s) => s.dims));
    const out = drawOverlays(g, overlayCanvas.width, overlayCanvas.height, drawable, view, { dpr: ratio, labels: true });
    st.hits = out.hits;
    st.boxes = out.boxes;
    st.masks = out.masks;
    const notes = [...out.notes];
    if (st.unknownSize) notes.unshift("the image's size is not recorded: pixel-domain boxes are placed by the thumbnail's size");
    if (st.fullError) notes.push(`full resolution unavailable: ${st.fullError}`);
    st.notes = notes;
    badge.hidden = notes.length === 0;
    badge.title = notes.join("\n");
    badge.setAttribute("aria-label", notes.join(". "));
    frame.dataset.boxes = String(out.boxes);
    frame.dataset.masks = String(out.masks);
  }

  function load() {
    if (!base) return fail("no image in this cell");
    if (base.error) return fail(String(base.error));
    const key = base.key;
    if (key == null || key === "") return fail("the image has no file");
    layout();
    const longest = Math.max(display.width, display.height);
    const native = dims ? Math.max(dims.width, dims.height) : Infinity;
    const size = thumbRequestSize(fullRes ? Math.min(longest, 512) : longest, ratio, native);
    Promise.resolve()
      .then(() => ctx.requestThumbs([{ key, size }]))
      .then((map) => toDrawable(map && map.get(key)))
      .then(
        (bm) => setBitmap(bm, false),
        (e) => {
          if (!isStale(e) && !st.bitmap) fail(errorText(e));
        },
      );
    if (fullRes && ctx.requestImage) {
      Promise.resolve()
        .then(() => ctx.requestImage(key))
        .then(toDrawable)
        .then(
          (bm) => setBitmap(bm, true),
          (e) => {
            if (isStale(e) || !alive) return;
            st.fullError = errorText(e);
            if (!st.bitmap) fail(st.fullError);
            else redraw(currentView(ctx));
          },
        );
    }
    /** @type {{s: OverlaySource, layer: string, key: string}[]} */
    const wanted = [];
    for (const s of srcs) {
      if (!s.image || !s.image.masks || typeof s.image.masks !== "object") continue;
      for (const [layer, key] of Object.entries(s.image.masks)) if (key != null) wanted.push({ s, layer, key: String(key) });
    }
    if (wanted.length && ctx.requestMasks) {
      Promise.resolve()
        .then(() => ctx.requestMasks(wanted.map((w) => ({ key: w.key }))))
        .then(
          (map) => {
            for (const w of wanted) w.s.masks.set(w.layer, (map && map.get(w.key)) || { error: "no answer for this mask" });
          },
          (e) => {
            if (isStale(e)) return;
            for (const w of wanted) w.s.masks.set(w.layer, { error: errorText(e) });
          },
        )
        .then(() => {
          if (!alive) return;
          redraw(currentView(ctx));
          onChange(true);
        });
    }
  }

  // hover: the box under the pointer (smallest first) as a text card, in the enlarged view when it is in one,
  // else in the widget's root
  overlayCanvas.addEventListener("pointermove", (e) => {
    if (!st.hits.length) return hideTooltip();
    const r = overlayCanvas.getBoundingClientRect();
    if (!r.width || !r.height) return;
    const x = ((e.clientX - r.left) * overlayCanvas.width) / r.width;
    const y = ((e.clientY - r.top) * overlayCanvas.height) / r.height;
    const i = hitTest(st.hits, x, y, 3 * ratio);
    if (i < 0) return hideTooltip();
    const viewer = /** @type {HTMLElement | null} */ (frame.closest('[data-role="viewer"]'));
    showTooltip(viewer || overlayHost(ctx, frame), boxLines(st.hits[i]), e.clientX, e.clientY);
  });
  overlayCanvas.addEventListener("pointerleave", hideTooltip);
  if (onOpen) {
    frame.classList.add("tl-media-clickable");
    frame.addEventListener("click", (e) => {
      e.stopPropagation();
      hideTooltip();
      onOpen();
    });
  }

  return {
    frame,
    st,
    srcs,
    load,
    redraw,
    destroy() {
      alive = false;
    },
  };
}

/** @typedef {ReturnType<typeof createFrame>} Frame */

/**
 * Mount an image view in `root` (which the caller created and owns).
 * @param {HTMLElement} root
 * @param {MediaCtx} ctx
 * @param {ImageValue | null} image
 * @param {{box: Size, compare: CompareOpts | null, fullRes: boolean, onOpen: (() => void) | null}} opts box = CSS px to fit in
 * @returns {ViewHandle}
 */
export function mountView(root, ctx, image, opts) {
  /** @type {Frame[]} */
  let frames = [];
  /** @type {string | null} */
  let style = null;
  /** @type {string[]} */
  let panelNotes = [];
  const body = el("div", { className: "tl-media-frames" });
  const key = el("div", { className: "tl-media-compare-key", dataset: { role: "compare-key" } });
  const caption = el("div", { className: "tl-media-caption", dataset: { role: "caption" } });
  root.append(body, key, caption);

  const primary = image || (opts.compare && opts.compare.other) || null;
  const cap = primary && primary.caption != null && primary.caption !== "" ? String(primary.caption) : "";
  caption.textContent = cap;
  caption.title = cap;
  caption.hidden = !cap;

  /** @param {boolean} [contentChanged] */
  function updateState(contentChanged) {
    const states = frames.map((f) => f.st.state);
    root.dataset.state = states.includes("loading") ? "loading" : states.every((s) => s === "error") ? "error" : "ready";
    const errs = frames.map((f) => f.st.error).filter(Boolean);
    if (errs.length) root.dataset.error = errs.join("; ");
    if (contentChanged) addView(ctx, handle); // re-announce: the legend lists classes found in masks
  }

  /** @param {OverlayView} view */
  function build(view) {
    for (const f of frames) f.destroy();
    style = view.compareStyle;
    const { panels, notes, key: showKey } = comparePanels(image, opts.compare, style);
    panelNotes = notes;
    frames = panels.map((p) =>
      createFrame(ctx, p.base, p.sources, {
        box: opts.box,
        fullRes: !!opts.fullRes,
        label: p.label,
        onOpen: opts.onOpen,
        onChange: updateState,
      }),
    );
    body.replaceChildren(...frames.map((f) => f.frame));
    key.replaceChildren();
    key.hidden = !showKey;
    if (showKey) {
      key.append(
        el("span", { className: "tl-media-key-a", text: "A" }),
        el("span", { className: "tl-media-key-line tl-media-key-solid", attrs: { "aria-label": "solid" } }),
        el("span", { className: "tl-media-key-b", text: "B" }),
        el("span", { className: "tl-media-key-line tl-media-key-dashed", attrs: { "aria-label": "dashed" } }),
      );
    }
    if (notes.length) root.title = notes.join("\n");
    root.dataset.compareStyle = opts.compare ? (panels.length === 2 ? "side-by-side" : "overlay") : "";
    updateState(false);
    for (const f of frames) f.load();
  }

  /** @type {ViewHandle} */
  const handle = {
    root,
    image,
    compare: opts.compare || null,
    redraw(view) {
      if (opts.compare && view.compareStyle !== style) build(view);
      else for (const f of frames) f.redraw(view);
    },
    /** Images and decoded masks on show, for the legend. */
    describe() {
      return frames.flatMap((f) => f.srcs.map((s) => ({ image: s.image, masks: s.masks, side: s.side })));
    },
    notes() {
      return [...panelNotes, ...frames.flatMap((f) => (f.st.error ? [f.st.error] : f.st.notes))];
    },
    destroy() {
      for (const f of frames) f.destroy();
      removeView(ctx, handle);
    },
  };
  build(currentView(ctx));
  addView(ctx, handle);
  return handle;
}
