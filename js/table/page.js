// @ts-check
// The page on screen, shared by the table's parts: its rows, where it sits in the result, and the columns shown.

/** @import { Row, SchemaColumn } from "../types/protocol" */

/**
 * @typedef {object} Page
 * @property {Row[]} rows the rows on screen
 * @property {number} offset their offset in the result
 * @property {number} total rows (or groups) in the result, from the last answer
 * @property {number | null} shownVersion result_version of the rows on screen (null before the first answer)
 * @property {SchemaColumn[]} columns the visible schema entries
 */

/** @returns {Page} an empty page (before the first answer) */
export function emptyPage() {
  return { rows: [], offset: 0, total: 0, shownVersion: null, columns: [] };
}
