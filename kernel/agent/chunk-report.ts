/**
 * An agent's report of the chunks its workers ran for each batch, for the kernel's task timeline: read from the
 * agent pool's own chunk log (kernel/pool/chunk-log.ts) with a cursor, sorted by the pool map each batch ran as,
 * and handed over with the batch's result, merged to at most MAX_BATCH_CHUNKS. Nothing extra is sent: the
 * report rides on the result message the agent sends anyway.
 *
 * @module
 */
import type { ChunkRecord } from "../../schema/sidebar";
import { mergeNeighbours, type ChunkLog } from "../pool";
import { epochMs } from "../map";
import { MAX_BATCH_CHUNKS, type ChunkWire } from "../cluster/wire";

export class BatchChunkReport {
  private seq: number;
  private readonly byMap = new Map<number, ChunkRecord[]>();

  constructor(private readonly log: ChunkLog) {
    this.seq = log.seq;
  }

  /** Starts collecting the chunks of the pool map `id` (a batch, or part of one being bisected). */
  watch(id: number): void {
    this.byMap.set(id, []);
  }

  /**
   * Moves the log's new records to the maps being watched. Called as maps progress too, so the ring does not
   * overwrite a long batch's chunks before its end.
   */
  collect(): void {
    const { records, seq } = this.log.since(this.seq);
    this.seq = seq;
    for (const r of records) {
      const bars = this.byMap.get(r.map);
      if (!bars) continue;
      bars.push(r);
      // A long batch keeps only a bounded, merged record of itself.
      if (bars.length > 4 * MAX_BATCH_CHUNKS) this.byMap.set(r.map, mergeLanes(bars, MAX_BATCH_CHUNKS));
    }
  }

  /** The chunks of the pool maps `ids`, which are no longer watched, as the wire carries them. */
  take(ids: readonly number[]): ChunkWire[] {
    this.collect();
    const bars: ChunkRecord[] = [];
    for (const id of ids) {
      bars.push(...(this.byMap.get(id) ?? []));
      this.byMap.delete(id);
    }
    const now = epochMs();
    return mergeLanes(bars, MAX_BATCH_CHUNKS).map((b) => [
      b.slot,
      Math.round(now - b.t0),
      Math.max(0, Math.round(b.t1 - b.t0)),
      b.items,
      b.failed,
      b.crashed ? 1 : 0,
    ]);
  }

  /** Stops collecting for maps whose batch ended without a result (cancelled). */
  forget(ids: readonly number[]): void {
    for (const id of ids) this.byMap.delete(id);
  }
}

/** Merges bars to about `quota`, per worker slot in proportion to its bars (at least one each). */
function mergeLanes(bars: ChunkRecord[], quota: number): ChunkRecord[] {
  if (bars.length <= quota) return bars;
  const bySlot = new Map<number, ChunkRecord[]>();
  for (const b of bars) {
    const lane = bySlot.get(b.slot) ?? [];
    // Merged as one map: a batch is one map, even when bisection ran it as several on the pool.
    lane.push({ ...b, map: 0 });
    bySlot.set(b.slot, lane);
  }
  return [...bySlot.values()].flatMap((lane) =>
    mergeNeighbours(
      lane.sort((a, b) => a.t0 - b.t0),
      Math.max(1, Math.floor((quota * lane.length) / bars.length)),
    ),
  );
}
