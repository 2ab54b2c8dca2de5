// @ts-check
// Per-widget media state: the image views mounted on the page, the media controls, the open enlarged view,
// and an overlay value being dragged that the model has not caught up with yet. Every redraw goes through
// scheduleRedraw, which coalesces a burst of changes into one pass over the mounted views.

import { readOverlay } from "./overlay-state.js";

/**
 * @import { ImageValue, OverlayDict, SchemaColumn, Side } from "../types/protocol"
 * @import { CompareOpts, MaskValue, MediaCtx, NavTarget } from "../types/frontend"
 * @import { OverlayView } from "./overlay-state.js"
 */

/**
 * An image on show and its masks, for the legend.
 * @typedef {{image: ImageValue | null, masks: Map<string, MaskValue>, side: Side | null}} Described
 */
/**
 * A mounted image view (view.js).
 * @typedef {object} ViewHandle
 * @property {HTMLElement & {_tlMedia?: ViewerEntry}} root
 * @property {ImageValue | null} image
 * @property {CompareOpts | null} compare
 * @property {(view: OverlayView) => void} redraw
 * @property {() => Described[]} describe
 * @property {() => string[]} notes
 * @property {() => void} destroy
 */
/** @typedef {{sync(): void, rebuild(): void}} ControlsHandle mounted media controls */
/**
 * What the enlarged view shows: an image cell's image, compare, row, and how to step to its neighbours.
 * @typedef {NavTarget & {source?: HTMLElement | null}} ViewerEntry
 */
/**
 * The open enlarged view.
 * @typedef {object} ViewerHandle
 * @property {HTMLElement} root
 * @property {(entry: ViewerEntry) => void} show
 * @property {(delta: number) => Promise<void>} navigate
 * @property {() => void} close
 */
/**
 * @typedef {object} MediaState
 * @property {Set<ViewHandle>} views
 * @property {Set<ControlsHandle>} controls
 * @property {ViewerHandle | null} viewer
 * @property {OverlayDict | null} override overlay dict shown while the model is not yet updated (slider drags)
 * @property {boolean} dragging
 * @property {boolean} redrawQueued
 * @property {boolean} contentQueued
 * @property {SchemaColumn[]} schemaColumns
 */

/** @type {WeakMap<MediaCtx, MediaState>} */
const states = new WeakMap();

/**
 * The media state of a widget context (created on first use).
 * @param {MediaCtx} ctx
 * @returns {MediaState}
 */
export function mediaState(ctx) {
  let s = states.get(ctx);
  if (!s) {
    s = {
      views: new Set(),
      controls: new Set(),
      viewer: null,
      override: null, // overlay dict shown while the model is not yet updated (slider drags)
      dragging: false,
      redrawQueued: false,
      contentQueued: false,
      schemaColumns: [],
    };
    states.set(ctx, s);
  }
  return s;
}

/**
 * The overlay dict in force: a pending local change, else the model's.
 * @param {MediaCtx} ctx
 * @returns {OverlayDict}
 */
export function currentOverlay(ctx) {
  const s = mediaState(ctx);
  /** @type {OverlayDict} */
  let model = {};
  try {
    model = (ctx.getOverlay && ctx.getOverlay()) || {};
  } catch {
    model = {};
  }
  if (s.override && !s.dragging && JSON.stringify(model) === JSON.stringify(s.override)) s.override = null;
  return s.override || model;
}

/**
 * Lookups of the overlay in force (memoized per dict).
 * @param {MediaCtx} ctx
 */
export function currentView(ctx) {
  return readOverlay(currentOverlay(ctx));
}

/**
 * Show overlay `next` at once on every image, and (when `commit`) store it in the model so Python sees it and it
 * is remembered. Sliders pass commit=false while dragging and commit on release.
 * @param {MediaCtx} ctx
 * @param {OverlayDict} next
 * @param {{commit?: boolean}} [opts]
 */
export function applyOverlay(ctx, next, { commit = true } = {}) {
  const s = mediaState(ctx);
  s.override = next;
  scheduleRedraw(ctx);
  if (commit && ctx.setOverlay) {
    try {
      ctx.setOverlay(next);
    } catch (e) {
      console.warn("tablelens: could not store the overlay state", e);
    }
  }
}

/**
 * The model's overlay changed (from Python, or our own echo): drop a stale local value and redraw.
 * @param {MediaCtx} ctx
 */
export function overlayChanged(ctx) {
  const s = mediaState(ctx);
  if (!s.dragging) s.override = null;
  scheduleRedraw(ctx);
}

/**
 * Redraw every mounted image and control once, after the current task's changes.
 * @param {MediaCtx} ctx
 */
function scheduleRedraw(ctx) {
  const s = mediaState(ctx);
  if (s.redrawQueued) return;
  s.redrawQueued = true;
  queueMicrotask(() => {
    s.redrawQueued = false;
    redrawNow(ctx);
  });
}

/**
 * Redraw every mounted image and control now.
 * @param {MediaCtx} ctx
 */
function redrawNow(ctx) {
  const s = mediaState(ctx);
  const view = currentView(ctx);
  for (const v of s.views) {
    try {
      v.redraw(view);
    } catch (e) {
      console.error("tablelens: drawing an image failed", e);
    }
  }
  for (const c of s.controls) c.sync();
}

/**
 * What the legend lists changed (an image mounted, its masks arrived): rebuild controls once, a bit later.
 * @param {MediaCtx} ctx
 */
function contentChanged(ctx) {
  const s = mediaState(ctx);
  if (s.contentQueued) return;
  s.contentQueued = true;
  setTimeout(() => {
    s.contentQueued = false;
    for (const c of s.controls) c.rebuild();
  }, 30);
}

/**
 * A view was mounted (or what it shows changed): the controls list what it holds.
 * @param {MediaCtx} ctx
 * @param {ViewHandle} v
 */
export function addView(ctx, v) {
  mediaState(ctx).views.add(v);
  contentChanged(ctx);
}

/**
 * A view was destroyed.
 * @param {MediaCtx} ctx
 * @param {ViewHandle} v
 */
export function removeView(ctx, v) {
  mediaState(ctx).views.delete(v);
  contentChanged(ctx);
}
