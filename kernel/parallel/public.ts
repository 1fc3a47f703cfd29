/** `parallel` as the `threadlab` module exports it. */
export { map, run, range, last } from "./api";
export type { ParallelMapOptions } from "./api";
export { setPoolSize as setWorkers } from "./kernel-pool";
export type { MapReport, ProgressState } from "../pool";

import { existingPool } from "./kernel-pool";
/** The pool's state (workers, queue, running maps, shared models, RSS), or undefined before the first map. */
export function status() {
  return existingPool()?.snapshot();
}
