import { POOL_TUNING } from "./options";

/**
 * Chunk sizes for one map. "auto" starts with small probe chunks, then aims at ~10 ms of work per chunk from the
 * measured time per item, capped so every worker still gets about four chunks (CPython's rule) for balance.
 */
export class ChunkSizer {
  private msPerItem: number | undefined;
  private readonly cap: number;
  constructor(
    private readonly fixed: number | "auto",
    total: number | null,
    workers: number,
  ) {
    this.cap = total === null ? POOL_TUNING.autoChunkMaxUnknown : Math.max(1, Math.ceil(total / (4 * workers)));
  }
  next(): number {
    if (this.fixed !== "auto") return this.fixed;
    if (this.msPerItem === undefined) return Math.min(this.cap, POOL_TUNING.autoChunkProbe);
    const want = Math.round(POOL_TUNING.autoChunkTargetMs / Math.max(this.msPerItem, 1e-6));
    return Math.max(1, Math.min(this.cap, want));
  }
  /** Worker-side busy time of a finished chunk: excludes messaging, which is what chunking amortizes. */
  record(items: number, busyMs: number): void {
    if (items <= 0) return;
    const sample = busyMs / items;
    // Weighted toward recent chunks: the first includes compiling the function.
    this.msPerItem = this.msPerItem === undefined ? sample : 0.5 * this.msPerItem + 0.5 * sample;
  }
}
