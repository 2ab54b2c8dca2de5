// @ts-check
// Keyboard navigation of the table, as a pure function of the focused cell, the key and the table's size.

/** @typedef {null | "select" | "select-range" | "next-page" | "prev-page" | "clear" | "open"} NavAction */
/** @typedef {{row: number, col: number, action: NavAction, handled: boolean}} NavResult */

/**
 * Where the focus goes after `key`.
 * @param {{row?: number, col?: number}} pos the focused cell (row -1 = none yet)
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, shiftKey?: boolean}} event
 * @param {{rows: number, cols: number, hasPrev?: boolean, hasNext?: boolean}} dims rows/columns on this page;
 *   whether other pages exist
 * @returns {NavResult} action is null, "select" (toggle the focused row), "select-range", "next-page",
 *   "prev-page", "clear" (Escape), or "open" (expand the focused cell); `handled` false when the key is not ours
 *   (let the browser have it).
 */
export function navigate(pos, event, dims) {
  const rows = Math.max(0, dims.rows | 0);
  const cols = Math.max(1, dims.cols | 0);
  let row = Math.min(Math.max(pos.row ?? -1, -1), rows - 1);
  let col = Math.min(Math.max(pos.col ?? 0, 0), cols - 1);
  const mod = event.ctrlKey || event.metaKey;
  /** @type {(action?: NavAction, handled?: boolean) => NavResult} */
  const out = (action = null, handled = true) => ({ row, col, action, handled });
  if (rows === 0) return out(null, false);
  if (row < 0) {
    // first key press only puts the focus on the first row
    if (["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
      row = 0;
      return out();
    }
  }
  switch (event.key) {
    case "ArrowDown":
      if (mod) row = rows - 1;
      else if (row < rows - 1) row += 1;
      else if (dims.hasNext) return { row: 0, col, action: "next-page", handled: true };
      return out(event.shiftKey ? "select-range" : null);
    case "ArrowUp":
      if (mod) row = 0;
      else if (row > 0) row -= 1;
      else if (dims.hasPrev) return { row: -2, col, action: "prev-page", handled: true }; // -2 = last row of that page
      return out(event.shiftKey ? "select-range" : null);
    case "ArrowRight":
      col = mod ? cols - 1 : Math.min(col + 1, cols - 1);
      return out();
    case "ArrowLeft":
      col = mod ? 0 : Math.max(col - 1, 0);
      return out();
    case "Home":
      if (mod) row = 0;
      col = 0;
      return out();
    case "End":
      if (mod) row = rows - 1;
      col = cols - 1;
      return out();
    case "PageDown":
      return dims.hasNext ? { row: 0, col, action: "next-page", handled: true } : ((row = rows - 1), out());
    case "PageUp":
      return dims.hasPrev ? { row: 0, col, action: "prev-page", handled: true } : ((row = 0), out());
    case " ":
    case "Spacebar":
    case "Enter":
      if (row < 0) return out(null, false);
      return out(event.shiftKey ? "select-range" : "select");
    case "Escape":
      return out("clear");
    case "o":
    case "F2":
      return row < 0 ? out(null, false) : out("open");
    default:
      return out(null, false);
  }
}

/**
 * Keys of the rows from index `a` to `b` inclusive (either order).
 * @template T
 * @param {T[]} keys
 * @param {number} a
 * @param {number} b
 * @returns {T[]}
 */
export function rangeKeys(keys, a, b) {
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(keys.length - 1, Math.max(a, b));
  return keys.slice(lo, hi + 1);
}

/**
 * The selection after toggling `key`: a new array.
 * @template T
 * @param {T[]} selected
 * @param {T} key
 * @returns {T[]}
 */
export function toggleKey(selected, key) {
  return selected.includes(key) ? selected.filter((k) => k !== key) : [...selected, key];
}

/**
 * The selection with every key of `keys` added (`on`) or removed.
 * @template T
 * @param {T[]} selected
 * @param {T[]} keys
 * @param {boolean} on
 * @returns {T[]}
 */
export function setKeys(selected, keys, on) {
  const set = new Set(selected);
  for (const k of keys) on ? set.add(k) : set.delete(k);
  return [...set];
}
