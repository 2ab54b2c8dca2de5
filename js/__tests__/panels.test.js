// @vitest-environment happy-dom
// @ts-check
// User panels: what `render` is given in each view, and that a failing panel shows its error in its own cell.
import { afterEach, describe, expect, it } from "vitest";
import { panelCell, renderPanelCell } from "../panels.js";
import { fakeModel, settle } from "./fake-model.js";

/** @import { SchemaColumn } from "../types/protocol" */

/** @type {SchemaColumn} */
const LOSSES = { name: "losses", kind: "list", label: "losses" };
const THEME = () => ({ font: "#000", muted: "#666", grid: "#ccc", background: "#fff", family: "sans-serif" });

afterEach(() => {
  document.body.replaceChildren();
});

describe("panelCell", () => {
  it("gives plain values in rows, both sides in compare, the summary in groups", () => {
    const row = { _key: 3, cells: {} };
    expect(panelCell([1, { $num: "NaN" }, 0.5], LOSSES, row, "rows")).toMatchObject({ value: [1, NaN, 0.5], row, mode: "rows" });
    const cmp = panelCell({ $cmp: [[1, 2], { $absent: true }] }, LOSSES, row, "compare");
    expect(cmp.values).toEqual([[1, 2], undefined]);
    expect(cmp.value).toEqual([1, 2]);
    const hist = { $hist: { edges: [0, 1, 2], counts: [[3, 4]] } };
    expect(panelCell(hist, { ...LOSSES, kind: "hist" }, row, "groups")).toMatchObject({
      summaryKind: "hist", summary: { edges: [0, 1, 2], counts: [[3, 4]] },
    });
    expect(panelCell({ $counts: { values: ["cat"], counts: [[2]] } }, LOSSES, row, "groups").summaryKind).toBe("counts");
  });
});

describe("renderPanelCell", () => {
  const base = () => ({ protocol: /** @type {any} */ ({}), model: fakeModel(), entry: { name: "spark", digest: "d1" }, row: null, theme: THEME, dark: () => false });

  it("draws with the module's render and calls its cleanup", async () => {
    let cleaned = 0;
    const td = document.createElement("td");
    document.body.append(td);
    const cleanup = renderPanelCell(td, [1, 2, 3], LOSSES, {
      ...base(),
      load: async () => ({
        render: ({ cell, el, theme }) => {
          el.textContent = `${/** @type {number[]} */ (cell.value).length} values, ${theme.colors[0]}`;
          return () => cleaned++;
        },
      }),
    });
    await settle();
    expect(td.querySelector("[data-role=panel]")?.getAttribute("data-state")).toBe("ready");
    expect(td.textContent).toBe("3 values, #1f77b4");
    cleanup();
    expect(cleaned).toBe(1);
    expect(td.querySelector("[data-role=panel]")).toBeNull();
  });

  it("shows a render that throws, or a module that fails to load, in its cell only", async () => {
    const a = document.createElement("td");
    const b = document.createElement("td");
    document.body.append(a, b);
    renderPanelCell(a, 1, LOSSES, { ...base(), load: async () => ({ render: () => { throw new Error("broken on purpose"); } }) });
    renderPanelCell(b, 1, LOSSES, { ...base(), load: async () => { throw new SyntaxError("Unexpected token"); } });
    await settle();
    expect(a.querySelector("[data-role=panel-error]")?.textContent).toBe("panel spark failed: broken on purpose");
    expect(b.querySelector("[data-role=panel-error]")?.textContent).toContain("Unexpected token");
  });
});
