// @vitest-environment happy-dom
// @ts-check
// Media cells against a fake media context: what each kind shows, its facts, its errors, and that untrusted text
// (captions, HTML, Markdown) never reaches the notebook's DOM as markup.
import { afterEach, describe, expect, it } from "vitest";
import { settle } from "../../../__tests__/fake-model.js";
import { CSP, SANDBOX } from "../html.js";
import { renderLongText, renderMediaCell, renderMediaSamples } from "../index.js";

/** @import { MediaCtx } from "../../../types/frontend" */
/** @import { MediaValue } from "../../../types/protocol" */

const XSS = "<img src=x onerror=alert(1)>";

/**
 * A media context whose answers are given per key.
 * @param {{waves?: Record<string, any>, files?: Record<string, any>, thumbs?: Record<string, any>, text?: string}} [answers]
 * @returns {MediaCtx & {asked: Record<string, unknown[]>}}
 */
function fakeCtx(answers = {}) {
  /** @type {Record<string, unknown[]>} */
  const asked = { waves: [], files: [], thumbs: [], text: [] };
  return {
    asked,
    requestThumbs: async (items) => {
      asked.thumbs.push(...items);
      return new Map(items.map((it) => [it.key, (answers.thumbs || {})[it.key] || { error: "no thumb" }]));
    },
    requestMasks: async () => new Map(),
    requestImage: async () => ({ error: "none" }),
    requestWaveforms: async (items) => {
      asked.waves.push(...items);
      return new Map(items.map((it) => [it.key, (answers.waves || {})[it.key] || { error: "no waveform" }]));
    },
    requestMedia: async (items) => {
      asked.files.push(...items);
      return new Map(items.map((it) => [it.key, (answers.files || {})[it.key] || { error: "no file" }]));
    },
    requestCellText: async (key, column) => {
      asked.text.push([key, column]);
      return answers.text || "";
    },
    loadAsset: async () => ({ marked: { parse: (/** @type {string} */ t) => `<h1>${t.length}</h1><script>bad()</script>` } }),
    getOverlay: () => ({}),
    setOverlay: () => undefined,
  };
}

/** @param {string} html */
const fileOf = (html) => ({ blob: new Blob([html], { type: "text/html" }), mime: "text/html", format: "html" });

afterEach(() => {
  document.body.replaceChildren();
});

describe("audio cells", () => {
  it("ask for their waveform, show duration, rate and caption as text", async () => {
    const ctx = fakeCtx({ waves: { "aud:1": new Int8Array([-100, 100, -50, 50]) } });
    /** @type {MediaValue} */
    const value = { kind: "audio", key: "aud:1", duration: 0.5, sample_rate: 8000, channels: 1, caption: XSS };
    renderMediaCell(document.body, value, ctx, { size: 96 });
    await settle();
    const root = /** @type {HTMLElement} */ (document.querySelector("[data-role=media][data-kind=audio]"));
    expect(root.dataset.state).toBe("ready");
    expect(ctx.asked.waves).toEqual([{ key: "aud:1", bins: expect.any(Number) }]);
    expect(root.querySelector("[data-role=media-facts]")?.textContent).toBe("0.5 s · 8 kHz");
    expect(root.querySelector("[data-role=caption]")?.textContent).toBe(XSS);
    expect(document.querySelector("img")).toBeNull();
    expect(root.querySelector("[data-role=media-play]")?.getAttribute("aria-label")).toBe("play");
    expect(ctx.asked.files).toEqual([]); // the file is fetched only on play
  });

  it("explain a file the kernel could not read, in place", async () => {
    const ctx = fakeCtx({ waves: { "aud:2": { error: "'x.wav' is not an audio file that can be read" } } });
    const cleanup = renderMediaCell(document.body, { kind: "audio", key: "aud:2", duration: 1 }, ctx);
    await settle();
    const root = /** @type {HTMLElement} */ (document.querySelector("[data-role=media]"));
    expect(root.dataset.state).toBe("error");
    expect(root.querySelector("[data-role=media-error]")?.textContent).toContain("is not an audio file");
    cleanup();
    expect(document.querySelector("[data-role=media]")).toBeNull();
  });
});

describe("HTML cells", () => {
  it("run in a sandboxed frame without allow-same-origin, headed by a CSP that blocks the network", async () => {
    const doc = `<p>${XSS}</p><script>parent.document.title = "owned"</script>`;
    const ctx = fakeCtx({ files: { "html:1": fileOf(doc) } });
    renderMediaCell(document.body, { kind: "html", key: "html:1" }, ctx);
    await settle(6);
    const frame = /** @type {HTMLIFrameElement} */ (document.querySelector("[data-role=html-frame]"));
    expect(frame.getAttribute("sandbox")).toBe(SANDBOX);
    expect(SANDBOX.split(/\s+/)).not.toContain("allow-same-origin");
    expect(frame.srcdoc.startsWith(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`)).toBe(true);
    expect(frame.srcdoc).toContain(doc);
    expect(CSP).toContain("default-src 'none'");
    // nothing of the document is in the notebook's own DOM
    expect(document.querySelectorAll("script, img")).toHaveLength(0);
  });
});

describe("other kinds", () => {
  it("an unknown kind, or a cell without a file, is a placeholder", () => {
    renderMediaCell(document.body, /** @type {any} */ ({ kind: "hologram", key: "x" }), fakeCtx());
    renderMediaCell(document.body, { kind: "video", key: null, error: "this video cell has no file" }, fakeCtx());
    const errors = [...document.querySelectorAll("[data-role=media-error]")].map((e) => e.textContent);
    expect(errors[0]).toContain("has no viewer");
    expect(errors[1]).toContain("has no file");
  });

  it("3-D and video cells show the kernel's picture and their facts", async () => {
    const bitmap = /** @type {any} */ ({ width: 64, height: 48, close() {} });
    const ctx = fakeCtx({ thumbs: { "o3d:1": bitmap, "vid:1": bitmap } });
    renderMediaCell(document.body, { kind: "object3d", key: "o3d:1", points: 400, boxes: 2, format: "pts.json" }, ctx);
    renderMediaCell(document.body, { kind: "video", key: "vid:1", frames: 24, fps: 10, width: 64, height: 48, duration: 2.4 }, ctx);
    await settle();
    const facts = [...document.querySelectorAll("[data-role=media-facts]")].map((e) => e.textContent);
    expect(facts).toEqual(["400 points · 2 boxes · pts.json", "24 frames · 10 fps · 64×48 · 2.4 s"]);
    expect(document.querySelectorAll("[data-role=media-thumb]")).toHaveLength(2);
  });

  it("grouped samples are a few compact cells", async () => {
    const items = [0, 1, 2, 3, 4].map((i) => /** @type {MediaValue} */ ({ kind: "audio", key: `aud:${i}`, duration: i }));
    renderMediaSamples(document.body, { kind: "audio", items, field: "duration" }, fakeCtx());
    await settle();
    expect(document.querySelectorAll("[data-role=media-samples] [data-role=media]")).toHaveLength(3);
    expect(document.querySelector(".tl-mc-compact")).not.toBeNull();
  });
});

describe("long text", () => {
  it("is clipped, expands to the whole text (asked from the kernel when the page cut it), and shows Markdown sandboxed", async () => {
    const whole = `${XSS} ${"word ".repeat(400)}`;
    const ctx = fakeCtx({ text: whole });
    const row = { _key: 7, cells: {}, truncated: ["notes"] };
    renderLongText(document.body, whole.slice(0, 1999), ctx, { row, column: { name: "notes", kind: "str" }, cut: true });
    const root = /** @type {HTMLElement} */ (document.querySelector("[data-role=long-text]"));
    const body = /** @type {HTMLElement} */ (root.querySelector("[data-role=long-text-body]"));
    expect(root.dataset.state).toBe("clipped");
    expect(body.textContent?.length).toBe(300);
    /** @type {HTMLElement} */ (root.querySelector("[data-role=text-expand]")).click();
    await settle();
    expect(ctx.asked.text).toEqual([[7, "notes"]]);
    expect(root.dataset.state).toBe("open");
    expect(body.textContent).toBe(whole);
    expect(document.querySelector("img")).toBeNull();
    /** @type {HTMLElement} */ (root.querySelector("[data-role=text-markdown]")).click();
    await settle();
    expect(root.dataset.state).toBe("markdown");
    const md = /** @type {HTMLIFrameElement} */ (root.querySelector("[data-role=html-frame]"));
    expect(md.getAttribute("sandbox")).toBe(""); // no scripts at all
    expect(md.srcdoc).toContain("<script>bad()</script>"); // inside the frame only
    expect(document.querySelectorAll("script")).toHaveLength(0);
  });
});
