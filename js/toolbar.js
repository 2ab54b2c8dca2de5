// The toolbar: filter editor (with its error and recent filters), Group by, Sort, Compare, quick filter,
// column visibility, media controls, busy indicator and row count. Each control writes its trait and saves;
// each redraws from the traits when they change (from the UI or from Python).

import { rowCountText } from "./cells.js";
import { button, el, popover, setOptions } from "./dom.js";
import { errorFor, get, isCompareMode, onChange, setTraits, versionSpec } from "./state.js";
import { TABLE_COLORS } from "./theme.js";

const QUICK_FILTERS = [
  ["all", "All"],
  ["both", "In both"],
  ["only0", "Only in A"],
  ["only1", "Only in B"],
];

const NOT_GROUPABLE = new Set(["count", "image", "images", "hist", "counts", "ndarray", "list", "dict", "json"]);

/** The text and caret line that point at `position` in `text` (a window of at most `width` characters). */
export function errorSnippet(text, position, width = 60) {
  const s = String(text ?? "").replace(/\s/g, " ");
  const pos = Math.max(0, Math.min(Number(position) || 0, s.length));
  let start = Math.max(0, pos - Math.floor(width / 2));
  const end = Math.min(s.length, start + width);
  start = Math.max(0, Math.min(start, end - width));
  const prefix = start > 0 ? "…" : "";
  const suffix = end < s.length ? "…" : "";
  const line = `${prefix}${s.slice(start, end)}${suffix}`;
  const caret = `${" ".repeat(prefix.length + pos - start)}^`;
  return { line, caret };
}

/** Column names a user can group by or sort on, from what the explorer has seen, in first-seen order. */
export function columnChoices(seen, forGroup) {
  const out = [];
  for (const [name, kind] of seen) if (!forGroup || !NOT_GROUPABLE.has(kind)) out.push(name);
  return out;
}

/** Toggle a sort key's direction or append it; returns the new sort list. */
export function addSortKey(sort, column) {
  const i = sort.findIndex(([c]) => c === column);
  if (i >= 0) return sort.map(([c, d], j) => (j === i ? [c, d === "asc" ? "desc" : "asc"] : [c, d]));
  return [...sort, [column, "asc"]];
}

/**
 * @param ctx `{model, seenColumns: Map<name, kind>, suggestPaths: () => string[], media, mediaCtx,
 *              toggleSidebar}`
 */
export function createToolbar(ctx) {
  const { model } = ctx;
  const cleanups = [];
  const root = el("div", "tl-toolbar");

  // ------------------------------------------------------------ first line: filter
  const filterRow = el("div", "tl-toolbar-row tl-filter-row");
  const sidebarToggle = button("tl-icon-button tl-sidebar-toggle", "☰", () => ctx.toggleSidebar(), {
    title: "versions and tables",
    "aria-label": "show or hide the versions and tables",
  });
  const filterBox = el("div", "tl-filter-box");
  const filterInput = el("textarea", "tl-filter-input", null, {
    "data-role": "filter",
    rows: "1",
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "Filter, e.g. {$gt: ['$score', 0.5]} — Enter applies, Shift+Enter new line",
    "aria-label": "filter expression",
  });
  const applyButton = button("tl-button tl-apply", "Apply", () => applyFilter(), { title: "apply the filter (Enter)" });
  const clearButton = button("tl-icon-button tl-clear", "×", () => {
    filterInput.value = "";
    applyFilter();
  }, { title: "clear the filter", "aria-label": "clear the filter" });

  const recent = el("div", "tl-recent", null, { "data-role": "recent-filters" });
  const recentButton = button("tl-button tl-recent-button", "Recent ▾", null, { title: "recent filters" });
  const recentList = el("ul", "tl-menu tl-recent-list", null, { role: "menu" });
  recent.append(recentButton, recentList);
  const recentPop = popover(recentButton, recentList);
  cleanups.push(recentPop.cleanup);

  const filterSlot = el("div", "tl-error-slot");
  filterBox.append(filterInput, clearButton);
  // recent filters also drop down under the editor while it has the focus: one click applies one
  const suggest = el("ul", "tl-menu tl-filter-suggest", null, { role: "listbox", "aria-label": "recent filters" });
  suggest.hidden = true;
  const filterCol = el("div", "tl-filter-col");
  filterCol.append(filterBox, suggest, filterSlot);
  filterRow.append(sidebarToggle, filterCol, applyButton, recent);

  function resizeFilter() {
    filterInput.style.height = "auto";
    const h = Math.min(filterInput.scrollHeight || 0, 160);
    if (h) filterInput.style.height = `${h}px`;
  }

  function applyFilter(text) {
    suggest.hidden = true;
    const value = (text ?? filterInput.value).trim();
    filterInput.value = value;
    resizeFilter();
    setTraits(model, { filter: value });
  }

  filterInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      applyFilter();
    } else if (ev.key === "Escape") {
      filterInput.value = get(model, "filter");
      resizeFilter();
    }
    ev.stopPropagation(); // typing here must not drive the table's keyboard navigation
  });
  filterInput.addEventListener("input", () => {
    resizeFilter();
    drawSuggest();
  });
  filterInput.addEventListener("focus", () => drawSuggest());
  filterInput.addEventListener("blur", () => {
    suggest.hidden = true;
  });

  function drawSuggest() {
    const text = filterInput.value.trim();
    const filters = get(model, "recent_filters").filter((f) => f !== text && (!text || f.includes(text)));
    suggest.replaceChildren();
    for (const f of filters.slice(0, 10)) {
      const li = el("li", null, null, { role: "none" });
      const item = button("tl-menu-item", f, () => {
        suggest.hidden = true;
        applyFilter(f);
      }, { role: "option", title: f });
      item.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the focus: no blur before click
      li.append(item);
      suggest.append(li);
    }
    suggest.hidden = filters.length === 0 || document.activeElement !== filterInput;
  }

  function drawRecent() {
    const filters = get(model, "recent_filters");
    recentList.replaceChildren();
    recentButton.disabled = filters.length === 0;
    for (const f of filters) {
      const li = el("li", null, null, { role: "none" });
      const item = button("tl-menu-item tl-recent-item", f, () => {
        recentPop.close();
        applyFilter(f);
      }, { role: "menuitem", title: f, "data-filter": f });
      li.append(item);
      recentList.append(li);
    }
  }

  // ------------------------------------------------------------ second line: view controls
  const viewRow = el("div", "tl-toolbar-row tl-view-row");

  // Group by
  const groupBox = el("div", "tl-control tl-group");
  const groupLabel = el("label", "tl-control-label", "Group by");
  const groupSelect = el("select", "tl-select", null, { "data-role": "group-by", "aria-label": "group by" });
  const groupChips = el("span", "tl-chips");
  const groupPath = el("input", "tl-path-input", null, {
    type: "text",
    placeholder: "+ path",
    title: "add a group key: a column or a nested path such as $meta.source (Enter)",
    "aria-label": "add a group key",
  });
  const groupSlot = el("div", "tl-error-slot");
  groupBox.append(groupLabel, groupSelect, groupChips, groupPath, groupSlot);
  groupSelect.addEventListener("change", () => {
    const value = groupSelect.value;
    const rest = get(model, "group_by").slice(1).filter((k) => k !== value);
    setTraits(model, { group_by: value ? [value, ...rest] : [] });
  });
  groupPath.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const value = groupPath.value.trim();
    if (!value) return;
    const keys = get(model, "group_by").filter((k) => k !== value);
    setTraits(model, { group_by: [...keys, value] });
    groupPath.value = "";
  });

  // Sort
  const sortBox = el("div", "tl-control tl-sort");
  const sortLabel = el("span", "tl-control-label", "Sort");
  const sortChips = el("span", "tl-chips");
  const sortSelect = el("select", "tl-select", null, { "data-role": "sort", "aria-label": "add a sort key" });
  const sortSlot = el("div", "tl-error-slot");
  sortBox.append(sortLabel, sortChips, sortSelect, sortSlot);
  sortSelect.addEventListener("change", () => {
    const value = sortSelect.value;
    if (!value) return;
    setTraits(model, { sort: addSortKey(get(model, "sort"), value) });
    sortSelect.value = "";
  });

  // Compare
  const compareBox = el("div", "tl-control tl-compare");
  const compareLabel = el("span", "tl-control-label", "Compare");
  const compareSelect = el("select", "tl-select", null, { "data-role": "compare", "aria-label": "compare with" });
  const compareSlot = el("div", "tl-error-slot");
  compareBox.append(compareLabel, compareSelect, compareSlot);
  compareSelect.addEventListener("change", () => setTraits(model, { compare: compareSelect.value }));

  // Quick filter (compare modes)
  const quick = el("div", "tl-segmented", null, { "data-role": "quick-filter", role: "group", "aria-label": "rows" });
  for (const [value, text] of QUICK_FILTERS) {
    const b = button("tl-segment", text, () => setTraits(model, { quick_filter: value }), { "data-value": value });
    if (value === "only0" || value === "only1") {
      const marker = el("span", "tl-side-dot");
      marker.style.background = TABLE_COLORS[value === "only0" ? 0 : 1];
      b.prepend(marker);
    }
    quick.append(b);
  }

  // Column visibility
  const columns = el("div", "tl-columns", null, { "data-role": "columns" });
  const columnsButton = button("tl-button", "Columns ▾", null, { title: "show or hide columns" });
  const columnsPanel = el("div", "tl-menu tl-columns-panel");
  columns.append(columnsButton, columnsPanel);
  const columnsPop = popover(columnsButton, columnsPanel, { onOpen: () => drawColumns() });
  cleanups.push(columnsPop.cleanup);

  function drawColumns() {
    const hidden = new Set(get(model, "hidden_columns"));
    const names = [...new Set([...get(model, "schema").map((c) => c.name), ...ctx.seenColumns.keys(), ...hidden])];
    columnsPanel.replaceChildren();
    const actions = el("div", "tl-columns-actions");
    actions.append(
      button("tl-link", "show all", () => setTraits(model, { hidden_columns: [] })),
    );
    columnsPanel.append(actions);
    for (const name of names) {
      const label = el("label", "tl-check");
      const box = el("input", null, null, { type: "checkbox", "data-column": name });
      box.checked = !hidden.has(name);
      box.addEventListener("change", () => {
        const now = new Set(get(model, "hidden_columns"));
        if (box.checked) now.delete(name);
        else now.add(name);
        setTraits(model, { hidden_columns: [...now] });
      });
      label.append(box, el("span", null, name));
      columnsPanel.append(label);
    }
    const n = hidden.size;
    columnsButton.textContent = n ? `Columns (${n} hidden) ▾` : "Columns ▾";
  }

  const mediaBox = el("div", "tl-media-controls");
  const spacer = el("span", "tl-spacer");
  const busySlot = el("span", "tl-busy-slot");
  const rowCount = el("span", "tl-row-count", null, { "data-role": "row-count", "aria-live": "polite" });
  const sourceLabel = el("span", "tl-source-label");
  viewRow.append(groupBox, sortBox, compareBox, quick, columns, mediaBox, spacer, busySlot, sourceLabel, rowCount);
  root.append(filterRow, viewRow);

  // ------------------------------------------------------------ drawing from traits
  function drawFilter() {
    filterInput.value = get(model, "filter");
    resizeFilter();
  }

  let errorNode = null;
  function drawError() {
    if (errorNode) errorNode.remove();
    errorNode = null;
    filterInput.removeAttribute("aria-invalid");
    const err = errorFor(model);
    if (!err) return;
    const control = err.control || "filter";
    const slot = { "group-by": groupSlot, sort: sortSlot, compare: compareSlot }[control] || filterSlot;
    errorNode = el("div", "tl-error", null, { "data-role": "error", "data-control": control, role: "alert" });
    const position = err.position;
    const hasPos = position !== null && position !== undefined && control === "filter";
    errorNode.append(el("span", "tl-error-message", err.message));
    if (hasPos) {
      errorNode.append(el("span", "tl-error-position", ` (at position ${position})`));
      const { line, caret } = errorSnippet(get(model, "filter"), position);
      errorNode.append(el("pre", "tl-error-snippet", `${line}\n${caret}`));
      filterInput.setAttribute("aria-invalid", "true");
      if (document.activeElement === filterInput) {
        const p = Math.min(Number(position), filterInput.value.length);
        try {
          filterInput.setSelectionRange(p, Math.min(p + 1, filterInput.value.length));
        } catch {
          // not all inputs support selection ranges
        }
      }
    }
    slot.append(errorNode);
  }

  function drawGroup() {
    const keys = get(model, "group_by");
    const choices = columnChoices(ctx.seenColumns, true);
    const paths = ctx.suggestPaths().filter((p) => !choices.includes(p));
    const first = keys[0] || "";
    const groups = [
      { options: [{ value: "", text: "none" }, ...choices.map((c) => ({ value: c, text: c }))] },
      { label: "nested", options: paths.map((p) => ({ value: p, text: p })) },
    ];
    if (first && !choices.includes(first) && !paths.includes(first)) groups[0].options.push({ value: first, text: first });
    setOptions(groupSelect, groups, first);
    groupChips.replaceChildren();
    keys.slice(1).forEach((k) => {
      const chip = el("span", "tl-chip", null, { "data-key": k });
      chip.append(el("span", "tl-muted", "then "), el("span", null, k));
      chip.append(button("tl-chip-x", "×", () => setTraits(model, { group_by: get(model, "group_by").filter((x) => x !== k) }), { "aria-label": `stop grouping by ${k}` }));
      groupChips.append(chip);
    });
  }

  function drawSort() {
    const sort = get(model, "sort");
    sortChips.replaceChildren();
    sort.forEach(([column, dir], i) => {
      const chip = el("span", "tl-chip", null, { "data-role": "sort-key", "data-column": column, "data-direction": dir });
      const flip = button("tl-chip-main", `${column} ${dir === "desc" ? "↓" : "↑"}`, () => {
        setTraits(model, { sort: get(model, "sort").map(([c, d], j) => (j === i ? [c, d === "desc" ? "asc" : "desc"] : [c, d])) });
      }, { title: `${dir === "desc" ? "descending" : "ascending"}: click to reverse`, "data-action": "direction" });
      const remove = button("tl-chip-x", "×", () => setTraits(model, { sort: get(model, "sort").filter((_, j) => j !== i) }), { "aria-label": `stop sorting by ${column}` });
      chip.append(flip, remove);
      sortChips.append(chip);
    });
    const choices = columnChoices(ctx.seenColumns, true);
    setOptions(sortSelect, [{ options: [{ value: "", text: sort.length ? "+ then by…" : "none" }, ...choices.map((c) => ({ value: c, text: c }))] }], "");
  }

  function drawCompare() {
    const versions = get(model, "versions");
    const label = get(model, "source_label");
    const current = get(model, "compare");
    const options = [{ value: "", text: "nothing" }];
    for (const v of versions) {
      if (v.current) continue;
      const spec = versionSpec(v, label);
      const aliases = (v.aliases || []).filter((a) => a !== v.version);
      options.push({ value: spec, text: String(v.version), title: aliases.length ? aliases.join(", ") : undefined });
    }
    if (current && !options.some((o) => o.value === current)) options.push({ value: current, text: current });
    setOptions(compareSelect, [{ options }], current);
    compareSelect.disabled = options.length <= 1;
    compareBox.classList.toggle("tl-active", !!current);
  }

  function drawQuick() {
    const compare = isCompareMode(get(model, "mode"));
    quick.hidden = !compare;
    const value = get(model, "quick_filter");
    for (const b of quick.querySelectorAll("button")) {
      const on = b.dataset.value === value;
      b.setAttribute("aria-pressed", String(on));
      b.classList.toggle("tl-on", on);
    }
  }

  function drawSource() {
    const label = get(model, "source_label");
    sourceLabel.textContent = label;
    sourceLabel.title = label;
    sourceLabel.hidden = !label;
  }

  function drawCount() {
    const n = get(model, "num_rows");
    rowCount.textContent = rowCountText(n, get(model, "total_rows"), get(model, "mode"));
    rowCount.dataset.count = String(n);
  }

  let busyNode = null;
  function drawBusy() {
    const busy = !!get(model, "busy");
    if (busy && !busyNode) {
      busyNode = el("span", "tl-busy", null, { "data-role": "busy", role: "status", "aria-label": "running" });
      busyNode.append(el("span", "tl-spinner"), el("span", "tl-busy-text", "running…"));
      busySlot.append(busyNode);
    } else if (!busy && busyNode) {
      busyNode.remove();
      busyNode = null;
    }
  }

  let mediaCleanup = null;
  let mediaSchemaKey = "";
  function drawMedia() {
    const schema = get(model, "schema");
    const key = JSON.stringify(schema.filter((c) => c.kind === "image" || c.kind === "images"));
    if (key === mediaSchemaKey) return;
    mediaSchemaKey = key;
    if (mediaCleanup) mediaCleanup();
    mediaCleanup = null;
    mediaBox.replaceChildren();
    if (!ctx.media || !ctx.mediaCtx) return;
    try {
      const c = ctx.media.renderMediaControls(mediaBox, schema, ctx.mediaCtx);
      if (typeof c === "function") mediaCleanup = c;
    } catch (err) {
      mediaBox.append(el("span", "tl-cell-error", `media controls failed: ${err.message || err}`));
    }
  }

  function drawAll() {
    drawFilter();
    drawError();
    drawRecent();
    drawGroup();
    drawSort();
    drawCompare();
    drawQuick();
    drawCount();
    drawSource();
    drawBusy();
    drawMedia();
    drawColumns();
  }

  cleanups.push(
    onChange(model, ["filter"], drawFilter),
    onChange(model, ["error"], drawError),
    onChange(model, ["recent_filters"], drawRecent),
    onChange(model, ["group_by", "schema"], drawGroup),
    onChange(model, ["sort", "schema"], drawSort),
    onChange(model, ["compare", "versions", "source_label"], drawCompare),
    onChange(model, ["quick_filter", "mode"], drawQuick),
    onChange(model, ["num_rows", "total_rows", "mode"], drawCount),
    onChange(model, ["busy"], drawBusy),
    onChange(model, ["source_label"], drawSource),
    onChange(model, ["schema"], drawMedia),
    onChange(model, ["schema", "hidden_columns"], drawColumns),
  );
  drawAll();

  return {
    el: root,
    /** Redraw what depends on columns seen in rows (nested paths for Group by). */
    refreshColumns() {
      drawGroup();
      drawSort();
    },
    focusFilter() {
      filterInput.focus();
    },
    cleanup() {
      for (const c of cleanups.splice(0)) c();
      if (mediaCleanup) mediaCleanup();
      root.remove();
    },
  };
}
