// @ts-check
// Sizes and times as people read them (the same forms as the `tablelens` command).

/**
 * @param {number | null | undefined} n bytes
 * @returns {string}
 */
export function formatSize(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  let value = n;
  for (const unit of ["B", "KiB", "MiB", "GiB", "TiB"]) {
    if (value < 1024 || unit === "TiB") return unit === "B" ? `${Math.round(value)} B` : `${value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
  return `${n} B`;
}

/**
 * An ISO time as local "YYYY-MM-DD HH:MM".
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function formatTime(iso) {
  if (!iso) return "-";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const p = (/** @type {number} */ x) => String(x).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
}
