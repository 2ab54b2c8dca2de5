// @ts-check
// Requests of the store browser to its kernel (docs/protocol.md "The store browser"): an id per request, one
// promise per id, errors as rejections; the graph layout asset loaded once per page.

import { cached, importBytes } from "../assets.js";

/** @import { StoreAnswer, StoreModel, StoreRequest, LayoutModule, Buffer } from "../types/store" */

/** @typedef {StoreRequest extends infer R ? (R extends {id: number} ? Omit<R, "id"> : never) : never} Payload */

const ID_KEY = "__tablelens_next_request_id__"; // shared with the Explorer's requests (js/protocol.js)

function nextId() {
  const page = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));
  const stored = page[ID_KEY];
  const id = typeof stored === "number" && Number.isSafeInteger(stored) ? stored : 1;
  page[ID_KEY] = id + 1;
  return id;
}

/**
 * @param {StoreModel} model
 */
export function createRequests(model) {
  /** @type {Map<number, {resolve: (a: {msg: StoreAnswer, buffers: Buffer[]}) => void, reject: (e: Error) => void}>} */
  const pending = new Map();
  /**
   * @param {StoreAnswer} msg
   * @param {Buffer[]} [buffers]
   */
  const onMessage = (msg, buffers) => {
    if (!msg || typeof msg.id !== "number") return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.type === "error") p.reject(new Error(msg.message || "request failed"));
    else p.resolve({ msg, buffers: buffers || [] });
  };
  model.on("msg:custom", onMessage);

  /**
   * @param {Payload} payload
   * @returns {Promise<{msg: StoreAnswer, buffers: Buffer[]}>}
   */
  function request(payload) {
    const id = nextId();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      model.send(/** @type {StoreRequest} */ ({ ...payload, id }));
    });
  }

  /** @returns {Promise<LayoutModule>} dagre's layout, fetched from the kernel once per page */
  function loadLayout() {
    return cached("asset:graph-layout", async () => {
      const { msg, buffers } = await request({ type: "asset", name: "graph-layout" });
      const buffer = buffers[msg.type === "asset" ? msg.buffer : 0];
      if (!buffer) throw new Error("the kernel sent no graph layout module");
      const mod = await importBytes(buffer);
      return /** @type {LayoutModule} */ (mod && mod.default ? mod.default : mod);
    });
  }

  return {
    request,
    loadLayout,
    dispose() {
      model.off("msg:custom", onMessage);
      for (const p of pending.values()) p.reject(new Error("widget closed"));
      pending.clear();
    },
  };
}

/** @typedef {ReturnType<typeof createRequests>} Requests */
