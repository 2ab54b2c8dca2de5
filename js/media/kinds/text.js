// @ts-check
// A long text cell (a string over 200 characters): a few clipped lines; "expand" shows all of it (asking the
// kernel for the whole text when the page carried a cut one), "Markdown" shows it rendered by marked (an asset)
// inside a sandboxed iframe with no scripts. The text itself only ever becomes textContent here.

import { el, errorText, isStale } from "../dom.js";
import { sandboxedFrame } from "./html.js";

/**
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/** Cells longer than this many characters are drawn as long text. */
export const LONG_TEXT = 200;
/** The clipped view holds this many characters (and CSS clamps it to a few lines). */
const CLIPPED = 300;

/** @param {string} text */
function clipped(text) {
  return text.length > CLIPPED ? `${text.slice(0, CLIPPED - 1)}…` : text;
}

/**
 * @param {HTMLElement} container
 * @param {string} text
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts & {cut?: boolean}} opts
 * @returns {() => void}
 */
export function renderLongText(container, text, ctx, opts) {
  const root = el("div", { className: "tl-longtext", dataset: { role: "long-text", state: "clipped" } });
  const body = el("div", { className: "tl-longtext-body", dataset: { role: "long-text-body" }, text: clipped(text) });
  const bar = el("div", { className: "tl-longtext-bar" });
  const expand = el("button", { className: "tl-longtext-btn", dataset: { role: "text-expand" }, attrs: { type: "button", "aria-expanded": "false" }, text: "expand" });
  const markdown = el("button", { className: "tl-longtext-btn", dataset: { role: "text-markdown" }, attrs: { type: "button", "aria-pressed": "false" }, text: "Markdown" });
  const count = el("span", { className: "tl-muted", text: `${text.length.toLocaleString()}${opts.cut ? "+" : ""} characters` });
  bar.append(expand, markdown, count);
  root.append(body, bar);
  container.append(root);
  let whole = opts.cut ? null : text;
  /** @type {HTMLIFrameElement | null} */
  let md = null;
  let disposed = false;

  /** @returns {Promise<string>} */
  const fullText = async () => {
    if (whole !== null) return whole;
    const row = opts.row;
    const column = opts.column;
    if (!row || !column || !ctx.requestCellText) return text;
    whole = await ctx.requestCellText(row._key, column.name);
    count.textContent = `${whole.length.toLocaleString()} characters`;
    return whole;
  };
  const show = (/** @type {"clipped" | "open" | "markdown"} */ state) => {
    root.dataset.state = state;
    expand.setAttribute("aria-expanded", String(state !== "clipped"));
    expand.textContent = state === "clipped" ? "expand" : "collapse";
    markdown.setAttribute("aria-pressed", String(state === "markdown"));
    body.hidden = state === "markdown";
    if (md) md.hidden = state !== "markdown";
  };
  const fail = (/** @type {unknown} */ err) => {
    if (isStale(err) || disposed) return;
    count.textContent = `cannot load the whole text: ${errorText(err)}`;
  };
  expand.addEventListener("click", (ev) => {
    ev.stopPropagation();
    if (root.dataset.state !== "clipped") {
      body.textContent = clipped(whole ?? text);
      show("clipped");
      return;
    }
    fullText().then((t) => {
      if (disposed) return;
      body.textContent = t;
      show("open");
    }, fail);
  });
  markdown.addEventListener("click", (ev) => {
    ev.stopPropagation();
    if (root.dataset.state === "markdown") {
      show("open");
      return;
    }
    Promise.all([fullText(), ctx.loadAsset ? ctx.loadAsset("markdown") : Promise.reject(new Error("no Markdown renderer here"))])
      .then(([t, asset]) => {
        if (disposed) return;
        body.textContent = t;
        const html = String(asset.marked.parse(t, { async: false }));
        if (md) md.remove();
        md = sandboxedFrame(html, { scripts: false, className: "tl-longtext-md", title: "Markdown" });
        root.insertBefore(md, bar);
        show("markdown");
      }, fail);
  });
  return () => {
    disposed = true;
    root.remove();
  };
}
