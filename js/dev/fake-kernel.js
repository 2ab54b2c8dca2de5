// @ts-check
// A fake kernel for trying the built front end in a plain browser page, without Jupyter (see harness.html).
// It holds a small generated table and answers the messages of docs/protocol.md roughly the way the real kernel
// does: enough to look at every view (rows, groups, compare, compare-groups), not a query engine.

/**
 * @import { BrowserMessage, KernelMessage, Model, Traits } from "../types/protocol"
 */
/** @typedef {{_key: number, cells: Record<string, any>}} FakeRow a row with loosely typed cells (made here) */

const N = 240;
const LABELS = ["cat", "dog", "bird", "<img src=x onerror=alert(1)>"];

/** @param {number} seed */
function rand(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * @param {number} version
 * @returns {FakeRow[]}
 */
function makeRows(version) {
  const r = rand(version * 7919);
  const rows = [];
  for (let i = 0; i < N; i++) {
    if (version === 4 && i % 11 === 0) continue; // rows only in v3
    const score = Math.round(r() * 1000) / 1000 + (version === 4 ? 0.05 : 0);
    rows.push({
      _key: i,
      cells: {
        id: i,
        score: i % 37 === 5 ? { $num: "NaN" } : score,
        label: LABELS[Math.floor(r() * LABELS.length)],
        text: i % 9 === 0 ? `a long caption ${"lorem ipsum dolor sit amet ".repeat(12)}` : `row ${i}`,
        ok: r() > 0.5,
        created: { $date: new Date(Date.UTC(2024, 0, 1 + (i % 28), i % 24)).toISOString() },
        meta: { source: i % 2 ? "web" : "camera", size: { w: 64 + i, h: 48 }, tags: ["a", "b"].slice(0, i % 3) },
        emb: { $ndarray: { shape: [3, 4], dtype: "float32", values: Array.from({ length: 12 }, () => Math.round(r() * 100) / 100) } },
        maybe: i % 4 === 0 ? null : i,
        image: {
          $image: {
            key: `img-${i % 17}`,
            width: 64,
            height: 48,
            caption: `image ${i}`,
            classes: [{ id: 0, name: "cat", color: null }, { id: 1, name: "dog", color: null }],
            boxes: { predictions: [{ minX: 0.1, maxX: 0.6, minY: 0.2, maxY: 0.7, domain: null, class_id: i % 2, box_caption: "box", scores: { conf: r() } }] },
            masks: {},
          },
        },
      },
    });
  }
  return rows;
}

/** @type {Record<string, import("../types/protocol").ColumnKind>} */
const KINDS = {
  id: "int", score: "float", label: "str", text: "str", ok: "bool", created: "datetime", meta: "dict",
  emb: "ndarray", maybe: "int", image: "image",
};

/**
 * @param {unknown[]} values
 * @param {number[]} edges
 */
function hist(values, edges) {
  /** @type {number[]} */
  const counts = new Array(edges.length - 1).fill(0);
  for (const v of values) {
    if (typeof v !== "number") continue;
    let b = Math.floor(((v - edges[0]) / (edges[edges.length - 1] - edges[0])) * counts.length);
    b = Math.min(counts.length - 1, Math.max(0, b));
    counts[b]++;
  }
  return counts;
}

/** @param {unknown[][]} lists */
function topCounts(lists) {
  /** @type {Map<string, number[]>} */
  const all = new Map();
  lists.forEach((list, t) => {
    for (const v of list) {
      const k = JSON.stringify(v);
      let c = all.get(k);
      if (!c) all.set(k, (c = [0, 0]));
      c[t]++;
    }
  });
  const entries = [...all.entries()].sort((a, b) => b[1][0] + b[1][1] - (a[1][0] + a[1][1])).slice(0, 5);
  return {
    values: entries.map(([k]) => JSON.parse(k)),
    counts: lists.map((_, t) => entries.map(([, c]) => c[t])),
  };
}

/**
 * A model proxy over a fake kernel.
 * @param {{delayMs?: number, traits?: Partial<Traits>}} [opts]
 * @returns {Model}
 */
export function createFakeKernel({ delayMs = 150, traits = {} } = {}) {
  /** @type {Record<number, FakeRow[]>} */
  const tables = { 3: makeRows(3), 4: makeRows(4) };
  /** @type {Traits} */
  const values = {
    filter: "", group_by: [], sort: [], compare: "", quick_filter: "all", hidden_columns: [], page_size: 50,
    overlay: { hidden_classes: {}, hidden_layers: [], score_min: {}, mask_opacity: 0.5, compare_style: "overlay" },
    recent_filters: [], source_label: "preds:v3 / predictions", schema: [], versions: [], tables: ["predictions", "ground_truth"],
    num_rows: 0, total_rows: N, mode: "rows", result_version: 0, error: {}, busy: false, selected_keys: [],
    saved_views: [], current_view: "", notice: {}, pending_edits: 0, editable_columns: [], panels: [],
    evaluation: {}, eval_threshold: null,
  };
  /** @type {Map<string, Set<(...args: any[]) => void>>} */
  const listeners = new Map();
  /** @type {FakeRow[]} */
  let result = [];
  /** @type {Uint8Array | null} */
  let plotlyBytes = null;

  /**
   * @param {string} event
   * @param {...unknown} args
   */
  const emit = (event, ...args) => {
    for (const cb of [...(listeners.get(event) || [])]) cb(...args);
  };
  /**
   * @template {keyof Traits} K
   * @param {K} name
   * @param {Traits[K]} value
   */
  const setTrait = (name, value) => {
    if (JSON.stringify(values[name]) === JSON.stringify(value)) return;
    values[name] = value;
    emit(`change:${name}`);
  };

  function compareVersion() {
    const m = /:v(\d+)$/.exec(values.compare || "");
    return m ? Number(m[1]) : null;
  }

  function versions() {
    const cv = compareVersion();
    return [
      { version: "v3", aliases: ["latest"], created_at: "2024-03-01T10:00:00Z", current: true, compared: false },
      { version: "v4", aliases: ["candidate"], created_at: "2024-03-02T11:30:00Z", current: false, compared: cv === 4 },
      { version: "v2", aliases: [], created_at: "2024-02-20T09:00:00Z", current: false, compared: cv === 2 },
    ];
  }

  /** @param {FakeRow[]} rows */
  function applyFilter(rows) {
    const f = values.filter.trim();
    if (!f) return rows;
    const m = /score'?,\s*([0-9.]+)/.exec(f);
    if (f.includes("$gt") && m) return rows.filter((r) => typeof r.cells.score === "number" && r.cells.score > Number(m[1]));
    if (f.includes("$lt") && m) return rows.filter((r) => typeof r.cells.score === "number" && r.cells.score < Number(m[1]));
    const l = /label'?,\s*'([^']*)'/.exec(f);
    if (l) return rows.filter((r) => r.cells.label === l[1]);
    throw Object.assign(new Error(`cannot read the filter near "${f.slice(0, 8)}"`), { position: Math.min(3, f.length) });
  }

  /** @param {FakeRow[]} rows */
  function sortRows(rows) {
    const keys = values.sort;
    if (!keys.length) return rows;
    return [...rows].sort((a, b) => {
      for (const [c, d] of keys) {
        const x = a.cells[c];
        const y = b.cells[c];
        const vx = typeof x === "object" && x ? JSON.stringify(x) : x;
        const vy = typeof y === "object" && y ? JSON.stringify(y) : y;
        if (vx === vy) continue;
        const r = vx === null || vx === undefined ? 1 : vy === null || vy === undefined ? -1 : vx < vy ? -1 : 1;
        return d === "desc" ? -r : r;
      }
      return 0;
    });
  }

  /**
   * @param {string[]} names
   * @param {boolean} compare
   * @returns {import("../types/protocol").SchemaColumn[]}
   */
  function baseSchema(names, compare) {
    return names
      .filter((n) => !values.hidden_columns.includes(n))
      .map((n) => ({ name: n, kind: compare && n !== "id" ? "compare" : KINDS[n], label: n, table: null }));
  }

  function run() {
    setTrait("busy", true);
    setTimeout(() => {
      try {
        const cv = compareVersion();
        const a = applyFilter(tables[3]);
        const b = cv ? applyFilter(tables[cv] || makeRows(cv)) : null;
        const names = Object.keys(KINDS);
        /** @type {import("../types/protocol").Mode} */
        let mode;
        /** @type {import("../types/protocol").SchemaColumn[]} */
        let schema;
        if (!values.group_by.length) {
          if (!b) {
            result = sortRows(a);
            mode = "rows";
            schema = baseSchema(names, false);
          } else {
            /** @type {Map<number, [FakeRow | null, FakeRow | null]>} */
            const byKey = new Map();
            for (const r of a) byKey.set(r._key, [r, null]);
            for (const r of b) byKey.set(r._key, [byKey.get(r._key)?.[0] || null, r]);
            let pairs = [...byKey.values()];
            const q = values.quick_filter;
            if (q === "both") pairs = pairs.filter(([x, y]) => x && y);
            if (q === "only0") pairs = pairs.filter(([x, y]) => x && !y);
            if (q === "only1") pairs = pairs.filter(([x, y]) => !x && y);
            result = sortRows(
              pairs.map(([x, y]) => {
                const row = /** @type {FakeRow} */ (x || y);
                /** @type {Record<string, any>} */
                const cells = { id: row.cells.id };
                for (const n of names) {
                  if (n === "id") continue;
                  cells[n] = { $cmp: [x ? x.cells[n] : { $absent: true }, y ? y.cells[n] : { $absent: true }] };
                }
                return { _key: row._key, cells };
              }),
            );
            mode = "compare";
            schema = baseSchema(names, true);
          }
        } else {
          const key = values.group_by[0];
          /** @param {FakeRow} r */
          const get = (r) => {
            if (key.startsWith("$")) return key.slice(1).split(".").reduce((/** @type {any} */ v, k) => (v && typeof v === "object" ? v[k] : null), r.cells);
            return r.cells[key];
          };
          /** @type {Map<string, FakeRow[][]>} */
          const groups = new Map();
          for (const [t, rows] of [a, b].entries()) {
            if (!rows) continue;
            for (const r of rows) {
              const k = JSON.stringify(get(r) ?? null);
              let g = groups.get(k);
              if (!g) groups.set(k, (g = [[], []]));
              g[t].push(r);
            }
          }
          const edges = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1];
          /** @param {FakeRow[][]} g */
          const lists = (g) => (b ? g : [g[0]]);
          result = [...groups.entries()].map(([k, g], i) => ({
            _key: i,
            cells: {
              count: b ? { $cmp: [g[0].length, g[1].length] } : g[0].length,
              score: { $hist: { edges, counts: lists(g).map((rows) => hist(rows.map((r) => r.cells.score), edges)) } },
              label: { $counts: topCounts(lists(g).map((rows) => rows.map((r) => r.cells.label))) },
              ok: { $counts: topCounts(lists(g).map((rows) => rows.map((r) => r.cells.ok))) },
              image: { $images: g[0].slice(0, 4).map((r) => r.cells.image.$image) },
              [key]: JSON.parse(k),
            },
          }));
          mode = b ? "compare-groups" : "groups";
          /** @type {import("../types/protocol").SchemaColumn[]} */
          const grouped = [
            { name: key, kind: "key", label: key, table: null },
            { name: "count", kind: "count", label: "count", table: null },
            { name: "score", kind: "hist", label: "score", table: null },
            { name: "label", kind: "counts", label: "label", table: null },
            { name: "ok", kind: "counts", label: "ok", table: null },
            { name: "image", kind: "images", label: "image", table: null },
          ];
          schema = grouped.filter((c, i) => !values.hidden_columns.includes(c.name) && (i < 2 || c.name !== key));
        }
        setTrait("error", {});
        if (values.filter && !values.recent_filters.includes(values.filter)) {
          setTrait("recent_filters", [values.filter, ...values.recent_filters].slice(0, 10));
        }
        setTrait("mode", mode);
        setTrait("schema", schema);
        setTrait("versions", versions());
        setTrait("num_rows", result.length);
        setTrait("result_version", values.result_version + 1);
      } catch (err) {
        const e = /** @type {Error & {position?: number}} */ (err);
        setTrait("error", { message: e.message, control: "filter", position: e.position ?? null });
      }
      setTrait("busy", false);
    }, delayMs);
  }

  /**
   * @param {string} key
   * @param {number} size
   */
  async function thumb(key, size) {
    const canvas = new OffscreenCanvas(Math.round((size * 4) / 3), size);
    const g = canvas.getContext("2d");
    if (!g) throw new Error("no 2d canvas");
    const hue = (Number(String(key).replace(/\D/g, "")) * 47) % 360;
    g.fillStyle = `hsl(${hue} 60% 60%)`;
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = "rgba(255,255,255,0.8)";
    g.beginPath();
    g.arc(canvas.width / 2, canvas.height / 2, size / 3, 0, Math.PI * 2);
    g.fill();
    return new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
  }

  /**
   * @param {BrowserMessage} msg
   * @returns {Promise<[KernelMessage, DataView[]]>}
   */
  async function answer(msg) {
    await new Promise((r) => setTimeout(r, delayMs / 3));
    if (msg.type === "rows") {
      const rows = result.slice(msg.offset, msg.offset + msg.limit);
      return [{ type: "rows", id: msg.id, result_version: values.result_version, offset: msg.offset, total: result.length, rows }, []];
    }
    if (msg.type === "asset") {
      plotlyBytes ||= new Uint8Array(await (await fetch(new URL("../../widget/tablelens/static/plotly.js", import.meta.url))).arrayBuffer());
      return [{ type: "asset", id: msg.id, name: msg.name, buffer: 0 }, [new DataView(plotlyBytes.buffer)]];
    }
    if (msg.type === "thumbs" || msg.type === "image") {
      const items = msg.type === "image" ? [{ key: msg.key, size: 480 }] : msg.items;
      /** @type {DataView[]} */
      const buffers = [];
      /** @type {import("../types/protocol").MediaItem[]} */
      const out = [];
      for (const it of items) {
        buffers.push(new DataView((await thumb(it.key, it.size)).buffer));
        out.push({ key: it.key, width: Math.round((it.size * 4) / 3), height: it.size, mime: "image/png", buffer: buffers.length - 1 });
      }
      return [{ type: msg.type, id: msg.id, items: out }, buffers];
    }
    if (msg.type === "masks") return [{ type: "masks", id: msg.id, items: msg.items.map((it) => ({ key: it.key, error: "no masks here" })) }, []];
    return [{ type: "error", id: /** @type {{id: number}} */ (msg).id, message: `unknown request ${/** @type {{type: string}} */ (msg).type}` }, []];
  }

  /** @type {Model} */
  const model = {
    get: (name) => values[name],
    set: (name, value) => setTrait(name, value),
    save_changes() {
      queueMicrotask(run);
    },
    send(msg) {
      answer(msg).then(([reply, buffers]) => emit("msg:custom", reply, buffers));
    },
    on(/** @type {string} */ event, /** @type {(...args: any[]) => void} */ cb) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
    },
    off(/** @type {string} */ event, /** @type {(...args: any[]) => void} */ cb) {
      listeners.get(event)?.delete(cb);
    },
  };
  Object.assign(values, traits);
  run();
  return model;
}
