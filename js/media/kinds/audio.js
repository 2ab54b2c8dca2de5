// @ts-check
// An audio cell: the waveform the kernel computed (min/max peaks, drawn here in the theme's colours), a play/pause
// button, the duration; the played part of the waveform is shaded while it plays. The file itself is fetched only
// when play is first pressed, and played by an <audio> element from a Blob URL.

import { formatDuration } from "../../cells.js";
import { dpr, el } from "../dom.js";
import { attempt, cssColor, facts, fileUrl, frame, KEYS, showError } from "./common.js";

/**
 * @import { MediaValue } from "../../types/protocol"
 * @import { MediaCellOpts, MediaCtx } from "../../types/frontend"
 */

/**
 * Draw peaks (`bins` min/max pairs of signed bytes) into `canvas`, the first `played` fraction highlighted.
 * @param {HTMLCanvasElement} canvas
 * @param {Int8Array} peaks
 * @param {number} played 0..1
 * @param {{wave: string, done: string}} colors
 */
export function drawWaveform(canvas, peaks, played, colors) {
  const g = canvas.getContext("2d");
  if (!g) return;
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  const bins = Math.floor(peaks.length / 2);
  if (!bins) return;
  const mid = height / 2;
  const cut = Math.round(played * width);
  for (let x = 0; x < width; x++) {
    const b = Math.min(bins - 1, Math.floor((x / width) * bins));
    const lo = peaks[2 * b] / 127;
    const hi = peaks[2 * b + 1] / 127;
    const top = mid - Math.max(hi, 0.01) * mid;
    const bottom = mid - Math.min(lo, -0.01) * mid;
    g.fillStyle = x < cut ? colors.done : colors.wave;
    g.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}

/**
 * @param {HTMLElement} container
 * @param {MediaValue} value
 * @param {MediaCtx} ctx
 * @param {MediaCellOpts} [opts]
 * @returns {() => void}
 */
export function renderAudio(container, value, ctx, opts = {}) {
  const compact = !!opts.compact;
  const { root, body } = frame(value, compact);
  container.append(root);
  const width = Math.max(60, Math.round((opts.size || 96) * (compact ? 1 : 1.6)));
  const height = compact ? 28 : 40;
  const canvas = el("canvas", { className: "tl-mc-wave", dataset: { role: "waveform" }, attrs: { "aria-hidden": "true" } });
  const ratio = Math.min(dpr(), 2);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const play = el("button", {
    className: "tl-mc-play",
    dataset: { role: "media-play" },
    attrs: { type: "button", "aria-label": "play", title: "play" },
    text: "▶",
  });
  const wave = el("div", { className: "tl-mc-wave-box" }, play, canvas);
  body.append(wave);
  if (!compact) {
    const sr = value.sample_rate ? `${Number((value.sample_rate / 1000).toPrecision(3))} kHz` : null;
    body.append(facts([formatDuration(value.duration), sr, value.channels && value.channels > 1 ? `${value.channels} ch` : null]));
  } else {
    body.append(facts([formatDuration(value.duration)]));
  }
  const colors = { wave: cssColor(root, "--tl-fg2", "#777"), done: cssColor(root, "--tl-accent", "#1f77b4") };
  /** @type {Int8Array | null} */
  let peaks = null;
  /** @type {HTMLAudioElement | null} */
  let audio = null;
  /** @type {string | null} */
  let url = null;
  let disposed = false;
  const fail = (/** @type {unknown} */ err) => !disposed && showError(root, body, "audio", err);
  const redraw = () => {
    if (!peaks) return;
    const played = audio && audio.duration ? audio.currentTime / audio.duration : 0;
    drawWaveform(canvas, peaks, played, colors);
  };

  if (!value.key) {
    showError(root, body, "audio", value.error || "this cell has no file");
    return () => root.remove();
  }
  if (ctx.requestWaveforms) {
    attempt(async () => {
      const map = await /** @type {NonNullable<MediaCtx["requestWaveforms"]>} */ (ctx.requestWaveforms)([{ key: /** @type {string} */ (value.key), bins: canvas.width }]);
      const got = map.get(/** @type {string} */ (value.key));
      if (disposed) return;
      if (!got || "error" in got) throw new Error(got && "error" in got ? got.error : "no waveform came back");
      peaks = got;
      redraw();
      if (root.dataset.state === "loading") root.dataset.state = "ready";
    }, fail);
  }

  const setPlaying = (/** @type {boolean} */ on) => {
    play.textContent = on ? "⏸" : "▶";
    play.setAttribute("aria-label", on ? "pause" : "play");
    play.title = on ? "pause" : "play";
    root.dataset.state = on ? "playing" : "ready";
  };
  const toggle = () => {
    if (audio) {
      if (audio.paused) audio.play().catch(fail);
      else audio.pause();
      return;
    }
    play.disabled = true;
    attempt(async () => {
      const file = await fileUrl(ctx, value);
      if (disposed) {
        URL.revokeObjectURL(file.url);
        return;
      }
      url = file.url;
      audio = el("audio", { dataset: { role: "media-audio" }, attrs: { preload: "auto" } });
      audio.src = url;
      if (audio.canPlayType && !audio.canPlayType(file.mime)) {
        throw new Error(`this browser cannot play ${file.format || file.mime} audio`);
      }
      audio.addEventListener("play", () => setPlaying(true));
      audio.addEventListener("pause", () => setPlaying(false));
      audio.addEventListener("ended", () => {
        setPlaying(false);
        redraw();
      });
      audio.addEventListener("timeupdate", redraw);
      audio.addEventListener("error", () => fail(`the browser could not decode the ${file.format || "audio"} file`));
      root.append(audio);
      play.disabled = false;
      await audio.play();
    }, (err) => {
      play.disabled = false;
      fail(err);
    });
  };
  play.addEventListener("click", (ev) => {
    ev.stopPropagation();
    toggle();
  });
  play.addEventListener("keydown", (ev) => {
    if (KEYS.has(ev.key)) ev.stopPropagation(); // the table's keyboard navigation must not take it
  });
  // clicking the waveform seeks
  canvas.addEventListener("click", (ev) => {
    ev.stopPropagation();
    if (!audio || !audio.duration) return;
    const r = canvas.getBoundingClientRect();
    audio.currentTime = Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * audio.duration;
    redraw();
  });
  return () => {
    disposed = true;
    if (audio) {
      audio.pause();
      audio.removeAttribute("src");
    }
    if (url) URL.revokeObjectURL(url);
    root.remove();
  };
}
