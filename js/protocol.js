// Custom messages between the browser and the kernel (docs/protocol.md "Messages"): fresh integer ids, one
// pending promise per request, stale answers dropped, binary buffers turned into images and masks.
//
// Staleness rules:
// - kinds sent with `supersede` (rows, image, asset): a new request of the kind supersedes the pending one; the
//   older promise rejects with a StaleAnswer at once and its late answer is ignored;
// - thumbs and masks are batched per page and several batches may be in flight; `cancel(kind)` (called when the
//   page changes) drops them all;
// - a `rows` answer whose `result_version` is no longer current is stale too.

import { decodeMaskPng, toBytes } from "./png.js";

/** Rejection reason of a request whose answer will never be used; callers ignore it. */
export class StaleAnswer extends Error {
  constructor(message = "stale answer") {
    super(message);
    this.name = "StaleAnswer";
  }
}

/** Rejection reason of a request the kernel answered with `{"type": "error"}`. */
export class RequestError extends Error {
  constructor(message) {
    super(message);
    this.name = "RequestError";
  }
}

/** True for the rejection of a superseded/stale request (nothing to show the user). */
export function isStale(err) {
  return err instanceof StaleAnswer || (err && err.name === "StaleAnswer");
}

const ID_KEY = "__tablelens_next_request_id__";

/**
 * The next request id. Shared by every view on the page (kept on globalThis, as module copies may differ): two
 * views of one model receive each other's answers, and must not take them for their own.
 */
export function nextRequestId() {
  const id = Number.isSafeInteger(globalThis[ID_KEY]) ? globalThis[ID_KEY] : 1;
  globalThis[ID_KEY] = id + 1;
  return id;
}

/**
 * The request/answer machinery over one model.
 * @param model anywidget model proxy (get, send, on, off)
 */
export function createProtocol(model, { timeoutMs = 0 } = {}) {
  const pending = new Map(); // id -> {type, resolve, reject, timer}
  const latest = new Map(); // type -> id of the latest superseding request
  let disposed = false;

  function settle(id, fn, value) {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry[fn](value);
  }

  function onMessage(msg, buffers) {
    if (!msg || typeof msg !== "object" || typeof msg.id !== "number") return;
    const entry = pending.get(msg.id);
    if (!entry) return; // superseded, cancelled or not ours: drop
    if (entry.supersede && latest.get(entry.type) !== msg.id) {
      settle(msg.id, "reject", new StaleAnswer());
      return;
    }
    if (msg.type === "error") {
      settle(msg.id, "reject", new RequestError(String(msg.message || "request failed")));
      return;
    }
    if (msg.type === "rows" && msg.result_version !== model.get("result_version")) {
      settle(msg.id, "reject", new StaleAnswer("result changed"));
      return;
    }
    settle(msg.id, "resolve", { msg, buffers: buffers || [] });
  }
  model.on("msg:custom", onMessage);

  /**
   * Send `{type, id, ...payload}`; resolves with `{msg, buffers}` of the answer.
   * @param {{supersede?: boolean, timeoutMs?: number}} opts
   */
  function request(type, payload = {}, opts = {}) {
    if (disposed) return Promise.reject(new StaleAnswer("widget closed"));
    const supersede = opts.supersede ?? true;
    const id = nextRequestId();
    if (supersede) {
      const prev = latest.get(type);
      if (prev !== undefined) settle(prev, "reject", new StaleAnswer("superseded"));
      latest.set(type, id);
    }
    const promise = new Promise((resolve, reject) => {
      const entry = { type, supersede, resolve, reject, timer: null };
      const ms = opts.timeoutMs ?? timeoutMs;
      if (ms > 0) {
        entry.timer = setTimeout(() => settle(id, "reject", new RequestError(`no answer to "${type}" request`)), ms);
      }
      pending.set(id, entry);
    });
    model.send({ type, id, ...payload });
    return promise;
  }

  /** Drop every pending request of `type`: their promises reject with StaleAnswer, late answers are ignored. */
  function cancel(type) {
    for (const [id, entry] of [...pending]) if (entry.type === type) settle(id, "reject", new StaleAnswer("cancelled"));
    latest.delete(type);
  }

  /** Ask for a window of the current result; resolves with the `rows` answer message. */
  async function requestRows(offset, limit) {
    const resultVersion = model.get("result_version");
    const { msg } = await request("rows", { result_version: resultVersion, offset, limit });
    return msg;
  }

  function dispose() {
    disposed = true;
    model.off("msg:custom", onMessage);
    for (const id of [...pending.keys()]) settle(id, "reject", new StaleAnswer("widget closed"));
  }

  return {
    request,
    cancel,
    requestRows,
    dispose,
    get pendingCount() {
      return pending.size;
    },
  };
}

/** The bytes of answer item `item` as a Blob of its mime type. */
export function itemBlob(item, buffers) {
  const buffer = buffers[item.buffer];
  if (!buffer) throw new Error("missing buffer");
  return new Blob([toBytes(buffer)], { type: item.mime || "image/png" });
}

/** A displayable image from a Blob: an ImageBitmap where the platform has createImageBitmap, else a Blob URL. */
export async function blobToImage(blob) {
  if (typeof globalThis.createImageBitmap === "function") {
    try {
      return await globalThis.createImageBitmap(blob);
    } catch {
      // fall through to a URL (e.g. a format createImageBitmap does not decode)
    }
  }
  return URL.createObjectURL(blob);
}

/** Split a list of unique-by-key items into batches of at most `max`. */
export function uniqueItems(items) {
  const seen = new Map();
  for (const item of items) if (item && item.key != null && !seen.has(item.key)) seen.set(item.key, item);
  return [...seen.values()];
}

/**
 * The media context handed to js/media (see the interface in js/table.js): thumbnails, masks and full images
 * fetched in batches, one `thumbs` (or `masks`) message per page render rather than one per image.
 * Values in the maps are ImageBitmap (or a Blob URL string) for images, `{width, height, data}` for masks, and
 * `{error}` for an item the kernel could not produce.
 */
export function createMediaContext(protocol, model, { flushDelayMs = 0, cacheSize = 600 } = {}) {
  const thumbCache = new Map(); // `${key}@${size}` -> Promise<value>  (insertion order = LRU order)
  const maskCache = new Map(); // key -> Promise<value>
  let queue = { thumbs: [], masks: [] }; // [{item, resolve, reject}]
  let timer = null;

  function remember(cache, k, promise) {
    cache.set(k, promise);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value);
    promise.catch(() => cache.delete(k)); // retry next time
  }

  function schedule() {
    if (timer !== null) return;
    timer = setTimeout(flush, flushDelayMs);
  }

  async function decodeThumb(item, buffers) {
    if (item.error) return { error: String(item.error) };
    try {
      return await blobToImage(itemBlob(item, buffers));
    } catch (e) {
      return { error: `cannot decode image: ${e.message || e}` };
    }
  }

  async function decodeMask(item, buffers) {
    if (item.error) return { error: String(item.error) };
    try {
      return await decodeMaskPng(buffers[item.buffer]);
    } catch (e) {
      return { error: `cannot decode mask: ${e.message || e}` };
    }
  }

  function send(type, waiting, decode) {
    if (!waiting.length) return;
    const items = uniqueItems(waiting.map((w) => w.item));
    protocol.request(type, { items }, { supersede: false }).then(
      async ({ msg, buffers }) => {
        const byKey = new Map();
        for (const answer of msg.items || []) byKey.set(answer.key, answer);
        const decoded = new Map();
        await Promise.all(
          items.map(async (it) => {
            const answer = byKey.get(it.key);
            decoded.set(it.key, answer ? await decode(answer, buffers) : { error: "no answer for this image" });
          }),
        );
        for (const w of waiting) w.resolve(decoded.get(w.item.key));
      },
      (err) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }

  function flush() {
    timer = null;
    const q = queue;
    queue = { thumbs: [], masks: [] };
    send("thumbs", q.thumbs, decodeThumb);
    send("masks", q.masks, decodeMask);
  }

  function enqueue(kind, item) {
    return new Promise((resolve, reject) => {
      queue[kind].push({ item, resolve, reject });
      schedule();
    });
  }

  async function collect(entries) {
    const map = new Map();
    const results = await Promise.all(entries.map(([, p]) => p));
    entries.forEach(([key], i) => map.set(key, results[i]));
    return map;
  }

  /** Thumbnails: items `[{key, size}]` (size = longest side in device pixels) -> Map<key, image|{error}>. */
  function requestThumbs(items) {
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const size = Math.max(1, Math.round(Number(it.size) || 128));
      const k = `${it.key}@${size}`;
      if (!thumbCache.has(k)) remember(thumbCache, k, enqueue("thumbs", { key: String(it.key), size }));
      entries.push([it.key, thumbCache.get(k)]);
    }
    return collect(entries);
  }

  /** Masks: items `[{key}]` -> Map<key, {width, height, data: Uint8Array|Uint16Array}|{error}>. */
  function requestMasks(items) {
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const k = String(it.key);
      if (!maskCache.has(k)) remember(maskCache, k, enqueue("masks", { key: k }));
      entries.push([it.key, maskCache.get(k)]);
    }
    return collect(entries);
  }

  /** The full-resolution image (enlarged view): resolves with an image or `{error}`; supersedes the previous. */
  async function requestImage(key) {
    const { msg, buffers } = await protocol.request("image", { key: String(key) });
    const item = (msg.items || []).find((it) => it.key === key) || (msg.items || [])[0];
    if (!item) return { error: "no answer for this image" };
    return decodeThumb(item, buffers);
  }

  /** Forget what is in flight for the page being left (answers to it are dropped). */
  function newPage() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const q = queue;
    queue = { thumbs: [], masks: [] };
    const stale = new StaleAnswer("page changed");
    for (const w of [...q.thumbs, ...q.masks]) w.reject(stale);
    protocol.cancel("thumbs");
    protocol.cancel("masks");
    // failed/cancelled promises remove themselves from the caches
  }

  const ctx = {
    requestThumbs,
    requestMasks,
    requestImage,
    model,
    getOverlay: () => model.get("overlay") || {},
    setOverlay: (dict) => {
      model.set("overlay", { ...(dict || {}) });
      model.save_changes();
    },
  };
  return { ctx, newPage, flush };
}
