/**
 * Per-worker counters in shared memory: workers write them as they go, the snapshot reads them without a
 * message round trip (a sidebar polls at 4 Hz; asking busy workers would stall). One cache line per worker so
 * workers never write the same line. Lifecycle state is written by the main thread only, counters by the worker
 * only, so no field has two writers.
 */
export const STATS_STRIDE = 8;
export const F = {
  /** WorkerLifecycle, written by the pool. */
  state: 0,
  /** Busy milliseconds in finished chunks. */
  busyMs: 1,
  /** Start of the chunk being run (epoch ms), 0 when idle: busy time so far includes the running chunk. */
  chunkStart: 2,
  items: 3,
  chunks: 4,
  /** Map id of the chunk being run (or last run). */
  mapId: 5,
  spawnedAt: 6,
  /**
   * Maps with a `timeout` only (map/timeout.ts): the index in its map of the item being run, -1 after a chunk.
   * The pool clocks how long it stays the same (pool/item-timeouts.ts).
   */
  itemIndex: 7,
} as const;

export { WORKER_LIFECYCLE as LIFECYCLE, type WorkerLifecycle } from "../../schema/vocabulary";

export function createStats(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * STATS_STRIDE * Float64Array.BYTES_PER_ELEMENT);
}

export function slotView(stats: SharedArrayBuffer, slot: number): Float64Array {
  return new Float64Array(stats, slot * STATS_STRIDE * Float64Array.BYTES_PER_ELEMENT, STATS_STRIDE);
}

/** Cancel flags: slot `mapId % CANCEL_SLOTS` holds `mapId` once that map is cancelled. */
export const CANCEL_SLOTS = 64;

export { epochMs } from "../map";
