// @ts-check
// The sidebar: the artifact's versions (each with a Compare action), its saved views (data-role="views"; one
// click applies a view: items carry data-view, their button data-action="apply-view") and its tables.

import { button, el } from "./dom.js";
import { get, onChange, setTraits, versionSpec } from "./state.js";
import { TABLE_COLORS } from "./theme.js";

/** @import { Model } from "./types/protocol" */
/** @import { Actions } from "./actions.js" */

/**
 * The table name shown in `source_label` ("preds:v3 / predictions" -> "predictions"), or "".
 * @param {string | null | undefined} sourceLabel
 */
export function currentTableName(sourceLabel) {
  const s = String(sourceLabel || "");
  const i = s.lastIndexOf(" / ");
  return i >= 0 ? s.slice(i + 3).trim() : "";
}

/**
 * Short date for the versions list: "2024-01-02 03:04".
 * @param {string | null | undefined} iso
 */
export function shortDate(iso) {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)/.exec(String(iso || ""));
  return m ? `${m[1]} ${m[2]}` : String(iso || "");
}

/**
 * @param {{model: Model, actions?: Actions}} ctx
 */
export function createSidebar({ model, actions }) {
  const root = el("aside", "tl-sidebar", null, { "data-role": "sidebar", "aria-label": "versions and tables" });
  const source = el("div", "tl-source");
  const versionsHead = el("div", "tl-sidebar-head", "Versions");
  const versions = el("ul", "tl-list tl-versions", null, { "data-role": "versions" });
  const viewsHead = el("div", "tl-sidebar-head", "Views");
  const views = el("ul", "tl-list tl-views", null, { "data-role": "views" });
  const tablesHead = el("div", "tl-sidebar-head", "Tables");
  const tables = el("ul", "tl-list tl-tables", null, { "data-role": "tables" });
  root.append(source, versionsHead, versions, viewsHead, views, tablesHead, tables);

  function drawViews() {
    const list = get(model, "saved_views");
    const current = get(model, "current_view");
    views.replaceChildren();
    if (!list.length) views.append(el("li", "tl-muted", "no saved views (View ▾ › Save view)"));
    for (const v of list) {
      const li = el("li", "tl-view", null, { "data-view": v.name });
      li.classList.toggle("tl-current", v.name === current);
      const apply = button("tl-link tl-view-name", v.name, null, {
        "data-action": "apply-view",
        title: `${v.description ? `${v.description}\n` : ""}apply this view (revision ${v.revision}${v.saved_on ? `, saved on ${v.saved_on}` : ""})`,
      });
      apply.addEventListener("click", () => {
        if (!actions) return;
        apply.disabled = true;
        actions.applyView(v.name).catch((err) => actions.notify(err instanceof Error ? err.message : String(err), "warning")).finally(() => {
          apply.disabled = false;
        });
      });
      li.append(apply);
      const meta = [`r${v.revision}`, v.saved_on ? `on ${v.saved_on}` : "", v.created_at ? shortDate(v.created_at) : ""].filter(Boolean).join(" · ");
      li.append(el("div", "tl-muted tl-view-meta", meta));
      if (v.description) li.append(el("div", "tl-view-description", v.description));
      views.append(li);
    }
  }

  function draw() {
    const label = get(model, "source_label");
    source.textContent = label;
    source.title = label;
    const list = get(model, "versions");
    const comparing = get(model, "compare");
    versions.replaceChildren();
    if (!list.length) versions.append(el("li", "tl-muted", "no versions"));
    for (const v of list) {
      const spec = versionSpec(v, label);
      const compared = !!v.compared || (!!comparing && comparing === spec);
      const li = el("li", "tl-version", null, { "data-version": String(v.version) });
      li.classList.toggle("tl-current", !!v.current);
      li.classList.toggle("tl-compared", compared);
      const line = el("div", "tl-version-line");
      const name = el("span", "tl-version-name", String(v.version));
      if (v.current) name.style.setProperty("--tl-side-color", TABLE_COLORS[0]);
      if (compared) name.style.setProperty("--tl-side-color", TABLE_COLORS[1]);
      line.append(name);
      for (const a of v.aliases || []) line.append(el("span", "tl-alias", a));
      if (v.current) line.append(el("span", "tl-badge", "A"));
      else if (compared) line.append(el("span", "tl-badge tl-badge-b", "B"));
      li.append(line);
      if (v.created_at) li.append(el("div", "tl-muted tl-version-date", shortDate(v.created_at)));
      if (!v.current) {
        const action = compared
          ? button("tl-link", "Stop comparing", () => setTraits(model, { compare: "" }), { "data-action": "stop-compare" })
          : button("tl-link", "Compare", () => setTraits(model, { compare: spec }), { "data-action": "compare", title: `compare with ${spec}` });
        li.append(action);
      }
      versions.append(li);
    }
    const names = get(model, "tables");
    const current = currentTableName(label);
    tables.replaceChildren();
    if (!names.length) tables.append(el("li", "tl-muted", "—"));
    for (const t of names) {
      const li = el("li", "tl-table-name", t, { "data-table": t });
      if (t === current || names.length === 1) li.classList.add("tl-current");
      tables.append(li);
    }
  }

  const off = onChange(model, ["versions", "tables", "source_label", "compare"], draw);
  const offViews = onChange(model, ["saved_views", "current_view"], drawViews);
  draw();
  drawViews();
  return {
    el: root,
    cleanup() {
      off();
      offViews();
      root.remove();
    },
  };
}
