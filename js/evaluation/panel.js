// @ts-check
// The evaluation panel beside the table (docs/protocol.md "Evaluation"): the `evaluation` trait drawn as the
// summary metrics, a confidence-threshold slider, status chips, a sortable per-class table, the confusion matrix
// as a Plotly heatmap, and — when comparing two evaluation versions — both versions' metrics with deltas and the
// regressions. Every click puts an ordinary filter (sent by the kernel) into the `filter` trait, so the filter
// editor shows it and the table shows exactly those examples.
//
// Stable data-role attributes: evaluation (root; data-kind), eval-threshold (range input; data-committed = the
// threshold the kernel evaluated), eval-threshold-value, eval-metrics / eval-metric (data-name; data-value),
// eval-chip (data-status, data-count), eval-classes (table), eval-sort (header button; data-column,
// aria-sort on its th), eval-class-filter (data-class, data-status), eval-confusion (data-drawn="plotly"|
// "fallback"), eval-cell (fallback grid and hidden test hooks; data-truth, data-pred, data-count, data-rows),
// eval-color-by (button), eval-compare, eval-compare-metric, eval-regression (data-name), eval-direction
// (buttons data-value="worse"|"better").

import { el } from "../dom.js";
import { get, onChange, setTraits } from "../state.js";
import { chartTheme } from "../theme.js";
import { heatmapSpec } from "./heatmap.js";

/**
 * @import { EvaluationState, Model, OverlayDict } from "../types/protocol"
 * @import { Plotly } from "../charts.js"
 */

const COMMIT_EVERY_MS = 250;
const COUNT_COLUMNS = new Set(["tp", "fp", "fn", "support", "ground_truth", "pixels"]);

/**
 * A metric value as text: counts as integers, the rest with 3 decimals; null as "–".
 * @param {string} name
 * @param {unknown} value
 */
export function formatMetric(name, value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  if (COUNT_COLUMNS.has(name) || name === "abstained" || Number.isInteger(value) && Math.abs(value) > 1) return String(value);
  return value.toFixed(3);
}

/**
 * A signed delta as text ("+0.012", "−0.100").
 * @param {number | null | undefined} d
 */
export function formatDelta(d) {
  if (d === null || d === undefined || !Number.isFinite(d)) return "–";
  const text = Math.abs(d).toFixed(3);
  return d > 0 ? `+${text}` : d < 0 ? `−${text}` : "0.000";
}

/**
 * Row order of the class table sorted by `column` (nulls last either way).
 * @param {(string | number | null)[][]} rows
 * @param {number} column
 * @param {boolean} desc
 * @returns {number[]}
 */
export function sortOrder(rows, column, desc) {
  const idx = rows.map((_, i) => i);
  idx.sort((a, b) => {
    const x = rows[a][column];
    const y = rows[b][column];
    if (x === y) return a - b;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return desc ? -c : c;
  });
  return idx;
}

/**
 * @param {object} props
 * @param {Model} props.model
 * @param {() => Promise<Plotly>} props.loadPlotly
 * @returns {{el: HTMLElement, cleanup: () => void}}
 */
export function createEvaluationPanel({ model, loadPlotly }) {
  const root = el("aside", "tl-eval", null, { "data-role": "evaluation", "aria-label": "evaluation" });
  /** @type {{column: number, desc: boolean}} */
  let sort = { column: -1, desc: true };
  let direction = /** @type {"worse" | "better"} */ ("worse");
  /** @type {HTMLElement | null} */
  let heat = null;
  /** @type {Plotly | null} */
  let plotly = null;
  let drawn = 0;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let lastCommit = 0;
  let dragging = false;

  /** @param {string | null | undefined} filter */
  const applyFilter = (filter) => {
    if (filter) setTraits(model, { filter });
  };

  function state() {
    return /** @type {EvaluationState} */ (get(model, "evaluation") || {});
  }

  function draw() {
    const s = state();
    const kind = s.kind;
    root.hidden = !kind;
    if (!kind) {
      root.replaceChildren();
      return;
    }
    root.dataset.kind = kind;
    const title = el("div", "tl-eval-title", `${kind} evaluation`);
    const parts = [title, threshold(s), metrics(s), chips(s), colorBy(s), compare(s), classes(s), confusion(s)];
    root.replaceChildren(...parts.filter((p) => p !== null));
  }

  /** @param {EvaluationState} s */
  function threshold(s) {
    const range = s.range;
    if (!range || !s.live) {
      if (s.threshold === null || s.threshold === undefined) return null;
      return el("div", "tl-eval-row", `confidence ≥ ${formatMetric("t", s.threshold)} (as logged)`);
    }
    const lo = Math.min(0, Math.floor(range.min * 100) / 100);
    const hi = Math.max(1, Math.ceil(range.max * 100) / 100);
    const value = s.threshold ?? lo;
    const input = el("input", null, null, {
      type: "range",
      min: lo,
      max: hi,
      step: 0.01,
      "data-role": "eval-threshold",
      "data-committed": String(s.threshold ?? ""),
      "aria-label": `${range.score} threshold`,
    });
    input.value = String(value);
    const output = el("output", "tl-eval-value", formatMetric("t", value), { "data-role": "eval-threshold-value" });
    const commit = () => {
      timer = null;
      lastCommit = Date.now();
      const v = Number(input.value);
      setTraits(model, { eval_threshold: v <= lo ? null : v });
    };
    input.addEventListener("input", () => {
      dragging = true;
      output.textContent = formatMetric("t", Number(input.value));
      if (timer === null) timer = setTimeout(commit, Math.max(0, COMMIT_EVERY_MS - (Date.now() - lastCommit)));
    });
    input.addEventListener("change", () => {
      dragging = false;
      if (timer !== null) clearTimeout(timer);
      commit();
    });
    const row = el("label", "tl-eval-threshold");
    row.append(el("span", "tl-eval-label", `${range.score} ≥`), input, output);
    return row;
  }

  /** @param {EvaluationState} s */
  function metrics(s) {
    const box = el("div", "tl-eval-metrics", null, { "data-role": "eval-metrics" });
    for (const [name, value] of s.headline || []) {
      box.append(
        el(
          "div",
          "tl-eval-metric",
          null,
          { "data-role": "eval-metric", "data-name": name, "data-value": value === null ? "" : String(value) },
        ),
      );
      const item = /** @type {HTMLElement} */ (box.lastElementChild);
      item.append(el("span", "tl-eval-metric-name", name), el("span", "tl-eval-metric-value", formatMetric(name, value)));
    }
    return box;
  }

  /** @param {EvaluationState} s */
  function chips(s) {
    if (!s.chips || !s.chips.length) return null;
    const row = el("div", "tl-eval-chips");
    for (const chip of s.chips) {
      const b = el("button", `tl-eval-chip tl-eval-chip-${chip.name}`, `${chip.name.toUpperCase()} ${chip.count}`, {
        type: "button",
        "data-role": "eval-chip",
        "data-status": chip.name,
        "data-count": chip.count,
        title: `rows with ${chip.name}: ${chip.filter}`,
      });
      b.addEventListener("click", () => applyFilter(chip.filter));
      row.append(b);
    }
    return row;
  }

  /** @param {EvaluationState} s */
  function colorBy(s) {
    if (s.kind !== "detection" || !s.layers) return null;
    const layers = s.layers;
    const overlay = /** @type {OverlayDict} */ (get(model, "overlay") || {});
    const on = overlay.color_by === "status";
    const b = el("button", "tl-eval-color", on ? "boxes: by match status" : "boxes: by class", {
      type: "button",
      "data-role": "eval-color-by",
      "aria-pressed": on ? "true" : "false",
      title: "color boxes by class, or by match status (TP, FP, FN dashed)",
    });
    b.addEventListener("click", () => {
      const cur = /** @type {OverlayDict} */ (get(model, "overlay") || {});
      /** @type {OverlayDict} */
      const next = { ...cur, color_by: cur.color_by === "status" ? "class" : "status", truth_layers: [layers.ground_truth] };
      setTraits(model, { overlay: next });
    });
    return b;
  }

  /** @param {EvaluationState} s */
  function classes(s) {
    const c = s.classes;
    if (!c || !c.rows.length) return null;
    const table = el("table", "tl-eval-classes", null, { "data-role": "eval-classes" });
    const head = el("tr");
    c.columns.forEach((name, j) => {
      const th = el("th");
      if (sort.column === j) th.setAttribute("aria-sort", sort.desc ? "descending" : "ascending");
      const b = el("button", "tl-eval-sort", name, { type: "button", "data-role": "eval-sort", "data-column": name });
      b.addEventListener("click", () => {
        sort = { column: j, desc: sort.column === j ? !sort.desc : j !== 0 };
        draw();
      });
      th.append(b);
      head.append(th);
    });
    table.append(head);
    const order = sort.column >= 0 ? sortOrder(c.rows, sort.column, sort.desc) : c.rows.map((_, i) => i);
    for (const i of order) {
      const row = c.rows[i];
      const tr = el("tr");
      row.forEach((v, j) => {
        const name = c.columns[j];
        const td = el("td", j === 0 ? "tl-eval-class" : "tl-eval-num");
        const filter = c.filters[i] && c.filters[i][name];
        if (filter && typeof v === "number" && v > 0) {
          const b = el("button", "tl-eval-link", formatMetric(name, v), {
            type: "button",
            "data-role": "eval-class-filter",
            "data-class": String(row[0]),
            "data-status": name,
            title: filter,
          });
          b.addEventListener("click", () => applyFilter(filter));
          td.append(b);
        } else {
          td.textContent = j === 0 ? String(v) : formatMetric(name, v);
        }
        tr.append(td);
      });
      table.append(tr);
    }
    const scroll = el("div", "tl-eval-scroll");
    scroll.append(table);
    return scroll;
  }

  /** @param {EvaluationState} s */
  function confusion(s) {
    const cm = s.confusion;
    if (!cm || !cm.labels.length) return null;
    const box = el("div", "tl-eval-confusion", null, { "data-role": "eval-confusion" });
    box.append(el("div", "tl-eval-subtitle", `confusion (${cm.unit}; click a cell for its rows)`));
    heat = el("div", "tl-eval-heatmap");
    box.append(heat);
    // cell hooks: the counts and filters as data (hidden; the heatmap is what people click)
    const hooks = el("div", "tl-eval-cells", null, { hidden: "" });
    cm.labels.forEach((truth, a) =>
      cm.labels.forEach((pred, b) => {
        const f = cm.filters[a][b];
        const cell = el("button", null, `${truth} → ${pred}`, {
          type: "button",
          "data-role": "eval-cell",
          "data-truth": truth,
          "data-pred": pred,
          "data-count": cm.values[a][b],
          "data-rows": cm.rows[a][b],
          "data-a": a,
          "data-b": b,
        });
        if (f) cell.addEventListener("click", () => applyFilter(f));
        hooks.append(cell);
      }),
    );
    box.append(hooks);
    drawHeatmap(cm);
    return box;
  }

  /** @param {NonNullable<EvaluationState["confusion"]>} cm */
  function drawHeatmap(cm) {
    const target = heat;
    if (!target) return;
    const token = ++drawn;
    loadPlotly()
      .then(async (P) => {
        if (token !== drawn || !target.isConnected) return;
        plotly = P;
        const spec = heatmapSpec(cm, chartTheme(root), Math.max(200, (root.clientWidth || 340) - 16));
        await P.newPlot(target, spec.data, spec.layout, spec.config);
        target.closest('[data-role="eval-confusion"]')?.setAttribute("data-drawn", "plotly");
        const graph = /** @type {HTMLElement & {on?: (event: string, fn: (e: any) => void) => void}} */ (target);
        if (graph.on) {
          graph.on("plotly_click", (e) => {
            const p = e && e.points && e.points[0];
            if (!p) return;
            const a = cm.labels.indexOf(String(p.y));
            const b = cm.labels.indexOf(String(p.x));
            if (a >= 0 && b >= 0) applyFilter(cm.filters[a][b]);
          });
        }
      })
      .catch(() => {
        if (token !== drawn || !target.isConnected) return;
        // no plotly: the cells as a grid of buttons
        target.closest('[data-role="eval-confusion"]')?.setAttribute("data-drawn", "fallback");
        const grid = el("table", "tl-eval-grid");
        const head = el("tr");
        head.append(el("th", null, "truth \\ pred"));
        for (const l of cm.labels) head.append(el("th", null, l));
        grid.append(head);
        cm.labels.forEach((truth, a) => {
          const tr = el("tr");
          tr.append(el("th", null, truth));
          cm.labels.forEach((_, b) => {
            const td = el("td");
            const f = cm.filters[a][b];
            const btn = el("button", "tl-eval-link", String(cm.values[a][b]), { type: "button", title: f || "" });
            if (f) btn.addEventListener("click", () => applyFilter(f));
            td.append(btn);
            tr.append(td);
          });
          grid.append(tr);
        });
        target.replaceChildren(grid);
      });
  }

  /** @param {EvaluationState} s */
  function compare(s) {
    const c = s.compare;
    if (!c) return null;
    const box = el("div", "tl-eval-compare", null, { "data-role": "eval-compare" });
    box.append(el("div", "tl-eval-subtitle", `A: ${c.a}  ·  B: ${c.b}`));
    if (c.note) box.append(el("div", "tl-eval-note", c.note));
    const table = el("table", "tl-eval-classes");
    const head = el("tr");
    for (const h of ["metric", "A", "B", "Δ"]) head.append(el("th", null, h));
    table.append(head);
    for (const [name, a, b, d] of c.metrics) {
      const tr = el("tr", null, null, { "data-role": "eval-compare-metric", "data-name": name });
      tr.append(el("td", "tl-eval-class", name), el("td", "tl-eval-num", formatMetric(name, a)), el("td", "tl-eval-num", formatMetric(name, b)));
      tr.append(el("td", `tl-eval-num ${d !== null && d < 0 ? "tl-eval-worse" : d !== null && d > 0 ? "tl-eval-better" : ""}`, formatDelta(d)));
      table.append(tr);
    }
    box.append(table);
    if (c.regressions.length) {
      const toggle = el("div", "tl-eval-direction", null, { role: "group", "aria-label": "examples to show" });
      for (const [value, text] of [
        ["worse", "right → wrong"],
        ["better", "wrong → right"],
      ]) {
        const b = el("button", null, text, { type: "button", "data-role": "eval-direction", "data-value": value, "aria-pressed": direction === value ? "true" : "false" });
        b.addEventListener("click", () => {
          direction = /** @type {"worse" | "better"} */ (value);
          draw();
        });
        toggle.append(b);
      }
      box.append(el("div", "tl-eval-subtitle", "regressions (A → B, worst first)"), toggle);
      const list = el("ol", "tl-eval-regressions");
      for (const r of c.regressions) {
        const li = el("li");
        const b = el("button", "tl-eval-link", null, {
          type: "button",
          "data-role": "eval-regression",
          "data-name": r.name,
          "data-kind": r.kind,
          title: direction === "worse" ? r.worse : r.better,
        });
        b.append(
          el("span", "tl-eval-class", r.name),
          el("span", "tl-eval-num", ` ${r.metric || ""} ${formatMetric("m", r.a)} → ${formatMetric("m", r.b)} `),
          el("span", `tl-eval-num ${r.delta !== null && r.delta < 0 ? "tl-eval-worse" : "tl-eval-better"}`, formatDelta(r.delta)),
        );
        b.addEventListener("click", () => applyFilter(direction === "worse" ? r.worse : r.better));
        li.append(b);
        list.append(li);
      }
      box.append(list);
    }
    return box;
  }

  const redraw = () => {
    if (dragging) {
      // keep the slider under the pointer: refresh everything else
      const slider = root.querySelector('[data-role="eval-threshold"]');
      const keep = slider ? slider.closest(".tl-eval-threshold") : null;
      draw();
      const fresh = root.querySelector(".tl-eval-threshold");
      if (keep && fresh) fresh.replaceWith(keep);
      if (slider) slider.setAttribute("data-committed", String(state().threshold ?? ""));
      return;
    }
    draw();
  };
  const off = onChange(model, ["evaluation"], redraw);
  const offOverlay = onChange(model, ["overlay"], () => {
    const b = root.querySelector('[data-role="eval-color-by"]');
    if (!b) return;
    const on = /** @type {OverlayDict} */ (get(model, "overlay") || {}).color_by === "status";
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.textContent = on ? "boxes: by match status" : "boxes: by class";
  });
  draw();
  return {
    el: root,
    cleanup() {
      off();
      offOverlay();
      if (timer !== null) clearTimeout(timer);
      if (plotly && heat) plotly.purge(heat);
      root.remove();
    },
  };
}
