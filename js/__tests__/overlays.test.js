// @vitest-environment happy-dom
// @ts-check
// Overlays live inside the widget's root (never on document.body): the enlarged image view and the chart dialog
// open there, as modal dialogs, and close with Escape.
import { afterEach, describe, expect, it } from "vitest";
import widget from "../index.js";
import { fakeModel, settle } from "./fake-model.js";

/** @type {(() => void) | null} */
let cleanup = null;
const host = document.createElement("div");

afterEach(() => {
  if (cleanup) cleanup();
  cleanup = null;
  host.remove();
  delete (/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis))).__tablelens_plotly__;
});

/**
 * The Explorer over `schema`, showing `rows`.
 * @param {object[]} schema
 * @param {object[]} rows
 * @param {Record<string, unknown>} [traits]
 */
async function mount(schema, rows, traits = {}) {
  const model = fakeModel({ schema, num_rows: rows.length, ...traits });
  document.body.append(host);
  cleanup = widget.render({ model, el: host });
  const req = model.lastSent("rows");
  model.answer({ type: "rows", id: req.id, result_version: req.result_version, offset: 0, total: rows.length, rows });
  await settle(5);
  return /** @type {HTMLElement} */ (host.querySelector('[data-role="explorer"]'));
}

/** @param {Element} target */
function escape(target) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
}

describe("overlays", () => {
  it("opens the enlarged image view inside the widget's root", async () => {
    const image = { key: "k1", width: 10, height: 10, caption: "cap", classes: [], boxes: {}, masks: {} };
    const root = await mount([{ name: "img", kind: "image", label: "img", table: null }], [{ _key: 1, cells: { img: { $image: image } } }]);
    /** @type {HTMLElement} */ (root.querySelector('[data-role="image"] .tl-media-frame')).click();
    const viewer = /** @type {HTMLDialogElement} */ (root.querySelector('[data-role="viewer"]'));
    expect(viewer).not.toBeNull();
    expect(viewer.tagName).toBe("DIALOG");
    expect(viewer.open).toBe(true);
    expect(document.body.querySelector(':scope > [data-role="viewer"]')).toBeNull();
    expect(viewer.textContent).toContain("cap");
    escape(viewer);
    expect(root.querySelector('[data-role="viewer"]')).toBeNull();
  });

  it("opens the interactive chart dialog inside the widget's root", async () => {
    const root = await mount(
      [{ name: "label", kind: "key", label: "label", table: null }, { name: "score", kind: "hist", label: "score", table: null }],
      [{ _key: 0, cells: { label: "a", score: { $hist: { edges: [0, 0.5, 1], counts: [[1, 2]] } } } }],
      { mode: "groups" },
    );
    /** @type {HTMLElement} */ (root.querySelector('[data-role="histogram"]')).click();
    const panel = root.querySelector('[data-role="dialog"]');
    expect(panel).not.toBeNull();
    const dialog = /** @type {HTMLDialogElement} */ (panel?.closest("dialog"));
    expect(dialog.open).toBe(true);
    expect(root.contains(dialog)).toBe(true);
    escape(dialog);
    expect(root.querySelector('[data-role="dialog"]')).toBeNull();
  });
});
