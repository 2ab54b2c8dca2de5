// @ts-check
// An HTML cell: a clipped, scaled-down preview of the document in a sandboxed iframe; a click opens it full size in
// a dialog. The document is untrusted: it is only ever given to an iframe whose `sandbox` allows scripts but NOT
// `allow-same-origin` (so it runs in an opaque origin and can never reach the notebook, its cookies or its
// kernel), through `srcdoc`, headed by a content security policy that blocks every network request.

import { el } from "../dom.js";
import { attempt, fileBlob, frame, onActivate, showError } from "./common.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/** What an untrusted document's frame may do: run its own scripts, in an opaque origin — nothing more. */
export const SANDBOX = "allow-scripts";
/** No fetch, image, font or frame from anywhere: the document shows only what it carries inline. */
export const CSP = "default-src 'none'; script-src 'unsafe-inline' data: blob:; style-src 'unsafe-inline' data:; "
  + "img-src data: blob:; media-src data: blob:; font-src data:; form-action 'none'";

/**
 * The `srcdoc` of an untrusted document: the CSP first (a meta before <html> still lands in the head).
 * @param {string} html
 */
export function sandboxedDoc(html) {
  return `<meta http-equiv="Content-Security-Policy" content="${CSP}"><meta charset="utf-8">${html}`;
}

/**
 * A sandboxed iframe showing `html` (also used for Markdown, with no scripts at all: `sandbox=""`).
 * @param {string} html
 * @param {{scripts?: boolean, className?: string, title?: string}} [opts]
 */
export function sandboxedFrame(html, { scripts = true, className = "tl-mc-frame", title = "HTML" } = {}) {
  const frameEl = el("iframe", {
    className,
    dataset: { role: "html-frame" },
    attrs: { sandbox: scripts ? SANDBOX : "", referrerpolicy: "no-referrer", loading: "lazy", title },
  });
  frameEl.srcdoc = sandboxedDoc(html);
  return frameEl;
}

/**
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderHtml(container, value, ctx, opts = {}) {
  const { root, body } = frame(value, !!opts.compact);
  container.append(root);
  const width = Math.round((opts.size || 96) * 2);
  const preview = el("div", {
    className: "tl-mc-html",
    dataset: { role: "media-open" },
    attrs: { tabindex: "0", role: "button", "aria-label": "open the HTML document", title: "click to open" },
    style: { width: `${width}px` },
  });
  body.append(preview);
  let disposed = false;
  /** @type {string | null} */
  let text = null;
  /** @type {(() => void) | null} */
  let closeDialog = null;
  if (!value.key) {
    showError(root, body, "html", value.error || "this cell has no file");
    return () => root.remove();
  }
  attempt(async () => {
    const file = await fileBlob(ctx, value);
    text = await file.blob.text();
    if (disposed) return;
    const f = sandboxedFrame(text, { title: "HTML preview" });
    f.tabIndex = -1;
    preview.append(f);
    root.dataset.state = "ready";
  }, (err) => !disposed && showError(root, body, "html", err));

  const open = () => {
    if (text === null || !ctx.openDialog) return;
    const html = text;
    closeDialog = ctx.openDialog(value.caption || "HTML", (dialogBody) => {
      const full = sandboxedFrame(html, { className: "tl-mc-frame-full", title: "HTML document" });
      dialogBody.append(full);
      return () => full.remove();
    });
  };
  onActivate(preview, open);
  return () => {
    disposed = true;
    if (closeDialog) closeDialog();
    root.remove();
  };
}
