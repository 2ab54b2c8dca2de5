// Tiny DOM builder. Data (class names, captions, values) only ever becomes text nodes or attribute values,
// never markup: there is no innerHTML anywhere in js/media.

/**
 * el("div", {className, role, dataset: {role: "image"}, attrs: {title}, style: {width: "10px"}, text, on: {click}},
 *    ...children) -> HTMLElement. Children are nodes or strings (strings become text nodes); null is skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { className, dataset, attrs, style, text, on } = props;
  if (className) node.className = className;
  if (dataset) for (const [k, v] of Object.entries(dataset)) if (v != null) node.dataset[k] = String(v);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  if (style) Object.assign(node.style, style);
  if (text != null) node.textContent = String(text);
  if (on) for (const [k, fn] of Object.entries(on)) node.addEventListener(k, fn);
  for (const c of children.flat()) if (c != null) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

/** Device pixel ratio (1 where there is no window). */
export function dpr() {
  const r = globalThis.devicePixelRatio;
  return typeof r === "number" && r > 0 ? r : 1;
}

/** True for the rejection of a superseded or cancelled request (nothing to show the user). */
export function isStale(err) {
  return !!err && (err.name === "StaleAnswer" || err.name === "AbortError");
}

/** Short human text of a cell value (the enlarged view's row values); never markup. */
export function formatValue(v, depth = 0) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "boolean" || typeof v === "string") return String(v);
  if (Array.isArray(v)) {
    const parts = v.slice(0, 20).map((x) => formatValue(x, depth + 1));
    return `[${parts.join(", ")}${v.length > 20 ? `, … ${v.length - 20} more` : ""}]`;
  }
  if (typeof v === "object") {
    if ("$num" in v) return String(v.$num);
    if ("$date" in v) return String(v.$date);
    if ("$absent" in v) return "absent";
    if (v.$image) return `image${v.$image.caption ? `: ${v.$image.caption}` : ""}`;
    if (v.$images) return `${Array.isArray(v.$images) ? v.$images.length : 0} images`;
    if (v.$ndarray) return `ndarray ${v.$ndarray.dtype ?? ""} ${JSON.stringify(v.$ndarray.shape ?? [])}`;
    if (v.$cmp) return `A: ${formatValue(v.$cmp[0], depth + 1)} | B: ${formatValue(v.$cmp[1], depth + 1)}`;
    if (v.$hist) return "histogram";
    if (v.$counts) return "top values";
    if (depth > 2) return "{…}";
    const s = JSON.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}…` : s;
  }
  return String(v);
}
