// A stand-in for the Explorer's media context (js/protocol.js createMediaContext) for browser tests of js/media
// without a kernel: images and masks are drawn here, encoded once, and "arrive" when requested, decoded the way
// the real context decodes them (createImageBitmap of the encoded bytes).

export function fakeModel(initial = {}) {
  const traits = { overlay: {}, mode: "rows", ...initial };
  const handlers = new Map();
  return {
    traits,
    get: (k) => traits[k],
    set(k, v) {
      traits[k] = v;
      for (const fn of handlers.get(`change:${k}`) || []) fn();
    },
    save_changes() {},
    on(evt, fn) {
      if (!handlers.has(evt)) handlers.set(evt, []);
      handlers.get(evt).push(fn);
    },
  };
}

/** Draw a photo-like w x h image (gradient, discs, noise) and encode it as JPEG. */
export async function makeImageBlob(w, h, seed = 1) {
  const c = new OffscreenCanvas(w, h);
  const g = c.getContext("2d");
  let s = seed * 9301 + 49297;
  const rnd = () => ((s = (s * 9301 + 49297) % 233280) / 233280);
  const grad = g.createLinearGradient(0, 0, w, h);
  grad.addColorStop(0, `hsl(${rnd() * 360},60%,55%)`);
  grad.addColorStop(1, `hsl(${rnd() * 360},60%,45%)`);
  g.fillStyle = grad;
  g.fillRect(0, 0, w, h);
  for (let i = 0; i < 5; i++) {
    g.fillStyle = `hsl(${rnd() * 360},70%,50%)`;
    g.beginPath();
    g.arc(rnd() * w, rnd() * h, (0.05 + rnd() * 0.2) * Math.min(w, h), 0, 2 * Math.PI);
    g.fill();
  }
  return c.convertToBlob({ type: "image/jpeg", quality: 0.8 });
}

/** Class-id mask: background 0, a disc of `cls` in the middle, a band of cls+1 at the bottom. */
export function makeMask(w, h, cls = 2) {
  const data = new Uint8Array(w * h);
  const r = Math.min(w, h) * 0.25;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - w / 2;
      const dy = y - h / 2;
      if (dx * dx + dy * dy < r * r) data[y * w + x] = cls;
      else if (y > h * 0.85) data[y * w + x] = cls + 1;
    }
  }
  return { width: w, height: h, data };
}

/**
 * A context over `store` = {images: Map<key, Blob | {error}>, masks: Map<key, mask | {error}>}.
 * Thumbnails are decoded from the blob at the requested size (as the kernel would have resized them).
 * `log` records every request, to check batching.
 */
export function fakeCtx(store, model = fakeModel()) {
  const log = [];
  const cache = new Map();
  async function decode(key, size) {
    const v = store.images.get(key);
    if (!v) return { error: `no such image: ${key}` };
    if (v.error) return { error: v.error };
    const k = `${key}@${size}`;
    if (!cache.has(k)) {
      cache.set(
        k,
        createImageBitmap(v).then(async (full) => {
          const s = Math.min(1, size / Math.max(full.width, full.height));
          if (s >= 1) return full;
          return createImageBitmap(full, {
            resizeWidth: Math.max(1, Math.round(full.width * s)),
            resizeHeight: Math.max(1, Math.round(full.height * s)),
            resizeQuality: "high",
          });
        }),
      );
    }
    return cache.get(k);
  }
  const ctx = {
    model,
    log,
    async requestThumbs(items) {
      log.push({ type: "thumbs", items });
      const out = new Map();
      await Promise.all(items.map(async (it) => out.set(it.key, await decode(it.key, it.size))));
      return out;
    },
    async requestMasks(items) {
      log.push({ type: "masks", items });
      const out = new Map();
      for (const it of items) out.set(it.key, store.masks.get(it.key) ?? { error: `no such mask: ${it.key}` });
      return out;
    },
    async requestImage(key) {
      log.push({ type: "image", key });
      return decode(key, 1e9);
    },
    getOverlay: () => model.get("overlay") || {},
    setOverlay: (d) => model.set("overlay", { ...d }),
  };
  return ctx;
}
