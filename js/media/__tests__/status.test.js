// @ts-check
import { describe, expect, it } from "vitest";
import { readOverlay, setColorBy } from "../overlay-state.js";
import { isTruthLayer, STATUS_STYLES, statusStyle } from "../status.js";

describe("match-status colors", () => {
  it("draws predictions TP and FP, missed ground truth FN dashed, and nothing else", () => {
    expect(statusStyle({ status: "tp" }, false)).toBe(STATUS_STYLES.tp);
    expect(statusStyle({ status: "fp" }, false)).toBe(STATUS_STYLES.fp);
    expect(statusStyle({ status: "fn" }, true)).toBe(STATUS_STYLES.fn);
    expect(STATUS_STYLES.fn.dash.length).toBeGreaterThan(0);
    expect(STATUS_STYLES.tp.dash).toEqual([]);
    expect(statusStyle({ status: "tp" }, true)).toBeNull(); // a matched ground truth is drawn as its prediction
    expect(statusStyle({ status: "ignored" }, false)).toBeNull();
    expect(statusStyle({ status: null }, false)).toBeNull();
    expect(statusStyle({}, false)).toBeNull();
    const colors = new Set(Object.values(STATUS_STYLES).map((s) => s.color));
    expect(colors.size).toBe(3);
  });

  it("knows the ground-truth layers from the overlay, else from names and missed boxes", () => {
    const named = readOverlay(setColorBy({}, "status", ["truth_boxes"]));
    expect(named.colorBy).toBe("status");
    expect(isTruthLayer(named, "truth_boxes", [])).toBe(true);
    expect(isTruthLayer(named, "ground_truth", [])).toBe(false);
    const guess = readOverlay({ color_by: "status" });
    expect(isTruthLayer(guess, "ground_truth", [])).toBe(true);
    expect(isTruthLayer(guess, "labels_v2", [{ status: "fn" }])).toBe(true);
    expect(isTruthLayer(guess, "predictions", [{ status: "tp" }, { status: "fp" }])).toBe(false);
    expect(readOverlay({}).colorBy).toBe("class");
  });
});
