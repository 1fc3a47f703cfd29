import type { ProgressState } from "./options";

/**
 * The figures of a map's progress from its counts, the one computation for the local pool's maps and the
 * cluster's: items/s since the start, and the time left at that rate.
 */
export function progressState(o: {
  done: number;
  total: number | null;
  failed: number;
  startedAt: number;
  busyWorkers: number;
  finished: boolean;
}): ProgressState {
  const elapsedMs = performance.now() - o.startedAt;
  const rate = elapsedMs > 0 ? (o.done * 1000) / elapsedMs : 0;
  return {
    done: o.done,
    total: o.total,
    failed: o.failed,
    rate,
    etaMs: o.total !== null && rate > 0 ? ((o.total - o.done) / rate) * 1000 : null,
    busyWorkers: o.busyWorkers,
    elapsedMs,
    finished: o.finished,
  };
}
