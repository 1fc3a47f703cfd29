import fs from "node:fs";
import type { ShippedFunction } from "../../kernel/ship/types";

/** A shipped function built by hand, as the ship helper would hand it to the pool. */
export function fn(code: string, scope: ShippedFunction["scope"] = {}, name = "f"): ShippedFunction {
  return { name, code, scope, resolveDir: process.cwd() };
}

/** Resident memory of the whole process, all threads included. */
export function vmRssMB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return Number(m![1]) / 1024;
}

export function threadCount(): number {
  return fs.readdirSync("/proc/self/task").length;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}
