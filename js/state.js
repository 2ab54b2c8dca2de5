// @ts-check
// Access to the synced traits of docs/protocol.md through the anywidget model proxy. The kernel validates every
// trait and echoes its canonical form (`sort` is [[key, "asc"|"desc"], ...], `group_by` a list of strings), so
// values are read as they are: only a missing trait (an older kernel, or before the first sync) gets its default.
// Writes from the browser always go through `setTraits`, which sets and saves in one step.

/** @import { ErrorControl, ErrorInfo, Mode, Model, TraitName, Traits, VersionEntry } from "./types/protocol" */

/** @type {Readonly<Traits>} Defaults used when a trait is missing. */
export const DEFAULTS = Object.freeze({
  filter: "",
  group_by: [],
  sort: [],
  compare: "",
  quick_filter: "all",
  hidden_columns: [],
  page_size: 50,
  overlay: {},
  recent_filters: [],
  source_label: "",
  schema: [],
  versions: [],
  tables: [],
  num_rows: 0,
  total_rows: 0,
  mode: "rows",
  result_version: 0,
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
});

/**
 * The value of trait `name`, or its default when the model has none.
 * @template {TraitName} K
 * @param {Model} model
 * @param {K} name
 * @returns {Traits[K]}
 */
export function get(model, name) {
  let value;
  try {
    value = model.get(name);
  } catch {
    value = undefined;
  }
  if (value !== undefined && value !== null) return value;
  const fallback = DEFAULTS[name];
  // a fresh empty list or dict: callers may keep what they get
  if (Array.isArray(fallback)) return /** @type {Traits[K]} */ (/** @type {unknown} */ ([]));
  if (fallback && typeof fallback === "object") return /** @type {Traits[K]} */ ({});
  return fallback;
}

/**
 * Set several traits and send them to the kernel.
 * @param {Model} model
 * @param {Partial<Traits>} values
 */
export function setTraits(model, values) {
  for (const name of /** @type {TraitName[]} */ (Object.keys(values))) model.set(name, /** @type {any} */ (values[name]));
  model.save_changes();
}

/**
 * Call `callback()` when any of the traits `names` changes; returns the function that stops listening.
 * @param {Model} model
 * @param {TraitName[]} names
 * @param {() => void} callback
 * @returns {() => void}
 */
export function onChange(model, names, callback) {
  const handler = () => callback();
  for (const name of names) model.on(`change:${name}`, handler);
  return () => {
    for (const name of names) model.off(`change:${name}`, handler);
  };
}

/**
 * True in the two compare view modes.
 * @param {Mode | string} mode
 */
export function isCompareMode(mode) {
  return mode === "compare" || mode === "compare-groups";
}

/**
 * True in the two grouped view modes.
 * @param {Mode | string} mode
 */
export function isGroupMode(mode) {
  return mode === "groups" || mode === "compare-groups";
}

/**
 * The error dict when it belongs to `control` (or to any control when `control` is omitted), else null.
 * @param {Model} model
 * @param {ErrorControl | null} [control]
 * @returns {(ErrorInfo & {message: string}) | null}
 */
export function errorFor(model, control) {
  const err = get(model, "error");
  if (!err || !err.message) return null;
  if (control && (err.control || "filter") !== control) return null;
  return /** @type {ErrorInfo & {message: string}} */ (err);
}

/**
 * The string to put in the `compare` trait for a `versions` entry: its `spec` when the kernel sends one,
 * else "<artifact name>:<version>" with the name taken from `source_label` ("preds:v3 / predictions").
 * @param {VersionEntry | null | undefined} entry
 * @param {string} sourceLabel
 */
export function versionSpec(entry, sourceLabel) {
  if (entry && entry.spec) return String(entry.spec);
  const version = entry ? String(entry.version) : "";
  const label = String(sourceLabel || "");
  const colon = label.indexOf(":");
  const name = colon > 0 ? label.slice(0, colon).trim() : "";
  return name ? `${name}:${version}` : version;
}
