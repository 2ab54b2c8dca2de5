// @ts-check
// The browser's side of saved views, cell edits, subsets, exports and reports (docs/protocol.md "Views, edits,
// exports"): each action is one request to the kernel; files come back as bytes in a binary buffer and are saved
// through a Blob, never through a URL the page would fetch.

import { el, openDialog } from "./dom.js";
import { toBytes } from "./png.js";
import { setTraits } from "./state.js";

/**
 * @import { Buffer, EditAnswer, ExportFormat, FileAnswer, Model, Notice, RowChoice } from "./types/protocol"
 * @import { Protocol } from "./protocol.js"
 */

/** Actions are never superseded: two edits sent in a row are both answered and both count. */
const KEEP = { supersede: false };

/**
 * Save `bytes` as a file named `name` (an `<a download>` clicked inside `root`).
 * @param {HTMLElement} root
 * @param {string} name
 * @param {string} mime
 * @param {Buffer} buffer
 */
export function saveFile(root, name, mime, buffer) {
  const blob = new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (toBytes(buffer))], { type: mime || "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const a = el("a", "tl-download", null, { href: url, download: name, "data-role": "download" });
  a.hidden = true;
  root.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
    a.remove();
  }, 10_000);
  return blob.size;
}

/**
 * Text a cell's value is edited as: strings as they are, numbers and booleans as typed, lists and dicts as
 * JSON, dates as ISO text, null as an empty editor.
 * @param {unknown} raw
 */
export function editText(raw) {
  if (raw === null || raw === undefined) return "";
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
  if (typeof raw === "object") {
    const keys = Object.keys(raw);
    if (keys.length === 1 && keys[0] === "$num") return String(/** @type {{$num: string}} */ (raw).$num);
    if (keys.length === 1 && keys[0] === "$date") return String(/** @type {{$date: string}} */ (raw).$date);
  }
  return JSON.stringify(raw);
}

/**
 * @param {object} ctx
 * @param {Model} ctx.model
 * @param {Protocol} ctx.protocol
 * @param {HTMLElement} ctx.root the widget's root (downloads and dialogs are made inside it)
 * @param {() => void} [ctx.onEdited] called when the pending edits changed (the page redraws its cells)
 */
export function createActions({ model, protocol, root, onEdited }) {
  /**
   * Show a message in the toolbar's notice (the `notice` trait, which Python sees too).
   * @param {string} message
   * @param {Notice["level"]} [level]
   */
  function notify(message, level = "info") {
    setTraits(model, { notice: { message, level } });
  }

  /**
   * @param {unknown} err
   */
  function fail(err) {
    const message = err instanceof Error ? err.message : String(err);
    notify(message, "warning");
    throw err instanceof Error ? err : new Error(message);
  }

  /**
   * @param {string} name
   * @param {string} [description]
   */
  async function saveView(name, description) {
    const { msg } = await protocol.request("save-view", { name, description: description || undefined }, KEEP);
    return msg;
  }

  /** @param {string} name */
  async function applyView(name) {
    const { msg } = await protocol.request("apply-view", { name }, KEEP);
    return msg;
  }

  /** The `tl.query(...)` call that reproduces the view, copied to the clipboard and shown in a dialog. */
  async function copyCode() {
    const { msg } = await protocol.request("code", {}, KEEP);
    const code = String(msg.code || "");
    let copied = false;
    try {
      if (globalThis.navigator && navigator.clipboard && navigator.clipboard.writeText) {
        await navigator.clipboard.writeText(code);
        copied = true;
      }
    } catch {
      copied = false; // no permission or no secure context: the dialog shows the code to copy by hand
    }
    openDialog(root, "tl.query(...) for this view", (body) => {
      const status = el("div", "tl-code-status", copied ? "Copied to the clipboard." : "Select and copy (Ctrl+C):", {
        "data-role": "code-status",
        "data-copied": String(copied),
      });
      const area = el("textarea", "tl-code", null, { "data-role": "code", readonly: "true", rows: "10", spellcheck: "false" });
      area.value = code;
      body.append(status, area);
      area.focus();
      area.select();
    });
    return { code, copied };
  }

  /**
   * Download the rows of the view (or the selected ones) as CSV, Parquet or JSON lines.
   * @param {ExportFormat} format
   * @param {RowChoice} rows
   */
  async function exportRows(format, rows) {
    const { msg, buffers } = await protocol.request("export", { format, rows }, KEEP);
    return download(msg, buffers);
  }

  /** Download the view as a self-contained HTML report. */
  async function exportReport() {
    const { msg, buffers } = await protocol.request("report", {}, KEEP);
    return download(msg, buffers);
  }

  /**
   * @param {FileAnswer} msg
   * @param {Buffer[]} buffers
   */
  function download(msg, buffers) {
    const buffer = buffers[msg.buffer ?? 0];
    if (!buffer) throw new Error("the kernel sent no file");
    const size = saveFile(root, msg.name, msg.mime, buffer);
    return { name: msg.name, size, rows: msg.rows };
  }

  /**
   * Log the rows of the view (or the selected ones) as a new version of artifact `name`.
   * @param {{name: string, artifactType?: string, rows: RowChoice, description?: string}} opts
   */
  async function logRows({ name, artifactType, rows, description }) {
    const { msg } = await protocol.request("log-rows", { name, artifact_type: artifactType || undefined, rows, description }, KEEP);
    return msg;
  }

  /**
   * Edit one cell: resolves with the kernel's answer (the value as stored) or rejects with why it cannot be.
   * @param {number} key
   * @param {string} column
   * @param {string} value the text typed
   * @returns {Promise<EditAnswer>}
   */
  async function edit(key, column, value) {
    const { msg } = await protocol.request("edit", { key, column, value }, KEEP);
    onEdited?.();
    return msg;
  }

  async function undoEdit() {
    const { msg } = await protocol.request("undo-edit", {}, KEEP);
    onEdited?.();
    return msg;
  }

  async function discardEdits() {
    const { msg } = await protocol.request("discard-edits", {}, KEEP);
    onEdited?.();
    return msg;
  }

  /** @param {string} [description] */
  async function commitEdits(description) {
    const { msg } = await protocol.request("commit-edits", { description: description || undefined }, KEEP);
    return msg;
  }

  return { saveView, applyView, copyCode, exportRows, exportReport, logRows, edit, undoEdit, discardEdits, commitEdits, notify, fail };
}

/** @typedef {ReturnType<typeof createActions>} Actions */
