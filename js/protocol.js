// @ts-check
// Custom messages between the browser and the kernel (docs/protocol.md "Messages"): fresh integer ids, one
// pending promise per request, stale answers dropped, binary buffers turned into images and masks.
//
// Staleness rules:
// - kinds sent with `supersede` (rows, image, asset): a new request of the kind supersedes the pending one; the
//   older promise rejects with a StaleAnswer at once and its late answer is ignored;
// - thumbs and masks are batched per page and several batches may be in flight; `cancel(kind)` (called when the
//   page changes) drops them all;
// - a `rows` answer whose `result_version` is no longer current is stale too.

import { loadAsset } from "./assets.js";
import { decodeMaskPng, toBytes } from "./png.js";

/**
 * @import { AnswerOf, BrowserMessage, Buffer, KernelMessage, MediaItem, Model, RequestPayload, RequestType } from "./types/protocol"
 * @import { MaskValue, MediaCtx, MediaFileValue, ThumbValue, WaveValue } from "./types/frontend"
 */

/** Rejection reason of a request whose answer will never be used; callers ignore it. */
export class StaleAnswer extends Error {
  /** @param {string} [message] */
  constructor(message = "stale answer") {
    super(message);
    this.name = "StaleAnswer";
  }
}

/** Rejection reason of a request the kernel answered with `{"type": "error"}`. */
export class RequestError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "RequestError";
  }
}

/**
 * True for the rejection of a superseded/stale request (nothing to show the user).
 * @param {unknown} err
 */
export function isStale(err) {
  return err instanceof StaleAnswer || (err instanceof Error && err.name === "StaleAnswer");
}

const ID_KEY = "__tablelens_next_request_id__";

/**
 * The next request id. Shared by every view on the page (kept on globalThis, as module copies may differ): two
 * views of one model receive each other's answers, and must not take them for their own.
 */
function nextRequestId() {
  const page = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));
  const stored = page[ID_KEY];
  const id = typeof stored === "number" && Number.isSafeInteger(stored) ? stored : 1;
  page[ID_KEY] = id + 1;
  return id;
}

/**
 * @typedef {object} Pending
 * @property {RequestType} type
 * @property {boolean} supersede
 * @property {(answer: {msg: KernelMessage, buffers: Buffer[]}) => void} resolve
 * @property {(err: Error) => void} reject
 * @property {ReturnType<typeof setTimeout> | null} timer
 */

/**
 * The request/answer machinery over one model.
 * @param {Model} model anywidget model proxy (get, send, on, off)
 * @param {{timeoutMs?: number}} [opts]
 */
export function createProtocol(model, { timeoutMs = 0 } = {}) {
  /** @type {Map<number, Pending>} */
  const pending = new Map();
  /** @type {Map<RequestType, number>} type -> id of the latest superseding request */
  const latest = new Map();
  let disposed = false;

  /**
   * @param {number} id
   * @param {{msg: KernelMessage, buffers: Buffer[]} | Error} value an answer resolves, an Error rejects
   */
  function settle(id, value) {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (value instanceof Error) entry.reject(value);
    else entry.resolve(value);
  }

  /**
   * @param {KernelMessage} msg
   * @param {Buffer[]} [buffers]
   */
  function onMessage(msg, buffers) {
    if (!msg || typeof msg !== "object" || typeof msg.id !== "number") return;
    const entry = pending.get(msg.id);
    if (!entry) return; // superseded, cancelled or not ours: drop
    if (entry.supersede && latest.get(entry.type) !== msg.id) {
      settle(msg.id, new StaleAnswer());
      return;
    }
    if (msg.type === "error") {
      settle(msg.id, new RequestError(String(msg.message || "request failed")));
      return;
    }
    if (msg.type === "rows" && msg.result_version !== model.get("result_version")) {
      settle(msg.id, new StaleAnswer("result changed"));
      return;
    }
    settle(msg.id, { msg, buffers: buffers || [] });
  }
  model.on("msg:custom", onMessage);

  /**
   * Send `{type, id, ...payload}`; resolves with `{msg, buffers}` of the answer.
   * @template {RequestType} T
   * @param {T} type
   * @param {RequestPayload<T>} payload
   * @param {{supersede?: boolean, timeoutMs?: number}} [opts]
   * @returns {Promise<{msg: AnswerOf<T>, buffers: Buffer[]}>}
   */
  function request(type, payload, opts = {}) {
    if (disposed) return Promise.reject(new StaleAnswer("widget closed"));
    const supersede = opts.supersede ?? true;
    const id = nextRequestId();
    if (supersede) {
      const prev = latest.get(type);
      if (prev !== undefined) settle(prev, new StaleAnswer("superseded"));
      latest.set(type, id);
    }
    /** @type {Promise<{msg: AnswerOf<T>, buffers: Buffer[]}>} */
    const promise = new Promise((resolve, reject) => {
      /** @type {Pending} */
      const entry = { type, supersede, resolve: /** @type {Pending["resolve"]} */ (resolve), reject, timer: null };
      const ms = opts.timeoutMs ?? timeoutMs;
      if (ms > 0) {
        entry.timer = setTimeout(() => settle(id, new RequestError(`no answer to "${type}" request`)), ms);
      }
      pending.set(id, entry);
    });
    model.send(/** @type {BrowserMessage} */ (/** @type {unknown} */ ({ type, id, ...payload })));
    return promise;
  }

  /**
   * Drop every pending request of `type`: their promises reject with StaleAnswer, late answers are ignored.
   * @param {RequestType} type
   */
  function cancel(type) {
    for (const [id, entry] of [...pending]) if (entry.type === type) settle(id, new StaleAnswer("cancelled"));
    latest.delete(type);
  }

  /**
   * Ask for a window of the current result; resolves with the `rows` answer message.
   * @param {number} offset
   * @param {number} limit
   */
  async function requestRows(offset, limit) {
    const resultVersion = Number(model.get("result_version")) || 0;
    const { msg } = await request("rows", { result_version: resultVersion, offset, limit });
    return msg;
  }

  function dispose() {
    disposed = true;
    model.off("msg:custom", onMessage);
    for (const id of [...pending.keys()]) settle(id, new StaleAnswer("widget closed"));
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

/** @typedef {ReturnType<typeof createProtocol>} Protocol */

/**
 * The bytes of answer item `item` as a Blob of its mime type.
 * @param {MediaItem} item
 * @param {Buffer[]} buffers
 */
function itemBlob(item, buffers) {
  const buffer = item.buffer === undefined ? undefined : buffers[item.buffer];
  if (!buffer) throw new Error("missing buffer");
  return new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (toBytes(buffer))], { type: item.mime || "image/png" });
}

/**
 * A displayable image from a Blob: an ImageBitmap where the platform has createImageBitmap, else a Blob URL.
 * @param {Blob} blob
 * @returns {Promise<ImageBitmap | string>}
 */
async function blobToImage(blob) {
  if (typeof globalThis.createImageBitmap === "function") {
    try {
      return await globalThis.createImageBitmap(blob);
    } catch {
      // fall through to a URL (e.g. a format createImageBitmap does not decode)
    }
  }
  return URL.createObjectURL(blob);
}

/**
 * The items with distinct keys (the first of each key), in order.
 * @template {{key: string}} T
 * @param {(T | null | undefined)[]} items
 * @returns {T[]}
 */
function uniqueItems(items) {
  /** @type {Map<string, T>} */
  const seen = new Map();
  for (const item of items) if (item && item.key != null && !seen.has(item.key)) seen.set(item.key, item);
  return [...seen.values()];
}

/**
 * @template I, V
 * @typedef {{item: I, resolve: (value: V) => void, reject: (err: unknown) => void}} Waiting
 */
/**
 * @typedef {{thumbs: Waiting<{key: string, size: number}, ThumbValue>[], masks: Waiting<{key: string}, MaskValue>[],
 *   waveforms: Waiting<{key: string, bins: number}, WaveValue>[], media: Waiting<{key: string}, MediaFileValue>[]}} Queue
 */

/**
 * The media context handed to js/media (MediaCtx in js/types/frontend.d.ts): thumbnails, masks and full images
 * fetched in batches, one `thumbs` (or `masks`) message per page render rather than one per image.
 * Values in the maps are ImageBitmap (or a Blob URL string) for images, `{width, height, data}` for masks, and
 * `{error}` for an item the kernel could not produce.
 * @param {Protocol} protocol
 * @param {Model} model
 * @param {{flushDelayMs?: number, cacheSize?: number, fileCacheSize?: number}} [opts]
 */
export function createMediaContext(protocol, model, { flushDelayMs = 0, cacheSize = 600, fileCacheSize = 48 } = {}) {
  /** @type {Map<string, Promise<ThumbValue>>} `${key}@${size}` -> image (insertion order = LRU order) */
  const thumbCache = new Map();
  /** @type {Map<string, Promise<MaskValue>>} key -> mask */
  const maskCache = new Map();
  /** @type {Map<string, Promise<WaveValue>>} `${key}@${bins}` -> waveform peaks */
  const waveCache = new Map();
  /** @type {Map<string, Promise<MediaFileValue>>} key -> a media file's bytes (few: files can be large) */
  const fileCache = new Map();
  /** @type {Queue} */
  let queue = { thumbs: [], masks: [], waveforms: [], media: [] };
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;

  /**
   * @template V
   * @param {Map<string, Promise<V>>} cache
   * @param {string} k
   * @param {Promise<V>} promise
   */
  function remember(cache, k, promise, limit = cacheSize) {
    cache.set(k, promise);
    while (cache.size > limit) cache.delete(/** @type {string} */ (cache.keys().next().value));
    promise.catch(() => cache.delete(k)); // retry next time
  }

  function schedule() {
    if (timer !== null) return;
    timer = setTimeout(flush, flushDelayMs);
  }

  /**
   * @param {MediaItem} item
   * @param {Buffer[]} buffers
   * @returns {Promise<ThumbValue>}
   */
  async function decodeThumb(item, buffers) {
    if (item.error) return { error: String(item.error) };
    try {
      return await blobToImage(itemBlob(item, buffers));
    } catch (e) {
      return { error: `cannot decode image: ${errorText(e)}` };
    }
  }

  /**
   * @param {MediaItem} item
   * @param {Buffer[]} buffers
   * @returns {Promise<MaskValue>}
   */
  async function decodeMask(item, buffers) {
    if (item.error) return { error: String(item.error) };
    try {
      const buffer = item.buffer === undefined ? undefined : buffers[item.buffer];
      if (!buffer) throw new Error("missing buffer");
      return await decodeMaskPng(buffer);
    } catch (e) {
      return { error: `cannot decode mask: ${errorText(e)}` };
    }
  }

  /**
   * @template {{key: string}} I
   * @template V
   * @param {"thumbs" | "masks" | "waveforms" | "media"} type
   * @param {Waiting<I, V>[]} waiting
   * @param {(item: MediaItem, buffers: Buffer[]) => Promise<V>} decode
   */
  function send(type, waiting, decode) {
    if (!waiting.length) return;
    const items = uniqueItems(waiting.map((w) => w.item));
    const payload = /** @type {RequestPayload<"thumbs"> & RequestPayload<"masks">} */ (/** @type {unknown} */ ({ items }));
    // (waveforms and media requests carry items of the same shape: {key, ...})
    protocol.request(type, payload, { supersede: false }).then(
      async ({ msg, buffers }) => {
        /** @type {Map<string, MediaItem>} */
        const byKey = new Map();
        for (const answer of msg.items || []) byKey.set(answer.key, answer);
        /** @type {Map<string, V>} */
        const decoded = new Map();
        await Promise.all(
          items.map(async (it) => {
            const answer = byKey.get(it.key);
            decoded.set(it.key, answer ? await decode(answer, buffers) : /** @type {V} */ ({ error: "no answer for this image" }));
          }),
        );
        for (const w of waiting) w.resolve(/** @type {V} */ (decoded.get(w.item.key)));
      },
      (err) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }

  /**
   * @param {MediaItem} item
   * @param {Buffer[]} buffers
   * @returns {Promise<WaveValue>}
   */
  async function decodeWave(item, buffers) {
    if (item.error) return { error: String(item.error) };
    const buffer = item.buffer === undefined ? undefined : buffers[item.buffer];
    if (!buffer) return { error: "missing buffer" };
    const bytes = toBytes(buffer);
    return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }

  /**
   * @param {MediaItem} item
   * @param {Buffer[]} buffers
   * @returns {Promise<MediaFileValue>}
   */
  async function decodeFile(item, buffers) {
    if (item.error) return { error: String(item.error) };
    try {
      const blob = itemBlob(item, buffers);
      return { blob, mime: item.mime || "application/octet-stream", format: String(/** @type {any} */ (item).format || "") };
    } catch (e) {
      return { error: `cannot read the file: ${errorText(e)}` };
    }
  }

  function flush() {
    timer = null;
    const q = queue;
    queue = { thumbs: [], masks: [], waveforms: [], media: [] };
    send("thumbs", q.thumbs, decodeThumb);
    send("masks", q.masks, decodeMask);
    send("waveforms", q.waveforms, decodeWave);
    send("media", q.media, decodeFile);
  }

  /**
   * @param {{key: string, size: number}} item
   * @returns {Promise<ThumbValue>}
   */
  function enqueueThumb(item) {
    return new Promise((resolve, reject) => {
      queue.thumbs.push({ item, resolve, reject });
      schedule();
    });
  }

  /**
   * @param {{key: string}} item
   * @returns {Promise<MaskValue>}
   */
  function enqueueMask(item) {
    return new Promise((resolve, reject) => {
      queue.masks.push({ item, resolve, reject });
      schedule();
    });
  }

  /**
   * @template I, V
   * @param {"waveforms" | "media"} type
   * @param {I} item
   * @returns {Promise<V>}
   */
  function enqueue(type, item) {
    return new Promise((resolve, reject) => {
      /** @type {Waiting<any, any>[]} */ (queue[type]).push({ item, resolve, reject });
      schedule();
    });
  }

  /**
   * @template V
   * @param {[string, Promise<V>][]} entries
   * @returns {Promise<Map<string, V>>}
   */
  async function collect(entries) {
    /** @type {Map<string, V>} */
    const map = new Map();
    const results = await Promise.all(entries.map(([, p]) => p));
    entries.forEach(([key], i) => map.set(key, results[i]));
    return map;
  }

  /**
   * Thumbnails: items `[{key, size}]` (size = longest side in device pixels) -> Map<key, image|{error}>.
   * @param {{key: string, size: number}[]} items
   */
  function requestThumbs(items) {
    /** @type {[string, Promise<ThumbValue>][]} */
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const size = Math.max(1, Math.round(Number(it.size) || 128));
      const k = `${it.key}@${size}`;
      let p = thumbCache.get(k);
      if (!p) remember(thumbCache, k, (p = enqueueThumb({ key: String(it.key), size })));
      entries.push([it.key, p]);
    }
    return collect(entries);
  }

  /**
   * Masks: items `[{key}]` -> Map<key, {width, height, data: Uint8Array|Uint16Array}|{error}>.
   * @param {{key: string}[]} items
   */
  function requestMasks(items) {
    /** @type {[string, Promise<MaskValue>][]} */
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const k = String(it.key);
      let p = maskCache.get(k);
      if (!p) remember(maskCache, k, (p = enqueueMask({ key: k })));
      entries.push([it.key, p]);
    }
    return collect(entries);
  }

  /**
   * The full-resolution image (enlarged view): resolves with an image or `{error}`; supersedes the previous.
   * @param {string} key
   * @returns {Promise<ThumbValue>}
   */
  async function requestImage(key) {
    const { msg, buffers } = await protocol.request("image", { key: String(key) });
    const item = (msg.items || []).find((it) => it.key === key) || (msg.items || [])[0];
    if (!item) return { error: "no answer for this image" };
    return decodeThumb(item, buffers);
  }

  /**
   * Waveforms of audio cells: items `[{key, bins}]` -> Map<key, Int8Array (min, max pairs)|{error}>.
   * @param {{key: string, bins: number}[]} items
   */
  function requestWaveforms(items) {
    /** @type {[string, Promise<WaveValue>][]} */
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const bins = Math.max(8, Math.min(4096, Math.round(Number(it.bins) || 256)));
      const k = `${it.key}@${bins}`;
      let p = waveCache.get(k);
      if (!p) remember(waveCache, k, (p = enqueue("waveforms", { key: String(it.key), bins })));
      entries.push([it.key, p]);
    }
    return collect(entries);
  }

  /**
   * Media files (audio, video, HTML, 3-D, Plotly, molecule) as they are: items `[{key}]` -> Map<key, {blob, mime,
   * format}|{error}>; several asked together travel in one message.
   * @param {{key: string}[]} items
   */
  function requestMedia(items) {
    /** @type {[string, Promise<MediaFileValue>][]} */
    const entries = [];
    for (const it of uniqueItems(items || [])) {
      const k = String(it.key);
      let p = fileCache.get(k);
      if (!p) remember(fileCache, k, (p = enqueue("media", { key: k })), fileCacheSize);
      entries.push([it.key, p]);
    }
    return collect(entries);
  }

  /**
   * The whole text of a string cell the kernel cut (`cell` request).
   * @param {number | string} rowKey
   * @param {string} column
   * @returns {Promise<string>}
   */
  async function requestCellText(rowKey, column) {
    const { buffers } = await protocol.request("cell", { key: rowKey, column }, { supersede: false });
    const buffer = buffers[0];
    return buffer ? new TextDecoder().decode(toBytes(buffer)) : "";
  }

  /** Forget what is in flight for the page being left (answers to it are dropped). */
  function newPage() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const q = queue;
    queue = { thumbs: [], masks: [], waveforms: [], media: [] };
    const stale = new StaleAnswer("page changed");
    for (const w of [...q.thumbs, ...q.masks, ...q.waveforms, ...q.media]) w.reject(stale);
    protocol.cancel("thumbs");
    protocol.cancel("masks");
    protocol.cancel("waveforms");
    protocol.cancel("media");
    // failed/cancelled promises remove themselves from the caches
  }

  /** @type {MediaCtx} */
  const ctx = {
    requestThumbs,
    requestMasks,
    requestImage,
    requestWaveforms,
    requestMedia,
    requestCellText,
    loadAsset: (name) => loadAsset(protocol, name),
    model,
    getOverlay: () => model.get("overlay") || {},
    setOverlay: (dict) => {
      model.set("overlay", { ...(dict || {}) });
      model.save_changes();
    },
  };
  return { ctx, newPage, flush };
}

/** @typedef {ReturnType<typeof createMediaContext>} MediaSession */

/**
 * The message of an error, or its text.
 * @param {unknown} e
 */
function errorText(e) {
  const message = e && typeof e === "object" && "message" in e ? e.message : null;
  return message ? String(message) : String(e);
}
