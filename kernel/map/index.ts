/**
 * A map, whichever backend runs it (docs/pool.md): options and their one
 * validation, items, errors, progress, the chunk sizer, the report and the backend seam. Imports no other kernel
 * folder.
 */
export type { LiveMap, MapBackend, MapSubmission, StartedMap } from "./backend";
export { ChunkSizer, LOCAL_SIZING, type SizerTuning } from "./chunk-sizer";
export { epochMs } from "./clock";
export {
  AbortError,
  mapEndOf,
  MapItemError,
  PoisonItemError,
  rebuildError,
  WorkerStartError,
  type MapEndWord,
  type WireError,
} from "./errors";
export {
  isRange,
  itemSource,
  range,
  sliceAround,
  splitSlice,
  type ChunkItems,
  type ItemSource,
  type MapItems,
  type RangeItems,
  type Slice,
} from "./items";
export { MapRun } from "./map-run";
export {
  checkModel,
  isModelFileSource,
  MAP_TUNING,
  MapOptionError,
  resolveMapOptions,
  type MapOptions,
  type ModelFileSource,
  type ResolvedMapOptions,
} from "./options";
export {
  isOverdue,
  ItemTimeoutError,
  itemErrorToWire,
  rebuildItemError,
  timeoutCheckMs,
  type TimeoutWire,
} from "./timeout";
export { progressState, type MapCounts, type ProgressState } from "./progress";
export { completedReport, type ItemFailureReport, type MapReport, type MapTally } from "./report";
