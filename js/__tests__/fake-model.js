// A stand-in for the anywidget model proxy: traits with change events, save_changes, send and msg:custom.

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
};

export function fakeModel(traits = {}) {
  const values = structuredClone({ ...BASE_TRAITS, ...traits });
  const listeners = new Map();
  const model = {
    sent: [],
    saved: 0,
    get(name) {
      return values[name];
    },
    set(name, value) {
      const same = JSON.stringify(values[name]) === JSON.stringify(value);
      values[name] = value;
      if (!same) model.emit(`change:${name}`);
    },
    save_changes() {
      model.saved += 1;
    },
    send(msg, _callbacks, _buffers) {
      model.sent.push(msg);
    },
    on(event, cb) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(cb);
    },
    off(event, cb) {
      listeners.get(event)?.delete(cb);
    },
    emit(event, ...args) {
      for (const cb of [...(listeners.get(event) || [])]) cb(...args);
    },
    /** The kernel answers a message. */
    answer(msg, buffers = []) {
      model.emit("msg:custom", msg, buffers);
    },
    /** The kernel syncs several traits in one message: all are set, then the change events fire. */
    kernelSync(patch) {
      const changed = Object.keys(patch).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(patch[k]));
      Object.assign(values, structuredClone(patch));
      for (const k of changed) model.emit(`change:${k}`);
    },
    /** The kernel sets traits (each fires its change event). */
    kernelSet(patch) {
      for (const [k, v] of Object.entries(patch)) model.set(k, v);
    },
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
  return model;
}

/** Wait for pending promise callbacks and zero-delay timers. */
export async function settle(times = 3) {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}
