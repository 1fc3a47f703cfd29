import type { ProgressState } from "./options";

/**
 * What a running map counts, whichever backend runs it (MapJob, ClusterMap): its progress and its final report
 * are computed from this, once.
 */
export interface MapTally {
  readonly id: number;
  readonly opts: { readonly name: string };
  readonly results: unknown[];
  readonly failures: readonly unknown[];
  readonly done: number;
  readonly startedAt: number;
  readonly finished: boolean;
}

/** A map's progress figures: items/s since the start, and the time left at that rate. */
export function progressState(m: MapTally, total: number | null, busyWorkers: number): ProgressState {
  const elapsedMs = performance.now() - m.startedAt;
  const rate = elapsedMs > 0 ? (m.done * 1000) / elapsedMs : 0;
  return {
    done: m.done,
    total,
    failed: m.failures.length,
    rate,
    etaMs: total !== null && rate > 0 ? ((total - m.done) / rate) * 1000 : null,
    busyWorkers,
    elapsedMs,
    finished: m.finished,
  };
}
