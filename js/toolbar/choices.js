// @ts-check
// Which columns the Group by and Sort controls offer.

/** @import { ColumnKind } from "../types/protocol" */
/** @import { SeenColumns } from "../types/frontend" */

/** @type {ReadonlySet<ColumnKind>} kinds that can be neither grouped by nor sorted on */
const NOT_GROUPABLE = new Set(["count", "image", "images", "hist", "counts", "ndarray", "list", "dict", "json"]);

/**
 * Column names a user can group by or sort on, from what the explorer has seen, in first-seen order.
 * @param {SeenColumns} seen
 * @param {boolean} forGroup
 * @returns {string[]}
 */
export function columnChoices(seen, forGroup) {
  const out = [];
  for (const [name, kind] of seen) if (!forGroup || !NOT_GROUPABLE.has(kind)) out.push(name);
  return out;
}
