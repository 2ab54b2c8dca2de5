// @ts-check
// User-authored cell panels (docs/panels.md). A panel is an ES module registered in Python with `tl.panel(...)`;
// the kernel names it in the `schema` entry of each column it draws and lists it (name, digest) in the `panels`
// trait. Its source is fetched with a `panel` message the first time it is needed and imported through a Blob URL,
// once per digest per page. `render({cell, el, model, theme})` draws one cell into `el` and may return a cleanup
// (or a promise of one). A panel that fails to load, throws or rejects shows its error in the cell it was drawing:
// the rest of the table is untouched.

import { cached, importBytes } from "./assets.js";
import { plainValue } from "./cells.js";
import { el } from "./dom.js";
import { TABLE_COLORS } from "./theme.js";

/**
 * @import { Cell, Mode, Model, PanelEntry, Row, SchemaColumn } from "./types/protocol"
 * @import { Protocol } from "./protocol.js"
 * @import { ChartTheme } from "./theme.js"
 */

/**
 * What `render` is given as `cell` (docs/panels.md).
 * @typedef {object} PanelCell
 * @property {unknown} value the cell as plain JS (table view), side A's value (compare) or the summary (groups)
 * @property {unknown[]} [values] compare views: both sides' values `[A, B]` (undefined for a side without the row)
 * @property {unknown} [summary] grouped views: the group's summary (`{edges, counts}` histogram, `{values, counts}` top values, ...)
 * @property {"hist" | "counts" | "images" | "media" | "key" | null} [summaryKind]
 * @property {Cell} raw the cell as the protocol sent it
 * @property {{name: string, label: string, kind: string}} column
 * @property {Row | null} row
 * @property {Mode | string} mode
 */
/**
 * @typedef {object} PanelModule
 * @property {(args: {cell: PanelCell, el: HTMLElement, model: {get(name: string): unknown}, theme: PanelTheme}) => unknown} render
 */
/** @typedef {ChartTheme & {colors: readonly string[], dark: boolean}} PanelTheme */

/**
 * The module of panel `entry` (cached per name and digest for the whole page).
 * @param {Protocol} protocol
 * @param {PanelEntry} entry
 * @returns {Promise<PanelModule>}
 */
export function loadPanel(protocol, entry) {
  return cached(`panel:${entry.name}@${entry.digest}`, async () => {
    const { msg, buffers } = await protocol.request("panel", { name: entry.name }, { supersede: false, timeoutMs: 60000 });
    const buffer = buffers[msg.buffer ?? 0];
    if (!buffer) throw new Error("the kernel sent no module source");
    const mod = await importBytes(buffer);
    const render = mod && (typeof mod.render === "function" ? mod.render : mod.default && mod.default.render);
    if (typeof render !== "function") throw new Error("the module exports no render function");
    return { render };
  });
}

/**
 * What a panel gets as `cell` for a raw protocol cell of `column`.
 * @param {unknown} raw
 * @param {SchemaColumn} column
 * @param {Row | null} row
 * @param {Mode | string} mode
 * @returns {PanelCell}
 */
export function panelCell(raw, column, row, mode) {
  const base = { raw: /** @type {Cell} */ (raw), column: { name: column.name, label: column.label || column.name, kind: column.kind }, row, mode };
  const d = /** @type {any} */ (raw);
  if (d && typeof d === "object" && !Array.isArray(d)) {
    if ("$cmp" in d && Array.isArray(d.$cmp)) {
      const values = d.$cmp.map(plainValue);
      return { ...base, value: values[0], values };
    }
    for (const tag of ["$hist", "$counts", "$images", "$medias"]) {
      if (tag in d) {
        const summary = plainValue(raw);
        return { ...base, value: summary, summary, summaryKind: /** @type {any} */ (tag === "$medias" ? "media" : tag.slice(1)) };
      }
    }
  }
  return { ...base, value: plainValue(raw), summaryKind: column.kind === "key" ? "key" : null };
}

/**
 * Draw cell `raw` with panel `entry` into `td`; returns the cleanup. Never throws: failures are shown in the cell
 * (data-role="panel-error") and logged.
 * @param {HTMLElement} td
 * @param {unknown} raw
 * @param {SchemaColumn} column
 * @param {{protocol: Protocol, model: Model, entry: PanelEntry, row: Row | null, theme: () => ChartTheme, dark: () => boolean,
 *   load?: (protocol: Protocol, entry: PanelEntry) => Promise<PanelModule>}} env `load` defaults to loadPanel
 * @returns {() => void}
 */
export function renderPanelCell(td, raw, column, env) {
  const holder = el("div", "tl-panel", null, { "data-role": "panel", "data-panel": env.entry.name, "data-state": "loading" });
  td.append(holder);
  /** @type {unknown} */
  let cleanup = null;
  let disposed = false;
  const fail = (/** @type {unknown} */ err) => {
    if (disposed) return;
    console.error(`tablelens: panel ${env.entry.name} failed`, err);
    holder.dataset.state = "error";
    const message = err && typeof err === "object" && "message" in err ? String(err.message) : String(err);
    holder.replaceChildren(el("span", "tl-cell-error tl-panel-error", `panel ${env.entry.name} failed: ${message}`, { "data-role": "panel-error" }));
  };
  const mode = env.model.get("mode") || "rows";
  (env.load || loadPanel)(env.protocol, env.entry).then(async (mod) => {
    if (disposed) return;
    const target = el("div", "tl-panel-body");
    holder.append(target);
    const model = { get: (/** @type {string} */ name) => env.model.get(/** @type {any} */ (name)) };
    const theme = { ...env.theme(), colors: TABLE_COLORS, dark: env.dark() };
    const result = await mod.render({ cell: panelCell(raw, column, env.row, mode), el: target, model, theme });
    if (disposed) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = result;
    holder.dataset.state = "ready";
  }).catch(fail);
  return () => {
    disposed = true;
    if (typeof cleanup === "function") {
      try {
        cleanup();
      } catch (err) {
        console.error(`tablelens: panel ${env.entry.name} cleanup failed`, err);
      }
    }
    holder.remove();
  };
}
