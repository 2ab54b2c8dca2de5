// @ts-check
// The "View" menu of the toolbar (data-role="view-actions"): save the view (name, description), copy the
// tl.query(...) call, download the rows (CSV, Parquet, JSON lines; the view's or the selected ones), export a
// self-contained report, and log the rows as a new artifact version. Each item is a button with data-action;
// the forms' fields carry data-field. What the kernel answers goes to the toolbar's notice.

import { button, el, popover } from "../dom.js";
import { isStale } from "../protocol.js";
import { get, isCompareMode, isGroupMode, onChange } from "../state.js";

/** @import { ExportFormat, Model, RowChoice } from "../types/protocol" */
/** @import { Actions } from "../actions.js" */

/** @type {{format: ExportFormat, text: string}[]} */
const FORMATS = [
  { format: "csv", text: "CSV" },
  { format: "parquet", text: "Parquet" },
  { format: "json", text: "JSON lines" },
];

/**
 * @param {{model: Model, actions: Actions}} ctx
 */
export function createViewActions({ model, actions }) {
  const root = el("div", "tl-view-actions", null, { "data-role": "view-actions" });
  const trigger = button("tl-button", "View ▾", null, { title: "save, copy, export or log this view" });
  const panel = el("div", "tl-menu tl-view-actions-panel", null, { role: "menu" });
  root.append(trigger, panel);
  const pop = popover(trigger, panel, { onOpen: () => draw() });

  /**
   * Run an action; its failure goes to the notice, and the menu closes when it is done.
   * @param {HTMLButtonElement} btn
   * @param {() => Promise<unknown>} run
   * @param {(out: any) => string | null} [done] the notice on success (null: none)
   */
  async function act(btn, run, done) {
    btn.disabled = true;
    root.dataset.state = "running";
    try {
      const out = await run();
      const text = done ? done(out) : null;
      if (text) actions.notify(text);
      pop.close();
      root.dataset.state = "done";
    } catch (err) {
      if (isStale(err)) return;
      root.dataset.state = "failed";
      actions.notify(err instanceof Error ? err.message : String(err), "warning");
    } finally {
      btn.disabled = false;
    }
  }

  /**
   * @param {string} label
   * @param {string} field
   * @param {string} value
   * @param {string} [placeholder]
   */
  function field(label, field, value, placeholder) {
    const wrap = el("label", "tl-form-field");
    const input = el("input", "tl-input", null, { type: "text", "data-field": field, placeholder: placeholder || "" });
    input.value = value;
    input.addEventListener("keydown", (ev) => ev.stopPropagation()); // typing is not for the table or the host
    wrap.append(el("span", "tl-form-label", label), input);
    return { wrap, input };
  }

  /** The rows choice of exports and subsets: the view's, or the selected ones when there are. */
  function rowsChoice() {
    const wrap = el("label", "tl-check");
    const box = el("input", null, null, { type: "checkbox", "data-field": "selected-only" });
    const n = get(model, "selected_keys").length;
    box.disabled = n === 0;
    box.checked = false;
    wrap.append(box, el("span", null, n ? `only the ${n} selected row${n === 1 ? "" : "s"}` : "only selected rows (none selected)"));
    return { wrap, value: () => /** @type {RowChoice} */ (box.checked ? "selected" : "view") };
  }

  function draw() {
    panel.replaceChildren();
    const mode = get(model, "mode");
    const grouped = isGroupMode(mode);
    const compared = isCompareMode(mode);

    // save the view
    const save = el("div", "tl-menu-section", null, { "data-section": "save-view" });
    const name = field("Name", "view-name", get(model, "current_view"), "hard-cars");
    const desc = field("Description", "view-description", "", "what this view shows");
    const saveBtn = button("tl-button tl-primary", "Save view", null, { "data-action": "save-view" });
    saveBtn.addEventListener("click", () => {
      const n = name.input.value.trim();
      if (!n) {
        name.input.focus();
        return;
      }
      act(saveBtn, () => actions.saveView(n, desc.input.value.trim()));
    });
    save.append(el("div", "tl-menu-title", "Save view"), name.wrap, desc.wrap, saveBtn);

    // code and report
    const share = el("div", "tl-menu-section", null, { "data-section": "share" });
    const codeBtn = button("tl-menu-item", "Copy as code", null, { "data-action": "copy-code", title: "the tl.query(...) call of this view" });
    codeBtn.addEventListener("click", () => act(codeBtn, () => actions.copyCode()));
    const reportBtn = button("tl-menu-item", "Export report", null, { "data-action": "export-report", title: "one HTML file that opens without Jupyter" });
    reportBtn.addEventListener("click", () => act(reportBtn, () => actions.exportReport(), (out) => `Saved ${out.name}`));
    share.append(codeBtn, reportBtn);

    // download the rows
    const download = el("div", "tl-menu-section", null, { "data-section": "export" });
    const choice = rowsChoice();
    const formats = el("div", "tl-menu-row");
    for (const f of FORMATS) {
      const b = button("tl-button", f.text, null, { "data-action": "export", "data-format": f.format });
      b.addEventListener("click", () =>
        act(b, () => actions.exportRows(f.format, grouped ? "view" : choice.value()), (out) => `Saved ${out.name} (${out.rows ?? "?"} ${grouped ? "groups" : "rows"})`),
      );
      formats.append(b);
    }
    download.append(el("div", "tl-menu-title", grouped ? "Download the groups" : "Download the rows"), formats);
    if (!grouped) download.append(choice.wrap);

    // log the rows as a new version
    const log = el("div", "tl-menu-section", null, { "data-section": "log-rows" });
    const logChoice = rowsChoice();
    const artifact = field("Artifact", "artifact-name", "", "hard-examples");
    const type = field("Type", "artifact-type", "dataset");
    const logBtn = button("tl-button", "Log as new version", null, { "data-action": "log-rows" });
    logBtn.addEventListener("click", () => {
      const n = artifact.input.value.trim();
      if (!n) {
        artifact.input.focus();
        return;
      }
      act(logBtn, () => actions.logRows({ name: n, artifactType: type.input.value.trim(), rows: logChoice.value() }));
    });
    log.append(el("div", "tl-menu-title", "Log rows as a dataset version"), artifact.wrap, type.wrap, logChoice.wrap, logBtn);
    if (grouped || compared) {
      logBtn.disabled = true;
      log.append(el("div", "tl-muted", grouped ? "clear Group by to log rows" : "stop comparing to log rows of one table"));
    }

    panel.append(save, share, download, log);
  }

  const off = onChange(model, ["mode", "selected_keys", "current_view"], () => {
    if (!panel.hidden) draw();
  });
  return {
    el: root,
    cleanup() {
      off();
      pop.cleanup();
      root.remove();
    },
  };
}
