// Access to the synced traits of docs/protocol.md through the anywidget model proxy. Writes from the browser
// always go through `setTraits`, which sets and saves in one step.

/** Defaults used when a trait is missing (an older kernel, or before the first sync). */
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
});

/** The value of trait `name`, or its default when the model has none. */
export function get(model, name) {
  let value;
  try {
    value = model.get(name);
  } catch {
    value = undefined;
  }
  const fallback = DEFAULTS[name];
  if (value === undefined || value === null) {
    return Array.isArray(fallback) ? [] : fallback && typeof fallback === "object" ? {} : fallback;
  }
  if (Array.isArray(fallback) && !Array.isArray(value)) {
    // a lone value where a list is expected (e.g. group_by = "label")
    return typeof value === "string" ? (value ? [value] : []) : [];
  }
  if (name === "sort") return value.map((k) => (Array.isArray(k) ? [String(k[0]), k[1] === "desc" ? "desc" : "asc"] : [String(k), "asc"]));
  return value;
}

/** Set several traits and send them to the kernel. */
export function setTraits(model, values) {
  for (const [name, value] of Object.entries(values)) model.set(name, value);
  model.save_changes();
}

/** Call `callback()` when any of the traits `names` changes; returns the function that stops listening. */
export function onChange(model, names, callback) {
  const handler = () => callback();
  for (const name of names) model.on(`change:${name}`, handler);
  return () => {
    for (const name of names) model.off(`change:${name}`, handler);
  };
}

/** True in the two compare view modes. */
export function isCompareMode(mode) {
  return mode === "compare" || mode === "compare-groups";
}

/** True in the two grouped view modes. */
export function isGroupMode(mode) {
  return mode === "groups" || mode === "compare-groups";
}

/** The error dict when it belongs to `control` (or to any control when `control` is omitted), else null. */
export function errorFor(model, control) {
  const err = get(model, "error");
  if (!err || !err.message) return null;
  if (control && (err.control || "filter") !== control) return null;
  return err;
}

/**
 * The string to put in the `compare` trait for a `versions` entry: its `spec` when the kernel sends one,
 * else "<artifact name>:<version>" with the name taken from `source_label` ("preds:v3 / predictions").
 */
export function versionSpec(entry, sourceLabel) {
  if (entry && entry.spec) return String(entry.spec);
  const version = entry ? String(entry.version) : "";
  const label = String(sourceLabel || "");
  const colon = label.indexOf(":");
  const name = colon > 0 ? label.slice(0, colon).trim() : "";
  return name ? `${name}:${version}` : version;
}
