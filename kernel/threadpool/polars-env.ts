/**
 * Polars' start-time variable in the kernel's own environment: Polars reads `POLARS_MAX_THREADS` once, when
 * its pool first starts, from the process environment — which only the main thread's `process.env` writes
 * to (a worker's is a copy). So while Polars has not started, the kernel thread keeps the variable at the
 * limit that would apply to it, and a worker that loads Polars during a map starts it at the workers' size.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";
import { winningEntry, type LimitEntry } from "./limit-state";
import { POLARS_ENV, POLARS_SELECTABLE, runningPolarsThreads } from "./runtime/polars";

// The value threadlab put in this process's environment, so it is taken back and never overwrites the user's.
let ours: string | undefined;

/**
 * Sets `POLARS_MAX_THREADS` in this process for a Polars that has not started yet, from the winning entry of
 * `entries` (a limit on polars, a number limit, or the per-worker default while a map's pool exists), and
 * removes it again when none applies. Does nothing once Polars runs (its pool is fixed), off the main thread
 * (a worker's `process.env` is a copy Polars never reads), or when the user set the variable.
 */
export function syncPolarsStartEnv(entries: readonly LimitEntry[], env: NodeJS.ProcessEnv = process.env): void {
  if (!isMainThread || runningPolarsThreads() > 0) return;
  if (env[POLARS_ENV] !== undefined && env[POLARS_ENV] !== ours) return;
  const win = winningEntry(POLARS_SELECTABLE, entries);
  if (win) {
    ours = String(win.threads);
    env[POLARS_ENV] = ours;
  } else if (ours !== undefined) {
    delete env[POLARS_ENV];
    ours = undefined;
  }
}
