/** The numbers that describe a map, declared once: progress, the pool's status and the timeline build on them. */

/** How far a map is: the figures every view of a map shows (progress, `%parallel status`, the sidebar). */
export interface MapCounts {
  done: number;
  /** null while a streamed input has not ended. */
  total: number | null;
  failed: number;
  /** Items per second since the map started. */
  rate: number;
}

export interface ProgressState extends MapCounts {
  /** null when unknown (no total yet, or nothing done). */
  etaMs: number | null;
  busyWorkers: number;
  elapsedMs: number;
  finished: boolean;
  /** Per cluster node (cluster backend only). */
  nodes?: { name: string; done: number; rate: number; workers: number }[];
}

/** A map's progress figures: items/s since the start, and the time left at that rate. */
export function progressState(
  m: { readonly done: number; readonly failed: number; readonly startedAt: number; readonly finished: boolean },
  total: number | null,
  busyWorkers: number,
): ProgressState {
  const elapsedMs = performance.now() - m.startedAt;
  const rate = elapsedMs > 0 ? (m.done * 1000) / elapsedMs : 0;
  return {
    done: m.done,
    total,
    failed: m.failed,
    rate,
    etaMs: total !== null && rate > 0 ? ((total - m.done) / rate) * 1000 : null,
    busyWorkers,
    elapsedMs,
    finished: m.finished,
  };
}
