// @ts-check
import { describe, expect, it } from "vitest";
import { navigate, rangeKeys, setKeys, toggleKey } from "../nav.js";

const dims = { rows: 5, cols: 3, hasPrev: false, hasNext: false };
/**
 * @param {string} k
 * @param {{ctrlKey?: boolean, metaKey?: boolean, shiftKey?: boolean}} [extra]
 */
const key = (k, extra = {}) => ({ key: k, ...extra });

describe("navigate", () => {
  it("moves the focused cell with the arrow keys and stops at the edges", () => {
    expect(navigate({ row: 1, col: 1 }, key("ArrowDown"), dims)).toMatchObject({ row: 2, col: 1, action: null, handled: true });
    expect(navigate({ row: 1, col: 1 }, key("ArrowUp"), dims)).toMatchObject({ row: 0, col: 1 });
    expect(navigate({ row: 1, col: 1 }, key("ArrowRight"), dims)).toMatchObject({ row: 1, col: 2 });
    expect(navigate({ row: 1, col: 2 }, key("ArrowRight"), dims)).toMatchObject({ row: 1, col: 2 });
    expect(navigate({ row: 1, col: 0 }, key("ArrowLeft"), dims)).toMatchObject({ row: 1, col: 0 });
    expect(navigate({ row: 4, col: 0 }, key("ArrowDown"), dims)).toMatchObject({ row: 4, action: null });
    expect(navigate({ row: 0, col: 0 }, key("ArrowUp"), dims)).toMatchObject({ row: 0, action: null });
  });

  it("puts the focus on the first row at the first key press", () => {
    expect(navigate({ row: -1, col: 0 }, key("ArrowDown"), dims)).toMatchObject({ row: 0, col: 0, handled: true });
  });

  it("jumps with Home, End and Ctrl", () => {
    expect(navigate({ row: 2, col: 1 }, key("Home"), dims)).toMatchObject({ row: 2, col: 0 });
    expect(navigate({ row: 2, col: 1 }, key("End"), dims)).toMatchObject({ row: 2, col: 2 });
    expect(navigate({ row: 2, col: 1 }, key("End", { ctrlKey: true }), dims)).toMatchObject({ row: 4, col: 2 });
    expect(navigate({ row: 2, col: 1 }, key("ArrowUp", { metaKey: true }), dims)).toMatchObject({ row: 0 });
  });

  it("selects the focused row with Space and Enter", () => {
    expect(navigate({ row: 3, col: 1 }, key(" "), dims)).toMatchObject({ row: 3, action: "select" });
    expect(navigate({ row: 3, col: 1 }, key("Enter"), dims)).toMatchObject({ row: 3, action: "select" });
    expect(navigate({ row: 3, col: 1 }, key("Enter", { shiftKey: true }), dims)).toMatchObject({ action: "select-range" });
    expect(navigate({ row: 2, col: 0 }, key("ArrowDown", { shiftKey: true }), dims)).toMatchObject({ row: 3, action: "select-range" });
    expect(navigate({ row: -1, col: 0 }, key(" "), dims).handled).toBe(false);
  });

  it("turns the page past the last or first row when there is one", () => {
    const paged = { ...dims, hasPrev: true, hasNext: true };
    expect(navigate({ row: 4, col: 1 }, key("ArrowDown"), paged)).toMatchObject({ action: "next-page", col: 1 });
    expect(navigate({ row: 0, col: 1 }, key("ArrowUp"), paged)).toMatchObject({ action: "prev-page", row: -2 });
    expect(navigate({ row: 2, col: 1 }, key("PageDown"), paged)).toMatchObject({ action: "next-page" });
    expect(navigate({ row: 2, col: 1 }, key("PageUp"), paged)).toMatchObject({ action: "prev-page" });
    expect(navigate({ row: 2, col: 1 }, key("PageDown"), dims)).toMatchObject({ row: 4, action: null });
  });

  it("leaves other keys to the browser", () => {
    expect(navigate({ row: 1, col: 1 }, key("a"), dims).handled).toBe(false);
    expect(navigate({ row: 1, col: 1 }, key("Tab"), dims).handled).toBe(false);
    expect(navigate({ row: 0, col: 0 }, key("ArrowDown"), { ...dims, rows: 0 }).handled).toBe(false);
    expect(navigate({ row: 1, col: 1 }, key("Escape"), dims)).toMatchObject({ action: "clear" });
  });

  it("keeps a focus that went out of range inside the table", () => {
    expect(navigate({ row: 9, col: 9 }, key("ArrowLeft"), dims)).toMatchObject({ row: 4, col: 1 });
  });
});

describe("selection helpers", () => {
  it("toggles, ranges and sets keys", () => {
    expect(toggleKey([1, 2], 2)).toEqual([1]);
    expect(toggleKey([1], 3)).toEqual([1, 3]);
    expect(rangeKeys([10, 11, 12, 13], 3, 1)).toEqual([11, 12, 13]);
    expect(setKeys([1, 2], [2, 3], true)).toEqual([1, 2, 3]);
    expect(setKeys([1, 2, 3], [2, 3], false)).toEqual([1]);
  });
});
