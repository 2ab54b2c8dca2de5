// Colors and chart styling shared by every view. The two table colors are defined here once: table 0 ("A", the
// current version) and table 1 ("B", the compared version) use them in histograms, bar charts, badges and markers.

/** One color per table: index 0 = A (current), 1 = B (compared). Colorblind-safe blue/orange pair. */
export const TABLE_COLORS = Object.freeze(["#1f77b4", "#ff7f0e"]);

/** Short labels of the two tables. */
export const TABLE_LABELS = Object.freeze(["A", "B"]);

/** Color of table `i` (0 or 1); a single-table chart uses table 0's color. */
export function tableColor(i) {
  return TABLE_COLORS[i === 1 ? 1 : 0];
}

const FALLBACK = {
  font: "#212121",
  muted: "#616161",
  grid: "rgba(128,128,128,0.25)",
  background: "rgba(0,0,0,0)",
  family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
};

/**
 * Colors for Plotly, read from the JupyterLab theme variables in effect at `el` (Plotly cannot use CSS variables).
 * Works without JupyterLab: every value has a fallback.
 */
export function chartTheme(el) {
  let style = null;
  try {
    style = el && globalThis.getComputedStyle ? globalThis.getComputedStyle(el) : null;
  } catch {
    style = null;
  }
  const v = (name, fallback) => {
    const value = style ? style.getPropertyValue(name).trim() : "";
    return value || fallback;
  };
  return {
    font: v("--jp-ui-font-color1", FALLBACK.font),
    muted: v("--jp-ui-font-color2", FALLBACK.muted),
    grid: v("--jp-border-color2", FALLBACK.grid),
    background: FALLBACK.background,
    family: v("--jp-ui-font-family", FALLBACK.family),
  };
}
