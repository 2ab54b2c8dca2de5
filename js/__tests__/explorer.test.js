// @vitest-environment happy-dom
// @ts-check
// The whole view against a fake model: what a user sees and what the kernel receives.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import widget from "../index.js";
import { fakeModel, settle } from "./fake-model.js";

/** @import { Row, SchemaColumn } from "../types/protocol" */
/** @import { FakeModel } from "./fake-model.js" */

/** @type {SchemaColumn[]} */
const SCHEMA = [
  { name: "id", kind: "int", label: "id", table: null },
  { name: "score", kind: "float", label: "score", table: null },
  { name: "text", kind: "str", label: "text", table: null },
  { name: "meta", kind: "dict", label: "meta", table: null },
];

/** @type {Row[]} */
const ROWS = [
  { _key: 10, cells: { id: 1, score: 0.5, text: "<img src=x onerror=alert(1)>", meta: { a: 1, b: { c: 2 } } } },
  { _key: 11, cells: { id: 2, score: { $num: "NaN" }, text: "plain", meta: null } },
  { _key: 12, cells: { id: 3, score: 1e-9, text: "x".repeat(500), meta: { a: 3 } } },
];

const VERSIONS = [
  { version: "v3", aliases: ["latest"], created_at: "2024-01-02T03:04:05Z", current: true, compared: false },
  { version: "v4", aliases: [], created_at: "2024-01-03T03:04:05Z", current: false, compared: false },
];

/** @type {(() => void) | null} */
let cleanup = null;
/** @type {HTMLElement} */
let host = document.createElement("div");

/** @param {Record<string, unknown>} [traits] */
function mount(traits = {}) {
  const model = fakeModel({
    schema: SCHEMA,
    num_rows: 3,
    total_rows: 10,
    versions: VERSIONS,
    tables: ["predictions", "ground_truth"],
    ...traits,
  });
  host = document.createElement("div");
  document.body.append(host);
  cleanup = widget.render({ model, el: host });
  return model;
}

/**
 * The kernel answers the last `rows` request.
 * @param {FakeModel} model
 * @param {Row[]} [rows]
 * @param {Record<string, unknown>} [extra]
 */
function answerRows(model, rows = ROWS, extra = {}) {
  const req = model.lastSent("rows");
  model.answer({ type: "rows", id: req.id, result_version: req.result_version, offset: req.offset, total: 3, rows, ...extra });
}

// the tests read and drive whatever element a role names (inputs, selects, buttons): `any` here
/**
 * @param {string} role
 * @param {Element} [root]
 * @returns {any}
 */
const q = (role, root = host) => root.querySelector(`[data-role="${role}"]`);
/**
 * @param {string} role
 * @param {Element} [root]
 * @returns {any[]}
 */
const qa = (role, root = host) => [...root.querySelectorAll(`[data-role="${role}"]`)];
/**
 * @param {string} selector
 * @returns {any}
 */
const $ = (selector) => host.querySelector(selector);

/**
 * @param {EventTarget} target
 * @param {string} k
 * @param {KeyboardEventInit} [opts]
 */
function key(target, k, opts = {}) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts }));
}

beforeEach(() => {
  delete (/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis))).__tablelens_plotly__;
});

afterEach(() => {
  if (cleanup) cleanup();
  cleanup = null;
  host?.remove();
});

describe("Explorer view", () => {
  it("renders the controls with their data-roles, asks for the first page and shows it", async () => {
    const model = mount();
    for (const role of ["explorer", "filter", "group-by", "sort", "compare", "quick-filter", "row-count", "versions", "sidebar", "columns", "recent-filters"]) {
      expect(qa(role), role).toHaveLength(1);
    }
    expect(q("error")).toBeNull();
    expect(q("busy")).toBeNull();
    const req = model.lastSent("rows");
    expect(req).toMatchObject({ type: "rows", result_version: 1, offset: 0, limit: 50 });
    answerRows(model);
    await settle();
    const rows = qa("row");
    expect(rows.map((r) => r.dataset.key)).toEqual(["10", "11", "12"]);
    expect(qa("cell", rows[0]).map((c) => c.dataset.column)).toEqual(["id", "score", "text", "meta"]);
    expect(q("row-count").textContent).toContain("3");
    expect(q("row-count").textContent).toBe("3 of 10 rows");
  });

  it("formats cells and never renders cell text as HTML", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    /** @type {(key: number, col: string) => any} */
    const cell = (key, col) => $(`[data-key="${key}"] [data-column="${col}"]`);
    expect(cell(10, "text").querySelector("img")).toBeNull();
    expect(cell(10, "text").textContent).toContain("<img src=x onerror=alert(1)>");
    expect(cell(11, "score").textContent).toBe("NaN");
    expect(cell(12, "score").textContent).toBe("1e-9");
    expect(cell(10, "score").textContent).toBe("0.5");
    expect(cell(11, "meta").textContent).toBe("null");
    // long text (over 200 characters) is clipped, whole on expand (js/media/kinds/text.js)
    const long = cell(12, "text");
    const body = long.querySelector("[data-role=long-text-body]");
    expect(long.querySelector("[data-role=long-text]").dataset.state).toBe("clipped");
    expect(body.textContent.length).toBeLessThan(500);
    long.querySelector("[data-role=text-expand]").click();
    await settle();
    expect(long.querySelector("[data-role=long-text]").dataset.state).toBe("open");
    expect(body.textContent).toBe("x".repeat(500));
    // dicts are collapsed trees that expand
    const tree = cell(10, "meta");
    const toggle = tree.querySelector(".tl-tree-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    toggle.click();
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(tree.querySelectorAll(".tl-tree-children > li")).toHaveLength(2);
  });

  it("applies the filter on Enter; an error shows beside it with its position and the rows stay", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    const input = q("filter");
    input.value = "{$gt: ['$score', 0.5]}";
    const saved = model.saved;
    key(input, "Enter");
    expect(model.get("filter")).toBe("{$gt: ['$score', 0.5]}");
    expect(model.saved).toBe(saved + 1);
    // Shift+Enter does not apply
    input.value = "{$gt: ['$nope', 1]}";
    key(input, "Enter", { shiftKey: true });
    expect(model.get("filter")).toBe("{$gt: ['$score', 0.5]}");
    key(input, "Enter");
    model.kernelSet({ error: { message: "unknown column 'nope'", control: "filter", position: 7 } });
    const err = q("error");
    expect(err).not.toBeNull();
    expect(err.textContent).toContain("unknown column 'nope'");
    expect(err.textContent).toContain("position 7");
    expect(err.dataset.control).toBe("filter");
    expect(err.closest(".tl-filter-col")).not.toBeNull();
    expect(qa("row")).toHaveLength(3);
    model.kernelSet({ error: {} });
    expect(q("error")).toBeNull();
  });

  it("shows an error of another control beside that control", async () => {
    const model = mount();
    model.kernelSet({ error: { message: "cannot group by meta", control: "group-by", position: null } });
    expect(q("error").closest(".tl-group")).not.toBeNull();
    expect(qa("error")).toHaveLength(1);
  });

  it("applies a recent filter in one click", async () => {
    const model = mount({ recent_filters: ["{$eq: ['$id', 1]}", "<b>bold</b>"] });
    const items = q("recent-filters").querySelectorAll("[data-filter]");
    expect(items).toHaveLength(2);
    expect(items[1].querySelector("b")).toBeNull();
    items[0].click();
    expect(model.get("filter")).toBe("{$eq: ['$id', 1]}");
    expect(q("filter").value).toBe("{$eq: ['$id', 1]}");
  });

  it("offers recent filters under the editor while it has the focus", () => {
    const model = mount({ recent_filters: ["{$eq: ['$id', 1]}", "{$eq: ['$id', 2]}"] });
    const input = q("filter");
    const list = $(".tl-filter-suggest");
    expect(list.hidden).toBe(true);
    input.focus();
    expect(list.hidden).toBe(false);
    expect(list.querySelectorAll("button")).toHaveLength(2);
    input.value = "2]";
    input.dispatchEvent(new Event("input"));
    expect([...list.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["{$eq: ['$id', 2]}"]);
    list.querySelector("button").click();
    expect(model.get("filter")).toBe("{$eq: ['$id', 2]}");
    expect(list.hidden).toBe(true);
  });

  it("groups by a column and draws one chart container per summary cell", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    const select = q("group-by");
    expect([...select.options].map((o) => o.value)).toContain("text");
    // nested paths seen in dict cells are offered too
    expect([...select.options].map((o) => o.value)).toContain("$meta.b.c");
    select.value = "text";
    select.dispatchEvent(new Event("change"));
    expect(model.get("group_by")).toEqual(["text"]);
    model.kernelSet({
      mode: "groups",
      num_rows: 2,
      schema: [
        { name: "text", kind: "key", label: "text", table: null },
        { name: "count", kind: "count", label: "count", table: null },
        { name: "score", kind: "hist", label: "score", table: null },
        { name: "id", kind: "counts", label: "id", table: null },
      ],
      result_version: 2,
    });
    answerRows(model, [
      { _key: 0, cells: { text: "a", count: 3, score: { $hist: { edges: [0, 0.5, 1], counts: [[1, 2]] } }, id: { $counts: { values: [1, 2], counts: [[2, 1]] } } } },
      { _key: 1, cells: { text: "b", count: 1, score: { $hist: { edges: [0, 0.5, 1], counts: [[0, 1]] } }, id: { $counts: { values: [3], counts: [[1]] } } } },
    ]);
    await settle();
    expect(qa("row")).toHaveLength(2);
    expect(q("row-count").textContent).toBe("2 groups");
    const charts = qa("histogram");
    expect(charts).toHaveLength(4);
    expect(charts.map((c) => c.dataset.chart)).toEqual(["hist", "counts", "hist", "counts"]);
    // plotly is asked for once, through the asset message
    await settle();
    const assets = model.sent.filter((m) => m.type === "asset");
    expect(assets.length).toBeLessThanOrEqual(1);
    if (assets.length) {
      model.answer({ type: "error", id: assets[0].id, message: "no asset" });
      await settle();
      expect(charts.every((c) => c.dataset.drawn === "fallback")).toBe(true);
    }
  });

  it("compares with another version: compare select, quick filter, both values and bar charts", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    const select = q("compare");
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([["", "nothing"], ["preds:v4", "v4"]]);
    expect(q("quick-filter").hidden).toBe(true);
    select.value = "preds:v4";
    select.dispatchEvent(new Event("change"));
    expect(model.get("compare")).toBe("preds:v4");
    model.kernelSet({
      mode: "compare",
      versions: VERSIONS.map((v) => ({ ...v, compared: v.version === "v4" })),
      schema: [
        { name: "id", kind: "int", label: "id", table: null },
        { name: "score", kind: "compare", label: "score", table: null },
        { name: "text", kind: "compare", label: "text", table: null },
      ],
      result_version: 2,
    });
    expect(q("quick-filter").hidden).toBe(false);
    answerRows(model, [
      { _key: 1, cells: { id: 1, score: { $cmp: [0.5, 0.75] }, text: { $cmp: ["cat", "dog"] } } },
      { _key: 2, cells: { id: 2, score: { $cmp: [0.1, { $absent: true }] }, text: { $cmp: ["x", { $absent: true }] } } },
    ]);
    await settle();
    const text = $('[data-key="1"] [data-column="text"]');
    expect(text.querySelectorAll(".tl-cmp-side")).toHaveLength(2);
    expect(text.textContent).toContain("cat");
    expect(text.textContent).toContain("dog");
    const score = $('[data-key="2"] [data-column="score"]');
    expect(q("histogram", score).dataset.chart).toBe("cmp");
    expect(score.textContent).toContain("absent");
    q("quick-filter").querySelector('[data-value="only0"]').click();
    expect(model.get("quick_filter")).toBe("only0");
    model.kernelSet({ quick_filter: "only0" });
    expect(q("quick-filter").querySelector('[data-value="only0"]').getAttribute("aria-pressed")).toBe("true");
    // the sidebar offers to stop comparing
    expect(q("versions").querySelector('[data-version="v4"] [data-action="stop-compare"]')).not.toBeNull();
  });

  it("compares from the sidebar", () => {
    const model = mount();
    q("versions").querySelector('[data-version="v4"] [data-action="compare"]').click();
    expect(model.get("compare")).toBe("preds:v4");
    expect(q("versions").querySelector('[data-version="v3"] [data-action]')).toBeNull();
    expect(host.querySelectorAll('[data-role="tables"] li')).toHaveLength(2);
  });

  it("selects rows by click and by keyboard, and follows selection set from Python", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    qa("row")[1].querySelector(".tl-select-row").click();
    expect(model.get("selected_keys")).toEqual([11]);
    expect(qa("row")[1].getAttribute("aria-selected")).toBe("true");
    const grid = $(".tl-scroller");
    key(grid, "ArrowDown"); // focus row 0
    key(grid, "ArrowDown"); // row 1
    key(grid, "ArrowDown"); // row 2
    key(grid, " ");
    expect(model.get("selected_keys")).toEqual([11, 12]);
    key(grid, "Enter");
    expect(model.get("selected_keys")).toEqual([11]);
    expect($(".tl-focus").dataset.column).toBe("id");
    key(grid, "ArrowRight");
    expect($(".tl-focus").dataset.column).toBe("score");
    model.kernelSet({ selected_keys: [10] });
    expect(qa("row").map((r) => r.getAttribute("aria-selected"))).toEqual(["true", "false", "false"]);
    // Enter on a button inside a cell is that button's, not the row selection's
    const toggle = $('[data-key="10"] .tl-tree-toggle');
    key(toggle, "Enter");
    expect(model.get("selected_keys")).toEqual([10]);
  });

  it("drops a stale page and asks again for a new result", async () => {
    const model = mount();
    const first = model.lastSent("rows");
    model.kernelSet({ result_version: 2 });
    const second = model.lastSent("rows");
    expect(second.id).not.toBe(first.id);
    expect(second.result_version).toBe(2);
    model.answer({ type: "rows", id: first.id, result_version: 1, offset: 0, total: 3, rows: ROWS });
    await settle();
    expect(qa("row")).toHaveLength(0);
    model.answer({ type: "rows", id: second.id, result_version: 2, offset: 0, total: 1, rows: [ROWS[1]] });
    await settle();
    expect(qa("row").map((r) => r.dataset.key)).toEqual(["11"]);
  });

  it("keeps the last rows as they were until the rows of a new result arrive", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    model.kernelSync({ schema: [{ name: "label", kind: "key", label: "label", table: null }], mode: "groups", result_version: 2 });
    expect(qa("row")).toHaveLength(3);
    expect($('[data-role="cell"][data-column="score"]')).not.toBeNull();
    answerRows(model, [{ _key: 0, cells: { label: "cat" } }]);
    await settle();
    expect(qa("row")).toHaveLength(1);
    expect(qa("cell").map((c) => c.dataset.column)).toEqual(["label"]);
  });

  it("marks the cells the kernel cut", async () => {
    const model = mount();
    answerRows(model, [{ ...ROWS[2], truncated: ["text"] }]);
    await settle();
    const cell = $('[data-key="12"] [data-column="text"]');
    expect(cell.classList.contains("tl-truncated")).toBe(true);
    expect(cell.querySelector(".tl-cut").title).toMatch(/cut/);
    expect($('[data-key="12"] [data-column="id"] .tl-cut')).toBeNull();
  });

  it("pages through the result with rows requests", async () => {
    const model = mount({ page_size: 2, num_rows: 3 });
    answerRows(model, ROWS.slice(0, 2), { total: 3 });
    await settle();
    $('[data-action="next-page"]').click();
    expect(model.lastSent("rows")).toMatchObject({ offset: 2, limit: 2 });
    answerRows(model, ROWS.slice(2), { offset: 2, total: 3 });
    await settle();
    expect(qa("row").map((r) => r.dataset.key)).toEqual(["12"]);
    expect($(".tl-rownum").textContent).toBe("3");
  });

  it("shows busy while a query runs", () => {
    const model = mount();
    model.kernelSet({ busy: true });
    expect(q("busy")).not.toBeNull();
    expect(q("explorer").hasAttribute("data-busy")).toBe(true);
    model.kernelSet({ busy: false });
    expect(q("busy")).toBeNull();
  });

  it("hides columns and sorts from the header", async () => {
    const model = mount();
    answerRows(model);
    await settle();
    const box = q("columns").querySelector('input[data-column="text"]');
    box.checked = false;
    box.dispatchEvent(new Event("change"));
    expect(model.get("hidden_columns")).toEqual(["text"]);
    expect($('[data-role="cell"][data-column="text"]')).toBeNull();
    $('th[data-column="score"] .tl-th-name').click();
    expect(model.get("sort")).toEqual([["score", "asc"]]);
    $('th[data-column="score"] .tl-th-name').click();
    expect(model.get("sort")).toEqual([["score", "desc"]]);
    const sortSelect = q("sort");
    sortSelect.value = "id";
    sortSelect.dispatchEvent(new Event("change"));
    expect(model.get("sort")).toEqual([["score", "desc"], ["id", "asc"]]);
    expect(host.querySelectorAll('[data-role="sort-key"]')).toHaveLength(2);
  });

  it("shows image cells through the media module, with one thumbs message per page", async () => {
    const model = mount({ schema: [{ name: "img", kind: "image", label: "img", table: null }] });
    answerRows(model, [
      { _key: 1, cells: { img: { $image: { key: "k1", width: 10, height: 10, caption: "<i>cap</i>", classes: [], boxes: {}, masks: {} } } } },
      { _key: 2, cells: { img: { $image: { key: "k2", width: 10, height: 10, caption: "", classes: [], boxes: {}, masks: {} } } } },
    ]);
    await settle(5);
    expect(host.querySelectorAll('[data-role="cell"] .tl-image')).toHaveLength(2);
    expect($("i")).toBeNull();
    expect(model.sent.filter((m) => m.type === "thumbs").length).toBeLessThanOrEqual(1);
  });

  it("stops listening to the model when the view is removed", () => {
    const model = fakeModel({ schema: SCHEMA });
    const before = model.listenerCount();
    const el = document.createElement("div");
    const dispose = widget.render({ model, el });
    expect(model.listenerCount()).toBeGreaterThan(before);
    dispose();
    expect(model.listenerCount()).toBe(before);
    expect(el.childElementCount).toBe(0);
  });
});

describe("table helpers", async () => {
  const { defaultWidth } = await import("../table/columns.js");
  const { headerSort } = await import("../table/header.js");
  const { nestedPaths } = await import("../table/nested-paths.js");

  it("cycles a header's sort asc -> desc -> off, and adds keys with Shift", () => {
    expect(headerSort([], "a", false)).toEqual([["a", "asc"]]);
    expect(headerSort([["a", "asc"]], "a", false)).toEqual([["a", "desc"]]);
    expect(headerSort([["a", "desc"]], "a", false)).toEqual([]);
    expect(headerSort([["a", "asc"]], "b", false)).toEqual([["b", "asc"]]);
    expect(headerSort([["a", "asc"]], "b", true)).toEqual([["a", "asc"], ["b", "asc"]]);
    expect(headerSort([["a", "asc"], ["b", "asc"]], "b", true)).toEqual([["a", "asc"], ["b", "desc"]]);
    expect(headerSort([["a", "asc"], ["b", "desc"]], "b", true)).toEqual([["a", "asc"]]);
  });

  it("finds nested paths in dict cells", () => {
    /** @type {Pick<Row, "cells">[]} */
    const rows = [{ cells: { m: { a: 1, b: { c: 2 } } } }, { cells: { m: { d: null } } }];
    expect(nestedPaths(rows, [{ name: "m", kind: "dict" }])).toEqual(["$m.a", "$m.b", "$m.b.c", "$m.d"]);
    expect(nestedPaths(rows, [{ name: "m", kind: "str" }])).toEqual([]);
  });

  it("gives compare cells more room", () => {
    expect(defaultWidth({ kind: "float", table: null }, "rows")).toBe(100);
    expect(defaultWidth({ kind: "float", table: null }, "compare")).toBe(170);
    expect(defaultWidth({ kind: "count", table: 0 }, "compare-groups")).toBe(90);
  });
});
