// @ts-check
import { describe, expect, it } from "vitest";
import {
  boxRect,
  clipRect,
  displayRect,
  fitWithin,
  hitTest,
  labelRect,
  maskSizeDiffers,
  scaleRect,
  thumbRequestSize,
} from "../geometry.js";

describe("boxRect: position formats and domains", () => {
  it("reads minX/maxX/minY/maxY relative to the image size", () => {
    expect(boxRect({ minX: 0.1, maxX: 0.5, minY: 0.2, maxY: 0.6 }, 200, 100)).toEqual({ x0: 20, x1: 100, y0: 20, y1: 60 });
  });

  it("reads pixel-domain boxes as pixels", () => {
    expect(boxRect({ minX: 20, maxX: 100, minY: 20, maxY: 60, domain: "pixel" }, 200, 100)).toEqual({
      x0: 20,
      x1: 100,
      y0: 20,
      y1: 60,
    });
  });

  it("reads middle/width/height in both domains", () => {
    const rel = boxRect({ middle: [0.3, 0.4], width: 0.4, height: 0.4 }, 200, 100);
    expect(rel?.x0).toBeCloseTo(20);
    expect(rel?.x1).toBeCloseTo(100);
    expect(rel?.y0).toBeCloseTo(20);
    expect(rel?.y1).toBeCloseTo(60);
    expect(boxRect({ middle: [60, 40], width: 80, height: 40, domain: "pixel" }, 200, 100)).toEqual({
      x0: 20,
      x1: 100,
      y0: 20,
      y1: 60,
    });
  });

  it("reads W&B's nested position", () => {
    expect(boxRect({ position: { minX: 1, maxX: 3, minY: 2, maxY: 4 }, domain: "pixel" }, 10, 10)).toEqual({
      x0: 1,
      x1: 3,
      y0: 2,
      y1: 4,
    });
    expect(boxRect({ position: { middle: [5, 5], width: 2, height: 2 }, domain: "pixel" }, 10, 10)).toEqual({
      x0: 4,
      x1: 6,
      y0: 4,
      y1: 6,
    });
  });

  it("prefers min/max when both forms are present (the kernel fills min/max always)", () => {
    const b = { minX: 0, maxX: 0.5, minY: 0, maxY: 0.5, middle: [0.9, 0.9], width: 0.1, height: 0.1 };
    expect(boxRect(b, 100, 100)).toEqual({ x0: 0, x1: 50, y0: 0, y1: 50 });
  });

  it("orders swapped corners", () => {
    expect(boxRect({ minX: 0.5, maxX: 0.1, minY: 0.6, maxY: 0.2 }, 10, 10)).toEqual({ x0: 1, x1: 5, y0: 2, y1: 6 });
  });

  it("rejects missing or non-finite coordinates", () => {
    expect(boxRect({ minX: 0, maxX: 1, minY: 0 }, 10, 10)).toBeNull();
    expect(boxRect({ minX: NaN, maxX: 1, minY: 0, maxY: 1 }, 10, 10)).toBeNull();
    // @ts-expect-error a coordinate that is not a number (as a hand-made table may hold)
    expect(boxRect({ minX: "0", maxX: 1, minY: 0, maxY: 1 }, 10, 10)).toBeNull();
    expect(boxRect(null, 10, 10)).toBeNull();
    expect(boxRect({ minX: 0, maxX: 1, minY: 0, maxY: 1 }, 0, 0)).toBeNull(); // relative needs a size
  });
});

describe("scaling and clipping", () => {
  it("scales image pixels to canvas pixels", () => {
    expect(scaleRect({ x0: 10, x1: 20, y0: 5, y1: 10 }, 0.5, 2)).toEqual({ x0: 5, x1: 10, y0: 10, y1: 20 });
  });

  it("clips to the canvas and says so", () => {
    expect(clipRect({ x0: -5, x1: 5, y0: 2, y1: 20 }, 10, 10)).toEqual({ x0: 0, x1: 5, y0: 2, y1: 10, clipped: true });
    expect(clipRect({ x0: 1, x1: 5, y0: 2, y1: 3 }, 10, 10)).toEqual({ x0: 1, x1: 5, y0: 2, y1: 3, clipped: false });
  });

  it("drops boxes wholly outside", () => {
    expect(clipRect({ x0: 11, x1: 20, y0: 0, y1: 5 }, 10, 10)).toBeNull();
    expect(clipRect({ x0: -9, x1: 0, y0: 0, y1: 5 }, 10, 10)).toBeNull();
    expect(clipRect({ x0: 0, x1: 5, y0: 10, y1: 15 }, 10, 10)).toBeNull();
  });
});

describe("displayRect: a box on a thumbnail canvas", () => {
  it("scales a native-pixel box to the thumbnail", () => {
    // 640x480 image shown at 128x96: factor 0.2
    expect(displayRect({ minX: 100, maxX: 300, minY: 50, maxY: 250, domain: "pixel" }, 640, 480, 128, 96)).toEqual({
      x0: 20,
      y0: 10,
      x1: 60,
      y1: 50,
      clipped: false,
    });
  });

  it("lands pixel and relative boxes describing the same rectangle on the same pixels", () => {
    const sizes = [
      [640, 480, 128, 96],
      [333, 777, 55, 128],
      [1920, 1080, 256, 144],
      [100, 100, 237, 237],
    ];
    for (const [w, h, cw, ch] of sizes) {
      for (const [a, b, c, d] of [
        [0, 0, w, h],
        [w / 7, h / 9, (w * 5) / 7, (h * 7) / 9],
        [13, 17, 51, 77],
      ]) {
        const px = displayRect({ minX: a, maxX: c, minY: b, maxY: d, domain: "pixel" }, w, h, cw, ch);
        const rel = displayRect({ minX: a / w, maxX: c / w, minY: b / h, maxY: d / h }, w, h, cw, ch);
        const mid = displayRect(
          { middle: [(a + c) / 2 / w, (b + d) / 2 / h], width: (c - a) / w, height: (d - b) / h },
          w,
          h,
          cw,
          ch,
        );
        expect(rel).toEqual(px);
        expect(mid).toEqual(px);
      }
    }
  });

  it("clips boxes that reach outside the image and reports wholly outside or invalid ones", () => {
    expect(displayRect({ minX: -0.5, maxX: 0.5, minY: 0.5, maxY: 1.5 }, 100, 100, 50, 50)).toEqual({
      x0: 0,
      y0: 25,
      x1: 25,
      y1: 50,
      clipped: true,
    });
    expect(displayRect({ minX: 1.1, maxX: 1.5, minY: 0, maxY: 1 }, 100, 100, 50, 50)).toEqual({ outside: true });
    expect(displayRect({ minX: 0, maxX: 1 }, 100, 100, 50, 50)).toEqual({ invalid: true });
  });

  it("keeps tiny boxes at least one pixel", () => {
    const r = /** @type {import("../geometry.js").Rect} */ (displayRect({ minX: 10, maxX: 10.2, minY: 10, maxY: 10.1, domain: "pixel" }, 1000, 1000, 100, 100));
    expect(r.x1 - r.x0).toBe(1);
    expect(r.y1 - r.y0).toBe(1);
  });

  it("keeps a 1 px box at the right/bottom edge inside the canvas", () => {
    const r = displayRect({ minX: 0.999, maxX: 1, minY: 0.999, maxY: 1 }, 100, 100, 50, 50);
    expect(r).toEqual({ x0: 49, y0: 49, x1: 50, y1: 50, clipped: false });
  });
});

describe("sizes", () => {
  it("fits keeping aspect, up or down", () => {
    expect(fitWithin(640, 480, 128)).toEqual({ width: 128, height: 96 });
    expect(fitWithin(300, 900, 128)).toEqual({ width: 43, height: 128 });
    expect(fitWithin(32, 16, 128)).toEqual({ width: 128, height: 64 });
    expect(fitWithin(4000, 3, 64)).toEqual({ width: 64, height: 1 });
    expect(fitWithin(0, 0, 64)).toEqual({ width: 64, height: 64 });
  });

  it("asks for device pixels in buckets, never more than the image has", () => {
    expect(thumbRequestSize(96, 1)).toBe(96);
    expect(thumbRequestSize(96, 2)).toBe(192);
    expect(thumbRequestSize(100, 1.5)).toBe(192);
    expect(thumbRequestSize(128, 2, 200)).toBe(200);
    expect(thumbRequestSize(128, 1, 4000)).toBe(128);
    expect(thumbRequestSize(5000, 1)).toBe(5000);
  });
});

describe("labels and hover", () => {
  it("puts the label above the box when there is room, else inside, else nowhere", () => {
    expect(labelRect({ x0: 10, y0: 20, x1: 80, y1: 60 }, 40, 12, 100)).toEqual({ x: 10, y: 8, w: 40, h: 12 });
    expect(labelRect({ x0: 10, y0: 5, x1: 80, y1: 60 }, 40, 12, 100)).toEqual({ x: 10, y: 5, w: 40, h: 12 });
    expect(labelRect({ x0: 10, y0: 5, x1: 80, y1: 20 }, 40, 12, 100)).toBeNull(); // too flat and no room above
    expect(labelRect({ x0: 10, y0: 20, x1: 30, y1: 60 }, 40, 12, 100)).toBeNull(); // too narrow
    expect(labelRect({ x0: 70, y0: 20, x1: 100, y1: 60 }, 25, 12, 100)).toEqual({ x: 70, y: 8, w: 25, h: 12 });
    expect(labelRect({ x0: 60, y0: 20, x1: 100, y1: 60 }, 40, 12, 100)?.x).toBe(60);
  });

  it("hit-tests the smallest box under the pointer", () => {
    const rects = [
      { x0: 0, y0: 0, x1: 100, y1: 100 },
      { x0: 10, y0: 10, x1: 30, y1: 30 },
      { x0: 50, y0: 50, x1: 51, y1: 90 },
    ];
    expect(hitTest(rects, 20, 20)).toBe(1);
    expect(hitTest(rects, 70, 20)).toBe(0);
    expect(hitTest(rects, 52, 60, 2)).toBe(2);
    expect(hitTest(rects, 150, 20)).toBe(-1);
  });

  it("notices masks whose size differs from the image", () => {
    expect(maskSizeDiffers(64, 64, 64, 64)).toBe(false);
    expect(maskSizeDiffers(32, 32, 64, 64)).toBe(true);
    expect(maskSizeDiffers(32, 32, 0, 0)).toBe(false);
  });
});
