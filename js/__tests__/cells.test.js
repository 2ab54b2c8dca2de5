// @ts-check
import { describe, expect, it } from "vitest";
import {
  clipText,
  cmpNumbers,
  decodeCell,
  decodeNumber,
  formatDate,
  formatNumber,
  isTree,
  ndarraySummary,
  previewValue,
  rowCountText,
  sameCell,
  summaryTotals,
  treeEntries,
  treeLabel,
} from "../cells.js";

describe("decodeCell", () => {
  it("recognises plain JSON values", () => {
    expect(decodeCell(null).type).toBe("null");
    expect(decodeCell(undefined).type).toBe("null");
    expect(decodeCell(true)).toEqual({ type: "bool", value: true });
    expect(decodeCell(3)).toEqual({ type: "number", value: 3 });
    expect(decodeCell("x")).toEqual({ type: "str", value: "x" });
    expect(decodeCell([1, 2]).type).toBe("list");
    expect(decodeCell({ a: 1 }).type).toBe("dict");
  });

  it("decodes special floats", () => {
    expect(Number.isNaN(decodeCell({ $num: "NaN" }).value)).toBe(true);
    expect(decodeCell({ $num: "Infinity" }).value).toBe(Infinity);
    expect(decodeCell({ $num: "-Infinity" }).value).toBe(-Infinity);
    expect(decodeNumber(2.5)).toBe(2.5);
    expect(decodeNumber("2.5")).toBe(null);
  });

  it("decodes every tagged cell of the protocol", () => {
    expect(decodeCell({ $date: "2024-01-02T03:04:05Z" })).toEqual({ type: "date", value: "2024-01-02T03:04:05Z" });
    expect(decodeCell({ $ndarray: { shape: [2], dtype: "int64", values: [1, 2] } }).type).toBe("ndarray");
    expect(decodeCell({ $image: { key: "k" } })).toEqual({ type: "image", value: { key: "k" } });
    expect(decodeCell({ $hist: { edges: [0, 1], counts: [[3]] } }).type).toBe("hist");
    expect(decodeCell({ $counts: { values: ["a"], counts: [[1]] } }).type).toBe("counts");
    expect(decodeCell({ $images: [{ key: "a" }] })).toEqual({ type: "images", value: [{ key: "a" }] });
    expect(decodeCell({ $cmp: [1, { $absent: true }] })).toEqual({ type: "cmp", value: [1, { $absent: true }] });
    expect(decodeCell({ $absent: true }).type).toBe("absent");
  });

  it("treats a dict with a tag among other keys as a plain dict", () => {
    expect(decodeCell({ $num: "NaN", other: 1 }).type).toBe("dict");
    expect(decodeCell({ $unknown: 1 }).type).toBe("dict");
  });
});

describe("formatNumber", () => {
  it("shows integers whole", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(42, "int")).toBe("42");
    expect(formatNumber(-1234567, "int")).toBe("-1234567");
  });

  it("keeps a float column's whole numbers recognisable", () => {
    expect(formatNumber(3, "float")).toBe("3.0");
    expect(formatNumber(0, "float")).toBe("0.0");
  });

  it("rounds floats to 6 significant digits without trailing zeros", () => {
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(123.456789)).toBe("123.457");
    expect(formatNumber(0.5)).toBe("0.5");
    expect(formatNumber(123456.7, "float")).toBe("123457");
  });

  it("uses exponents for very small and very large magnitudes", () => {
    expect(formatNumber(0.0000123456)).toBe("1.235e-5");
    expect(formatNumber(1.5e12, "float")).toBe("1.5e+12");
    expect(formatNumber(1e-7)).toBe("1e-7");
  });

  it("names NaN and infinities", () => {
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(Infinity)).toBe("inf");
    expect(formatNumber(-Infinity)).toBe("-inf");
    expect(formatNumber(-0)).toBe("0");
  });
});

describe("formatDate", () => {
  it("writes the ISO text with a space and keeps the zone", () => {
    expect(formatDate("2024-01-02T03:04:05Z")).toBe("2024-01-02 03:04:05Z");
    expect(formatDate("2024-01-02T03:04:05+02:00")).toBe("2024-01-02 03:04:05+02:00");
    expect(formatDate("2024-01-02T03:04:05+00:00")).toBe("2024-01-02 03:04:05Z");
  });

  it("drops zero fractions and keeps real ones", () => {
    expect(formatDate("2024-01-02T03:04:05.000000")).toBe("2024-01-02 03:04:05");
    expect(formatDate("2024-01-02T03:04:05.120000Z")).toBe("2024-01-02 03:04:05.12Z");
  });

  it("handles dates without time and unknown text", () => {
    expect(formatDate("2024-01-02")).toBe("2024-01-02");
    expect(formatDate("2024-01-02T03:04")).toBe("2024-01-02 03:04:00");
    expect(formatDate("yesterday")).toBe("yesterday");
  });
});

describe("text, previews and trees", () => {
  it("clips long text with an ellipsis", () => {
    expect(clipText("short", 10)).toEqual({ text: "short", clipped: false });
    const c = clipText("x".repeat(20), 10);
    expect(c.clipped).toBe(true);
    expect(c.text).toHaveLength(10);
    expect(c.text.endsWith("…")).toBe(true);
  });

  it("previews nested values on one line within a budget", () => {
    expect(previewValue([1, "a", null, true])).toBe('[1, "a", null, true]');
    expect(previewValue({ a: 1, b: [2] })).toBe("{a: 1, b: [2]}");
    const long = previewValue({ text: "y".repeat(500) }, 30);
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long.endsWith("…")).toBe(true);
    expect(previewValue({ $date: "2024-01-02T00:00:00Z" })).toBe("2024-01-02 00:00:00Z");
  });

  it("labels collapsed lists and dicts", () => {
    expect(treeLabel([1, 2, 3])).toBe("[3 items]");
    expect(treeLabel([1])).toBe("[1 item]");
    expect(treeLabel({ a: 1, b: 2 })).toBe("{a, b}");
    expect(treeLabel({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toBe("{a, b, … 5 keys}");
    expect(treeLabel({})).toBe("{}");
  });

  it("lists a tree's children, capped", () => {
    expect(treeEntries({ a: 1, b: 2 }).entries).toEqual([["a", 1], ["b", 2]]);
    const big = treeEntries(Array.from({ length: 250 }, (_, i) => i), 200);
    expect(big.entries).toHaveLength(200);
    expect(big.entries[5]).toEqual(["5", 5]);
    expect(big.more).toBe(50);
  });

  it("knows what expands", () => {
    expect(isTree([1])).toBe(true);
    expect(isTree([])).toBe(false);
    expect(isTree({ a: 1 })).toBe(true);
    expect(isTree({ $date: "2024-01-01" })).toBe(false);
    expect(isTree("x")).toBe(false);
  });

  it("summarises ndarrays", () => {
    const s = ndarraySummary({ shape: [3, 224, 224], dtype: "float32", values: [0.5, 0.25, { $num: "NaN" }] });
    expect(s.label).toBe("float32 3×224×224");
    expect(s.preview).toBe("[0.5, 0.25, NaN, …]");
    expect(ndarraySummary({ shape: [2], dtype: "int64", values: [1, 2] }).preview).toBe("[1, 2]");
  });
});

describe("compare and summaries", () => {
  it("reads numeric compare pairs", () => {
    expect(cmpNumbers([1, 2])).toEqual([1, 2]);
    expect(cmpNumbers([1, { $absent: true }])).toEqual([1, null]);
    expect(cmpNumbers([{ $num: "NaN" }, null])).toEqual([NaN, null]);
    expect(cmpNumbers(["a", 2])).toBe(null);
    expect(cmpNumbers([null, null])).toBe(null);
  });

  it("compares cells deeply", () => {
    expect(sameCell({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(sameCell({ a: [1, 2] }, { a: [1, 3] })).toBe(false);
    expect(sameCell({ $num: "NaN" }, { $num: "NaN" })).toBe(true);
    expect(sameCell(1, "1")).toBe(false);
    expect(sameCell(null, { $absent: true })).toBe(false);
  });

  it("totals histogram counts per table", () => {
    expect(summaryTotals({ edges: [0, 1, 2], counts: [[1, 2], [3, 4]] })).toEqual([3, 7]);
  });

  it("writes the row count with the number in it", () => {
    expect(rowCountText(12, 100, "rows")).toBe("12 of 100 rows");
    expect(rowCountText(100, 100, "rows")).toBe("100 rows");
    expect(rowCountText(1, 1, "rows")).toBe("1 row");
    expect(rowCountText(7, 100, "groups")).toBe("7 groups");
    expect(rowCountText(1, 100, "compare-groups")).toBe("1 group");
    expect(rowCountText(0, 100, "compare")).toBe("0 of 100 rows");
  });
});
