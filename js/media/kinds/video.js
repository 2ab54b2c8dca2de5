// @ts-check
// A video cell: the poster frame the kernel made, the frames / fps / size; a click (or Enter) plays the clip in
// place — a <video> from a Blob URL of the file (a GIF as an animated <img>). A format the browser cannot play
// keeps its poster, with the reason.

import { formatDuration } from "../../cells.js";
import { el } from "../dom.js";
import { attempt, facts, fileUrl, frame, loadThumb, num, onActivate, showError } from "./common.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/**
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderVideo(container, value, ctx, opts = {}) {
  const compact = !!opts.compact;
  const size = opts.size || 96;
  const { root, body } = frame(value, compact);
  container.append(root);
  const stage = el("div", {
    className: "tl-mc-stage",
    dataset: { role: "media-open" },
    attrs: { tabindex: "0", role: "button", "aria-label": "play the video", title: "click to play" },
  });
  stage.append(el("span", { className: "tl-mc-badge", text: "▶" }));
  body.append(stage);
  const size_ = value.width && value.height ? `${value.width}×${value.height}` : null;
  body.append(facts(compact ? [formatDuration(value.duration)] : [
    value.frames != null ? `${value.frames} frames` : null, value.fps ? `${num(value.fps)} fps` : null, size_,
    formatDuration(value.duration),
  ]));
  let disposed = false;
  /** @type {string | null} */
  let url = null;
  /** @type {HTMLVideoElement | null} */
  let video = null;
  const fail = (/** @type {unknown} */ err) => !disposed && showError(root, body, "video", err);
  if (!value.key) {
    showError(root, body, "video", value.error || "this cell has no file");
    return () => root.remove();
  }
  attempt(async () => {
    const poster = await loadThumb(ctx, value, size);
    if (disposed) return;
    stage.prepend(poster);
    root.dataset.state = "ready";
  }, fail);

  const note = (/** @type {string} */ text) => {
    const n = el("div", { className: "tl-mc-note", dataset: { role: "media-note" }, text });
    body.append(n);
  };
  const playNow = () => {
    if (video) {
      if (video.paused) video.play().catch(() => undefined);
      else video.pause();
      return;
    }
    if (url) return; // a GIF is already playing
    attempt(async () => {
      const file = await fileUrl(ctx, value);
      if (disposed) {
        URL.revokeObjectURL(file.url);
        return;
      }
      url = file.url;
      const box = stage.getBoundingClientRect();
      const w = Math.max(32, Math.round(box.width || size));
      if (file.format === "gif" || file.mime === "image/gif") {
        stage.replaceChildren(el("img", { className: "tl-mc-thumb", dataset: { role: "media-gif" }, attrs: { src: url, alt: "" }, style: { width: `${w}px` } }));
        root.dataset.state = "playing";
        return;
      }
      const v = el("video", {
        className: "tl-mc-video",
        dataset: { role: "media-video" },
        attrs: { muted: true, playsinline: true, loop: true, controls: true, preload: "auto" },
        style: { width: `${w}px` },
      });
      if (v.canPlayType && !v.canPlayType(file.mime)) {
        URL.revokeObjectURL(url);
        url = null;
        note(`this browser cannot play ${file.format || file.mime} video; the poster is shown`);
        return;
      }
      v.muted = true;
      v.src = url;
      v.addEventListener("error", () => note(`the browser could not decode this ${file.format || ""} video`));
      v.addEventListener("play", () => (root.dataset.state = "playing"));
      v.addEventListener("pause", () => (root.dataset.state = "ready"));
      video = v;
      stage.replaceChildren(v);
      await v.play();
    }, fail);
  };
  onActivate(stage, playNow);
  return () => {
    disposed = true;
    if (video) {
      video.pause();
      video.removeAttribute("src");
    }
    if (url) URL.revokeObjectURL(url);
    root.remove();
  };
}
