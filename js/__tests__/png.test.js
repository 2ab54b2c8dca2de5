// @ts-check
import { describe, expect, it } from "vitest";
import { decodeMaskPng, parsePng } from "../png.js";
import { makePng } from "./png-helpers.js";

const W = 7;
const H = 5;
const values = Array.from({ length: W * H }, (_, i) => (i * 37) % 256);

describe("decodeMaskPng", () => {
  it("reads 8-bit grayscale samples exactly, for every scanline filter", async () => {
    const png = makePng(W, H, values, { filters: [0, 1, 2, 3, 4] });
    const mask = await decodeMaskPng(png);
    expect(mask.width).toBe(W);
    expect(mask.height).toBe(H);
    expect(mask.data).toBeInstanceOf(Uint8Array);
    expect([...mask.data]).toEqual(values);
  });

  it("reads 16-bit class ids", async () => {
    const big = values.map((v, i) => v * 200 + i);
    const mask = await decodeMaskPng(makePng(W, H, big, { bitDepth: 16, filters: [4, 3, 2, 1, 0] }));
    expect(mask.data).toBeInstanceOf(Uint16Array);
    expect([...mask.data]).toEqual(big);
  });

  it("takes the first channel of an RGBA PNG", async () => {
    const mask = await decodeMaskPng(makePng(W, H, values, { colorType: 6, channels: 4, filters: [1, 4] }));
    expect([...mask.data]).toEqual(values);
  });

  it("accepts a DataView, as ipywidgets delivers buffers", async () => {
    const png = makePng(2, 2, [1, 2, 3, 4]);
    const padded = new Uint8Array(png.length + 8);
    padded.set(png, 4);
    const mask = await decodeMaskPng(new DataView(padded.buffer, 4, png.length));
    expect([...mask.data]).toEqual([1, 2, 3, 4]);
  });

  it("rejects what is not a PNG", () => {
    expect(() => parsePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/not a PNG/);
  });
});
