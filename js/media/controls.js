// @ts-check
// The media controls: the legend (layer and class toggles), a threshold slider per score key, the mask opacity
// slider, the compare style switch and "show all". They act on every image at once through the `overlay` trait:
// a click changes the trait (remembered, visible from Python); a slider redraws live while dragged and stores
// its value in the trait at most every 200 ms and on release.

import { el } from "./dom.js";
import { buildLegend, collectShape } from "./legend.js";
import {
  readOverlay,
  setColorBy,
  setCompareStyle,
  setMaskOpacity,
  setScoreMin,
  showAll,
  toggleClass,
  toggleLayer,
} from "./overlay-state.js";
import { applyOverlay, currentOverlay, mediaState } from "./registry.js";
import { STATUS_STYLES } from "./status.js";

/**
 * @import { OverlayDict, SchemaColumn } from "../types/protocol"
 * @import { MediaCtx } from "../types/frontend"
 * @import { Shape } from "./legend.js"
 * @import { OverlayView } from "./overlay-state.js"
 * @import { ControlsHandle } from "./registry.js"
 */

const COMMIT_EVERY_MS = 200;

/**
 * Whether the widget shows a compare view.
 * @param {MediaCtx} ctx
 */
function compareMode(ctx) {
  try {
    const mode = ctx.model && ctx.model.get ? ctx.model.get("mode") : "";
    return typeof mode === "string" && mode.startsWith("compare");
  } catch {
    return false;
  }
}

/**
 * A range slider wired for live redraw while dragging and throttled commits to the trait.
 * @param {MediaCtx} ctx
 * @param {object} spec
 * @param {string} spec.role
 * @param {string} spec.label
 * @param {number} spec.min
 * @param {number} spec.max
 * @param {number} spec.step
 * @param {Record<string, string>} spec.dataset
 * @param {(view: OverlayView) => number} spec.read
 * @param {(overlay: OverlayDict, value: number) => OverlayDict} spec.write
 * @param {(value: number) => string} spec.format
 */
function slider(ctx, { role, label, min, max, step, dataset, read, write, format }) {
  const s = mediaState(ctx);
  const input = el("input", {
    attrs: { type: "range", min, max, step, "aria-label": label },
    dataset: { role, ...dataset },
  });
  const output = el("output", { className: "tl-media-value" });
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let last = 0;
  const commit = () => {
    timer = null;
    last = Date.now();
    applyOverlay(ctx, write(currentOverlay(ctx), Number(input.value)), { commit: true });
  };
  input.addEventListener("input", () => {
    s.dragging = true;
    output.textContent = format(Number(input.value));
    applyOverlay(ctx, write(currentOverlay(ctx), Number(input.value)), { commit: false });
    if (timer === null) timer = setTimeout(commit, Math.max(0, COMMIT_EVERY_MS - (Date.now() - last)));
  });
  input.addEventListener("change", () => {
    s.dragging = false;
    if (timer !== null) clearTimeout(timer);
    commit();
  });
  const row = el("label", { className: "tl-media-slider" }, el("span", { className: "tl-media-slider-label", text: label }), input, output);
  return {
    row,
    /** @param {OverlayView} view */
    sync(view) {
      if (s.dragging && document.activeElement === input) return;
      const v = read(view);
      input.value = String(v);
      output.textContent = format(v);
    },
  };
}

/**
 * renderMediaControls(container, schemaColumns, ctx) -> cleanup.
 * Lists what the image columns of `schemaColumns` and the images on show contain; hidden when there is nothing.
 * @param {HTMLElement} container
 * @param {SchemaColumn[] | undefined} schemaColumns (undefined: those of the last call, for the enlarged view)
 * @param {MediaCtx} ctx
 * @returns {() => void}
 */
export function renderMediaControls(container, schemaColumns, ctx) {
  const s = mediaState(ctx);
  if (Array.isArray(schemaColumns)) s.schemaColumns = schemaColumns;
  const root = el("div", { className: "tl-media-controls", dataset: { role: "media-controls" } });
  container.append(root);
  /** @type {string | null} */
  let shapeKey = null;
  /** @type {ReturnType<typeof slider>[]} */
  let sliders = [];
  /** @type {HTMLButtonElement[]} */
  let compareButtons = [];
  /** @type {HTMLButtonElement[]} */
  let colorButtons = [];
  /** @type {HTMLElement | null} */
  let statusLegend = null;

  /** @param {(overlay: OverlayDict) => OverlayDict} fn */
  const act = (fn) => applyOverlay(ctx, fn(currentOverlay(ctx)), { commit: true });
  const legendActions = {
    /** @param {string} layer */
    toggleLayer: (layer) => act((o) => toggleLayer(o, layer)),
    /**
     * @param {string} layer
     * @param {number | string} id
     * @param {boolean} solo show only this class of the layer
     */
    toggleClass: (layer, id, solo) => {
      if (!solo) return act((o) => toggleClass(o, layer, id));
      const layerShape = lastShape.layers.find((l) => l.name === layer);
      const others = layerShape ? layerShape.classes.map((c) => c.id).filter((c) => c !== id) : [];
      act((o) => {
        let next = toggleClass(o, layer, id, false);
        for (const other of others) next = toggleClass(next, layer, other, true);
        return next;
      });
    },
  };
  /** @type {Shape} */
  let lastShape = { layers: [], scores: [], hasMasks: false, hasCompare: false, hasStatus: false };

  /** @param {Shape} shape */
  function build(shape) {
    lastShape = shape;
    sliders = [];
    compareButtons = [];
    colorButtons = [];
    statusLegend = null;
    const parts = [buildLegend(shape, legendActions)];
    const tools = el("div", { className: "tl-media-tools" });
    if (shape.hasStatus) {
      // beside the class colors: boxes colored by match status, with their legend
      const group = el("div", {
        className: "tl-media-compare-style",
        dataset: { role: "color-by" },
        attrs: { role: "group", "aria-label": "color boxes by" },
      });
      for (const [value, text] of [
        ["class", "by class"],
        ["status", "by match status"],
      ]) {
        const b = el("button", {
          attrs: { type: "button", "aria-pressed": "false" },
          dataset: { value },
          text,
          on: { click: () => act((o) => setColorBy(o, value)) },
        });
        colorButtons.push(b);
        group.append(b);
      }
      tools.append(group);
      statusLegend = el("div", { className: "tl-media-status-legend", dataset: { role: "status-legend" } });
      for (const st of Object.values(STATUS_STYLES)) {
        const swatch = el("span", { className: "tl-media-status-swatch", style: { borderColor: st.color } });
        if (st.dash.length) swatch.style.borderStyle = "dashed";
        statusLegend.append(
          el("span", { className: "tl-media-status-item", attrs: { title: st.title }, dataset: { status: st.status } }, swatch, el("span", { text: st.label })),
        );
      }
      parts.push(/** @type {HTMLDivElement} */ (statusLegend));
    }
    for (const { key, max } of shape.scores) {
      const sl = slider(ctx, {
        role: "score-threshold",
        label: `${key} ≥`,
        min: 0,
        max: Math.max(1, max),
        step: 0.01,
        dataset: { score: key },
        read: (view) => view.scoreMin.get(key) ?? 0,
        write: (o, v) => setScoreMin(o, key, v),
        format: (v) => v.toFixed(2),
      });
      sliders.push(sl);
      tools.append(sl.row);
    }
    if (shape.hasMasks) {
      const sl = slider(ctx, {
        role: "mask-opacity",
        label: "mask opacity",
        min: 0,
        max: 1,
        step: 0.05,
        dataset: {},
        read: (view) => view.maskOpacity,
        write: (o, v) => setMaskOpacity(o, v),
        format: (v) => `${Math.round(v * 100)}%`,
      });
      sliders.push(sl);
      tools.append(sl.row);
    }
    if (shape.hasCompare) {
      const group = el("div", {
        className: "tl-media-compare-style",
        dataset: { role: "compare-style" },
        attrs: { role: "group", "aria-label": "compare style" },
      });
      for (const [value, text] of [
        ["overlay", "A+B overlaid"],
        ["side-by-side", "side by side"],
      ]) {
        const b = el("button", {
          attrs: { type: "button", "aria-pressed": "false" },
          dataset: { value },
          text,
          on: { click: () => act((o) => setCompareStyle(o, value)) },
        });
        compareButtons.push(b);
        group.append(b);
      }
      tools.append(group);
    }
    if (shape.layers.length) {
      tools.append(
        el("button", {
          className: "tl-media-reset",
          attrs: { type: "button", title: "show every layer and class, remove score thresholds" },
          dataset: { role: "overlay-reset" },
          text: "show all",
          on: { click: () => act(showAll) },
        }),
      );
    }
    parts.push(tools);
    root.replaceChildren(...parts);
    root.hidden = !shape.layers.length && !shape.hasCompare;
  }

  /** @type {ControlsHandle} */
  const ctl = {
    rebuild() {
      const described = [...s.views].flatMap((v) => v.describe());
      const shape = collectShape(s.schemaColumns, described, { compareMode: compareMode(ctx) });
      const key = JSON.stringify(shape);
      if (key !== shapeKey) {
        shapeKey = key;
        build(shape);
      }
      ctl.sync();
    },
    sync() {
      const view = readOverlay(currentOverlay(ctx));
      const classToggles = /** @type {NodeListOf<HTMLButtonElement>} */ (root.querySelectorAll('[data-role="class-toggle"]'));
      for (const b of classToggles) {
        const hidden = view.hiddenClasses.get(b.dataset.layer ?? "")?.has(Number(b.dataset.classId)) ?? false;
        b.setAttribute("aria-pressed", hidden ? "false" : "true");
        b.classList.toggle("tl-media-off", hidden);
      }
      const layerToggles = /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll('[data-role="layer-toggle"]'));
      for (const c of layerToggles) {
        const hidden = view.hiddenLayers.has(c.dataset.layer ?? "");
        c.checked = !hidden;
        c.closest('[data-role="legend-layer"]')?.classList.toggle("tl-media-off", hidden);
      }
      for (const sl of sliders) sl.sync(view);
      for (const b of compareButtons) b.setAttribute("aria-pressed", b.dataset.value === view.compareStyle ? "true" : "false");
      for (const b of colorButtons) b.setAttribute("aria-pressed", b.dataset.value === view.colorBy ? "true" : "false");
      if (statusLegend) statusLegend.hidden = view.colorBy !== "status";
    },
  };
  s.controls.add(ctl);
  ctl.rebuild();
  return () => {
    s.controls.delete(ctl);
    root.remove();
  };
}
