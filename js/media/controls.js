// The media controls: the legend (layer and class toggles), a threshold slider per score key, the mask opacity
// slider, the compare style switch and "show all". They act on every image at once through the `overlay` trait:
// a click changes the trait (remembered, visible from Python); a slider redraws live while dragged and stores
// its value in the trait at most every 200 ms and on release.

import { el } from "./dom.js";
import { buildLegend, collectShape } from "./legend.js";
import {
  readOverlay,
  setCompareStyle,
  setMaskOpacity,
  setScoreMin,
  showAll,
  toggleClass,
  toggleLayer,
} from "./overlay-state.js";
import { applyOverlay, currentOverlay, mediaState } from "./registry.js";

const COMMIT_EVERY_MS = 200;

function compareMode(ctx) {
  try {
    const mode = ctx.model && ctx.model.get ? ctx.model.get("mode") : "";
    return typeof mode === "string" && mode.startsWith("compare");
  } catch {
    return false;
  }
}

/** A range slider wired for live redraw while dragging and throttled commits to the trait. */
function slider(ctx, { role, label, min, max, step, dataset, read, write, format }) {
  const s = mediaState(ctx);
  const input = el("input", {
    attrs: { type: "range", min, max, step, "aria-label": label },
    dataset: { role, ...dataset },
  });
  const output = el("output", { className: "tl-media-value" });
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
 */
export function renderMediaControls(container, schemaColumns, ctx) {
  const s = mediaState(ctx);
  if (Array.isArray(schemaColumns)) s.schemaColumns = schemaColumns;
  const root = el("div", { className: "tl-media-controls", dataset: { role: "media-controls" } });
  container.append(root);
  let shapeKey = null;
  let sliders = [];
  let compareButtons = [];

  const act = (fn) => applyOverlay(ctx, fn(currentOverlay(ctx)), { commit: true });
  const legendActions = {
    toggleLayer: (layer) => act((o) => toggleLayer(o, layer)),
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
  let lastShape = { layers: [], scores: [], hasMasks: false, hasCompare: false };

  function build(shape) {
    lastShape = shape;
    sliders = [];
    compareButtons = [];
    const parts = [buildLegend(shape, legendActions)];
    const tools = el("div", { className: "tl-media-tools" });
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
      for (const b of root.querySelectorAll('[data-role="class-toggle"]')) {
        const hidden = view.hiddenClasses.get(b.dataset.layer)?.has(Number(b.dataset.classId)) ?? false;
        b.setAttribute("aria-pressed", hidden ? "false" : "true");
        b.classList.toggle("tl-media-off", hidden);
      }
      for (const c of root.querySelectorAll('[data-role="layer-toggle"]')) {
        const hidden = view.hiddenLayers.has(c.dataset.layer);
        c.checked = !hidden;
        c.closest('[data-role="legend-layer"]')?.classList.toggle("tl-media-off", hidden);
      }
      for (const sl of sliders) sl.sync(view);
      for (const b of compareButtons) b.setAttribute("aria-pressed", b.dataset.value === view.compareStyle ? "true" : "false");
    },
  };
  s.controls.add(ctl);
  ctl.rebuild();
  return () => {
    s.controls.delete(ctl);
    root.remove();
  };
}
