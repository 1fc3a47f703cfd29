/**
 * Results of the data tools people load as tables: a DuckDB result (`DuckDBResultReader` from
 * `runAndReadAll`/`streamAndReadUntil`, or a `DuckDBMaterializedResult` from `run`) and an `apache-arrow`
 * `Table`. They become the same `Table` as row arrays (table.ts), so they render alike.
 *
 * Recognised by shape — class name plus the methods read here — never by `instanceof`, which would mean
 * requiring the libraries: a kernel that never loads DuckDB or Arrow must not pay for them, and the value
 * may come from a copy of the package in another folder than ours.
 *
 * @module
 */
import { cellText, TABLE_ROWS, type Table } from "./table";

interface DuckDBReaderLike {
  columnNames(): string[];
  readonly currentRowCount: number;
  getRowsJS(): unknown[][];
}
interface DuckDBChunkLike {
  readonly rowCount: number;
  getRows(): unknown[][];
}
interface DuckDBMaterializedLike {
  columnNames(): string[];
  readonly rowCount: number;
  readonly chunkCount: number;
  getChunk(i: number): DuckDBChunkLike;
}
interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { fields: { name: string }[] };
  getChildAt(i: number): { get(row: number): unknown } | null;
}

const ARROW_TABLE = Symbol.for("apache-arrow/Table");

function className(v: object): string | undefined {
  return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
}

function hasMethods(v: object, names: readonly string[]): boolean {
  return names.every((n) => typeof (v as Record<string, unknown>)[n] === "function");
}

/** A cell value table.ts can print: primitives and dates as they are; DuckDB/Arrow value objects as text. */
function toCell(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== "object" || v instanceof Date) return v;
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<unknown>).join(", ")}]`;
  const s = String(v);
  if (s !== "[object Object]") return s;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return s;
  }
}

function fromDuckDBReader(r: DuckDBReaderLike, limit: number): Table {
  const columns = r.columnNames();
  const rows = r
    .getRowsJS()
    .slice(0, limit)
    .map((row) => row.map(toCell));
  // A reader holds the rows read so far (all of them after runAndReadAll; a prefix after readUntil).
  return { columns, rows, total: r.currentRowCount };
}

function fromDuckDBMaterialized(m: DuckDBMaterializedLike, limit: number): Table {
  const rows: unknown[][] = [];
  for (let i = 0; i < m.chunkCount && rows.length < limit; i++) {
    for (const row of m.getChunk(i).getRows()) {
      if (rows.length >= limit) break;
      rows.push(row.map(toCell));
    }
  }
  return { columns: m.columnNames(), rows, total: m.rowCount };
}

function fromArrow(t: ArrowTableLike, limit: number): Table {
  const columns = t.schema.fields.map((f) => f.name);
  const n = Math.min(t.numRows, limit);
  const vectors = columns.map((_, i) => t.getChildAt(i));
  const rows = Array.from({ length: n }, (_, r) => vectors.map((vec) => toCell(vec?.get(r))));
  return { columns, rows, total: t.numRows };
}

/** The value as a table when it is a DuckDB result or an Arrow table; undefined otherwise. */
export function asDataToolTable(value: unknown, limit = TABLE_ROWS): Table | undefined {
  if (!value || typeof value !== "object") return undefined;
  const name = className(value);
  if (name === "DuckDBResultReader" && hasMethods(value, ["columnNames", "getRowsJS"]))
    return fromDuckDBReader(value as DuckDBReaderLike, limit);
  if (name === "DuckDBMaterializedResult" && hasMethods(value, ["columnNames", "getChunk"]))
    return fromDuckDBMaterialized(value as DuckDBMaterializedLike, limit);
  // apache-arrow marks its tables with a registered symbol (its own `isTable` test), stable across copies.
  if (
    (value as Record<symbol, unknown>)[ARROW_TABLE] === true &&
    typeof (value as ArrowTableLike).numRows === "number" &&
    Array.isArray((value as ArrowTableLike).schema?.fields) &&
    hasMethods(value, ["getChildAt"])
  )
    return fromArrow(value as ArrowTableLike, limit);
  return undefined;
}

const TEXT_ROWS = 10;
const TEXT_WIDTH = 30;

/** The table as aligned text (the `text/plain` fallback): header, first rows, and the size. */
export function tableText(t: Table, what: string): string {
  const clip = (s: string) => (s.length > TEXT_WIDTH ? s.slice(0, TEXT_WIDTH - 1) + "…" : s);
  const shown = t.rows.slice(0, TEXT_ROWS).map((r) => r.map((v) => clip(v === null ? "NULL" : cellText(v))));
  const head = t.columns.map(clip);
  const widths = head.map((h, i) => Math.max(h.length, ...shown.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const out = [`${what}: ${t.total.toLocaleString("en-US")} rows × ${t.columns.length} columns`, line(head)];
  out.push(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of shown) out.push(line(r));
  if (t.total > shown.length) out.push(`… ${(t.total - shown.length).toLocaleString("en-US")} more rows`);
  return out.join("\n");
}

/** What the value is, for the text fallback's first line. */
export function dataToolName(value: object): string {
  const name = className(value);
  return name === "DuckDBResultReader" || name === "DuckDBMaterializedResult" ? `DuckDB ${name}` : "Arrow Table";
}
