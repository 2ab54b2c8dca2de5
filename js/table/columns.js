// @ts-check
// Column widths: a default per kind (compare cells get more room), the widths the user dragged (kept for the
// view), and the table's explicit width (fixed table layout needs one: the sum of the columns').

/** @import { ColumnKind, Mode, SchemaColumn } from "../types/protocol" */

/** @type {Partial<Record<ColumnKind, number>>} */
const DEFAULT_WIDTHS = {
  int: 90,
  float: 100,
  bool: 70,
  str: 220,
  datetime: 180,
  list: 200,
  dict: 220,
  json: 220,
  ndarray: 200,
  image: 130,
  images: 220,
  hist: 200,
  counts: 210,
  compare: 210,
  count: 90,
  key: 160,
  mixed: 140,
  null: 70,
};
/** Narrowest a column can be dragged to, in CSS pixels. */
export const MIN_WIDTH = 48;
/** Width of the selection column (checkbox and row number). */
export const SELECT_WIDTH = 64;

/**
 * Default width of a column, in CSS pixels.
 * @param {Pick<SchemaColumn, "kind" | "table"> | null | undefined} column
 * @param {Mode | string} mode
 */
export function defaultWidth(column, mode) {
  const base = (column && DEFAULT_WIDTHS[column.kind]) || 150;
  // compare cells hold two values (or a small bar chart): give them room
  if (mode === "compare" && column && column.table == null && !["key", "count"].includes(column.kind)) {
    return Math.max(base, column.kind === "image" ? 220 : 170);
  }
  return base;
}

/**
 * The widths of a table's columns: dragged ones, else the default of their kind.
 * @param {() => Mode} mode
 */
export function createWidths(mode) {
  /** @type {Map<string, number>} column name -> px */
  const dragged = new Map();
  return {
    /** @param {SchemaColumn} column */
    of: (column) => dragged.get(column.name) || defaultWidth(column, mode()),
    /** @param {string} name @param {number} px */
    set: (name, px) => void dragged.set(name, px),
    /** @param {string} name */
    reset: (name) => void dragged.delete(name),
    /**
     * Width of the whole table: the selection column and `columns`.
     * @param {SchemaColumn[]} columns
     */
    total(columns) {
      return columns.reduce((n, c) => n + (dragged.get(c.name) || defaultWidth(c, mode())), SELECT_WIDTH);
    },
  };
}
/** @typedef {ReturnType<typeof createWidths>} Widths */
