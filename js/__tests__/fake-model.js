// @ts-check
// A stand-in for the anywidget model proxy: traits with change events, save_changes, send and msg:custom.

/** @import { Model, Traits } from "../types/protocol" */

/** @type {Traits} */
export const BASE_TRAITS = {
  filter: "",
  group_by: [],
  sort: [],
  compare: "",
  quick_filter: "all",
  hidden_columns: [],
  page_size: 50,
  overlay: {},
  recent_filters: [],
  source_label: "preds:v3 / predictions",
  schema: [],
  versions: [],
  tables: [],
  num_rows: 0,
  total_rows: 0,
  mode: "rows",
  result_version: 1,
  error: {},
  busy: false,
  selected_keys: [],
  saved_views: [],
  current_view: "",
  notice: {},
  pending_edits: 0,
  editable_columns: [],
  panels: [],
  evaluation: {},
  eval_threshold: null,
};

/**
 * @typedef {Model & {
 *   sent: any[],
 *   saved: number,
 *   emit(event: string, ...args: unknown[]): void,
 *   answer(msg: Record<string, unknown>, buffers?: unknown[]): void,
 *   kernelSync(patch: Record<string, unknown>): void,
 *   kernelSet(patch: Record<string, unknown>): void,
 *   lastSent(type?: string): any,
 *   listenerCount(): number,
 * }} FakeModel
 */

/**
 * A fake model with `traits` over the defaults. Tests may give values the kernel would never send (null, a wrong
 * type), so traits are loosely typed here; messages sent and received are `any` for the same reason.
 * @param {Record<string, unknown>} [traits]
 * @returns {FakeModel}
 */
export function fakeModel(traits = {}) {
  /** @type {Record<string, any>} */
  const values = structuredClone({ ...BASE_TRAITS, ...traits });
  /** @type {Map<string, Set<(...args: any[]) => void>>} */
  const listeners = new Map();
  const model = {
    /** @type {any[]} messages the browser sent */
    sent: [],
    saved: 0,
    /** @param {string} name */
    get(name) {
      return values[name];
    },
    /**
     * @param {string} name
     * @param {unknown} value
     */
    set(name, value) {
      const same = JSON.stringify(values[name]) === JSON.stringify(value);
      values[name] = value;
      if (!same) model.emit(`change:${name}`);
    },
    save_changes() {
      model.saved += 1;
    },
    /** @param {unknown} msg */
    send(msg) {
      model.sent.push(msg);
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
    /**
     * @param {string} event
     * @param {...unknown} args
     */
    emit(event, ...args) {
      for (const cb of [...(listeners.get(event) || [])]) cb(...args);
    },
    /**
     * The kernel answers a message.
     * @param {Record<string, unknown>} msg
     * @param {unknown[]} [buffers]
     */
    answer(msg, buffers = []) {
      model.emit("msg:custom", msg, buffers);
    },
    /**
     * The kernel syncs several traits in one message: all are set, then the change events fire.
     * @param {Record<string, unknown>} patch
     */
    kernelSync(patch) {
      const changed = Object.keys(patch).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(patch[k]));
      Object.assign(values, structuredClone(patch));
      for (const k of changed) model.emit(`change:${k}`);
    },
    /**
     * The kernel sets traits (each fires its change event).
     * @param {Record<string, unknown>} patch
     */
    kernelSet(patch) {
      for (const [k, v] of Object.entries(patch)) model.set(k, v);
    },
    /**
     * The last message sent (of `type`); the tests read its fields.
     * @param {string} [type]
     * @returns {any}
     */
    lastSent(type) {
      for (let i = model.sent.length - 1; i >= 0; i--) if (!type || model.sent[i].type === type) return model.sent[i];
      return undefined;
    },
    listenerCount() {
      let n = 0;
      for (const s of listeners.values()) n += s.size;
      return n;
    },
  };
  return /** @type {FakeModel} */ (/** @type {unknown} */ (model));
}

/** Wait for pending promise callbacks and zero-delay timers. */
export async function settle(times = 3) {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}
