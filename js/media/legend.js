// @ts-check
// What the media controls list: layers, the classes present in each, score keys (with their range), whether
// there are masks and compare cells. Gathered from the schema's image columns (when the kernel puts layers /
// scores / classes there, as in the Parquet column metadata of docs/storage.md) and from the images on show.
// Also builds the legend DOM: one block per layer with a layer toggle and a class toggle per class.

import { el } from "./dom.js";
import { maskStats, isMask } from "./masks.js";
import { classSet } from "./palette.js";

/**
 * @import { SchemaColumn } from "../types/protocol"
 * @import { Described } from "./registry.js"
 * @import { ClassEntry } from "./palette.js"
 */

/** @typedef {{id: number | string, name: string, color: string, known: boolean}} LegendClass */
/** @typedef {{name: string, boxes: boolean, mask: boolean, classes: Map<number | string, LegendClass>}} LayerEntry */
/**
 * What the controls list.
 * @typedef {object} Shape
 * @property {{name: string, boxes: boolean, mask: boolean, classes: LegendClass[]}[]} layers
 * @property {{key: string, max: number}[]} scores
 * @property {boolean} hasMasks
 * @property {boolean} hasCompare
 * @property {boolean} hasStatus boxes on show carry a match status (an evaluated table)
 */

/**
 * @param {Map<string, LayerEntry>} layers
 * @param {string} name
 * @returns {LayerEntry}
 */
function layerEntry(layers, name) {
  let e = layers.get(name);
  if (!e) {
    e = { name, boxes: false, mask: false, classes: new Map() };
    layers.set(name, e);
  }
  return e;
}

/**
 * @param {LayerEntry} entry
 * @param {ClassEntry} cls
 */
function addClass(entry, cls) {
  const prev = entry.classes.get(cls.id);
  if (!prev || (!prev.known && cls.known)) entry.classes.set(cls.id, { id: cls.id, name: cls.name, color: cls.color, known: cls.known });
}

/**
 * Shape of the controls: {layers: [{name, boxes, mask, classes: [{id, name, color, known}]}],
 * scores: [{key, max}], hasMasks, hasCompare}. Plain data, so it can be compared to skip needless rebuilds.
 * @param {SchemaColumn[] | null | undefined} schemaColumns
 * @param {Described[]} described
 * @param {{compareMode?: boolean}} [opts]
 * @returns {Shape}
 */
export function collectShape(schemaColumns, described, { compareMode = false } = {}) {
  /** @type {Map<string, LayerEntry>} */
  const layers = new Map();
  /** @type {Map<string, number>} */
  const scores = new Map();
  let hasCompare = compareMode;
  let hasStatus = false;
  /** @type {Map<string, import("./palette.js").ClassSet>} layer -> class set of the column (listed until images say what is present) */
  const schemaClasses = new Map();
  for (const col of Array.isArray(schemaColumns) ? schemaColumns : []) {
    if (!col || (col.kind !== "image" && col.kind !== "images")) continue;
    const cs = classSet(Array.isArray(col.classes) ? col.classes : undefined);
    const L = col.layers && typeof col.layers === "object" ? col.layers : {};
    for (const name of Array.isArray(L.boxes) ? L.boxes : []) {
      layerEntry(layers, String(name)).boxes = true;
      schemaClasses.set(String(name), cs);
    }
    for (const name of Array.isArray(L.masks) ? L.masks : []) {
      layerEntry(layers, String(name)).mask = true;
      schemaClasses.set(String(name), cs);
    }
    if (col.scores && typeof col.scores === "object") {
      for (const keys of Object.values(col.scores)) for (const k of Array.isArray(keys) ? keys : []) if (!scores.has(k)) scores.set(String(k), 1);
    }
  }
  for (const d of described) {
    const image = d.image;
    if (!image || typeof image !== "object") continue;
    if (d.side === 0 || d.side === 1) hasCompare = true;
    const cs = classSet(image.classes);
    if (image.boxes && typeof image.boxes === "object") {
      for (const [name, list] of Object.entries(image.boxes)) {
        if (!Array.isArray(list)) continue;
        const e = layerEntry(layers, name);
        e.boxes = true;
        for (const box of list) {
          if (!box || typeof box !== "object") continue;
          addClass(e, cs.get(box.class_id));
          if (typeof box.status === "string") hasStatus = true;
          if (box.scores && typeof box.scores === "object") {
            for (const [k, v] of Object.entries(box.scores)) {
              if (typeof v !== "number" || !Number.isFinite(v)) continue;
              scores.set(k, Math.max(scores.get(k) ?? 1, v));
            }
          }
        }
      }
    }
    if (image.masks && typeof image.masks === "object") {
      for (const [name, key] of Object.entries(image.masks)) {
        if (key == null) continue;
        const e = layerEntry(layers, name);
        e.mask = true;
        const m = d.masks && d.masks.get(name);
        if (isMask(m)) {
          for (const id of maskStats(m.data).ids) if (id !== 0 || cs.has(0)) addClass(e, cs.get(id));
        } else if (!m) {
          for (const id of cs.ids) addClass(e, cs.get(id)); // not loaded yet: the class set is the best guess
        }
      }
    }
  }
  for (const [name, cs] of schemaClasses) {
    const e = layers.get(name);
    if (e && e.classes.size === 0) for (const id of cs.ids) addClass(e, cs.get(id));
  }
  const out = [...layers.values()].map((e) => ({
    name: e.name,
    boxes: e.boxes,
    mask: e.mask,
    classes: [...e.classes.values()].sort((a, b) => (a.id > b.id ? 1 : a.id < b.id ? -1 : 0)),
  }));
  return {
    layers: out,
    scores: [...scores.entries()].map(([key, max]) => ({ key, max: Math.ceil(max * 100) / 100 })).sort((a, b) => (a.key < b.key ? -1 : 1)),
    hasMasks: out.some((l) => l.mask),
    hasCompare,
    hasStatus,
  };
}

/**
 * Legend DOM: [data-role=legend] with a [data-role=legend-layer] block per layer: a layer checkbox
 * ([data-role=layer-toggle]) and a button per class ([data-role=class-toggle][data-layer][data-class-id]).
 * @param {Shape} shape
 * @param {{toggleLayer(layer: string): void, toggleClass(layer: string, id: number | string, solo: boolean): void}} on
 */
export function buildLegend(shape, on) {
  const root = el("div", { className: "tl-media-legend", dataset: { role: "legend" } });
  if (!shape.layers.length) root.append(el("span", { className: "tl-media-empty", text: "no boxes or masks on show" }));
  for (const layer of shape.layers) {
    const kinds = [layer.boxes ? "boxes" : null, layer.mask ? "mask" : null].filter(Boolean).join(" · ");
    const checkbox = el("input", {
      attrs: { type: "checkbox", "aria-label": `show layer ${layer.name}` },
      dataset: { role: "layer-toggle", layer: layer.name },
      on: { change: () => on.toggleLayer(layer.name) },
    });
    const head = el(
      "label",
      { className: "tl-media-layer-head" },
      checkbox,
      el("span", { className: "tl-media-layer-name", text: layer.name }),
      el("span", { className: "tl-media-layer-kind", text: kinds }),
    );
    const classes = el("div", { className: "tl-media-classes" });
    for (const c of layer.classes) {
      const btn = el(
        "button",
        {
          className: "tl-media-class",
          attrs: {
            type: "button",
            "aria-pressed": "true",
            title: `${c.name}${c.known ? "" : " (not in the class set)"} — click to hide/show, Alt+click to show only this class`,
          },
          dataset: { role: "class-toggle", layer: layer.name, classId: c.id },
          on: { click: (/** @type {MouseEvent} */ e) => on.toggleClass(layer.name, c.id, e.altKey || e.metaKey) },
        },
        el("span", { className: "tl-media-swatch", style: { backgroundColor: c.color } }),
        el("span", { className: "tl-media-class-name", text: c.name }),
      );
      classes.append(btn);
    }
    root.append(el("div", { className: "tl-media-legend-layer", dataset: { role: "legend-layer", layer: layer.name } }, head, classes));
  }
  return root;
}
