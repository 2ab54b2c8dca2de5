// @vitest-environment happy-dom
// @ts-check
// The report's offline model answers the protocol from the page's data, and a view is drawn by the widget's own
// table and media modules (the pixels are checked in Chromium by tests/browser/test_views_e2e.py).
import { afterEach, describe, expect, it } from "vitest";
import { countsText, renderView } from "../report/index.js";
import { createOfflineModel, fromBase64 } from "../report/offline.js";
import { settle } from "./fake-model.js";

/** @import { Row } from "../types/protocol" */

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** @type {Row[]} */
const ROWS = Array.from({ length: 5 }, (_, i) => ({
  _key: i,
  cells: { id: i, image: { $image: { key: `img:${i % 2}`, width: 1, height: 1, masks: { seg: "mask:0" } } } },
}));

/**
 * @param {any} model
 * @param {any} msg
 * @returns {Promise<{msg: any, buffers: any[]}>}
 */
function ask(model, msg) {
  return new Promise((resolve) => {
    /** @param {any} m @param {any[]} b */
    const on = (m, b) => {
      if (m.id !== msg.id) return;
      model.off("msg:custom", on);
      resolve({ msg: m, buffers: b });
    };
    model.on("msg:custom", on);
    model.send(msg);
  });
}

describe("the offline model", () => {
  const media = { "img:0": { mime: "image/png", width: 1, height: 1, data: PNG }, "img:1": { error: "file missing" } };

  it("answers rows from the saved page", async () => {
    const model = createOfflineModel({ page_size: 2 }, ROWS, media);
    const { msg } = await ask(model, { type: "rows", id: 1, result_version: 1, offset: 2, limit: 2 });
    expect(msg).toMatchObject({ type: "rows", id: 1, result_version: 1, offset: 2, total: 5 });
    expect(msg.rows.map((/** @type {Row} */ r) => r._key)).toEqual([2, 3]);
  });

  it("answers thumbnails with the inline bytes, and says which are missing", async () => {
    const model = createOfflineModel({}, ROWS, media);
    const { msg, buffers } = await ask(model, { type: "thumbs", id: 2, items: [{ key: "img:0", size: 96 }, { key: "img:1", size: 96 }, { key: "img:9", size: 96 }] });
    expect(msg.items[0]).toEqual({ key: "img:0", width: 1, height: 1, mime: "image/png", buffer: 0 });
    expect(msg.items[1]).toEqual({ key: "img:1", error: "file missing" });
    expect(msg.items[2].error).toContain("not in the report");
    expect([...buffers[0].slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]); // PNG signature
    expect(fromBase64(PNG).length).toBe(buffers[0].length);
    const other = await ask(model, { type: "asset", id: 3, name: "plotly" });
    expect(other.msg.type).toBe("error");
  });

  it("keeps the query fixed and lets the overlay, hidden columns and selection change", () => {
    const model = createOfflineModel({ filter: "x", sort: [["id", "asc"]], overlay: {} }, ROWS, media);
    let changed = 0;
    model.on("change:sort", () => (changed += 1));
    model.set("sort", [["id", "desc"]]);
    model.set("filter", "y");
    expect(model.get("sort")).toEqual([["id", "asc"]]);
    expect(model.get("filter")).toBe("x");
    expect(changed).toBe(0);
    model.set("overlay", { hidden_layers: ["seg"] });
    model.set("hidden_columns", ["id"]);
    expect(model.get("overlay")).toEqual({ hidden_layers: ["seg"] });
    expect(model.get("hidden_columns")).toEqual(["id"]);
  });
});

describe("a report view", () => {
  /** @type {(() => void) | null} */
  let cleanup = null;
  afterEach(() => {
    cleanup?.();
    cleanup = null;
    document.body.replaceChildren();
  });

  it("draws the title, counts, query and rows with the widget's own modules", async () => {
    const host = document.createElement("main");
    document.body.append(host);
    const view = {
      title: "hard <cars>",
      description: "the cars that fail",
      source: "media:v0 / images",
      code: "import tablelens as tl\n\nresult = tl.query('media:v0')\n",
      notice: null,
      counts: { num_rows: 40, total_rows: 100, shown: 5, mode: "rows" },
      traits: { mode: /** @type {const} */ ("rows"), schema: [{ name: "id", kind: /** @type {const} */ ("int") }, { name: "image", kind: /** @type {const} */ ("image") }], page_size: 5, num_rows: 40, total_rows: 100 },
      rows: ROWS,
      sections: [{ kind: "table", title: "metrics", columns: ["name", "value"], rows: [["recall", 0.5]] }],
    };
    cleanup = renderView(host, view, 0, { "img:0": { mime: "image/png", width: 1, height: 1, data: PNG } });
    await settle(5);
    const section = /** @type {HTMLElement} */ (host.querySelector("[data-role=report-view]"));
    expect(section.querySelector("[data-role=view-title]")?.textContent).toBe("hard <cars>");
    expect(section.querySelector("[data-role=row-count]")?.textContent).toBe(countsText(view.counts));
    expect(countsText(view.counts)).toContain("the first 5 shown");
    expect(section.querySelector("[data-role=query]")?.textContent).toContain("tl.query('media:v0')");
    expect([...section.querySelectorAll("[data-role=row]")].map((r) => /** @type {HTMLElement} */ (r).dataset.key)).toEqual(["0", "1", "2", "3", "4"]);
    expect(section.querySelectorAll("[data-role=image]").length).toBe(5);
    expect(section.querySelector("[data-role=report-section] td")?.textContent).toBe("recall");
  });
});
