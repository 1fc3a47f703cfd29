export { WorkerPool, type OutputSink } from "./pool";
export type { PoolOptions, WorkerSetup } from "./options";
export { POOL_TUNING, checkPoolSize, defaultPoolSize } from "./options";
export type { PoolStatus, WorkerStatus, MapStatus } from "./status";
export { WORKER_CPU_AVAILABLE, WORKER_CPU_UNAVAILABLE } from "./worker-gauges";
export { renderProgress, renderSummary } from "./progress";
export { ChunkLog, mergeNeighbours, type EndedMap, type RunningOnNode } from "./chunk-log";
// What a map is lives in kernel/map/; re-exported so the pool's users need one import for both.
export {
  AbortError,
  ItemTimeoutError,
  MapItemError,
  MapOptionError,
  PoisonItemError,
  range,
  resolveMapOptions,
  WorkerStartError,
  type ItemFailureReport,
  type MapItems,
  type MapOptions,
  type MapReport,
  type ProgressState,
  type RangeItems,
  type ResolvedMapOptions,
} from "../map";
