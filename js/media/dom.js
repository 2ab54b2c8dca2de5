// @ts-check
// Tiny DOM builder. Data (class names, captions, values) only ever becomes text nodes or attribute values,
// never markup: there is no innerHTML anywhere in js/media.

/**
 * @typedef {object} Props
 * @property {string} [className]
 * @property {Record<string, string | number | boolean | null | undefined>} [dataset]
 * @property {Record<string, string | number | boolean | null | undefined>} [attrs] (true = present, false = absent)
 * @property {Partial<CSSStyleDeclaration>} [style]
 * @property {unknown} [text]
 * @property {Record<string, (ev: any) => void>} [on]
 */
/** @typedef {Node | string | null | undefined | false} Child */

/**
 * el("div", {className, role, dataset: {role: "image"}, attrs: {title}, style: {width: "10px"}, text, on: {click}},
 *    ...children) -> HTMLElement. Children are nodes or strings (strings become text nodes); null is skipped.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
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
  for (const c of children.flat()) if (c != null && c !== false) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

/** Device pixel ratio (1 where there is no window). */
export function dpr() {
  const r = globalThis.devicePixelRatio;
  return typeof r === "number" && r > 0 ? r : 1;
}

/**
 * True for the rejection of a superseded or cancelled request (nothing to show the user).
 * @param {unknown} err
 */
export function isStale(err) {
  const name = err && typeof err === "object" && "name" in err ? err.name : null;
  return name === "StaleAnswer" || name === "AbortError";
}

/**
 * The message of an error, or its text.
 * @param {unknown} e
 */
export function errorText(e) {
  const message = e && typeof e === "object" && "message" in e ? e.message : null;
  return message ? String(message) : String(e || "unknown error");
}

/**
 * Short human text of a cell value (the enlarged view's row values); never markup.
 * @param {unknown} v
 * @param {number} [depth]
 * @returns {string}
 */
export function formatValue(v, depth = 0) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "boolean" || typeof v === "string") return String(v);
  if (Array.isArray(v)) {
    const parts = v.slice(0, 20).map((x) => formatValue(x, depth + 1));
    return `[${parts.join(", ")}${v.length > 20 ? `, … ${v.length - 20} more` : ""}]`;
  }
  if (typeof v === "object") {
    /** @type {any} a tagged cell, or a dict */
    const t = v;
    if ("$num" in t) return String(t.$num);
    if ("$date" in t) return String(t.$date);
    if ("$absent" in t) return "absent";
    if (t.$image) return `image${t.$image.caption ? `: ${t.$image.caption}` : ""}`;
    if (t.$images) return `${Array.isArray(t.$images) ? t.$images.length : 0} images`;
    if (t.$ndarray) return `ndarray ${t.$ndarray.dtype ?? ""} ${JSON.stringify(t.$ndarray.shape ?? [])}`;
    if (t.$cmp) return `A: ${formatValue(t.$cmp[0], depth + 1)} | B: ${formatValue(t.$cmp[1], depth + 1)}`;
    if (t.$hist) return "histogram";
    if (t.$counts) return "top values";
    if (depth > 2) return "{…}";
    const s = JSON.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}…` : s;
  }
  return String(v);
}
