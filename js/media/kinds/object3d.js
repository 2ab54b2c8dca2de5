// @ts-check
// A 3-D cell (Object3D) and a molecule cell: the static picture the kernel drew, the point and box counts; a click
// opens the interactive 3-D view (three.js, loaded once per page as an asset) for 3-D files, and the picture at a
// larger size for molecules.

import { el, errorText } from "../dom.js";
import { attempt, cssColor, facts, fileBlob, frame, loadThumb, onActivate, showError } from "./common.js";
import { mountThreeView } from "./three-view.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/**
 * @param {MediaValue} value
 * @returns {(string | null)[]}
 */
function describe(value) {
  if (value.kind === "molecule") return [value.atoms != null ? `${value.atoms} atoms` : null, value.format || null];
  const n = value.points ?? null;
  const what = value.faces ? `${n} vertices, ${value.faces} faces` : n != null ? `${n} points` : null;
  return [what, value.boxes ? `${value.boxes} ${value.boxes === 1 ? "box" : "boxes"}` : null, value.format || null];
}

/**
 * Open the 3-D view of `value` in a dialog.
 * @param {MediaCtx} ctx
 * @param {MediaValue} value
 * @param {HTMLElement} themeFrom
 */
export function openThreeView(ctx, value, themeFrom) {
  if (!ctx.openDialog) return () => undefined;
  return ctx.openDialog(value.caption || "3-D view", async (body) => {
    const host = el("div", { className: "tl-mc-3d", dataset: { role: "o3d-view", state: "loading" } });
    body.append(host);
    try {
      if (!ctx.loadAsset) throw new Error("this view cannot load three.js");
      const [asset, file] = await Promise.all([ctx.loadAsset("three"), fileBlob(ctx, value)]);
      const width = Math.min(900, Math.max(320, Math.round((globalThis.innerWidth || 1000) * 0.7)));
      const cleanup = await mountThreeView(host, asset, file, {
        width, height: Math.round(width * 0.62), background: cssColor(themeFrom, "--tl-bg", "#111111"),
      });
      host.dataset.state = "ready";
      return cleanup;
    } catch (err) {
      host.dataset.state = "error";
      host.replaceChildren(el("div", { className: "tl-media-placeholder", dataset: { role: "media-error" }, text: `the 3-D view cannot be shown: ${errorText(err)}` }));
      return undefined;
    }
  });
}

/**
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderObject3D(container, value, ctx, opts = {}) {
  const size = opts.size || 96;
  const { root, body } = frame(value, !!opts.compact);
  container.append(root);
  const stage = el("div", {
    className: "tl-mc-stage",
    dataset: { role: "media-open" },
    attrs: { tabindex: "0", role: "button", "aria-label": value.kind === "molecule" ? "enlarge" : "open the 3-D view", title: "click to open" },
    style: { minWidth: `${size}px`, minHeight: `${Math.round(size * 0.75)}px` },
  });
  body.append(stage);
  if (!opts.compact) body.append(facts(describe(value)));
  let disposed = false;
  /** @type {(() => void) | null} */
  let close = null;
  if (!value.key) {
    showError(root, body, value.kind, value.error || "this cell has no file");
    return () => root.remove();
  }
  attempt(async () => {
    const pic = await loadThumb(ctx, value, size);
    if (disposed) return;
    stage.replaceChildren(pic);
    root.dataset.state = "ready";
  }, (err) => !disposed && showError(root, body, value.kind, err));

  const open = () => {
    if (value.kind === "object3d") {
      close = openThreeView(ctx, value, root);
      return;
    }
    if (!ctx.openDialog) return;
    close = ctx.openDialog(value.caption || "molecule", async (dialogBody) => {
      try {
        dialogBody.append(await loadThumb(ctx, value, 480));
      } catch (err) {
        dialogBody.append(el("div", { className: "tl-media-placeholder", text: errorText(err) }));
      }
    });
  };
  onActivate(stage, open);
  return () => {
    disposed = true;
    if (close) close();
    root.remove();
  };
}
