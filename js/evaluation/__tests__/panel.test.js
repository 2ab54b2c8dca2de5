// @vitest-environment happy-dom
// @ts-check
// The evaluation panel: what it draws from the `evaluation` trait, and the filters its clicks put in `filter`.
import { afterEach, describe, expect, it } from "vitest";
import { fakeModel, settle } from "../../__tests__/fake-model.js";
import { heatmapSpec } from "../heatmap.js";
import { createEvaluationPanel, formatDelta, formatMetric, sortOrder } from "../panel.js";

/** @type {(() => void) | null} */
let cleanup = null;
afterEach(() => {
  if (cleanup) cleanup();
  cleanup = null;
});

const STATE = {
  kind: "detection",
  live: true,
  threshold: null,
  range: { min: 0.05, max: 0.98, score: "score" },
  headline: [["mAP", 0.41], ["AP50", 0.6], ["tp", 12], ["fp", 3], ["fn", 4]],
  classes: {
    columns: ["class", "AP", "tp", "fp", "fn"],
    rows: [["car", 0.5, 8, 1, 3], ["bus", 0.2, 4, 2, 0], ["<b>x</b>", null, 0, 0, 1]],
    filters: [
      { tp: "car-tp", fp: "car-fp", fn: "car-fn" },
      { tp: "bus-tp", fp: "bus-fp", fn: "bus-fn" },
      { tp: "x-tp", fp: "x-fp", fn: "x-fn" },
    ],
    values: [1, 2, 3],
    metric: "AP",
  },
  confusion: {
    labels: ["car", "bus", "none"],
    values: [[8, 1, 3], [0, 4, 0], [1, 1, 0]],
    rows: [[5, 1, 2], [0, 3, 0], [1, 1, 0]],
    filters: [["c00", "c01", "c02"], ["c10", "c11", "c12"], ["c20", "c21", null]],
    unit: "boxes",
  },
  chips: [{ name: "tp", count: 7, filter: "{$gt: ['$tp', 0]}" }, { name: "fp", count: 3, filter: "{$gt: ['$fp', 0]}" }],
  layers: { column: "image", predictions: "predictions", ground_truth: "ground_truth" },
  compare: null,
};

/** @param {Record<string, unknown>} traits */
function mount(traits) {
  const model = fakeModel(traits);
  // no kernel to send plotly: the heatmap falls back to a grid of buttons
  const panel = createEvaluationPanel({ model, loadPlotly: () => Promise.reject(new Error("no plotly here")) });
  document.body.append(panel.el);
  cleanup = panel.cleanup;
  return { model, root: panel.el };
}

describe("evaluation panel", () => {
  it("is hidden without an evaluation", () => {
    const { root } = mount({});
    expect(root.hidden).toBe(true);
  });

  it("shows the headline metrics and status chips that filter", () => {
    const { model, root } = mount({ evaluation: STATE });
    expect(root.hidden).toBe(false);
    const metrics = [...root.querySelectorAll('[data-role="eval-metric"]')].map((m) => [m.getAttribute("data-name"), m.textContent]);
    expect(metrics[0]).toEqual(["mAP", "mAP0.410"]);
    expect(metrics[2]).toEqual(["tp", "tp12"]);
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-chip"][data-status="fp"]')).click();
    expect(model.get("filter")).toBe("{$gt: ['$fp', 0]}");
  });

  it("sorts the class table and filters by a class's status", () => {
    const { model, root } = mount({ evaluation: STATE });
    const names = () => [...root.querySelectorAll('[data-role="eval-classes"] td.tl-eval-class')].map((td) => td.textContent);
    expect(names()).toEqual(["car", "bus", "<b>x</b>"]); // text, never HTML
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-sort"][data-column="fp"]')).click();
    expect(names()).toEqual(["bus", "car", "<b>x</b>"]);
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-sort"][data-column="fp"]')).click();
    expect(names()).toEqual(["<b>x</b>", "car", "bus"]);
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-class-filter"][data-class="bus"][data-status="fp"]')).click();
    expect(model.get("filter")).toBe("bus-fp");
  });

  it("puts a confusion cell's filter in the filter trait", async () => {
    const { model, root } = mount({ evaluation: STATE });
    await settle(3);
    expect(root.querySelector('[data-role="eval-confusion"]')?.getAttribute("data-drawn")).toBe("fallback");
    const cell = /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-cell"][data-truth="car"][data-pred="none"]'));
    expect(cell.dataset.count).toBe("3");
    expect(cell.dataset.rows).toBe("2");
    cell.click();
    expect(model.get("filter")).toBe("c02");
  });

  it("sends the threshold when the slider is released", () => {
    const { model, root } = mount({ evaluation: STATE });
    const slider = /** @type {HTMLInputElement} */ (root.querySelector('[data-role="eval-threshold"]'));
    slider.value = "0.5";
    slider.dispatchEvent(new Event("input"));
    expect(root.querySelector('[data-role="eval-threshold-value"]')?.textContent).toBe("0.500");
    slider.dispatchEvent(new Event("change"));
    expect(model.get("eval_threshold")).toBe(0.5);
    model.kernelSet({ evaluation: { ...STATE, threshold: 0.5, headline: [["mAP", 0.3]] } });
    expect(root.querySelector('[data-role="eval-metric"]')?.textContent).toBe("mAP0.300");
  });

  it("switches the overlay to the match-status colors", () => {
    const { model, root } = mount({ evaluation: STATE, overlay: { mask_opacity: 0.4 } });
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-color-by"]')).click();
    expect(model.get("overlay")).toEqual({ mask_opacity: 0.4, color_by: "status", truth_layers: ["ground_truth"] });
    expect(root.querySelector('[data-role="eval-color-by"]')?.getAttribute("aria-pressed")).toBe("true");
  });

  it("compares two versions: deltas and regressions with a direction toggle", () => {
    const compare = {
      a: "eval:v1",
      b: "eval:v0",
      metrics: [["mAP", 0.41, 0.3, -0.11]],
      regressions: [{ kind: "class", name: "bus", metric: "AP", a: 0.5, b: 0.2, delta: -0.3, worse: "w-bus", better: "b-bus" }],
      note: null,
    };
    const { model, root } = mount({ evaluation: { ...STATE, compare } });
    expect(root.querySelector('[data-role="eval-compare-metric"]')?.textContent).toBe("mAP0.4100.300−0.110");
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-regression"]')).click();
    expect(model.get("filter")).toBe("w-bus");
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-direction"][data-value="better"]')).click();
    /** @type {HTMLButtonElement} */ (root.querySelector('[data-role="eval-regression"]')).click();
    expect(model.get("filter")).toBe("b-bus");
  });
});

describe("helpers", () => {
  it("formats metrics and deltas", () => {
    expect(formatMetric("mAP", 0.12345)).toBe("0.123");
    expect(formatMetric("tp", 12)).toBe("12");
    expect(formatMetric("mAP", null)).toBe("–");
    expect(formatDelta(-0.1)).toBe("−0.100");
    expect(formatDelta(0.02)).toBe("+0.020");
  });

  it("sorts with nulls last", () => {
    expect(sortOrder([[1], [null], [3]], 0, true)).toEqual([2, 0, 1]);
    expect(sortOrder([[1], [null], [3]], 0, false)).toEqual([0, 2, 1]);
  });

  it("builds a heatmap whose labels are escaped and whose cells say their counts", () => {
    const spec = heatmapSpec({ labels: ["<i>a</i>", "none"], values: [[3, 0], [1, 0]], rows: [[2, 0], [1, 0]], unit: "boxes" });
    const t = spec.data[0];
    expect(t.type).toBe("heatmap");
    expect(t.x[0]).toBe("&#60;i&#62;a&#60;/i&#62;");
    expect(t.text).toEqual([["3", ""], ["1", ""]]);
    expect(t.customdata[0][0]).toContain("3 boxes, 2 rows");
    expect(t.z[0][1]).toBeNull();
  });
});
