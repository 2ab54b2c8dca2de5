// @ts-check
// What is selected, in detail: a version (fields, aliases, tables with rows and schema, files, the runs that made
// and used it, its edits), a run, an artifact or a job type; and the management actions on a version: add, move
// and remove aliases, edit the description and metadata, delete, and open a table in an Explorer below.
//
// data-role="detail" (data-kind, data-key). Inside: links to other selections are buttons with data-key;
// "aliases" (chips data-alias with a data-action="remove-alias" button; data-field="alias" and
// data-action="add-alias"), "description", "metadata", "tables" (items data-role="table" data-table, each with a
// data-action="open" button), "files", "edits", data-action="edit" (then data-field="description" /
// "metadata" and data-action="save-edit" / "cancel-edit"), data-action="delete" (then data-field="force" and
// data-action="confirm-delete").

import { button, el } from "../dom.js";
import { formatSize, formatTime } from "./format.js";

/** @import { Detail, RunSummary, StoreRequest } from "../types/store" */

/** @typedef {StoreRequest extends infer R ? (R extends {type: "action"} ? Omit<R, "id" | "type"> : never) : never} Action */

/**
 * @param {{onSelect: (key: string) => void, act: (action: Action) => Promise<boolean>}} opts
 */
export function createDetail({ onSelect, act }) {
  const root = el("div", "tl-store-detail", null, { "data-role": "detail" });
  /** @param {MouseEvent} ev */
  const click = (ev) => {
    const target = /** @type {HTMLElement | null} */ (ev.target);
    const link = target?.closest("[data-key]");
    const key = link?.getAttribute("data-key");
    if (key && link instanceof HTMLButtonElement) onSelect(key);
  };
  root.addEventListener("click", click);

  /** @param {string} key @param {string} [text] */
  const link = (key, text) => button("tl-link", text ?? key, null, { "data-key": key });
  /** @param {RunSummary | null | undefined} r */
  const runLink = (r) => (r ? link(`run:${r.id}`, `${r.name || r.id}${r.job_type ? ` [${r.job_type}]` : ""}`) : el("span", null, "-"));
  /** @param {string} label @param {Node | string} value */
  const field = (label, value) => {
    const row = el("div", "tl-field");
    row.append(el("span", "tl-field-label", label), typeof value === "string" ? el("span", "tl-field-value", value) : value);
    return row;
  };
  /** @param {string} title @param {string} role */
  const section = (title, role) => {
    const s = el("section", "tl-detail-section", null, { "data-role": role });
    s.append(el("h4", null, title));
    return s;
  };
  /** @param {Node[]} items */
  const inline = (items) => {
    const span = el("span", "tl-inline");
    if (!items.length) span.append("-");
    for (const [i, n] of items.entries()) span.append(...(i ? [", ", n] : [n]));
    return span;
  };
  /** @param {unknown} value */
  const pre = (value) => el("pre", "tl-json", JSON.stringify(value, null, 2));

  /** @param {Extract<Detail, {kind: "version"}>} d */
  function version(d) {
    const out = [];
    const head = el("div", "tl-detail-head");
    head.append(el("h3", null, d.spec), el("span", "tl-badge", d.type));
    out.push(head);

    const aliases = section("Aliases", "aliases");
    const chips = el("div", "tl-chips");
    for (const a of d.aliases) {
      const chip = el("span", "tl-chip", a, { "data-alias": a });
      if (a !== "latest") {
        chip.append(button("tl-chip-x", "×", () => void act({ action: "remove-alias", name: d.name, alias: a }),
          { "data-action": "remove-alias", title: `Remove alias ${a}` }));
      }
      chips.append(chip);
    }
    const input = el("input", "tl-input", null, { "data-field": "alias", placeholder: "alias, e.g. production",
      "aria-label": "Alias to add or move here" });
    const add = button("tl-btn", "Add / move here", () => {
      const alias = input.value.trim();
      if (alias) void act({ action: "alias", spec: d.spec, alias }).then((ok) => { if (ok) input.value = ""; });
    }, { "data-action": "add-alias" });
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") add.click(); });
    const form = el("div", "tl-row");
    form.append(input, add);
    aliases.append(chips, form);
    out.push(aliases);

    const facts = section("Version", "facts");
    facts.append(
      field("digest", el("code", "tl-digest", d.digest)),
      field("created", formatTime(d.created_at)),
      field("size", `${formatSize(d.size)} in ${d.file_count} file${d.file_count === 1 ? "" : "s"}`),
      field("made by", runLink(d.made_by)),
      field("used by", inline(d.used_by.map(runLink))),
    );
    out.push(facts);

    const about = section("Description and metadata", "description");
    const text = el("p", "tl-description", d.description || "(no description)", { "data-field": "description-text" });
    const meta = pre(d.metadata);
    meta.setAttribute("data-role", "metadata");
    const editor = el("div", "tl-editor");
    editor.hidden = true;
    const descIn = el("textarea", "tl-input", null, { "data-field": "description", rows: 3, "aria-label": "Description" });
    const metaIn = el("textarea", "tl-input tl-mono", null, { "data-field": "metadata", rows: 6, "aria-label": "Metadata (JSON)" });
    const save = button("tl-btn tl-primary", "Save", () => {
      void act({ action: "edit", spec: d.spec, description: descIn.value, metadata: metaIn.value });
    }, { "data-action": "save-edit" });
    const cancel = button("tl-btn", "Cancel", () => { editor.hidden = true; }, { "data-action": "cancel-edit" });
    const buttons = el("div", "tl-row");
    buttons.append(save, cancel);
    editor.append(el("label", null, "Description"), descIn, el("label", null, "Metadata (JSON)"), metaIn, buttons,
      el("div", "tl-hint", "Edits are recorded beside the version; its files and digest never change."));
    const edit = button("tl-btn", "Edit", () => {
      descIn.value = d.description || "";
      metaIn.value = JSON.stringify(d.metadata, null, 2);
      editor.hidden = false;
      descIn.focus();
    }, { "data-action": "edit" });
    about.append(text, meta, edit, editor);
    out.push(about);

    const tables = section(`Tables (${d.tables.length})`, "tables");
    for (const t of d.tables) {
      const item = el("div", "tl-table-info", null, { "data-role": "table", "data-table": t.name });
      const line = el("div", "tl-row");
      line.append(el("strong", null, t.name));
      if (t.error) line.append(el("span", "tl-error", `cannot be read: ${t.error}`));
      else if (t.kind === "joined") line.append(el("span", null, `joined: ${t.table1} + ${t.table2} on ${JSON.stringify(t.join_key)}`));
      else line.append(el("span", "tl-rows", `${(t.rows ?? 0).toLocaleString()} rows`, { "data-rows": t.rows ?? 0 }));
      if (!t.error) {
        line.append(button("tl-btn tl-primary", "Open", () => void act({ action: "open", spec: d.spec, table: t.name }),
          { "data-action": "open", title: `Open ${t.name} in an Explorer below` }));
      }
      item.append(line);
      if (t.columns) {
        const cols = el("div", "tl-columns");
        for (const c of t.columns) cols.append(el("span", "tl-column", `${c.name}: ${c.kind}`, { "data-column": c.name }));
        item.append(cols);
      }
      tables.append(item);
    }
    out.push(tables);

    const files = section(`Files (${d.file_count})`, "files");
    const list = el("div", "tl-files");
    for (const f of d.files) {
      const row = el("div", "tl-file");
      row.append(el("span", "tl-file-path", f.path), el("span", "tl-store-size", formatSize(f.size)),
        el("code", "tl-digest", f.digest.slice(0, 12), { title: f.digest }));
      if (f.ref) row.append(el("span", "tl-hint", `from ${f.ref}`));
      list.append(row);
    }
    if (d.files.length < d.file_count) list.append(el("div", "tl-hint", `… ${d.file_count - d.files.length} more`));
    files.append(list);
    out.push(files);

    if (d.edits.length > 1 || d.alias_moves.length) {
      const history = section("History", "edits");
      for (const e of d.edits) {
        history.append(el("div", "tl-hint", `${formatTime(e.edited_at)}  ${e.revision ? `edit ${e.revision}` : "logged"}: ${e.description || "(no description)"}`));
      }
      for (const m of d.alias_moves) {
        history.append(el("div", "tl-hint", `${formatTime(m.at)}  alias ${m.alias}: ${m.previous || "-"} → ${m.version || "(removed)"}`));
      }
      out.push(history);
    }

    const danger = section("Delete", "delete");
    const confirm = el("div", "tl-confirm");
    confirm.hidden = true;
    const custom = d.aliases.filter((a) => a !== "latest");
    const force = el("input", null, null, { type: "checkbox", "data-field": "force" });
    const forceLabel = el("label", null, null);
    forceLabel.append(force, ` also remove its aliases (${custom.join(", ")})`);
    forceLabel.hidden = !custom.length;
    confirm.append(el("span", null, `Delete ${d.spec}? Its bytes stay until Store.gc().`), forceLabel,
      button("tl-btn tl-danger", "Delete", () => void act({ action: "delete", spec: d.spec, force: force.checked }),
        { "data-action": "confirm-delete" }),
      button("tl-btn", "Cancel", () => { confirm.hidden = true; }, { "data-action": "cancel-delete" }));
    danger.append(button("tl-btn tl-danger", "Delete version…", () => { confirm.hidden = false; }, { "data-action": "delete" }), confirm);
    out.push(danger);
    return out;
  }

  /** @param {Extract<Detail, {kind: "run"}>} d */
  function run(d) {
    const facts = section("Run", "facts");
    facts.append(
      field("job type", d.job_type || "-"), field("project", d.project || "-"),
      field("started", formatTime(d.started_at)), field("finished", formatTime(d.finished_at)),
      field("used", inline((d.used || []).map((s) => link(s)))),
      field("produced", inline((d.produced || []).map((s) => link(s)))),
    );
    const config = section("Config", "config");
    config.append(pre(d.config || {}));
    const head = el("div", "tl-detail-head");
    head.append(el("h3", null, String(d.name || d.id)), el("span", "tl-badge", "run"));
    return [head, facts, config];
  }

  /** @param {Extract<Detail, {kind: "artifact"}>} d */
  function artifact(d) {
    const head = el("div", "tl-detail-head");
    head.append(el("h3", null, d.name), el("span", "tl-badge", d.type));
    const facts = section("Artifact", "facts");
    facts.append(
      field("versions", inline([...d.versions].reverse().map((v) => link(`${d.name}:${v.version}`, v.version)))),
      field("aliases", Object.entries(d.aliases).map(([a, v]) => `${a} → ${v}`).join(", ") || "-"),
      field("size", `${formatSize(d.size)} logical, ${formatSize(d.stored)} stored`),
      field("updated", formatTime(d.updated_at)),
    );
    return [head, facts];
  }

  /** @param {Extract<Detail, {kind: "job"}>} d */
  function job(d) {
    const head = el("div", "tl-detail-head");
    head.append(el("h3", null, d.job_type), el("span", "tl-badge", "job type"));
    const runs = section(`Runs (${d.runs.length})`, "runs");
    for (const r of d.runs) {
      const row = el("div", "tl-row");
      row.append(link(`run:${r.id}`, String(r.name || r.id)), el("span", "tl-hint", formatTime(r.started_at)),
        el("span", "tl-hint", `used ${(r.used || []).join(", ") || "-"}; produced ${(r.produced || []).join(", ") || "-"}`));
      runs.append(row);
    }
    return [head, runs];
  }

  /**
   * @param {Detail} d
   * @param {boolean} busy
   */
  function update(d, busy) {
    root.toggleAttribute("data-busy", busy);
    const kind = "kind" in d ? d.kind : "";
    root.dataset.kind = kind || "none";
    root.dataset.key = "key" in d ? d.key : "";
    /** @type {HTMLElement[]} */
    let parts;
    if (d.kind === "version") parts = version(d);
    else if (d.kind === "run") parts = run(d);
    else if (d.kind === "artifact") parts = artifact(d);
    else if (d.kind === "job") parts = job(d);
    else if (d.kind === "error") parts = [el("div", "tl-error", d.message, { "data-role": "detail-error" })];
    else parts = [el("div", "tl-store-empty", "Select an artifact, a version or a run to see it here.")];
    root.replaceChildren(...parts);
  }

  return {
    el: root,
    update,
    cleanup() {
      root.removeEventListener("click", click);
      root.remove();
    },
  };
}
