// @ts-check
import { describe, expect, it } from "vitest";
import { currentTableName, shortDate } from "../sidebar.js";
import { errorFor, get, isCompareMode, isGroupMode, versionSpec } from "../state.js";
import { columnChoices } from "../toolbar/choices.js";
import { errorSnippet } from "../toolbar/error-view.js";
import { addSortKey, reverseSortKey } from "../toolbar/sort-control.js";
import { fakeModel } from "./fake-model.js";

/** @import { SeenColumns } from "../types/frontend" */

describe("errorSnippet", () => {
  it("points a caret at the error position", () => {
    expect(errorSnippet("{$gt: ['$x', }", 12)).toEqual({ line: "{$gt: ['$x', }", caret: "            ^" });
    expect(errorSnippet("abc", 0).caret).toBe("^");
    expect(errorSnippet("abc", 99).caret).toBe("   ^");
  });

  it("shows a window of a long filter, marked with ellipses", () => {
    const text = "a".repeat(100) + "X" + "b".repeat(100);
    const { line, caret } = errorSnippet(text, 100, 20);
    expect(line.startsWith("…")).toBe(true);
    expect(line.endsWith("…")).toBe(true);
    expect(line[caret.length - 1]).toBe("X");
  });

  it("keeps the caret under the same character when the filter has new lines", () => {
    const { line, caret } = errorSnippet("{\n  $bad: 1}", 4);
    expect(line[caret.length - 1]).toBe("$");
  });
});

describe("sort and group choices", () => {
  it("adds a sort key or reverses one already there", () => {
    expect(addSortKey([], "a")).toEqual([["a", "asc"]]);
    expect(addSortKey([["a", "asc"]], "b")).toEqual([["a", "asc"], ["b", "asc"]]);
    expect(addSortKey([["a", "asc"], ["b", "asc"]], "a")).toEqual([["a", "desc"], ["b", "asc"]]);
    expect(reverseSortKey([["a", "asc"], ["b", "desc"]], 1)).toEqual([["a", "asc"], ["b", "asc"]]);
  });

  it("offers the columns that can be grouped", () => {
    /** @type {SeenColumns} */
    const seen = new Map([["id", "int"], ["img", "image"], ["label", "str"], ["score", "hist"]]);
    expect(columnChoices(seen, true)).toEqual(["id", "label"]);
    expect(columnChoices(seen, false)).toEqual(["id", "img", "label", "score"]);
  });
});

describe("state helpers", () => {
  it("reads traits with defaults", () => {
    const model = fakeModel({ group_by: null });
    expect(get(model, "group_by")).toEqual([]);
    expect(get(model, "page_size")).toBe(50);
    expect(get(/** @type {any} a model without traits */ ({ get: () => undefined }), "mode")).toBe("rows");
  });

  it("reads sort and group_by as the kernel echoes them (the kernel normalises them, not the browser)", () => {
    const sort = [["a", "asc"], ["b", "desc"]];
    expect(get(fakeModel({ sort }), "sort")).toEqual(sort);
    expect(get(fakeModel({ group_by: ["label", "$meta.source"] }), "group_by")).toEqual(["label", "$meta.source"]);
  });

  it("finds the error of a control", () => {
    const model = fakeModel({ error: { message: "bad", control: "sort", position: null } });
    expect(errorFor(model, "sort")?.message).toBe("bad");
    expect(errorFor(model, "filter")).toBe(null);
    expect(errorFor(fakeModel(), null)).toBe(null);
  });

  it("knows the view modes", () => {
    expect(isCompareMode("compare-groups")).toBe(true);
    expect(isCompareMode("groups")).toBe(false);
    expect(isGroupMode("compare-groups")).toBe(true);
    expect(isGroupMode("compare")).toBe(false);
  });

  it("builds the compare spec of a version", () => {
    expect(versionSpec({ version: "v4", spec: "preds:v4" }, "x")).toBe("preds:v4");
    expect(versionSpec({ version: "v4" }, "preds:v3 / predictions")).toBe("preds:v4");
    expect(versionSpec({ version: "v4" }, "")).toBe("v4");
  });
});

describe("sidebar helpers", () => {
  it("reads the table name and short dates", () => {
    expect(currentTableName("preds:v3 / predictions")).toBe("predictions");
    expect(currentTableName("DataFrame (300 rows)")).toBe("");
    expect(shortDate("2024-01-02T03:04:05Z")).toBe("2024-01-02 03:04");
    expect(shortDate("")).toBe("");
  });
});
