// @ts-check
import { describe, expect, it } from "vitest";
import { buildLut, colorize, isMask, maskNotes, maskStats, packRGBA, sampleMask } from "../masks.js";
import { classSet, PALETTE, parseColor, UNKNOWN_COLOR } from "../palette.js";

/**
 * @param {Uint8ClampedArray} bytes
 * @param {number} i
 */
const rgbaAt = (bytes, i) => [...bytes.slice(i * 4, i * 4 + 4)];
/** @param {string} c */
const rgbOf = (c) => /** @type {number[]} */ (parseColor(c));

describe("mask coloring", () => {
  const classes = classSet([
    { id: 1, name: "car", color: "#ff0000" },
    { id: 2, name: "road" },
  ]);

  it("colors each class, leaves 0 (not in the set) transparent and unknown ids grey", () => {
    const data = new Uint8Array([0, 1, 2, 7]);
    const out = colorize(data, buildLut(classes, new Set(), maskStats(data).maxId + 1));
    expect(rgbaAt(out, 0)).toEqual([0, 0, 0, 0]);
    expect(rgbaAt(out, 1)).toEqual([255, 0, 0, 255]);
    expect(rgbaAt(out, 2)).toEqual([...rgbOf(PALETTE[2]), 255]);
    expect(rgbaAt(out, 3)).toEqual([...rgbOf(UNKNOWN_COLOR), 255]);
  });

  it("draws 0 when the class set names it", () => {
    const withBg = classSet([{ id: 0, name: "background" }]);
    const out = colorize(new Uint8Array([0]), buildLut(withBg, new Set(), 1));
    expect(rgbaAt(out, 0)).toEqual([...rgbOf(PALETTE[0]), 255]);
  });

  it("makes hidden classes transparent", () => {
    const out = colorize(new Uint8Array([1, 2]), buildLut(classes, new Set([1]), 3));
    expect(rgbaAt(out, 0)[3]).toBe(0);
    expect(rgbaAt(out, 1)[3]).toBe(255);
  });

  it("handles 16-bit ids and ids beyond the table", () => {
    const data = new Uint16Array([300, 1]);
    expect(maskStats(data)).toEqual({ maxId: 300, ids: [1, 300] });
    const out = colorize(data, buildLut(classes, new Set(), 2));
    expect(rgbaAt(out, 0)).toEqual([0, 0, 0, 0]);
    expect(rgbaAt(out, 1)).toEqual([255, 0, 0, 255]);
  });

  it("packs in the platform's byte order", () => {
    const bytes = new Uint8Array(new Uint32Array([packRGBA(1, 2, 3, 4)]).buffer);
    expect([...bytes]).toEqual([1, 2, 3, 4]);
  });

  it("lists the classes present", () => {
    expect(maskStats(new Uint8Array([3, 0, 3, 5])).ids).toEqual([0, 3, 5]);
  });
});

describe("mask validation", () => {
  it("checks shape and explains size mismatches", () => {
    const m = { width: 2, height: 2, data: new Uint8Array(4) };
    expect(isMask(m)).toBe(true);
    expect(isMask({ width: 2, height: 2, data: new Uint8Array(3) })).toBe(false);
    expect(isMask({ error: "x" })).toBe(false);
    expect(maskNotes("gt", m, 2, 2)).toEqual([]);
    expect(maskNotes("gt", m, 4, 4)[0]).toMatch(/2x2 but the image is 4x4/);
  });
});

describe("sampleMask", () => {
  it("picks the mask pixel under each target pixel's centre", () => {
    // 4x2 mask -> 2x1: centres at x = 1 and 3 of the source, y = 1
    const m = { width: 4, height: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) };
    expect([...sampleMask(m, 2, 1).data]).toEqual([6, 8]);
    expect(sampleMask(m, 4, 2)).toBe(m);
  });

  it("keeps 16-bit ids and memoizes", () => {
    const m = { width: 3, height: 3, data: new Uint16Array([300, 0, 0, 0, 300, 0, 0, 0, 300]) };
    const s = sampleMask(m, 1, 1);
    expect(s.data).toBeInstanceOf(Uint16Array);
    expect([...s.data]).toEqual([300]);
    expect(sampleMask(m, 1, 1)).toBe(s);
  });

  it("agrees with nearest-neighbour scaling of a boundary", () => {
    // left half class 2 of a 640-wide mask shown 96 wide: columns < 48 are class 2, the rest 0
    const w = 640;
    const data = new Uint8Array(w * 2).map((_, i) => (i % w < w / 2 ? 2 : 0));
    const s = sampleMask({ width: w, height: 2, data }, 96, 1);
    expect(s.data.slice(0, 48).every((v) => v === 2)).toBe(true);
    expect(s.data.slice(48).every((v) => v === 0)).toBe(true);
  });
});
