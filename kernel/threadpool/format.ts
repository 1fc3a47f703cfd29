/**
 * `%threadpool info` as a compact table for people (JSON output is the info objects themselves).
 *
 * @module
 */
import type { ControllerInfo } from "./controller";

const COLUMNS: [string, (i: ControllerInfo) => string][] = [
  ["user_api", (i) => i.userApi],
  ["internal_api", (i) => i.internalApi],
  ["threads", (i) => (i.numThreads === null ? "-" : String(i.numThreads))],
  ["scope", (i) => i.scope],
  ["settable", (i) => (i.settable ? "yes" : "no")],
  ["version", (i) => i.version ?? "-"],
  ["layer/arch", (i) => [i.threadingLayer, i.architecture].filter(Boolean).join(" ") || "-"],
  ["where", (i) => i.filepath ?? i.prefix],
];

/** One row per pool, aligned columns, notes below the table. */
export function formatInfo(infos: readonly ControllerInfo[]): string {
  if (infos.length === 0) return "(no thread pools found)";
  const rows = [COLUMNS.map(([h]) => h), ...infos.map((i) => COLUMNS.map(([, f]) => f(i)))];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  "));
  lines.splice(1, 0, widths.map((w, c) => "-".repeat(c === widths.length - 1 ? Math.min(w, 40) : w)).join("  "));
  for (const i of infos) for (const n of i.notes ?? []) lines.push(`  ${i.userApi}/${i.internalApi}: ${n}`);
  return lines.join("\n");
}
