import { MAP_TUNING } from "./options";

/** What a backend tunes in its chunk sizes: the worker pool's chunks and the cluster's batches differ only here. */
export interface SizerTuning {
  /** Items per chunk before any time per item is known. */
  probe: number;
  /** Target backend-side time per chunk. */
  targetMs: number;
  /** Largest chunk, whatever the timing. */
  maxItems: number;
  /** Largest chunk for inputs of unknown length (bounds memory of streamed inputs). */
  maxUnknown: number;
}

/** The worker pool's chunks: ~10 ms of work each. */
export const LOCAL_SIZING: SizerTuning = {
  probe: MAP_TUNING.autoChunkProbe,
  targetMs: MAP_TUNING.autoChunkTargetMs,
  maxItems: Infinity,
  maxUnknown: MAP_TUNING.autoChunkMaxUnknown,
};

/**
 * Chunk sizes for one map. "auto" starts with small probe chunks, then aims at `targetMs` of work per chunk from the
 * measured time per item, capped so every worker still gets about four chunks (CPython's rule) for balance.
 */
export class ChunkSizer {
  private msPerItem: number | undefined;
  constructor(
    private readonly fixed: number | "auto",
    private readonly total: number | null,
    private readonly tuning: SizerTuning = LOCAL_SIZING,
  ) {}
  /** The next chunk's size for `workers` workers (the cluster's count changes as agents come and go). */
  next(workers: number): number {
    if (this.fixed !== "auto") return this.fixed;
    const t = this.tuning;
    const cap = Math.min(
      t.maxItems,
      this.total === null ? t.maxUnknown : Math.max(1, Math.ceil(this.total / (4 * Math.max(1, workers)))),
    );
    if (this.msPerItem === undefined) return Math.min(cap, t.probe);
    const want = Math.round(t.targetMs / Math.max(this.msPerItem, 1e-6));
    return Math.max(1, Math.min(cap, want));
  }
  /** Backend-side busy time of a finished chunk: excludes messaging, which is what chunking amortizes. */
  record(items: number, busyMs: number): void {
    if (items <= 0) return;
    const sample = busyMs / items;
    // Weighted toward recent chunks: the first includes compiling the function.
    this.msPerItem = this.msPerItem === undefined ? sample : 0.5 * this.msPerItem + 0.5 * sample;
  }
}
