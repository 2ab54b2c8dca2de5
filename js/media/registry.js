// Per-widget media state: the image views mounted on the page, the media controls, the open enlarged view,
// and an overlay value being dragged that the model has not caught up with yet. Every redraw goes through
// scheduleRedraw, which coalesces a burst of changes into one pass over the mounted views.

import { readOverlay } from "./overlay-state.js";

const states = new WeakMap();

/** The media state of a widget context (created on first use). */
export function mediaState(ctx) {
  let s = states.get(ctx);
  if (!s) {
    s = {
      views: new Set(), // {redraw(view), describe(), root}
      controls: new Set(), // {sync(), rebuild()}
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

/** The overlay dict in force: a pending local change, else the model's. */
export function currentOverlay(ctx) {
  const s = mediaState(ctx);
  let model = {};
  try {
    model = (ctx.getOverlay && ctx.getOverlay()) || {};
  } catch {
    model = {};
  }
  if (s.override && !s.dragging && JSON.stringify(model) === JSON.stringify(s.override)) s.override = null;
  return s.override || model;
}

/** Lookups of the overlay in force (memoized per dict). */
export function currentView(ctx) {
  return readOverlay(currentOverlay(ctx));
}

/**
 * Show overlay `next` at once on every image, and (when `commit`) store it in the model so Python sees it and it
 * is remembered. Sliders pass commit=false while dragging and commit on release.
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

/** The model's overlay changed (from Python, or our own echo): drop a stale local value and redraw. */
export function overlayChanged(ctx) {
  const s = mediaState(ctx);
  if (!s.dragging) s.override = null;
  scheduleRedraw(ctx);
}

/** Redraw every mounted image and control once, after the current task's changes. */
export function scheduleRedraw(ctx) {
  const s = mediaState(ctx);
  if (s.redrawQueued) return;
  s.redrawQueued = true;
  queueMicrotask(() => {
    s.redrawQueued = false;
    redrawNow(ctx);
  });
}

/** Redraw synchronously (benchmarks time this). */
export function redrawNow(ctx) {
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

/** What the legend lists changed (an image mounted, its masks arrived): rebuild controls once, a bit later. */
export function contentChanged(ctx) {
  const s = mediaState(ctx);
  if (s.contentQueued) return;
  s.contentQueued = true;
  setTimeout(() => {
    s.contentQueued = false;
    for (const c of s.controls) c.rebuild();
  }, 30);
}

export function addView(ctx, v) {
  mediaState(ctx).views.add(v);
  contentChanged(ctx);
}

export function removeView(ctx, v) {
  mediaState(ctx).views.delete(v);
  contentChanged(ctx);
}
