// @ts-check
import { afterEach, describe, expect, it } from "vitest";
import { chartConfig, compareBarSpec, countsSpec, escapeHover, histogramSpec, loadPlotly } from "../charts.js";
import { TABLE_COLORS } from "../theme.js";

describe("histogramSpec", () => {
  const hist = { edges: [0, 1, 2, 4], counts: [[5, 3, 1]] };

  it("draws one bar per bin, spanning its edges", () => {
    const spec = histogramSpec(hist, { small: true });
    expect(spec.data).toHaveLength(1);
    const [t] = spec.data;
    expect(t.type).toBe("bar");
    expect(t.x).toEqual([0.5, 1.5, 3]);
    expect(t.width).toEqual([1, 1, 2]);
    expect(t.y).toEqual([5, 3, 1]);
    expect(t.marker.color).toBe(TABLE_COLORS[0]);
    expect(t.customdata[2]).toBe("2.0 – 4.0");
  });

  it("overlays one trace per table in the two table colors", () => {
    const spec = histogramSpec({ edges: [0, 1, 2], counts: [[1, 2], [3, 4]] }, { labels: ["A · v3", "B · v4"] });
    expect(spec.data.map((t) => t.marker.color)).toEqual([...TABLE_COLORS]);
    expect(spec.data.map((t) => t.name)).toEqual(["A · v3", "B · v4"]);
    expect(spec.layout.barmode).toBe("overlay");
    expect(spec.data[0].opacity).toBeLessThan(1);
    expect(spec.layout.showlegend).toBe(true);
  });

  it("is static when small and interactive when large", () => {
    expect(histogramSpec(hist, { small: true }).config.staticPlot).toBe(true);
    expect(histogramSpec(hist, { small: false }).config.staticPlot).toBeUndefined();
    expect(chartConfig(false).displayModeBar).toBe(false);
  });

  it("accepts special floats and datetime edges", () => {
    const spec = histogramSpec({ edges: [{ $num: "-Infinity" }, 0, 1], counts: [[1, 2]] });
    expect(spec.data[0].y).toEqual([1, 2]);
    const dates = histogramSpec({ edges: [{ $date: "2024-01-01T00:00:00Z" }, { $date: "2024-01-03T00:00:00Z" }], counts: [[7]] });
    expect(dates.layout.xaxis.type).toBe("date");
    expect(dates.data[0].x).toEqual(["2024-01-02T00:00:00.000Z"]);
    expect(dates.data[0].width).toEqual([2 * 86400000]);
  });

  it("copes with an empty summary", () => {
    expect(histogramSpec({ edges: [], counts: [] }).data).toEqual([]);
    expect(histogramSpec(null).data).toEqual([]);
  });

  it("escapes the title", () => {
    const spec = histogramSpec(hist, { title: "<img src=x onerror=alert(1)>" });
    expect(spec.layout.title.text).not.toContain("<");
  });
});

describe("countsSpec", () => {
  it("draws top values as horizontal bars, most frequent on top, one trace per table", () => {
    const spec = countsSpec({ values: ["cat", "dog", null], counts: [[9, 4, 1], [7, 5, 0]] }, { small: true });
    expect(spec.data).toHaveLength(2);
    expect(spec.data[0].orientation).toBe("h");
    expect(spec.data[0].y).toEqual(["&#34;cat&#34;", "&#34;dog&#34;", "null"]);
    expect(spec.data[0].x).toEqual([9, 4, 1]);
    expect(spec.data[1].marker.color).toBe(TABLE_COLORS[1]);
    expect(spec.layout.yaxis.autorange).toBe("reversed");
    expect(spec.layout.barmode).toBe("group");
  });

  it("keeps values that print alike apart", () => {
    const spec = countsSpec({ values: [1, "1", 1.0], counts: [[3, 2, 1]] });
    expect(new Set(spec.data[0].y).size).toBe(3);
  });

  it("escapes untrusted labels", () => {
    const spec = countsSpec({ values: ["<b onmouseover=x>"], counts: [[1]] });
    expect(spec.data[0].y[0]).not.toContain("<");
  });
});

describe("compareBarSpec", () => {
  it("draws one bar per table in the table colors, absent sides empty", () => {
    const spec = compareBarSpec([0.25, null], { labels: ["A · v3", "B · v4"], small: true });
    const [t] = spec.data;
    expect(t.y).toEqual(["A · v3", "B · v4"]);
    expect(t.x).toEqual([0.25, null]);
    expect(t.text).toEqual(["0.25", "absent"]);
    expect(t.marker.color).toEqual([...TABLE_COLORS]);
    expect(spec.config.staticPlot).toBe(true);
  });
});

describe("escapeHover", () => {
  it("escapes HTML-special characters", () => {
    expect(escapeHover(`<a href="x">&'`)).toBe("&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
  });
});

describe("loadPlotly", () => {
  /** @type {any} the page, where the loaded Plotly is kept */
  const page = globalThis;
  afterEach(() => {
    delete page.__tablelens_plotly__;
  });

  it("asks the kernel once per page and caches the promise on globalThis", async () => {
    /** @type {unknown[][]} */
    const calls = [];
    const never = new Promise(() => {});
    /** @type {any} a stand-in for the protocol: only `request` is used */
    const protocol = { request: (/** @type {unknown[]} */ ...args) => (calls.push(args), never) };
    const a = loadPlotly(protocol);
    const b = loadPlotly(/** @type {any} */ ({ request: () => Promise.reject(new Error("not used")) }));
    expect(a).toBe(b);
    expect(page.__tablelens_plotly__).toBe(a);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe("asset");
    expect(calls[0][1]).toEqual({ name: "plotly" });
  });

  it("forgets a failed load so that a later chart retries", async () => {
    /** @type {any} */
    const protocol = { request: () => Promise.reject(new Error("kernel gone")) };
    await expect(loadPlotly(protocol)).rejects.toThrow("kernel gone");
    await Promise.resolve();
    expect(page.__tablelens_plotly__).toBeUndefined();
  });
});
