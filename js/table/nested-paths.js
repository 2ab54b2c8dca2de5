// @ts-check
// Nested paths seen in the dict cells on screen: the Group by control offers them.

import { decodeCell } from "../cells.js";

/** @import { Row, SchemaColumn } from "../types/protocol" */

/**
 * Nested paths (`$col.key.sub`) seen in the dict cells of `rows`, for the Group by suggestions.
 * @param {Pick<Row, "cells">[]} rows
 * @param {Pick<SchemaColumn, "name" | "kind">[]} schema
 * @param {{maxDepth?: number, limit?: number}} [opts]
 * @returns {string[]}
 */
export function nestedPaths(rows, schema, { maxDepth = 3, limit = 40 } = {}) {
  /** @type {Set<string>} */
  const out = new Set();
  /** @param {string} prefix @param {unknown} value @param {number} depth */
  const walk = (prefix, value, depth) => {
    if (out.size >= limit || depth > maxDepth) return;
    const d = decodeCell(value);
    if (d.type !== "dict") return;
    for (const [k, v] of Object.entries(d.value)) {
      const path = `${prefix}.${k}`;
      out.add(path);
      walk(path, v, depth + 1);
    }
  };
  for (const column of schema) {
    if (!["dict", "json", "mixed", "list"].includes(column.kind)) continue;
    for (const row of rows) walk(`$${column.name}`, row.cells ? row.cells[column.name] : undefined, 1);
  }
  return [...out].slice(0, limit);
}
