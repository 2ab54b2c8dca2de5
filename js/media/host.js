// @ts-check
// Where js/media's overlays (the enlarged view, the box hover card) are mounted: inside the widget's root element,
// never on document.body, so they are styled wherever the widget lives (in marimo its CSS is in a shadow root
// around the widget) and carry its theme variables. They are shown in the browser's top layer (a modal <dialog>,
// a popover), so the host's scrolling, clipping and containment around the widget neither move nor cut them.

import { hostTheme } from "../theme.js";

/** @import { MediaCtx } from "../types/frontend" */

/**
 * The element the overlays of `ctx` go in: the widget's root (ctx.overlayRoot), else the themed root around
 * `node`, else the page's body (js/media used on its own).
 * @param {MediaCtx} ctx
 * @param {Element | null | undefined} [node] the element the overlay is for
 * @returns {HTMLElement}
 */
export function overlayHost(ctx, node) {
  if (ctx.overlayRoot && ctx.overlayRoot.isConnected) return ctx.overlayRoot;
  const themed = node && node.isConnected ? /** @type {HTMLElement | null} */ (node.closest(".tl-theme")) : null;
  return themed || (node && node.ownerDocument ? node.ownerDocument.body : document.body);
}

/**
 * Put `overlay` in `host`; outside a themed root it takes the theme variables itself (js/theme.css).
 * @param {HTMLElement} overlay
 * @param {HTMLElement} host
 */
export function mountOverlay(overlay, host) {
  if (!host.closest(".tl-theme")) {
    overlay.classList.add("tl-theme");
    overlay.dataset.tlTheme = hostTheme(host);
  }
  host.append(overlay);
}

/**
 * Show `el` (a `popover="manual"` element) in the top layer; where popovers are missing it stays in place
 * (position: fixed).
 * @param {HTMLElement} el
 */
export function showOnTop(el) {
  el.hidden = false;
  if (typeof el.showPopover === "function" && el.hasAttribute("popover")) {
    try {
      if (!el.matches(":popover-open")) el.showPopover();
    } catch {
      // not connected, or the platform refuses: it shows in place
    }
  }
}

/**
 * Hide an element shown by showOnTop.
 * @param {HTMLElement} el
 */
export function hideFromTop(el) {
  if (typeof el.hidePopover === "function" && el.hasAttribute("popover")) {
    try {
      if (el.matches(":popover-open")) el.hidePopover();
    } catch {
      // already hidden
    }
  }
  el.hidden = true;
}
