// @ts-check
// tablelens store browser: the anywidget front end of `tl.Store(dir).explore()` (kernel side:
// widget/tablelens/explorer/store_browser.py; messages in docs/protocol.md "The store browser"). Its own small
// entry (static/store.js): the artifact list, the selection's details, and the lineage graph, whose layout
// library (dagre) is an asset loaded when the graph is first shown.
//
// Stable data-role attributes: "store-browser" (the root; data-view = "list" | "graph"), "tab" (buttons with
// data-view, aria-pressed), "explode" (the Explode checkbox), "refresh", "notice" (data-level), "store-summary",
// and those of js/store-browser/list.js, detail.js and graph-view.js.

import "../theme.css";
import "./store.css";
import { button, el } from "../dom.js";
import { watchHostTheme } from "../theme.js";
import { createDetail } from "./detail.js";
import { formatSize } from "./format.js";
import { createGraphView } from "./graph-view.js";
import { createList } from "./list.js";
import { createRequests } from "./requests.js";

/** @import { StoreModel, StoreTraitName } from "../types/store" */

/**
 * @param {{model: StoreModel, el: HTMLElement}} props
 */
function render({ model, el: host }) {
  const root = el("div", "tl-store tl-theme", null, { "data-role": "store-browser" });
  const requests = createRequests(model);
  /** @param {string} key */
  const select = (key) => {
    model.set("selected", key);
    model.save_changes();
  };
  /** @param {Parameters<Parameters<typeof createDetail>[0]["act"]>[0]} action */
  const act = async (action) => {
    try {
      const { msg } = await requests.request({ type: "action", ...action });
      return msg.type === "action" && msg.ok;
    } catch (err) {
      showNotice({ level: "error", message: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };

  const header = el("div", "tl-store-header");
  const summary = el("div", "tl-store-summary", null, { "data-role": "store-summary" });
  const tabs = el("div", "tl-tabs");
  const listTab = button("tl-tab", "Artifacts", () => setView("list"), { "data-role": "tab", "data-view": "list" });
  const graphTab = button("tl-tab", "Graph", () => setView("graph"), { "data-role": "tab", "data-view": "graph" });
  const explode = el("input", null, null, { type: "checkbox", "data-role": "explode" });
  const explodeLabel = el("label", "tl-explode", null, { title: "One node per version and per run" });
  explodeLabel.append(explode, " Explode");
  const refresh = button("tl-btn", "Refresh", () => void act({ action: "refresh" }), { "data-role": "refresh" });
  tabs.append(listTab, graphTab, explodeLabel, refresh);
  header.append(summary, tabs);
  const notice = el("div", "tl-notice", null, { "data-role": "notice" });
  notice.hidden = true;
  const body = el("div", "tl-store-body");
  const main = el("div", "tl-store-main");
  const list = createList({ onSelect: select });
  const graph = createGraphView({ requests, onSelect: select });
  const detail = createDetail({ onSelect: select, act });
  main.append(list.el, graph.el);
  body.append(main, detail.el);
  root.append(header, notice, body);

  /** @param {"list" | "graph"} view */
  function setView(view) {
    model.set("view", view);
    model.save_changes();
  }
  explode.addEventListener("change", () => {
    model.set("explode", explode.checked);
    model.save_changes();
  });

  /** @param {{level?: string, message?: string}} n */
  function showNotice(n) {
    notice.hidden = !n.message;
    notice.textContent = n.message || "";
    notice.dataset.level = n.level || "info";
  }

  const drawSummary = () => {
    const o = model.get("overview") || {};
    const arts = o.artifacts || [];
    const versions = arts.reduce((s, a) => s + a.count, 0);
    summary.replaceChildren(
      el("strong", null, "Store "), el("code", null, model.get("store_dir")),
      el("span", "tl-hint", ` ${arts.length} artifact${arts.length === 1 ? "" : "s"}, ${versions} version${versions === 1 ? "" : "s"}, ` +
        `${o.runs ?? 0} run${o.runs === 1 ? "" : "s"}; ${formatSize(o.size)} logical, ${formatSize(o.stored)} stored`),
    );
  };
  const drawList = () => list.update(model.get("overview") || {}, model.get("selected"));
  const drawView = () => {
    const view = model.get("view");
    root.dataset.view = view;
    listTab.setAttribute("aria-pressed", String(view === "list"));
    graphTab.setAttribute("aria-pressed", String(view === "graph"));
    explode.checked = !!model.get("explode");
    explodeLabel.hidden = view !== "graph";
    list.el.hidden = view !== "list";
    graph.el.hidden = view !== "graph";
    if (view === "graph") graph.show({ explode: !!model.get("explode"), selected: model.get("selected") });
  };
  const drawDetail = () => detail.update(model.get("detail") || {}, !!model.get("busy"));

  /** @type {[StoreTraitName[], () => void][]} */
  const wiring = [
    [["overview", "store_dir"], () => { drawSummary(); drawList(); }],
    [["selected"], () => { drawList(); graph.select(model.get("selected")); }],
    [["view", "explode"], drawView],
    [["graph_version"], () => { graph.reload(); drawView(); }],
    [["detail", "busy"], drawDetail],
    [["notice"], () => showNotice(model.get("notice") || {})],
  ];
  /** @type {(() => void)[]} */
  const cleanups = [];
  for (const [names, fn] of wiring) {
    const handler = () => fn();
    for (const n of names) model.on(`change:${n}`, handler);
    cleanups.push(() => { for (const n of names) model.off(`change:${n}`, handler); });
  }
  drawSummary();
  drawList();
  drawDetail();
  host.append(root);
  drawView(); // after mounting: the graph fits itself to the space it has
  cleanups.push(watchHostTheme(root, () => {}));

  return () => {
    for (const c of cleanups.splice(0)) c();
    list.cleanup();
    graph.cleanup();
    detail.cleanup();
    requests.dispose();
    root.remove();
  };
}

export default { initialize() {}, render };
