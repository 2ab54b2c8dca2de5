// @ts-check
// tablelens Explorer: the anywidget front end. It knows the kernel only through docs/protocol.md (types in
// js/types/protocol.d.ts). The view is made of components (each `{el, cleanup}`): the toolbar (js/toolbar/), the
// sidebar, and the table (js/table/); image cells, their overlays and the enlarged view are js/media's.
//
// Stable data-role attributes (automation and tests rely on them; one element each unless noted):
//   explorer        the root element
//   filter          the filter editor (a <textarea>; Enter applies, Shift+Enter adds a line)
//   error           the error of the last query, shown beside the control that caused it (present only while
//                   there is an error; data-control="filter"|"group-by"|"sort"|"compare")
//   recent-filters  the recent filters menu (its items are buttons with data-filter)
//   group-by        the Group by <select> (first key; further keys and nested paths through the "+ path" input)
//   sort            the <select> that adds a sort key; current keys are chips with data-role="sort-key"
//                   (data-column, data-direction) whose data-action="direction" button reverses them
//   compare         the Compare <select> (option values are version specs such as "preds:v4", "" = none)
//   quick-filter    the compare-mode row filter; buttons with data-value="all"|"both"|"only0"|"only1" and
//                   aria-pressed (hidden outside the compare modes)
//   columns         column visibility menu (checkboxes with data-column)
//   row-count       the number of matching rows or groups (text such as "12 of 100 rows", "7 groups";
//                   the number also in data-count)
//   busy            present while a query runs
//   sidebar         the sidebar; inside it:
//   versions        the versions list (items with data-version; buttons data-action="compare"|"stop-compare")
//   tables          the tables list (items with data-table)
//   views           the saved views list (items with data-view; their data-action="apply-view" button applies)
//   view-actions    the View menu: save view (data-field="view-name" / "view-description", data-action=
//                   "save-view"), copy-code, export (data-format), export-report, log-rows (js/toolbar/view-actions.js)
//   notice          what the last view / edit / subset action reported (data-level="info"|"warning")
//   edits           pending edits: data-count, buttons data-action="undo-edit" | "discard-edits" | "commit-edits"
//   cell-editor     the input of a cell being edited (double-click or F2); edit-error under it when refused;
//                   edited cells carry data-edited="true"
//   code            the tl.query(...) text shown by Copy as code (in a dialog)
//   row             (many) a table row, with data-key = the row's _key; aria-selected when selected
//   cell            (many) a table cell, with data-column = the column name
//   image           (many) the container of an image cell (drawn by js/media)
//   image-grid      (many) the container of a grouped `$images` cell (drawn by js/media)
//   histogram       (many) a chart container ($hist, $counts or numeric $cmp; data-chart="hist"|"counts"|"cmp";
//                   data-drawn="plotly"|"fallback" once drawn); click opens an interactive chart
//   dialog          the enlarged/interactive chart dialog while open
//   viewer          the enlarged image view while open (js/media)
//   media           (many) an audio, video, HTML, 3-D, Plotly or molecule cell (js/media/kinds/, data-kind)
//   long-text       (many) a long text cell (clipped; expand; Markdown in a sandboxed iframe)
//   panel           (many) a cell drawn by a user panel (data-panel = its name); panel-error when it failed
//   evaluation      the evaluation panel beside the table, shown when the `evaluation` trait is set
//                   (js/evaluation/panel.js lists its own roles)
// Pager buttons carry data-action="prev-page" / "next-page".
//
// Overlays (the chart dialog, the enlarged image view, the box hover card, the menus) are mounted inside the root
// element, never on document.body: in marimo the widget lives in a shadow root that holds its CSS. Modal ones are
// shown in the browser's top layer (<dialog> showModal, popover), so the host's scrolling and clipping around
// the widget do not move or cut them. The root carries the host's theme (js/theme.js, js/theme.css).

import "./theme.css";
import "./styles.css";
import "./views.css";
import { createActions } from "./actions.js";
import { createChartManager, loadPlotly } from "./charts.js";
import { el, openDialog } from "./dom.js";
import "./evaluation/panel.css";
import { createEvaluationPanel } from "./evaluation/panel.js";
import * as media from "./media/index.js";
import { createMediaContext, createProtocol } from "./protocol.js";
import { createSidebar } from "./sidebar.js";
import { get, isCompareMode, isGroupMode, onChange } from "./state.js";
import { createTable } from "./table/index.js";
import { nestedPaths } from "./table/nested-paths.js";
import { TABLE_COLORS, watchHostTheme } from "./theme.js";
import { createToolbar } from "./toolbar/index.js";

/** @import { RenderProps } from "./types/protocol" */
/** @import { SeenColumns } from "./types/frontend" */

/**
 * anywidget's render: draw the Explorer in `el`; returns the cleanup.
 * @param {RenderProps} props
 */
function render({ model, el: host }) {
  /** @type {(() => void)[]} */
  const cleanups = [];
  const root = el("div", "tl-explorer tl-theme", null, { "data-role": "explorer" });
  root.style.setProperty("--tl-a", TABLE_COLORS[0]);
  root.style.setProperty("--tl-b", TABLE_COLORS[1]);
  const protocol = createProtocol(model);
  const mediaSession = createMediaContext(protocol, model);
  mediaSession.ctx.overlayRoot = root;
  mediaSession.ctx.openDialog = (title, fill) => openDialog(root, title, fill);
  mediaSession.ctx.loadPlotly = () => loadPlotly(protocol);
  const charts = createChartManager({
    loadPlotly: () => loadPlotly(protocol),
    openDialog: (title, fill) => openDialog(root, title, fill),
  });

  /** @type {SeenColumns} columns seen so far (name -> kind): the choices of Group by, Sort and column visibility */
  const seenColumns = new Map();
  const noteSchema = () => {
    const mode = get(model, "mode");
    for (const c of get(model, "schema")) {
      if (c.kind === "count") continue;
      const known = seenColumns.get(c.name);
      if (!known || (!isGroupMode(mode) && !isCompareMode(mode))) seenColumns.set(c.name, c.kind);
    }
  };
  noteSchema();

  /** @type {ReturnType<typeof createTable> | null} */
  let table = null;
  const actions = createActions({ model, protocol, root, onEdited: () => table?.refresh() });
  const toolbar = createToolbar({
    model,
    seenColumns,
    suggestPaths: () => (table ? nestedPaths(table.rows(), table.columns()) : []),
    media,
    mediaCtx: mediaSession.ctx,
    toggleSidebar: () => {
      const open = root.classList.toggle("tl-sidebar-open");
      root.classList.toggle("tl-sidebar-closed", !open);
    },
    actions,
  });
  const sidebar = createSidebar({ model, actions });
  const tableView = createTable({
    model,
    protocol,
    media,
    mediaSession,
    charts,
    onRows: () => toolbar.refreshColumns(),
    actions,
  });

  table = tableView;
  const evaluation = createEvaluationPanel({ model, loadPlotly: () => loadPlotly(protocol) });
  const body = el("div", "tl-body");
  const main = el("div", "tl-main");
  main.append(tableView.el);
  body.append(sidebar.el, main, evaluation.el);
  root.append(toolbar.el, body);

  const drawMode = () => {
    const mode = get(model, "mode");
    root.dataset.mode = mode;
    root.classList.toggle("tl-compare-mode", isCompareMode(mode));
    root.classList.toggle("tl-group-mode", isGroupMode(mode));
    root.toggleAttribute("data-busy", !!get(model, "busy"));
  };
  const drawSidebarDefault = () => {
    if (root.classList.contains("tl-sidebar-open") || root.classList.contains("tl-sidebar-closed")) return;
    if (get(model, "versions").length > 1 || get(model, "tables").length > 1 || get(model, "saved_views").length) {
      root.classList.add("tl-sidebar-open");
    }
  };
  drawMode();
  drawSidebarDefault();
  cleanups.push(
    onChange(model, ["mode", "busy"], drawMode),
    onChange(model, ["versions", "tables", "saved_views"], drawSidebarDefault),
    onChange(model, ["schema", "mode"], () => {
      noteSchema();
      toolbar.refreshColumns();
    }),
    // the host's theme changed: redraw so that the charts take its colors
    watchHostTheme(root, () => tableView.redraw()),
    onChange(model, ["overlay"], () => {
      try {
        media.onOverlayChange(mediaSession.ctx);
      } catch (err) {
        console.error("tablelens: overlay redraw failed", err);
      }
    }),
  );

  host.append(root);
  return () => {
    for (const c of cleanups.splice(0)) c();
    tableView.cleanup();
    evaluation.cleanup();
    toolbar.cleanup();
    sidebar.cleanup();
    charts.dispose();
    mediaSession.newPage();
    protocol.dispose();
    root.remove();
  };
}

/** anywidget's initialize: nothing to set up per model (views do their own work, and anywidget waits little). */
function initialize() {
}

export default { initialize, render };
