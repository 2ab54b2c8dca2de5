// @ts-check
// The toolbar: on the first line the sidebar toggle, the filter editor and the recent filters; on the second
// Group by, Sort, Compare, the quick filter, column visibility, media controls, busy indicator, source label and
// row count. Each control is a component of its own (this folder) that writes its trait and saves, and redraws
// from the traits when they change (from the UI or from Python); errors go beside the control that caused them.

import { button, el } from "../dom.js";
import { createColumnsMenu } from "./columns-menu.js";
import { createCompareControl } from "./compare-control.js";
import { createEditsBar } from "./edits-bar.js";
import { createErrorView } from "./error-view.js";
import { createFilterEditor } from "./filter-editor.js";
import { createGroupBy } from "./group-by.js";
import { createMediaControlsSlot } from "./media-controls.js";
import { createNotice } from "./notice.js";
import { createQuickFilter } from "./quick-filter.js";
import { createRecentFilters } from "./recent-filters.js";
import { createSortControl } from "./sort-control.js";
import { createStatus } from "./status.js";
import { createViewActions } from "./view-actions.js";

/** @import { Model } from "../types/protocol" */
/** @import { MediaApi, MediaCtx, SeenColumns } from "../types/frontend" */
/** @import { Actions } from "../actions.js" */

/**
 * @typedef {object} ToolbarContext
 * @property {Model} model
 * @property {SeenColumns} seenColumns columns seen so far (the choices of Group by, Sort, column visibility)
 * @property {() => string[]} suggestPaths nested paths seen in the rows on screen
 * @property {MediaApi} [media]
 * @property {MediaCtx} [mediaCtx]
 * @property {() => void} toggleSidebar
 * @property {Actions} [actions] views, edits, exports (js/actions.js): the View menu, the edits bar
 */

/**
 * @param {ToolbarContext} ctx
 */
export function createToolbar(ctx) {
  const { model } = ctx;
  const root = el("div", "tl-toolbar");

  const sidebarToggle = button("tl-icon-button tl-sidebar-toggle", "☰", () => ctx.toggleSidebar(), {
    title: "versions and tables",
    "aria-label": "show or hide the versions and tables",
  });
  const filter = createFilterEditor({ model });
  const recent = createRecentFilters({ model, apply: filter.apply });
  const group = createGroupBy({ model, seenColumns: ctx.seenColumns, suggestPaths: ctx.suggestPaths });
  const sort = createSortControl({ model, seenColumns: ctx.seenColumns });
  const compare = createCompareControl({ model });
  const quick = createQuickFilter({ model });
  const columns = createColumnsMenu({ model, seenColumns: ctx.seenColumns });
  const mediaControls = createMediaControlsSlot({ model, media: ctx.media, mediaCtx: ctx.mediaCtx });
  const status = createStatus({ model });
  const notice = createNotice({ model });
  const viewActions = ctx.actions ? createViewActions({ model, actions: ctx.actions }) : null;
  const edits = ctx.actions ? createEditsBar({ model, actions: ctx.actions }) : null;
  const errors = createErrorView({
    model,
    slots: { filter: filter.errorSlot, "group-by": group.errorSlot, sort: sort.errorSlot, compare: compare.errorSlot },
    filterInput: filter.input,
    filterHasFocus: filter.hasFocus,
  });

  const filterRow = el("div", "tl-toolbar-row tl-filter-row");
  filterRow.append(sidebarToggle, filter.el, recent.el);
  const viewRow = el("div", "tl-toolbar-row tl-view-row");
  viewRow.append(group.el, sort.el, compare.el, quick.el, columns.el, mediaControls.el);
  if (viewActions) viewRow.append(viewActions.el);
  viewRow.append(el("span", "tl-spacer"), status.el);
  root.append(filterRow, viewRow, notice.el);
  if (edits) root.append(edits.el);

  const parts = [errors, filter, recent, group, sort, compare, quick, columns, mediaControls, status, notice];
  if (viewActions) parts.push(viewActions);
  if (edits) parts.push(edits);
  return {
    el: root,
    /** Redraw what depends on the columns seen and on the rows on screen (nested paths for Group by). */
    refreshColumns() {
      group.draw();
      sort.draw();
    },
    focusFilter() {
      filter.focus();
    },
    cleanup() {
      for (const p of parts) p.cleanup();
      root.remove();
    },
  };
}
