// @ts-check
// What the media cell renderers share: the cell's frame (data-role="media", data-kind, data-state), its facts
// line and caption (text only), the explained placeholder of a cell that cannot be shown, drawing a thumbnail,
// and a media file as a Blob URL.

import { dpr, el, errorText, isStale } from "../dom.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCtx, ThumbValue } from "../../types/frontend"
 */

/**
 * The frame of one media cell: `root` carries data-role="media", data-kind and data-state (loading | ready |
 * error | playing); `body` is where the renderer draws; the caption, when there is one, is text below.
 * @param {MediaValue} value
 * @param {boolean} [compact]
 */
export function frame(value, compact = false) {
  const root = el("div", {
    className: `tl-mc tl-mc-${value.kind}${compact ? " tl-mc-compact" : ""}`,
    dataset: { role: "media", kind: value.kind, state: "loading", key: value.key ?? null },
  });
  const body = el("div", { className: "tl-mc-body" });
  root.append(body);
  if (value.caption && !compact) root.append(el("div", { className: "tl-mc-caption", dataset: { role: "caption" }, text: value.caption }));
  return { root, body };
}

/**
 * A small facts line ("1.0 s · 8 kHz"): parts that are null are left out.
 * @param {(string | null | undefined | false)[]} parts
 */
export function facts(parts) {
  const text = parts.filter(Boolean).join(" · ");
  return el("div", { className: "tl-mc-facts", dataset: { role: "media-facts" }, text });
}

/**
 * Replace what `root` shows with an explained placeholder (data-role="media-error"); the cell stays in the table.
 * @param {HTMLElement} root
 * @param {HTMLElement} body
 * @param {string} kind
 * @param {unknown} reason
 */
export function showError(root, body, kind, reason) {
  root.dataset.state = "error";
  const text = `${kind === "html" ? "HTML" : kind} cannot be shown: ${typeof reason === "string" ? reason : errorText(reason)}`;
  body.replaceChildren(el("div", { className: "tl-media-placeholder tl-mc-error", dataset: { role: "media-error" }, text }));
}

/**
 * A thumbnail (ImageBitmap or URL) as an element whose longest side is `size` CSS px.
 * @param {ThumbValue} thumb
 * @param {number} size
 * @returns {HTMLElement}
 */
export function thumbNode(thumb, size) {
  if (typeof thumb === "string") {
    return el("img", { className: "tl-mc-thumb", dataset: { role: "media-thumb" }, attrs: { src: thumb, alt: "", draggable: "false" },
      style: { maxWidth: `${size}px`, maxHeight: `${size}px` } });
  }
  if ("error" in thumb) throw new Error(thumb.error);
  const k = size / Math.max(thumb.width, thumb.height, 1); // CSS px per picture px
  const canvas = el("canvas", { className: "tl-mc-thumb", dataset: { role: "media-thumb" } });
  canvas.width = thumb.width;
  canvas.height = thumb.height;
  canvas.style.width = `${Math.max(1, Math.round(thumb.width * k))}px`;
  canvas.style.height = `${Math.max(1, Math.round(thumb.height * k))}px`;
  const g = canvas.getContext("2d");
  if (g) g.drawImage(thumb, 0, 0);
  return canvas;
}

/**
 * The thumbnail of `value` (a video poster, a 3-D or molecule picture) at `size` CSS px, as a node.
 * @param {MediaCtx} ctx
 * @param {MediaValue} value
 * @param {number} size
 * @returns {Promise<HTMLElement>}
 */
export async function loadThumb(ctx, value, size) {
  if (!value.key) throw new Error(value.error || "no file");
  const px = Math.round(size * Math.min(dpr(), 2));
  const map = await ctx.requestThumbs([{ key: value.key, size: px }]);
  const thumb = map.get(value.key);
  if (!thumb) throw new Error("no picture came back");
  return thumbNode(thumb, size);
}

/**
 * The cell's file as a Blob URL (revoke it with `URL.revokeObjectURL` when done) and its mime type.
 * @param {MediaCtx} ctx
 * @param {MediaValue} value
 * @returns {Promise<{url: string, blob: Blob, mime: string, format: string}>}
 */
export async function fileUrl(ctx, value) {
  const blob = await fileBlob(ctx, value);
  return { url: URL.createObjectURL(blob.blob), ...blob };
}

/**
 * The cell's file as a Blob.
 * @param {MediaCtx} ctx
 * @param {MediaValue} value
 * @returns {Promise<{blob: Blob, mime: string, format: string}>}
 */
export async function fileBlob(ctx, value) {
  if (!value.key) throw new Error(value.error || "no file");
  if (!ctx.requestMedia) throw new Error("this view cannot fetch media files");
  const map = await ctx.requestMedia([{ key: value.key }]);
  const got = map.get(value.key);
  if (!got) throw new Error("the file did not come back");
  if ("error" in got) throw new Error(got.error);
  return got;
}

/**
 * Run `fn`, and show its failure in the cell (a request the page no longer needs is ignored).
 * @param {() => Promise<unknown>} fn
 * @param {(err: unknown) => void} onError
 */
export function attempt(fn, onError) {
  fn().catch((err) => {
    if (!isStale(err)) onError(err);
  });
}

/** A play / open button's keyboard: Enter and Space press it. */
export const KEYS = new Set(["Enter", " "]);

/**
 * Run `action` when `el` is clicked or pressed with Enter / Space; the event stops there (the table's row
 * selection and keyboard navigation must not take it).
 * @param {HTMLElement} el
 * @param {() => void} action
 */
export function onActivate(el, action) {
  el.addEventListener("click", (ev) => {
    ev.stopPropagation();
    action();
  });
  el.addEventListener("keydown", (ev) => {
    if (!KEYS.has(ev.key)) return;
    ev.preventDefault();
    ev.stopPropagation();
    action();
  });
}

/**
 * A small number as text ("5", "29.97").
 * @param {number | null | undefined} x
 */
export function num(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "?";
  return String(Number(x.toPrecision(4)));
}

/**
 * The theme colour `name` (a CSS variable) at `node`, else `fallback`.
 * @param {Element} node
 * @param {string} name
 * @param {string} fallback
 */
export function cssColor(node, name, fallback) {
  try {
    const v = globalThis.getComputedStyle(node).getPropertyValue(name).trim();
    return v || fallback;
  } catch {
    return fallback;
  }
}
