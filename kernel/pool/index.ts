export { WorkerPool } from "./pool";
export { range, type MapItems, type RangeItems } from "./items";
export type { MapOptions, PoolOptions, ProgressState, WorkerSetup } from "./options";
export { POOL_TUNING, defaultPoolSize, resolveMapOptions } from "./options";
export type { MapReport, ItemFailureReport } from "./map-run";
export type { PoolSnapshot, WorkerSnapshot, MapSnapshot } from "./snapshot";
export { MapItemError, PoisonItemError, WorkerStartError, AbortError } from "./errors";
export { renderProgress, renderSummary } from "./progress";
