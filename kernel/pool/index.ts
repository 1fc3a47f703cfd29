export { WorkerPool, type OutputSink } from "./pool";
export { range, type MapItems, type RangeItems } from "./items";
export type { MapOptions, PoolOptions, ProgressState, ResolvedMapOptions, WorkerSetup } from "./options";
export { POOL_TUNING, checkPoolSize, defaultPoolSize, MapOptionError, resolveMapOptions } from "./options";
export type { MapReport, ItemFailureReport } from "./map-job";
export type { PoolStatus, WorkerStatus, MapStatus } from "./status";
export { WORKER_CPU_AVAILABLE, WORKER_CPU_UNAVAILABLE } from "./worker-gauges";
export { MapItemError, PoisonItemError, WorkerStartError, AbortError } from "./errors";
export { renderProgress, renderSummary } from "./progress";
