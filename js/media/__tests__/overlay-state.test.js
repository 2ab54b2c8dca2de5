// @ts-check
import { describe, expect, it } from "vitest";
import {
  boxVisible,
  hiddenSignature,
  isClassHidden,
  passesScores,
  readOverlay,
  setCompareStyle,
  setMaskOpacity,
  setScoreMin,
  showAll,
  toggleClass,
  toggleLayer,
} from "../overlay-state.js";

describe("readOverlay", () => {
  it("has defaults", () => {
    const v = readOverlay({});
    expect(v.maskOpacity).toBe(0.5);
    expect(v.compareStyle).toBe("overlay");
    expect(readOverlay(null).maskOpacity).toBe(0.5);
  });

  it("tolerates what Python may set", () => {
    const v = readOverlay({
      hidden_classes: { gt: [1, "2", "x"], bad: "nope" },
      hidden_layers: ["pred"],
      score_min: { conf: "0.5", other: "x" },
      mask_opacity: 3,
      compare_style: "side-by-side",
    });
    expect(isClassHidden(v, "gt", 2)).toBe(true);
    expect(isClassHidden(v, "gt", 3)).toBe(false);
    expect(v.hiddenLayers.has("pred")).toBe(true);
    expect(v.scoreMin.get("conf")).toBe(0.5);
    expect(v.scoreMin.has("other")).toBe(false);
    expect(v.maskOpacity).toBe(1);
    expect(v.compareStyle).toBe("side-by-side");
    expect(hiddenSignature(v, "gt")).toBe("1,2");
  });

  it("memoizes per dict", () => {
    const d = { mask_opacity: 0.3 };
    expect(readOverlay(d)).toBe(readOverlay(d));
  });
});

describe("visibility", () => {
  const v = readOverlay({ hidden_classes: { pred: [3] }, hidden_layers: ["gt"], score_min: { conf: 0.5 } });
  it("hides by layer, class and score threshold", () => {
    expect(boxVisible(v, "gt", { class_id: 1 })).toBe(false);
    expect(boxVisible(v, "pred", { class_id: 3, scores: { conf: 0.9 } })).toBe(false);
    expect(boxVisible(v, "pred", { class_id: 1, scores: { conf: 0.4 } })).toBe(false);
    expect(boxVisible(v, "pred", { class_id: 1, scores: { conf: 0.5 } })).toBe(true);
    expect(boxVisible(v, "pred", { class_id: 1 })).toBe(true); // no score: the threshold does not apply
  });
  it("ignores thresholds of other scores", () => {
    expect(passesScores(v, { scores: { iou: 0.1 } })).toBe(true);
  });
});

describe("next dicts", () => {
  it("toggles classes without mutating", () => {
    const d0 = { hidden_classes: { pred: [1] }, mask_opacity: 0.7 };
    const d1 = toggleClass(d0, "pred", 2);
    expect(d0.hidden_classes.pred).toEqual([1]);
    expect(d1.hidden_classes?.pred).toEqual([1, 2]);
    expect(d1.mask_opacity).toBe(0.7);
    const d2 = toggleClass(toggleClass(d1, "pred", 1), "pred", 2);
    expect(d2.hidden_classes).toEqual({});
    expect(toggleClass(d0, "pred", 1, true).hidden_classes?.pred).toEqual([1]);
  });

  it("toggles layers", () => {
    const d = toggleLayer({}, "gt");
    expect(d.hidden_layers).toEqual(["gt"]);
    expect(toggleLayer(d, "gt").hidden_layers).toEqual([]);
  });

  it("sets thresholds, opacity and compare style", () => {
    expect(setScoreMin({}, "conf", 0.25).score_min).toEqual({ conf: 0.25 });
    expect(setScoreMin({ score_min: { conf: 0.3 } }, "conf", 0).score_min).toEqual({});
    expect(setMaskOpacity({}, -1).mask_opacity).toBe(0);
    expect(setCompareStyle({}, "side-by-side").compare_style).toBe("side-by-side");
    expect(setCompareStyle({}, "weird").compare_style).toBe("overlay");
  });

  it("shows all", () => {
    const d = showAll({ hidden_classes: { a: [1] }, hidden_layers: ["b"], score_min: { c: 1 }, mask_opacity: 0.2 });
    expect(d).toMatchObject({ hidden_classes: {}, hidden_layers: [], score_min: {}, mask_opacity: 0.2 });
  });
});
