/**
 * Tables from plain data, like a data frame's HTML in IPython: an array of plain row objects
 * (`[{ a: 1, b: "x" }, …]`) or an object of equal-length columns (`{ a: [1, 2], b: Float64Array }`).
 */

/** Rows shown in a table; the caption gives the total. */
export const TABLE_ROWS = 50;

export interface Table {
  columns: string[];
  /** The first TABLE_ROWS rows, cell by cell. */
  rows: unknown[][];
  total: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isCell(v: unknown): boolean {
  return (
    v === null || v === undefined || ["string", "number", "boolean", "bigint"].includes(typeof v) || v instanceof Date
  );
}

type Column = ArrayLike<unknown>;

function isColumn(v: unknown): v is Column {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** The value as a table, or undefined when it is not tabular data. */
export function asTable(value: unknown, limit = TABLE_ROWS): Table | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isPlainObject)) return undefined;
    const shown = value.slice(0, limit) as Array<Record<string, unknown>>;
    if (!shown.every((r) => Object.values(r).every(isCell))) return undefined;
    const columns = [...new Set(shown.flatMap((r) => Object.keys(r)))];
    if (columns.length === 0) return undefined;
    return { columns, rows: shown.map((r) => columns.map((c) => r[c])), total: value.length };
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 || !entries.every(([, v]) => isColumn(v))) return undefined;
    const total = (entries[0][1] as Column).length;
    if (total === 0 || !entries.every(([, v]) => (v as Column).length === total)) return undefined;
    const n = Math.min(total, limit);
    const rows = Array.from({ length: n }, (_, i) => entries.map(([, col]) => (col as Column)[i]));
    if (!rows.every((r) => r.every(isCell))) return undefined;
    return { columns: entries.map(([k]) => k), rows, total };
  }
  return undefined;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A cell as text: dates in ISO form, bigints with their `n` (as JavaScript prints them). */
export function cellText(v: unknown): string {
  if (v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return `${v}n`;
  return String(v);
}

/** An HTML table in JupyterLab's rendered-html style (it styles plain tables), with a caption when cut. */
export function tableHtml(t: Table): string {
  const head = `<thead><tr><th></th>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>`;
  const body = t.rows
    .map((r, i) => `<tr><th>${i}</th>${r.map((v) => `<td>${escapeHtml(cellText(v))}</td>`).join("")}</tr>`)
    .join("");
  const note =
    t.total > t.rows.length ? `<p>${t.rows.length} of ${t.total.toLocaleString("en-US")} rows shown</p>` : "";
  return `<div class="threadlab-table"><table class="dataframe"><caption>${t.total.toLocaleString("en-US")} rows × ${t.columns.length} columns</caption>${head}<tbody>${body}</tbody></table>${note}</div>`;
}
