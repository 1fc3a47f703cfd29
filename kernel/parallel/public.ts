/**
 * `parallel` as the `threadlab` module exports it. These are the plain library's functions (no kernel: no
 * progress display, no cancel on interrupt); in a notebook, `createThreadlab` (kernel/module/create.ts) gives
 * `map` and `run` the kernel's door.
 */
import type { MapItems, MapReport } from "../pool";
import { mapInNotebook, type MapFunction, type ParallelMapOptions } from "./map";
import { existingPool, setPoolSize } from "./notebook-pool";
import { startRunningMap, type RunningMap } from "./running-map";

export { range } from "../pool";
export type { ParallelMapOptions } from "./map";
export type { RunningMap } from "./running-map";
export type { MapReport, ProgressState } from "../pool";

/**
 * Runs `fn(item, model, index)` over `items` on the notebook's worker pool and returns the results in item
 * order (unless `unordered`). Free variables of `fn` are shipped to the workers; `model` is shared once
 * (zero-copy) with every worker. A kernel interrupt cancels the map. In a notebook, a live progress bar is
 * shown unless `progress: false`.
 */
export async function map<T = unknown, R = unknown>(
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, R>,
  options: ParallelMapOptions = {},
): Promise<Awaited<R>[]> {
  return (await run(items, fn, options)).results as Awaited<R>[];
}

/** Like `map`, with the whole report: results, failures (errors "collect"), wall time, workers, chunk size. */
export function run<T = unknown>(
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, unknown>,
  options: ParallelMapOptions = {},
): Promise<MapReport> {
  return mapInNotebook(undefined, items, fn, options);
}

/**
 * Starts a map like `run` and returns at once with its handle: `results` so far (a live view, item order),
 * `done`, `total`, `state`, `progress()`, `cancel()`, and `report` (a promise of `run`'s report). A second console
 * on the kernel (a subshell) can read the handle while the notebook's cell awaits `job.report`.
 */
export function start<T = unknown, R = unknown>(
  items: MapItems | Iterable<T> | AsyncIterable<T>,
  fn: MapFunction<T, R>,
  options: ParallelMapOptions = {},
): RunningMap<R> {
  return startRunningMap(undefined, items, fn, options);
}

/**
 * Sets the notebook pool's size to `n` workers (1…256) and resizes a running pool. The setting is recorded as the
 * API's (`%threadpool doctor` and the sidebar say where the size came from): provenance is the library's
 * bookkeeping, so the caller does not pass it.
 */
export function setWorkers(n: number): void {
  setPoolSize(n, "api");
}

/** The pool's status (workers, queue, running maps, shared models, RSS), or undefined before the first map. */
export function status() {
  return existingPool()?.status();
}
