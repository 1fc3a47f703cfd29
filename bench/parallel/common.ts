/** Shared bits of the parallel benchmarks: timing, the anchor/ours/ratio line, hand-built shipped functions. */
import fs from "node:fs";
import type { ShippedFunction } from "../../kernel/ship/types";

export function fn(code: string, scope: ShippedFunction["scope"] = {}, name = "bench"): ShippedFunction {
  return { name, code, scope, resolveDir: process.cwd() };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function timeMs(f: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** Median of `reps` timed runs after `warmup` untimed ones. */
export async function medianMs(reps: number, warmup: number, f: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) xs.push(await timeMs(f));
  return median(xs);
}

/** Prints the benchmark's one result line: anchor figure, ours, ratio, and whether the goal is met. */
export function report(
  title: string,
  anchorLabel: string,
  anchor: number,
  ours: number,
  unit: string,
  goal?: { ratio: number; lowerIsBetter: boolean },
): string {
  const ratio = ours / anchor;
  const met = goal ? (goal.lowerIsBetter ? ratio <= goal.ratio : ratio >= goal.ratio) : undefined;
  const line =
    `${title}: ${anchorLabel} ${fmt(anchor)} ${unit} · ours ${fmt(ours)} ${unit} · ratio ${ratio.toFixed(2)}×` +
    (goal ? ` (goal ${goal.lowerIsBetter ? "≤" : "≥"} ${goal.ratio}×: ${met ? "met" : "NOT met"})` : "");
  console.log(line);
  return line;
}

export function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Resident memory of the whole process (all threads) from /proc, in bytes. */
export function vmRssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : process.memoryUsage.rss();
}
