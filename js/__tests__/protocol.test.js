// @ts-check
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMediaContext, createProtocol, isStale, RequestError, StaleAnswer } from "../protocol.js";
import { fakeModel, settle } from "./fake-model.js";
import { makePng } from "./png-helpers.js";

/** @type {any} a request payload left empty: the protocol sends whatever it is given */
const noPayload = {};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("request ids and answers", () => {
  it("tags each request with a fresh integer id and resolves with the matching answer", async () => {
    const model = fakeModel();
    const p = createProtocol(model);
    const a = p.request("thumbs", { items: [] }, { supersede: false });
    const b = p.request("masks", { items: [] }, { supersede: false });
    const [ma, mb] = model.sent;
    expect(Number.isInteger(ma.id)).toBe(true);
    expect(mb.id).toBeGreaterThan(ma.id);
    model.answer({ type: "masks", id: mb.id, items: ["b"] }, ["buf"]);
    model.answer({ type: "thumbs", id: ma.id, items: ["a"] });
    expect((await a).msg.items).toEqual(["a"]);
    const rb = await b;
    expect(rb.msg.items).toEqual(["b"]);
    expect(rb.buffers).toEqual(["buf"]);
    expect(p.pendingCount).toBe(0);
  });

  it("a new request supersedes the pending one of its kind; the late answer is dropped", async () => {
    const model = fakeModel();
    const p = createProtocol(model);
    const first = p.requestRows(0, 50);
    const second = p.requestRows(50, 50);
    await expect(first).rejects.toBeInstanceOf(StaleAnswer);
    const [m1, m2] = model.sent;
    expect(m1).toMatchObject({ type: "rows", result_version: 1, offset: 0, limit: 50 });
    expect(m2).toMatchObject({ type: "rows", offset: 50 });
    // the answer to the superseded request arrives first: ignored
    model.answer({ type: "rows", id: m1.id, result_version: 1, offset: 0, total: 9, rows: [{ _key: 0 }] });
    model.answer({ type: "rows", id: m2.id, result_version: 1, offset: 50, total: 9, rows: [{ _key: 50 }] });
    const msg = await second;
    expect(msg.rows).toEqual([{ _key: 50 }]);
  });

  it("drops a rows answer for a result that is no longer current", async () => {
    const model = fakeModel({ result_version: 3 });
    const p = createProtocol(model);
    const pending = p.requestRows(0, 10);
    const { id } = model.lastSent("rows");
    model.kernelSet({ result_version: 4 });
    model.answer({ type: "rows", id, result_version: 3, offset: 0, total: 1, rows: [] });
    const err = await pending.catch((e) => e);
    expect(isStale(err)).toBe(true);
  });

  it("ignores answers it never asked for", async () => {
    const model = fakeModel();
    const p = createProtocol(model);
    const pending = p.request("image", { key: "k" });
    const { id } = model.lastSent();
    model.answer({ type: "image", id: id + 1000, items: [] });
    model.answer({ type: "image" });
    // @ts-expect-error not a message at all
    model.answer(null);
    expect(p.pendingCount).toBe(1);
    model.answer({ type: "image", id, items: [] });
    await expect(pending).resolves.toBeTruthy();
  });

  it("rejects with the kernel's message on an error answer", async () => {
    const model = fakeModel();
    const p = createProtocol(model);
    const pending = p.request("rows", noPayload);
    model.answer({ type: "error", id: model.lastSent().id, message: "no such column: x" });
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err.message).toBe("no such column: x");
  });

  it("ids are unique across protocols on one page (two views of one model)", () => {
    const model = fakeModel();
    const p1 = createProtocol(model);
    const p2 = createProtocol(model);
    p1.request("rows", noPayload);
    p2.request("rows", noPayload);
    const [a, b] = model.sent;
    expect(a.id).not.toBe(b.id);
  });

  it("times out when asked to", async () => {
    vi.useFakeTimers();
    try {
      const model = fakeModel();
      const p = createProtocol(model);
      const pending = p.request("asset", { name: "plotly" }, { timeoutMs: 1000 });
      vi.advanceTimersByTime(1001);
      await expect(pending).rejects.toBeInstanceOf(RequestError);
    } finally {
      vi.useRealTimers();
    }
  });

  it("cancel and dispose reject what is pending and stop listening", async () => {
    const model = fakeModel();
    const p = createProtocol(model);
    const t = p.request("thumbs", noPayload, { supersede: false });
    p.cancel("thumbs");
    await expect(t).rejects.toBeInstanceOf(StaleAnswer);
    const r = p.request("rows", noPayload);
    const before = model.listenerCount();
    p.dispose();
    await expect(r).rejects.toBeInstanceOf(StaleAnswer);
    expect(model.listenerCount()).toBe(before - 1);
    await expect(p.request("rows", noPayload)).rejects.toBeInstanceOf(StaleAnswer);
  });
});

describe("media context", () => {
  function setup() {
    const model = fakeModel();
    const protocol = createProtocol(model);
    /** @type {object[]} */
    const bitmaps = [];
    vi.stubGlobal("createImageBitmap", async (/** @type {Blob} */ blob) => {
      const bm = { width: 1, height: 1, type: blob.type, size: blob.size };
      bitmaps.push(bm);
      return bm;
    });
    const session = createMediaContext(protocol, model);
    return { model, protocol, session, ctx: session.ctx, bitmaps };
  }

  it("batches the thumbnails of a page into one thumbs message, deduplicated", async () => {
    const { model, ctx } = setup();
    const a = ctx.requestThumbs([{ key: "a", size: 96 }]);
    const b = ctx.requestThumbs([{ key: "b", size: 96 }, { key: "a", size: 96 }]);
    await settle(1);
    const thumbs = model.sent.filter((m) => m.type === "thumbs");
    expect(thumbs).toHaveLength(1);
    expect(thumbs[0].items).toEqual([{ key: "a", size: 96 }, { key: "b", size: 96 }]);
    model.answer(
      {
        type: "thumbs",
        id: thumbs[0].id,
        items: [
          { key: "a", width: 4, height: 3, mime: "image/webp", buffer: 1 },
          { key: "b", error: "file missing" },
        ],
      },
      [new DataView(new ArrayBuffer(2)), new DataView(new ArrayBuffer(5))],
    );
    const ma = await a;
    const mb = await b;
    expect(ma.get("a")).toMatchObject({ type: "image/webp", size: 5 });
    expect(mb.get("b")).toEqual({ error: "file missing" });
    expect(mb.get("a")).toBe(ma.get("a"));
  });

  it("serves a thumbnail it has from its cache without asking again", async () => {
    const { model, ctx } = setup();
    const first = ctx.requestThumbs([{ key: "a", size: 64 }]);
    await settle(1);
    const msg = model.lastSent("thumbs");
    model.answer({ type: "thumbs", id: msg.id, items: [{ key: "a", mime: "image/png", buffer: 0 }] }, [new ArrayBuffer(1)]);
    await first;
    const again = await ctx.requestThumbs([{ key: "a", size: 64 }]);
    expect(again.get("a")).toBeTruthy();
    expect(model.sent.filter((m) => m.type === "thumbs")).toHaveLength(1);
    // another size is another thumbnail
    ctx.requestThumbs([{ key: "a", size: 128 }]);
    await settle(1);
    expect(model.sent.filter((m) => m.type === "thumbs")).toHaveLength(2);
  });

  it("drops the thumbnails of a page that was left", async () => {
    const { model, ctx, session } = setup();
    const old = ctx.requestThumbs([{ key: "a", size: 64 }]);
    await settle(1);
    const msg = model.lastSent("thumbs");
    session.newPage();
    await expect(old).rejects.toBeInstanceOf(StaleAnswer);
    model.answer({ type: "thumbs", id: msg.id, items: [{ key: "a", mime: "image/png", buffer: 0 }] }, [new ArrayBuffer(1)]);
    // asked again on the new page: a new message (the cancelled one was forgotten)
    ctx.requestThumbs([{ key: "a", size: 64 }]);
    await settle(1);
    expect(model.sent.filter((m) => m.type === "thumbs")).toHaveLength(2);
  });

  it("decodes masks to class ids", async () => {
    const { model, ctx } = setup();
    const pending = ctx.requestMasks([{ key: "m1" }, { key: "m2" }]);
    await settle(1);
    const msg = model.lastSent("masks");
    expect(msg.items).toEqual([{ key: "m1" }, { key: "m2" }]);
    const png = makePng(3, 2, [0, 1, 2, 3, 4, 255]);
    model.answer(
      {
        type: "masks",
        id: msg.id,
        items: [
          { key: "m1", width: 3, height: 2, mime: "image/png", buffer: 0 },
          { key: "m2", error: "size differs from the image" },
        ],
      },
      [new DataView(png.buffer)],
    );
    const masks = await pending;
    const m1 = /** @type {import("../types/frontend").DecodedMask} */ (masks.get("m1"));
    expect(m1.width).toBe(3);
    expect([...m1.data]).toEqual([0, 1, 2, 3, 4, 255]);
    expect(masks.get("m2")).toEqual({ error: "size differs from the image" });
  });

  it("asks for one full image at a time", async () => {
    const { model, ctx } = setup();
    const first = ctx.requestImage("a");
    const second = ctx.requestImage("b");
    await expect(first).rejects.toBeInstanceOf(StaleAnswer);
    const msg = model.lastSent("image");
    expect(msg.key).toBe("b");
    model.answer({ type: "image", id: msg.id, items: [{ key: "b", mime: "image/jpeg", buffer: 0 }] }, [new ArrayBuffer(3)]);
    expect(await second).toMatchObject({ type: "image/jpeg", size: 3 });
  });

  it("reads and writes the overlay trait", () => {
    const { model, ctx } = setup();
    model.kernelSet({ overlay: { mask_opacity: 0.3 } });
    expect(ctx.getOverlay()).toEqual({ mask_opacity: 0.3 });
    const before = model.saved;
    ctx.setOverlay({ mask_opacity: 0.7 });
    expect(model.get("overlay")).toEqual({ mask_opacity: 0.7 });
    expect(model.saved).toBe(before + 1);
  });
});
