// @ts-check
// The DOM of one cell. Every piece of data is written with textContent / createElement: cell text, captions,
// class and column names are never parsed as HTML.

import {
  clipText,
  cmpNumbers,
  decodeCell,
  formatDate,
  formatNumber,
  isTree,
  ndarraySummary,
  numberTitle,
  previewValue,
  sameCell,
  summaryTotals,
  treeEntries,
  treeLabel,
} from "./cells.js";
import { compareBarSpec, countsSpec, histogramSpec } from "./charts.js";
import { el } from "./dom.js";
import { TABLE_COLORS, TABLE_LABELS } from "./theme.js";

/**
 * @import { CountsValue, HistValue, ImageCell, ImageValue, MediasValue, MediaValue, Row, SchemaColumn, Side } from "./types/protocol"
 * @import { CompareOpts, MediaApi, MediaCtx } from "./types/frontend"
 * @import { ChartManager, ChartSpec } from "./charts.js"
 * @import { Decoded } from "./cells.js"
 * @import { ChartTheme } from "./theme.js"
 */

/**
 * What cells are drawn with.
 * @typedef {object} CellEnv
 * @property {MediaApi} [media]
 * @property {MediaCtx} [mediaCtx]
 * @property {ChartManager} [charts]
 * @property {() => ChartTheme} [theme]
 * @property {string[]} [labels] the two tables' names: [A, B]
 * @property {Row} [row] the row of the cell
 * @property {string} [rowLabel] its key values, for chart titles
 * @property {number} [imageSize] longest side of a thumbnail, CSS px
 * @property {(td: HTMLElement, raw: unknown, column: SchemaColumn, row: Row | null) => (() => void) | null} [panel]
 *   draws a cell with the user panel its column names (js/panels.js); null when there is none to use
 */

/** Strings longer than this are clipped in the cell (full text on hover and on expand). */
const CLIP_CHARS = 120;
/** Strings longer than this are long text (js/media/kinds/text.js): clipped lines, expand, Markdown. */
const LONG_TEXT = 200;
const TITLE_CHARS = 4000;

/**
 * The message of an error, or its text.
 * @param {unknown} err
 */
function errorText(err) {
  const message = err && typeof err === "object" && "message" in err ? err.message : null;
  return message ? String(message) : String(err);
}

/**
 * Fill `td` with the cell `raw` of `column` (a schema entry). Returns a cleanup function.
 * @param {HTMLElement} td
 * @param {unknown} raw
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @returns {() => void}
 */
export function renderCell(td, raw, column, env) {
  if (column && column.panel && env.panel) {
    const drawn = env.panel(td, raw, column, env.row || null);
    if (drawn) return drawn;
  }
  /** @type {(() => void)[]} */
  const cleanups = [];
  try {
    td.append(renderValue(raw, column, env, cleanups));
  } catch (err) {
    td.append(el("span", "tl-cell-error", `cannot show this cell: ${errorText(err)}`));
  }
  return () => {
    for (const c of cleanups.splice(0)) {
      try {
        c();
      } catch {
        // a failing cleanup must not stop the others
      }
    }
  };
}

/**
 * A node for one value (recursive for compare pairs).
 * @param {unknown} raw
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups where drawings that need one (images, charts) add their cleanup
 * @returns {HTMLElement}
 */
function renderValue(raw, column, env, cleanups) {
  const kind = column && column.kind;
  const d = decodeCell(raw);
  switch (d.type) {
    case "null":
      return el("span", "tl-null", "null");
    case "absent": {
      const node = el("span", "tl-absent", "absent");
      node.title = "this row is not in this version";
      return node;
    }
    case "bool":
      return el("span", `tl-bool tl-bool-${d.value}`, String(d.value));
    case "number": {
      const node = el("span", "tl-num", formatNumber(d.value, kind === "float" || kind === "hist" ? "float" : kind));
      node.title = numberTitle(d.value);
      return node;
    }
    case "str":
      if (d.value.length > LONG_TEXT && env.media && env.media.renderLongText && env.mediaCtx) {
        return renderLongText(d.value, column, env, cleanups);
      }
      return renderString(d.value);
    case "date": {
      const node = el("span", "tl-date", formatDate(d.value));
      node.title = d.value;
      return node;
    }
    case "ndarray":
      return renderNdarray(d.value);
    case "list":
    case "dict":
      return renderTree(d.value);
    case "image":
      return renderImage(d.value, null, column, env, cleanups);
    case "images":
      return renderImages(d.value, column, env, cleanups);
    case "media":
      return renderMedia(d.value, column, env, cleanups);
    case "medias":
      return renderMedias(d.value, column, env, cleanups);
    case "hist":
      return renderChart("hist", d.value, column, env, cleanups);
    case "counts":
      return renderChart("counts", d.value, column, env, cleanups);
    case "cmp":
      return renderCompare(d.value, column, env, cleanups);
    default:
      return el("span", "", previewValue(raw));
  }
}

/** @param {string} text */
function renderString(text) {
  const { text: shown, clipped } = clipText(text, CLIP_CHARS);
  const node = el("span", "tl-str");
  const content = el("span", "tl-str-text", shown);
  node.append(content);
  node.title = text.length > TITLE_CHARS ? `${text.slice(0, TITLE_CHARS)}…` : text;
  if (clipped || text.includes("\n")) {
    const more = el("button", "tl-expand", "⤢", { type: "button", title: "show the full text", "aria-label": "show the full text" });
    more.addEventListener("click", (ev) => {
      ev.stopPropagation();
      const open = node.classList.toggle("tl-str-open");
      content.textContent = open ? text : shown;
      more.textContent = open ? "⤡" : "⤢";
    });
    node.append(more);
  }
  return node;
}

/**
 * A long text cell (js/media/kinds/text.js).
 * @param {string} text
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderLongText(text, column, env, cleanups) {
  const holder = el("div", "tl-longtext-cell");
  const cut = !!(env.row && column && Array.isArray(env.row.truncated) && env.row.truncated.includes(column.name));
  const media = /** @type {import("./types/frontend").MediaApi} */ (env.media);
  const render = /** @type {NonNullable<import("./types/frontend").MediaApi["renderLongText"]>} */ (media.renderLongText);
  cleanups.push(render(holder, text, /** @type {import("./types/frontend").MediaCtx} */ (env.mediaCtx), { row: env.row || null, column, cut }));
  return holder;
}

/**
 * An audio, video, HTML, 3-D, Plotly or molecule cell (js/media/kinds/).
 * @param {MediaValue} value
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderMedia(value, column, env, cleanups) {
  const holder = el("div", "tl-media-holder");
  if (!env.media || !env.media.renderMediaCell || !env.mediaCtx) {
    holder.textContent = value.caption ? `${value.kind}: ${value.caption}` : value.kind;
    return holder;
  }
  try {
    cleanups.push(env.media.renderMediaCell(holder, value, env.mediaCtx, { size: imageSize(env), row: env.row || null, column }));
  } catch (err) {
    holder.append(el("span", "tl-cell-error", `cannot show ${value.kind}: ${errorText(err)}`));
  }
  return holder;
}

/**
 * A grouped media column: the histogram of its fact (duration, points, atoms) and a few samples.
 * @param {MediasValue} group
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderMedias(group, column, env, cleanups) {
  const holder = el("div", "tl-medias", null, { "data-role": "media-group", "data-kind": group.kind });
  if (group.hist && group.hist.edges && group.hist.edges.length) {
    const chart = renderChart("hist", group.hist, column, env, cleanups);
    chart.title = `${group.field} (click for an interactive chart)`;
    holder.append(chart);
  }
  if (env.media && env.media.renderMediaSamples && env.mediaCtx && group.items && group.items.length) {
    try {
      cleanups.push(env.media.renderMediaSamples(holder, group, env.mediaCtx, { size: imageSize(env), row: env.row || null, column }));
    } catch (err) {
      holder.append(el("span", "tl-cell-error", `cannot show the samples: ${errorText(err)}`));
    }
  }
  return holder;
}

/** @param {import("./types/protocol").NdarrayValue} nd */
function renderNdarray(nd) {
  const s = ndarraySummary(nd);
  const node = el("span", "tl-ndarray");
  node.append(el("span", "tl-ndarray-shape", s.label), document.createTextNode(" "), el("span", "tl-muted", s.preview));
  const all = ndarraySummary(nd, 64);
  node.title = `${all.label}\n${all.preview}`;
  return node;
}

/**
 * A list or dict as a collapsed tree; expands one level per click.
 * @param {unknown} value
 * @returns {HTMLElement}
 */
function renderTree(value) {
  const node = el("span", "tl-tree");
  if (!isTree(value)) {
    node.append(el("span", "tl-muted", Array.isArray(value) ? "[]" : "{}"));
    return node;
  }
  const toggle = el("button", "tl-tree-toggle", null, { type: "button", "aria-expanded": "false" });
  const arrow = el("span", "tl-tree-arrow", "▸");
  const label = el("span", "tl-tree-label", treeLabel(value));
  const preview = el("span", "tl-tree-preview", previewValue(value, 80));
  label.hidden = true;
  toggle.title = treeLabel(value);
  toggle.append(arrow, preview, label);
  node.append(toggle);
  /** @type {HTMLElement | null} */
  let children = null;
  toggle.addEventListener("click", (ev) => {
    ev.stopPropagation();
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    arrow.textContent = open ? "▾" : "▸";
    preview.hidden = open;
    label.hidden = !open;
    if (open && !children) {
      children = el("ul", "tl-tree-children");
      const { entries, more } = treeEntries(value);
      for (const [k, v] of entries) {
        const li = el("li");
        li.append(el("span", "tl-tree-key", `${k}: `));
        li.append(isTree(v) ? renderTree(v) : renderValue(v, null, {}, []));
        children.append(li);
      }
      if (more) children.append(el("li", "tl-muted", `… ${more} more`));
      node.append(children);
    }
    if (children) children.hidden = !open;
  });
  return node;
}

/** @param {CellEnv} env */
function imageSize(env) {
  return env.imageSize || 96;
}

/**
 * @param {ImageValue | null} image
 * @param {CompareOpts | null} compare
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderImage(image, compare, column, env, cleanups) {
  // the media module's cell root inside carries data-role="image"
  const holder = el("div", "tl-image");
  if (!env.media || !env.mediaCtx) {
    holder.textContent = image && image.caption ? image.caption : "image";
    return holder;
  }
  try {
    const cleanup = env.media.renderImageCell(holder, image, env.mediaCtx, {
      size: imageSize(env),
      compare,
      row: env.row,
      column: column ? column.name : null,
    });
    if (typeof cleanup === "function") cleanups.push(cleanup);
  } catch (err) {
    holder.append(el("span", "tl-cell-error", `cannot show image: ${errorText(err)}`));
  }
  return holder;
}

/**
 * @param {(ImageCell | ImageValue)[]} images
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderImages(images, column, env, cleanups) {
  const holder = el("div", "tl-image-grid");
  holder.dataset.role = "image-grid";
  if (!images.length) {
    holder.append(el("span", "tl-muted", "no images"));
    return holder;
  }
  if (!env.media || !env.mediaCtx) return holder;
  try {
    const list = images.map((im) => (im && "$image" in im ? im.$image : /** @type {ImageValue} */ (im)));
    const cleanup = env.media.renderImageGrid(holder, list, env.mediaCtx, {
      size: Math.round(imageSize(env) / 2),
      compare: null,
      row: env.row,
      column: column ? column.name : null,
    });
    if (typeof cleanup === "function") cleanups.push(cleanup);
  } catch (err) {
    holder.append(el("span", "tl-cell-error", `cannot show images: ${errorText(err)}`));
  }
  return holder;
}

/**
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 */
function chartTitle(column, env) {
  const name = column ? column.label || column.name : "";
  const key = env.rowLabel ? ` — ${env.rowLabel}` : "";
  return `${name}${key}`;
}

/**
 * @param {"hist" | "counts"} type
 * @param {HistValue | CountsValue} summary
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderChart(type, summary, column, env, cleanups) {
  const holder = el("div", `tl-chart tl-chart-${type}`);
  holder.dataset.role = "histogram";
  holder.dataset.chart = type;
  const totals = summaryTotals(summary);
  holder.setAttribute("aria-label", `${type === "hist" ? "histogram" : "top values"} (n = ${totals.join(" / ")})`);
  holder.title = "click for an interactive chart";
  const title = chartTitle(column, env);
  /** @type {(small: boolean) => ChartSpec} */
  const build = (small) => {
    const opts = { theme: env.theme ? env.theme() : null, small, labels: env.labels, title };
    return type === "hist"
      ? histogramSpec(/** @type {HistValue} */ (summary), opts)
      : countsSpec(/** @type {CountsValue} */ (summary), opts);
  };
  if (env.charts) cleanups.push(env.charts.add(holder, build, title));
  return holder;
}

/**
 * @param {[unknown, unknown]} pair
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderCompare(pair, column, env, cleanups) {
  const numbers = cmpNumbers(pair);
  if (numbers) {
    const wrap = el("div", "tl-cmp tl-cmp-num");
    const holder = el("div", "tl-chart tl-chart-cmp");
    holder.dataset.role = "histogram";
    holder.dataset.chart = "cmp";
    const text = numbers.map((n) => (n === null ? "absent" : formatNumber(n, column && column.kind)));
    holder.setAttribute("aria-label", `${text[0]} vs ${text[1]}`);
    holder.title = `${labelOf(env, 0)}: ${text[0]}\n${labelOf(env, 1)}: ${text[1]}\n(click for an interactive chart)`;
    // numbers stay readable (and searchable) next to the chart
    const values = el("div", "tl-cmp-values");
    for (const t of /** @type {Side[]} */ ([0, 1])) values.append(side(t, el("span", "tl-num", text[t]), env));
    if (!sameCell(pair[0], pair[1])) wrap.classList.add("tl-cmp-diff");
    const title = chartTitle(column, env);
    /** @type {(small: boolean) => ChartSpec} */
    const build = (small) =>
      compareBarSpec(numbers, { theme: env.theme ? env.theme() : null, small, labels: env.labels, title });
    if (env.charts) cleanups.push(env.charts.add(holder, build, title));
    wrap.append(holder, values);
    return wrap;
  }
  const [a, b] = pair;
  const da = decodeCell(a);
  const db = decodeCell(b);
  if (da.type === "image" || db.type === "image") return renderCompareImages(da, db, column, env, cleanups);
  const wrap = el("div", "tl-cmp");
  if (!sameCell(a, b)) wrap.classList.add("tl-cmp-diff");
  wrap.append(side(0, renderValue(a, column, env, cleanups), env), side(1, renderValue(b, column, env, cleanups), env));
  return wrap;
}

/**
 * @param {Decoded} da
 * @param {Decoded} db
 * @param {SchemaColumn | null} column
 * @param {CellEnv} env
 * @param {(() => void)[]} cleanups
 */
function renderCompareImages(da, db, column, env, cleanups) {
  // the media module draws both versions from one call (overlaid or side by side, per the overlay trait)
  const wrap = el("div", "tl-cmp tl-cmp-images");
  const a = da.type === "image" ? da.value : null;
  const b = db.type === "image" ? db.value : null;
  /** @type {Side} */
  const t = a ? 0 : 1;
  wrap.append(renderImage(a || b, { other: a ? b : null, side: t }, column, env, cleanups));
  const missing = a ? db : da;
  if (missing.type !== "image") {
    const note = el("div", "tl-muted tl-cmp-missing");
    note.append(side(t === 0 ? 1 : 0, renderValue(missing.type === "absent" ? { $absent: true } : null, column, env, cleanups), env));
    wrap.append(note);
  }
  return wrap;
}

/**
 * @param {CellEnv} env
 * @param {Side} t
 */
function labelOf(env, t) {
  return (env.labels && env.labels[t]) || TABLE_LABELS[t];
}

/**
 * One side of a compare cell: a colored A/B marker then the value.
 * @param {Side} t
 * @param {HTMLElement} valueNode
 * @param {CellEnv} env
 */
function side(t, valueNode, env) {
  const row = el("div", `tl-cmp-side tl-side-${t}`);
  const marker = el("span", "tl-side-marker", TABLE_LABELS[t]);
  marker.style.setProperty("--tl-side-color", TABLE_COLORS[t]);
  marker.title = labelOf(env, t);
  row.append(marker, valueNode);
  return row;
}
