// @ts-check
// The model of one view of a report: the anywidget model proxy (js/types/protocol.d.ts Model) over traits and
// rows saved in the page, and a kernel that answers the protocol's messages (docs/protocol.md) from them — rows
// from the saved page, thumbnails and masks from inline base64 — so the widget's own table, cells, charts and
// media modules draw the report unchanged, with no network and no kernel.
//
// A report is a snapshot: the query traits (filter, group, sort, compare, page size) are fixed; what needs no
// query still works on the page — overlay toggles, thresholds and opacity, hiding columns, selecting rows.

import { DEFAULTS } from "../state.js";

/**
 * @import { BrowserMessage, Buffer, KernelMessage, MediaItem, Model, Row, TraitName, Traits } from "../types/protocol"
 */

/**
 * An image or mask saved in the report: its bytes as base64, or why there are none.
 * @typedef {{mime?: string, width?: number, height?: number, data?: string, error?: string}} SavedMedia
 */

/** Traits a report cannot change: they would need a query. */
const FIXED = new Set(["filter", "group_by", "sort", "compare", "quick_filter", "page_size"]);

/**
 * The bytes of a base64 string.
 * @param {string} text
 */
export function fromBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * @param {Partial<Traits>} traits the view's traits as saved
 * @param {Row[]} rows the view's first rows as saved
 * @param {Record<string, SavedMedia>} media key -> image or mask
 * @returns {Model & {answered: number}}
 */
export function createOfflineModel(traits, rows, media) {
  /** @type {Record<string, unknown>} */
  const values = { ...structuredClone(DEFAULTS), ...structuredClone(traits), result_version: 1, busy: false, error: {} };
  /** @type {Map<string, Set<(...args: any[]) => void>>} */
  const listeners = new Map();
  /** @type {Map<string, Uint8Array>} */
  const bytes = new Map();

  /**
   * @param {string} event
   * @param {...unknown} args
   */
  function emit(event, ...args) {
    for (const cb of [...(listeners.get(event) || [])]) cb(...args);
  }

  /** @param {string} key */
  function bytesOf(key) {
    let b = bytes.get(key);
    if (!b) {
      const m = media[key];
      if (!m || !m.data) return null;
      b = fromBase64(m.data);
      bytes.set(key, b);
    }
    return b;
  }

  /**
   * @param {string[]} keys
   * @returns {{items: MediaItem[], buffers: Buffer[]}}
   */
  function mediaAnswer(keys) {
    /** @type {MediaItem[]} */
    const items = [];
    /** @type {Buffer[]} */
    const buffers = [];
    for (const key of keys) {
      const m = media[key];
      const b = bytesOf(key);
      if (!m || !b) {
        items.push({ key, error: (m && m.error) || "this image is not in the report" });
        continue;
      }
      items.push({ key, width: m.width, height: m.height, mime: m.mime || "image/png", buffer: buffers.length });
      buffers.push(b);
    }
    return { items, buffers };
  }

  /**
   * The answer the kernel would give.
   * @param {BrowserMessage} msg
   * @returns {{msg: KernelMessage, buffers: Buffer[]}}
   */
  function answer(msg) {
    const id = msg.id;
    switch (msg.type) {
      case "rows": {
        const offset = Math.max(0, Number(msg.offset) || 0);
        const limit = Math.max(1, Number(msg.limit) || 50);
        const page = rows.slice(offset, offset + limit);
        return { msg: { type: "rows", id, result_version: 1, offset, total: rows.length, rows: page }, buffers: [] };
      }
      case "thumbs":
      case "masks": {
        const { items, buffers } = mediaAnswer((msg.items || []).map((it) => String(it.key)));
        return { msg: { type: msg.type, id, items }, buffers };
      }
      case "image": {
        const { items, buffers } = mediaAnswer([String(msg.key)]);
        return { msg: { type: "image", id, items }, buffers };
      }
      default:
        return { msg: { type: "error", id, message: "not available in a report (it needs the kernel)" }, buffers: [] };
    }
  }

  const model = {
    answered: 0,
    /**
     * @template {TraitName} K
     * @param {K} name
     * @returns {Traits[K]}
     */
    get(name) {
      return /** @type {Traits[K]} */ (values[name]);
    },
    /**
     * @template {TraitName} K
     * @param {K} name
     * @param {Traits[K]} value
     */
    set(name, value) {
      if (FIXED.has(name)) return;
      const same = JSON.stringify(values[name]) === JSON.stringify(value);
      values[name] = value;
      if (!same) emit(`change:${name}`);
    },
    save_changes() {},
    /** @param {BrowserMessage} msg */
    send(msg) {
      const out = answer(msg);
      // asynchronously, as a kernel's answer arrives
      setTimeout(() => {
        model.answered += 1;
        emit("msg:custom", out.msg, out.buffers);
      }, 0);
    },
    /**
     * @param {string} event
     * @param {(...args: any[]) => void} cb
     */
    on(event, cb) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
    },
    /**
     * @param {string} event
     * @param {(...args: any[]) => void} cb
     */
    off(event, cb) {
      listeners.get(event)?.delete(cb);
    },
  };
  return /** @type {Model & {answered: number}} */ (/** @type {unknown} */ (model));
}
