// @ts-check
// A small exact PNG decoder for segmentation masks (pixel value = class id). Canvas decoding may color-manage or
// premultiply and cannot return 16-bit values; this reads the samples as stored. Non-interlaced PNGs of any color
// type; for several channels the first one is returned. Inflate uses the platform's DecompressionStream.

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** @type {Readonly<Record<number, number>>} channels per color type */
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * @typedef {object} PngHeader
 * @property {number} width
 * @property {number} height
 * @property {number} bitDepth
 * @property {number} colorType
 * @property {number} interlace
 */

/**
 * Bytes of a DataView / ArrayBuffer / typed array, without copying.
 * @param {ArrayBufferLike | ArrayBufferView} buffer
 * @returns {Uint8Array}
 */
export function toBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return new Uint8Array(buffer);
}

/**
 * Parse the chunks: header fields and the concatenated IDAT stream.
 * @param {ArrayBufferLike | ArrayBufferView} buffer
 * @returns {PngHeader & {channels: number, compressed: Uint8Array}}
 */
export function parsePng(buffer) {
  const bytes = toBytes(buffer);
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) throw new Error("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  /** @type {PngHeader | null} */
  let header = null;
  /** @type {Uint8Array[]} */
  const idat = [];
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR") {
      header = {
        width: view.getUint32(pos + 8),
        height: view.getUint32(pos + 12),
        bitDepth: bytes[pos + 16],
        colorType: bytes[pos + 17],
        interlace: bytes[pos + 20],
      };
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    pos += 12 + length;
  }
  if (!header) throw new Error("PNG without IHDR");
  if (!(header.colorType in CHANNELS)) throw new Error(`unsupported PNG color type ${header.colorType}`);
  if (header.interlace) throw new Error("interlaced PNG masks are not supported");
  const total = idat.reduce((n, c) => n + c.length, 0);
  const stream = new Uint8Array(total);
  let off = 0;
  for (const c of idat) {
    stream.set(c, off);
    off += c.length;
  }
  return { ...header, channels: CHANNELS[header.colorType], compressed: stream };
}

/** @param {number} a @param {number} b @param {number} c */
function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Undo PNG scanline filters and extract the first channel of every pixel.
 * Returns Uint8Array (bit depth <= 8) or Uint16Array (bit depth 16), row-major, width*height long.
 * @param {Uint8Array} raw
 * @param {{width: number, height: number, bitDepth: number, channels: number}} header
 * @returns {Uint8Array | Uint16Array}
 */
function unfilter(raw, { width, height, bitDepth, channels }) {
  const bitsPerPixel = bitDepth * channels;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  if (raw.length < height * (stride + 1)) throw new Error("PNG data is truncated");
  const out = bitDepth === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  let prev = new Uint8Array(stride);
  let line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const filter = raw[start];
    for (let x = 0; x < stride; x++) {
      const r = raw[start + 1 + x];
      const a = x >= bpp ? line[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      let v;
      switch (filter) {
        case 0: v = r; break;
        case 1: v = r + a; break;
        case 2: v = r + b; break;
        case 3: v = r + ((a + b) >> 1); break;
        case 4: v = r + paeth(a, b, c); break;
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      line[x] = v & 255;
    }
    const row = y * width;
    if (bitDepth === 16) {
      const step = 2 * channels;
      for (let x = 0; x < width; x++) out[row + x] = (line[x * step] << 8) | line[x * step + 1];
    } else if (bitDepth === 8) {
      for (let x = 0; x < width; x++) out[row + x] = line[x * channels];
    } else {
      const perByte = 8 / bitDepth;
      const mask = (1 << bitDepth) - 1;
      for (let x = 0; x < width; x++) {
        const byte = line[Math.floor(x / perByte)];
        const shift = 8 - bitDepth * ((x % perByte) + 1);
        out[row + x] = (byte >> shift) & mask;
      }
    }
    const t = prev;
    prev = line;
    line = t;
  }
  return out;
}

/**
 * Inflate a zlib stream with DecompressionStream.
 * @param {Uint8Array} bytes
 */
async function inflate(bytes) {
  const stream = new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (bytes)]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decode a PNG's first channel exactly: `{width, height, data}`.
 * @param {ArrayBufferLike | ArrayBufferView} buffer
 * @returns {Promise<{width: number, height: number, data: Uint8Array | Uint16Array}>}
 */
export async function decodeMaskPng(buffer) {
  const png = parsePng(buffer);
  const raw = await inflate(png.compressed);
  return { width: png.width, height: png.height, data: unfilter(raw, png) };
}
