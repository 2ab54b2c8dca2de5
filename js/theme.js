// @ts-check
// Colors and the host's theme, for every view. The two table colors are defined here once: table 0 ("A", the
// current version) and table 1 ("B", the compared version) use them in histograms, bar charts, badges and markers.
// The host theme (light or dark) is read from what each host sets, nearest to the widget first, so the fallback
// palette of js/theme.css matches the page around the widget:
//   JupyterLab / Notebook 7   body[data-jp-theme-light="true"|"false"]
//   VS Code                   body[data-vscode-theme-kind] / body.vscode-dark, .vscode-light, .vscode-high-contrast
//   marimo                    class "dark" / "dark-theme" or "light" / "light-theme" and data-theme on <body> and on
//                             the wrapper inside the widget's shadow root
//   other pages               class "dark" / "dark-mode", data-theme / data-mode = "dark" on an ancestor
//   last                      the OS setting (prefers-color-scheme)

/** One color per table: index 0 = A (current), 1 = B (compared). Colorblind-safe blue/orange pair. */
export const TABLE_COLORS = Object.freeze(/** @type {const} */ (["#1f77b4", "#ff7f0e"]));

/** Short labels of the two tables. */
export const TABLE_LABELS = Object.freeze(/** @type {const} */ (["A", "B"]));

/** @typedef {"light" | "dark"} HostTheme */

/**
 * @typedef {object} ChartTheme  colors and font for Plotly (which cannot read CSS variables)
 * @property {string} font
 * @property {string} muted
 * @property {string} grid
 * @property {string} background
 * @property {string} family
 */

/** @type {ChartTheme} */
const FALLBACK = {
  font: "#212121",
  muted: "#616161",
  grid: "rgba(128,128,128,0.25)",
  background: "rgba(0,0,0,0)",
  family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
};

/**
 * Colors for Plotly, read from the theme variables in effect at `el` (js/theme.css), so they follow the host.
 * Works anywhere: every value has a fallback.
 * @param {Element | null | undefined} el
 * @returns {ChartTheme}
 */
export function chartTheme(el) {
  /** @type {CSSStyleDeclaration | null} */
  let style = null;
  try {
    style = el && globalThis.getComputedStyle ? globalThis.getComputedStyle(el) : null;
  } catch {
    style = null;
  }
  /** @param {string} name @param {string} fallback */
  const v = (name, fallback) => {
    const value = style ? style.getPropertyValue(name).trim() : "";
    return value || fallback;
  };
  return {
    font: v("--tl-fg", v("--jp-ui-font-color1", FALLBACK.font)),
    muted: v("--tl-fg2", v("--jp-ui-font-color2", FALLBACK.muted)),
    grid: v("--jp-border-color2", FALLBACK.grid),
    background: FALLBACK.background,
    family: v("--tl-font", v("--jp-ui-font-family", FALLBACK.family)),
  };
}

/** The attributes whose changes can change a host's theme. */
const THEME_ATTRIBUTES = ["class", "data-theme", "data-mode", "data-jp-theme-light", "data-jp-theme-name", "data-vscode-theme-kind"];

/**
 * `node` and its ancestors, nearest first, across shadow roots (a widget in marimo lives in one).
 * @param {Node | null | undefined} node
 * @returns {Element[]}
 */
export function ancestors(node) {
  /** @type {Element[]} */
  const out = [];
  let n = node || null;
  while (n) {
    if (n.nodeType === 1) out.push(/** @type {Element} */ (n));
    const parent = n.parentNode;
    if (parent) n = parent;
    else n = typeof ShadowRoot === "function" && n instanceof ShadowRoot ? n.host : null;
  }
  return out;
}

/**
 * The theme one element declares, or null when it declares none.
 * @param {Element} e
 * @returns {HostTheme | null}
 */
export function declaredTheme(e) {
  const jp = e.getAttribute("data-jp-theme-light");
  if (jp === "true") return "light";
  if (jp === "false") return "dark";
  const vscode = e.getAttribute("data-vscode-theme-kind");
  if (vscode) return vscode === "vscode-light" || vscode === "vscode-high-contrast-light" ? "light" : "dark";
  const c = e.classList;
  if (c.contains("vscode-high-contrast-light") || c.contains("vscode-light")) return "light";
  if (c.contains("vscode-dark") || c.contains("vscode-high-contrast")) return "dark";
  if (c.contains("dark") || c.contains("dark-theme") || c.contains("dark-mode")) return "dark";
  if (c.contains("light") || c.contains("light-theme") || c.contains("light-mode")) return "light";
  for (const attr of ["data-theme", "data-mode"]) {
    const value = e.getAttribute(attr);
    if (value === "dark" || value === "light") return value;
  }
  return null;
}

/** The OS setting: dark when the user prefers a dark color scheme. */
function osTheme() {
  try {
    return globalThis.matchMedia && globalThis.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  } catch {
    return "light";
  }
}

/**
 * The theme of the page around `el`: the nearest ancestor that declares one (see the top of this file), then
 * <body> and <html> (for an element not yet attached), else the OS setting.
 * @param {Element | null | undefined} el
 * @returns {HostTheme}
 */
export function hostTheme(el) {
  const doc = (el && el.ownerDocument) || globalThis.document;
  const chain = ancestors(el);
  if (doc) for (const e of [doc.body, doc.documentElement]) if (e && !chain.includes(e)) chain.push(e);
  for (const e of chain) {
    const theme = declaredTheme(e);
    if (theme) return theme;
  }
  return osTheme();
}

/**
 * Mark `el` with the host's theme (data-tl-theme, read by js/theme.css); returns the theme.
 * @param {HTMLElement} el
 * @param {Element} [from] where to look for the host's theme (default: `el` itself)
 * @returns {HostTheme}
 */
export function applyHostTheme(el, from) {
  const theme = hostTheme(from || el);
  if (el.dataset.tlTheme !== theme) el.dataset.tlTheme = theme;
  return theme;
}

/**
 * Keep `el` marked with the host's theme: follows the theme attributes of its ancestors (JupyterLab's theme
 * switch, marimo's dark mode toggle, VS Code's theme) and the OS setting. `onChange(theme)` is called after each
 * change (charts redraw with the new colors). Returns the function that stops watching.
 * @param {HTMLElement} el
 * @param {(theme: HostTheme) => void} [onChange]
 * @returns {() => void}
 */
export function watchHostTheme(el, onChange) {
  let current = applyHostTheme(el);
  const update = () => {
    const theme = applyHostTheme(el);
    if (theme === current) return;
    current = theme;
    if (onChange) onChange(theme);
  };
  /** @type {(() => void)[]} */
  const stops = [];
  /** @type {Set<Element>} */
  const watched = new Set();
  const observer = typeof MutationObserver === "function" ? new MutationObserver(update) : null;
  const doc = el.ownerDocument || globalThis.document;
  const watchAncestors = () => {
    if (!observer) return;
    const chain = ancestors(el);
    if (doc) chain.push(...[doc.body, doc.documentElement].filter((e) => !!e));
    for (const e of chain) {
      if (e === el || watched.has(e)) continue;
      watched.add(e);
      observer.observe(e, { attributes: true, attributeFilter: THEME_ATTRIBUTES });
    }
  };
  watchAncestors();
  if (observer) stops.push(() => observer.disconnect());
  // the widget is usually attached after render: look again (ancestors and theme) once it is laid out
  if (typeof ResizeObserver === "function") {
    const sized = new ResizeObserver(() => {
      watchAncestors();
      update();
    });
    sized.observe(el);
    stops.push(() => sized.disconnect());
  }
  try {
    const media = globalThis.matchMedia ? globalThis.matchMedia("(prefers-color-scheme: dark)") : null;
    if (media && media.addEventListener) {
      media.addEventListener("change", update);
      stops.push(() => media.removeEventListener("change", update));
    }
  } catch {
    // no media queries here
  }
  return () => {
    for (const s of stops.splice(0)) s();
  };
}
