/**
 * Renders map progress as a Jupyter display bundle (HTML and a text/plain fallback). Pure functions: the
 * kernel sends them with display_data / update_display_data at most every 100 ms.
 */
import type { MapReport, ProgressState } from "../map";

export interface Rendered {
  "text/html": string;
  "text/plain": string;
}

const BAR_WIDTH = 30;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(0)}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}

const num = (n: number) => n.toLocaleString("en-US");

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function parts(p: ProgressState): string[] {
  const out = [p.total === null ? `${num(p.done)} items` : `${num(p.done)}/${num(p.total)}`, formatRate(p.rate)];
  if (p.etaMs !== null && !p.finished) out.push(`ETA ${formatDuration(p.etaMs)}`);
  out.push(`${p.busyWorkers} busy`);
  if (p.failed) out.push(`${num(p.failed)} failed`);
  // A cluster map: throughput per node, so a slow or idle node shows.
  if (p.nodes?.length) out.push(p.nodes.map((n) => `${n.name} ${formatRate(n.rate)}`).join(", "));
  return out;
}

export function renderProgress(p: ProgressState, name = "map"): Rendered {
  const frac = p.total ? Math.min(1, p.done / p.total) : p.total === 0 ? 1 : null;
  const pct = frac === null ? "" : `${Math.floor(frac * 100)}%`;
  const filled = frac === null ? 0 : Math.round(frac * BAR_WIDTH);
  const bar = frac === null ? "░".repeat(BAR_WIDTH) : "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const info = parts(p).join(" · ");
  const text = `${name} ${bar} ${pct} ${info}`.replace(/\s+/g, " ").trim();
  const width = frac === null ? "" : `${(frac * 100).toFixed(1)}%`;
  const html =
    `<div class="threadlab-progress" style="font-family:var(--jp-code-font-family,monospace);font-size:12px">` +
    `<span>${escapeHtml(name)}</span> ` +
    (frac === null
      ? `<progress style="width:16em;vertical-align:middle"></progress>`
      : `<progress value="${width.replace("%", "")}" max="100" style="width:16em;vertical-align:middle"></progress> ${pct}`) +
    ` <span>${escapeHtml(info)}</span></div>`;
  return { "text/html": html, "text/plain": text };
}

/** One line for the end of a map: wall time, items/s, workers, chunk size. */
export function renderSummary(
  r: Pick<MapReport, "name" | "items" | "wallMs" | "workers" | "chunkSize" | "failures">,
): Rendered {
  const rate = r.wallMs > 0 ? (r.items * 1000) / r.wallMs : 0;
  const bits = [
    `${num(r.items)} items in ${formatDuration(r.wallMs)}`,
    formatRate(rate),
    `${r.workers} worker${r.workers === 1 ? "" : "s"}`,
    `chunk ${num(r.chunkSize)}`,
  ];
  if (r.failures.length)
    bits.push(`${num(r.failures.length)} failed (first: item ${r.failures[0].index}: ${r.failures[0].error.message})`);
  const text = `${r.name}: ${bits.join(" · ")}`;
  return {
    "text/plain": text,
    "text/html": `<div class="threadlab-summary" style="font-family:var(--jp-code-font-family,monospace);font-size:12px">${escapeHtml(text)}</div>`,
  };
}
