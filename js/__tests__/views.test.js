// @vitest-environment happy-dom
// @ts-check
// Saved views, cell edits, exports: the View menu, the sidebar's views, the notice, the edits bar and the cell
// editor, in the whole widget against a fake model — what the user sees and what the kernel receives.
import { afterEach, describe, expect, it, vi } from "vitest";
import { editText } from "../actions.js";
import widget from "../index.js";
import { fakeModel, settle } from "./fake-model.js";

/** @import { Row, SchemaColumn } from "../types/protocol" */
/** @import { FakeModel } from "./fake-model.js" */

/** @type {SchemaColumn[]} */
const SCHEMA = [
  { name: "id", kind: "int", label: "id", table: null },
  { name: "label", kind: "str", label: "label", table: null },
  { name: "tags", kind: "list", label: "tags", table: null },
];

/** @type {Row[]} */
const ROWS = [
  { _key: 0, cells: { id: 1, label: "cat", tags: ["a"] } },
  { _key: 1, cells: { id: 2, label: "dog", tags: [] }, edited: ["label"] },
];

/** @type {(() => void) | null} */
let cleanup = null;
/** @type {HTMLElement} */
let host = document.createElement("div");

afterEach(() => {
  cleanup?.();
  cleanup = null;
  host.remove();
});

/** @param {Record<string, unknown>} [traits] */
async function mount(traits = {}) {
  const model = fakeModel({ schema: SCHEMA, num_rows: 2, total_rows: 2, editable_columns: ["id", "label", "tags"], ...traits });
  host = document.createElement("div");
  document.body.append(host);
  cleanup = widget.render({ model, el: host });
  answerRows(model);
  await settle();
  return model;
}

/**
 * The kernel answers the last `rows` request.
 * @param {FakeModel} model
 * @param {Row[]} [rows]
 */
function answerRows(model, rows = ROWS) {
  const req = model.lastSent("rows");
  model.answer({ type: "rows", id: req.id, result_version: req.result_version, offset: req.offset, total: rows.length, rows });
}

/**
 * @param {string} selector
 * @returns {any}
 */
const $ = (selector) => host.querySelector(selector);
/** @param {string} selector */
const $$ = (selector) => /** @type {any[]} */ ([...host.querySelectorAll(selector)]);

describe("editText", () => {
  it("gives each kind of cell the text it is edited as", () => {
    expect(editText("a")).toBe("a");
    expect(editText(3)).toBe("3");
    expect(editText(false)).toBe("false");
    expect(editText(null)).toBe("");
    expect(editText(["a", 1])).toBe('["a",1]');
    expect(editText({ $num: "NaN" })).toBe("NaN");
    expect(editText({ $date: "2024-01-02T03:04:05" })).toBe("2024-01-02T03:04:05");
  });
});

describe("the View menu", () => {
  it("saves the view under the name typed", async () => {
    const model = await mount({ current_view: "older" });
    $("[data-role=view-actions] button").click();
    const name = $("[data-field=view-name]");
    expect(name.value).toBe("older");
    name.value = "hard-cars";
    $("[data-field=view-description]").value = "cars that fail";
    $("[data-action=save-view]").click();
    const sent = model.lastSent("save-view");
    expect(sent).toMatchObject({ type: "save-view", name: "hard-cars", description: "cars that fail" });
    model.answer({ type: "save-view", id: sent.id, name: "hard-cars", revision: 2 });
    await settle();
    expect($("[data-role=view-actions]").dataset.state).toBe("done");
  });

  it("asks for the rows in a format, the selected ones when asked, and saves the file", async () => {
    const model = await mount({ selected_keys: [1] });
    const created = vi.fn(() => "blob:x");
    const revoked = vi.fn();
    URL.createObjectURL = created;
    URL.revokeObjectURL = revoked;
    $("[data-role=view-actions] button").click();
    $("[data-section=export] [data-field=selected-only]").checked = true;
    $("[data-action=export][data-format=parquet]").click();
    const sent = model.lastSent("export");
    expect(sent).toMatchObject({ format: "parquet", rows: "selected" });
    const clicked = vi.fn();
    const origClick = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      clicked(this.getAttribute("download"));
    };
    try {
      model.answer({ type: "export", id: sent.id, name: "preds-v3.parquet", mime: "application/vnd.apache.parquet", rows: 1, buffer: 0 }, [new Uint8Array([80, 65, 82, 49])]);
      await settle();
    } finally {
      HTMLAnchorElement.prototype.click = origClick;
    }
    expect(clicked).toHaveBeenCalledWith("preds-v3.parquet");
    expect(created).toHaveBeenCalledTimes(1);
    expect(model.get("notice")).toEqual({ message: "Saved preds-v3.parquet (1 rows)", level: "info" });
  });

  it("shows why an action failed in the notice", async () => {
    const model = await mount();
    $("[data-role=view-actions] button").click();
    $("[data-field=artifact-name]").value = "picked";
    $("[data-action=log-rows]").click();
    const sent = model.lastSent("log-rows");
    expect(sent).toMatchObject({ name: "picked", artifact_type: "dataset", rows: "view" });
    model.answer({ type: "error", id: sent.id, message: "no rows are selected" });
    await settle();
    expect($("[data-role=notice]").dataset.level).toBe("warning");
    expect($("[data-role=notice]").textContent).toContain("no rows are selected");
    $("[data-role=notice] button").click();
    expect(model.get("notice")).toEqual({});
  });

  it("offers no row subset of groups", async () => {
    await mount({ mode: "groups" });
    $("[data-role=view-actions] button").click();
    expect($("[data-action=log-rows]").disabled).toBe(true);
    expect($("[data-section=export] [data-field=selected-only]")).toBeNull();
  });
});

describe("the sidebar's views", () => {
  it("lists the saved views and applies one on a click", async () => {
    const model = await mount({
      saved_views: [
        { name: "hard-cars", revision: 3, description: "<b>cars</b>", created_at: "2024-01-02T03:04:05Z", saved_on: "v2" },
        { name: "easy", revision: 1, description: "", created_at: "", saved_on: "v3" },
      ],
      current_view: "easy",
    });
    const items = $$("[data-role=views] [data-view]");
    expect(items.map((li) => li.dataset.view)).toEqual(["hard-cars", "easy"]);
    expect(items[1].classList.contains("tl-current")).toBe(true);
    expect(items[0].querySelector(".tl-view-description").innerHTML).toBe("&lt;b&gt;cars&lt;/b&gt;");
    expect(items[0].textContent).toContain("r3 · on v2");
    items[0].querySelector("[data-action=apply-view]").click();
    expect(model.lastSent("apply-view")).toMatchObject({ name: "hard-cars" });
    expect(host.querySelector(".tl-explorer")?.classList.contains("tl-sidebar-open")).toBe(true);
  });
});

describe("cell edits", () => {
  it("edits a cell in place: the kernel checks it, the page redraws with it marked", async () => {
    const model = await mount();
    expect($("[data-role=row][data-key='1'] [data-column=label]").dataset.edited).toBe("true");
    const cell = $("[data-role=row][data-key='0'] [data-column=tags]");
    cell.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    const input = $("[data-role=cell-editor]");
    expect(input.tagName).toBe("TEXTAREA"); // a list is edited as JSON, in a box of several lines
    expect(input.value).toBe('["a"]');
    input.value = "[1]";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    const sent = model.lastSent("edit");
    expect(sent).toMatchObject({ key: 0, column: "tags", value: "[1]" });
    model.answer({ type: "error", id: sent.id, message: "column 'tags', row 0: cannot store [1]" });
    await settle();
    expect($("[data-role=edit-error]").textContent).toContain("cannot store [1]");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    input.value = '["b"]';
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    const second = model.lastSent("edit");
    const before = model.sent.filter((m) => m.type === "rows").length;
    model.answer({ type: "edit", id: second.id, key: 0, column: "tags", cell: ["b"], pending: 2 });
    await settle();
    expect(model.sent.filter((m) => m.type === "rows").length).toBe(before + 1); // the page is asked again
  });

  it("gives up on Escape, and edits nothing outside the rows view or the editable columns", async () => {
    const model = await mount({ editable_columns: ["label"] });
    const cell = $("[data-role=row][data-key='0'] [data-column=label]");
    cell.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    $("[data-role=cell-editor]").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect($("[data-role=cell-editor]")).toBeNull();
    expect(cell.textContent).toBe("cat");
    $("[data-role=row][data-key='0'] [data-column=id]").dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    expect($("[data-role=cell-editor]")).toBeNull();
    model.kernelSync({ mode: "groups", result_version: 2 });
    answerRows(model);
    await settle();
    $("[data-role=row][data-key='0'] [data-column=label]").dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    expect($("[data-role=cell-editor]")).toBeNull();
  });

  it("shows the pending edits with undo, discard and commit", async () => {
    const model = await mount();
    const bar = $("[data-role=edits]");
    expect(bar.hidden).toBe(true);
    model.kernelSet({ pending_edits: 3 });
    expect(bar.hidden).toBe(false);
    expect(bar.textContent).toContain("3 pending edits");
    $("[data-action=undo-edit]").click();
    expect(model.lastSent("undo-edit")).toBeTruthy();
    $("[data-field=commit-description]").value = "fix labels";
    $("[data-action=commit-edits]").click();
    const sent = model.lastSent("commit-edits");
    expect(sent).toMatchObject({ description: "fix labels" });
    model.answer({ type: "commit-edits", id: sent.id, spec: "preds:v4", version: "v4" });
    await settle();
    expect(model.get("notice")).toEqual({ message: "Committed the edits as preds:v4", level: "info" });
  });
});
