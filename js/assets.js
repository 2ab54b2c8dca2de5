// @ts-check
// Modules the entry does not carry, loaded from the kernel once per page (docs/protocol.md "Assets"): three.js for
// the 3-D view and the Markdown renderer, and users' cell panels. The bytes arrive as a binary buffer and are
// imported through a Blob URL, the way anywidget loads `_esm`; the module is kept on globalThis so every widget of
// the page shares it. (plotly.js has its own loader in charts.js, with a classic-script fallback.)

/**
 * @import { Buffer } from "./types/protocol"
 * @import { Protocol } from "./protocol.js"
 */

const KEY = "__tablelens_assets__";

/** @returns {Map<string, Promise<any>>} the page-wide cache */
function cache() {
  const page = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));
  if (!(page[KEY] instanceof Map)) page[KEY] = new Map();
  return /** @type {Map<string, Promise<any>>} */ (page[KEY]);
}

/**
 * An ES module from its bytes (a Blob URL import).
 * @param {Buffer | ArrayBuffer} buffer
 * @returns {Promise<any>}
 */
export async function importBytes(buffer) {
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer;
  const url = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (bytes)], { type: "text/javascript" }));
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * The cached promise of `key`, made by `load` the first time; a failed load is forgotten so a later call retries.
 * @template T
 * @param {string} key
 * @param {() => Promise<T>} load
 * @returns {Promise<T>}
 */
export function cached(key, load) {
  const c = cache();
  let p = c.get(key);
  if (!p) {
    p = load();
    c.set(key, p);
    p.catch(() => {
      if (c.get(key) === p) c.delete(key);
    });
  }
  return p;
}

/**
 * A bundled asset module ("three", "markdown"), asked from the kernel once per page; resolves with its default
 * export.
 * @param {Protocol} protocol
 * @param {"three" | "markdown"} name
 * @param {{timeoutMs?: number}} [opts]
 * @returns {Promise<any>}
 */
export function loadAsset(protocol, name, { timeoutMs = 120000 } = {}) {
  return cached(`asset:${name}`, async () => {
    const { msg, buffers } = await protocol.request("asset", { name }, { timeoutMs, supersede: false });
    const buffer = buffers[msg.buffer ?? 0];
    if (!buffer) throw new Error(`the kernel sent no bytes for ${name}`);
    const mod = await importBytes(buffer);
    return mod && mod.default ? mod.default : mod;
  });
}
